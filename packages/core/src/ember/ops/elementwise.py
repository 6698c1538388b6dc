"""Elementwise math: each op is its forward kernel and its one backward rule, declared once."""

from __future__ import annotations

import math

from .. import _dtype as dt
from .._autograd._math import define, define_optional
from .._tensor import Tensor
from .._writes import check_inplace_target, write_out
from ._declare import FUNCTIONS, binary_op, export, publish, unary_op
from ._dispatch import (
    BOOL_RESULT,
    FLOAT_RESULT,
    ORDERED,
    PROMOTE,
    REAL_ONLY,
    _alias_for_inplace,
    _check_castable,
    binary,
    inplace_binary,
    inplace_unary,
    promoted,
    rebase_inplace,
    unary,
    write_into,
)
from ._errors import integer_only, kind_of, not_implemented_for, refusing, wrapped_integer
from ._op import Op, apply, call, device_mismatch, make, math_function

_BOOL = dt.bool_
_NOT_RELU = frozenset((dt.bool_, *dt.COMPLEX_DTYPES))
_TYPE_NAMES = dt.SCALAR_TYPE_NAMES


def _full_like(b, x, *, value, shape=None):
    return b.full(x.shape if shape is None else shape, value, b.ember_dtype(x.dtype), b.device_index(x))


# value everywhere, in x's dtype and on x's device (x's shape unless shape is given): a constant
FULL_LIKE = Op("full_like", _full_like, lambda m, ctx, g: (None,), node="FullLikeBackward0", math="full_like")


@math_function
def zeros_like(m, x):
    """A gradient that is zero everywhere (even where x is inf or nan)."""
    return m.full_like(x, value=0)


# --- arithmetic -------------------------------------------------------------------


def refuse_bool_subtraction(a, b) -> None:
    a_bool = a.__class__ is bool or (isinstance(a, Tensor) and a.dtype is _BOOL)
    b_bool = b.__class__ is bool or (isinstance(b, Tensor) and b.dtype is _BOOL)
    if not (a_bool or b_bool):
        return
    if a_bool and b_bool:
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. "
            "Use the `^` or `logical_xor()` operator instead."
        )
    if a_bool or b_bool:
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. "
            "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )


def _grad_mul(m, ctx, g):
    a, b = ctx.saved  # NOTE: with saved_for=(1, 0), b is kept exactly when a needs a gradient, and a when b does
    # NOTE: the other factor may be an integer array: multiply promotes where `*` may refuse
    return (None if b is None else m.multiply(g, m.conj(b))), (None if a is None else m.multiply(g, m.conj(a)))


def _grad_div(m, ctx, g):
    a, b = ctx.saved  # NOTE: either may be an integer array: true_divide promotes where `/` may refuse
    grad_a = m.true_divide(g, m.conj(b)) if ctx.needs(0) else None
    return grad_a, (-g * m.conj(m.true_divide(a, b * b)) if ctx.needs(1) else None)


ADD = binary_op("add", "add", lambda m, ctx, g: (g, g), operator="add", alpha=True, inplace=True, math="add")
RSUB_SCALAR = Op(
    "rsub", lambda b, x, y: b.subtract(y, x), lambda m, ctx, g: (-g, g if ctx.needs(1) else None), node="RsubBackward1"
)
SUB = binary_op(
    "sub",
    "subtract",
    lambda m, ctx, g: (g, -g if ctx.needs(1) else None),
    operator="sub",
    reflected=RSUB_SCALAR,
    aliases=("subtract",),
    check=refuse_bool_subtraction,
    alpha=True,
    math="subtract",
)
RSUB_TENSOR = Op(
    "rsub", lambda b, x, y: b.subtract(y, x), lambda m, ctx, g: (-g, g if ctx.needs(1) else None), node="RsubBackward0"
)
MUL = binary_op(
    "mul",
    "multiply",
    _grad_mul,
    saves=(0, 1),
    saved_for=(1, 0),
    operator="mul",
    aliases=("multiply",),
    math="multiply",
)
DIV = Op("div", "true_divide", _grad_div, saves=(0, 1), saved_for=(1, None), math="true_divide")


@export
def rsub(input: Tensor, other, *, alpha=1) -> Tensor:
    """other - alpha * input (the reflected subtraction behind `2 - x`)."""
    refuse_bool_subtraction(input, other)
    op = RSUB_TENSOR if isinstance(other, Tensor) else RSUB_SCALAR
    scaled = input if alpha == 1 and not isinstance(alpha, float) else input * alpha
    return binary(op, scaled, other)


# --- division and its rounding modes ------------------------------------------------------


