"""Activation functions. Each fused op is its forward kernel and its gradient, written with ember ops."""

from __future__ import annotations

import math
import warnings

from ..._random import rand
from ..._tensor import Tensor
from ...autograd import no_grad
from ...backends._casting import cast_like
from ...ops._dispatch import FLOAT_RESULT, inplace_unary, unary
from ...ops._op import Op
from ...ops.more_elementwise import hardshrink, prelu  # noqa: F401 (F.hardshrink and F.prelu are ember's)
from ...ops.reductions import log_softmax as _log_softmax
from ...ops.reductions import softmax as _softmax


def _apply(op: Op, input: Tensor, inplace: bool, attrs: dict | None = None) -> Tensor:
    if inplace:
        return inplace_unary(op, input, FLOAT_RESULT, attrs)
    return unary(op, input, FLOAT_RESULT, attrs)


def _composite(function, input: Tensor, inplace: bool) -> Tensor:
    """function(input), or written back into input; the graph reads a copy of the value it overwrites."""
    if not inplace:
        return function(input)
    source = input.clone() if input.requires_grad else input
    return input.copy_(function(source))


# --- rectifiers ------------------------------------------------------------------------------


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0).

    >>> ember.nn.functional.relu(ember.tensor([-1.0, 0.5]))
    tensor([0.0000, 0.5000])
    """
    return input.relu_() if inplace else input.relu()


def relu_(input: Tensor) -> Tensor:
    """:func:`relu` in place."""
    return input.relu_()


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def _grad_hardtanh(m, ctx, g):
    (x,) = ctx.saved
    return (m.masked(g, (x > ctx.attrs["low"]) & (x < ctx.attrs["high"])),)


HARDTANH = Op(
    "hardtanh", lambda b, x, *, low, high: b.clip(x, low, high), _grad_hardtanh, node="HardtanhBackward0", saves=(0,)
)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """x clamped to [min_val, max_val] (gradient 1 strictly inside, 0 elsewhere)."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _apply(HARDTANH, input, inplace, {"low": min_val, "high": max_val})


def _grad_leaky_relu(m, ctx, g):
    (x,) = ctx.saved
    return (m.where(x > 0, g, g * ctx.attrs["slope"]),)


LEAKY_RELU = Op(
    "leaky_relu",
    lambda b, x, *, slope: b.where(b.greater(x, 0), x, x * slope),
    _grad_leaky_relu,
    node="LeakyReluBackward0",
    saves=(0,),
)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x where x > 0, else negative_slope * x."""
    return _apply(LEAKY_RELU, input, inplace, {"slope": negative_slope})


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """:func:`leaky_relu` in place."""
    return leaky_relu(input, negative_slope, True)


def _grad_elu(m, ctx, g):
    (x,) = ctx.saved
    return (m.where(x > 0, g, g * ctx.attrs["alpha"] * m.exp(x)),)


ELU = Op(
    "elu",
    lambda b, x, *, alpha: cast_like(b, b.where(b.greater(x, 0), x, alpha * b.expm1(x)), x),
    _grad_elu,
    node="EluBackward0",
    saves=(0,),
)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x where x > 0, else alpha * (exp(x) - 1)."""
    return _apply(ELU, input, inplace, {"alpha": alpha})


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """:func:`elu` in place."""
    return elu(input, alpha, True)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with the self-normalising constants."""
    return _composite(lambda x: elu(x, _SELU_ALPHA) * _SELU_SCALE, input, inplace)


def selu_(input: Tensor) -> Tensor:
    """selu written back into input."""
    return selu(input, True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: celu: alpha must not be 0")
    return _composite(lambda x: elu(x / alpha) * alpha, input, inplace)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """celu written back into input."""
    return celu(input, alpha, True)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """hardtanh written back into input (PyTorch checks no order of the bounds here)."""
    return _apply(HARDTANH, input, True, {"low": min_val, "high": max_val})


def _thresholded(input: Tensor, bound: float, value: float, inplace: bool) -> Tensor:
    with no_grad():
        kept = input > bound
    return _composite(lambda x: x.where(kept, value), input, inplace)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else value."""
    return _thresholded(input, threshold, value, inplace)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """threshold written back into input."""
    return _thresholded(input, threshold, value, True)


