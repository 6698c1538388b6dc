"""Loss functions with reduction='mean' | 'sum' | 'none'.

Regression losses of the difference (mse, smooth_l1, huber) and the classification losses nll_loss,
binary_cross_entropy(_with_logits) are fused ops named as PyTorch names them; the rest are
composites of ember ops (so their grad_fn is what PyTorch shows too, e.g. l1_loss -> MeanBackward0).
"""

from __future__ import annotations

import math
import warnings

from ... import _dtype as dt
from ..._autograd._math import ARRAY_MATHS
from ..._tensor import Tensor
from ...backends._casting import cast_like
from ...ops._dispatch import promoted
from ...ops._errors import not_implemented_for
from ...ops._op import Op, call, device_mismatch
from ._activation import SOFTPLUS, log_softmax
from ._utils import REDUCTIONS, check_reduction, legacy_reduction


def _reduce_array(b, values, reduction: str):
    if reduction == "mean":
        return b.mean(values)
    if reduction == "sum":
        return b.sum(values)
    return values


def _reduce_tensor(values: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return values.mean()
    if reduction == "sum":
        return values.sum()
    return values


def _scaled_grad(g, reduction: str, count: int):
    """The upstream gradient spread over elements: mean divides by their count."""
    return g / count if reduction == "mean" else g


def _same_dtype(input: Tensor, target: Tensor) -> tuple:
    if input.device != target.device:
        raise device_mismatch("loss", input, target)
    if input.dtype is target.dtype:
        return input, target
    want = promoted(input, target)
    return input.to(want), target.to(want)


def _broadcast_shape(name: str, input: Tensor, target: Tensor) -> tuple:
    """Warn (as PyTorch does) when target's shape differs from input's; error if they cannot broadcast."""
    if input.shape == target.shape:
        return tuple(input.shape)
    warnings.warn(
        f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). This will "
        "likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
        UserWarning,
        stacklevel=4,
    )
    from ...ops.shape import broadcast_shapes

    try:
        return tuple(broadcast_shapes(input.shape, target.shape))
    except RuntimeError:
        raise RuntimeError(
            f"{name}: The size of tensor a ({list(input.shape)}) must match the size of tensor b "
            f"({list(target.shape)}) at every non-singleton dimension (input and target cannot be broadcast)"
        ) from None


# --- losses of the difference input - target -------------------------------------------------------------


def _difference(m, x, t):
    return x - t


def _difference_loss(name: str, node: str, value, slope, factor: float = 1.0, squares: bool = False):
    """A fused loss of d = input - target.

    value(b, d, **params) is the pointwise loss on arrays; factor * slope(m, d, **params) its derivative
    (factor * d when slope is None).
    `squares`: the value is d * d (MSE), whose reduction the backend may compute as one sum of squares.
    """

    def kernel(b, d, *, reduction, count, params):
        if squares and reduction != "none":
            return ARRAY_MATHS[b].sum_of_squares(d, reduction == "mean")
        return _reduce_array(b, value(b, d, **params), reduction)

    def gradient(m, ctx, g):
        attrs = ctx.attrs
        scale = factor / attrs["count"] if attrs["reduction"] == "mean" else factor
        grad = ctx.kept  # NOTE: d, as the forward computed it
        if slope is not None:  # NOTE: None: the slope is d itself (MSE's, with factor 2)
            params = attrs["params"]
            grad = slope(m, grad, **params) if params else slope(m, grad)
        grad = m.scaled(grad, g, scale)
        return (grad if ctx.needs(0) else None), (-grad if ctx.needs(1) else None)

    op = Op(name, kernel, gradient, node=node, saves=(0, 1), keeps=_difference)
    kernel_name = name.removesuffix("_loss") + "_cpu"  # NOTE: PyTorch's kernel name, as its errors show it

    def loss(input: Tensor, target: Tensor, reduction: str, **params) -> Tensor:
        if reduction not in REDUCTIONS:
            check_reduction(reduction)
        if input._data.shape == target._data.shape:
            count = input._data.size
        else:
            count = math.prod(_broadcast_shape(name, input, target))
        if input.dtype is not target.dtype or input.device is not target.device:
            input, target = _same_dtype(input, target)
        if not input.dtype.is_floating_point:
            raise not_implemented_for(kernel_name, input._data)
        attrs = {"reduction": reduction, "count": count, "params": params}
        return call(op, (input, target), (input._data, target._data), input, attrs)

    return loss


def _huber_value(b, d, delta):
    magnitude = b.abs(d)
    return cast_like(b, b.where(b.less(magnitude, delta), 0.5 * d * d, delta * (magnitude - 0.5 * delta)), d)


