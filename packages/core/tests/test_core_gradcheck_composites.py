"""Finite-difference checks (float64) of the counting, cumulative, product, statistics and
combinatorics ops, and of hypot and logaddexp (first and second order).

Each case is (name, function, input specs); a spec is a shape and a domain that keeps the
function smooth at the sampled points (away from ties, kinks and integer ranks).
"""

import math

import ember
import numpy as np
import pytest
from ember.autograd import gradcheck, gradgradcheck

DOMAINS = {
    "any": lambda rng, shape: rng.uniform(-2, 2, shape),
    "positive": lambda rng, shape: rng.uniform(0.5, 2, shape),
    "nonzero": lambda rng, shape: rng.choice([-1, 1], shape) * rng.uniform(0.3, 2, shape),
    "distinct": lambda rng, shape: rng.permutation(np.arange(int(np.prod(shape)))).reshape(shape) * 0.37 - 1.3,
    "levels": lambda rng, shape: np.linspace(0.3, 0.55, int(np.prod(shape))).reshape(shape),
}
ANY, POS, NONZERO, DISTINCT = "any", "positive", "nonzero", "distinct"
M, V, T = (2, 3), (3,), (2, 3, 4)


def _inputs(specs, seed: int):
    rng = np.random.default_rng(seed)
    return tuple(
        ember.tensor(DOMAINS[domain](rng, shape), dtype=ember.float64, requires_grad=True) for shape, domain in specs
    )


def _with_nan(a):
    """a with one element replaced by NaN (through where, so that no NaN reaches a's gradient)."""
    mask = ember.zeros(a.shape, dtype=ember.bool)
    mask.view(-1)[1] = True
    return ember.where(mask, math.nan, a)


