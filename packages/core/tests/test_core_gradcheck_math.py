"""Finite-difference checks (float64) of every differentiable elementwise, reduction and linalg op.

Each case is (name, function, input specs); a spec is a shape and a domain that keeps the
function smooth at the sampled points (away from kinks, poles and ties).
"""

import ember
import numpy as np
import pytest
from ember.autograd import gradcheck, gradgradcheck

DOMAINS = {
    "any": lambda rng, shape: rng.uniform(-2, 2, shape),
    "positive": lambda rng, shape: rng.uniform(0.5, 2, shape),
    "unit": lambda rng, shape: rng.uniform(-0.8, 0.8, shape),
    "nonzero": lambda rng, shape: rng.choice([-1, 1], shape) * rng.uniform(0.3, 2, shape),
    "distinct": lambda rng, shape: rng.permutation(np.arange(int(np.prod(shape)))).reshape(shape) * 0.37 - 1.3,
    "off_integer": lambda rng, shape: rng.integers(-3, 3, shape) + rng.uniform(0.2, 0.8, shape),
}


def _inputs(specs, seed: int):
    rng = np.random.default_rng(seed)
    return tuple(
        ember.tensor(DOMAINS[domain](rng, shape), dtype=ember.float64, requires_grad=True) for shape, domain in specs
    )


M, V, ROW = (2, 3), (3,), (1, 3)
ANY, POS, NONZERO, DISTINCT = "any", "positive", "nonzero", "distinct"

ELEMENTWISE = [
    ("add", lambda a, b: a + b, [(M, ANY), (V, ANY)]),
    ("add_alpha", lambda a, b: ember.add(a, b, alpha=-2.5), [(M, ANY), (ROW, ANY)]),
    ("sub", lambda a, b: a - b, [(M, ANY), (V, ANY)]),
    ("sub_alpha", lambda a, b: a.sub(b, alpha=3), [(V, ANY), (M, ANY)]),
    ("rsub_scalar", lambda a: 2 - a, [(M, ANY)]),
    ("rsub_tensor", lambda a, b: ember.rsub(a, b, alpha=2), [(M, ANY), (V, ANY)]),
    ("mul", lambda a, b: a * b, [(M, ANY), (V, ANY)]),
    ("mul_scalar", lambda a: a * 3.5, [(M, ANY)]),
    ("div", lambda a, b: a / b, [(M, ANY), (V, NONZERO)]),
    ("div_scalar", lambda a: a / 4, [(M, ANY)]),
    ("rdiv", lambda a: 2 / a, [(M, NONZERO)]),
    ("pow_tensor", lambda a, b: a**b, [(M, POS), (V, ANY)]),
    ("pow_scalar", lambda a: a**3, [(M, ANY)]),
    ("pow_fraction", lambda a: a**-1.5, [(M, POS)]),
    ("rpow", lambda a: 2.5**a, [(M, ANY)]),
    ("float_power", lambda a: ember.float_power(a, 2), [(M, ANY)]),
    ("square", lambda a: a.square(), [(M, ANY)]),
    ("remainder", lambda a, b: a % b, [(M, "off_integer"), ((3,), "off_integer")]),
    ("remainder_scalar", lambda a: ember.remainder(a, 1.0), [(M, "off_integer")]),
    ("fmod", lambda a, b: ember.fmod(a, b), [(M, "off_integer"), ((3,), "off_integer")]),
    ("maximum", lambda a, b: ember.maximum(a, b), [(M, DISTINCT), (V, ANY)]),
    ("minimum", lambda a, b: ember.minimum(a, b), [(M, DISTINCT), (V, ANY)]),
    ("where", lambda a, b: ember.where(a > 0, a, b), [(M, NONZERO), (V, ANY)]),
    ("where_scalar", lambda a: ember.where(a > 0, a * a, 0.0), [(M, NONZERO)]),
    ("lerp", lambda a, b: ember.lerp(a, b, 0.3), [(M, ANY), (V, ANY)]),
    ("lerp_tensor", lambda a, b, w: ember.lerp(a, b, w), [(M, ANY), (M, ANY), (V, ANY)]),
    ("clamp", lambda a: a.clamp(-0.75, 0.75), [(M, "off_integer")]),
    ("clamp_min", lambda a: a.clamp(min=0.1), [(M, NONZERO)]),
    ("clamp_tensor", lambda a, lo, hi: a.clamp(lo - 1, hi + 1), [(M, ANY), (V, "unit"), (V, "unit")]),
    ("neg", lambda a: -a, [(M, ANY)]),
    ("abs", lambda a: a.abs(), [(M, NONZERO)]),
    ("exp", lambda a: a.exp(), [(M, ANY)]),
    ("expm1", lambda a: a.expm1(), [(M, ANY)]),
    ("log", lambda a: a.log(), [(M, POS)]),
    ("log2", lambda a: a.log2(), [(M, POS)]),
    ("log10", lambda a: a.log10(), [(M, POS)]),
    ("log1p", lambda a: a.log1p(), [(M, POS)]),
    ("sqrt", lambda a: a.sqrt(), [(M, POS)]),
    ("rsqrt", lambda a: a.rsqrt(), [(M, POS)]),
    ("sin", lambda a: a.sin(), [(M, ANY)]),
    ("cos", lambda a: a.cos(), [(M, ANY)]),
    ("tan", lambda a: a.tan(), [(M, "unit")]),
    ("tanh", lambda a: a.tanh(), [(M, ANY)]),
    ("sinh", lambda a: a.sinh(), [(M, ANY)]),
    ("cosh", lambda a: a.cosh(), [(M, ANY)]),
    ("asin", lambda a: a.asin(), [(M, "unit")]),
    ("acos", lambda a: a.acos(), [(M, "unit")]),
    ("atan", lambda a: a.atan(), [(M, ANY)]),
    ("sigmoid", lambda a: a.sigmoid(), [(M, ANY)]),
    ("relu", lambda a: a.relu(), [(M, NONZERO)]),
    ("erf", lambda a: a.erf(), [(M, ANY)]),
    ("lgamma", lambda a: a.lgamma(), [(M, "off_integer")]),
    ("digamma", lambda a: a.digamma(), [(M, "off_integer")]),
    ("polygamma", lambda a: ember.polygamma(2, a), [(M, POS)]),
    ("erfinv", lambda a: a.erfinv(), [(M, "unit")]),
    ("igamma", lambda x: ember.igamma(ember.tensor([[0.7], [2.5]], dtype=ember.float64), x), [(M, POS)]),
    ("igammac", lambda x: ember.tensor(1.7, dtype=ember.float64).igammac(x), [(M, POS)]),
    ("special.i0e", lambda a: ember.special.i0e(a), [(M, NONZERO)]),
    ("special.i1e", lambda a: ember.special.i1e(a), [(M, NONZERO)]),
    ("special.erfcx", lambda a: ember.special.erfcx(a * 2), [(M, ANY)]),
    ("special.log_ndtr", lambda a: ember.special.log_ndtr(a * 3), [(M, ANY)]),
    ("special.ndtri", lambda a: ember.special.ndtri(a.sigmoid()), [(M, ANY)]),
    ("special.zeta", lambda q: ember.special.zeta(ember.tensor([[2.5], [4.0]], dtype=ember.float64), q), [(M, POS)]),
    ("special.xlog1py", lambda a, b: ember.special.xlog1py(a, b), [(M, ANY), (V, POS)]),
    ("reciprocal", lambda a: a.reciprocal(), [(M, NONZERO)]),
    ("frac", lambda a: a.frac(), [(M, "off_integer")]),
    ("sign", lambda a: a.sign() * a, [(M, NONZERO)]),
    ("floor", lambda a: a.floor() + a, [(M, "off_integer")]),
    ("ceil", lambda a: a.ceil() * a, [(M, "off_integer")]),
    ("round", lambda a: a.round() + a, [(M, "off_integer")]),
    ("trunc", lambda a: a.trunc() - a, [(M, "off_integer")]),
    ("div_floor", lambda a, b: a.div(b, rounding_mode="floor") + a * b, [(M, "off_integer"), (V, NONZERO)]),
]

