"""Elementwise math: each op is its forward kernel and its gradient, declared once."""

from __future__ import annotations

import math

from .. import _dtype as dt
from .._tensor import Tensor
from ._declare import FUNCTIONS, binary_op, export, unary_op
from ._dispatch import (
    BOOL_RESULT,
    FLOAT_RESULT,
    Op,
    _binary_arrays,
    _check_castable,
    binary,
    call,
    check_inplace_target,
    device_mismatch,
    inplace_binary,
    inplace_unary,
    make,
    needs_grad,
    promoted,
    rebase_inplace,
    record,
    unary,
    write_into,
    write_out,
)

# --- arithmetic -------------------------------------------------------------------


def _grad_add(ctx, g):
    return g, g


def _grad_sub(ctx, g):
    return g, (-g if ctx.next_functions[1][0] is not None else None)


def _grad_mul(ctx, g):
    a, b = ctx.saved
    return (g * b if ctx.next_functions[0][0] is not None else None), (
        g * a if ctx.next_functions[1][0] is not None else None
    )


def _grad_div(ctx, g):
    a, b = ctx.saved
    grad_a = g / b if ctx.next_functions[0][0] is not None else None
    grad_b = -g * a / (b * b) if ctx.next_functions[1][0] is not None else None
    return grad_a, grad_b


ADD = binary_op("add", lambda b, x, y: b.add(x, y), _grad_add, kernel="add", operator="add", inplace=False)
SUB = binary_op("sub", lambda b, x, y: b.subtract(x, y), _grad_sub, kernel="subtract", operator="sub", inplace=False)
MUL = binary_op("mul", lambda b, x, y: b.multiply(x, y), _grad_mul, kernel="multiply", saves=(0, 1), operator="mul")
DIV = binary_op(
    "div",
    lambda b, x, y: b.true_divide(x, y),
    _grad_div,
    kernel="true_divide",
    rule=FLOAT_RESULT,
    saves=(0, 1),
    operator="truediv",
)
FLOOR_DIVIDE = binary_op(
    "floor_divide", lambda b, x, y: b.floor_divide(x, y), None, kernel="floor_divide", operator="floordiv"
)
REMAINDER = binary_op(
    "remainder",
    lambda b, x, y: b.remainder(x, y),
    lambda ctx, g: (g, None),
    kernel="remainder",
    operator="mod",
)


def _scaled(other, alpha):
    return other if alpha == 1 else other * alpha


@export
def add(input, other, *, alpha=1, out: Tensor | None = None) -> Tensor:
    """input + alpha * other, broadcasting."""
    result = binary(ADD, input, _scaled(other, alpha))
    return result if out is None else write_out(out, result)


@export
def sub(input, other, *, alpha=1, out: Tensor | None = None) -> Tensor:
    """input - alpha * other, broadcasting."""
    result = binary(SUB, input, _scaled(other, alpha))
    return result if out is None else write_out(out, result)


def _add_(self: Tensor, other, *, alpha=1) -> Tensor:
    return inplace_binary(ADD, self, _scaled(other, alpha))


def _sub_(self: Tensor, other, *, alpha=1) -> Tensor:
    return inplace_binary(SUB, self, _scaled(other, alpha))


Tensor.add_ = _add_
Tensor.sub_ = _sub_
Tensor.__iadd__ = lambda self, other: _add_(self, other)
Tensor.__isub__ = lambda self, other: _sub_(self, other)
export(sub, name="subtract")
export(FUNCTIONS["mul"], name="multiply")
Tensor.multiply_ = Tensor.mul_


@export
def div(input, other, *, rounding_mode: str | None = None, out: Tensor | None = None) -> Tensor:
    """input / other; rounding_mode "floor" or "trunc" rounds the quotient."""
    if rounding_mode is None:
        result = binary(DIV, input, other, FLOAT_RESULT)
    elif rounding_mode == "floor":
        result = binary(FLOOR_DIVIDE, input, other)
    elif rounding_mode == "trunc":
        quotient = binary(DIV, input, other, FLOAT_RESULT).trunc()
        result = quotient if promoted(input, other).is_floating_point else quotient.to(promoted(input, other))
    else:
        raise ValueError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'"
        )
    return result if out is None else write_out(out, result)