def rrelu(
    input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False, inplace: bool = False
) -> Tensor:
    """Leaky ReLU with a random negative slope drawn from U(lower, upper) per element when training, else their mean."""
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    with no_grad():
        slopes = rand(input.shape, dtype=input.dtype, device=input.device) * (upper - lower) + lower
        factor = slopes.where(input < 0, 1.0)
    return _composite(lambda x: x * factor, input, inplace)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> Tensor:
    """rrelu written back into input."""
    return rrelu(input, lower, upper, training, True)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """a * sigmoid(b), where a and b are the two halves of input along dim."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    size = input.shape[dim]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {dim % input.ndim} is size {size}")
    a, b = input.chunk(2, dim)
    return a * b.sigmoid()


# --- smooth gates ------------------------------------------------------------------------------

_SQRT_HALF = math.sqrt(0.5)
_TANH_SCALE = math.sqrt(2.0 / math.pi)
_TANH_CUBIC = 0.044715


def _gelu_kernel(b, x, *, approximate):
    if approximate == "tanh":
        inner = _TANH_SCALE * (x + _TANH_CUBIC * x * x * x)
        return cast_like(b, 0.5 * x * (1.0 + b.tanh(inner)), x)
    return cast_like(b, 0.5 * x * (1.0 + b.erf(x * _SQRT_HALF)), x)


def _grad_gelu(m, ctx, g):
    (x,) = ctx.saved
    if ctx.attrs["approximate"] == "tanh":
        t = m.tanh(_TANH_SCALE * (x + _TANH_CUBIC * x**3))
        slope = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _TANH_SCALE * (1 + 3 * _TANH_CUBIC * x * x)
        return (g * slope,)
    cdf = 0.5 * (1 + m.erf(x * _SQRT_HALF))
    density = m.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
    return (g * (cdf + x * density),)


GELU = Op("gelu", _gelu_kernel, _grad_gelu, node="GeluBackward0", saves=(0,))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x) (Phi the standard normal CDF); approximate='tanh' uses the tanh formula."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh, got {approximate!r}")
    return unary(GELU, input, FLOAT_RESULT, {"approximate": approximate})


def _grad_silu(m, ctx, g):
    (x,) = ctx.saved
    s = m.sigmoid(x)
    return (g * s * (1 + x * (1 - s)),)


SILU = Op("silu", lambda b, x: x * b.sigmoid(x), _grad_silu, node="SiluBackward0", saves=(0,))


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (also called swish)."""
    return _apply(SILU, input, inplace)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x))."""
    return _composite(lambda x: x * softplus(x).tanh(), input, inplace)


def sigmoid(input: Tensor) -> Tensor:
    """The logistic sigmoid ``1 / (1 + exp(-x))`` of each element."""
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    """The hyperbolic tangent of each element."""
    return input.tanh()


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6."""
    return _composite(lambda x: (x + 3).clamp(0, 6) / 6, input, inplace)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * relu6(x + 3) / 6."""
    return _composite(lambda x: x * (x + 3).clamp(0, 6) / 6, input, inplace)


def _softplus_kernel(b, x, *, beta, threshold):
    scaled = x * beta
    smooth = (b.log1p(b.exp(-b.abs(scaled))) + b.maximum(scaled, 0)) / beta
    out = b.where(b.greater(scaled, threshold), x, smooth)
    return out if out.dtype == x.dtype else b.astype(out, b.dtypes[x.dtype])


def _grad_softplus(m, ctx, g):
    (x,) = ctx.saved
    scaled = x * ctx.attrs["beta"]
    return (g * m.where(scaled <= ctx.attrs["threshold"], m.sigmoid(scaled), 1.0),)


SOFTPLUS = Op("softplus", _softplus_kernel, _grad_softplus, node="SoftplusBackward0", saves=(0,))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * x)) / beta, linear where beta * x > threshold."""
    return unary(SOFTPLUS, input, FLOAT_RESULT, {"beta": beta, "threshold": threshold})


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), computed stably."""
    return -softplus(-input)


def softsign(input: Tensor) -> Tensor:
    """``x / (1 + abs(x))`` of each element."""
    return input / (1 + input.abs())


def tanhshrink(input: Tensor) -> Tensor:
    """``x - tanh(x)`` of each element."""
    return input - input.tanh()


def _check_lambd(lambd: float) -> None:
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd where x > lambd, x + lambd where x < -lambd, else 0."""
    _check_lambd(lambd)
    return input - input.clamp(-lambd, lambd)


# --- softmax family ------------------------------------------------------------------------------


def _implicit_dim(name: str, ndim: int) -> int:
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an argument.",
        UserWarning,
        stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """exp(x) / sum(exp(x)) along dim, computed stably.

    >>> ember.nn.functional.softmax(ember.tensor([[1.0, 1.0], [0.0, 2.0]]), dim=1)
    tensor([[0.5000, 0.5000],
            [0.1192, 0.8808]])
    """
    if dim is None:
        dim = _implicit_dim("softmax", input.ndim)
    return _softmax(input, dim, dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmax(-x) along dim."""
    if dim is None:
        dim = _implicit_dim("softmin", input.ndim)
    return _softmax(-input, dim, dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """x - logsumexp(x) along dim."""
    if dim is None:
        dim = _implicit_dim("log_softmax", input.ndim)
    return _log_softmax(input, dim, dtype)


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1) -> Tensor:
    """softmax((logits + g) / tau) for Gumbel noise g; hard=True gives one-hot samples with the soft gradient."""
    with no_grad():
        uniform = rand(logits.shape, dtype=logits.dtype, device=logits.device)
        gumbels = -(-uniform.clamp_min(eps).log()).clamp_min(eps).log()  # eps keeps both logs finite
    soft = _softmax((logits + gumbels) / tau, dim)
    if not hard:
        return soft
    with no_grad():
        one_hot = soft.new_zeros(soft.shape).scatter(dim, soft.argmax(dim, keepdim=True), 1.0)
    return one_hot - soft.detach() + soft