def _check_integer_division(name: str, b, x, y) -> None:
    """Integer division: bool operands are refused and a zero divisor raises (no silent 0)."""
    if kind_of(x) == "b" and kind_of(y) == "b":
        raise not_implemented_for(name, x)
    if not b.all(y):
        raise RuntimeError(f"ZeroDivisionError: integer {name} by zero (divide floats to get inf or nan instead)")


def _integer_checked(name: str, kernel):
    def run(b, x, y):
        result = kernel(b, x, y)
        if kind_of(result) != "f":
            _check_integer_division(name, b, x, y)
        return result

    return run


def _trunc_divide(b, x, y):
    if kind_of(x) == "f" or kind_of(y) == "f":
        return b.trunc(b.true_divide(x, y))
    x, y = wrapped_integer(b, x, y), wrapped_integer(b, y, x)
    quotient = b.floor_divide(x, y)
    inexact = b.not_equal(b.remainder(x, y), 0)
    return b.add(quotient, b.logical_and(inexact, b.not_equal(b.less(x, 0), b.less(y, 0))))


def _zero_grads(m, ctx, g):
    return tuple(m.zeros_like(g) if ctx.needs(i) else None for i in range(len(ctx.next_functions)))


_floor_divide_kernel = _integer_checked("floor_divide", lambda b, x, y: b.floor_divide(x, y))
DIV_FLOOR = Op("div", _floor_divide_kernel, _zero_grads, node="DivBackward2", math="floor_divide")
DIV_TRUNC = Op(
    "div", _integer_checked("div_trunc", _trunc_divide), _zero_grads, node="DivBackward2", math="trunc_divide"
)
FLOOR_DIVIDE = binary_op("floor_divide", _floor_divide_kernel, node="NotImplemented", operator="floordiv")


def _div_op(rounding_mode) -> Op:
    if rounding_mode is None:
        return DIV
    if rounding_mode == "floor":
        return DIV_FLOOR
    if rounding_mode == "trunc":
        return DIV_TRUNC
    raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")


def div(input, other, *, rounding_mode: str | None = None, out: Tensor | None = None) -> Tensor:
    """input / other; rounding_mode "floor" or "trunc" rounds the quotient (keeping integer dtypes)."""
    result = binary(_div_op(rounding_mode), input, other, FLOAT_RESULT if rounding_mode is None else PROMOTE)
    return result if out is None else write_out(out, result)


def _div_(self: Tensor, other, *, rounding_mode: str | None = None) -> Tensor:
    promotion = FLOAT_RESULT if rounding_mode is None else PROMOTE
    return inplace_binary(_div_op(rounding_mode), self, other, promotion)


def _true_divide_reflected(self: Tensor, other) -> Tensor:
    return self.reciprocal() * other  # NOTE: as PyTorch computes `2 / x` (its node is MulBackward0)


publish("div", div, _div_, aliases=("divide", "true_divide"), operator="truediv", reflected=_true_divide_reflected)


# --- remainder and fmod ---------------------------------------------------------------------


def _grad_modulo(quotient: str):
    def rule(m, ctx, g):
        a, b = ctx.saved
        grad_b = -g * getattr(m, quotient)(a, b) if ctx.needs(1) else None
        return (g if ctx.needs(0) else None), grad_b

    return rule


def _grad_first(m, ctx, g):
    return g, None


_remainder_kernel = _integer_checked("remainder", lambda b, x, y: b.remainder(x, y))
_fmod_kernel = _integer_checked("fmod", lambda b, x, y: b.xp.fmod(x, y))
REMAINDER_SCALAR = Op("remainder", _remainder_kernel, _grad_first, node="RemainderBackward0")
REMAINDER = Op("remainder", _remainder_kernel, _grad_modulo("floor_divide"), node="RemainderBackward1", saves=(0, 1))
REMAINDER_REFLECTED = Op("remainder", _remainder_kernel, None, node="NotImplemented")
FMOD_SCALAR = Op("fmod", _fmod_kernel, _grad_first, node="FmodBackward0")
FMOD = Op("fmod", _fmod_kernel, _grad_modulo("trunc_divide"), node="FmodBackward1", saves=(0, 1))


def _modulo_op(input, other, scalar_op: Op, tensor_op: Op) -> Op:
    if not isinstance(input, Tensor):
        return REMAINDER_REFLECTED
    return tensor_op if isinstance(other, Tensor) else scalar_op


def remainder(input, other, *, out: Tensor | None = None) -> Tensor:
    """Python's modulus: the result takes the sign of the divisor."""
    result = binary(_modulo_op(input, other, REMAINDER_SCALAR, REMAINDER), input, other)
    return result if out is None else write_out(out, result)