def _smooth_l1_value(b, d, beta):
    magnitude = b.abs(d)
    return cast_like(b, b.where(b.less(magnitude, beta), 0.5 * d * d / beta, magnitude - 0.5 * beta), d)


def _smooth_l1_slope(m, d, beta: float):
    return m.where(m.abs(d) < beta, d / beta, m.sign(d))


def _huber_slope(m, d, delta: float):
    return m.where(m.abs(d) <= delta, d, delta * m.sign(d))


_mse = _difference_loss("mse_loss", "MseLossBackward0", lambda b, d: d * d, None, factor=2.0, squares=True)
_huber = _difference_loss("huber_loss", "HuberLossBackward0", _huber_value, _huber_slope)
_smooth_l1 = _difference_loss("smooth_l1_loss", "SmoothL1LossBackward0", _smooth_l1_value, _smooth_l1_slope)


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """Mean squared error: mean((input - target) ** 2)."""
    return _mse(input, target, legacy_reduction(size_average, reduce, reduction))


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """Mean absolute error: ``mean(|input - target|)``."""
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction))
    _broadcast_shape("l1_loss", input, target)
    return _reduce_tensor((input - target).abs(), reduction)


def smooth_l1_loss(
    input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean", beta: float = 1.0
) -> Tensor:
    """``0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (``d = input - target``)."""
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    reduction = legacy_reduction(size_average, reduce, reduction)
    if beta == 0:
        return l1_loss(input, target, reduction=reduction)
    return _smooth_l1(input, target, reduction, beta=beta)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0, weight=None) -> Tensor:
    """``0.5 d^2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)`` (``d = input - target``)."""
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    return _huber(input, target, reduction, delta=delta)


# --- negative log likelihood and cross entropy ---------------------------------------------------------


def _nll_kernel(b, x, *, index, weights, reduction, total):
    """index: the targets shaped (rows, 1, *rest), as take_along_axis reads them from x's rows."""
    rows = b.reshape(x, (1, -1)) if x.ndim == 1 else x
    losses = b.multiply(b.negative(b.take_along_axis(rows, index, 1)[:, 0, ...]), weights)
    if reduction == "none":
        return b.reshape(losses, ()) if x.ndim == 1 else losses
    summed = b.sum(losses)
    return summed / total if reduction == "mean" else summed


def _place_kernel(b, values, *, index, shape):
    """Zeros of `shape` with `values` at `index` along dim 1 (one position per row: nothing accumulates)."""
    out = b.zeros(shape, b.ember_dtype(values.dtype), b.device_index(values))
    b.put_along_axis(out, index, values, 1)
    return out


PICKED_PLACE = Op(
    "picked_place",
    _place_kernel,
    lambda m, ctx, g: (m.run(PICKED, g, index=ctx.attrs["index"]),),
    node="PickedPlaceBackward0",
)
PICKED = Op(
    "picked",
    lambda b, x, *, index: b.take_along_axis(x, index, 1),
    lambda m, ctx, g: (m.run(PICKED_PLACE, g, index=ctx.attrs["index"], shape=ctx.input_shape(0)),),
    node="PickedBackward0",
)


def _grad_nll(m, ctx, g):
    index = ctx.attrs["index"]
    weights = m.value(ctx.attrs["weights"], like=g)
    per_target = -(_scaled_grad(g, ctx.attrs["reduction"], ctx.attrs["total"]) * weights)
    shape = ctx.input_shape(0)
    rows = (1, shape[0]) if len(shape) == 1 else tuple(shape)
    placed = m.run(PICKED_PLACE, m.reshape(per_target, shape=index.shape), index=index, shape=rows)
    return (m.reshape(placed, shape=shape),)


NLL_LOSS = Op("nll_loss", _nll_kernel, _grad_nll, node="NllLossBackward0")
NLL_LOSS_2D = Op("nll_loss2d", _nll_kernel, _grad_nll, node="NllLoss2DBackward0")


