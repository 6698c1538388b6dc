"""More elementwise math: inverse hyperbolics, atan2, erfc, exp2, copysign, xlogy, logit and friends.

Ops with a kernel of their own carry one backward rule; the rest compose differentiable
ember ops, so their gradients come from the parts.
"""

from __future__ import annotations

import inspect
import math

from .. import _dtype as dt
from .._autograd._grad_mode import no_grad
from .._tensor import Tensor
from .._writes import write_out
from ._declare import FUNCTIONS, binary_op, export, method, publish, unary_op
from ._dispatch import FLOAT_RESULT, _check_castable
from ._errors import integer_only, not_implemented_for, refusing
from ._op import Op, make
from .special import erfc_array

_LN2 = math.log(2.0)


def _float_unary(name: str, forward, rule, *, aliases: tuple = (), saves=(0,), saves_output=False) -> None:
    unary_op(name, forward, rule, promotion=FLOAT_RESULT, aliases=aliases, saves=saves, saves_output=saves_output)


_float_unary(
    "asinh", lambda b, x: b.xp.arcsinh(x), lambda m, ctx, g: (g * m.rsqrt(ctx.saved[0] ** 2 + 1),), aliases=("arcsinh",)
)
_float_unary(
    "acosh", lambda b, x: b.xp.arccosh(x), lambda m, ctx, g: (g * m.rsqrt(ctx.saved[0] ** 2 - 1),), aliases=("arccosh",)
)
_float_unary(
    "atanh", lambda b, x: b.xp.arctanh(x), lambda m, ctx, g: (g / (1 - ctx.saved[0] ** 2),), aliases=("arctanh",)
)
_float_unary(
    "erfc",
    lambda b, x: b.astype(erfc_array(b, b.astype(x, dt.float64)), b.ember_dtype(x.dtype)),
    lambda m, ctx, g: (g * (-2 / math.sqrt(math.pi)) * m.exp(-(ctx.saved[0] * ctx.saved[0])),),
)
_float_unary("exp2", lambda b, x: b.xp.exp2(x), lambda m, ctx, g: (g * ctx.out * _LN2,), saves=(), saves_output=True)
_float_unary("deg2rad", lambda b, x: b.xp.deg2rad(x), lambda m, ctx, g: (g * (math.pi / 180),), saves=())
_float_unary("rad2deg", lambda b, x: b.xp.rad2deg(x), lambda m, ctx, g: (g * (180 / math.pi),), saves=())


def _bessel_i(b, x, order: int):
    """The modified Bessel function I_order (0 or 1) by its series of positive terms, in float64."""
    xp = b.xp
    half = b.astype(x, dt.float64) / 2
    term = xp.ones_like(half) if order == 0 else half
    total = term
    quarter = half * half
    finite = xp.where(xp.isfinite(half), half, 0.0)
    largest = min(float(b.max(b.abs(finite))), 400.0) if half.size else 0.0  # NOTE: beyond, I0 overflows
    for k in range(1, int(largest) * 2 + 40):  # NOTE: past the largest term, 40 more reach float64's last digit
        term = term * quarter / (k * (k + order))
        total = total + term
    return b.astype(total, b.ember_dtype(x.dtype))


def _grad_i1(m, ctx, g):
    x = ctx.saved[0]
    nonzero = x != 0
    safe = m.where(nonzero, x, x * 0 + 1)
    slope = m.where(nonzero, m.run(I0, x) - m.run(I1, x) / safe, x * 0 + 0.5)  # I1'(0) = 1/2
    return (g * slope,)


# I1, for the derivative of i0 (PyTorch has it as torch.special.i1)
I1 = Op("i1", lambda b, x: _bessel_i(b, x, 1), _grad_i1, saves=(0,))
I0 = unary_op(
    "i0", lambda b, x: _bessel_i(b, x, 0), lambda m, ctx, g: (g * m.run(I1, ctx.saved[0]),), promotion=FLOAT_RESULT
)


