"""Elementwise math: each op is its forward kernel and its gradient, declared once."""

from __future__ import annotations

import math

from .. import _dtype as dt
from .._tensor import Tensor
from ._declare import FUNCTIONS, binary_op, chain_rules, export, rules_on_values, unary_op
from ._dispatch import (
    BOOL_RESULT,
    FLOAT_RESULT,
    PROMOTE,
    Op,
    _alias_for_inplace,
    binary,
    call,
    check_inplace_target,
    device_mismatch,
    inplace_binary,
    inplace_unary,
    make,
    promoted,
    rebase_inplace,
    unary,
    write_into,
    write_out,
)

_BOOL = dt.bool_

# --- dtype guards ----------------------------------------------------------------------
# PyTorch refuses some ops on bool (or integer) tensors; NumPy would quietly compute them.


def _kind(value) -> str:
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    if kind is not None:
        return kind
    return "b" if isinstance(value, bool) else "i" if isinstance(value, int) else "f"


_TYPE_WORDS = {"b": "Bool", "u": "Byte", "i": "Long", "f": "Float"}


def _type_word(array) -> str:
    name = getattr(getattr(array, "dtype", None), "name", "")
    found = dt._BY_NAME.get(name)
    return _TYPE_NAMES[found] if found is not None else _TYPE_WORDS[_kind(array)]


_TYPE_NAMES = dt.SCALAR_TYPE_NAMES


def _not_implemented_for(name: str, array) -> NotImplementedError:
    return NotImplementedError(
        f"\"{name}\" not implemented for '{_type_word(array)}'; convert the tensor first (e.g. t.float())"
    )


def _refusing(name: str, kinds: str, kernel):
    """A kernel that raises PyTorch's NotImplementedError for inputs whose NumPy kind is in `kinds`."""

    def guarded(b, x, *args, **kwargs):
        if _kind(x) in kinds:
            raise _not_implemented_for(name, x)
        return kernel(b, x, *args, **kwargs)

    return guarded


def _integer_only(name: str, kernel):
    """Bitwise kernels: PyTorch raises NotImplementedError for floating inputs."""

    def checked(b, x, y):
        try:
            return kernel(b, x, y)
        except TypeError:
            raise _not_implemented_for(name, x if _kind(x) == "f" else y) from None

    return checked


def _broadcast_error(name: str, x, y, error: ValueError) -> Exception:
    """PyTorch's RuntimeError for shapes that don't broadcast (NumPy raises ValueError)."""
    shape_a, shape_b = getattr(x, "shape", ()), getattr(y, "shape", ())
    for i in range(1, min(len(shape_a), len(shape_b)) + 1):
        size_a, size_b = shape_a[-i], shape_b[-i]
        if size_a != size_b and size_a != 1 and size_b != 1:
            return RuntimeError(
                f"The size of tensor a ({size_a}) must match the size of tensor b ({size_b}) at non-singleton "
                f"dimension {max(len(shape_a), len(shape_b)) - i} (in {name}: shapes {list(shape_a)} and "
                f"{list(shape_b)} don't broadcast)"
            )
    return error


def _wrapped(b, value, like):
    """A Python int outside an integer dtype's range, wrapped into it as PyTorch's C++ cast does."""
    if isinstance(value, int) and not isinstance(value, bool) and hasattr(like, "dtype"):
        return b.xp.asarray(value, dtype="int64").astype(like.dtype)
    return value


def _kernel(name: str, method: str, *, reflected: bool = False, on_xp: bool = False):
    """The forward of a broadcasting binary op: one backend call (and PyTorch's errors and wrapping).

    `on_xp` takes the function from the backend's array module (for kernels outside the protocol).
    """

    def run(b, x, y):
        if reflected:
            x, y = y, x
        function = getattr(b.xp if on_xp else b, method)
        try:
            return function(x, y)
        except ValueError as error:
            raise _broadcast_error(name, x, y, error) from None
        except OverflowError:
            return function(_wrapped(b, x, y), _wrapped(b, y, x))

    return run


# --- arithmetic -------------------------------------------------------------------


