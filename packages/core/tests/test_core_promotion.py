"""dtype promotion of elementwise ops: PyTorch's tables, written out literally.

Rows and columns follow DTYPES. The same rules are swept against torch itself in
parity/test_parity_math_promotion.py.
"""

import ember
import numpy as np
import pytest

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
SHORT = {"b": "bool", "u8": "uint8", "i8": "int8", "i16": "int16", "i32": "int32", "i64": "int64"}
SHORT.update({"f16": "float16", "f32": "float32", "f64": "float64"})

# torch.promote_types: two operands of the same weight (both dimensioned, or both 0-dim).
SAME_WEIGHT = [
    "b u8 i8 i16 i32 i64 f16 f32 f64",
    "u8 u8 i16 i16 i32 i64 f16 f32 f64",
    "i8 i16 i8 i16 i32 i64 f16 f32 f64",
    "i16 i16 i16 i16 i32 i64 f16 f32 f64",
    "i32 i32 i32 i32 i32 i64 f16 f32 f64",
    "i64 i64 i64 i64 i64 i64 f16 f32 f64",
    "f16 f16 f16 f16 f16 f16 f16 f32 f64",
    "f32 f32 f32 f32 f32 f32 f32 f32 f64",
    "f64 f64 f64 f64 f64 f64 f64 f64 f64",
]
# A dimensioned tensor (row) with a 0-dim tensor (column): the 0-dim one only wins with a higher category.
DIM_WITH_ZERO_DIM = [
    "b u8 i8 i16 i32 i64 f16 f32 f64",
    "u8 u8 u8 u8 u8 u8 f16 f32 f64",
    "i8 i8 i8 i8 i8 i8 f16 f32 f64",
    "i16 i16 i16 i16 i16 i16 f16 f32 f64",
    "i32 i32 i32 i32 i32 i32 f16 f32 f64",
    "i64 i64 i64 i64 i64 i64 f16 f32 f64",
    "f16 f16 f16 f16 f16 f16 f16 f16 f16",
    "f32 f32 f32 f32 f32 f32 f32 f32 f32",
    "f64 f64 f64 f64 f64 f64 f64 f64 f64",
]
# A tensor (dimensioned or 0-dim) with the Python scalars True, 2 and 2.5.
WITH_SCALARS = [
    "b i64 f32",
    "u8 u8 f32",
    "i8 i8 f32",
    "i16 i16 f32",
    "i32 i32 f32",
    "i64 i64 f32",
    "f16 f16 f16",
    "f32 f32 f32",
    "f64 f64 f64",
]
SCALARS = [True, 2, 2.5]


def _table(rows):
    return {
        (DTYPES[i], column): SHORT[entry]
        for i, row in enumerate(rows)
        for column, entry in zip(DTYPES if len(row.split()) == 9 else range(3), row.split())
    }


def _tensor(name: str, ndim: int):
    return ember.ones((2,) * ndim, dtype=getattr(ember, name))


def _pairs(rows):
    return sorted(_table(rows).items(), key=str)


@pytest.mark.parametrize(("pair", "expected"), _pairs(SAME_WEIGHT))
def test_promote_types_table(pair, expected):
    a, b = (getattr(ember, n) for n in pair)
    assert ember.promote_types(a, b) is getattr(ember, expected)
    assert (_tensor(pair[0], 1) * _tensor(pair[1], 1)).dtype is getattr(ember, expected)
    assert (_tensor(pair[0], 0) * _tensor(pair[1], 0)).dtype is getattr(ember, expected)


@pytest.mark.parametrize(("pair", "expected"), _pairs(DIM_WITH_ZERO_DIM))
def test_zero_dim_tensor_only_wins_with_a_higher_category(pair, expected):
    dimensioned, zero_dim = _tensor(pair[0], 1), _tensor(pair[1], 0)
    assert (dimensioned * zero_dim).dtype is getattr(ember, expected)
    assert (zero_dim * dimensioned).dtype is getattr(ember, expected)


@pytest.mark.parametrize("ndim", [0, 1])
@pytest.mark.parametrize(("pair", "expected"), _pairs(WITH_SCALARS))
def test_python_scalars_take_the_tensor_dtype_within_a_category(pair, expected, ndim):
    name, column = pair
    x, scalar = _tensor(name, ndim), SCALARS[column]
    assert (x * scalar).dtype is getattr(ember, expected)
    assert (scalar * x).dtype is getattr(ember, expected)
    assert ember.add(x, scalar).dtype is getattr(ember, expected)


def test_float_scalar_follows_the_default_dtype():
    x = ember.tensor([1, 2])
    ember.set_default_dtype(ember.float64)
    try:
        assert (x * 2.5).dtype is ember.float64
        assert (x / 2).dtype is ember.float64
        assert x.exp().dtype is ember.float64
    finally:
        ember.set_default_dtype(ember.float32)
    assert (x * 2.5).dtype is ember.float32


