"""Elementwise, reduction and linalg ops against PyTorch: values, dtypes, gradients and node names.

Every case is written once as `f(module, *tensors)` and run with `module` = torch and
= ember on the same random inputs (broadcasting shapes, float32 and float64); both
sides then backpropagate the same random upstream gradient.
"""

import math

import ember
import numpy as np
import pytest

torch = pytest.importorskip("torch")

DOMAINS = {
    "any": lambda rng, shape: rng.uniform(-2, 2, shape),
    "positive": lambda rng, shape: rng.uniform(0.5, 2, shape),
    "unit": lambda rng, shape: rng.uniform(-0.8, 0.8, shape),
    "nonzero": lambda rng, shape: rng.choice([-1, 1], shape) * rng.uniform(0.3, 2, shape),
    "distinct": lambda rng, shape: rng.permutation(np.arange(int(np.prod(shape)))).reshape(shape) * 0.37 - 1.3,
    "off_integer": lambda rng, shape: rng.integers(-3, 3, shape) + rng.uniform(0.2, 0.8, shape),
    "ties": lambda rng, shape: rng.integers(0, 2, shape).astype(float),
}
M, V, ROW, COL = (2, 3), (3,), (1, 3), (2, 1)
T = (2, 3, 4)
ANY, POS, NONZERO, DISTINCT, UNIT = "any", "positive", "nonzero", "distinct", "unit"

