"""Values of the ops added for the Tensor method coverage, against NumPy and SciPy (no torch here)."""

import math

import ember
import numpy as np
import pytest
from scipy import special

RNG = np.random.default_rng(12)
X = RNG.uniform(-2, 2, (3, 4))
Y = RNG.uniform(-2, 2, (3, 4))
P = RNG.uniform(0.1, 0.9, (3, 4))
ABOVE1 = RNG.uniform(1.2, 3, (3, 4))


def t(array):
    return ember.tensor(array, dtype=ember.float64)


UNARY = [
    ("asinh", X, np.arcsinh),
    ("arcsinh", X, np.arcsinh),
    ("acosh", ABOVE1, np.arccosh),
    ("atanh", X / 3, np.arctanh),
    ("erfc", X, special.erfc),
    ("i0", X * 10, special.i0),
    ("exp2", X, np.exp2),
    ("deg2rad", X, np.deg2rad),
    ("rad2deg", X, np.rad2deg),
    ("logit", P, special.logit),
    ("sinc", X, np.sinc),
    ("signbit", np.array([-0.0, 0.0, -1.0, 2.0]), np.signbit),
    ("isposinf", np.array([np.inf, -np.inf, 1.0]), np.isposinf),
    ("isneginf", np.array([np.inf, -np.inf, 1.0]), np.isneginf),
]


