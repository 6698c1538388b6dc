"""conv1d/2d/3d and conv_transpose1d/2d/3d: an N-d im2col + matmul forward and a col2im backward, each a differentiable op.

The convolution, its input gradient and its weight gradient are three ops whose backward rules are
written with one another, so gradients of any order work. A backend may provide `fused_conv2d`,
`fused_conv2d_input_grad` and `fused_conv2d_weight_grad` (same arguments as the kernels below, on
4-D arrays) to replace the composite kernels. A transposed convolution is the input gradient of
a convolution (the same kernel and rule), plus a bias.
"""

from __future__ import annotations

import functools

from ..._autograd._grad_mode import is_grad_enabled
from ..._tensor import Tensor
from ...ops._op import Op, call, device_mismatch
from ._utils import as_tuple
from ._windows import Geometry, columns, scatter_columns


def _conv_kernel(b, x, w, bias, *, geometry: Geometry, groups: int, spatial: int, cache: dict | None = None):
    fused = getattr(b, "fused_conv2d", None) if spatial == 2 else None
    if fused is not None:
        return fused(x, w, bias, geometry, groups)
    out_size = geometry.output_size(*x.shape[2:])
    kernels = b.reshape(w, (groups, w.shape[0] // groups, -1))
    cols = columns(b, x, geometry, out_size, groups)
    if cache is not None:
        cache["columns"] = cols
    out = b.reshape(b.matmul(kernels, cols), (x.shape[0], w.shape[0], *out_size))
    if bias is not None:
        out += b.reshape(bias, _bias_shape(spatial))
    return out


@functools.lru_cache(maxsize=8)
def _bias_shape(spatial: int) -> tuple:
    """A bias's shape to broadcast over (N, C, *spatial) output: (1, -1, 1, ...)."""
    return (1, -1, *(1,) * spatial)


@functools.lru_cache(maxsize=256)
def _flipped(geometry: Geometry, kernel: tuple, groups: int) -> tuple | None:
    """When the input gradient is a stride-1 convolution with the flipped kernel: that convolution's geometry
    and the key that flips a weight's spatial axes; else None."""
    spatial = len(kernel)
    ones = (1,) * spatial
    pads = geometry.padding
    fits = all(max(pads[2 * i : 2 * i + 2]) < k for i, k in enumerate(kernel))
    if groups != 1 or geometry.stride != ones or geometry.dilation != ones or not fits:
        return None
    full = tuple(k - 1 - p for i, k in enumerate(kernel) for p in pads[2 * i : 2 * i + 2])
    flip = (slice(None), slice(None)) + (slice(None, None, -1),) * spatial
    return Geometry(kernel, ones, ones, full), flip, (1, 0, *range(2, 2 + spatial))


def _input_grad_kernel(b, g, w, *, geometry: Geometry, groups: int, spatial: int, input_shape: tuple):
    fused = getattr(b, "fused_conv2d_input_grad", None) if spatial == 2 else None
    if fused is not None:
        return fused(g, w, geometry, groups, input_shape)
    n, channels = input_shape[:2]
    out_channels, kernel = w.shape[0], tuple(w.shape[2:])
    flipped = _flipped(geometry, kernel, groups)
    if flipped is not None:
        # NOTE: at stride 1 the input gradient is a convolution of g with the flipped kernel (one im2col
        # and one matmul), much cheaper than adding prod(kernel) strided slices back into place.
        full, flip, swap = flipped
        w = b.ascontiguous(b.permute(w[flip], swap))
        return _conv_kernel(b, g, w, None, geometry=full, groups=1, spatial=spatial)
    out_size = g.shape[2:]
    kernels = b.reshape(w, (groups, out_channels // groups, -1))
    cols = b.matmul(b.permute(kernels, (0, 2, 1)), b.reshape(g, (n, groups, out_channels // groups, -1)))
    padded = (n, channels, *geometry.padded_size(input_shape[2:]))
    return scatter_columns(b, b.reshape(cols, (n, channels, *kernel, *out_size)), padded, geometry, geometry.padding)


def _weight_grad_kernel(b, x, g, *, geometry: Geometry, groups: int, spatial: int, weight_shape: tuple, cols=None):
    fused = getattr(b, "fused_conv2d_weight_grad", None) if spatial == 2 else None
    if fused is not None:
        return fused(x, g, geometry, groups, weight_shape)
    n, out_channels = g.shape[:2]
    if cols is None:
        cols = columns(b, x, geometry, g.shape[2:], groups)
    per_sample = b.matmul(b.reshape(g, (n, groups, out_channels // groups, -1)), b.permute(cols, (0, 1, 3, 2)))
    return b.reshape(b.sum(per_sample, axis=0), weight_shape)


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
    return grad_x, grad_w, _bias_grad(m, ctx, g)


def _bias_grad(m, ctx, g):
    return m.sum(g, axis=(0, *range(2, g.ndim))) if ctx.needs(2) else None


def _grad_input_grad(m, ctx, gg):
    g, w = ctx.saved
    layout = _layout(ctx.attrs)
    return (
        _cropped(m.convolution(gg, w, None, **layout), ctx.input_shape(0)) if ctx.needs(0) else None,
        m.conv_weight_grad(gg, g, **layout, weight_shape=ctx.input_shape(1)) if ctx.needs(1) else None,
    )


def _cropped(x, shape: tuple):
    """x cut to `shape`: an output_padding of at least the stride gives positions no window reaches."""
    if tuple(x.shape) == tuple(shape):
        return x
    return x[(slice(None), slice(None), *(slice(0, n) for n in shape[2:]))]


def _grad_weight_grad(m, ctx, gg):
    x, g = ctx.saved
    layout = _layout(ctx.attrs)
    return (
        m.conv_input_grad(g, gg, **layout, input_shape=ctx.input_shape(0)) if ctx.needs(0) else None,
        _cropped(m.convolution(x, gg, None, **layout), ctx.input_shape(1)) if ctx.needs(1) else None,
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


def _transposed_kernel(b, x, w, bias, *, geometry: Geometry, groups: int, spatial: int, input_shape: tuple):
    out = _input_grad_kernel(b, x, w, geometry=geometry, groups=groups, spatial=spatial, input_shape=input_shape)
    if bias is not None:
        out += b.reshape(bias, _bias_shape(spatial))
    return out


def _grad_transposed(m, ctx, g):
    return (*_grad_input_grad(m, ctx, g), _bias_grad(m, ctx, g))


# a transposed convolution is the input gradient of a convolution, plus a bias
CONV_TRANSPOSE = Op(
    "convolution_transpose", _transposed_kernel, _grad_transposed, node="ConvolutionBackward0", saves=(0, 1)
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


def same_padding(kernel: tuple, dilation: tuple) -> tuple:
    """(before, after) per axis, flattened, that keeps the size at stride 1 (the extra one goes after)."""
    totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
    return tuple(p for t in totals for p in (t // 2, t - t // 2))


def _padding(padding, kernel: tuple, stride: tuple, dilation: tuple, spatial: int) -> tuple:
    """(before, after) per axis, flattened, from an int, a tuple, 'valid' or 'same'."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0,) * (2 * spatial)
        if padding != "same":
            raise ValueError(f"Invalid padding string '{padding}', should be one of {{'valid', 'same'}}")
        if any(s != 1 for s in stride):
            raise ValueError("padding='same' is not supported for strided convolutions")
        return same_padding(kernel, dilation)
    return _both_sides(as_tuple(padding, spatial, "padding"))


@functools.lru_cache(maxsize=64)
def _both_sides(pads: tuple) -> tuple:
    """(before, after) per axis, flattened, from one padding per axis applied on both sides."""
    return tuple(p for p in pads for _ in range(2))


def _check_operands(name: str, input: Tensor, weight: Tensor, bias: Tensor | None, groups: int, transposed: bool):
    for other in (weight, bias):
        if other is not None and other.device != input.device:
            raise device_mismatch(name, input, other)
    if input.dtype is not weight.dtype or (bias is not None and bias.dtype is not input.dtype):
        culprit, what = (weight, "weight") if input.dtype is not weight.dtype else (bias, "bias")
        raise RuntimeError(
            f"{name}: Input type ({input.type()}) and {what} type ({culprit.type()}) should be the same; "
            f"convert one, e.g. input.to({culprit.dtype})"
        )
    if groups < 1 or weight.shape[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but got weight of "
            f"size {list(weight.shape)} instead"
        )
    in_channels = weight.shape[0] if transposed else weight.shape[1] * groups
    out_channels = weight.shape[1] * groups if transposed else weight.shape[0]
    if input.shape[1] != in_channels:
        raise RuntimeError(
            f"Given {'transposed=1, ' if transposed else ''}groups={groups}, weight of size {list(weight.shape)}, "
            f"expected input{list(input.shape)} to have {in_channels} channels, but got {input.shape[1]} channels "
            "instead"
        )
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise RuntimeError(
            f"{name}: expected bias of shape [{out_channels}] (one per output channel), got {list(bias.shape)}"
        )


def _checked_operands(
    name: str, spatial: int, input: Tensor, weight: Tensor, bias, stride, dilation, groups, transposed
):
    """The input with a batch dim, whether it came with one, and the kernel size, stride and dilation as tuples."""
    if input.ndim not in (spatial + 1, spatial + 2):
        raise RuntimeError(
            f"Expected {spatial + 1}D (unbatched) or {spatial + 2}D (batched) input to {name}, but got input of "
            f"size: {list(input.shape)}"
        )
    if weight.ndim != spatial + 2:
        raise RuntimeError(f"{name}: expected a {spatial + 2}-D weight, got size {list(weight.shape)}")
    batched = input.ndim == spatial + 2
    if not batched:
        input = input.unsqueeze(0)
    _check_operands(name, input, weight, bias, groups, transposed=transposed)
    kernel = tuple(weight.shape[2:])
    return input, batched, kernel, as_tuple(stride, spatial, "stride"), as_tuple(dilation, spatial, "dilation")


def _sizes_text(sizes) -> str:
    return " x ".join(map(str, sizes))


def convolution(name: str, spatial: int, input: Tensor, weight: Tensor, bias, stride, padding, dilation, groups):
    """conv1d, conv2d and conv3d (spatial = 1, 2, 3), batched or not."""
    input, batched, kernel, stride, dilation = _checked_operands(
        name, spatial, input, weight, bias, stride, dilation, groups, transposed=False
    )
    geometry = Geometry(kernel, stride, dilation, _padding(padding, kernel, stride, dilation, spatial))
    sizes = tuple(input.shape[2:])
    if min(geometry.output_size(*sizes)) < 1:
        effective = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
        raise RuntimeError(
            f"{name}: Calculated padded input size per channel: ({_sizes_text(geometry.padded_size(sizes))}). "
            f"Kernel size: ({_sizes_text(effective)}). Kernel size can't be greater than actual input size"
        )
    attrs = {"geometry": geometry, "groups": int(groups), "spatial": spatial}
    if weight.requires_grad and is_grad_enabled():
        # the forward's im2col columns, kept for the weight gradient; the backward frees them
        attrs["cache"] = {}
    arrays = (input._data, weight._data, None if bias is None else bias._data)
    out = call(CONVOLUTION, (input, weight, bias), arrays, input, attrs)
    return out if batched else out.squeeze(0)


def conv_transpose_size(size: int, kernel: int, stride: int, padding: int, dilation: int, extra: int) -> int:
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + extra + 1


def transposed_convolution(
    name: str, spatial: int, input, weight, bias, stride, padding, output_padding, groups, dilation
) -> Tensor:
    """conv_transpose1d/2d/3d: the adjoint of a convolution with the same weight, plus a bias."""
    input, batched, kernel, stride, dilation = _checked_operands(
        name, spatial, input, weight, bias, stride, dilation, groups, transposed=True
    )
    if isinstance(padding, str):
        raise RuntimeError(f"{name}: padding must be an int or a tuple of ints, not the string {padding!r}")
    pads = as_tuple(padding, spatial, "padding")
    extra = as_tuple(output_padding, spatial, "output_padding")
    for e, s, d in zip(extra, stride, dilation):
        if e >= s and e >= d:
            raise RuntimeError(
                f"{name}: output padding must be smaller than either stride or dilation, but got "
                f"output_padding={extra}, stride={stride}, dilation={dilation}"
            )
    sizes = tuple(
        conv_transpose_size(n, k, s, p, d, e)
        for n, k, s, p, d, e in zip(input.shape[2:], kernel, stride, pads, dilation, extra)
    )
    if min(sizes) < 1:
        raise RuntimeError(
            f"{name}: Given input size per channel: ({_sizes_text(input.shape[2:])}). Calculated output size per "
            f"channel: ({_sizes_text(sizes)}). Output size is too small"
        )
    geometry = Geometry(kernel, stride, dilation, _both_sides(pads))
    shape = (input.shape[0], weight.shape[1] * groups, *sizes)
    attrs = {"geometry": geometry, "groups": int(groups), "spatial": spatial, "input_shape": shape}
    arrays = (input._data, weight._data, None if bias is None else bias._data)
    out = call(CONV_TRANSPOSE, (input, weight, bias), arrays, input, attrs)
    return out if batched else out.squeeze(0)


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1, groups=1):
    """1-D cross-correlation over (N, C, L) input with an (out, C / groups, k) weight."""
    return convolution("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation over (N, C, H, W) input with an (out, C / groups, kh, kw) weight."""
    return convolution("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1, groups=1):
    """3-D cross-correlation over (N, C, D, H, W) input with an (out, C / groups, kd, kh, kw) weight."""
    return convolution("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def _conv_transpose_function(spatial: int, doc: str):
    """The public conv_transpose{spatial}d function (all three share PyTorch's signature)."""
    name = f"conv_transpose{spatial}d"

    def conv_transpose(
        input: Tensor,
        weight: Tensor,
        bias: Tensor | None = None,
        stride=1,
        padding=0,
        output_padding=0,
        groups=1,
        dilation=1,
    ):
        return transposed_convolution(
            name, spatial, input, weight, bias, stride, padding, output_padding, groups, dilation
        )

    conv_transpose.__name__ = conv_transpose.__qualname__ = name
    conv_transpose.__doc__ = doc
    return conv_transpose


conv_transpose1d = _conv_transpose_function(
    1, "1-D transposed convolution of (N, C_in, L) input with a (C_in, C_out / groups, k) weight."
)
conv_transpose2d = _conv_transpose_function(
    2, "2-D transposed convolution of (N, C_in, H, W) input with a (C_in, C_out / groups, kh, kw) weight."
)
conv_transpose3d = _conv_transpose_function(
    3, "3-D transposed convolution of (N, C_in, D, H, W) input with a (C_in, C_out / groups, kd, kh, kw) weight."
)


def conv_tbc(input: Tensor, weight: Tensor, bias: Tensor, pad: int = 0) -> Tensor:
    """1-D convolution over (time, batch, channels) input with a (k, C_in, C_out) weight, zero-padded by pad."""
    if input.ndim != 3 or weight.ndim != 3 or bias.ndim != 1:
        raise RuntimeError(
            f"conv_tbc: expected a 3-D input (time, batch, channels), a 3-D weight (kernel, C_in, C_out) and a "
            f"1-D bias, got {list(input.shape)}, {list(weight.shape)} and {list(bias.shape)}"
        )
    out = convolution("conv_tbc", 1, input.permute(1, 2, 0), weight.permute(2, 1, 0), bias, 1, pad, 1, 1)
    return out.permute(2, 0, 1)