def _check_nll_shapes(input: Tensor, target: Tensor) -> None:
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    if input.ndim == 1 and target.ndim != 0:
        raise RuntimeError(f"0D or 1D target tensor expected, multi-target not supported (got {target.ndim}D)")
    if input.ndim > 1 and input.shape[0] != (target.shape[0] if target.ndim else -1):
        raise ValueError(
            f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
            f"({target.shape[0] if target.ndim else 0})."
        )
    if input.ndim > 1 and tuple(target.shape) != tuple(input.shape[:1]) + tuple(input.shape[2:]):
        raise RuntimeError(
            f"nll_loss: expected target of size {[input.shape[0], *input.shape[2:]]} for input of size "
            f"{list(input.shape)}, got {list(target.shape)}"
        )


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    ignore_index: int = -100,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """``-input[n, target[n]]`` (times ``weight[target[n]]``), for log-probabilities input ``(N, C, *)`` or ``(C,)``."""
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction))
    if target.dtype.is_floating_point or target.dtype is dt.bool_:
        raise RuntimeError(
            f"expected scalar type Long but found {target.type().split('.')[-1].replace('Tensor', '')} "
            "(nll_loss takes class indices; for class probabilities use cross_entropy)"
        )
    _check_nll_shapes(input, target)
    classes = input.shape[0] if input.ndim == 1 else input.shape[1]
    if weight is not None and tuple(weight.shape) != (classes,):
        raise RuntimeError(
            f"weight tensor should be defined either for all {classes} classes or no classes but got weight tensor "
            f"of shape: {list(weight.shape)}"
        )
    b = input._backend
    labels = b.reshape(target._data, (1,)) if target.ndim == 0 else target._data
    kept = b.not_equal(labels, ignore_index)
    safe = b.where(kept, labels, 0)
    safe = safe if b.ember_dtype(safe.dtype) is dt.int64 else b.astype(safe, dt.int64)
    if safe.size:
        low, high = int(b.min(safe)), int(b.max(safe))
        if low < 0 or high >= classes:
            raise IndexError(f"Target {high if high >= classes else low} is out of bounds.")
    if weight is None:
        weights = b.astype(kept, input.dtype)
    else:
        weights = b.multiply(b.getitem(b.astype(weight._data, input.dtype), safe), kept)
    total = float(b.sum(weights)) if reduction == "mean" else 1.0
    index = b.reshape(safe, (safe.shape[0], 1, *safe.shape[1:]))
    attrs = {"index": index, "weights": weights, "reduction": reduction, "total": total}
    return call(NLL_LOSS_2D if input.ndim > 2 else NLL_LOSS, (input,), (input._data,), input, attrs)


def kept_weight_total(target: Tensor, weight: Tensor | None, ignore_index: int) -> Tensor:
    """The mean's denominator: the class weights of the targets that count (their number, without weights)."""
    kept = target != ignore_index
    return weight[target[kept]].sum() if weight is not None else kept.sum()


def _label_smoothed(logp: Tensor, target: Tensor, weight, ignore_index: int, reduction: str, smoothing: float):
    classes = logp.shape[1]
    nll = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    ignored = target == ignore_index
    if weight is not None:
        shape = [1, classes] + [1] * (logp.ndim - 2)
        smooth = -(logp * weight.reshape(shape)).sum(1)
    else:
        smooth = -logp.sum(1)
    smooth = smooth.masked_fill(ignored, 0.0)
    if reduction == "mean":
        smooth = smooth.sum() / kept_weight_total(target, weight, ignore_index)
    elif reduction == "sum":
        smooth = smooth.sum()
    return (1 - smoothing) * nll + smooth * (smoothing / classes)


def _soft_target_loss(logp: Tensor, target: Tensor, weight, reduction: str, smoothing: float) -> Tensor:
    classes = logp.shape[1]
    if smoothing > 0:
        target = target * (1 - smoothing) + smoothing / classes
    products = logp * target
    if weight is not None:
        products = products * weight.reshape([1, classes] + [1] * (logp.ndim - 2))
    if reduction == "mean":
        return -products.sum(1).sum() / (logp.numel() // classes)
    if reduction == "sum":
        return -products.sum(1).sum()
    return -products.sum(1)


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    ignore_index: int = -100,
    reduce=None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """nll_loss(log_softmax(input, 1), target) for class indices; -sum(target * log_softmax) for probabilities."""
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction))
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    logp = log_softmax(input, 0 if input.ndim == 1 else 1)
    floating = target.dtype.is_floating_point
    if floating and tuple(target.shape) != tuple(input.shape):
        raise RuntimeError(
            f"cross_entropy: class-probability targets must have the input's shape {list(input.shape)}, got "
            f"{list(target.shape)} (for class indices pass an integer (Long) tensor)"
        )
    if not floating and label_smoothing == 0:
        return nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    single = input.ndim == 1
    if single:
        logp, target = logp.unsqueeze(0), target.unsqueeze(0)
    if floating:
        out = _soft_target_loss(logp, target, weight, reduction, label_smoothing)
    else:
        out = _label_smoothed(logp, target, weight, ignore_index, reduction, label_smoothing)
    return out.squeeze(0) if single and reduction == "none" else out


# --- binary cross entropy --------------------------------------------------------------------------------


def _check_same_size(input: Tensor, target: Tensor, message: str) -> None:
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(message.format(target=target.shape, input=input.shape))


def _bce_kernel(b, x, t, weight, *, reduction, count):
    log_x = b.maximum(b.log(x), -100.0)
    log_rest = b.maximum(b.log1p(-x), -100.0)
    losses = -(t * log_x + (1 - t) * log_rest)
    if weight is not None:
        losses = losses * weight
    return _reduce_array(b, cast_like(b, losses, x), reduction)