@pytest.mark.parametrize(("name", "array", "reference"), UNARY, ids=[case[0] for case in UNARY])
def test_unary_matches_numpy(name, array, reference):
    np.testing.assert_allclose(getattr(ember, name)(t(array)).numpy(), reference(array), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(getattr(t(array), name)().numpy(), reference(array), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["asinh", "acosh", "atanh", "erfc", "exp2", "deg2rad", "logit", "sinc", "xlogy"])
def test_in_place_forms_write_into_self(name):
    base = t(ABOVE1 if name == "acosh" else P)
    expected = getattr(ember, name)(base, base) if name == "xlogy" else getattr(ember, name)(base)
    target = base.clone()
    result = getattr(target, name + "_")(base) if name == "xlogy" else getattr(target, name + "_")()
    assert result is target
    np.testing.assert_allclose(target.numpy(), expected.numpy())


BINARY = [
    ("atan2", np.arctan2),
    ("arctan2", np.arctan2),
    ("copysign", np.copysign),
    ("fmax", np.fmax),
    ("fmin", np.fmin),
    ("nextafter", np.nextafter),
    ("xlogy", lambda a, b: special.xlogy(a, np.abs(b))),
]


@pytest.mark.parametrize(("name", "reference"), BINARY, ids=[case[0] for case in BINARY])
def test_binary_matches_numpy(name, reference):
    other = np.abs(Y) if name == "xlogy" else Y
    np.testing.assert_allclose(getattr(ember, name)(t(X), t(other)).numpy(), reference(X, Y), rtol=1e-12)


def test_xlogy_is_zero_where_x_is_zero_unless_y_is_nan():
    out = ember.xlogy(ember.tensor([0.0, 0.0, 1.0]), ember.tensor([0.0, math.nan, 0.0]))
    np.testing.assert_array_equal(out.numpy(), special.xlogy([0.0, 0.0, 1.0], [0.0, np.nan, 0.0]).astype(np.float32))


def test_integer_ops_match_numpy():
    a, b = np.array([12, -18, 0, 7]), np.array([8, 12, 5, 3])
    np.testing.assert_array_equal(ember.gcd(ember.tensor(a), ember.tensor(b)).numpy(), np.gcd(a, b))
    np.testing.assert_array_equal(ember.tensor(a).lcm(ember.tensor(b)).numpy(), np.lcm(a, b))
    shifts = np.array([1, 2, 0, 3])
    np.testing.assert_array_equal(ember.bitwise_left_shift(ember.tensor(a), ember.tensor(shifts)).numpy(), a << shifts)
    np.testing.assert_array_equal(ember.tensor(a).bitwise_right_shift(ember.tensor(shifts)).numpy(), a >> shifts)
    with pytest.raises(NotImplementedError):
        ember.gcd(ember.ones(2), ember.ones(2))


def test_nan_to_num_and_frexp_and_ldexp_match_numpy():
    special_values = np.array([np.nan, np.inf, -np.inf, 1.5])
    np.testing.assert_array_equal(ember.nan_to_num(t(special_values)).numpy(), np.nan_to_num(special_values))
    np.testing.assert_array_equal(t(special_values).nan_to_num(2.0, 3.0, -4.0).numpy(), [2.0, 3.0, -4.0, 1.5])
    mantissa, exponent = ember.frexp(t(X))
    np.testing.assert_array_equal(mantissa.numpy(), np.frexp(X)[0])
    np.testing.assert_array_equal(exponent.numpy(), np.frexp(X)[1])
    assert exponent.dtype == ember.int32
    np.testing.assert_allclose(
        ember.ldexp(t(X), t(np.array([1.0, -2.0, 0.0, 3.0]))).numpy(), np.ldexp(X, [1, -2, 0, 3])
    )


def test_mvlgamma_matches_scipy():
    np.testing.assert_allclose(
        t(ABOVE1).mvlgamma(3).numpy(), np.vectorize(lambda v: special.multigammaln(v, 3))(ABOVE1), rtol=1e-12
    )


def test_scaled_products_match_numpy():
    a, m, v = RNG.normal(size=3), RNG.normal(size=(3, 4)), RNG.normal(size=4)
    np.testing.assert_allclose(ember.addmv(t(a), t(m), t(v), beta=0.5, alpha=2).numpy(), 0.5 * a + 2 * m @ v)
    u, w = RNG.normal(size=3), RNG.normal(size=4)
    np.testing.assert_allclose(t(m).addr(t(u), t(w)).numpy(), m + np.outer(u, w))
    b1, b2, c = RNG.normal(size=(2, 3, 5)), RNG.normal(size=(2, 5, 4)), RNG.normal(size=(2, 3, 4))
    np.testing.assert_allclose(ember.baddbmm(t(c), t(b1), t(b2), alpha=3).numpy(), c + 3 * b1 @ b2)
    np.testing.assert_allclose(ember.addbmm(t(m), t(b1), t(b2)).numpy(), m + (b1 @ b2).sum(0))
    nan_input = ember.full((3,), math.nan, dtype=ember.float64)
    np.testing.assert_allclose(ember.addmv(nan_input, t(m), t(v), beta=0).numpy(), m @ v)
    np.testing.assert_allclose(ember.addcmul(t(X), t(Y), t(P), value=2).numpy(), X + 2 * Y * P)
    np.testing.assert_allclose(t(X).addcdiv(t(Y), t(P)).numpy(), X + Y / P)
    np.testing.assert_allclose(ember.vdot(t(u), t(u)).numpy(), np.vdot(u, u))
    np.testing.assert_allclose(t(X).dist(t(Y), 3).numpy(), np.linalg.norm((X - Y).ravel(), 3))


def test_renorm_caps_each_slice_norm():
    out = t(X).renorm(2, 0, 1.0).numpy()
    norms = np.linalg.norm(X, axis=1)
    np.testing.assert_allclose(out, X * np.where(norms > 1, 1 / (norms + 1e-7), 1)[:, None])


def test_scatters_match_numpy():
    base, src = RNG.normal(size=(3, 4)), RNG.normal(size=4)
    expected = base.copy()
    expected[1] = src
    np.testing.assert_array_equal(ember.select_scatter(t(base), t(src), 0, 1).numpy(), expected)
    expected = base.copy()
    expected[:, 1::2] = 7.0
    np.testing.assert_array_equal(
        t(base).slice_scatter(ember.full((3, 2), 7.0, dtype=ember.float64), 1, 1, None, 2).numpy(), expected
    )
    expected = base.copy()
    np.fill_diagonal(expected, src[:3])
    np.testing.assert_array_equal(ember.diagonal_scatter(t(base), t(src[:3])).numpy(), expected)
    mask = base > 0
    expected = base.copy()
    expected[mask] = np.arange(12.0)[: mask.sum()]
    np.testing.assert_array_equal(t(base).masked_scatter(ember.tensor(mask), t(np.arange(12.0))).numpy(), expected)
    expected = base.copy().ravel()
    np.put(expected, [0, -1], [5.0, 6.0])
    np.testing.assert_array_equal(t(base).put(ember.tensor([0, -1]), t(np.array([5.0, 6.0]))).numpy().ravel(), expected)


def test_fill_diagonal_matches_numpy():
    for shape, wrap in (((3, 4), False), ((7, 3), True), ((7, 3), False), ((3, 3, 3), False)):
        expected = np.zeros(shape)
        np.fill_diagonal(expected, 2.0, wrap=wrap)
        np.testing.assert_array_equal(ember.zeros(*shape).fill_diagonal_(2.0, wrap=wrap).numpy(), expected)


def test_selections_match_numpy():
    data = np.array([[1.0, np.nan, 3.0, 2.0], [np.nan, 5.0, np.nan, 4.0]])
    result = ember.tensor(data).nanmedian(1)
    np.testing.assert_array_equal(result.values.numpy(), [2.0, 4.0])  # the lower median, as PyTorch
    np.testing.assert_array_equal(result.indices.numpy(), [3, 3])
    assert float(ember.tensor(data).nanmedian()) == 3.0
    np.testing.assert_array_equal(ember.msort(t(X)).numpy(), np.sort(X, axis=0))
    runs = ember.tensor([1, 1, 2, 2, 3, 1, 1])
    values, inverse, counts = runs.unique_consecutive(return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(values.numpy(), [1, 2, 3, 1])
    np.testing.assert_array_equal(inverse.numpy(), [0, 0, 1, 1, 2, 3, 3])
    np.testing.assert_array_equal(counts.numpy(), [2, 2, 1, 2])
    hist, edges = ember.histogram(t(X), 5)
    np.testing.assert_allclose(hist.numpy(), np.histogram(X, 5)[0])
    np.testing.assert_allclose(edges.numpy(), np.histogram(X, 5)[1])


def test_real_tensor_identities_and_predicates():
    x = t(X)
    assert x.conj() is x and x.resolve_conj() is x and x.resolve_neg() is x and x.real is x
    assert not x.is_conj() and not x.is_neg() and not x.is_inference() and not x.is_meta
    with pytest.raises(RuntimeError, match="non-complex"):
        x.imag  # noqa: B018
    np.testing.assert_array_equal(
        ember.angle(ember.tensor([-1.0, 0.0, 2.0])).numpy(), np.angle([-1.0, 0.0, 2.0]).astype(np.float32)
    )
    assert x.is_same_size(x * 2) and x.is_signed() and not ember.zeros(1, dtype=ember.uint8).is_signed()
    assert ember.tensor([3]).is_nonzero() and not ember.tensor([0.0]).is_nonzero()
    np.testing.assert_array_equal(x.adjoint().numpy(), X.T)


def test_in_place_comparisons_keep_the_dtype():
    x = ember.tensor([1.0, 2.0, 3.0])
    assert x.gt_(1.5) is x and x.dtype == ember.float32
    np.testing.assert_array_equal(x.numpy(), [0.0, 1.0, 1.0])
    y = ember.tensor([1, 0, 3])
    y.logical_not_()
    np.testing.assert_array_equal(y.numpy(), [0, 1, 0])


def test_callables_apply_elementwise():
    x = ember.tensor([1.0, 2.0])
    assert x.apply_(lambda v: v * 3) is x
    np.testing.assert_array_equal(x.numpy(), [3.0, 6.0])
    np.testing.assert_array_equal(x.map_(ember.tensor([1.0]), lambda a, b: a + b).numpy(), [4.0, 7.0])


def test_erfc_keeps_its_digits_in_the_tail():
    x = np.array([-3.0, 1.9, 2.0, 2.1, 3.0, 5.0, 10.0, 26.0])
    np.testing.assert_allclose(ember.erfc(t(x)).numpy(), special.erfc(x), rtol=1e-14)
    tail32 = ember.erfc(ember.tensor([3.0, 5.0], dtype=ember.float32)).numpy()
    np.testing.assert_allclose(tail32, special.erfc([3.0, 5.0]), rtol=1e-6)


def test_random_fills_match_the_distributions():
    ember.manual_seed(0)
    n = 20000
    cauchy = ember.empty(n, dtype=ember.float64).cauchy_(1.0, 2.0)
    assert abs(float(cauchy.median()) - 1.0) < 0.1
    log_normal = ember.empty(n, dtype=ember.float64).log_normal_(0.5, 0.25)
    assert abs(float(log_normal.log().mean()) - 0.5) < 0.02 and abs(float(log_normal.log().std()) - 0.25) < 0.02
    geometric = ember.empty(n).geometric_(0.25)
    assert float(geometric.min()) >= 1 and abs(float(geometric.mean()) - 4.0) < 0.15
    assert ember.tensor([0.2, 0.8]).multinomial(3, replacement=True).shape == (3,)


def test_xlogy_where_input_is_zero_has_value_and_input_gradient_zero():
    x = ember.tensor([0.0, 0.0, 2.0], dtype=ember.float64, requires_grad=True)
    y = ember.tensor([0.0, 1.0, 3.0], dtype=ember.float64, requires_grad=True)
    result = ember.xlogy(x, y)
    result.sum().backward()
    np.testing.assert_allclose(result.detach().numpy(), [0.0, 0.0, 2 * np.log(3.0)])
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.0, np.log(3.0)])