CASES = [
    ("hypot", lambda a, b: ember.hypot(a, b), [(M, NONZERO), (V, NONZERO)]),
    ("logaddexp", lambda a, b: ember.logaddexp(a, b), [(M, ANY), (V, ANY)]),
    ("logaddexp2", lambda a, b: a.logaddexp2(b), [(M, ANY), (V, ANY)]),
    ("cummax", lambda a: a.cummax(1).values, [(T, DISTINCT)]),
    ("cummin", lambda a: ember.cummin(a, -1)[0], [(T, DISTINCT)]),
    ("logcumsumexp", lambda a: a.logcumsumexp(1), [(T, ANY)]),
    ("logcumsumexp_wide", lambda a: ember.logcumsumexp(a * 30, -1), [(T, ANY)]),
    ("diff", lambda a: a.diff(), [(T, ANY)]),
    (
        "diff_twice_joined",
        lambda a, p, q: ember.diff(a, 2, 0, prepend=p, append=q),
        [(M, ANY), ((1, 3), ANY), (M, ANY)],
    ),
    ("trapezoid_dx", lambda y: ember.trapezoid(y, dx=0.5), [(T, ANY)]),
    ("trapezoid_x", lambda y, x: ember.trapezoid(y, x, dim=1), [(T, ANY), ((3,), ANY)]),
    ("cumulative_trapezoid", lambda y, x: ember.cumulative_trapezoid(y, x), [(M, ANY), (M, ANY)]),
    ("kron", lambda a, b: ember.kron(a, b), [(M, ANY), ((2, 2), ANY)]),
    ("kron_ranks", lambda a, b: a.kron(b), [(V, ANY), ((2, 2), ANY)]),
    ("cdist", lambda a, b: ember.cdist(a, b), [((3, 2), ANY), ((4, 2), ANY)]),
    (
        "cdist_products",
        lambda a, b: ember.cdist(a, b, compute_mode="use_mm_for_euclid_dist"),
        [((3, 2), ANY), ((2, 2, 2), ANY)],
    ),
    ("cdist_many_rows", lambda a, b: ember.cdist(a, b), [((27, 2), ANY), ((2, 2), ANY)]),
    ("cdist_p1", lambda a, b: ember.cdist(a, b, p=1), [((3, 2), DISTINCT), ((1, 2), POS)]),
    ("cdist_p3_batched", lambda a, b: ember.cdist(a, b, p=3), [((2, 3, 2), ANY), ((2, 2, 2), ANY)]),
    ("cdist_inf", lambda a, b: ember.cdist(a, b, p=math.inf), [((3, 2), DISTINCT), ((1, 2), POS)]),
    ("cross", lambda a, b: ember.cross(a, b, dim=1), [((2, 3), ANY), ((2, 3), ANY)]),
    ("cross_broadcast", lambda a, b: a.cross(b, dim=0), [((3, 2), ANY), ((3, 1), ANY)]),
    ("linalg_cross", lambda a, b: ember.linalg.cross(a, b), [((2, 3), ANY), ((1, 3), ANY)]),
    ("tensordot", lambda a, b: ember.tensordot(a, b), [((2, 3, 2), ANY), ((3, 2, 2), ANY)]),
    ("tensordot_lists", lambda a, b: ember.tensordot(a, b, ([0, 2], [2, 0])), [((2, 3, 2), ANY), ((2, 4, 2), ANY)]),
    ("tensordot_outer", lambda a, b: ember.tensordot(a, b, 0), [((2, 3), ANY), ((2,), ANY)]),
    ("quantile", lambda a: ember.quantile(a, 0.3), [(T, DISTINCT)]),
    ("quantile_dim", lambda a: a.quantile(0.55, dim=1, keepdim=True), [(T, DISTINCT)]),
    ("quantile_levels", lambda a, q: ember.quantile(a, q, dim=-1), [(T, DISTINCT), ((2,), "levels")]),
    ("quantile_midpoint", lambda a: ember.quantile(a, 0.5, 2, interpolation="midpoint"), [(T, DISTINCT)]),
    ("quantile_nearest", lambda a: ember.quantile(a, 0.4, 0, interpolation="nearest"), [(T, DISTINCT)]),
    ("nanquantile", lambda a: ember.nanquantile(_with_nan(a), 0.3, dim=1), [(T, DISTINCT)]),
    ("nanmean", lambda a: ember.nanmean(_with_nan(a)), [(T, ANY)]),
    ("nanmean_dim", lambda a: _with_nan(a).nanmean(1, keepdim=True), [(T, ANY)]),
    ("cov", lambda a: ember.cov(a), [((3, 5), ANY)]),
    ("cov_vector", lambda a: a.cov(correction=0), [((5,), ANY)]),
    (
        "cov_weights",
        lambda a, w: ember.cov(a, fweights=ember.tensor([1, 2, 1, 3]), aweights=w),
        [((2, 4), ANY), ((4,), POS)],
    ),
    ("corrcoef", lambda a: ember.corrcoef(a), [((3, 5), ANY)]),
    ("var_mean", lambda a: sum(ember.var_mean(a, 1, correction=0)), [(T, ANY)]),
    ("std_mean", lambda a: sum(a.std_mean((0, 2), keepdim=True)), [(T, ANY)]),
    ("aminmax", lambda a: ember.aminmax(a).min * 2 + ember.aminmax(a).max, [(T, DISTINCT)]),
    ("aminmax_dim", lambda a: sum(a.aminmax(dim=1, keepdim=True)), [(T, DISTINCT)]),
    ("cartesian_prod", lambda a, b: ember.cartesian_prod(a, b), [(V, ANY), ((2,), ANY)]),
    ("combinations", lambda a: ember.combinations(a, 3), [((4,), ANY)]),
    ("combinations_replacement", lambda a: ember.combinations(a, with_replacement=True), [(V, ANY)]),
    ("block_diag", lambda a, b, c: ember.block_diag(a, b, c), [((2, 2), ANY), (V, ANY), ((), ANY)]),
    ("vander", lambda a: ember.vander(a, 4), [(V, NONZERO)]),
    ("vander_increasing", lambda a: ember.vander(a, increasing=True), [(V, ANY)]),
]


@pytest.mark.parametrize(("name", "function", "specs"), CASES, ids=[case[0] for case in CASES])
def test_gradcheck(name, function, specs):
    assert gradcheck(function, _inputs(specs, seed=len(name)), eps=1e-6, atol=1e-6, rtol=1e-4)


@pytest.mark.parametrize(("name", "function", "specs"), CASES, ids=[case[0] for case in CASES])
def test_gradgradcheck(name, function, specs):
    """Every case again at second order (logcumsumexp's rule differentiated through itself)."""
    assert gradgradcheck(function, _inputs(specs, seed=len(name) + 1), eps=1e-6, atol=1e-5, rtol=1e-3)