T = (2, 3, 4)
REDUCTIONS = [
    ("sum", lambda a: a.sum(), [(T, ANY)]),
    ("sum_dim", lambda a: a.sum(1), [(T, ANY)]),
    ("sum_dims_keepdim", lambda a: a.sum((0, 2), keepdim=True), [(T, ANY)]),
    ("mean", lambda a: a.mean(), [(T, ANY)]),
    ("mean_dims", lambda a: a.mean((-1, 0)), [(T, ANY)]),
    ("prod", lambda a: a.prod(), [(M, NONZERO)]),
    ("prod_dim", lambda a: a.prod(1, keepdim=True), [(T, NONZERO)]),
    ("prod_with_zero", lambda a: (a * ember.tensor([1.0, 0.0, 1.0], dtype=ember.float64)).prod(1), [(M, ANY)]),
    ("max", lambda a: a.max(), [(T, DISTINCT)]),
    ("max_dim", lambda a: a.max(1).values, [(T, DISTINCT)]),
    ("min_dim_keepdim", lambda a: a.min(-1, keepdim=True)[0], [(T, DISTINCT)]),
    ("amax", lambda a: a.amax((0, 2)), [(T, DISTINCT)]),
    ("amin", lambda a: a.amin(1), [(T, DISTINCT)]),
    ("var", lambda a: a.var(), [(T, ANY)]),
    ("var_dim", lambda a: a.var(1, keepdim=True), [(T, ANY)]),
    ("std", lambda a: a.std(), [(T, ANY)]),
    ("std_dims_biased", lambda a: a.std((0, 2), unbiased=False), [(T, ANY)]),
    ("norm", lambda a: a.norm(), [(T, ANY)]),
    ("norm_dim", lambda a: a.norm(dim=1), [(T, ANY)]),
    ("norm_p1", lambda a: a.norm(p=1, dim=(0, 1)), [(T, NONZERO)]),
    ("norm_p3", lambda a: a.norm(p=3), [(T, NONZERO)]),
    ("norm_p_half", lambda a: a.norm(p=0.5, dim=-1), [(T, NONZERO)]),
    ("norm_inf", lambda a: a.norm(p=float("inf"), dim=1), [(T, DISTINCT)]),
    ("logsumexp", lambda a: a.logsumexp(1), [(T, ANY)]),
    ("logsumexp_dims", lambda a: ember.logsumexp(a * 50, (0, 2), keepdim=True), [(T, ANY)]),
    ("softmax", lambda a: a.softmax(1), [(T, ANY)]),
    ("softmax_last", lambda a: ember.softmax(a, -1), [(T, ANY)]),
    ("log_softmax", lambda a: a.log_softmax(0), [(T, ANY)]),
    ("cumsum", lambda a: a.cumsum(1), [(T, ANY)]),
    ("cumprod", lambda a: a.cumprod(-1), [(T, NONZERO)]),
    ("cumprod_with_zero", lambda a: (a * ember.tensor([1.0, 0.0, 1.0], dtype=ember.float64)).cumprod(1), [(M, ANY)]),
    ("nansum", lambda a: ember.nansum(a, 1), [(T, ANY)]),
]