def fmod(input: Tensor, other, *, out: Tensor | None = None) -> Tensor:
    """C's modulus: the result takes the sign of the dividend."""
    result = binary(_modulo_op(input, other, FMOD_SCALAR, FMOD), input, other)
    return result if out is None else write_out(out, result)


publish(
    "remainder",
    remainder,
    lambda self, other: inplace_binary(_modulo_op(self, other, REMAINDER_SCALAR, REMAINDER), self, other),
    operator="mod",
    reflected=lambda self, other: binary(REMAINDER_REFLECTED, other, self),
)
publish("fmod", fmod, lambda self, other: inplace_binary(_modulo_op(self, other, FMOD_SCALAR, FMOD), self, other))


# --- powers -----------------------------------------------------------------------


def _grad_pow_scalar(m, ctx, g):
    (base,) = ctx.saved
    exponent = ctx.attrs["exponent"]
    if exponent == 0:
        return (m.zeros_like(g),)
    if exponent == 2:
        return (g * m.conj(base + base),)  # NOTE: exact doubling, as g * 2 * base, without a slower scalar operand
    return (g * m.conj(exponent * base ** (exponent - 1)),)


def _grad_pow_tensor(m, ctx, g):
    base, exponent = ctx.saved
    grad_base = None
    if ctx.needs(0):
        grad_base = m.where(exponent == 0, 0, g * m.conj(exponent * base ** (exponent - 1)))
    grad_exp = None
    if ctx.needs(1):
        grad_exp = m.where((base == 0) & (exponent >= 0), 0, g * m.conj(ctx.out * m.log(base)))
    return grad_base, grad_exp


def _grad_pow_base(m, ctx, g):
    (exponent,) = ctx.saved
    base = ctx.attrs["base"]
    log_base = math.log(base) if base > 0 else -math.inf if base == 0 else math.nan
    grad = g * m.conj(ctx.out * log_base)
    return (m.where(exponent >= 0, 0, grad) if base == 0 else grad,)


def _integer_power(b, x, y):
    """Integer powers as PyTorch computes them: a negative exponent gives 1/x truncated."""
    if kind_of(y) in "fc" or kind_of(x) in "fc" or not b.any(b.less(y, 0)):
        return b.power(x, y)
    safe = b.power(x, b.maximum(y, 0))
    odd = b.not_equal(b.remainder(y, 2), 0)
    inverse = b.where(b.equal(x, 1), 1, b.where(b.equal(x, -1), b.where(odd, -1, 1), 0))
    return b.where(b.less(y, 0), inverse, safe).astype(safe.dtype)


def _checked_power(b, x, y):
    if kind_of(x) == "b" and kind_of(y) == "b":
        raise not_implemented_for("pow", x)
    return _integer_power(b, x, y)


def _scalar_power(b, x, *, exponent):
    if exponent == 2:
        return b.square(x)  # NOTE: the same values as power(x, 2), several times faster
    if exponent == 0.5:
        return b.sqrt(x)
    return b.power(x, exponent)


POW_SCALAR = Op("pow", _scalar_power, _grad_pow_scalar, node="PowBackward0", saves=(0,), math="power_scalar")
POW_TENSOR = Op("pow", _checked_power, _grad_pow_tensor, node="PowBackward1", saves=(0, 1), saves_output=True)
POW_BASE = Op(
    "pow",
    lambda b, x, *, base: _checked_power(b, base, x),
    _grad_pow_base,
    node="PowBackward2",
    saves=(0,),
    saves_output=True,
)


def _pow(input, exponent) -> Tensor:
    if isinstance(exponent, Tensor):
        if not isinstance(input, Tensor):
            return _rpow(exponent, input)
        return binary(POW_TENSOR, input, exponent)
    want = promoted(input, exponent)
    x = input if input.dtype is want else input.to(want)
    if want.is_floating_point:
        exponent = float(exponent)
    elif want is _BOOL:
        return x.clone() if exponent else x.new_ones(x.shape)
    else:
        exponent = int(exponent)
        if exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
    return unary(POW_SCALAR, x, attrs={"exponent": exponent})


def _rpow(exponent: Tensor, base) -> Tensor:
    want = promoted(base, exponent)
    x = exponent if exponent.dtype is want else exponent.to(want)
    base = float(base) if want.is_floating_point else bool(base) if want is _BOOL else int(base)
    return unary(POW_BASE, x, attrs={"base": base})


def pow(input, exponent, *, out: Tensor | None = None) -> Tensor:
    """input ** exponent elementwise (either may be a scalar)."""
    result = _pow(input, exponent)
    return result if out is None else write_out(out, result)