ELEMENTWISE = [
    ("add", lambda m, a, b: a + b, [(M, ANY), (V, ANY)]),
    ("add_alpha", lambda m, a, b: m.add(a, b, alpha=-2), [(M, ANY), (COL, ANY)]),
    ("add_scalar", lambda m, a: 1.5 + a, [(M, ANY)]),
    ("sub", lambda m, a, b: a - b, [(COL, ANY), (ROW, ANY)]),
    ("sub_alpha", lambda m, a, b: m.sub(a, b, alpha=3), [(M, ANY), (V, ANY)]),
    ("rsub", lambda m, a: 2 - a, [(M, ANY)]),
    ("rsub_fn", lambda m, a, b: m.rsub(a, b, alpha=2), [(M, ANY), (V, ANY)]),
    ("mul", lambda m, a, b: a * b, [(M, ANY), (V, ANY)]),
    ("mul_scalar", lambda m, a: a * -3, [(M, ANY)]),
    ("div", lambda m, a, b: a / b, [(M, ANY), (V, NONZERO)]),
    ("div_scalar", lambda m, a: a / 3, [(M, ANY)]),
    ("rdiv", lambda m, a: 3 / a, [(M, NONZERO)]),
    ("true_divide", lambda m, a, b: m.true_divide(a, b), [(M, ANY), (V, NONZERO)]),
    ("div_trunc", lambda m, a, b: m.div(a, b, rounding_mode="trunc"), [(M, "off_integer"), (V, NONZERO)]),
    ("div_floor", lambda m, a, b: m.div(a, b, rounding_mode="floor"), [(M, "off_integer"), (V, NONZERO)]),
    ("remainder", lambda m, a, b: a % b, [(M, "off_integer"), (V, "off_integer")]),
    ("remainder_scalar", lambda m, a: a % 0.75, [(M, ANY)]),
    ("fmod", lambda m, a, b: m.fmod(a, b), [(M, "off_integer"), (V, "off_integer")]),
    ("fmod_scalar", lambda m, a: m.fmod(a, -0.75), [(M, ANY)]),
    ("pow_tensor", lambda m, a, b: a**b, [(M, POS), (V, ANY)]),
    ("pow_int", lambda m, a: a**3, [(M, ANY)]),
    ("pow_half", lambda m, a: a**0.5, [(M, POS)]),
    ("pow_negative", lambda m, a: m.pow(a, -1.5), [(M, POS)]),
    ("rpow", lambda m, a: 2.5**a, [(M, ANY)]),
    ("float_power", lambda m, a: m.float_power(a, 2), [(M, ANY)]),
    ("square", lambda m, a: m.square(a), [(M, ANY)]),
    ("neg", lambda m, a: -a, [(M, ANY)]),
    ("abs", lambda m, a: abs(a), [(M, NONZERO)]),
    ("exp", lambda m, a: a.exp(), [(M, ANY)]),
    ("expm1", lambda m, a: a.expm1(), [(M, ANY)]),
    ("log", lambda m, a: a.log(), [(M, POS)]),
    ("log2", lambda m, a: a.log2(), [(M, POS)]),
    ("log10", lambda m, a: a.log10(), [(M, POS)]),
    ("log1p", lambda m, a: a.log1p(), [(M, POS)]),
    ("sqrt", lambda m, a: a.sqrt(), [(M, POS)]),
    ("rsqrt", lambda m, a: a.rsqrt(), [(M, POS)]),
    ("sin", lambda m, a: a.sin(), [(M, ANY)]),
    ("cos", lambda m, a: a.cos(), [(M, ANY)]),
    ("tan", lambda m, a: a.tan(), [(M, UNIT)]),
    ("tanh", lambda m, a: a.tanh(), [(M, ANY)]),
    ("sinh", lambda m, a: a.sinh(), [(M, ANY)]),
    ("cosh", lambda m, a: a.cosh(), [(M, ANY)]),
    ("asin", lambda m, a: a.asin(), [(M, UNIT)]),
    ("acos", lambda m, a: a.acos(), [(M, UNIT)]),
    ("atan", lambda m, a: a.atan(), [(M, ANY)]),
    ("sigmoid", lambda m, a: a.sigmoid(), [(M, ANY)]),
    ("relu", lambda m, a: a.relu(), [(M, NONZERO)]),
    ("erf", lambda m, a: a.erf(), [(M, ANY)]),
    ("reciprocal", lambda m, a: a.reciprocal(), [(M, NONZERO)]),
    ("sign", lambda m, a: a.sign(), [(M, NONZERO)]),
    ("sgn", lambda m, a: a.sgn(), [(M, NONZERO)]),
    ("floor", lambda m, a: a.floor(), [(M, "off_integer")]),
    ("ceil", lambda m, a: a.ceil(), [(M, "off_integer")]),
    ("round", lambda m, a: a.round(), [(M, "off_integer")]),
    ("round_decimals", lambda m, a: m.round(a * 10, decimals=1), [(M, ANY)]),
    ("trunc", lambda m, a: a.trunc(), [(M, "off_integer")]),
    ("frac", lambda m, a: a.frac(), [(M, "off_integer")]),
    ("clamp", lambda m, a: a.clamp(-0.5, 0.5), [(M, "off_integer")]),
    ("clamp_min", lambda m, a: m.clamp(a, min=0.1), [(M, NONZERO)]),
    ("clamp_max", lambda m, a: a.clip(max=-0.1), [(M, NONZERO)]),
    ("clamp_tensor", lambda m, a, lo, hi: a.clamp(lo, hi), [(M, ANY), (V, ANY), (ROW, ANY)]),
    ("clamp_tensor_min", lambda m, a, lo: m.clamp(a, lo), [(M, ANY), (V, ANY)]),
    ("maximum", lambda m, a, b: m.maximum(a, b), [(M, ANY), (V, ANY)]),
    ("minimum", lambda m, a, b: m.minimum(a, b), [(M, ANY), (V, ANY)]),
    ("maximum_ties", lambda m, a, b: m.maximum(a, b), [(M, "ties"), (V, "ties")]),
    ("minimum_ties", lambda m, a, b: m.minimum(a, b), [(M, "ties"), (M, "ties")]),
    ("max_binary", lambda m, a, b: m.max(a, b), [(M, ANY), (V, ANY)]),
    ("where", lambda m, a, b: m.where(a > 0, a, b), [(M, ANY), (V, ANY)]),
    ("where_scalar", lambda m, a: m.where(a > 0, a, 0.0), [(M, ANY)]),
    ("lerp", lambda m, a, b: m.lerp(a, b, 0.3), [(M, ANY), (V, ANY)]),
    ("lerp_tensor", lambda m, a, b, w: m.lerp(a, b, w), [(M, ANY), (M, ANY), (V, ANY)]),
    ("chain", lambda m, a, b: ((a * b + 1).relu() ** 2).mean(), [(M, NONZERO), (V, ANY)]),
]