def test_integer_division_gives_the_default_float():
    a, b = ember.tensor([7, -7]), ember.tensor([2, 2])
    quotient = a / b
    assert quotient.dtype is ember.float32
    np.testing.assert_array_equal(quotient.numpy(), [3.5, -3.5])
    assert ember.true_divide(a, 2).dtype is ember.float32
    assert ember.div(a, b, rounding_mode="floor").dtype is ember.int64
    assert (a // b).dtype is ember.int64
    assert ember.div(ember.tensor([True]), ember.tensor([True])).dtype is ember.float32


@pytest.mark.parametrize("op", ["exp", "log", "sqrt", "sin", "tanh", "sigmoid", "reciprocal", "rsqrt", "log1p"])
@pytest.mark.parametrize("name", ["bool", "uint8", "int32", "int64"])
def test_float_functions_of_integers_give_the_default_float(op, name):
    assert getattr(ember, op)(_tensor(name, 1)).dtype is ember.float32


@pytest.mark.parametrize("name", DTYPES)
def test_comparisons_give_bool(name):
    x = _tensor(name, 1)
    for result in (x == 1, x < 2.5, x >= _tensor("float64", 0), ember.ne(x, x), ember.logical_and(x, 1)):
        assert result.dtype is ember.bool


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ("int32", "float16", "float16"),
        ("uint8", "int8", "int16"),
        ("int64", "float32", "float32"),
        ("bool", "int8", "int8"),
    ],
)
def test_where_maximum_and_pow_promote_like_arithmetic(left, right, expected):
    a, b = _tensor(left, 1), _tensor(right, 1)
    condition = ember.tensor([True, False])
    assert ember.where(condition, a, b).dtype is getattr(ember, expected)
    assert ember.maximum(a, b).dtype is getattr(ember, expected)
    if left != "bool":
        assert (a**b).dtype is getattr(ember, expected)


def test_where_with_two_scalars_uses_scalar_types():
    condition = ember.tensor([True, False])
    assert ember.where(condition, 1, 0).dtype is ember.int64
    assert ember.where(condition, 1.0, 0).dtype is ember.float32
    assert ember.where(condition, True, False).dtype is ember.bool
    assert ember.where(condition, ember.tensor([1, 2], dtype=ember.int8), 2.5).dtype is ember.float32


def test_clamp_promotes_with_its_bounds():
    x = ember.tensor([1, 5, 9])
    assert x.clamp(2, 6).dtype is ember.int64
    clamped = x.clamp(2, 6.5)
    assert clamped.dtype is ember.float32
    np.testing.assert_array_equal(clamped.numpy(), [2.0, 5.0, 6.5])
    assert x.clamp(ember.tensor(2.5, dtype=ember.float64)).dtype is ember.float64


# --- in place: the result must be castable to the tensor written into --------------------

INPLACE_REFUSED = [
    ("int64", 2.5, "iadd"),
    ("int32", ember.tensor(1.5), "imul"),
    ("int64", 2, "itruediv"),
    ("bool", 1, "iadd"),
    ("uint8", 2.0, "isub"),
    pytest.param("int64", lambda: ember.ones(2, dtype=ember.float16), "iadd", marks=pytest.mark.needs_dtype("float16")),
]


@pytest.mark.parametrize(("name", "other", "method"), INPLACE_REFUSED)
def test_inplace_refuses_a_result_of_a_higher_category(name, other, method):
    x = _tensor(name, 1)
    other = other() if callable(other) else other  # NOTE: a tensor of a dtype some backends lack, made here
    before = x.numpy().copy()
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
        getattr(x, f"__{method}__")(other)
    np.testing.assert_array_equal(x.numpy(), before)


@pytest.mark.parametrize(
    ("name", "other", "expected"),
    [
        ("int8", ember.tensor([100, 100], dtype=ember.int64), [101, 101]),
        ("float16", ember.tensor([2.0, 2.0], dtype=ember.float64), [3.0, 3.0]),
        ("uint8", 3, [4, 4]),
        ("float32", True, [2.0, 2.0]),
    ],
)
def test_inplace_keeps_the_target_dtype_within_a_category(name, other, expected):
    x = _tensor(name, 1)
    x += other
    assert x.dtype is getattr(ember, name)
    np.testing.assert_array_equal(x.numpy(), expected)


def test_integer_power_rules():
    x = ember.tensor([2, 3])
    assert (x**2).dtype is ember.int64
    assert (x**2.5).dtype is ember.float32
    assert (2**x).dtype is ember.int64
    assert (2.0**x).dtype is ember.float32
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed"):
        x**-1
    np.testing.assert_array_equal((ember.tensor([2, -1, 1, 0]) ** ember.tensor([-1, -1, -2, 2])).numpy(), [0, -1, 1, 0])


@pytest.mark.needs_dtype("bfloat16", "float16")
def test_result_type_of_bfloat16_and_float16_tensors():
    assert ember.result_type(ember.ones(2, dtype=ember.bfloat16), ember.ones(2, dtype=ember.float16)) is ember.float32


def test_result_type_and_can_cast():
    assert ember.result_type(ember.ones(2, dtype=ember.int8), ember.tensor(3.0)) is ember.float32
    assert ember.result_type(1, 2.0) is ember.float32 and ember.result_type(True, 2) is ember.int64
    assert ember.can_cast(ember.int64, ember.bfloat16) and not ember.can_cast(ember.float16, ember.int64)
    assert not ember.can_cast(ember.uint8, ember.bool)
    with pytest.raises(TypeError, match="must be Tensor or Number"):
        ember.result_type([1], 2)
