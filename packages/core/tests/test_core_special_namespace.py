"""ember.special: torch.special's names, against SciPy, with gradients checked numerically."""

from __future__ import annotations

import math

import ember
import numpy as np
import pytest
from ember.autograd import gradcheck, gradgradcheck
from scipy import special

X = np.array([-2.5, -0.7, 0.0, 0.3, 1.9, 4.0])


def _t(values, requires_grad: bool = False):
    return ember.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


@pytest.mark.parametrize(
    ("name", "reference"),
    [
        ("expit", special.expit),
        ("gammaln", lambda x: special.gammaln(x)),
        ("erf", special.erf),
        ("erfc", special.erfc),
        ("ndtr", special.ndtr),
        ("i0", special.i0),
        ("i1", special.i1),
        ("modified_bessel_i0", special.i0),
        ("modified_bessel_i1", special.i1),
        ("exp2", special.exp2),
        ("expm1", special.expm1),
        ("sinc", np.sinc),
        ("entr", special.entr),
    ],
)
def test_unary_functions_match_scipy(name, reference):
    values = X if name not in ("gammaln",) else np.abs(X) + 0.25
    got = getattr(ember.special, name)(_t(values)).numpy()
    np.testing.assert_allclose(got, reference(values), rtol=1e-12, atol=1e-14)


def test_psi_and_digamma_are_one_function():
    assert ember.special.psi is ember.special.digamma is ember.digamma
    np.testing.assert_allclose(ember.special.psi(_t([0.5, 3.0])).numpy(), special.psi([0.5, 3.0]), rtol=1e-12)


def test_xlog1py_is_zero_where_input_is_zero():
    x, y = _t([0.0, 0.0, 2.0]), _t([-1.0, 3.0, 0.5])
    np.testing.assert_allclose(ember.special.xlog1py(x, y).numpy(), special.xlog1py([0.0, 0.0, 2.0], [-1.0, 3.0, 0.5]))


def test_gammainc_multigammaln_and_out():
    a, x = _t([0.5, 1.0, 4.0]), _t([1.0, 2.0, 3.0])
    np.testing.assert_allclose(ember.special.gammainc(a, x).numpy(), special.gammainc([0.5, 1, 4], [1, 2, 3]))
    np.testing.assert_allclose(ember.special.gammaincc(a, x).numpy(), special.gammaincc([0.5, 1, 4], [1, 2, 3]))
    np.testing.assert_allclose(ember.special.multigammaln(_t([3.0]), 2).numpy(), special.multigammaln(3.0, 2))
    out = ember.empty(6, dtype=ember.float64)
    assert ember.special.ndtr(_t(X), out=out) is out
    np.testing.assert_allclose(out.numpy(), special.ndtr(X))


@pytest.mark.parametrize("name", ["entr", "ndtr", "i1"])
def test_composed_functions_differentiate_twice(name):
    values = np.array([0.4, 1.3, 2.2]) if name == "entr" else X
    function = getattr(ember.special, name)
    assert gradcheck(function, (_t(values, True),))
    assert gradgradcheck(function, (_t(values, True),))


def test_xlog1py_differentiates_twice():
    args = (_t([0.5, 1.5], True), _t([0.2, 2.0], True))
    assert gradcheck(ember.special.xlog1py, args)
    assert gradgradcheck(ember.special.xlog1py, args)


# --- the functions ember computes itself: SciPy's values over wide ranges -------------------------

WIDE = np.concatenate([-np.logspace(-8, 2.5, 120), [0.0], np.logspace(-8, 2.5, 120), np.linspace(-30, 30, 241)])
POSITIVE = WIDE[WIDE > 0]


def _oscillating_error(got, want, x):
    """Relative error, measured against the local amplitude (~ 1/sqrt|x|) near the zeros."""
    scale = np.maximum(np.abs(want), 1e-3 / np.sqrt(1 + np.abs(x)))
    return np.max(np.abs(got - want) / scale)