REDUCTIONS = [
    ("sum", lambda m, a: a.sum(), [(T, ANY)]),
    ("prod", lambda m, a: a.prod(), [(M, NONZERO)]),
    ("prod_dim", lambda m, a: a.prod(1), [(T, NONZERO)]),
    ("prod_zero", lambda m, a: (a * (a > -1.0)).prod(0), [(M, ANY)]),
    ("max", lambda m, a: a.max(), [(T, DISTINCT)]),
    ("max_ties", lambda m, a: a.max(), [(T, "ties")]),
    ("min_ties", lambda m, a: a.min(), [(T, "ties")]),
    ("max_dim", lambda m, a: a.max(1)[0], [(T, DISTINCT)]),
    ("min_dim_keepdim", lambda m, a: m.min(a, -1, keepdim=True).values, [(T, DISTINCT)]),
    ("amax_ties", lambda m, a: a.amax((0, 2)), [(T, "ties")]),
    ("amin_ties", lambda m, a: m.amin(a, 1, keepdim=True), [(T, "ties")]),
    ("norm_p1", lambda m, a: a.norm(p=1), [(T, NONZERO)]),
    ("norm_p3_dim", lambda m, a: a.norm(p=3, dim=1), [(T, ANY)]),
    ("norm_inf", lambda m, a: a.norm(p=float("inf"), dim=(0, 2)), [(T, DISTINCT)]),
    ("norm_inf_ties", lambda m, a: a.norm(p=float("inf")), [(T, "ties")]),
    ("norm_neg_inf", lambda m, a: a.norm(p=-float("inf"), dim=1), [(T, DISTINCT)]),
    ("norm_half", lambda m, a: a.norm(p=0.5, dim=-1), [(T, NONZERO)]),
    ("norm_zero", lambda m, a: a.norm(p=0), [(T, ANY)]),
    ("norm_fro", lambda m, a: m.norm(a, p="fro", dim=(0, 1), keepdim=True), [(T, ANY)]),
    ("std_mean", lambda m, a: m.std_mean(a, 1)[0] + m.var_mean(a, 1)[1], [(T, ANY)]),
    ("softmax", lambda m, a: a.softmax(1), [(T, ANY)]),
    ("softmax_dtype", lambda m, a: m.softmax(a, -1, dtype=m.float64), [(T, ANY)]),
    ("log_softmax", lambda m, a: m.log_softmax(a * 20, 0), [(T, ANY)]),
    ("logsumexp_large", lambda m, a: m.logsumexp(a * 400, 2), [(T, ANY)]),
    ("cumsum", lambda m, a: a.cumsum(1), [(T, ANY)]),
    ("cumsum_dtype", lambda m, a: a.cumsum(0, dtype=m.float64), [(T, ANY)]),
    ("cumprod", lambda m, a: m.cumprod(a, -1), [(T, NONZERO)]),
    ("cumprod_zero", lambda m, a: (a * (a > -1.0)).cumprod(1), [(M, ANY)]),
    ("nansum", lambda m, a: m.nansum(a), [(T, ANY)]),
]

LINALG = [
    ("mm", lambda m, a, b: m.mm(a, b), [((2, 3), ANY), ((3, 4), ANY)]),
    ("bmm", lambda m, a, b: m.bmm(a, b), [((2, 2, 3), ANY), ((2, 3, 4), ANY)]),
    ("mv", lambda m, a, b: m.mv(a, b), [((2, 3), ANY), ((3,), ANY)]),
    ("dot", lambda m, a, b: m.dot(a, b), [((4,), ANY), ((4,), ANY)]),
    ("outer", lambda m, a, b: m.outer(a, b), [((3,), ANY), ((2,), ANY)]),
    ("t", lambda m, a: a.t() * 1, [((2, 3), ANY)]),
    ("addmm", lambda m, c, a, b: m.addmm(c, a, b), [((4,), ANY), ((2, 3), ANY), ((3, 4), ANY)]),
    (
        "addmm_scaled",
        lambda m, c, a, b: m.addmm(c, a, b, beta=0.5, alpha=2),
        [((2, 4), ANY), ((2, 3), ANY), ((3, 4), ANY)],
    ),
    ("einsum_mm", lambda m, a, b: m.einsum("ij,jk->ik", a, b), [((2, 3), ANY), ((3, 4), ANY)]),
    ("einsum_rowdot", lambda m, a, b: m.einsum("ij,ij->i", a, b), [((2, 3), ANY), ((2, 3), ANY)]),
    ("einsum_batch", lambda m, a, b: m.einsum("bij,bjk->bik", a, b), [((2, 2, 3), ANY), ((2, 3, 4), ANY)]),
    ("einsum_sum_out", lambda m, a, b: m.einsum("ij,jk->i", a, b), [((2, 3), ANY), ((3, 4), ANY)]),
    ("einsum_implicit", lambda m, a: m.einsum("ijk", a), [((2, 3, 4), ANY)]),
]
MATMUL_SHAPES = {1: (3,), 2: (2, 3), 3: (4, 2, 3), 4: (2, 1, 2, 3)}
RIGHT_SHAPES = {1: (3,), 2: (3, 5), 3: (4, 3, 5), 4: (1, 4, 3, 5)}
for _left in MATMUL_SHAPES:
    for _right in RIGHT_SHAPES:
        LINALG.append(
            (
                f"matmul_{_left}d_{_right}d",
                lambda m, a, b: a @ b,
                [(MATMUL_SHAPES[_left], ANY), (RIGHT_SHAPES[_right], ANY)],
            )
        )