unary_op("signbit", lambda b, x: b.xp.signbit(x), saves=(), inplace=False)
unary_op("isposinf", lambda b, x: x == math.inf, saves=(), inplace=False)
unary_op("isneginf", lambda b, x: x == -math.inf, saves=(), inplace=False)
unary_op("isreal", lambda b, x: b.xp.ones(x.shape, dtype=bool), saves=(), inplace=False)


def _grad_atan2(m, ctx, g):
    a, b = ctx.saved
    scale = g / (a * a + b * b)
    return (scale * b if ctx.needs(0) else None), (-scale * a if ctx.needs(1) else None)


binary_op(
    "atan2",
    lambda b, x, y: b.xp.arctan2(x, y),
    _grad_atan2,
    promotion=FLOAT_RESULT,
    saves=(0, 1),
    reflected=False,
    aliases=("arctan2",),
)


def _grad_copysign(m, ctx, g):
    a, b = ctx.saved
    to_a = g * m.sign(a) * m.sign(m.run(COPYSIGN, a, b)) if ctx.needs(0) else None
    return to_a, (m.full_like(g, value=0) if ctx.needs(1) else None)  # NOTE: zero, as PyTorch gives


COPYSIGN = binary_op(
    "copysign",
    lambda b, x, y: b.xp.copysign(x, y),
    _grad_copysign,
    promotion=FLOAT_RESULT,
    saves=(0, 1),
    reflected=False,
)


def _grad_pick(take_first: bool):
    """fmax/fmin: the gradient goes to the operand picked (the other one where one is NaN)."""

    def rule(m, ctx, g):
        a, b = ctx.saved
        first = ((a >= b) if take_first else (a <= b)) | m.isnan(b)
        zero = g * 0
        return (m.where(first, g, zero) if ctx.needs(0) else None), (m.where(first, zero, g) if ctx.needs(1) else None)

    return rule


binary_op("fmax", lambda b, x, y: b.xp.fmax(x, y), _grad_pick(True), saves=(0, 1), reflected=False, inplace=False)
binary_op("fmin", lambda b, x, y: b.xp.fmin(x, y), _grad_pick(False), saves=(0, 1), reflected=False, inplace=False)
binary_op(
    "nextafter",
    refusing("nextafter_cpu", "biu", lambda b, x, y: b.xp.nextafter(x, y)),
    node="NotImplemented",
    reflected=False,
)
binary_op("gcd", integer_only("gcd_cpu", lambda b, x, y: b.xp.gcd(x, y)), node="NotImplemented", reflected=False)
binary_op("lcm", integer_only("lcm_cpu", lambda b, x, y: b.xp.lcm(x, y)), node="NotImplemented", reflected=False)
binary_op(
    "bitwise_left_shift",
    refusing("lshift_cpu", "b", integer_only("lshift_cpu", lambda b, x, y: b.xp.left_shift(x, y))),
    node="NotImplemented",
    reflected=False,
)
binary_op(
    "bitwise_right_shift",
    refusing("rshift_cpu", "b", integer_only("rshift_cpu", lambda b, x, y: b.xp.right_shift(x, y))),
    node="NotImplemented",
    reflected=False,
)


_SUMMARIES = {
    "asinh": "The inverse hyperbolic sine of each element.",
    "acosh": "The inverse hyperbolic cosine of each element (NaN below 1).",
    "atanh": "The inverse hyperbolic tangent of each element (NaN outside [-1, 1]).",
    "erfc": "The complementary error function ``1 - erf(x)`` of each element, accurate in the tail.",
    "exp2": "``2 ** x`` of each element.",
    "deg2rad": "Each element converted from degrees to radians.",
    "rad2deg": "Each element converted from radians to degrees.",
    "i0": "The modified Bessel function of the first kind, order zero, of each element.",
    "signbit": "Whether each element's sign bit is set (True for -0.0 and negative numbers).",
    "isposinf": "Whether each element is positive infinity.",
    "isneginf": "Whether each element is negative infinity.",
    "isreal": "Whether each element is real: always True for ember's real dtypes.",
    "atan2": "The angle of the point (other, input), ``atan(input / other)`` in the right quadrant.",
    "copysign": "The magnitude of input with the sign of other, elementwise.",
    "fmax": "The elementwise maximum, taking the number where one operand is NaN.",
    "fmin": "The elementwise minimum, taking the number where one operand is NaN.",
    "nextafter": "The next representable float after input in the direction of other, elementwise.",
    "gcd": "The greatest common divisor of each pair of integers.",
    "lcm": "The least common multiple of each pair of integers.",
    "bitwise_left_shift": "Each integer shifted left by other bits.",
    "bitwise_right_shift": "Each integer shifted right (arithmetically) by other bits.",
}
for _name, _summary in _SUMMARIES.items():
    FUNCTIONS[_name].__doc__ = _summary