LINALG = [
    ("matmul_mm", lambda a, b: a @ b, [((2, 3), ANY), ((3, 4), ANY)]),
    ("matmul_mv", lambda a, b: a @ b, [((2, 3), ANY), ((3,), ANY)]),
    ("matmul_vm", lambda a, b: a @ b, [((3,), ANY), ((3, 4), ANY)]),
    ("matmul_dot", lambda a, b: a @ b, [((3,), ANY), ((3,), ANY)]),
    ("matmul_batched", lambda a, b: a @ b, [((2, 2, 3), ANY), ((2, 3, 2), ANY)]),
    ("matmul_broadcast", lambda a, b: a @ b, [((2, 1, 2, 3), ANY), ((2, 3, 2), ANY)]),
    ("matmul_vector_batch", lambda a, b: a @ b, [((3,), ANY), ((2, 3, 2), ANY)]),
    ("mm", lambda a, b: ember.mm(a, b), [((2, 3), ANY), ((3, 2), ANY)]),
    ("bmm", lambda a, b: ember.bmm(a, b), [((2, 2, 3), ANY), ((2, 3, 2), ANY)]),
    ("mv", lambda a, b: ember.mv(a, b), [((2, 3), ANY), ((3,), ANY)]),
    ("dot", lambda a, b: ember.dot(a, b), [((4,), ANY), ((4,), ANY)]),
    ("outer", lambda a, b: ember.outer(a, b), [((3,), ANY), ((2,), ANY)]),
    ("t", lambda a: a.t() * 2, [((2, 3), ANY)]),
    ("addmm", lambda c, a, b: ember.addmm(c, a, b), [((2,), ANY), ((3, 4), ANY), ((4, 2), ANY)]),
    (
        "addmm_scaled",
        lambda c, a, b: ember.addmm(c, a, b, beta=0.5, alpha=-2),
        [((3, 2), ANY), ((3, 4), ANY), ((4, 2), ANY)],
    ),
    ("einsum_product", lambda a, b: ember.einsum("ij,jk->ik", a, b), [((2, 3), ANY), ((3, 2), ANY)]),
    ("einsum_batch", lambda a, b: ember.einsum("bij,bjk->bik", a, b), [((2, 2, 3), ANY), ((2, 3, 2), ANY)]),
    ("einsum_reduce", lambda a, b: ember.einsum("ij,jk->i", a, b), [((2, 3), ANY), ((3, 2), ANY)]),
    ("einsum_transpose", lambda a: ember.einsum("ijk->kji", a), [((2, 3, 2), ANY)]),
]


@pytest.mark.parametrize(
    ("name", "function", "specs"), ELEMENTWISE + REDUCTIONS + LINALG, ids=lambda v: v if isinstance(v, str) else ""
)
def test_gradcheck(name, function, specs):
    assert gradcheck(function, _inputs(specs, seed=len(name)), eps=1e-6, atol=1e-6, rtol=1e-4)


@pytest.mark.parametrize(
    ("name", "function", "specs"), ELEMENTWISE + REDUCTIONS + LINALG, ids=lambda v: v if isinstance(v, str) else ""
)
def test_gradgradcheck(name, function, specs):
    """Every case again at second order: the same rule, run on tensors, differentiated once more."""
    ember.manual_seed(len(name))
    assert gradgradcheck(function, _inputs(specs, seed=len(name) + 1), eps=1e-6, atol=1e-5, rtol=1e-3)


def test_gradcheck_catches_a_wrong_rule():
    from ember.ops._dispatch import unary
    from ember.ops._op import Op

    wrong = Op("twice", lambda b, x: x * 2, lambda m, ctx, g: (g * 3,))
    with pytest.raises(ember.autograd.GradcheckError, match="Jacobian mismatch"):
        gradcheck(lambda a: unary(wrong, a), _inputs([(V, ANY)], seed=0))