TOLERANCE = {"float32": dict(rtol=2e-5, atol=2e-6), "float64": dict(rtol=1e-10, atol=1e-12)}
# NOTE: bfloat16 keeps 8 significant bits, float16 11; ops that round several times agree to a few steps.
TOLERANCE["bfloat16"] = dict(rtol=2**-5, atol=2**-5)
TOLERANCE["float16"] = dict(rtol=2**-7, atol=2**-6)


def _run(module, function, arrays, upstream_seed: int, dtype: str):
    inputs = [module.tensor(a, dtype=getattr(module, dtype), requires_grad=True) for a in arrays]
    output = function(module, *inputs)
    grads = None
    if output.requires_grad:
        upstream = np.random.default_rng(upstream_seed).standard_normal(tuple(output.shape))
        output.backward(module.tensor(upstream, dtype=output.dtype))
        grads = [None if t.grad is None else _host(t.grad) for t in inputs]
    return output, grads


def _host(tensor) -> np.ndarray:
    if tensor.dtype in (torch.bfloat16, ember.bfloat16):  # NOTE: torch has no NumPy bfloat16
        tensor = tensor.float()
    return tensor.numpy(force=True) if isinstance(tensor, torch.Tensor) else tensor.numpy()


def _compare(function, specs, dtype: str, seed: int):
    rng = np.random.default_rng(seed)
    arrays = [DOMAINS[domain](rng, shape) for shape, domain in specs]
    expected, expected_grads = _run(torch, function, arrays, seed, dtype)
    actual, actual_grads = _run(ember, function, arrays, seed, dtype)
    tolerance = TOLERANCE[dtype]
    assert str(actual.dtype) == str(expected.dtype).replace("torch.", "ember.")
    assert tuple(actual.shape) == tuple(expected.shape)
    np.testing.assert_allclose(_host(actual.detach()), _host(expected.detach()), equal_nan=True, **tolerance)
    assert (actual.grad_fn is None) == (expected.grad_fn is None)
    if expected_grads is not None:
        for i, (mine, theirs) in enumerate(zip(actual_grads, expected_grads)):
            assert (mine is None) == (theirs is None), f"input {i}: gradient presence differs"
            if theirs is not None:
                np.testing.assert_allclose(mine, theirs, equal_nan=True, err_msg=f"gradient of input {i}", **tolerance)
    return actual, expected


CASES = ELEMENTWISE + REDUCTIONS + LINALG


@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16", "float16"])
@pytest.mark.parametrize(("name", "function", "specs"), CASES, ids=[case[0] for case in CASES])
def test_values_and_gradients_match_torch(name, function, specs, dtype):
    _compare(function, specs, dtype, seed=sum(map(ord, name)))


# Matmul nodes are named after what it lowers to; einsum's after whatever torch decomposed it into.
UNNAMED = {"einsum_mm", "einsum_rowdot", "einsum_batch", "einsum_sum_out", "einsum_implicit", "std_mean", "chain"}


@pytest.mark.parametrize(
    ("name", "function", "specs"),
    [c for c in CASES if c[0] not in UNNAMED],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_grad_fn_names_match_torch(name, function, specs):
    actual, expected = _compare(function, specs, "float64", seed=1)
    if expected.grad_fn is not None:
        assert type(actual.grad_fn).__name__ == type(expected.grad_fn).__name__


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [0, -1, (0, 2), (2, 0, 1), (1,)])
@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "var", "std", "norm", "logsumexp", "nansum"])
def test_reductions_over_dims_match_torch(name, dim, keepdim):
    def reduce(module, a):
        if name == "norm":
            return a.norm(p=2, dim=dim, keepdim=keepdim)
        if name == "nansum":
            return module.nansum(a, dim, keepdim=keepdim)
        return getattr(a, name)(dim, keepdim=keepdim)

    _compare(reduce, [(T, DISTINCT)], "float64", seed=len(name))


