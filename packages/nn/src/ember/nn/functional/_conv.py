"""conv1d and conv2d: an im2col + matmul forward and a col2im backward, each a differentiable op.

The convolution, its input gradient and its weight gradient are three ops whose backward rules are
written with one another, so gradients of any order work. A backend may provide `fused_conv2d`,
`fused_conv2d_input_grad` and `fused_conv2d_weight_grad` (same arguments as the kernels below, on
4-D arrays) to replace the composite kernels.
"""

from __future__ import annotations

from ..._autograd._grad_mode import is_grad_enabled
from ..._tensor import Tensor
from ...ops._op import Op, call, device_mismatch
from ._utils import as_tuple
from ._windows import Geometry, columns, scatter_columns


def _lift(spatial: int, *arrays):
    """1-D arrays (N, C, L) as (N, C, 1, L) so one 2-D kernel serves both."""
    return arrays if spatial == 2 else tuple(a.reshape(a.shape[0], a.shape[1], 1, a.shape[2]) for a in arrays)


def _drop(spatial: int, array):
    return array if spatial == 2 else array.reshape(array.shape[0], array.shape[1], array.shape[3])


def _conv_kernel(b, x, w, bias, *, geometry: Geometry, groups: int, spatial: int, cache: dict | None = None):
    x, w = _lift(spatial, x, w)
    fused = getattr(b, "fused_conv2d", None)
    if fused is not None:
        return _drop(spatial, fused(x, w, bias, geometry, groups))
    out_size = geometry.output_size(x.shape[2], x.shape[3])
    kernels = w.reshape(groups, w.shape[0] // groups, -1)
    cols = columns(b, x, geometry, out_size, groups)
    if cache is not None:
        cache["columns"] = cols
    out = b.matmul(kernels, cols).reshape(x.shape[0], w.shape[0], *out_size)
    if bias is not None:
        out += bias.reshape(1, -1, 1, 1)
    return _drop(spatial, out)


def _input_grad_kernel(b, g, w, *, geometry: Geometry, groups: int, spatial: int, input_shape: tuple):
    g, w = _lift(spatial, g, w)
    shape = input_shape if spatial == 2 else (input_shape[0], input_shape[1], 1, input_shape[2])
    fused = getattr(b, "fused_conv2d_input_grad", None)
    if fused is not None:
        return fused(g, w, geometry, groups, shape).reshape(input_shape)
    n, channels, height, width = shape
    out_channels, _, kh, kw = w.shape
    top, bottom, left, right = geometry.padding
    if (
        groups == 1
        and geometry.stride == (1, 1)
        and geometry.dilation == (1, 1)
        and max(top, bottom) < kh
        and max(left, right) < kw
    ):
        # NOTE: at stride 1 the input gradient is a convolution of g with the flipped kernel (one im2col
        # and one matmul), much cheaper than adding kh * kw strided slices back into place.
        flipped = b.ascontiguous(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
        full = Geometry((kh, kw), (1, 1), (1, 1), (kh - 1 - top, kh - 1 - bottom, kw - 1 - left, kw - 1 - right))
        return _conv_kernel(b, g, flipped, None, geometry=full, groups=1, spatial=2).reshape(input_shape)
    oh, ow = g.shape[2], g.shape[3]
    kernels = w.reshape(groups, out_channels // groups, -1)
    cols = b.matmul(kernels.transpose(0, 2, 1), g.reshape(n, groups, out_channels // groups, oh * ow))
    padded = (n, channels, height + top + bottom, width + left + right)
    out = scatter_columns(b, cols.reshape(n, channels, kh, kw, oh, ow), padded, geometry, geometry.padding)
    return out.reshape(input_shape)


def _weight_grad_kernel(b, x, g, *, geometry: Geometry, groups: int, spatial: int, weight_shape: tuple, cols=None):
    x, g = _lift(spatial, x, g)
    fused = getattr(b, "fused_conv2d_weight_grad", None)
    if fused is not None:
        return fused(x, g, geometry, groups, weight_shape).reshape(weight_shape)
    n, out_channels, oh, ow = g.shape
    if cols is None:
        cols = columns(b, x, geometry, (oh, ow), groups)
    per_sample = b.matmul(g.reshape(n, groups, out_channels // groups, oh * ow), cols.transpose(0, 1, 3, 2))
    return per_sample.sum(axis=0).reshape(weight_shape)


def _layout(attrs: dict) -> dict:
    return {"geometry": attrs["geometry"], "groups": attrs["groups"], "spatial": attrs["spatial"]}


def _cached_columns(ctx):
    cache = ctx.attrs.get("cache")
    return None if cache is None else cache.pop("columns", None)


def _grad_convolution(m, ctx, g):
    cols = _cached_columns(ctx)
    x, w = ctx.saved
    layout = _layout(ctx.attrs)
    grad_x = m.conv_input_grad(g, w, **layout, input_shape=ctx.input_shape(0)) if ctx.needs(0) else None
    grad_w = None
    if ctx.needs(1):
        grad_w = m.conv_weight_grad(x, g, **layout, weight_shape=ctx.input_shape(1), cols=cols)
    grad_bias = m.sum(g, axis=(0, *range(2, g.ndim))) if ctx.needs(2) else None
    return grad_x, grad_w, grad_bias


def _grad_input_grad(m, ctx, gg):
    g, w = ctx.saved
    layout = _layout(ctx.attrs)
    return (
        m.convolution(gg, w, None, **layout) if ctx.needs(0) else None,
        m.conv_weight_grad(gg, g, **layout, weight_shape=ctx.input_shape(1)) if ctx.needs(1) else None,
    )


def _grad_weight_grad(m, ctx, gg):
    x, g = ctx.saved
    layout = _layout(ctx.attrs)
    return (
        m.conv_input_grad(g, gg, **layout, input_shape=ctx.input_shape(0)) if ctx.needs(0) else None,
        m.convolution(x, gg, None, **layout) if ctx.needs(1) else None,
    )


CONVOLUTION = Op(
    "convolution", _conv_kernel, _grad_convolution, node="ConvolutionBackward0", saves=(0, 1), math="convolution"
)
CONV_INPUT_GRAD = Op(
    "convolution_input_grad",
    _input_grad_kernel,
    _grad_input_grad,
    node="ConvolutionBackwardBackward0",
    saves=(0, 1),
    math="conv_input_grad",
)
CONV_WEIGHT_GRAD = Op(
    "convolution_weight_grad",
    _weight_grad_kernel,
    _grad_weight_grad,
    node="ConvolutionBackwardBackward1",
    saves=(0, 1),
    math="conv_weight_grad",
)


# --- the public functions ---------------------------------------------------------------------


def _padding(padding, kernel: tuple, stride: tuple, dilation: tuple, spatial: int) -> tuple:
    """(top, bottom, left, right) from an int, a tuple, 'valid' or 'same' (kernel etc. given in 2-D)."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding != "same":
            raise ValueError(f"Invalid padding string '{padding}', should be one of {{'valid', 'same'}}")
        if any(s != 1 for s in stride):
            raise ValueError("padding='same' is not supported for strided convolutions")
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return (totals[0] // 2, totals[0] - totals[0] // 2, totals[1] // 2, totals[1] - totals[1] // 2)
    pads = as_tuple(padding, spatial, "padding")
    if spatial == 1:
        pads = (0, *pads)
    return (pads[0], pads[0], pads[1], pads[1])


def _check_operands(name: str, input: Tensor, weight: Tensor, bias: Tensor | None, groups: int) -> None:
    for other in (weight, bias):
        if other is not None and other.device != input.device:
            raise device_mismatch(name, input, other)
    if input.dtype is not weight.dtype or (bias is not None and bias.dtype is not input.dtype):
        culprit, what = (weight, "weight") if input.dtype is not weight.dtype else (bias, "bias")
        raise RuntimeError(
            f"{name}: Input type ({input.type()}) and {what} type ({culprit.type()}) should be the same; "
            f"convert one, e.g. input.to({culprit.dtype})"
        )
    out_channels, in_per_group = weight.shape[0], weight.shape[1]
    if groups < 1 or out_channels % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but got weight of "
            f"size {list(weight.shape)} instead"
        )
    if input.shape[1] != in_per_group * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected input{list(input.shape)} to have "
            f"{in_per_group * groups} channels, but got {input.shape[1]} channels instead"
        )
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise RuntimeError(
            f"{name}: expected bias of shape [{out_channels}] (one per output channel), got {list(bias.shape)}"
        )


def convolution(name: str, spatial: int, input: Tensor, weight: Tensor, bias, stride, padding, dilation, groups):
    """conv1d (spatial=1) and conv2d (spatial=2), batched or not."""
    if input.ndim not in (spatial + 1, spatial + 2):
        raise RuntimeError(
            f"Expected {spatial + 1}D (unbatched) or {spatial + 2}D (batched) input to {name}, but got input of "
            f"size: {list(input.shape)}"
        )
    if weight.ndim != spatial + 2:
        raise RuntimeError(
            f"{name}: expected a {spatial + 2}-D weight (out_channels, in_channels / groups, *kernel), got "
            f"size {list(weight.shape)}"
        )
    batched = input.ndim == spatial + 2
    if not batched:
        input = input.unsqueeze(0)
    _check_operands(name, input, weight, bias, groups)
    kernel = tuple(weight.shape[2:])
    stride = as_tuple(stride, spatial, "stride")
    dilation = as_tuple(dilation, spatial, "dilation")
    if spatial == 1:
        kernel, stride, dilation = (1, *kernel), (1, *stride), (1, *dilation)
    pads = _padding(padding, kernel, stride, dilation, spatial)
    geometry = Geometry(kernel, stride, dilation, pads)
    height, width = (1, input.shape[2]) if spatial == 1 else input.shape[2:]
    out_size = geometry.output_size(height, width)
    if min(out_size) < 1:
        padded = (height + pads[0] + pads[1], width + pads[2] + pads[3])
        effective = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
        raise RuntimeError(
            f"{name}: Calculated padded input size per channel: ({' x '.join(map(str, padded[2 - spatial :]))}). "
            f"Kernel size: ({' x '.join(map(str, effective[2 - spatial :]))}). "
            "Kernel size can't be greater than actual input size"
        )
    attrs = {"geometry": geometry, "groups": int(groups), "spatial": spatial}
    if weight.requires_grad and is_grad_enabled():
        # the forward's im2col columns, kept for the weight gradient; the backward frees them
        attrs["cache"] = {}
    arrays = (input._data, weight._data, None if bias is None else bias._data)
    out = call(CONVOLUTION, (input, weight, bias), arrays, input, attrs)
    return out if batched else out.squeeze(0)


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1, groups=1):
    """1-D cross-correlation over (N, C, L) input with an (out, C / groups, k) weight."""
    return convolution("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation over (N, C, H, W) input with an (out, C / groups, kh, kw) weight."""
    return convolution("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)