def _needs(ctx, i: int) -> bool:
    return ctx.next_functions[i][0] is not None


def _grad_add(ctx, g):
    return g, g


def _grad_sub(ctx, g):
    return g, (-g if _needs(ctx, 1) else None)


def _grad_rsub(ctx, g):
    return -g, (g if _needs(ctx, 1) else None)


def _grad_mul(ctx, g, a, b):
    # NOTE: with saved_for=(1, 0), b is kept exactly when a needs a gradient, and a when b does
    return (None if b is None else g * b), (None if a is None else g * a)


def _grad_div(ctx, g, a, b):
    grad_a = g / b if _needs(ctx, 0) else None
    grad_b = -g * a / (b * b) if _needs(ctx, 1) else None
    return grad_a, grad_b


_MUL_RULES = rules_on_values(_grad_mul)
_DIV_RULES = rules_on_values(_grad_div)
ADD = binary_op("add", _kernel("add", "add"), _grad_add, kernel="add", operator="add", inplace=False, fast=_grad_add)
SUB = Op("sub", _kernel("sub", "subtract"), _grad_sub, kernel="subtract", fast=_grad_sub)
RSUB_TENSOR = Op("rsub", _kernel("rsub", "subtract", reflected=True), _grad_rsub, node="RsubBackward0", fast=_grad_rsub)
RSUB_SCALAR = Op("rsub", _kernel("rsub", "subtract", reflected=True), _grad_rsub, node="RsubBackward1", fast=_grad_rsub)
MUL = binary_op(
    "mul",
    _kernel("mul", "multiply"),
    _MUL_RULES[0],
    kernel="multiply",
    saves=(0, 1),
    operator="mul",
    fast=_MUL_RULES[1],
    saved_for=(1, 0),
)
DIV = Op(
    "div",
    _kernel("div", "true_divide"),
    _DIV_RULES[0],
    kernel="true_divide",
    saves=(0, 1),
    fast=_DIV_RULES[1],
    saved_for=(1, None),
)


def _check_alpha(input, other, alpha) -> None:
    if isinstance(alpha, bool):
        if promoted(input, other) is not _BOOL:
            raise RuntimeError("Boolean alpha only supported for Boolean results.")
    elif isinstance(alpha, float) and not promoted(input, other).is_floating_point:
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")


def _scaled(input, other, alpha):
    if alpha == 1 and not isinstance(alpha, float):
        return other
    _check_alpha(input, other, alpha)
    return other * alpha


def _refuse_bool_sub(a, b) -> None:
    a_bool = a.__class__ is bool or (isinstance(a, Tensor) and a.dtype is _BOOL)
    b_bool = b.__class__ is bool or (isinstance(b, Tensor) and b.dtype is _BOOL)
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


@export
def add(input, other, *, alpha=1, out: Tensor | None = None) -> Tensor:
    """input + alpha * other, broadcasting."""
    result = binary(ADD, input, _scaled(input, other, alpha))
    return result if out is None else write_out(out, result)


@export
def sub(input, other, *, alpha=1, out: Tensor | None = None) -> Tensor:
    """input - alpha * other, broadcasting."""
    _refuse_bool_sub(input, other)
    result = binary(SUB, input, _scaled(input, other, alpha))
    return result if out is None else write_out(out, result)


@export
def rsub(input: Tensor, other, *, alpha=1) -> Tensor:
    """other - alpha * input (the reflected subtraction behind `2 - x`)."""
    _refuse_bool_sub(input, other)
    op = RSUB_TENSOR if isinstance(other, Tensor) else RSUB_SCALAR
    return binary(op, _scaled(other, input, alpha), other)


def _add_(self: Tensor, other, *, alpha=1) -> Tensor:
    return inplace_binary(ADD, self, _scaled(self, other, alpha))


def _sub_(self: Tensor, other, *, alpha=1) -> Tensor:
    _refuse_bool_sub(self, other)
    return inplace_binary(SUB, self, _scaled(self, other, alpha))


def _sub_operator(self: Tensor, other) -> Tensor:
    if self.dtype is _BOOL or other.__class__ is bool or (isinstance(other, Tensor) and other.dtype is _BOOL):
        _refuse_bool_sub(self, other)
    return binary(SUB, self, other)