@pytest.mark.parametrize("correction", [0, 1, 2])
def test_var_std_corrections_match_torch(correction):
    _compare(
        lambda m, a: a.var(1, correction=correction) + a.std((0, 2), correction=correction).sum(),
        [(T, ANY)],
        "float64",
        5,
    )


@pytest.mark.parametrize("unbiased", [True, False])
def test_var_std_unbiased_positional_match_torch(unbiased):
    _compare(lambda m, a: a.var(unbiased) + a.std(0, unbiased).sum(), [(T, ANY)], "float64", 6)


# --- values only: integer and bool inputs, edge values ------------------------------------------------

EDGE = np.array([-math.inf, -3.5, -2.5, -1.0, -0.5, -0.0, 0.0, 0.5, 1.5, 2.5, math.inf, math.nan])
UNARY_NAMES = (
    "neg abs sign sgn exp expm1 log log2 log10 log1p sqrt rsqrt sin cos tan tanh sinh cosh asin acos atan "
    "sigmoid relu erf reciprocal floor ceil round trunc frac square isnan isinf isfinite logical_not"
).split()


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
@pytest.mark.parametrize("name", UNARY_NAMES)
def test_unary_edge_values_match_torch(name, dtype):
    expected = getattr(torch, name)(torch.tensor(EDGE, dtype=getattr(torch, dtype)))
    actual = getattr(ember, name)(ember.tensor(EDGE, dtype=getattr(ember, dtype)))
    assert str(actual.dtype) == str(expected.dtype).replace("torch", "ember")
    rtol = {"float16": 2e-3, "bfloat16": 2**-7}.get(dtype, 1e-6)
    np.testing.assert_allclose(_host(actual), _host(expected), rtol=rtol, equal_nan=True)


INTEGER_DATA = {
    "bool": [True, False, True],
    "uint8": [0, 7, 255],
    "int8": [-128, -3, 127],
    "int32": [-7, 0, 9],
    "int64": [-(2**40), 3, 2**40],
}


def _outcome(function, module, dtype):
    try:
        result = function(module, module.tensor(INTEGER_DATA[dtype], dtype=getattr(module, dtype)))
    except RuntimeError as error:  # NotImplementedError is a RuntimeError, as in PyTorch
        return type(error).__name__, None
    if isinstance(result, tuple):
        result = result[0]
    return str(result.dtype).split(".")[1], result.numpy().astype(np.float64)


INTEGER_CASES = {
    **{name: (lambda m, x, _n=name: getattr(m, _n)(x)) for name in UNARY_NAMES},
    "sum": lambda m, x: x.sum(),
    "prod": lambda m, x: x.prod(),
    "cumsum": lambda m, x: x.cumsum(0),
    "cumprod": lambda m, x: x.cumprod(0),
    "max": lambda m, x: x.max(),
    "max_dim": lambda m, x: x.max(0),
    "argmax": lambda m, x: x.argmax(),
    "amin": lambda m, x: x.amin(),
    "all": lambda m, x: x.all(),
    "any": lambda m, x: x.any(),
    "count_nonzero": lambda m, x: m.count_nonzero(x),
    "mean": lambda m, x: x.mean(),
    "softmax": lambda m, x: x.softmax(0),
    "logsumexp": lambda m, x: m.logsumexp(x, 0),
    "norm": lambda m, x: x.norm(),
    "floor_divide": lambda m, x: x // 3,
    "rfloordiv": lambda m, x: 7 // (x * 0 + 2),
    "remainder": lambda m, x: x % 3,
    "fmod": lambda m, x: m.fmod(x, -3),
    "div": lambda m, x: x / 2,
    "div_trunc": lambda m, x: m.div(x, -2, rounding_mode="trunc"),
    "div_floor": lambda m, x: m.div(x, -2, rounding_mode="floor"),
    "pow": lambda m, x: x**2,
    "rpow": lambda m, x: 2 ** (x * 0 + 3),
    "bitwise_not": lambda m, x: ~x,
    "bitwise_and": lambda m, x: x & x,
    "bitwise_xor": lambda m, x: x ^ 1,
    "clamp": lambda m, x: x.clamp(0, 5),
    "clamp_float": lambda m, x: x.clamp(0.5),
    "mul_float": lambda m, x: x * 1.5,
    "matmul": lambda m, x: x @ x,
    "maximum": lambda m, x: m.maximum(x, x.flip(0)),
    "where": lambda m, x: m.where(x > 0, x, 1.5),
}


