"""Elementwise ops: values against NumPy, PyTorch's edge-case semantics, in place, out=, errors."""

import math

import ember
import numpy as np
import pytest

RNG = np.random.default_rng(7)
A = RNG.standard_normal((3, 4)).astype(np.float32)
B = RNG.standard_normal((4,)).astype(np.float32) + 2.5  # broadcasts against A, away from zero
POSITIVE = np.abs(A) + 0.1
UNIT = np.clip(A / 4, -0.9, 0.9)


def _t(array, **kwargs):
    return ember.tensor(array, **kwargs)


def _close(tensor, expected, **kwargs):
    np.testing.assert_allclose(tensor.detach().numpy(), expected, rtol=kwargs.pop("rtol", 1e-6), **kwargs)


# --- arithmetic -------------------------------------------------------------------------

BINARY = [
    ("add", np.add),
    ("sub", np.subtract),
    ("mul", np.multiply),
    ("div", np.divide),
    ("true_divide", np.divide),
    ("floor_divide", np.floor_divide),
    ("remainder", np.remainder),
    ("fmod", np.fmod),
    ("pow", lambda a, b: np.power(np.abs(a), b)),
    ("maximum", np.maximum),
    ("minimum", np.minimum),
]


@pytest.mark.parametrize(("name", "reference"), BINARY)
def test_binary_ops_broadcast_like_numpy(name, reference):
    a = np.abs(A) if name == "pow" else A
    result = getattr(ember, name)(_t(a), _t(B))
    assert result.shape == (3, 4) and result.dtype is ember.float32
    _close(result, reference(a, B), rtol=1e-5)
    _close(getattr(_t(a), name)(_t(B)), reference(a, B), rtol=1e-5)