def _rsub_operator(self: Tensor, other) -> Tensor:
    _refuse_bool_sub(self, other)
    return binary(RSUB_SCALAR, self, other)


Tensor.add_ = _add_
Tensor.sub_ = _sub_
Tensor.__iadd__ = lambda self, other: _add_(self, other)
Tensor.__isub__ = lambda self, other: _sub_(self, other)
Tensor.__sub__ = _sub_operator
Tensor.__rsub__ = _rsub_operator
export(sub, name="subtract")
export(FUNCTIONS["mul"], name="multiply")
Tensor.subtract_ = Tensor.sub_
Tensor.multiply_ = Tensor.mul_


# --- division and its rounding modes ------------------------------------------------------


def _check_integer_division(name: str, b, x, y) -> None:
    """Integer division: bool operands are refused and a zero divisor raises (no silent 0)."""
    if _kind(x) == "b" and _kind(y) == "b":
        raise _not_implemented_for(name, x)
    if not b.all(y):
        raise RuntimeError(f"ZeroDivisionError: integer {name} by zero (divide floats to get inf or nan instead)")


def _integer_checked(name: str, kernel):
    def run(b, x, y):
        result = kernel(b, x, y)
        if result.dtype.kind != "f":
            _check_integer_division(name, b, x, y)
        return result

    return run


def _trunc_divide(b, x, y):
    if _kind(x) == "f" or _kind(y) == "f":
        return b.trunc(b.true_divide(x, y))
    x, y = _wrapped(b, x, y), _wrapped(b, y, x)
    quotient = b.floor_divide(x, y)
    inexact = b.not_equal(b.remainder(x, y), 0)
    return quotient + b.logical_and(inexact, b.not_equal(b.less(x, 0), b.less(y, 0)))


def _zero_grads(ctx, g):
    return tuple(g.new_zeros(g.shape) if _needs(ctx, i) else None for i in range(len(ctx.next_functions)))


_floor_divide_kernel = _integer_checked("floor_divide", _kernel("floor_divide", "floor_divide"))
DIV_FLOOR = Op("div", _floor_divide_kernel, _zero_grads, node="DivBackward2")
DIV_TRUNC = Op("div", _integer_checked("div_trunc", _trunc_divide), _zero_grads, node="DivBackward2")
FLOOR_DIVIDE = binary_op("floor_divide", _floor_divide_kernel, None, node="NotImplemented", operator="floordiv")


@export
def div(input, other, *, rounding_mode: str | None = None, out: Tensor | None = None) -> Tensor:
    """input / other; rounding_mode "floor" or "trunc" rounds the quotient (keeping integer dtypes)."""
    result = binary(_div_op(rounding_mode), input, other, FLOAT_RESULT if rounding_mode is None else PROMOTE)
    return result if out is None else write_out(out, result)


def _div_op(rounding_mode) -> Op:
    if rounding_mode is None:
        return DIV
    if rounding_mode == "floor":
        return DIV_FLOOR
    if rounding_mode == "trunc":
        return DIV_TRUNC
    raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")


def _div_(self: Tensor, other, *, rounding_mode: str | None = None) -> Tensor:
    rule = FLOAT_RESULT if rounding_mode is None else PROMOTE
    return inplace_binary(_div_op(rounding_mode), self, other, rule)


Tensor.div_ = Tensor.divide_ = Tensor.true_divide_ = _div_
Tensor.__truediv__ = lambda self, other: binary(DIV, self, other, FLOAT_RESULT)
Tensor.__itruediv__ = lambda self, other: inplace_binary(DIV, self, other, FLOAT_RESULT)
export(div, name="divide")


@export
def true_divide(input, other, *, out: Tensor | None = None) -> Tensor:
    """input / other, always in a floating dtype."""
    result = binary(DIV, input, other, FLOAT_RESULT)
    return result if out is None else write_out(out, result)


# --- remainder and fmod ---------------------------------------------------------------------