@pytest.mark.parametrize("dtype", list(INTEGER_DATA))
@pytest.mark.parametrize("name", list(INTEGER_CASES))
def test_integer_and_bool_inputs_match_torch(name, dtype):
    function = INTEGER_CASES[name]
    (kind, values), (expected_kind, expected_values) = (
        _outcome(function, ember, dtype),
        _outcome(function, torch, dtype),
    )
    assert kind == expected_kind
    if expected_values is not None:
        np.testing.assert_allclose(values, expected_values, rtol=1e-6, equal_nan=True)


# --- bad input: the same exception type as torch -------------------------------------------------------

BAD_INPUTS = {
    "matmul_inner": lambda m: m.ones(2, 3) @ m.ones(4, 5),
    "matmul_vectors": lambda m: m.ones(3) @ m.ones(4),
    "matmul_batch": lambda m: m.ones(2, 3, 4) @ m.ones(5, 4, 2),
    "matmul_zero_dim": lambda m: m.ones(()) @ m.ones(3),
    "matmul_dtypes": lambda m: m.ones(2, 3) @ m.ones(3, 2, dtype=m.float64),
    "matmul_bool": lambda m: m.ones(2, 2, dtype=m.bool) @ m.ones(2, 2, dtype=m.bool),
    "mm_vector": lambda m: m.mm(m.ones(3), m.ones(3, 3)),
    "bmm_batch": lambda m: m.bmm(m.ones(2, 2, 3), m.ones(3, 3, 2)),
    "mv_size": lambda m: m.mv(m.ones(2, 3), m.ones(4)),
    "dot_size": lambda m: m.dot(m.ones(3), m.ones(4)),
    "dot_matrix": lambda m: m.dot(m.ones(2, 3), m.ones(2, 3)),
    "addmm_bias": lambda m: m.addmm(m.ones(3), m.ones(2, 3), m.ones(3, 2)),
    "einsum_size": lambda m: m.einsum("ij,jk->ik", m.ones(2, 3), m.ones(4, 2)),
    "broadcast": lambda m: m.ones(2, 3) + m.ones(4),
    "mean_int": lambda m: m.tensor([1, 2]).mean(),
    "std_int": lambda m: m.tensor([1, 2]).std(),
    "sum_repeated_dim": lambda m: m.ones(2, 3).sum((0, 0)),
    "sum_dim_range": lambda m: m.ones(2, 3).sum(2),
    "max_empty": lambda m: m.ones(0, 3).max(),
    "max_dim_empty": lambda m: m.ones(0, 3).max(0),
    "argmax_bool": lambda m: m.tensor([True]).argmax(),
    "softmax_int": lambda m: m.tensor([1, 2]).softmax(0),
    "sub_bool": lambda m: m.tensor([True]) - m.tensor([False]),
    "neg_bool": lambda m: -m.tensor([True]),
    "and_float": lambda m: m.ones(2) & m.ones(2),
    "int_div_zero": lambda m: m.tensor([1]) // 0,
    "int_negative_power": lambda m: m.tensor([2]) ** -1,
    "inplace_cast": lambda m: m.tensor([1, 2]).add_(1.5),
    "inplace_grow": lambda m: m.ones(3).add_(m.ones(2, 3)),
    "where_float_condition": lambda m: m.where(m.ones(2), m.ones(2), m.zeros(2)),
    "clamp_no_bounds": lambda m: m.ones(2).clamp(),
    "div_rounding": lambda m: m.ones(2).div(2, rounding_mode="nearest"),
    "norm_int": lambda m: m.tensor([3, 4]).norm(),
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_input_raises_the_same_exception_type_as_torch(name):
    with pytest.raises(Exception) as theirs:
        BAD_INPUTS[name](torch)
    with pytest.raises(Exception) as mine:
        BAD_INPUTS[name](ember)
    assert type(mine.value).__name__ == type(theirs.value).__name__, str(mine.value)
