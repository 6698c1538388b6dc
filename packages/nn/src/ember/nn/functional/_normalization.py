"""Normalisation: batch_norm and layer_norm as fused ops; group, instance, RMS and local response norm as composites.

The fused ops keep the statistics they computed for the forward pass. Their backward uses those
constants in a plain backward, and recomputes them from the saved input when the backward pass is
recorded (create_graph), so that higher-order gradients see how the statistics depend on the input.
"""

from __future__ import annotations

from ... import _dtype as dt
from ..._tensor import Tensor
from ...backends._casting import cast_like
from ...ops._op import Op, call
from ._misc import pad


def _affine(b, x, mean, rstd, weight, bias, channel_shape):
    """(x - mean) * rstd * weight + bias, with the per-channel factors folded into one scale and shift."""
    scale = rstd if weight is None else rstd * b.reshape(weight, channel_shape)
    shift = -mean * scale
    if bias is not None:
        shift = shift + b.reshape(bias, channel_shape)
    return cast_like(b, x * scale + shift, x)


def _statistics(m, ctx, x, axes: tuple, batch_stats: bool) -> tuple:
    """(mean, rstd): recomputed differentiably in a recorded backward, else the forward's constants."""
    if batch_stats and m.records:
        mean = m.mean(x, axis=axes, keepdims=True)
        variance = m.var(x, axis=axes, keepdims=True, correction=0)
        return mean, m.rsqrt(variance + ctx.attrs["eps"])
    return m.value(ctx.attrs["mean"], like=x), m.value(ctx.attrs["rstd"], like=x)


def _normalized_grads(m, ctx, g, axes: tuple, batch_stats: bool, channel_shape: tuple, param_axes: tuple):
    x, weight = ctx.saved
    mean, rstd = _statistics(m, ctx, x, axes, batch_stats)
    kept = _kept_shape(axes, x.shape)
    mean, rstd = m.reshape(mean, shape=kept), m.reshape(rstd, shape=kept)
    normalized = (x - mean) * rstd
    grad_weight = m.sum(g * normalized, axis=param_axes) if ctx.needs(1) else None
    grad_bias = m.sum(g, axis=param_axes) if ctx.needs(2) else None
    grad_x = None
    if ctx.needs(0):
        scaled = g if weight is None else g * m.reshape(weight, shape=channel_shape)
        if batch_stats:
            centered = scaled - m.mean(scaled, axis=axes, keepdims=True)
            grad_x = (centered - normalized * m.mean(scaled * normalized, axis=axes, keepdims=True)) * rstd
        else:
            grad_x = scaled * rstd
    return grad_x, grad_weight, grad_bias


def _kept_shape(axes: tuple, shape: tuple) -> tuple:
    """shape with the reduced axes set to 1 (keepdim)."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


# --- batch norm ------------------------------------------------------------------------------------


def _channel_shape(ndim: int) -> tuple:
    return (1, -1) + (1,) * (ndim - 2)


def _batch_norm_kernel(b, x, weight, bias, *, axes, mean, rstd, eps, training):
    shape = _channel_shape(x.ndim)
    return _affine(b, x, b.reshape(mean, shape), b.reshape(rstd, shape), weight, bias, shape)


def _grad_batch_norm(m, ctx, g):
    axes = ctx.attrs["axes"]
    ndim = len(ctx.input_shape(0))
    return _normalized_grads(m, ctx, g, axes, ctx.attrs["training"], _channel_shape(ndim), axes)


BATCH_NORM = Op("batch_norm", _batch_norm_kernel, _grad_batch_norm, node="NativeBatchNormBackward0", saves=(0, 1))


def _statistics_source(input: Tensor):
    """The array the batch statistics come from: bfloat16 in float32 (PyTorch's CPU kernels keep
    bfloat16 statistics in float32 and round only the normalized output)."""
    data = input._data
    return input._backend.astype(data, dt.float32) if input.dtype is dt.bfloat16 else data


def _update_running(running: Tensor | None, batch_value, momentum: float) -> None:
    if running is None:
        return
    data = running._data
    data *= 1 - momentum
    data += cast_like(running._backend, momentum * batch_value, data)
    running._version[0] += 1


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel (dim 1) by batch statistics (training) or running statistics (eval)."""
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected 2D or more input (got {input.ndim}D input)")
    axes = (0, *range(2, input.ndim))
    data = input._data
    if training:
        count = input.numel() // max(input.shape[1], 1)
        if count <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")
        source = _statistics_source(input)
        b = input._backend
        mean, var = b.mean(source, axes), b.var(source, axes)
        _update_running(running_mean, mean, momentum)
        _update_running(running_var, var * (count / (count - 1)), momentum)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError(
                "batch_norm: running_mean and running_var must be given in evaluation mode (training=False)"
            )
        mean, var = running_mean._data, running_var._data
    rstd = 1 / input._backend.sqrt(var + eps)
    arrays = (data, None if weight is None else weight._data, None if bias is None else bias._data)
    attrs = {"axes": axes, "mean": mean, "rstd": rstd, "eps": eps, "training": training}
    return call(BATCH_NORM, (input, weight, bias), arrays, input, attrs)