def _grad_modulo(rounding_mode: str):
    def rule(ctx, g):
        a, b = ctx.saved
        grad_b = -g * a.div(b, rounding_mode=rounding_mode) if _needs(ctx, 1) else None
        return (g if _needs(ctx, 0) else None), grad_b

    return rule


_remainder_kernel = _integer_checked("remainder", _kernel("remainder", "remainder"))
_fmod_kernel = _integer_checked("fmod", _kernel("fmod", "fmod", on_xp=True))
REMAINDER_SCALAR = Op("remainder", _remainder_kernel, lambda ctx, g: (g, None), node="RemainderBackward0")
REMAINDER = Op("remainder", _remainder_kernel, _grad_modulo("floor"), node="RemainderBackward1", saves=(0, 1))
REMAINDER_REFLECTED = Op("remainder", _remainder_kernel, None, node="NotImplemented")
FMOD_SCALAR = Op("fmod", _fmod_kernel, lambda ctx, g: (g, None), node="FmodBackward0")
FMOD = Op("fmod", _fmod_kernel, _grad_modulo("trunc"), node="FmodBackward1", saves=(0, 1))


def _modulo_op(input, other, scalar_op: Op, tensor_op: Op) -> Op:
    if not isinstance(input, Tensor):
        return REMAINDER_REFLECTED
    return tensor_op if isinstance(other, Tensor) else scalar_op


@export
def remainder(input, other, *, out: Tensor | None = None) -> Tensor:
    """Python's modulus: the result takes the sign of the divisor."""
    result = binary(_modulo_op(input, other, REMAINDER_SCALAR, REMAINDER), input, other)
    return result if out is None else write_out(out, result)


@export
def fmod(input: Tensor, other, *, out: Tensor | None = None) -> Tensor:
    """C's modulus: the result takes the sign of the dividend."""
    result = binary(_modulo_op(input, other, FMOD_SCALAR, FMOD), input, other)
    return result if out is None else write_out(out, result)


Tensor.remainder_ = lambda self, other: inplace_binary(
    _modulo_op(self, other, REMAINDER_SCALAR, REMAINDER), self, other
)
Tensor.fmod_ = lambda self, other: inplace_binary(_modulo_op(self, other, FMOD_SCALAR, FMOD), self, other)
Tensor.__mod__ = lambda self, other: remainder(self, other)
Tensor.__rmod__ = lambda self, other: binary(REMAINDER_REFLECTED, other, self)
Tensor.__imod__ = Tensor.remainder_


# --- powers -----------------------------------------------------------------------


def _grad_pow_scalar(ctx, g, base):
    exponent = ctx.attrs["exponent"]
    if exponent == 0:
        return (g * 0,)
    if exponent == 2:
        return (g * (base + base),)  # NOTE: exact doubling, as g * 2 * base, without a slower scalar operand
    return (g * exponent * base ** (exponent - 1),)


_POW_SCALAR_RULES = rules_on_values(_grad_pow_scalar)


def _grad_pow_tensor(ctx, g):
    base, exponent = ctx.saved
    grad_base = None
    if _needs(ctx, 0):
        grad_base = where(exponent == 0, 0, g * exponent * base ** (exponent - 1))
    grad_exp = None
    if _needs(ctx, 1):
        grad_exp = where((base == 0) & (exponent >= 0), 0, g * ctx.output() * base.log())
    return grad_base, grad_exp


def _grad_pow_base(ctx, g):
    (exponent,) = ctx.saved
    base = ctx.attrs["base"]
    log_base = math.log(base) if base > 0 else -math.inf if base == 0 else math.nan
    grad = g * ctx.output() * log_base
    return (where(exponent >= 0, 0, grad) if base == 0 else grad,)


def _integer_power(b, x, y):
    """Integer powers as PyTorch computes them: a negative exponent gives 1/x truncated."""
    if _kind(y) == "f" or _kind(x) == "f" or not b.any(b.less(y, 0)):
        return b.power(x, y)
    safe = b.power(x, b.maximum(y, 0))
    odd = b.not_equal(b.remainder(y, 2), 0)
    inverse = b.where(b.equal(x, 1), 1, b.where(b.equal(x, -1), b.where(odd, -1, 1), 0))
    return b.where(b.less(y, 0), inverse, safe).astype(safe.dtype)