def _pow_(self: Tensor, exponent) -> Tensor:
    check_inplace_target(self)
    result = _pow(self, exponent)
    if self._requires_grad or (isinstance(exponent, Tensor) and exponent._requires_grad):
        return rebase_inplace(self, result, "pow")
    _check_castable("pow", result.dtype, self)
    write_into(self, result._data, "pow")
    self._version[0] += 1
    return self


publish("pow", pow, _pow_, operator="pow", reflected=lambda self, other: _rpow(self, other))


def float_power(input, exponent, *, out: Tensor | None = None) -> Tensor:
    """input ** exponent computed in double precision (float64)."""
    if isinstance(input, Tensor):
        input = input.to(dt.float64)
    if isinstance(exponent, Tensor):
        exponent = exponent.to(dt.float64)
    result = _pow(input, exponent)
    return result if out is None else write_out(out, result)


def _float_power_(self: Tensor, exponent) -> Tensor:
    if self.dtype is not dt.float64:
        raise RuntimeError(
            f"the base given to float_power_ has dtype {_TYPE_NAMES[self.dtype]} but the operation's result "
            "requires dtype Double; convert first with .double()"
        )
    return _pow_(self, exponent.to(dt.float64) if isinstance(exponent, Tensor) else exponent)


publish("float_power", float_power, _float_power_)


def square(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """input * input (as pow(input, 2))."""
    result = _pow(input, 2)
    return result if out is None else write_out(out, result)


publish("square", square, lambda self: _pow_(self, 2))


# --- unary math ---------------------------------------------------------------------


def _zero_grad(m, ctx, g):
    return (m.zeros_like(g),)


def _negative(b, x):
    try:
        return b.negative(x)
    except TypeError:
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. "
            "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."
        ) from None


def _sign(b, x):
    if kind_of(x) == "b":
        return b.copy(x)
    signs = b.sign(x)
    return b.astype(b.where(b.isnan(signs), 0, signs), b.dtypes[x.dtype]) if kind_of(x) == "f" else signs


unary_op("neg", _negative, lambda m, ctx, g: (-g,), saves=(), aliases=("negative",), operator="neg", math="negative")
Tensor.__pos__ = lambda self: self
unary_op(
    "abs",
    refusing("abs_cpu", "b", lambda b, x: b.abs(x)),
    lambda m, ctx, g: (g * m.sign(ctx.saved[0]),),
    aliases=("absolute",),
    operator="abs",
    math="abs",
)


def _refuse_complex_sign(x: Tensor) -> None:
    if x.dtype.is_complex:
        raise NotImplementedError(
            "Unlike NumPy, torch.sign is not intended to support complex numbers. Please use torch.sgn instead."
        )


# NOTE: on complex arrays (m.sign in abs's rule, and sgn) the kernel gives z / |z| (0 at 0), as NumPy 2 does
def _grad_sign(m, ctx, g):
    """0 for real x; for complex x (sgn = x / |x|), i sgn(x) Im(conj(sgn(x)) g) / |x|, and 0 at 0."""
    (x,) = ctx.saved
    if not m.dtype_of(x).is_complex:
        return (m.zeros_like(g),)
    size = m.abs(x)
    unit = m.sign(x)
    return (m.where(size == 0, 0, unit * m.imag(m.conj(unit) * g) * 1j / m.where(size == 0, 1, size)),)


unary_op("sign", _sign, _grad_sign, math="sign", check=_refuse_complex_sign)
unary_op("sgn", _sign, _grad_sign)


def _float_op(
    name: str, rule, *, forward=None, saves: tuple = (0,), saves_output: bool = False, aliases: tuple = (), node=None
):
    """A unary op computed in floating point (integers in the default dtype), on m as `name`."""
    unary_op(
        name,
        forward or name,
        rule,
        promotion=FLOAT_RESULT,
        saves=saves,
        saves_output=saves_output,
        aliases=aliases,
        node=node,
        math=name,
    )


