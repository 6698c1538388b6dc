"""ember.special: torch.special's names, against SciPy, with gradients checked numerically."""

from __future__ import annotations

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