@pytest.mark.parametrize(
    ("name", "reference", "values", "oscillates"),
    [
        ("i0e", special.i0e, WIDE, False),
        ("i1e", special.i1e, WIDE, False),
        ("modified_bessel_i0", special.i0, WIDE, False),
        ("modified_bessel_i1", special.i1, WIDE, False),
        ("modified_bessel_k0", special.k0, POSITIVE, False),
        ("modified_bessel_k1", special.k1, POSITIVE, False),
        ("scaled_modified_bessel_k0", special.k0e, POSITIVE, False),
        ("scaled_modified_bessel_k1", special.k1e, POSITIVE, False),
        ("bessel_j0", special.j0, WIDE, True),
        ("bessel_j1", special.j1, WIDE, True),
        ("bessel_y0", special.y0, POSITIVE, True),
        ("bessel_y1", special.y1, POSITIVE, True),
        ("spherical_bessel_j0", lambda x: special.spherical_jn(0, x), WIDE, True),
        ("airy_ai", lambda x: special.airy(x)[0], np.linspace(-40, 40, 801), True),
        ("erfcx", special.erfcx, WIDE[WIDE > -26], False),
        ("log_ndtr", special.log_ndtr, np.concatenate([WIDE[WIDE < 8], -np.logspace(1, 150, 30)]), False),
        ("ndtri", special.ndtri, np.concatenate([np.logspace(-300, -1, 120), np.linspace(0.01, 0.99, 99)]), False),
    ],
)
def test_special_functions_match_scipy_to_float64(name, reference, values, oscillates):
    got = getattr(ember.special, name)(_t(values)).numpy()
    want = reference(values)
    if oscillates:
        assert _oscillating_error(got, want, values) < 1e-11
    else:
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=0)


@pytest.mark.parametrize(
    ("name", "edges"),
    [
        ("i0e", {0.0: 1.0, math.inf: 0.0, -math.inf: 0.0}),
        ("i1e", {0.0: 0.0, math.inf: 0.0}),
        ("modified_bessel_k0", {0.0: math.inf, -1.0: math.nan, math.inf: 0.0}),
        ("scaled_modified_bessel_k1", {0.0: math.inf, -1.0: math.nan, math.inf: 0.0}),
        ("bessel_j0", {0.0: 1.0, math.inf: math.nan}),
        ("bessel_y0", {0.0: -math.inf, -1.0: math.nan}),
        ("bessel_y1", {0.0: -math.inf, -1.0: math.nan}),
        ("spherical_bessel_j0", {0.0: 1.0, math.inf: 0.0}),
        ("airy_ai", {0.0: 0.3550280538878172, math.inf: math.nan}),
        ("erfcx", {math.inf: 0.0, -math.inf: math.inf, -30.0: math.inf}),
        ("log_ndtr", {math.inf: 0.0, -math.inf: -math.inf}),
        ("ndtri", {0.0: -math.inf, 1.0: math.inf, 0.5: 0.0, -0.5: math.nan, 1.5: math.nan}),
    ],
)
def test_edge_values_are_pytorchs(name, edges):
    values = np.array([*edges, math.nan])
    got = getattr(ember.special, name)(_t(values)).numpy()
    np.testing.assert_array_equal(got, np.array([*edges.values(), math.nan]))


def test_log_ndtr_keeps_its_digits_far_right():
    # NOTE: SciPy's erfc rounds there (x / sqrt(2) squared): the exact values, to 17 digits
    got = ember.special.log_ndtr(_t([10.5, 26.0, 29.0])).numpy()
    want = [-4.3190063178092304e-26, -2.4760633155033892e-149, -3.28978526670438e-185]
    np.testing.assert_allclose(got, want, rtol=1e-15)


def test_zeta_matches_scipy_and_pytorchs_domain():
    s = np.array([1.0001, 1.5, 2.0, 3.0, 4.5, 10.0, 30.5, 100.0])
    q = np.array([0.001, 0.1, 1.0, 2.5, 7.0, 100.0, 1e6])
    s_grid, q_grid = (a.ravel() for a in np.meshgrid(s, q))
    got = ember.special.zeta(_t(s_grid), _t(q_grid)).numpy()
    np.testing.assert_allclose(got, special.zeta(s_grid, q_grid), rtol=1e-13)
    # poles, s <= 1, and negative q (defined only for integer s), as PyTorch
    s, q = _t([1.0, 0.5, 2.0, 2.0, 2.5, 3.0]), _t([1.0, 1.0, 0.0, -1.5, -1.5, -2.5])
    np.testing.assert_allclose(
        ember.special.zeta(s, q).numpy(),
        [
            math.inf,
            math.nan,
            math.inf,
            special.zeta(2, -1.5),
            math.nan,
            special.zeta(3, 0.5) - 2.5**-3 - 1.5**-3 - 0.5**-3,
        ],
        rtol=1e-13,
    )
    np.testing.assert_allclose(ember.special.zeta(2.0, _t([1.0])).numpy(), [math.pi**2 / 6], rtol=1e-15)


def test_zeta_differentiates_in_q_only():
    s, q = _t([2.5], True), _t([1.5], True)
    ember.special.zeta(s.detach(), q).backward()
    np.testing.assert_allclose(q.grad.numpy(), -2.5 * special.zeta(3.5, 1.5), rtol=1e-13)
    with pytest.raises(NotImplementedError, match="the derivative for 'zeta' is not implemented"):
        ember.special.zeta(s, q).backward()


def _chebyshev_w(n, x):
    return special.eval_chebyu(2 * n, np.sqrt((1 + x) / 2))