# --- in place through a composition ------------------------------------------------------------


def in_place_of(function, name: str):
    """`Tensor.<name>_`: `function` of (a copy of) self, written back into self."""

    def in_place(self: Tensor, *args, **kwargs) -> Tensor:
        result = function(self.clone(), *args, **kwargs)
        _check_castable(name, result.dtype, self)
        return self.copy_(result)

    in_place.__name__ = name + "_"
    in_place.__doc__ = f"In-place version of :meth:`{name}`."
    in_place.__signature__ = _method_signature(function)
    return in_place


def _method_signature(function) -> inspect.Signature:
    """`function`'s signature as a method: its first parameter named self, and no `out=`."""
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return inspect.Signature([inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)])
    first = parameters[0].replace(name="self", annotation=inspect.Parameter.empty)
    return inspect.Signature([first] + [p for p in parameters[1:] if p.name != "out"], return_annotation="Tensor")


def _with_out(result: Tensor, out: Tensor | None) -> Tensor:
    return result if out is None else write_out(out, result)


for _name in ("eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal", "not_equal",
              "logical_and", "logical_or", "logical_xor"):  # fmt: skip
    method(_name + "_")(in_place_of(FUNCTIONS[_name], _name))
method("logical_not_")(in_place_of(FUNCTIONS["logical_not"], "logical_not"))


def _as_tensor_like(value, like: Tensor) -> Tensor:
    if isinstance(value, Tensor):
        return value
    return like.new_tensor(value, dtype=dt.get_default_dtype() if isinstance(value, float) else None)


def times_log(input, other, log: str, neutral: float) -> Tensor:
    """``input * log(other)`` (`log` a Tensor method name), and 0 where input is 0 unless other is NaN.

    Where input is 0, other is replaced by `neutral` (where the log is 0), so the value there
    is 0 and input's gradient is 0, as in PyTorch; numbers take the other operand's device.
    """
    first = input if isinstance(input, Tensor) else None
    reference = first if first is not None else other
    x, y = _as_tensor_like(input, reference), _as_tensor_like(other, reference)
    if not x.dtype.is_floating_point and not y.dtype.is_floating_point:
        x = x.to(dt.get_default_dtype())
    safe = FUNCTIONS["where"]((x == 0) & ~y.isnan(), y.new_full((), neutral), y)
    return x * getattr(safe, log)()


def xlogy(input, other, *, out: Tensor | None = None) -> Tensor:
    """``input * log(other)``, and 0 where input is 0 (unless other is NaN)."""
    return _with_out(times_log(input, other, "log", 1.0), out)


def logit(input: Tensor, eps: float | None = None, *, out: Tensor | None = None) -> Tensor:
    """The log-odds ``log(p / (1 - p))`` of each element, with p clamped to [eps, 1 - eps] when eps is given."""
    p = input if input.dtype.is_floating_point else input.to(dt.get_default_dtype())
    if eps is not None:
        p = p.clamp(eps, 1 - eps)
    return _with_out((p / (1 - p)).log(), out)