def _grad_bce(m, ctx, g):
    x, t, weight = ctx.saved
    g = _scaled_grad(g, ctx.attrs["reduction"], ctx.attrs["count"])
    if weight is not None:
        g = g * weight
    grad_x = g * (x - t) / m.maximum((1 - x) * x, 1e-12) if ctx.needs(0) else None
    grad_t = g * (m.maximum(m.log(1 - x), -100) - m.maximum(m.log(x), -100)) if ctx.needs(1) else None
    return grad_x, grad_t, None


BCE = Op("binary_cross_entropy", _bce_kernel, _grad_bce, node="BinaryCrossEntropyBackward0", saves=(0, 1, 2))


def binary_cross_entropy(
    input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None, reduce=None, reduction="mean"
) -> Tensor:
    """-(target * log(input) + (1 - target) * log(1 - input)), logs clamped at -100 (input in [0, 1])."""
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction))
    _check_same_size(
        input,
        target,
        "Using a target size ({target}) that is different to the input size ({input}) is deprecated. "
        "Please ensure they have the same size.",
    )
    input, target = _same_dtype(input, target)
    values, b = input._data, input._backend
    if values.size and (bool(b.any(b.less(values, 0))) or bool(b.any(b.greater(values, 1)))):
        raise RuntimeError(
            "all elements of input should be between 0 and 1 (binary_cross_entropy takes probabilities; for "
            "logits use binary_cross_entropy_with_logits)"
        )
    weight = None if weight is None else weight.to(input.dtype)
    arrays = (values, target._data, None if weight is None else weight._data)
    attrs = {"reduction": reduction, "count": input.numel()}
    return call(BCE, (input, target, weight), arrays, input, attrs)


def _bce_logits_kernel(b, x, t, weight, pos_weight, *, reduction, count):
    softplus_neg = b.log1p(b.exp(-b.abs(x))) + b.maximum(-x, 0)
    if pos_weight is not None:
        losses = (1 - t) * x + (1 + (pos_weight - 1) * t) * softplus_neg
    else:
        losses = (1 - t) * x + softplus_neg
    if weight is not None:
        losses = losses * weight
    return _reduce_array(b, cast_like(b, losses, x), reduction)


def _grad_bce_logits(m, ctx, g):
    x, t, weight, pos_weight = ctx.saved
    g = _scaled_grad(g, ctx.attrs["reduction"], ctx.attrs["count"])
    if weight is not None:
        g = g * weight
    grad_x = grad_t = None
    if ctx.needs(0):
        if pos_weight is None:
            grad_x = g * (m.sigmoid(x) - t)
        else:
            grad_x = g * ((1 - t) - (1 + (pos_weight - 1) * t) * m.sigmoid(-x))
    if ctx.needs(1):
        softplus_neg = m.run(SOFTPLUS, -x, beta=1.0, threshold=20.0)
        grad_t = g * (-x if pos_weight is None else (pos_weight - 1) * softplus_neg - x)
    return grad_x, grad_t, None, None


BCE_LOGITS = Op(
    "binary_cross_entropy_with_logits",
    _bce_logits_kernel,
    _grad_bce_logits,
    node="BinaryCrossEntropyWithLogitsBackward0",
    saves=(0, 1, 2, 3),
)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """binary_cross_entropy(sigmoid(input), target), computed stably from the logits; pos_weight weighs positives."""
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction))
    _check_same_size(input, target, "Target size ({target}) must be the same as input size ({input})")
    input, target = _same_dtype(input, target)
    weight = None if weight is None else weight.to(input.dtype)
    pos_weight = None if pos_weight is None else pos_weight.to(input.dtype)
    arrays = (input._data, target._data, *(None if w is None else w._data for w in (weight, pos_weight)))
    attrs = {"reduction": reduction, "count": input.numel()}
    return call(BCE_LOGITS, (input, target, weight, pos_weight), arrays, input, attrs)


# --- Kullback-Leibler divergence ----------------------------------------------------------------------


def kl_div(
    input: Tensor,
    target: Tensor,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """Pointwise target * (log target - input) (input holds log-probabilities); 'batchmean' divides by N."""
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction), ("mean", "sum", "none", "batchmean"))
    if reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            UserWarning,
            stacklevel=2,
        )
    if log_target:
        pointwise = target.exp() * (target - input)
    else:
        entropy = (target * target.log()).where(target > 0, 0.0)
        pointwise = entropy - target * input
    if reduction == "batchmean":
        return pointwise.sum() / input.shape[0] if input.ndim else pointwise.sum()
    return _reduce_tensor(pointwise, reduction)
