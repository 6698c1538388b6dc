"""torch's top-level functions that are Tensor methods (ember.abs_, ember.detach, ...), ember.fill,
and the window functions, against NumPy."""

import ember
import numpy as np
import pytest
from ember.autograd import gradcheck, gradgradcheck
from ember.ops import METHODS_AS_FUNCTIONS


@pytest.mark.parametrize("name", METHODS_AS_FUNCTIONS)
def test_method_as_function_is_the_method(name):
    assert getattr(ember, name) is getattr(ember.Tensor, name)
    assert getattr(ember, name).__doc__


def test_in_place_functions_change_their_argument():
    t = ember.tensor([-1.5, 0.25, 2.0])
    assert ember.abs_(t) is t
    np.testing.assert_allclose(t.numpy(), [1.5, 0.25, 2.0])
    ember.clamp_(t, 0.5, 1.0)
    np.testing.assert_allclose(t.numpy(), [1.0, 0.5, 1.0])
    ember.sigmoid_(t)
    np.testing.assert_allclose(t.numpy(), 1 / (1 + np.exp(-np.array([1.0, 0.5, 1.0], np.float32))), rtol=1e-6)
    ember.fill_(t, 3)
    np.testing.assert_array_equal(t.numpy(), [3, 3, 3])
    ember.zero_(t)
    np.testing.assert_array_equal(t.numpy(), [0, 0, 0])
    r = ember.tensor([-1.0, 1.0])
    ember.relu_(r)
    np.testing.assert_array_equal(r.numpy(), [0, 1])
    n = ember.tensor([1, -2])
    ember.negative_(n)
    np.testing.assert_array_equal(n.numpy(), [-1, 2])


def test_detach_and_split_with_sizes():
    x = ember.ones(3, requires_grad=True)
    assert not ember.detach(x * 2).requires_grad
    pieces = ember.split_with_sizes(ember.arange(5), [2, 3])
    assert [p.tolist() for p in pieces] == [[0, 1], [2, 3, 4]]
    assert ember.get_device(x) == -1


def test_fill_copies_and_routes_the_gradient_to_value():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    value = ember.tensor(3.0, requires_grad=True)
    y = ember.fill(x, value)
    np.testing.assert_array_equal(y.detach().numpy(), [3, 3])
    np.testing.assert_array_equal(x.detach().numpy(), [1, 2])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 0])
    assert value.grad.item() == 2
    assert ember.fill(ember.tensor([1, 2]), 2.5).tolist() == [2, 2]


def test_fill_gradcheck():
    x = ember.tensor([1.0, 2.0, 3.0], dtype=ember.float64, requires_grad=True)
    v = ember.tensor(0.5, dtype=ember.float64, requires_grad=True)
    assert gradcheck(ember.fill, (x, v))
    assert gradgradcheck(lambda a, b: ember.fill(a, b) * b, (x, v))


def _numpy_window(name, n, periodic, **kw):
    full = n + 1 if periodic else n
    if name == "kaiser_window":
        w = np.kaiser(full, kw.get("beta", 12.0))
    elif name == "hamming_window" and kw:
        k = np.arange(full)
        w = kw["alpha"] - kw["beta"] * np.cos(2 * np.pi * k / (full - 1))
    else:
        w = {"hann_window": np.hanning, "hamming_window": np.hamming, "blackman_window": np.blackman,
             "bartlett_window": np.bartlett}[name](full)  # fmt: skip
    return w[:n]


WINDOWS = ["hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"]


@pytest.mark.parametrize("name", WINDOWS)
@pytest.mark.parametrize("periodic", [True, False])
@pytest.mark.parametrize("n", [2, 3, 8, 11])
def test_windows_match_numpy(name, periodic, n):
    got = getattr(ember, name)(n, periodic, dtype=ember.float64)
    assert got.dtype is ember.float64 and got.shape == (n,)
    np.testing.assert_allclose(got.numpy(), _numpy_window(name, n, periodic), atol=1e-12)


def test_window_arguments():
    np.testing.assert_allclose(
        ember.hamming_window(6, False, 0.6, 0.4, dtype=ember.float64).numpy(),
        _numpy_window("hamming_window", 6, False, alpha=0.6, beta=0.4),
    )
    np.testing.assert_allclose(ember.kaiser_window(7, beta=5.0).numpy(), _numpy_window("kaiser_window", 7, True, beta=5.0),
                               rtol=1e-5, atol=1e-6)  # fmt: skip
    w = ember.hann_window(4, requires_grad=True, device="cpu")
    assert w.requires_grad and w.is_leaf and w.dtype is ember.float32
    for name in WINDOWS:
        assert getattr(ember, name)(0).shape == (0,)
        assert getattr(ember, name)(1, False).tolist() == [1.0]


@pytest.mark.parametrize("name", WINDOWS)
def test_window_errors(name):
    with pytest.raises(RuntimeError, match=f"{name} expects floating point dtypes"):
        getattr(ember, name)(4, dtype=ember.int64)
    with pytest.raises(RuntimeError, match="requires non-negative window_length"):
        getattr(ember, name)(-1)