def sinc(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The normalised sinc ``sin(pi x) / (pi x)`` of each element, 1 at 0."""
    x = input if input.dtype.is_floating_point else input.to(dt.get_default_dtype())
    at_zero = x == 0
    safe = FUNCTIONS["where"](at_zero, x.new_ones(()), x) * math.pi
    return _with_out(FUNCTIONS["where"](at_zero, x.new_ones(()), safe.sin() / safe), out)


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None,
               *, out: Tensor | None = None) -> Tensor:  # fmt: skip
    """NaN, +inf and -inf replaced by `nan`, `posinf` and `neginf` (by default 0 and the dtype's extremes)."""
    if not input.dtype.is_floating_point:
        return _with_out(input.clone(), out)
    largest = float(input._backend.xp.finfo(input._backend.native_dtype(input.dtype)).max)
    where = FUNCTIONS["where"]
    result = where(input.isnan(), input.new_tensor(nan), input)
    result = where(input == math.inf, input.new_tensor(largest if posinf is None else posinf), result)
    result = where(input == -math.inf, input.new_tensor(-largest if neginf is None else neginf), result)
    return _with_out(result, out)


def ldexp(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``input * 2 ** other``, elementwise."""
    return _with_out(input * FUNCTIONS["pow"](2.0, other), out)


def mvlgamma(input: Tensor, p: int, *, out: Tensor | None = None) -> Tensor:
    """The log of the multivariate gamma function of dimension `p`, elementwise."""
    if p < 1:
        raise RuntimeError(f"mvlgamma: p has to be greater than or equal to 1, got p={p}")
    x = input if input.dtype.is_floating_point else input.to(dt.get_default_dtype())
    total = sum((x - i / 2).lgamma() for i in range(p))
    return _with_out(total + p * (p - 1) / 4 * math.log(math.pi), out)


for _function, _aliases in ((xlogy, ()), (logit, ()), (sinc, ()), (nan_to_num, ()), (ldexp, ()), (mvlgamma, ())):
    publish(_function.__name__, _function, in_place_of(_function, _function.__name__), aliases=_aliases)
Tensor.mvlgamma = lambda self, p: mvlgamma(self, p)
Tensor.mvlgamma.__doc__ = mvlgamma.__doc__


@export
def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """Elements whose magnitude is at most `lambd` set to 0, the rest kept."""
    if not input.dtype.is_floating_point:
        raise not_implemented_for("hardshrink_cpu", input._data)
    with no_grad():
        kept = input.abs() > lambd
    return input.where(kept, 0.0)


@export
def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``max(0, x) + weight * min(0, x)``, weight one value or one per channel (dim 1)."""
    if weight.ndim > 1 or (weight.numel() != 1 and (input.ndim < 2 or weight.numel() != input.shape[1])):
        channels = input.shape[1] if input.ndim >= 2 else 1
        raise RuntimeError(
            f"Mismatch of parameter numbers and input channel size. Found parameter numbers = {weight.numel()} and "
            f"channel size = {channels}. (prelu takes one weight or one per channel of dim 1)"
        )
    if weight.numel() != 1:
        weight = weight.reshape((1, -1) + (1,) * (input.ndim - 2))
    with no_grad():
        positive = input > 0
    return input.where(positive, weight * input)


@export
def positive(input: Tensor) -> Tensor:
    """The input itself (``+x``); bool tensors are refused, as in PyTorch."""
    if input.dtype is dt.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported; convert it first, e.g. t.int()")
    return input


@export
def frexp(input: Tensor, *, out=None):
    """Mantissa in [0.5, 1) and integer exponent of each element: ``input = mantissa * 2 ** exponent``."""
    from .return_types import frexp as result_type

    if not input.dtype.is_floating_point:
        raise RuntimeError(
            f"torch.frexp() only supports floating-point dtypes, got {input.dtype}; convert with .float()"
        )
    mantissa, exponent = input._backend.xp.frexp(input._data)
    result = result_type(make(mantissa, input), make(exponent.astype("int32"), input))
    if out is not None:
        out[0].copy_(result[0])
        out[1].copy_(result[1])
        return result_type(*out)
    return result
