"""hypot, logaddexp, logaddexp2 and heaviside against NumPy, with PyTorch's dtype rules and errors."""

import ember
import numpy as np
import pytest

RNG = np.random.default_rng(5)
A, B = RNG.uniform(-3, 3, (2, 3)), RNG.uniform(-3, 3, 3)


@pytest.mark.parametrize(
    ("name", "reference"), [("hypot", np.hypot), ("logaddexp", np.logaddexp), ("logaddexp2", np.logaddexp2)]
)
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
def test_values_match_numpy(name, reference, dtype):
    result = getattr(ember, name)(ember.tensor(A, dtype=dtype), ember.tensor(B, dtype=dtype))
    assert result.dtype is dtype
    np.testing.assert_allclose(result.numpy(), reference(A, B), rtol=1e-6 if dtype is ember.float32 else 1e-12)


def test_mixed_float_dtypes_promote_and_logaddexp_keeps_minus_infinity():
    assert ember.hypot(ember.ones(2), ember.ones(2, dtype=ember.float64)).dtype is ember.float64
    minus_inf = ember.tensor([-float("inf")])
    assert ember.logaddexp(minus_inf, minus_inf).item() == -float("inf")


def test_logaddexp_gradient_is_a_sigmoid_without_overflow():
    a = ember.tensor([1000.0, 0.0], requires_grad=True)
    ember.logaddexp(a, ember.tensor([0.0, 1000.0])).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [1.0, 0.0])


def test_heaviside_matches_numpy_and_its_in_place_form():
    x = RNG.choice([-1.0, 0.0, 2.0], (3, 4))
    values = ember.tensor([0.5], dtype=ember.float64)
    np.testing.assert_array_equal(ember.heaviside(ember.tensor(x), values).numpy(), np.heaviside(x, 0.5))
    t = ember.tensor(x)
    t.heaviside_(values)
    np.testing.assert_array_equal(t.numpy(), np.heaviside(x, 0.5))
    assert ember.heaviside(ember.tensor([-1, 0, 3]), ember.tensor([7])).tolist() == [0, 7, 1]


def test_in_place_hypot():
    t = ember.tensor([3.0, 5.0])
    t.hypot_(ember.tensor([4.0, 12.0]))
    assert t.tolist() == [5.0, 13.0]


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: ember.hypot(ember.ones(2), 2), TypeError, "must be Tensor, not int"),
        (lambda: ember.logaddexp(ember.ones(2), 1.0), TypeError, "must be Tensor, not float"),
        (lambda: ember.hypot(ember.tensor([1]), ember.tensor([1])), NotImplementedError, "Long"),
        (lambda: ember.logaddexp(ember.tensor([1]), ember.tensor([1])), NotImplementedError, "Long"),
        (lambda: ember.heaviside(ember.ones(2), ember.tensor([1])), RuntimeError, "different dtypes"),
        (lambda: ember.heaviside(ember.ones(2), 0.5), TypeError, "'values'"),
    ],
)
def test_errors(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_heaviside_has_no_derivative():
    x = ember.tensor([1.0, -1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="derivative for 'heaviside' is not implemented"):
        ember.heaviside(x, ember.tensor([0.5])).sum().backward()
