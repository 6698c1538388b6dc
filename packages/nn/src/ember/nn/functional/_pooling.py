"""Pooling: max (with argmax indices), average, and adaptive average, each a differentiable op.

Max pooling finds each window's argmax once; the op then picks input elements at those flat
indices and its backward scatters gradients to the same places (accumulating where windows overlap).
"""

from __future__ import annotations

import math

import numpy as np

from ..._tensor import Tensor
from ...ops._op import Op, call, make
from ._utils import as_tuple
from ._windows import Geometry, pad_planes, pooled_size, scatter_columns, windows


def _planes(x):
    """(N, C, *spatial) as (N, C, plane) (a view of a contiguous array)."""
    return x.reshape(x.shape[0], x.shape[1], -1)


def _pick(b, x, *found, index, overlap, input_shape, spatial):
    if found:
        return found[0]
    return b.take_along_axis(_planes(x), _planes(index), 2).reshape(index.shape)


def _scatter(b, g, *, index, overlap, input_shape, spatial):
    n, c = input_shape[:2]
    out = b.xp.zeros((n, c, math.prod(input_shape[2:])), dtype=g.dtype)
    flat = _planes(index)
    if overlap:
        xp = b.xp
        b.index_add(out, (xp.arange(n)[:, None, None], xp.arange(c)[None, :, None], flat), _planes(g))
    else:
        b.put_along_axis(out, flat, _planes(g), 2)
    return out.reshape(input_shape)


def _grad_pick(m, ctx, g):
    return (m.run(_SCATTERS[ctx.attrs["spatial"]], g, **ctx.attrs),)


def _grad_scatter(m, ctx, gg):
    return (m.run(_PICKS[ctx.attrs["spatial"]], gg, **ctx.attrs),)


_PICKS = {d: Op(f"max_pool{d}d", _pick, _grad_pick, node=f"MaxPool{d}DWithIndicesBackward0") for d in (1, 2)}
_SCATTERS = {
    d: Op(f"max_pool{d}d_backward", _scatter, _grad_scatter, node=f"MaxPool{d}DWithIndicesBackwardBackward0")
    for d in (1, 2)
}


def _lift(spatial: int, x):
    return x if spatial == 2 else x.reshape(x.shape[0], x.shape[1], 1, x.shape[2])


def _batched(name: str, spatial: int, input: Tensor) -> bool:
    if input.ndim not in (spatial + 1, spatial + 2):
        raise RuntimeError(
            f"{name}: Expected {spatial + 1}D or {spatial + 2}D (batch mode) tensor for input, but got input of "
            f"size {list(input.shape)}"
        )
    return input.ndim == spatial + 2


def _window_args(name, spatial, kernel_size, stride, padding, dilation):
    kernel = as_tuple(kernel_size, spatial, "kernel_size")
    stride = kernel if stride is None or stride == () or stride == [] else as_tuple(stride, spatial, "stride")
    padding = as_tuple(padding, spatial, "padding")
    dilation = as_tuple(dilation, spatial, "dilation")
    for k, s, p, d in zip(kernel, stride, padding, dilation):
        if k <= 0 or s <= 0 or d <= 0:
            raise RuntimeError(f"{name}: kernel_size, stride and dilation must be greater than zero, got {kernel}")
        if p > (d * (k - 1) + 1) // 2:
            raise RuntimeError(
                f"{name}: pad should be at most half of effective kernel size, but got pad={p}, kernel_size={k} and "
                f"dilation={d}"
            )
    if spatial == 1:
        kernel, stride, padding, dilation = (1, *kernel), (1, *stride), (0, *padding), (1, *dilation)
    return kernel, stride, padding, dilation


def _sweep(name, sizes, kernel, stride, padding, dilation, ceil_mode):
    """Output sizes and the (top, bottom, left, right) padding that makes every window fit."""
    out, pads = [], []
    for size, k, s, p, d in zip(sizes, kernel, stride, padding, dilation):
        n = pooled_size(size, k, s, p, d, ceil_mode)
        if n < 1:
            raise RuntimeError(
                f"{name}: Given input size per channel: ({' x '.join(map(str, sizes))}). Calculated output size "
                f"is too small (kernel {kernel[-len(sizes) :]}, stride {stride}, padding {padding})"
            )
        out.append(n)
        pads += [p, max(p, (n - 1) * s + d * (k - 1) + 1 - size - p)]
    return tuple(out), tuple(pads)