export(div, name="divide")
export(div, name="true_divide")
Tensor.divide_ = Tensor.true_divide_ = Tensor.div_


def _grad_rsub(ctx, g):
    return (-g, g)


# --- powers -----------------------------------------------------------------------


def _grad_pow_scalar(ctx, g):
    (base,) = ctx.saved
    exponent = ctx.attrs["exponent"]
    if exponent == 0:
        return (g * 0,)
    return (g * exponent * base ** (exponent - 1),)


def _grad_pow_tensor(ctx, g):
    base, exponent = ctx.saved
    grad_base = g * exponent * base ** (exponent - 1) if ctx.next_functions[0][0] is not None else None
    grad_exp = None
    if ctx.next_functions[1][0] is not None:
        grad_exp = g * ctx.output() * base.log().masked_fill((base == 0) & (exponent >= 0), 0)
    return grad_base, grad_exp


def _grad_rpow(ctx, g):
    (exponent,) = ctx.saved
    return (g * ctx.output() * math.log(ctx.attrs["base"]),)


POW_SCALAR = Op("pow", lambda b, x, exponent: b.power(x, exponent), _grad_pow_scalar, node="PowBackward0", saves=(0,))
POW_TENSOR = Op(
    "pow", lambda b, x, y: b.power(x, y), _grad_pow_tensor, node="PowBackward1", saves=(0, 1), saves_output=True
)
POW_BASE = Op(
    "pow", lambda b, x, base: b.power(base, x), _grad_rpow, node="PowBackward2", saves=(0,), saves_output=True
)


def _pow(input, exponent) -> Tensor:
    if isinstance(exponent, Tensor):
        if not isinstance(input, Tensor):
            return _rpow(exponent, input)
        return binary(POW_TENSOR, input, exponent)
    want = promoted(input, exponent)
    x = input if input.dtype is want else input.to(want)
    exponent = float(exponent) if want.is_floating_point else int(exponent)
    if not want.is_floating_point and exponent < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    return unary(POW_SCALAR, x, attrs={"exponent": exponent})


def _rpow(exponent: Tensor, base) -> Tensor:
    want = promoted(base, exponent)
    x = exponent if exponent.dtype is want else exponent.to(want)
    base = float(base) if want.is_floating_point else int(base)
    return unary(POW_BASE, x, attrs={"base": base})


@export
def pow(input, exponent, *, out: Tensor | None = None) -> Tensor:
    """input ** exponent elementwise (either may be a scalar)."""
    result = _pow(input, exponent)
    return result if out is None else write_out(out, result)


def _pow_(self: Tensor, exponent) -> Tensor:
    check_inplace_target(self)
    return (
        rebase_inplace(self, _pow(self, exponent), "pow")
        if self._requires_grad or (isinstance(exponent, Tensor) and exponent._requires_grad)
        else _write_plain(self, _pow(self, exponent))
    )


def _write_plain(self: Tensor, result: Tensor) -> Tensor:
    _check_castable("pow", result.dtype, self)
    write_into(self, result._data, "pow")
    self._version[0] += 1
    return self


Tensor.pow_ = _pow_
Tensor.__pow__ = lambda self, other: _pow(self, other)
Tensor.__rpow__ = lambda self, other: _rpow(self, other)
Tensor.__ipow__ = _pow_
export(pow, name="float_power", method=False)