_float_op("exp", lambda m, ctx, g: (g * m.conj(ctx.out),), saves=(), saves_output=True)
_float_op("expm1", lambda m, ctx, g: (g * m.conj(ctx.out + 1),), saves=(), saves_output=True)
_float_op("log", lambda m, ctx, g: (g * (1 / m.conj(ctx.saved[0])),))
_float_op("log1p", lambda m, ctx, g: (g * (1 / m.conj(ctx.saved[0] + 1)),), node="Log1PBackward0")
_float_op("log2", lambda m, ctx, g: (g * (1 / m.conj(ctx.saved[0] * math.log(2))),))
_float_op("log10", lambda m, ctx, g: (g * (1 / m.conj(ctx.saved[0] * math.log(10))),))
_float_op("sqrt", lambda m, ctx, g: (g * (0.5 / m.conj(ctx.out)),), saves=(), saves_output=True)
_float_op(
    "rsqrt",
    lambda m, ctx, g: (g * m.conj(-0.5 * ctx.out * ctx.out * ctx.out),),
    forward=lambda b, x: b.true_divide(1, b.sqrt(x)),
    saves=(),
    saves_output=True,
)
_float_op("sin", lambda m, ctx, g: (g * m.conj(m.cos(ctx.saved[0])),))
_float_op("cos", lambda m, ctx, g: (g * -m.conj(m.sin(ctx.saved[0])),))
_float_op("tan", lambda m, ctx, g: (g * m.conj(1 + ctx.out * ctx.out),), saves=(), saves_output=True)
_float_op("tanh", lambda m, ctx, g: (g * m.conj(1 - ctx.out * ctx.out),), saves=(), saves_output=True)
_float_op("sinh", forward=lambda b, x: b.xp.sinh(x), rule=lambda m, ctx, g: (g * m.conj(m.cosh(ctx.saved[0])),))
_float_op("cosh", forward=lambda b, x: b.xp.cosh(x), rule=lambda m, ctx, g: (g * m.conj(m.sinh(ctx.saved[0])),))
_float_op(
    "asin",
    forward=lambda b, x: b.xp.arcsin(x),
    rule=lambda m, ctx, g: (g * m.rsqrt(1 - ctx.saved[0] ** 2),),
    aliases=("arcsin",),
)
_float_op(
    "acos",
    forward=lambda b, x: b.xp.arccos(x),
    rule=lambda m, ctx, g: (-g * m.rsqrt(1 - ctx.saved[0] ** 2),),
    aliases=("arccos",),
)
_float_op(
    "atan",
    forward=lambda b, x: b.xp.arctan(x),
    rule=lambda m, ctx, g: (g / (1 + ctx.saved[0] ** 2),),
    aliases=("arctan",),
)
_float_op("sigmoid", lambda m, ctx, g: (g * m.conj(ctx.out * (1 - ctx.out)),), saves=(), saves_output=True)
_float_op("erf", lambda m, ctx, g: (g * (2 / math.sqrt(math.pi)) * m.exp(-(ctx.saved[0] * ctx.saved[0])),))
_float_op(
    "reciprocal",
    lambda m, ctx, g: (-g * m.conj(ctx.out**2),),
    forward=lambda b, x: b.true_divide(1, x),
    saves=(),
    saves_output=True,
)


def _refuse_bool_relu(x: Tensor) -> None:
    if x.dtype in _NOT_RELU:
        if x.dtype.is_complex:
            raise NotImplementedError("clamp is not supported for complex types")
        raise RuntimeError("relu(): Boolean inputs not supported for relu; convert first, e.g. t.float().relu()")


# m.masked(g, keep): g times the 0/1 mask keep (a derivative that is 1 or 0; an inf in g stays nan);
# on arrays the backend's own `mask_multiply` (optional) where it has one
MASKED = Op("masked", "multiply", lambda m, ctx, g: (m.masked(g, ctx.saved[0]), None), saves=(1,))
define("masked", lambda m: getattr(m.backend, "mask_multiply", None) or m.backend.multiply, MASKED.on_tensors)


def _scaled(m, x, g, factor):
    return x * (g * factor if factor != 1 else g)


# m.scaled(x, g, factor): x * (g * factor) for a gradient g (often a 0-d seed) and a Python number factor
define_optional("scaled", _scaled)
RELU = unary_op(
    "relu",
    lambda b, x: b.maximum(x, 0),
    lambda m, ctx, g: (m.masked(g, ctx.out > 0),),
    saves=(),
    saves_output=True,
    check=_refuse_bool_relu,
    math="relu",
)
for _name in ("floor", "ceil", "trunc"):
    unary_op(
        _name,
        refusing(f"{_name}_cpu", "bc", lambda b, x, _k=_name: getattr(b, _k)(x) if kind_of(x) == "f" else b.copy(x)),
        _zero_grad,
        saves=(),
        aliases=("fix",) if _name == "trunc" else (),
    )
unary_op("frac", refusing("frac_cpu", "biu", lambda b, x: b.subtract(x, b.trunc(x))), lambda m, ctx, g: (g,), saves=())


def _round_kernel(b, x, *, decimals):
    if kind_of(x) != "f":
        return b.copy(x)
    return b.rint(x) if decimals == 0 else b.xp.round(x, decimals)


ROUND = Op("round", refusing("round_cpu", "bc", _round_kernel), _zero_grad, node="RoundBackward0")
ROUND_DECIMALS = Op("round", refusing("round_cpu", "bc", _round_kernel), _zero_grad, node="RoundBackward1")


