"""lgamma, digamma, polygamma, igamma/igammac and erfinv against torch 2.13: values, gradients, node names, edge values.

ember computes digamma and polygamma to about 1e-13 (checked against SciPy in the main suite);
torch's float64 polygamma is off by up to ~1e-9 and its float32 digamma by ~2e-6, so those
compare at a looser tolerance.
"""

import math

import ember
import numpy as np
import pytest

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(17)
OFF_INTEGER = RNG.integers(-3, 3, (2, 3)) + RNG.uniform(0.2, 0.8, (2, 3))
POSITIVE = RNG.uniform(0.5, 2, (2, 3))
UNIT = RNG.uniform(-0.8, 0.8, (2, 3))
EDGE = np.array([-math.inf, -3.5, -2.5, -1.0, -0.5, -0.0, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, math.inf, math.nan])

# name: (f(module, x), input, float64 rtol, node name)
CASES = {
    "lgamma": (lambda m, x: m.lgamma(x), OFF_INTEGER, 1e-10, "LgammaBackward0"),
    "digamma": (lambda m, x: x.digamma(), OFF_INTEGER, 1e-8, "DigammaBackward0"),
    "polygamma1": (lambda m, x: m.polygamma(1, x), POSITIVE, 1e-8, "PolygammaBackward0"),
    "polygamma3": (lambda m, x: x.polygamma(3), POSITIVE, 1e-8, "PolygammaBackward0"),
    "erfinv": (lambda m, x: m.erfinv(x), UNIT, 1e-10, "ErfinvBackward0"),
}


def _run(module, case, dtype):
    function, values, _, _ = CASES[case]
    x = module.tensor(values, dtype=getattr(module, dtype), requires_grad=True)
    y = function(module, x)
    (grad,) = module.autograd.grad(y, x, module.tensor(np.linspace(-1, 1, 6).reshape(2, 3), dtype=x.dtype))
    return y, grad


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_values_gradients_and_nodes_match_torch(case, dtype):
    (t_y, t_grad), (e_y, e_grad) = _run(torch, case, dtype), _run(ember, case, dtype)
    rtol = CASES[case][2] if dtype == "float64" else 1e-5
    assert str(e_y.dtype).replace("ember", "torch") == str(t_y.dtype)
    np.testing.assert_allclose(e_y.detach().numpy(), t_y.detach().numpy(), rtol=rtol, atol=rtol)
    np.testing.assert_allclose(e_grad.numpy(), t_grad.numpy(), rtol=rtol, atol=rtol)
    assert type(e_y.grad_fn).__name__ == type(t_y.grad_fn).__name__ == CASES[case][3]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["lgamma", "digamma", "erfinv"])
def test_edge_values_match_torch(name, dtype):
    expected = getattr(torch, name)(torch.tensor(EDGE, dtype=getattr(torch, dtype))).numpy()
    actual = getattr(ember, name)(ember.tensor(EDGE, dtype=getattr(ember, dtype))).numpy()
    np.testing.assert_allclose(actual, expected, rtol=1e-5 if dtype == "float32" else 1e-12, equal_nan=True)


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int32", "int64"])
@pytest.mark.parametrize("name", ["lgamma", "digamma", "erfinv"])
def test_integer_inputs_give_the_default_float_dtype(name, dtype):
    data = [1, 0, 1] if dtype == "bool" else [1, 2, 7]
    expected = getattr(torch, name)(torch.tensor(data, dtype=getattr(torch, dtype)))
    actual = getattr(ember, name)(ember.tensor(data, dtype=getattr(ember, dtype)))
    assert str(actual.dtype).replace("ember", "torch") == str(expected.dtype)
    np.testing.assert_allclose(actual.numpy(), expected.numpy(), rtol=1e-6, equal_nan=True)


def test_polygamma_refuses_a_negative_order_like_torch():
    for module in (torch, ember):
        with pytest.raises(RuntimeError):
            module.polygamma(-1, module.tensor([1.0]))


@pytest.mark.parametrize("name", ["igamma", "igammac"])
def test_igamma_values_and_gradients_match_torch(name):
    a = RNG.uniform(0.2, 20, (3, 4))
    x = RNG.uniform(0.01, 30, (3, 4))
    results = []
    for module in (torch, ember):
        xt = module.tensor(x, requires_grad=True)
        y = getattr(module, name)(module.tensor(a), xt)
        (grad,) = module.autograd.grad(y.sum(), xt)
        results.append((y.detach().numpy(), grad.numpy(), type(y.grad_fn).__name__))
    (t_y, t_grad, t_node), (e_y, e_grad, e_node) = results
    np.testing.assert_allclose(e_y, t_y, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(e_grad, t_grad, rtol=1e-10, atol=1e-13)
    assert e_node == t_node


def test_standard_gamma_gradient_agrees_with_torchs():
    from ember.distributions._gamma_sampling import standard_gamma_grad

    alpha = RNG.uniform(0.1, 50, 20)
    draws = torch._standard_gamma(torch.tensor(alpha))
    expected = torch._standard_gamma_grad(torch.tensor(alpha), draws).numpy()
    got = standard_gamma_grad(ember.tensor(alpha), ember.tensor(draws.numpy())).numpy()
    np.testing.assert_allclose(got, expected, rtol=2e-3)  # NOTE: torch's approximation is good to ~1e-4


@pytest.mark.parametrize("name", ["igamma", "igammac"])
def test_igamma_limits_at_zero_and_infinity_match_torch(name):
    inf = float("inf")
    a = [0.0, 0.0, 0.0, 0.0, 1.0, 2.0, inf, 1.0, inf, 0.0, 1e-3, 0.5, 3.0]
    x = [0.0, 1.0, inf, 0.5, 0.0, 0.0, 1.0, inf, inf, -1.0, 1e-3, 1e-30, 2.5]
    for dtype in ("float32", "float64"):
        mine = getattr(ember, name)(
            ember.tensor(a, dtype=getattr(ember, dtype)), ember.tensor(x, dtype=getattr(ember, dtype))
        )
        theirs = getattr(torch, name)(
            torch.tensor(a, dtype=getattr(torch, dtype)), torch.tensor(x, dtype=getattr(torch, dtype))
        )
        rtol = 1e-5 if dtype == "float32" else 1e-10  # NOTE: torch's float32 Q(a, x) = 1 - P loses digits
        np.testing.assert_allclose(np.asarray(mine.tolist()), theirs.numpy(), rtol=rtol, atol=1e-12, equal_nan=True)