@export
def square(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    result = _pow(input, 2)
    return result if out is None else write_out(out, result)


Tensor.square_ = lambda self: _pow_(self, 2)


# --- unary math ---------------------------------------------------------------------


def _zero_grad(ctx, g):
    return (g * 0,)


NEG = unary_op("neg", lambda b, x: b.negative(x), lambda ctx, g: (-g,), saves=())
export(FUNCTIONS["neg"], name="negative")
Tensor.negative_ = Tensor.neg_
Tensor.__neg__ = lambda self: unary(NEG, self)
Tensor.__pos__ = lambda self: self
ABS = unary_op("abs", lambda b, x: b.abs(x), lambda ctx, g: (g * ctx.saved[0].sign(),))
Tensor.__abs__ = lambda self: unary(ABS, self)
export(FUNCTIONS["abs"], name="absolute")
unary_op("sign", lambda b, x: b.sign(x), _zero_grad, saves=())
unary_op(
    "exp", lambda b, x: b.exp(x), lambda ctx, g: (g * ctx.output(),), rule=FLOAT_RESULT, saves=(), saves_output=True
)
unary_op(
    "expm1",
    lambda b, x: b.expm1(x),
    lambda ctx, g: (g * (ctx.output() + 1),),
    rule=FLOAT_RESULT,
    saves=(),
    saves_output=True,
)
unary_op("log", lambda b, x: b.log(x), lambda ctx, g: (g / ctx.saved[0],), rule=FLOAT_RESULT)
unary_op("log1p", lambda b, x: b.log1p(x), lambda ctx, g: (g / (ctx.saved[0] + 1),), rule=FLOAT_RESULT)
unary_op("log2", lambda b, x: b.log2(x), lambda ctx, g: (g / (ctx.saved[0] * math.log(2)),), rule=FLOAT_RESULT)
unary_op("log10", lambda b, x: b.log10(x), lambda ctx, g: (g / (ctx.saved[0] * math.log(10)),), rule=FLOAT_RESULT)
unary_op(
    "sqrt",
    lambda b, x: b.sqrt(x),
    lambda ctx, g: (g / (2 * ctx.output()),),
    rule=FLOAT_RESULT,
    saves=(),
    saves_output=True,
)
unary_op(
    "rsqrt",
    lambda b, x: b.true_divide(1, b.sqrt(x)),
    lambda ctx, g: (g * -0.5 * ctx.output() ** 3,),
    rule=FLOAT_RESULT,
    saves=(),
    saves_output=True,
)
unary_op("sin", lambda b, x: b.sin(x), lambda ctx, g: (g * ctx.saved[0].cos(),), rule=FLOAT_RESULT)
unary_op("cos", lambda b, x: b.cos(x), lambda ctx, g: (-g * ctx.saved[0].sin(),), rule=FLOAT_RESULT)
unary_op(
    "tan",
    lambda b, x: b.tan(x),
    lambda ctx, g: (g * (1 + ctx.output() ** 2),),
    rule=FLOAT_RESULT,
    saves=(),
    saves_output=True,
)
unary_op(
    "tanh",
    lambda b, x: b.tanh(x),
    lambda ctx, g: (g * (1 - ctx.output() ** 2),),
    rule=FLOAT_RESULT,
    saves=(),
    saves_output=True,
)
unary_op("sinh", lambda b, x: b.xp.sinh(x), lambda ctx, g: (g * ctx.saved[0].cosh(),), rule=FLOAT_RESULT)
unary_op("cosh", lambda b, x: b.xp.cosh(x), lambda ctx, g: (g * ctx.saved[0].sinh(),), rule=FLOAT_RESULT)
unary_op("asin", lambda b, x: b.xp.arcsin(x), lambda ctx, g: (g * (1 - ctx.saved[0] ** 2).rsqrt(),), rule=FLOAT_RESULT)
unary_op("acos", lambda b, x: b.xp.arccos(x), lambda ctx, g: (-g * (1 - ctx.saved[0] ** 2).rsqrt(),), rule=FLOAT_RESULT)
unary_op("atan", lambda b, x: b.xp.arctan(x), lambda ctx, g: (g / (1 + ctx.saved[0] ** 2),), rule=FLOAT_RESULT)
unary_op(
    "sigmoid",
    lambda b, x: b.sigmoid(x),
    lambda ctx, g: (g * ctx.output() * (1 - ctx.output()),),
    rule=FLOAT_RESULT,
    saves=(),
    saves_output=True,
)
unary_op(
    "relu",
    lambda b, x: b.maximum(x, 0),
    lambda ctx, g: (g * (ctx.output() > 0),),
    saves=(),
    saves_output=True,
)
unary_op(
    "reciprocal",
    lambda b, x: b.true_divide(1, x),
    lambda ctx, g: (-g * ctx.output() ** 2,),
    rule=FLOAT_RESULT,
    saves=(),
    saves_output=True,
)
for _name, _kernel in (("floor", "floor"), ("ceil", "ceil"), ("trunc", "trunc")):
    unary_op(
        _name, lambda b, x, _k=_kernel: getattr(b, _k)(x) if x.dtype.kind == "f" else x.copy(), _zero_grad, saves=()
    )
export(FUNCTIONS["trunc"], name="fix")


def _grad_erf(ctx, g):
    (x,) = ctx.saved
    return (g * (2 / math.sqrt(math.pi)) * (-(x * x)).exp(),)


unary_op("erf", lambda b, x: b.erf(x), _grad_erf, rule=FLOAT_RESULT)
ROUND = Op("round", lambda b, x, decimals: b.xp.round(x, decimals), _zero_grad, node="RoundBackward0")


@export
def round(input: Tensor, *, decimals: int = 0, out: Tensor | None = None) -> Tensor:
    """Round half to even, to `decimals` places."""
    result = unary(ROUND, input, attrs={"decimals": decimals})
    return result if out is None else write_out(out, result)


Tensor.round_ = lambda self, *, decimals=0: inplace_unary(ROUND, self, attrs={"decimals": decimals})


# --- comparisons and logic ------------------------------------------------------------

for _name, _kernel, _dunder in (
    ("eq", "equal", "eq"),
    ("ne", "not_equal", "ne"),
    ("lt", "less", "lt"),
    ("le", "less_equal", "le"),
    ("gt", "greater", "gt"),
    ("ge", "greater_equal", "ge"),
):
    binary_op(
        _name,
        lambda b, x, y, _k=_kernel: getattr(b, _k)(x, y),
        None,
        rule=BOOL_RESULT,
        operator=_dunder,
        reflected=False,
        inplace=False,
    )
for _alias, _name in (
    ("greater", "gt"),
    ("greater_equal", "ge"),
    ("less", "lt"),
    ("less_equal", "le"),
    ("not_equal", "ne"),
):
    export(FUNCTIONS[_name], name=_alias)

for _name, _kernel in (("logical_and", "logical_and"), ("logical_or", "logical_or"), ("logical_xor", "logical_xor")):
    binary_op(_name, lambda b, x, y, _k=_kernel: getattr(b, _k)(x, y), None, rule=BOOL_RESULT, inplace=False)
unary_op("logical_not", lambda b, x: b.logical_not(x), None, saves=(), inplace=False)
for _name, _kernel, _dunder in (
    ("bitwise_and", "bitwise_and", "and"),
    ("bitwise_or", "bitwise_or", "or"),
    ("bitwise_xor", "bitwise_xor", "xor"),
):
    binary_op(_name, lambda b, x, y, _k=_kernel: getattr(b, _k)(x, y), None, kernel=_kernel, operator=_dunder)
BITWISE_NOT = unary_op("bitwise_not", lambda b, x: b.invert(x), None, saves=())
Tensor.__invert__ = lambda self: unary(BITWISE_NOT, self)
for _name, _kernel in (("isnan", "isnan"), ("isinf", "isinf"), ("isfinite", "isfinite")):
    unary_op(_name, lambda b, x, _k=_kernel: getattr(b, _k)(x), None, saves=(), inplace=False)


@export
def equal(input: Tensor, other: Tensor) -> bool:
    """True when both tensors have the same shape and elements."""
    return input.shape == other.shape and bool((input == other).all())


@export
def allclose(input: Tensor, other: Tensor, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> bool:
    return bool(isclose(input, other, rtol, atol, equal_nan).all())


@export
def isclose(input: Tensor, other, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> Tensor:
    other_data = other._data if isinstance(other, Tensor) else other
    return make(input._backend.xp.isclose(input._data, other_data, rtol, atol, equal_nan), input)


# --- maximum, minimum, where, clamp --------------------------------------------------


def _grad_extremum(ctx, g):
    a, b = ctx.saved
    pick_a = (a > b) if ctx.attrs is None else (a < b)
    tie = (a == b) * 0.5
    weight_a = pick_a + tie
    return (g * weight_a if ctx.next_functions[0][0] is not None else None), (
        g * (1 - weight_a) if ctx.next_functions[1][0] is not None else None
    )


MAXIMUM = binary_op("maximum", lambda b, x, y: b.maximum(x, y), _grad_extremum, saves=(0, 1), inplace=False)
MINIMUM = Op("minimum", lambda b, x, y: b.minimum(x, y), _grad_extremum, saves=(0, 1))


@export
def minimum(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elementwise minimum of two tensors."""
    xa, xb, like, _ = _binary_arrays("minimum", input, other, "promote")
    result = make(like._backend.minimum(xa, xb), like)
    if needs_grad((input, other)):
        record(MINIMUM, result, (input, other), {"min": True})
    return result if out is None else write_out(out, result)


def _grad_where(ctx, g):
    (condition,) = ctx.saved
    zero = g * 0
    return (
        None,
        g.where(condition, zero) if ctx.next_functions[1][0] is not None else None,
        zero.where(condition, g) if ctx.next_functions[2][0] is not None else None,
    )


WHERE = Op("where", lambda b, c, x, y: b.where(c, x, y), _grad_where, saves=(0,))


@export
def where(condition: Tensor, input=None, other=None, *, out: Tensor | None = None):
    """Elements of `input` where `condition`, else of `other`; with one argument, `nonzero(as_tuple=True)`."""
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    want = promoted(input, other)
    like = condition
    arrays = [condition._data if condition.dtype is dt.bool_ else condition._data.astype(bool)]
    for value in (input, other):
        if isinstance(value, Tensor):
            if value.device != condition.device:
                raise device_mismatch("where", condition, value)
            arrays.append(value._data if value.dtype is want else value._data.astype(want.numpy))
        else:
            arrays.append(want.numpy.type(value))
    result = call(WHERE, (condition, input, other), tuple(arrays), like)
    return result if out is None else write_out(out, result)


def _where_method(self: Tensor, condition: Tensor, other) -> Tensor:
    return where(condition, self, other)


Tensor.where = _where_method


def _grad_clamp(ctx, g):
    (x,) = ctx.saved
    low, high = ctx.attrs["low"], ctx.attrs["high"]
    keep = x == x
    if low is not None:
        keep = keep & (x >= low)
    if high is not None:
        keep = keep & (x <= high)
    return (g * keep,)


CLAMP = Op("clamp", lambda b, x, low, high: b.clip(x, low, high), _grad_clamp, node="ClampBackward1", saves=(0,))


@export
def clamp(input: Tensor, min=None, max=None, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Limit each element to [min, max]."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        result = input
        if min is not None:
            result = FUNCTIONS["maximum"](result, min)
        if max is not None:
            result = minimum(result, max)
    else:
        result = unary(CLAMP, input, attrs={"low": min, "high": max})
    return result if out is None else write_out(out, result)


export(clamp, name="clip")


def _clamp_(self: Tensor, min=None, max=None) -> Tensor:  # noqa: A002
    check_inplace_target(self)
    return inplace_unary(CLAMP, self, attrs={"low": min, "high": max})


Tensor.clamp_ = Tensor.clip_ = _clamp_


@export
def lerp(input: Tensor, end: Tensor, weight) -> Tensor:
    return input + weight * (end - input)