@pytest.mark.parametrize(
    ("expression", "reference"),
    [
        (lambda x: x + 2, lambda a: a + 2),
        (lambda x: 2 + x, lambda a: 2 + a),
        (lambda x: x - 2, lambda a: a - 2),
        (lambda x: 2 - x, lambda a: 2 - a),
        (lambda x: x * 3, lambda a: a * 3),
        (lambda x: 3 * x, lambda a: 3 * a),
        (lambda x: x / 4, lambda a: a / 4),
        (lambda x: 4 / x, lambda a: 4 / a),
        (lambda x: x**2, lambda a: a**2),
        (lambda x: 2**x, lambda a: 2**a),
        (lambda x: x // 0.5, lambda a: a // 0.5),
        (lambda x: 3 // x, lambda a: 3 // a),
        (lambda x: x % 0.7, lambda a: a % 0.7),
        (lambda x: 3 % x, lambda a: 3 % a),
        (lambda x: -x, lambda a: -a),
        (lambda x: +x, lambda a: a),
        (lambda x: abs(x), np.abs),
    ],
)
def test_operators_with_python_scalars_on_either_side(expression, reference):
    _close(expression(_t(A)), reference(A), rtol=1e-5)


def test_add_and_sub_scale_other_by_alpha():
    a, b = _t(A), _t(B)
    _close(ember.add(a, b, alpha=2), A + 2 * B)
    _close(a.sub(b, alpha=0.5), A - 0.5 * B)
    _close(ember.rsub(a, 1.0), 1.0 - A)
    _close(ember.rsub(a, b, alpha=3), B - 3 * A, rtol=1e-5)
    with pytest.raises(RuntimeError, match="alpha must not be a floating point"):
        ember.add(ember.tensor([1, 2]), 1, alpha=0.5)


def test_div_rounding_modes_keep_integer_dtypes():
    a, b = ember.tensor([7, -7, 7, -7]), ember.tensor([2, 2, -2, -2])
    np.testing.assert_array_equal(ember.div(a, b, rounding_mode="trunc").numpy(), [3, -3, -3, 3])
    np.testing.assert_array_equal(ember.div(a, b, rounding_mode="floor").numpy(), [3, -4, -4, 3])
    assert ember.div(a, b, rounding_mode="trunc").dtype is ember.int64
    floats = ember.div(a.double(), b.double(), rounding_mode="trunc")
    assert floats.dtype is ember.float64
    np.testing.assert_array_equal(floats.numpy(), [3.0, -3.0, -3.0, 3.0])
    with pytest.raises(RuntimeError, match="rounding_mode"):
        ember.div(a, b, rounding_mode="round")


def test_remainder_follows_the_divisor_and_fmod_the_dividend():
    a, b = ember.tensor([5.0, -5.0, 5.0, -5.0]), ember.tensor([3.0, 3.0, -3.0, -3.0])
    np.testing.assert_array_equal((a % b).numpy(), [2.0, 1.0, -1.0, -2.0])
    np.testing.assert_array_equal(ember.fmod(a, b).numpy(), [2.0, -2.0, 2.0, -2.0])
    np.testing.assert_array_equal(ember.remainder(ember.tensor([5, -5]), 3).numpy(), [2, 1])


def test_integer_division_by_zero_raises_and_float_division_gives_inf():
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        ember.tensor([1, 2]) // 0
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        ember.tensor([1, 2]) % ember.tensor([1, 0])
    quotient = ember.tensor([1.0, -1.0, 0.0]) / 0
    assert quotient[0].item() == math.inf and quotient[1].item() == -math.inf and math.isnan(quotient[2].item())
    np.testing.assert_array_equal((ember.tensor([1.0, -1.0]) // 0).numpy(), [math.inf, -math.inf])


def test_float_power_computes_in_double():
    result = ember.float_power(ember.tensor([2, 3]), 2)
    assert result.dtype is ember.float64
    np.testing.assert_array_equal(result.numpy(), [4.0, 9.0])
    assert ember.tensor([1.5], dtype=ember.float32).float_power(ember.tensor([2.0])).dtype is ember.float64


def test_pow_of_zero_and_negative_bases():
    x = ember.tensor([0.0, -2.0, 4.0])
    np.testing.assert_array_equal((x**0).numpy(), [1.0, 1.0, 1.0])
    np.testing.assert_array_equal((x**2).numpy(), [0.0, 4.0, 16.0])
    assert math.isnan((x**0.5)[1].item())
    np.testing.assert_array_equal((ember.tensor([True, False]) ** True).numpy(), [True, False])
    assert (ember.tensor([True, False]) ** True).dtype is ember.bool


# --- unary math -----------------------------------------------------------------------------

UNARY = [
    ("exp", A, np.exp),
    ("log", POSITIVE, np.log),
    ("log2", POSITIVE, np.log2),
    ("log10", POSITIVE, np.log10),
    ("log1p", POSITIVE, np.log1p),
    ("expm1", A, np.expm1),
    ("sqrt", POSITIVE, np.sqrt),
    ("rsqrt", POSITIVE, lambda a: 1 / np.sqrt(a)),
    ("sin", A, np.sin),
    ("cos", A, np.cos),
    ("tan", UNIT, np.tan),
    ("tanh", A, np.tanh),
    ("sinh", A, np.sinh),
    ("cosh", A, np.cosh),
    ("asin", UNIT, np.arcsin),
    ("acos", UNIT, np.arccos),
    ("atan", A, np.arctan),
    ("sigmoid", A, lambda a: 1 / (1 + np.exp(-a))),
    ("relu", A, lambda a: np.maximum(a, 0)),
    ("sign", A, np.sign),
    ("floor", A * 3, np.floor),
    ("ceil", A * 3, np.ceil),
    ("round", A * 3, np.round),
    ("trunc", A * 3, np.trunc),
    ("frac", A * 3, lambda a: a - np.trunc(a)),
    ("reciprocal", POSITIVE, np.reciprocal),
    ("square", A, np.square),
    ("neg", A, np.negative),
    ("abs", A, np.abs),
]


@pytest.mark.parametrize(("name", "data", "reference"), UNARY)
def test_unary_ops_match_numpy(name, data, reference):
    _close(getattr(ember, name)(_t(data)), reference(data), rtol=1e-5, atol=1e-7)
    _close(getattr(_t(data), name)(), reference(data), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(("name", "data", "reference"), [u for u in UNARY if u[0] not in ("square",)])
def test_unary_inplace_writes_the_same_buffer(name, data, reference):
    x = _t(data.copy())
    shared = x.numpy()
    assert getattr(x, name + "_")() is x
    np.testing.assert_allclose(shared, reference(data), rtol=1e-5, atol=1e-7)
    assert x._version[0] == 1


def test_sigmoid_and_exp_do_not_overflow_at_extremes():
    x = ember.tensor([-1000.0, 0.0, 1000.0])
    np.testing.assert_array_equal(x.sigmoid().numpy(), [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(x.exp().numpy(), [0.0, 1.0, math.inf])
    np.testing.assert_array_equal(x.tanh().numpy(), [-1.0, 0.0, 1.0])


def test_nan_and_inf_semantics():
    x = ember.tensor([math.nan, math.inf, -math.inf, -0.0])
    np.testing.assert_array_equal(x.sign().numpy(), [0.0, 1.0, -1.0, 0.0])
    assert math.isnan(x.relu()[0].item()) and x.relu()[1].item() == math.inf
    np.testing.assert_array_equal(x.isnan().numpy(), [True, False, False, False])
    np.testing.assert_array_equal(x.isinf().numpy(), [False, True, True, False])
    np.testing.assert_array_equal(x.isfinite().numpy(), [False, False, False, True])
    assert math.isnan(ember.maximum(x, ember.zeros(4))[0].item())
    assert math.isnan(x.clamp(-1, 1)[0].item())
    np.testing.assert_array_equal(x.clamp(-1, 1)[1:].numpy(), [1.0, -1.0, 0.0])


def test_round_is_half_to_even_and_takes_decimals():
    np.testing.assert_array_equal(ember.tensor([0.5, 1.5, 2.5, -0.5]).round().numpy(), [0.0, 2.0, 2.0, -0.0])
    _close(ember.round(ember.tensor([1.2345, -2.5678]), decimals=2), [1.23, -2.57])


def test_integer_inputs_keep_their_dtype_where_pytorch_does():
    x = ember.tensor([-3, 0, 4], dtype=ember.int32)
    for name in ("neg", "abs", "sign", "relu", "floor", "ceil", "round", "trunc", "square"):
        assert getattr(x, name)().dtype is ember.int32, name
    np.testing.assert_array_equal(x.relu().numpy(), [0, 0, 4])
    np.testing.assert_array_equal(x.sign().numpy(), [-1, 0, 1])


# --- errors PyTorch raises where NumPy would compute ------------------------------------------


def test_bool_tensors_refuse_subtraction_and_negation():
    mask = ember.tensor([True, False])
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with two bool tensors"):
        mask - mask
    with pytest.raises(RuntimeError, match="with a bool tensor is not supported"):
        mask - 1
    with pytest.raises(RuntimeError, match="with a bool tensor is not supported"):
        1 - mask
    with pytest.raises(RuntimeError, match="with a bool tensor is not supported"):
        ember.tensor([1.0, 2.0]) - mask
    with pytest.raises(RuntimeError, match="Negation, the `-` operator, on a bool tensor"):
        -mask
    with pytest.raises(RuntimeError, match="Boolean inputs not supported for relu"):
        mask.relu()


@pytest.mark.parametrize("name", ["abs", "floor", "ceil", "trunc", "round"])
def test_bool_tensors_refuse_rounding_and_abs(name):
    with pytest.raises(NotImplementedError, match="not implemented for 'Bool'"):
        getattr(ember.tensor([True]), name)()


def test_bitwise_ops_refuse_floats():
    with pytest.raises(NotImplementedError, match="bitwise_and_cpu\" not implemented for 'Float'"):
        ember.tensor([1.0]) & ember.tensor([1.0])
    with pytest.raises(NotImplementedError, match="bitwise_not_cpu"):
        ~ember.tensor([1.0])
    np.testing.assert_array_equal((ember.tensor([6]) & 3).numpy(), [2])
    np.testing.assert_array_equal((~ember.tensor([True, False])).numpy(), [False, True])
    np.testing.assert_array_equal((ember.tensor([5], dtype=ember.uint8) ^ 1).numpy(), [4])


def test_bool_floor_divide_and_remainder_are_not_implemented():
    mask = ember.tensor([True])
    with pytest.raises(NotImplementedError):
        mask // mask
    with pytest.raises(NotImplementedError):
        mask % mask


def test_shapes_that_do_not_broadcast_raise_pytorchs_error():
    message = r"The size of tensor a \(3\) must match the size of tensor b \(4\) at non-singleton dimension 1"
    for op in (ember.add, ember.sub, ember.mul, ember.div, ember.maximum, ember.eq, ember.logical_and):
        with pytest.raises(RuntimeError, match=message):
            op(ember.ones(2, 3), ember.ones(4))
    with pytest.raises(RuntimeError, match=r"tensor a \(4\) must match the size of tensor b \(3\)"):
        ember.ones(4) - ember.ones(2, 3)
    with pytest.raises(TypeError, match="expected at least one Tensor"):
        ember.add(1, 2)


# --- comparisons, logic, where ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "reference"),
    [
        ("eq", np.equal),
        ("ne", np.not_equal),
        ("lt", np.less),
        ("le", np.less_equal),
        ("gt", np.greater),
        ("ge", np.greater_equal),
    ],
)
def test_comparisons_return_bool_without_history(name, reference):
    a = ember.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    b = ember.tensor([[2.0], [2.0]])
    result = getattr(ember, name)(a, b)
    assert result.dtype is ember.bool and result.shape == (2, 3)
    assert not result.requires_grad and result.grad_fn is None
    np.testing.assert_array_equal(result.numpy(), reference(a.detach().numpy(), b.numpy()))


def test_operators_compare_with_scalars_and_mixed_dtypes():
    x = ember.tensor([1, 2, 3], dtype=ember.uint8)
    np.testing.assert_array_equal((x > 1.5).numpy(), [False, True, True])
    np.testing.assert_array_equal((x == ember.tensor([1.0, 0.0, 3.0])).numpy(), [True, False, True])
    np.testing.assert_array_equal((x != 300).numpy(), [True, True, True])


def test_logical_ops_treat_nonzero_as_true():
    a, b = ember.tensor([0.0, 1.0, 2.0, 0.0]), ember.tensor([0, 0, 3, 4])
    np.testing.assert_array_equal(ember.logical_and(a, b).numpy(), [False, False, True, False])
    np.testing.assert_array_equal(ember.logical_or(a, b).numpy(), [False, True, True, True])
    np.testing.assert_array_equal(ember.logical_xor(a, b).numpy(), [False, True, False, True])
    np.testing.assert_array_equal(a.logical_not().numpy(), [True, False, False, True])


def test_where_selects_and_broadcasts():
    condition = ember.tensor([[True], [False]])
    result = ember.where(condition, ember.tensor([1.0, 2.0, 3.0]), 0.0)
    np.testing.assert_array_equal(result.numpy(), [[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(ember.tensor([5, 6]).where(ember.tensor([False, True]), -1).numpy(), [-1, 6])
    rows, columns = ember.where(ember.tensor([[0, 1], [1, 0]]) > 0)
    np.testing.assert_array_equal(rows.numpy(), [0, 1])
    np.testing.assert_array_equal(columns.numpy(), [1, 0])


def test_where_requires_a_bool_condition():
    with pytest.raises(RuntimeError, match="where expected condition to be a boolean tensor.*Float"):
        ember.where(ember.tensor([1.0, 0.0]), ember.ones(2), ember.zeros(2))


def test_clamp_with_scalar_and_tensor_bounds():
    x = ember.tensor([-2.0, 0.5, 3.0])
    np.testing.assert_array_equal(x.clamp(-1, 1).numpy(), [-1.0, 0.5, 1.0])
    np.testing.assert_array_equal(x.clamp(min=0).numpy(), [0.0, 0.5, 3.0])
    np.testing.assert_array_equal(ember.clip(x, max=0).numpy(), [-2.0, 0.0, 0.0])
    low, high = ember.tensor([0.0, 1.0, -5.0]), ember.tensor([1.0, 2.0, 2.0])
    np.testing.assert_array_equal(x.clamp(low, high).numpy(), [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(x.clamp(2, 1).numpy(), [1.0, 1.0, 1.0])  # min > max gives max
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max' must not be None"):
        x.clamp()


def test_maximum_minimum_and_lerp():
    a, b = ember.tensor([1.0, 5.0, 3.0]), ember.tensor([4.0, 2.0, 3.0])
    np.testing.assert_array_equal(ember.maximum(a, b).numpy(), [4.0, 5.0, 3.0])
    np.testing.assert_array_equal(ember.minimum(a, b).numpy(), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(ember.max(a, b).numpy(), [4.0, 5.0, 3.0])
    np.testing.assert_array_equal(ember.lerp(a, b, 0.5).numpy(), [2.5, 3.5, 3.0])
    np.testing.assert_array_equal(ember.lerp(a, b, ember.tensor([0.0, 1.0, 0.5])).numpy(), [1.0, 2.0, 3.0])


def test_isclose_allclose_equal():
    a = ember.tensor([1.0, 2.0, math.nan])
    b = ember.tensor([1.0 + 1e-7, 2.1, math.nan])
    np.testing.assert_array_equal(ember.isclose(a, b).numpy(), [True, False, False])
    np.testing.assert_array_equal(ember.isclose(a, b, equal_nan=True).numpy(), [True, False, True])
    assert ember.allclose(a[:1], b[:1]) and not ember.allclose(a, b)
    assert ember.equal(ember.tensor([1, 2]), ember.tensor([1, 2]))
    assert not ember.equal(ember.tensor([1, 2]), ember.tensor([[1, 2]]))


# --- in place and out= ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("apply", "reference"),
    [
        (lambda x: x.__iadd__(2.0), lambda a: a + 2),
        (lambda x: x.__isub__(ember.tensor(B)), lambda a: a - B),
        (lambda x: x.__imul__(ember.tensor(B)), lambda a: a * B),
        (lambda x: x.__itruediv__(4), lambda a: a / 4),
        (lambda x: x.__ipow__(2), lambda a: a**2),
        (lambda x: x.__imod__(0.5), lambda a: np.remainder(a, 0.5)),
        (lambda x: x.add_(ember.tensor(B), alpha=2), lambda a: a + 2 * B),
        (lambda x: x.sub_(1, alpha=3), lambda a: a - 3),
        (lambda x: x.mul_(0.5), lambda a: a * 0.5),
        (lambda x: x.div_(ember.tensor(B)), lambda a: a / B),
        (lambda x: x.clamp_(-0.5, 0.5), lambda a: np.clip(a, -0.5, 0.5)),
        (lambda x: x.pow_(3), lambda a: a**3),
        (lambda x: x.fmod_(0.3), lambda a: np.fmod(a, 0.3)),
        (lambda x: x.lerp_(ember.ones(3, 4), 0.25), lambda a: a + 0.25 * (1 - a)),
    ],
)
def test_inplace_ops_mutate_the_shared_buffer(apply, reference):
    x = ember.tensor(A.copy())
    shared = x.numpy()
    result = apply(x)
    assert result is x
    np.testing.assert_allclose(shared, reference(A), rtol=1e-5, atol=1e-7)
    assert x._version[0] >= 1


def test_augmented_assignment_keeps_identity_and_views_see_it():
    base = ember.zeros(2, 3)
    row = base[0]
    alias = row
    row += 1
    row *= 3
    assert row is alias
    np.testing.assert_array_equal(base.numpy(), [[3.0, 3.0, 3.0], [0.0, 0.0, 0.0]])


def test_inplace_cannot_grow_the_target():
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        ember.zeros(3).add_(ember.ones(2, 3))


def test_inplace_on_a_leaf_that_requires_grad_is_refused():
    leaf = ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        leaf.mul_(2)
    with ember.no_grad():
        leaf.mul_(2)
    np.testing.assert_array_equal(leaf.detach().numpy(), [2.0, 2.0])


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda out: ember.add(ember.ones(2), 1, out=out), [2.0, 2.0]),
        (lambda out: ember.mul(ember.ones(2), ember.tensor([2.0, 3.0]), out=out), [2.0, 3.0]),
        (lambda out: ember.exp(ember.zeros(2), out=out), [1.0, 1.0]),
        (lambda out: ember.clamp(ember.tensor([-1.0, 5.0]), 0, 1, out=out), [0.0, 1.0]),
        (lambda out: ember.pow(ember.tensor([2.0, 3.0]), 2, out=out), [4.0, 9.0]),
        (lambda out: ember.where(ember.tensor([True, False]), 1.0, 0.0, out=out), [1.0, 0.0]),
    ],
)
def test_out_writes_into_the_given_tensor(call, expected):
    out = ember.empty(2)
    shared = out.numpy()
    assert call(out) is out
    np.testing.assert_array_equal(shared, expected)


# --- 0-d and empty tensors ------------------------------------------------------------------------


def test_zero_dim_tensors_stay_zero_dim():
    x = ember.tensor(2.0)
    for result in (x + 1, x * x, x.exp(), 2 - x, x**2, ember.where(x > 0, x, 0.0), x.clamp(0, 1)):
        assert result.shape == () and result.ndim == 0
    assert (x + ember.ones(3)).shape == (3,)


def test_empty_tensors_flow_through_elementwise_ops():
    empty = ember.ones(0, 3)
    for result in (empty + 1, empty * ember.ones(3), empty.exp(), empty > 0, empty.clamp(0, 1), -empty):
        assert result.shape == (0, 3)
    assert (empty + ember.ones(1, 3)).shape == (0, 3)


# --- grad_fn names (PyTorch's) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "name"),
    [
        (lambda x, y: x + y, "AddBackward0"),
        (lambda x, y: x - 1, "SubBackward0"),
        (lambda x, y: 1 - x, "RsubBackward1"),
        (lambda x, y: x * y, "MulBackward0"),
        (lambda x, y: x / y, "DivBackward0"),
        (lambda x, y: 2 / x, "MulBackward0"),
        (lambda x, y: x**2, "PowBackward0"),
        (lambda x, y: x**y, "PowBackward1"),
        (lambda x, y: 2**x, "PowBackward2"),
        (lambda x, y: -x, "NegBackward0"),
        (lambda x, y: x.abs(), "AbsBackward0"),
        (lambda x, y: x.log1p(), "Log1PBackward0"),
        (lambda x, y: x.relu(), "ReluBackward0"),
        (lambda x, y: x.sigmoid(), "SigmoidBackward0"),
        (lambda x, y: x.clamp(0, 1), "ClampBackward1"),
        (lambda x, y: x.clamp(y), "ClampBackward0"),
        (lambda x, y: ember.where(x > 0, x, y), "WhereBackward0"),
        (lambda x, y: ember.maximum(x, y), "MaximumBackward0"),
        (lambda x, y: ember.minimum(x, y), "MinimumBackward0"),
        (lambda x, y: x % y, "RemainderBackward1"),
        (lambda x, y: x % 2, "RemainderBackward0"),
        (lambda x, y: x.div(y, rounding_mode="floor"), "DivBackward2"),
        (lambda x, y: x.square(), "PowBackward0"),
        (lambda x, y: ember.lerp(x, y, 0.5), "LerpBackward0"),
    ],
)
def test_grad_fn_names_match_pytorch(expression, name):
    x = ember.tensor([0.5, 2.0], requires_grad=True)
    y = ember.tensor([1.5, 3.0], requires_grad=True)
    result = expression(x, y)
    assert type(result.grad_fn).__name__ == name
    assert repr(result).endswith(f"grad_fn=<{name}>)")


def test_edge_gradients_follow_pytorch_conventions():
    x = ember.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    (x.abs() + x.relu() + x.clamp(0, 2) + x.sign()).sum().backward()
    # abs'(0) = 0, relu'(0) = 0, clamp passes the gradient at both bounds, sign' = 0
    np.testing.assert_array_equal(x.grad.numpy(), [-1.0, 1.0, 3.0])
    a = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = ember.tensor([1.0, 5.0, 0.0], requires_grad=True)
    ember.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.5, 0.0, 1.0])  # a tie splits the gradient
    np.testing.assert_array_equal(b.grad.numpy(), [0.5, 1.0, 0.0])
    floor_divided = ember.tensor([3.0], requires_grad=True) // 2
    with pytest.raises(RuntimeError, match="derivative for 'floor_divide' is not implemented"):
        floor_divided.sum().backward()