# --- layer norm --------------------------------------------------------------------------------------


def _layer_norm_kernel(b, x, weight, bias, *, axes, mean, rstd, eps):
    return _affine(b, x, mean, rstd, weight, bias, x.shape[axes[0] :])


def _grad_layer_norm(m, ctx, g):
    axes = ctx.attrs["axes"]
    shape = ctx.input_shape(0)
    return _normalized_grads(m, ctx, g, axes, True, tuple(shape[axes[0] :]), tuple(range(axes[0])))


LAYER_NORM = Op("layer_norm", _layer_norm_kernel, _grad_layer_norm, node="NativeLayerNormBackward0", saves=(0, 1))


def layer_norm(
    input: Tensor,
    normalized_shape,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over the trailing normalized_shape dims of each sample."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if not shape or tuple(input.shape[-len(shape) :]) != shape or input.ndim < len(shape):
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape [*, {', '.join(map(str, shape))}], "
            f"but got input of size{list(input.shape)}"
        )
    axes = tuple(range(input.ndim - len(shape), input.ndim))
    data, source = input._data, _statistics_source(input)
    b = input._backend
    mean = b.mean(source, axes, keepdims=True)
    rstd = 1 / b.sqrt(b.var(source, axes, keepdims=True) + eps)
    arrays = (data, None if weight is None else weight._data, None if bias is None else bias._data)
    return call(
        LAYER_NORM, (input, weight, bias), arrays, input, {"axes": axes, "mean": mean, "rstd": rstd, "eps": eps}
    )


def group_norm(
    input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None, eps: float = 1e-5
) -> Tensor:
    """Normalise each group of num_groups channels per sample, then scale and shift per channel."""
    if input.ndim < 2 or input.shape[1] % num_groups:
        raise RuntimeError(
            f"group_norm: expected input of shape (N, C, *) with C divisible by num_groups={num_groups}, got "
            f"{list(input.shape)}"
        )
    grouped = input.reshape(input.shape[0], num_groups, -1)
    mean = grouped.mean(-1, keepdim=True)
    var = grouped.var(-1, unbiased=False, keepdim=True)
    out = ((grouped - mean) * (var + eps).rsqrt()).reshape(input.shape)
    shape = _channel_shape(input.ndim)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


# --- instance norm ------------------------------------------------------------------------------------


def _update_running_from_instances(running: Tensor | None, per_instance, channels: int, momentum: float) -> None:
    """Blend the mean over the batch of per-(sample, channel) statistics into a running buffer."""
    if running is not None:
        b = running._backend
        _update_running(running, b.mean(b.reshape(per_instance, (-1, channels)), axis=0), momentum)


def instance_norm(
    input: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel of each sample over its spatial dims (dims 2 and after)."""
    if input.ndim < 3:
        raise ValueError(f"instance_norm: expected 3D or more input (N, C, *), got {input.ndim}D input")
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    count = input.numel() // max(input.shape[0] * input.shape[1], 1)
    if count <= 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size {list(input.shape)}")
    batch, channels = input.shape[:2]
    data = input._data
    axes = tuple(range(2, input.ndim))
    b = input._backend
    _update_running_from_instances(running_mean, b.mean(data, axes), channels, momentum)
    _update_running_from_instances(running_var, b.var(data, axes) * (count / (count - 1)), channels, momentum)
    per_instance = input.reshape((1, batch * channels) + tuple(input.shape[2:]))
    weight, bias = (None if p is None else p.repeat(batch) for p in (weight, bias))
    out = batch_norm(per_instance, None, None, weight, bias, True, 0.0, eps)
    return out.reshape(input.shape)


# --- rms norm ----------------------------------------------------------------------------------------


def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """x / sqrt(mean(x ** 2) + eps) over the trailing normalized_shape dims, times weight."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if input.ndim < len(shape) or tuple(input.shape[input.ndim - len(shape) :]) != shape:
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape [*, {', '.join(map(str, shape))}], "
            f"but got input of size{list(input.shape)}"
        )
    if eps is None:
        eps = input._backend.xp.finfo(input._data.dtype).eps
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    out = input * (input * input).mean(dims, keepdim=True).add(eps).rsqrt()
    return out if weight is None else out * weight


# --- local response norm ----------------------------------------------------------------------------


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    """``x / (k + alpha * m) ** beta``, ``m`` the mean of ``x ** 2`` over ``size`` neighbouring channels."""
    if input.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.ndim} dimensions)")
    if input.numel() == 0:
        return input
    squares = input * input
    widths = (0, 0) * (input.ndim - 2) + (size // 2, (size - 1) // 2)
    padded = pad(squares, widths)
    channels = input.shape[1]
    window = padded.narrow(1, 0, channels)
    for offset in range(1, size):
        window = window + padded.narrow(1, offset, channels)
    return input / (window * (alpha / size) + k) ** beta