def round(input: Tensor, *, decimals: int = 0, out: Tensor | None = None) -> Tensor:
    """Round half to even, to `decimals` places."""
    result = unary(ROUND if decimals == 0 else ROUND_DECIMALS, input, attrs={"decimals": decimals})
    return result if out is None else write_out(out, result)


def _round_(self: Tensor, *, decimals: int = 0) -> Tensor:
    return inplace_unary(ROUND if decimals == 0 else ROUND_DECIMALS, self, attrs={"decimals": decimals})


publish("round", round, _round_)


# --- comparisons and logic ------------------------------------------------------------

for _name, _kernel_name, _dunder in (
    ("eq", "equal", "eq"),
    ("ne", "not_equal", "ne"),
    ("lt", "less", "lt"),
    ("le", "less_equal", "le"),
    ("gt", "greater", "gt"),
    ("ge", "greater_equal", "ge"),
):
    ordered = _name not in ("eq", "ne")  # NOTE: complex numbers have no order: lt, le, gt, ge refuse them
    promotion = ORDERED if ordered else BOOL_RESULT
    binary_op(_name, _kernel_name, promotion=promotion, operator=_dunder, reflected=False, inplace=False)
for _alias, _name in (
    ("greater", "gt"),
    ("greater_equal", "ge"),
    ("less", "lt"),
    ("less_equal", "le"),
    ("not_equal", "ne"),
):
    export(FUNCTIONS[_name], name=_alias)

for _name in ("logical_and", "logical_or", "logical_xor"):
    binary_op(_name, _name, promotion=BOOL_RESULT, inplace=False)
unary_op("logical_not", "logical_not", saves=(), inplace=False)
for _name, _dunder in (("bitwise_and", "and"), ("bitwise_or", "or"), ("bitwise_xor", "xor")):
    binary_op(_name, integer_only(f"{_name}_cpu", lambda b, x, y, _k=_name: getattr(b, _k)(x, y)), operator=_dunder)
unary_op("bitwise_not", refusing("bitwise_not_cpu", "f", lambda b, x: b.invert(x)), saves=(), operator="invert")
for _name in ("isnan", "isinf", "isfinite"):
    unary_op(_name, _name, saves=(), inplace=False, math=_name)


@export
def equal(input: Tensor, other: Tensor) -> bool:
    """True when both tensors have the same shape and elements."""
    return input.shape == other.shape and bool((input == other).all())


