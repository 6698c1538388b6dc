"""torch's top-level in-place functions, torch.fill and the window functions against torch==2.13."""

import ember
import numpy as np
import pytest
from ember.ops import METHODS_AS_FUNCTIONS

torch = pytest.importorskip("torch")

# arguments after the tensor, and the inputs' domain
ARGUMENTS = {
    "addmv_": lambda m: (m.ones(3, 2, dtype=m.float64), m.ones(2, dtype=m.float64)),
    "clamp_": lambda m: (-0.5, 0.5), "clamp_max_": lambda m: (0.2,), "clamp_min_": lambda m: (-0.2,),
    "clip_": lambda m: (-0.3, 0.3), "fill_": lambda m: (2.5,), "gcd_": lambda m: (m.tensor([4, 6, 9]),),
    "lcm_": lambda m: (m.tensor([4, 6, 9]),), "ldexp_": lambda m: (m.tensor([1.0, 2.0, 3.0], dtype=m.float64),),
    "xlogy_": lambda m: (m.tensor([1.0, 2.0, 3.0], dtype=m.float64),), "logit_": lambda m: (0.01,),
    "index_put_": lambda m: ((m.tensor([0, 2]),), m.tensor([7.0, 8.0], dtype=m.float64)),
    "resize_as_": lambda m: (m.zeros(3, dtype=m.float64),), "nan_to_num_": lambda m: (0.0,),
    "split_with_sizes": lambda m: ([1, 2],), "unsafe_split_with_sizes": lambda m: ([2, 1],),
}  # fmt: skip
INTEGER = {"gcd_", "lcm_"}
UNIT = {"acos_", "arccos_", "asin_", "arcsin_", "atanh_", "arctanh_", "logit_", "erfinv_"}
AT_LEAST_ONE = {"acosh_", "arccosh_"}


def _input(module, name):
    if name in INTEGER:
        return module.tensor([8, 9, 12])
    values = [0.3, 0.6, 0.9] if name in UNIT else [1.2, 1.5, 2.5] if name in AT_LEAST_ONE else [0.4, 1.3, 2.2]
    return module.tensor(values, dtype=module.float64)


def _host(value):
    if isinstance(value, (tuple, list)):
        return [_host(v) for v in value]
    return value.detach().cpu().numpy() if hasattr(value, "detach") else value


@pytest.mark.parametrize("name", [n for n in METHODS_AS_FUNCTIONS if n not in ("detach_", "get_device")])
def test_top_level_method_functions_match_torch(name):
    results = []
    for module in (torch, ember):
        x = _input(module, name)
        out = getattr(module, name)(x, *ARGUMENTS.get(name, lambda m: ())(module))
        results.append((_host(out), _host(x)))
    (t_out, t_x), (e_out, e_x) = results
    np.testing.assert_allclose(np.asarray(e_x), np.asarray(t_x), rtol=1e-12)
    for e, t in zip(e_out if isinstance(e_out, list) else [e_out], t_out if isinstance(t_out, list) else [t_out]):
        np.testing.assert_allclose(np.asarray(e), np.asarray(t), rtol=1e-12)


def test_detach_and_get_device_match_torch():
    for module in (torch, ember):
        x = module.ones(2, requires_grad=True) * 2
        module.detach_(x)
        assert not x.requires_grad and x.grad_fn is None
        assert module.get_device(x) == -1


def test_fill_matches_torch_with_gradients():
    grads = []
    for module in (torch, ember):
        x = module.tensor([1.0, 2.0, 3.0], dtype=module.float64, requires_grad=True)
        v = module.tensor(0.5, dtype=module.float64, requires_grad=True)
        y = module.fill(x, v)
        (y * module.tensor([1.0, 2.0, 4.0], dtype=module.float64)).sum().backward()
        grads.append((_host(y), _host(x.grad), _host(v.grad)))
        assert module.fill(module.tensor([1, 2]), 2.5).tolist() == [2, 2]
    for e, t in zip(grads[1], grads[0]):
        np.testing.assert_array_equal(e, t)


WINDOWS = ["hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"]


@pytest.mark.parametrize("name", WINDOWS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_windows_match_torch(name, dtype):
    for n in (0, 1, 2, 5, 16, 33):
        for periodic in (True, False):
            t = getattr(torch, name)(n, periodic, dtype=getattr(torch, dtype))
            e = getattr(ember, name)(n, periodic, dtype=getattr(ember, dtype))
            assert str(e.dtype).split(".")[1] == dtype and e.shape == t.shape
            np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-5 if dtype == "float32" else 1e-12, atol=1e-6)
    assert getattr(ember, name)(4).dtype is ember.float32


def test_window_parameters_match_torch():
    np.testing.assert_allclose(ember.hamming_window(9, False, 0.5, 0.3).numpy(), torch.hamming_window(9, False, 0.5, 0.3).numpy(), rtol=1e-6)  # fmt: skip
    np.testing.assert_allclose(ember.kaiser_window(9, True, 4.0).numpy(), torch.kaiser_window(9, True, 4.0).numpy(), rtol=1e-5)  # fmt: skip


@pytest.mark.parametrize("name", WINDOWS)
def test_window_errors_match_torch(name):
    for module in (torch, ember):
        with pytest.raises(RuntimeError, match=f"{name} expects floating point dtypes"):
            getattr(module, name)(4, dtype=module.int64)
        with pytest.raises(RuntimeError, match=f"{name} requires non-negative window_length, got window_length=-2"):
            getattr(module, name)(-2)