def _checked_power(b, x, y):
    if _kind(x) == "b" and _kind(y) == "b":
        raise _not_implemented_for("pow", x)
    return _integer_power(b, x, y)


def _scalar_power(b, x, exponent):
    if exponent == 2:
        return b.square(x)  # NOTE: the same values as power(x, 2), several times faster
    if exponent == 0.5:
        return b.sqrt(x)
    return b.power(x, exponent)


POW_SCALAR = Op(
    "pow",
    _scalar_power,
    _POW_SCALAR_RULES[0],
    node="PowBackward0",
    saves=(0,),
    fast=_POW_SCALAR_RULES[1],
)
POW_TENSOR = Op("pow", _checked_power, _grad_pow_tensor, node="PowBackward1", saves=(0, 1), saves_output=True)
POW_BASE = Op(
    "pow",
    lambda b, x, base: _checked_power(b, base, x),
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
    from ._dispatch import _check_castable

    _check_castable("pow", result.dtype, self)
    write_into(self, result._data, "pow")
    self._version[0] += 1
    return self


Tensor.pow_ = _pow_
Tensor.__pow__ = lambda self, other: _pow(self, other)
Tensor.__rpow__ = lambda self, other: _rpow(self, other)
Tensor.__ipow__ = _pow_


@export
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


Tensor.float_power_ = _float_power_


@export
def square(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """input * input (as pow(input, 2))."""
    result = _pow(input, 2)
    return result if out is None else write_out(out, result)


Tensor.square_ = lambda self: _pow_(self, 2)


# --- unary math ---------------------------------------------------------------------


def _zero_grad(ctx, g):
    return (g.new_zeros(g.shape),)


def _negative(b, x):
    try:
        return b.negative(x)
    except TypeError:
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. "
            "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."
        ) from None


def _sign(b, x):
    if _kind(x) == "b":
        return x.copy()
    signs = b.sign(x)
    return b.where(b.isnan(signs), 0, signs).astype(x.dtype) if _kind(x) == "f" else signs


def _grad_neg(ctx, g):
    return (-g,)


NEG = unary_op("neg", _negative, _grad_neg, saves=(), fast=_grad_neg)
export(FUNCTIONS["neg"], name="negative")
Tensor.negative_ = Tensor.neg_
Tensor.__neg__ = lambda self: unary(NEG, self)
Tensor.__pos__ = lambda self: self
ABS = unary_op("abs", _refusing("abs_cpu", "b", lambda b, x: b.abs(x)), derivative=lambda m, x, out: m.sign(x))
Tensor.__abs__ = lambda self: unary(ABS, self)
export(FUNCTIONS["abs"], name="absolute")
Tensor.absolute_ = Tensor.abs_
unary_op("sign", _sign, _zero_grad, saves=())
unary_op("sgn", _sign, _zero_grad, saves=())
unary_op("exp", lambda b, x: b.exp(x), derivative=lambda m, x, out: out, rule=FLOAT_RESULT, saves=(), saves_output=True)
unary_op(
    "expm1",
    lambda b, x: b.expm1(x),
    derivative=lambda m, x, out: out + 1,
    rule=FLOAT_RESULT,
    saves=(),
    saves_output=True,
)
unary_op("log", lambda b, x: b.log(x), derivative=lambda m, x, out: 1 / x, rule=FLOAT_RESULT)
unary_op(
    "log1p",
    lambda b, x: b.log1p(x),
    derivative=lambda m, x, out: 1 / (x + 1),
    rule=FLOAT_RESULT,
    node="Log1PBackward0",
)
unary_op("log2", lambda b, x: b.log2(x), derivative=lambda m, x, out: 1 / (x * math.log(2)), rule=FLOAT_RESULT)
unary_op("log10", lambda b, x: b.log10(x), derivative=lambda m, x, out: 1 / (x * math.log(10)), rule=FLOAT_RESULT)
unary_op(
    "sqrt",
    lambda b, x: b.sqrt(x),
    derivative=lambda m, x, out: 0.5 / out,
    rule=FLOAT_RESULT,
    saves=(),
    saves_output=True,
)
unary_op(
    "rsqrt",
    lambda b, x: b.true_divide(1, b.sqrt(x)),
    derivative=lambda m, x, out: -0.5 * out * out * out,
    rule=FLOAT_RESULT,
    saves=(),
    saves_output=True,
)
unary_op("sin", lambda b, x: b.sin(x), derivative=lambda m, x, out: m.cos(x), rule=FLOAT_RESULT)
unary_op("cos", lambda b, x: b.cos(x), derivative=lambda m, x, out: -m.sin(x), rule=FLOAT_RESULT)
unary_op(
    "tan",
    lambda b, x: b.tan(x),
    derivative=lambda m, x, out: 1 + out * out,
    rule=FLOAT_RESULT,
    saves=(),
    saves_output=True,
)
unary_op(
    "tanh",
    lambda b, x: b.tanh(x),
    derivative=lambda m, x, out: 1 - out * out,
    rule=FLOAT_RESULT,
    saves=(),
    saves_output=True,
)
unary_op("sinh", lambda b, x: b.xp.sinh(x), lambda ctx, g: (g * ctx.saved[0].cosh(),), rule=FLOAT_RESULT)
unary_op("cosh", lambda b, x: b.xp.cosh(x), lambda ctx, g: (g * ctx.saved[0].sinh(),), rule=FLOAT_RESULT)
unary_op("asin", lambda b, x: b.xp.arcsin(x), lambda ctx, g: (g * (1 - ctx.saved[0] ** 2).rsqrt(),), rule=FLOAT_RESULT)
unary_op("acos", lambda b, x: b.xp.arccos(x), lambda ctx, g: (-g * (1 - ctx.saved[0] ** 2).rsqrt(),), rule=FLOAT_RESULT)
unary_op("atan", lambda b, x: b.xp.arctan(x), lambda ctx, g: (g / (1 + ctx.saved[0] ** 2),), rule=FLOAT_RESULT)
export(FUNCTIONS["asin"], name="arcsin")
export(FUNCTIONS["acos"], name="arccos")
export(FUNCTIONS["atan"], name="arctan")
unary_op(
    "sigmoid",
    lambda b, x: b.sigmoid(x),
    derivative=lambda m, x, out: out * (1 - out),
    rule=FLOAT_RESULT,
    saves=(),
    saves_output=True,
)
_RELU_RULES = chain_rules(lambda m, x, out: out > 0, uses_input=False, uses_output=True)
RELU = Op("relu", lambda b, x: b.maximum(x, 0), _RELU_RULES[0], saves_output=True, fast=_RELU_RULES[1])


def _refuse_bool_relu(input: Tensor) -> None:
    if input.dtype is _BOOL:
        raise RuntimeError("relu(): Boolean inputs not supported for relu; convert first, e.g. t.float().relu()")


@export
def relu(input: Tensor) -> Tensor:
    """max(input, 0) elementwise."""
    if input.dtype is _BOOL:
        _refuse_bool_relu(input)
    return unary(RELU, input)


def _relu_(self: Tensor) -> Tensor:
    _refuse_bool_relu(self)
    return inplace_unary(RELU, self)


Tensor.relu_ = _relu_
unary_op(
    "reciprocal",
    lambda b, x: b.true_divide(1, x),
    lambda ctx, g: (-g * ctx.output() ** 2,),
    rule=FLOAT_RESULT,
    saves=(),
    saves_output=True,
)
Tensor.__rtruediv__ = lambda self, other: self.reciprocal() * other
for _name in ("floor", "ceil", "trunc"):
    unary_op(
        _name,
        _refusing(f"{_name}_cpu", "b", lambda b, x, _k=_name: getattr(b, _k)(x) if x.dtype.kind == "f" else x.copy()),
        _zero_grad,
        saves=(),
    )
export(FUNCTIONS["trunc"], name="fix")
Tensor.fix_ = Tensor.trunc_
unary_op(
    "frac",
    _refusing("frac_cpu", "biu", lambda b, x: b.subtract(x, b.trunc(x))),
    lambda ctx, g: (g,),
    saves=(),
)


def _grad_erf(ctx, g):
    (x,) = ctx.saved
    return (g * (2 / math.sqrt(math.pi)) * (-(x * x)).exp(),)


unary_op("erf", lambda b, x: b.erf(x), _grad_erf, rule=FLOAT_RESULT)


def _round_kernel(b, x, decimals):
    if x.dtype.kind != "f":
        return x.copy()
    return b.rint(x) if decimals == 0 else b.xp.round(x, decimals)


ROUND = Op("round", _refusing("round_cpu", "b", _round_kernel), _zero_grad, node="RoundBackward0")
ROUND_DECIMALS = Op("round", _refusing("round_cpu", "b", _round_kernel), _zero_grad, node="RoundBackward1")


@export
def round(input: Tensor, *, decimals: int = 0, out: Tensor | None = None) -> Tensor:
    """Round half to even, to `decimals` places."""
    result = unary(ROUND if decimals == 0 else ROUND_DECIMALS, input, attrs={"decimals": decimals})
    return result if out is None else write_out(out, result)


Tensor.round_ = lambda self, *, decimals=0: inplace_unary(
    ROUND if decimals == 0 else ROUND_DECIMALS, self, attrs={"decimals": decimals}
)


# --- comparisons and logic ------------------------------------------------------------

for _name, _kernel_name, _dunder in (
    ("eq", "equal", "eq"),
    ("ne", "not_equal", "ne"),
    ("lt", "less", "lt"),
    ("le", "less_equal", "le"),
    ("gt", "greater", "gt"),
    ("ge", "greater_equal", "ge"),
):
    binary_op(
        _name,
        _kernel(_name, _kernel_name),
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

for _name in ("logical_and", "logical_or", "logical_xor"):
    binary_op(_name, _kernel(_name, _name), None, rule=BOOL_RESULT, inplace=False)
unary_op("logical_not", lambda b, x: b.logical_not(x), None, saves=(), inplace=False)
for _name, _dunder in (("bitwise_and", "and"), ("bitwise_or", "or"), ("bitwise_xor", "xor")):
    binary_op(
        _name,
        _integer_only(f"{_name}_cpu", _kernel(_name, _name)),
        None,
        operator=_dunder,
    )
BITWISE_NOT = unary_op("bitwise_not", _refusing("bitwise_not_cpu", "f", lambda b, x: b.invert(x)), None, saves=())
Tensor.__invert__ = lambda self: unary(BITWISE_NOT, self)
for _name in ("isnan", "isinf", "isfinite"):
    unary_op(_name, lambda b, x, _k=_name: getattr(b, _k)(x), None, saves=(), inplace=False)


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
    return make(input._backend.xp.isclose(input._data, other_data, rtol, atol, equal_nan), input)


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

    def rule(ctx, g):
        a, b = ctx.saved
        half = where(a == b, g / 2, g)
        a_loses, b_loses = (a < b, a > b) if larger_wins else (a > b, a < b)
        return (where(a_loses, 0, half) if _needs(ctx, 0) else None), (
            where(b_loses, 0, half) if _needs(ctx, 1) else None
        )

    return rule


MAXIMUM = binary_op("maximum", _kernel("maximum", "maximum"), _grad_extremum(True), saves=(0, 1), inplace=False)
MINIMUM = binary_op("minimum", _kernel("minimum", "minimum"), _grad_extremum(False), saves=(0, 1), inplace=False)
maximum = FUNCTIONS["maximum"]
minimum = FUNCTIONS["minimum"]


def _grad_where(ctx, g):
    condition = ctx.attrs["condition"]
    return (
        where(condition, g, 0) if _needs(ctx, 0) else None,
        where(condition, 0, g) if _needs(ctx, 1) else None,
    )


WHERE = Op("where", lambda b, x, y, condition: b.where(condition._data, x, y), _grad_where)


def _condition_array(condition: Tensor):
    if condition.dtype is _BOOL:
        return condition._data
    if condition.dtype is dt.uint8:
        return condition._data.astype(bool)
    raise RuntimeError(
        f"where expected condition to be a boolean tensor, but got a tensor with dtype {_TYPE_NAMES[condition.dtype]}"
        "; compare first, e.g. where(t > 0, ...)"
    )


@export
def where(condition: Tensor, input=None, other=None, *, out: Tensor | None = None):
    """Elements of `input` where `condition`, else of `other`; with one argument, `nonzero(as_tuple=True)`."""
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    want = result_type_of(input, other)
    mask = _condition_array(condition)
    arrays = []
    for value in (input, other):
        if isinstance(value, Tensor):
            if value.device != condition.device:
                raise device_mismatch("where", condition, value)
            arrays.append(value._data if value.dtype is want else value._data.astype(want.numpy))
        else:
            arrays.append(want.numpy.type(value))
    if mask is not condition._data:
        condition = condition.bool()
    result = call(WHERE, (input, other), tuple(arrays), condition, {"condition": condition})
    return result if out is None else write_out(out, result)


def _where_method(self: Tensor, condition: Tensor, other) -> Tensor:
    return where(condition, self, other)


Tensor.where = _where_method


def _grad_clamp(ctx, g):
    (x,) = ctx.saved
    low, high = ctx.attrs["low"], ctx.attrs["high"]
    if low is not None and high is not None:
        keep = (x >= low) & (x <= high)
    else:
        keep = x >= low if low is not None else x <= high
    return (where(keep, g, 0),)


def _grad_clamp_tensor(ctx, g):
    x, low, high = ctx.saved
    if high is None:
        keep, to_low, to_high = x >= low, x < low, None
    elif low is None:
        keep, to_low, to_high = x <= high, None, x > high
    else:
        # NOTE: as PyTorch: with min > max the output is max, whose gradient it takes.
        keep, to_low, to_high = (x >= low) & (x <= high), (x < low) & (low < high), (x > high) | (low > high)
    return (
        where(keep, g, 0) if _needs(ctx, 0) else None,
        where(to_low, g, 0) if _needs(ctx, 1) else None,
        where(to_high, g, 0) if _needs(ctx, 2) else None,
    )


CLAMP = Op("clamp", lambda b, x, low, high: b.clip(x, low, high), _grad_clamp, node="ClampBackward1", saves=(0,))
CLAMP_TENSOR = Op(
    "clamp", lambda b, x, low, high: b.clip(x, low, high), _grad_clamp_tensor, node="ClampBackward0", saves=(0, 1, 2)
)


def _clamp_operands(input: Tensor, low, high):
    if low is None and high is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    want = result_type_of(input, low, high)
    if want is _BOOL:
        raise _not_implemented_for("clamp_cpu", input._data)
    return want


def _as_operand(value, want: dt.dtype, input: Tensor):
    if isinstance(value, Tensor):
        if value.device != input.device:
            raise device_mismatch("clamp", input, value)
        return value._data if value.dtype is want else value._data.astype(want.numpy)
    return None if value is None else want.numpy.type(value)


@export
def clamp(input: Tensor, min=None, max=None, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Limit each element to [min, max] (bounds may be scalars or tensors; min > max gives max)."""
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
    return clamp(input, min, None)


@export
def clamp_max(input: Tensor, max) -> Tensor:  # noqa: A002
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


def _grad_lerp(ctx, g):
    start, end, weight = ctx.saved
    grad_weight = g * (end - start) if _needs(ctx, 2) else None
    return (g * (1 - weight) if _needs(ctx, 0) else None), (g * weight if _needs(ctx, 1) else None), grad_weight


def _lerp_kernel(b, start, end, weight):
    return start + weight * (end - start)


LERP_SCALAR = Op("lerp", lambda b, s, e, w: _lerp_kernel(b, s, e, w), _grad_lerp, node="LerpBackward0", saves=(0, 1, 2))
LERP_TENSOR = Op("lerp", lambda b, s, e, w: _lerp_kernel(b, s, e, w), _grad_lerp, node="LerpBackward1", saves=(0, 1, 2))


@export
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


Tensor.lerp_ = _lerp_