def _window_argmax(b, data, geometry: Geometry, out_size: tuple):
    """Flat in-plane index of each window's (first) maximum."""
    width = data.shape[3]
    lowest = -np.inf if data.dtype.kind == "f" else np.iinfo(data.dtype).min
    view = windows(b, pad_planes(b, data, geometry.padding, lowest), geometry, out_size)
    kh, kw = geometry.kernel
    best = view.reshape(*view.shape[:4], kh * kw).argmax(-1)
    xp = b.xp
    stride, dilation, pads = geometry.stride, geometry.dilation, geometry.padding
    rows = xp.arange(out_size[0])[:, None] * stride[0] - pads[0] + (best // kw) * dilation[0]
    cols = xp.arange(out_size[1])[None, :] * stride[1] - pads[2] + (best % kw) * dilation[1]
    return (rows * width + cols).astype(np.int64)


def _tiled_max(b, data, kernel: tuple):
    """Windows that tile the plane exactly: (maxima,) and flat in-plane indices, or None if a max is NaN.

    One pass per kernel offset over strided views of the input, with no copy of the windows.
    """
    xp = b.xp
    kh, kw = kernel
    width = data.shape[3]
    best, offset, owned = data[:, :, ::kh, ::kw], 0, False
    for i in range(kh):
        for j in range(kw):
            if i or j:
                candidate = data[:, :, i::kh, j::kw]
                offset = xp.where(candidate > best, i * width + j, offset)
                best = xp.maximum(best, candidate, out=best if owned else None)
                owned = True
    if data.dtype.kind == "f" and xp.isnan(best).any():
        return None
    oh, ow = best.shape[2:]
    return (best,), offset + (xp.arange(oh)[:, None] * (kh * width) + xp.arange(ow) * kw)


def _max_pool(name, spatial, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    batched = _batched(name, spatial, input)
    x = input if batched else input.unsqueeze(0)
    kernel, stride, padding, dilation = _window_args(name, spatial, kernel_size, stride, padding, dilation)
    data = _lift(spatial, x._data)
    n, c, height, width = data.shape
    out_size, pads = _sweep(name, (height, width), kernel, stride, padding, dilation, ceil_mode)
    geometry = Geometry(kernel, stride, dilation, pads)
    b = x._backend
    tiled = None
    tiles = kernel == stride and dilation == (1, 1) and not any(pads) and kernel != (1, 1)
    if tiles and height % kernel[0] == width % kernel[1] == 0:
        tiled = _tiled_max(b, data, kernel)
    if tiled is not None:
        found, index = tiled
    else:
        found, index = (), _window_argmax(b, data, geometry, out_size)
    if spatial == 1:
        index = index.reshape(n, c, out_size[1])
        found = tuple(v.reshape(n, c, out_size[1]) for v in found)
    attrs = {"index": index, "overlap": geometry.overlapping(), "input_shape": tuple(x.shape), "spatial": spatial}
    out = call(_PICKS[spatial], (x,), (x._data, *found), x, attrs)
    if not batched:
        out = out.squeeze(0)
    if not return_indices:
        return out
    indices = make(index, x)
    return out, indices if batched else indices.squeeze(0)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over sliding windows of (N, C, L) input."""
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over sliding windows of (N, C, H, W) input; with return_indices also each max's flat index."""
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


# --- average pooling ------------------------------------------------------------------------


def _avg_kernel(b, x, *, geometry, divisor, input_shape, spatial):
    data = _lift(spatial, x)
    out_size = geometry.output_size(data.shape[2], data.shape[3])
    sums = windows(b, pad_planes(b, data, geometry.padding), geometry, out_size).sum(axis=(4, 5))
    out = (sums / divisor).astype(x.dtype, copy=False)
    return out.reshape(out.shape[0], out.shape[1], -1) if spatial == 1 else out


def _avg_grad_kernel(b, g, *, geometry, divisor, input_shape, spatial):
    shape = input_shape if spatial == 2 else (input_shape[0], input_shape[1], 1, input_shape[2])
    g = _lift(spatial, g)
    share = (g / divisor).astype(g.dtype, copy=False)
    n, c, oh, ow = share.shape
    kh, kw = geometry.kernel
    cols = b.broadcast_to(share.reshape(n, c, 1, 1, oh, ow), (n, c, kh, kw, oh, ow))
    top, bottom, left, right = geometry.padding
    padded = (n, c, shape[2] + top + bottom, shape[3] + left + right)
    return scatter_columns(b, cols, padded, geometry, geometry.padding).reshape(input_shape)


def _grad_avg(m, ctx, g):
    return (m.run(_AVG_GRADS[ctx.attrs["spatial"]], g, **ctx.attrs),)


def _grad_avg_grad(m, ctx, gg):
    return (m.run(_AVGS[ctx.attrs["spatial"]], gg, **ctx.attrs),)


_AVGS = {d: Op(f"avg_pool{d}d", _avg_kernel, _grad_avg, node=f"AvgPool{d}DBackward0") for d in (1, 2)}
_AVG_GRADS = {
    d: Op(f"avg_pool{d}d_backward", _avg_grad_kernel, _grad_avg_grad, node=f"AvgPool{d}DBackwardBackward0")
    for d in (1, 2)
}


def _window_counts(size: int, out: int, kernel: int, stride: int, pad: int, include_pad: bool) -> np.ndarray:
    """How many elements each window along one axis averages over (PyTorch's divisor rule)."""
    start = np.arange(out) * stride - pad
    end = np.minimum(start + kernel, size + pad)
    if include_pad:
        return end - start
    return np.minimum(end, size) - np.maximum(start, 0)


def _divisor(b, x, geometry, sizes, out_size, padding, count_include_pad, divisor_override):
    if divisor_override:
        return float(divisor_override)
    rows = _window_counts(sizes[0], out_size[0], geometry.kernel[0], geometry.stride[0], padding[0], count_include_pad)
    cols = _window_counts(sizes[1], out_size[1], geometry.kernel[1], geometry.stride[1], padding[1], count_include_pad)
    counts = np.outer(rows, cols)
    if (counts == counts.flat[0]).all():
        return float(counts.flat[0])
    return b.asarray(counts.astype(x.dtype.numpy), x.dtype, x.device.index)


def _avg_pool(name, spatial, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    batched = _batched(name, spatial, input)
    x = input if batched else input.unsqueeze(0)
    kernel, stride, padding, dilation = _window_args(name, spatial, kernel_size, stride, padding, 1)
    sizes = (1, x.shape[2]) if spatial == 1 else tuple(x.shape[2:])
    out_size, pads = _sweep(name, sizes, kernel, stride, padding, dilation, ceil_mode)
    geometry = Geometry(kernel, stride, dilation, pads)
    divisor = _divisor(x._backend, x, geometry, sizes, out_size, padding, count_include_pad, divisor_override)
    attrs = {"geometry": geometry, "divisor": divisor, "input_shape": tuple(x.shape), "spatial": spatial}
    out = call(_AVGS[spatial], (x,), (x._data,), x, attrs)
    return out if batched else out.squeeze(0)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Mean over sliding windows of (N, C, L) input."""
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(
    input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None
):
    """Mean over sliding windows of (N, C, H, W) input."""
    return _avg_pool(
        "avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
    )


# --- adaptive average pooling ----------------------------------------------------------------


def _pooling_matrix(size: int, out: int) -> np.ndarray:
    """(out, size): row i averages input positions floor(i*size/out) .. ceil((i+1)*size/out) - 1."""
    matrix = np.zeros((out, size))
    for i in range(out):
        start, end = (i * size) // out, -(-((i + 1) * size) // out)
        matrix[i, start:end] = 1.0 / (end - start)
    return matrix


def _adaptive_kernel(b, x, *, rows, cols):
    return b.matmul(b.matmul(rows._data, x), cols._data.T)


def _grad_adaptive(m, ctx, g):
    rows, cols = m.value(ctx.attrs["rows"]), m.value(ctx.attrs["cols"])
    return (m.matmul(m.matmul(m.t(rows), g), cols),)


ADAPTIVE_AVG = Op("adaptive_avg_pool2d", _adaptive_kernel, _grad_adaptive, node="AdaptiveAvgPool2DBackward0")


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """Average pooling to a fixed (H_out, W_out), whatever the input size (None keeps that input size)."""
    if input.ndim not in (3, 4):
        raise RuntimeError(
            f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got input of size {list(input.shape)}"
        )
    sizes = input.shape[-2:]
    wanted = output_size if isinstance(output_size, (tuple, list)) else (output_size, output_size)
    out_size = tuple(sizes[i] if wanted[i] is None else int(wanted[i]) for i in range(2))
    if out_size == (1, 1):
        return input.mean((-2, -1), keepdim=True)
    if min(out_size) < 1:
        raise RuntimeError(f"adaptive_avg_pool2d(): output_size must be positive, got {output_size}")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"adaptive_avg_pool2d(): expected a floating point input, got {input.dtype}")
    rows = make(input._backend.xp.asarray(_pooling_matrix(sizes[0], out_size[0]).astype(input.dtype.numpy)), input)
    cols = make(input._backend.xp.asarray(_pooling_matrix(sizes[1], out_size[1]).astype(input.dtype.numpy)), input)
    return call(ADAPTIVE_AVG, (input,), (input._data,), input, {"rows": rows, "cols": cols})