POLYNOMIALS = [
    ("chebyshev_polynomial_t", special.eval_chebyt),
    ("chebyshev_polynomial_u", special.eval_chebyu),
    ("chebyshev_polynomial_v", lambda n, x: (-1.0) ** n * _chebyshev_w(n, -x)),
    ("chebyshev_polynomial_w", _chebyshev_w),
    ("shifted_chebyshev_polynomial_t", special.eval_sh_chebyt),
    ("shifted_chebyshev_polynomial_u", special.eval_sh_chebyu),
    ("shifted_chebyshev_polynomial_v", lambda n, x: (-1.0) ** n * _chebyshev_w(n, 1 - 2 * x)),
    ("shifted_chebyshev_polynomial_w", lambda n, x: _chebyshev_w(n, 2 * x - 1)),
    ("hermite_polynomial_h", special.eval_hermite),
    ("hermite_polynomial_he", special.eval_hermitenorm),
    ("laguerre_polynomial_l", special.eval_laguerre),
    ("legendre_polynomial_p", special.eval_legendre),
]


@pytest.mark.parametrize(("name", "reference"), POLYNOMIALS)
def test_orthogonal_polynomials_match_scipy(name, reference):
    x = np.linspace(0, 1, 21) if name.startswith("shifted") else np.linspace(-1, 1, 41)
    if name.startswith(("hermite", "laguerre")):
        x = np.linspace(-4, 6, 41)
    n = np.arange(0, 16)
    x_grid, n_grid = np.meshgrid(x, n)
    got = getattr(ember.special, name)(_t(x_grid), _t(n_grid)).numpy()
    want = reference(n_grid, x_grid)
    scale = np.max(np.abs(want), axis=1, keepdims=True)  # NOTE: near a root, relative to the degree's size
    assert np.max(np.abs(got - want) / scale) < 1e-13
    # a negative degree gives 0; a fractional one is truncated; an int degree gives a float result
    assert getattr(ember.special, name)(_t([0.3]), -1).item() == 0.0
    fractional = getattr(ember.special, name)(_t([0.3]), 2.7).item()
    assert fractional == getattr(ember.special, name)(_t([0.3]), 2).item()
    assert getattr(ember.special, name)(ember.tensor([1, 2]), 3).dtype == ember.float32
    assert math.isnan(getattr(ember.special, name)(_t([math.nan]), 3).item())


@pytest.mark.parametrize(
    "name",
    ["bessel_j0", "bessel_y1", "modified_bessel_i0", "modified_bessel_k1", "airy_ai", "spherical_bessel_j0"],
)
def test_functions_pytorch_does_not_differentiate_give_results_without_history(name):
    x = _t([0.5, 2.0], True)
    assert not getattr(ember.special, name)(x).requires_grad
    assert not ember.special.legendre_polynomial_p(x, 3).requires_grad


def test_float32_inputs_give_float32_results():
    x = ember.tensor([0.5, 2.0, 40.0])
    for name in ("i0e", "bessel_j0", "airy_ai", "erfcx", "log_ndtr", "modified_bessel_k0"):
        got = getattr(ember.special, name)(x)
        assert got.dtype == ember.float32
        reference = getattr(ember.special, name)(x.double()).numpy()
        np.testing.assert_allclose(got.numpy(), reference.astype(np.float32), rtol=1e-6, atol=1e-30)


def test_bessel_functions_keep_their_phase_at_huge_arguments():
    # NOTE: exact values (to 15 digits); SciPy's lose digits there (x - pi/4 rounds)
    x = _t([1e8, 1e10, 1e15])
    np.testing.assert_allclose(
        ember.special.bessel_j0(x).numpy(), [3.20602953404121e-5, 2.17559175024689e-6, 6.15663864688502e-9], rtol=1e-13
    )
    np.testing.assert_allclose(
        ember.special.bessel_y1(x).numpy(),
        [-3.20602949750925e-5, -2.17559175063072e-6, -6.15663864688501e-9],
        rtol=1e-13,
    )


def test_new_functions_write_out():
    out = ember.empty(2, dtype=ember.float64)
    assert ember.special.bessel_j0(_t([1.0, 2.0]), out=out) is out
    np.testing.assert_allclose(out.numpy(), special.j0([1.0, 2.0]), rtol=1e-13)
    assert ember.special.legendre_polynomial_p(_t([0.5, 0.2]), 2, out=out) is out
    np.testing.assert_allclose(out.numpy(), special.eval_legendre(2, [0.5, 0.2]), rtol=1e-15)
    assert ember.special.zeta(_t([2.0, 3.0]), 1.0, out=out) is out
    assert ember.special.i0e(_t([1.0, 2.0]), out=out) is out
