"""Finite-difference checks (float64, first and second order) of the ops added for the Tensor
method coverage: the new rules (inverse hyperbolics, atan2, erfc, exp2, copysign, fmax/fmin,
deg2rad/rad2deg) and the compositions (xlogy, logit, sinc, the scaled products, the scatters).
"""

import ember
import numpy as np
import pytest
from ember.autograd import gradcheck, gradgradcheck

DOMAINS = {
    "any": lambda rng, shape: rng.uniform(-2, 2, shape),
    "positive": lambda rng, shape: rng.uniform(0.5, 2, shape),
    "above1": lambda rng, shape: rng.uniform(1.2, 3, shape),
    "unit": lambda rng, shape: rng.uniform(-0.8, 0.8, shape),
    "prob": lambda rng, shape: rng.uniform(0.1, 0.9, shape),
    "nonzero": lambda rng, shape: rng.choice([-1, 1], shape) * rng.uniform(0.3, 2, shape),
    "distinct": lambda rng, shape: rng.permutation(np.arange(int(np.prod(shape)))).reshape(shape) * 0.37 - 1.3,
}
M, V, B = (2, 3), (3,), (2, 2, 3)
ANY, POS, NONZERO, DISTINCT = "any", "positive", "nonzero", "distinct"

CASES = [
    ("asinh", lambda a: a.asinh(), [(M, ANY)]),
    ("acosh", lambda a: ember.acosh(a), [(M, "above1")]),
    ("atanh", lambda a: a.arctanh(), [(M, "unit")]),
    ("atan2", lambda a, b: ember.atan2(a, b), [(M, NONZERO), (V, NONZERO)]),
    ("erfc", lambda a: a.erfc(), [(M, ANY)]),
    ("exp2", lambda a: ember.exp2(a), [(M, ANY)]),
    ("i0", lambda a: a.i0(), [(M, ANY)]),
    ("i0_at_zero", lambda a: ember.i0(a * 0), [(M, ANY)]),
    ("deg2rad", lambda a: a.deg2rad(), [(M, ANY)]),
    ("rad2deg", lambda a: ember.rad2deg(a), [(M, ANY)]),
    ("copysign", lambda a, b: ember.copysign(a, b), [(M, NONZERO), (V, NONZERO)]),
    ("fmax", lambda a, b: ember.fmax(a, b), [(M, DISTINCT), (V, ANY)]),
    ("fmin", lambda a, b: a.fmin(b), [(M, DISTINCT), (V, ANY)]),
    ("xlogy", lambda a, b: ember.xlogy(a, b), [(M, ANY), (V, POS)]),
    ("logit", lambda a: a.logit(), [(M, "prob")]),
    ("sinc", lambda a: ember.sinc(a), [(M, NONZERO)]),
    ("ldexp", lambda a: ember.ldexp(a, ember.tensor([1.0, -2.0, 3.0], dtype=ember.float64)), [(M, ANY)]),
    ("mvlgamma", lambda a: a.mvlgamma(2), [(M, "above1")]),
    ("hardshrink", lambda a: a.hardshrink(0.2), [(M, NONZERO)]),
    ("prelu", lambda a, w: ember.prelu(a, w), [((2, 3, 2), NONZERO), (V, ANY)]),
    ("addmv", lambda a, x, v: ember.addmv(a, x, v, beta=0.5, alpha=2), [(V, ANY), ((3, 4), ANY), ((4,), ANY)]),
    ("addr", lambda a, x, y: a.addr(x, y), [(M, ANY), ((2,), ANY), (V, ANY)]),
    ("baddbmm", lambda a, x, y: ember.baddbmm(a, x, y, beta=2), [(B, ANY), ((2, 2, 4), ANY), ((2, 4, 3), ANY)]),
    ("addbmm", lambda a, x, y: a.addbmm(x, y, alpha=0.5), [(M, ANY), ((2, 2, 4), ANY), ((2, 4, 3), ANY)]),
    ("addcmul", lambda a, x, y: ember.addcmul(a, x, y, value=0.5), [(M, ANY), (V, ANY), (M, ANY)]),
    ("addcdiv", lambda a, x, y: a.addcdiv(x, y, value=2), [(M, ANY), (V, ANY), (M, NONZERO)]),
    ("vdot", lambda a, b: ember.vdot(a, b), [(V, ANY), (V, ANY)]),
    ("dist", lambda a, b: a.dist(b, 3), [(M, NONZERO), (V, ANY)]),
    ("renorm", lambda a: a.renorm(2, 0, 1.0), [((3, 4), ANY)]),
    ("diagflat", lambda a: ember.diagflat(a, -1), [(M, ANY)]),
    ("select_scatter", lambda a, s: ember.select_scatter(a, s, 1, 0), [(B, ANY), (M, ANY)]),
    ("slice_scatter", lambda a, s: a.slice_scatter(s, 2, 0, 3, 2), [(B, ANY), ((2, 2, 2), ANY)]),
    ("diagonal_scatter", lambda a, s: ember.diagonal_scatter(a, s, 1), [((3, 4), ANY), (V, ANY)]),
    ("masked_scatter", lambda a, s: a.masked_scatter(ember.tensor([True, False, True]), s), [(M, ANY), ((2, 4), ANY)]),
    ("put", lambda a, s: a.put(ember.tensor([0, -1, 3]), s, accumulate=True), [(M, ANY), (V, ANY)]),
    ("index_reduce", lambda a, s: a.index_reduce(1, ember.tensor([1, 1]), s, "mean"), [(M, ANY), ((2, 2), ANY)]),
    ("nanmedian", lambda a: ember.nanmedian(a, 1).values, [((3, 4), DISTINCT)]),
    ("msort", lambda a: a.msort(), [((3, 2), DISTINCT)]),
    ("narrow_copy", lambda a: a.narrow_copy(1, 1, 2), [(M, ANY)]),
    ("cumprod_", lambda a: (a * 1).cumprod_(1), [(M, NONZERO)]),
    ("atan2_", lambda a, b: (a * 1).atan2_(b), [(M, NONZERO), (M, NONZERO)]),
]  # fmt: skip


def _inputs(specs, seed: int):
    rng = np.random.default_rng(seed)
    return tuple(
        ember.tensor(DOMAINS[domain](rng, shape), dtype=ember.float64, requires_grad=True) for shape, domain in specs
    )


@pytest.mark.parametrize(("name", "function", "specs"), CASES, ids=[case[0] for case in CASES])
def test_gradcheck(name, function, specs):
    assert gradcheck(function, _inputs(specs, seed=len(name)), eps=1e-6, atol=1e-6, rtol=1e-4)


@pytest.mark.parametrize(("name", "function", "specs"), CASES, ids=[case[0] for case in CASES])
def test_gradgradcheck(name, function, specs):
    assert gradgradcheck(function, _inputs(specs, seed=len(name) + 1), eps=1e-6, atol=1e-5, rtol=1e-3)