@export
def allclose(input: Tensor, other: Tensor, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> bool:
    """True when every element satisfies ``|input - other| <= atol + rtol * |other|``."""
    return bool(isclose(input, other, rtol, atol, equal_nan).all())


@export
def isclose(input: Tensor, other, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> Tensor:
    """Elementwise ``|input - other| <= atol + rtol * |other|``, as a bool tensor."""
    other_data = other._data if isinstance(other, Tensor) else other
    b = input._backend
    close = getattr(b.xp, "isclose", None)
    if close is None:  # NOTE: an array API namespace has no isclose: the same test from kernels
        return make(_isclose_from_kernels(b, input, other_data, rtol, atol, equal_nan), input)
    return make(close(input._data, other_data, rtol, atol, equal_nan), input)


def _isclose_from_kernels(b, input: Tensor, y, rtol: float, atol: float, equal_nan: bool):
    x = input._data if input.dtype.inexact else b.astype(input._data, dt.float64)
    if not isinstance(y, (int, float, complex)) and kind_of(y) not in "fc":
        y = b.astype(y, dt.float64)
    within = b.less_equal(b.abs(b.subtract(x, y)), b.add(atol, b.multiply(rtol, b.abs(y))))
    close = b.logical_or(within, b.equal(x, y))  # NOTE: equal infinities are close
    if equal_nan:
        close = b.logical_or(close, b.logical_and(b.isnan(x), b.isnan(y) if not isinstance(y, (int, float)) else False))
    return close


# --- promotion among several operands ------------------------------------------------------


def result_type_of(*operands) -> dt.dtype:
    """PyTorch's result dtype of tensors and scalars together (None operands are skipped).

    Dimensioned tensors, 0-dim tensors and Python scalars are promoted within their own
    group first; a lighter group then wins only with a higher category (bool < int < float).
    """
    groups: dict = {}
    for value in operands:
        if value is None:
            continue
        if isinstance(value, Tensor):
            weight, kind = (2 if value._data.ndim else 1), value.dtype
        else:
            weight, kind = 0, dt.scalar_dtype(value)
        found = groups.get(weight)
        groups[weight] = kind if found is None else dt.PROMOTE[found, kind]
    result, result_weight = None, None
    for weight in (2, 1, 0):
        kind = groups.get(weight)
        if kind is None:
            continue
        if result is None:
            result, result_weight = kind, weight
        else:
            result = dt.result_type(result, result_weight, kind, weight)
    return result


# --- maximum, minimum, where, clamp --------------------------------------------------


def _grad_extremum(larger_wins: bool):
    """PyTorch's rule: ties split the gradient in half; NaN passes it to both sides."""

    def rule(m, ctx, g):
        a, b = ctx.saved
        half = m.where(a == b, g / 2, g)
        a_loses, b_loses = (a < b, a > b) if larger_wins else (a > b, a < b)
        return (m.where(a_loses, 0, half) if ctx.needs(0) else None), (
            m.where(b_loses, 0, half) if ctx.needs(1) else None
        )

    return rule


MAXIMUM = binary_op(
    "maximum", "maximum", _grad_extremum(True), promotion=REAL_ONLY, saves=(0, 1), inplace=False, math="maximum"
)
MINIMUM = binary_op(
    "minimum", "minimum", _grad_extremum(False), promotion=REAL_ONLY, saves=(0, 1), inplace=False, math="minimum"
)
maximum = FUNCTIONS["maximum"]
minimum = FUNCTIONS["minimum"]


def _grad_where(m, ctx, g):
    condition = m.value(ctx.attrs["condition"])
    return (
        m.where(condition, g, 0) if ctx.needs(0) else None,
        m.where(condition, 0, g) if ctx.needs(1) else None,
    )


# NOTE: as in PyTorch, the condition is not an input of the node (its edges are input and other only)
WHERE = Op("where", lambda b, x, y, *, condition: b.where(condition._data, x, y), _grad_where)
# m.where(condition, x, y): the backend's kernel on arrays, the op on tensors
define("where", lambda m: m.backend.where, lambda m: lambda c, x, y: apply(WHERE, x, y, condition=c))


def _condition_array(condition: Tensor):
    if condition.dtype is _BOOL:
        return condition._data
    if condition.dtype is dt.uint8:
        return condition._backend.astype(condition._data, _BOOL)
    raise RuntimeError(
        f"where expected condition to be a boolean tensor, but got a tensor with dtype {_TYPE_NAMES[condition.dtype]}"
        "; compare first, e.g. where(t > 0, ...)"
    )


@export
def where(condition: Tensor, input=None, other=None, *, out: Tensor | None = None):
    """Elements of `input` where `condition`, else of `other`; with one argument, `nonzero(as_tuple=True)`.

    >>> x = ember.tensor([-1.0, 2.0, -3.0])
    >>> ember.where(x > 0, x, ember.zeros(3))
    tensor([0., 2., 0.])
    """
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    want = result_type_of(input, other)
    mask = _condition_array(condition)
    arrays = []
    for value in (input, other):
        if isinstance(value, Tensor):
            if value.device != condition.device:
                raise device_mismatch("where", condition, value)
            arrays.append(value._data if value.dtype is want else value._backend.astype(value._data, want))
        else:
            arrays.append(want.numpy.type(value))
    if mask is not condition._data:
        condition = condition.bool()
    result = call(WHERE, (input, other), tuple(arrays), condition, {"condition": condition})
    return result if out is None else write_out(out, result)


def _where_method(self: Tensor, condition: Tensor, other) -> Tensor:
    """The elements of the tensor where `condition` holds, else those of `other`."""
    return where(condition, self, other)


Tensor.where = _where_method


def _grad_clamp(m, ctx, g):
    (x,) = ctx.saved
    low, high = ctx.attrs["low"], ctx.attrs["high"]  # NumPy scalars of x's dtype, compared as Python numbers
    low, high = None if low is None else low.item(), None if high is None else high.item()
    if low is not None and high is not None:
        keep = (x >= low) & (x <= high)
    else:
        keep = x >= low if low is not None else x <= high
    return (m.where(keep, g, 0),)


def _grad_clamp_tensor(m, ctx, g):
    x, low, high = ctx.saved
    if high is None:
        keep, to_low, to_high = x >= low, x < low, None
    elif low is None:
        keep, to_low, to_high = x <= high, None, x > high
    else:
        # NOTE: as PyTorch: with min > max the output is max, whose gradient it takes.
        keep, to_low, to_high = (x >= low) & (x <= high), (x < low) & (low < high), (x > high) | (low > high)
    return (
        m.where(keep, g, 0) if ctx.needs(0) else None,
        m.where(to_low, g, 0) if ctx.needs(1) else None,
        m.where(to_high, g, 0) if ctx.needs(2) else None,
    )


CLAMP = Op("clamp", lambda b, x, *, low, high: b.clip(x, low, high), _grad_clamp, node="ClampBackward1", saves=(0,))
CLAMP_TENSOR = Op(
    "clamp", lambda b, x, low, high: b.clip(x, low, high), _grad_clamp_tensor, node="ClampBackward0", saves=(0, 1, 2)
)


def _clamp_operands(input: Tensor, low, high):
    if low is None and high is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    want = result_type_of(input, low, high)
    if want is _BOOL:
        raise not_implemented_for("clamp_cpu", input._data)
    if want.is_complex:
        raise NotImplementedError("clamp is not supported for complex types")
    return want


def _as_operand(value, want: dt.dtype, input: Tensor):
    if isinstance(value, Tensor):
        if value.device != input.device:
            raise device_mismatch("clamp", input, value)
        return value._data if value.dtype is want else value._backend.astype(value._data, want)
    return None if value is None else want.numpy.type(value)


@export
def clamp(input: Tensor, min=None, max=None, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Limit each element to [min, max] (bounds may be scalars or tensors; min > max gives max).

    >>> ember.clamp(ember.tensor([-2.0, 0.5, 3.0]), min=0.0, max=1.0)
    tensor([0.0000, 0.5000, 1.0000])
    """
    want = _clamp_operands(input, min, max)
    x = input if input.dtype is want else input.to(want)
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        arrays = (x._data, _as_operand(min, want, input), _as_operand(max, want, input))
        result = call(CLAMP_TENSOR, (x, min, max), arrays, x)
    else:
        low, high = _as_operand(min, want, input), _as_operand(max, want, input)
        result = unary(CLAMP, x, attrs={"low": low, "high": high})
    return result if out is None else write_out(out, result)


export(clamp, name="clip")


@export
def clamp_min(input: Tensor, min) -> Tensor:  # noqa: A002
    """Every element at least `min`."""
    return clamp(input, min, None)


@export
def clamp_max(input: Tensor, max) -> Tensor:  # noqa: A002
    """Every element at most `max`."""
    return clamp(input, None, max)


def _clamp_(self: Tensor, min=None, max=None) -> Tensor:  # noqa: A002
    check_inplace_target(self)
    want = _clamp_operands(self, min, max)
    if want is not self.dtype or isinstance(min, Tensor) or isinstance(max, Tensor) or self._requires_grad:
        return rebase_inplace(self, clamp(_alias_for_inplace(CLAMP, self), min, max), "clamp")
    low, high = _as_operand(min, want, self), _as_operand(max, want, self)
    return inplace_unary(CLAMP, self, attrs={"low": low, "high": high})


Tensor.clamp_ = Tensor.clip_ = _clamp_
Tensor.clamp_min_ = lambda self, min: _clamp_(self, min, None)  # noqa: A002
Tensor.clamp_max_ = lambda self, max: _clamp_(self, None, max)  # noqa: A002


# --- lerp ----------------------------------------------------------------------------------


def _grad_lerp(m, ctx, g):
    start, end, weight = ctx.saved
    grad_weight = g * (end - start) if ctx.needs(2) else None
    return (g * (1 - weight) if ctx.needs(0) else None), (g * weight if ctx.needs(1) else None), grad_weight


def _lerp_kernel(b, start, end, weight):
    return b.add(start, b.multiply(weight, b.subtract(end, start)))


LERP_SCALAR = Op("lerp", lambda b, s, e, w: _lerp_kernel(b, s, e, w), _grad_lerp, node="LerpBackward0", saves=(0, 1, 2))
LERP_TENSOR = Op("lerp", lambda b, s, e, w: _lerp_kernel(b, s, e, w), _grad_lerp, node="LerpBackward1", saves=(0, 1, 2))


def lerp(input: Tensor, end: Tensor, weight, *, out: Tensor | None = None) -> Tensor:
    """input + weight * (end - input)."""
    if end.dtype is not input.dtype:
        raise RuntimeError(
            f"lerp: expected dtype {input.dtype} for `end` but got dtype {end.dtype}; convert with .to({input.dtype})"
        )
    if end.device != input.device:
        raise device_mismatch("lerp", input, end)
    if isinstance(weight, Tensor):
        arrays = (input._data, end._data, weight._data)
        result = call(LERP_TENSOR, (input, end, weight), arrays, input)
    else:
        arrays = (input._data, end._data, input.dtype.numpy.type(weight))
        result = call(LERP_SCALAR, (input, end, weight), arrays, input)
    return result if out is None else write_out(out, result)


def _lerp_(self: Tensor, end: Tensor, weight) -> Tensor:
    check_inplace_target(self)
    return rebase_inplace(self, lerp(self, end, weight), "lerp")


publish("lerp", lerp, _lerp_)
