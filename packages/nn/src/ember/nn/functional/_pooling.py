"""Pooling over 1, 2 or 3 spatial axes: max (with argmax indices), average, power-average, unpooling.

Max pooling finds each window's argmax once; the op then picks input elements at those flat
in-plane indices and its backward scatters gradients to the same places (accumulating where windows
overlap). Max unpooling is that scatter. Adaptive and fractional pooling build on the same ops
(`_adaptive_pooling`).
"""

from __future__ import annotations

import functools
import itertools
import math

import numpy as np

from ... import _dtype as dt
from ..._tensor import Tensor
from ...backends._casting import cast_like
from ...ops._op import Op, call, make
from ._utils import as_tuple
from ._windows import Geometry, pad_planes, pooled_size, scatter_columns, windows

DIMS = (1, 2, 3)


def planes(b, x):
    """(N, C, *spatial) as (N, C, plane) (a view of a contiguous array)."""
    return b.reshape(x, (x.shape[0], x.shape[1], -1))


def pick(b, x, *found, index, overlap, input_shape, spatial):
    if found:
        return found[0]
    return b.reshape(b.take_along_axis(planes(b, x), planes(b, index), 2), index.shape)


def _scatter(b, g, *, index, overlap, input_shape, spatial):
    n, c = input_shape[:2]
    where = b.device_index(g)
    out = b.zeros((n, c, math.prod(input_shape[2:])), b.ember_dtype(g.dtype), where)
    flat = planes(b, index)
    if overlap:
        rows = b.reshape(b.arange(0, n, 1, dt.int64, where), (-1, 1, 1))
        channels = b.reshape(b.arange(0, c, 1, dt.int64, where), (1, -1, 1))
        b.index_add(out, (rows, channels, flat), planes(b, g))
    else:
        b.put_along_axis(out, flat, planes(b, g), 2)
    return b.reshape(out, input_shape)


def grad_pick(m, ctx, g):
    return (m.run(_SCATTERS[ctx.attrs["spatial"]], g, **ctx.attrs),)


def _grad_scatter(m, ctx, gg):
    return (m.run(_PICKS[ctx.attrs["spatial"]], gg, **ctx.attrs),)


_PICKS = {d: Op(f"max_pool{d}d", pick, grad_pick, node=f"MaxPool{d}DWithIndicesBackward0") for d in DIMS}
_SCATTERS = {
    d: Op(f"max_pool{d}d_backward", _scatter, _grad_scatter, node=f"MaxPool{d}DWithIndicesBackwardBackward0")
    for d in DIMS
}
_UNPOOLS = {d: Op(f"max_unpool{d}d", _scatter, _grad_scatter, node=f"MaxUnpool{d}DBackward0") for d in DIMS}


def batched_input(name: str, spatial: int, input: Tensor) -> bool:
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
    return kernel, stride, padding, dilation


def _sweep(name, sizes, kernel, stride, padding, dilation, ceil_mode):
    """Output sizes and the (before, after) padding per axis that makes every window fit."""
    out, pads = [], []
    for size, k, s, p, d in zip(sizes, kernel, stride, padding, dilation):
        n = pooled_size(size, k, s, p, d, ceil_mode)
        if n < 1:
            raise RuntimeError(
                f"{name}: Given input size per channel: ({' x '.join(map(str, sizes))}). Calculated output size "
                f"is too small (kernel {kernel}, stride {stride}, padding {padding})"
            )
        out.append(n)
        pads += [p, max(p, (n - 1) * s + d * (k - 1) + 1 - size - p)]
    return tuple(out), tuple(pads)


def plane_strides(sizes: tuple) -> tuple:
    return tuple(math.prod(sizes[a + 1 :]) for a in range(len(sizes)))


def flat_index(b, best, windows_shape: tuple, sizes: tuple, tables: tuple):
    """Flat in-plane index of each window's chosen element.

    best: (N, C, *out) positions within each window, row-major over windows_shape; tables[a]:
    (out_a, window_a) input coordinates along axis a of window position k in output position o.
    """
    d = len(sizes)
    index = 0
    for a in reversed(range(d)):
        within = best % windows_shape[a]
        best = best // windows_shape[a]
        rows = b.reshape(b.arange(0, tables[a].shape[0], 1, dt.int64, b.device_index(best)), (-1,) + (1,) * (d - 1 - a))
        index = index + b.getitem(tables[a], (rows, within)) * plane_strides(sizes)[a]
    return b.astype(index, dt.int64)


def _window_argmax(b, data, geometry: Geometry, out_size: tuple):
    """Flat in-plane index of each window's (first) maximum."""
    dtype = b.ember_dtype(data.dtype)
    lowest = -math.inf if dtype.is_floating_point else np.iinfo(dtype.numpy).min
    view = windows(b, pad_planes(b, data, geometry.padding, lowest), geometry, out_size)
    best = b.argmax(b.reshape(view, (*view.shape[: 2 + len(out_size)], -1)), axis=-1)
    xp = b.xp
    tables = tuple(
        xp.arange(o)[:, None] * s - geometry.padding[2 * a] + xp.arange(k)[None, :] * dil
        for a, (o, k, s, dil) in enumerate(zip(out_size, geometry.kernel, geometry.stride, geometry.dilation))
    )
    return flat_index(b, best, geometry.kernel, data.shape[2:], tables)


@functools.lru_cache(maxsize=64)
def _tiling(kernel: tuple, sizes: tuple) -> tuple:
    """How windows of `kernel` tile planes of `sizes`, worked out once per shape: the key of the strided view of
    each window's first element; each other kernel offset's key and flat in-plane shift; and per axis the
    (stop, step, shape) of the window corners' flat positions along it."""
    strides = plane_strides(sizes)
    lead = (slice(None), slice(None))
    others = tuple(
        (lead + tuple(slice(i, None, k) for i, k in zip(shift, kernel)), sum(i * s for i, s in zip(shift, strides)))
        for shift in itertools.product(*(range(k) for k in kernel))
        if any(shift)
    )
    d = len(kernel)
    axes = tuple((n * s, k * s, (-1,) + (1,) * (d - 1 - a)) for a, (n, k, s) in enumerate(zip(sizes, kernel, strides)))
    return lead + tuple(slice(None, None, k) for k in kernel), others, axes


def _tiled_max(b, data, kernel: tuple):
    """Windows that tile the input exactly: (maxima,) and flat in-plane indices, or None if a max is NaN.

    One pass per kernel offset over strided views of the input, with no copy of the windows.
    """
    first, others, axes = _tiling(kernel, tuple(data.shape[2:]))
    best, offset, owned = data[first], 0, False
    for key, at in others:
        candidate = data[key]
        offset = b.where(b.greater(candidate, best), at, offset)
        best = b.maximum(best, candidate, out=best if owned else None)
        owned = True
    if b.ember_dtype(data.dtype).is_floating_point and bool(b.any(b.isnan(best))):
        return None
    where, corners = b.device_index(data), None
    for stop, step, shape in axes:
        axis = b.reshape(b.arange(0, stop, step, dt.int64, where), shape)
        corners = axis if corners is None else corners + axis  # NOTE: each window's first element, flat
    return (best,), offset + corners


def _max_pool(name, spatial, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    batched = batched_input(name, spatial, input)
    x = input if batched else input.unsqueeze(0)
    kernel, stride, padding, dilation = _window_args(name, spatial, kernel_size, stride, padding, dilation)
    data = x._data
    sizes = data.shape[2:]
    out_size, pads = _sweep(name, sizes, kernel, stride, padding, dilation, ceil_mode)
    geometry = Geometry(kernel, stride, dilation, pads)
    b = x._backend
    tiled = None
    tiles = kernel == stride and all(d == 1 for d in dilation) and not any(pads) and any(k != 1 for k in kernel)
    if tiles and all(n % k == 0 for n, k in zip(sizes, kernel)):
        tiled = _tiled_max(b, data, kernel)
    if tiled is not None:
        found, index = tiled
    else:
        found, index = (), _window_argmax(b, data, geometry, out_size)
    attrs = {"index": index, "overlap": geometry.overlapping(), "input_shape": tuple(x.shape), "spatial": spatial}
    out = call(_PICKS[spatial], (x,), (x._data, *found), x, attrs)
    return maybe_indices(out, index, x, batched, return_indices)


def maybe_indices(out, index, x, batched: bool, return_indices: bool):
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


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over sliding windows of (N, C, D, H, W) input; with return_indices also each max's flat index."""
    return _max_pool("max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool1d_with_indices(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False
) -> tuple:
    """max_pool1d's (values, indices), whatever return_indices says."""
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False
) -> tuple:
    """max_pool2d's (values, indices), whatever return_indices says."""
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False
) -> tuple:
    """max_pool3d's (values, indices), whatever return_indices says."""
    return _max_pool("max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode, True)


# --- average pooling ------------------------------------------------------------------------


def _avg_kernel(b, x, *, geometry, divisor, input_shape, spatial):
    out_size = geometry.output_size(*x.shape[2:])
    view = windows(b, pad_planes(b, x, geometry.padding), geometry, out_size)
    sums = b.sum(view, tuple(range(2 + spatial, 2 + 2 * spatial)))
    return cast_like(b, sums / divisor, x)


def _avg_grad_kernel(b, g, *, geometry, divisor, input_shape, spatial):
    share = cast_like(b, g / divisor, g)
    n, c = share.shape[:2]
    out_size = share.shape[2:]
    cols = b.broadcast_to(b.reshape(share, (n, c, *(1,) * spatial, *out_size)), (n, c, *geometry.kernel, *out_size))
    padded = (n, c, *geometry.padded_size(input_shape[2:]))
    return scatter_columns(b, cols, padded, geometry, geometry.padding)


def _grad_avg(m, ctx, g):
    return (m.run(_AVG_GRADS[ctx.attrs["spatial"]], g, **ctx.attrs),)


def _grad_avg_grad(m, ctx, gg):
    return (m.run(_AVGS[ctx.attrs["spatial"]], gg, **ctx.attrs),)


_AVGS = {d: Op(f"avg_pool{d}d", _avg_kernel, _grad_avg, node=f"AvgPool{d}DBackward0") for d in DIMS}
_AVG_GRADS = {
    d: Op(f"avg_pool{d}d_backward", _avg_grad_kernel, _grad_avg_grad, node=f"AvgPool{d}DBackwardBackward0")
    for d in DIMS
}


def _window_counts(size: int, out: int, kernel: int, stride: int, pad: int, include_pad: bool) -> np.ndarray:
    """How many elements each window along one axis averages over (PyTorch's divisor rule)."""
    start = np.arange(out) * stride - pad
    end = np.minimum(start + kernel, size + pad)
    if include_pad:
        return end - start
    return np.minimum(end, size) - np.maximum(start, 0)


def _divisor(x, geometry, sizes, out_size, padding, count_include_pad, divisor_override):
    if divisor_override:
        return float(divisor_override)
    per_axis = [
        _window_counts(n, o, k, s, p, count_include_pad)
        for n, o, k, s, p in zip(sizes, out_size, geometry.kernel, geometry.stride, padding)
    ]
    counts = functools.reduce(np.multiply.outer, per_axis)
    if (counts == counts.flat[0]).all():
        return float(counts.flat[0])
    return x._backend.asarray(counts.astype(x.dtype.numpy), x.dtype, x.device.index)


def _avg_pool(name, spatial, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    batched = batched_input(name, spatial, input)
    x = input if batched else input.unsqueeze(0)
    kernel, stride, padding, dilation = _window_args(name, spatial, kernel_size, stride, padding, 1)
    sizes = tuple(x.shape[2:])
    out_size, pads = _sweep(name, sizes, kernel, stride, padding, dilation, ceil_mode)
    geometry = Geometry(kernel, stride, dilation, pads)
    divisor = _divisor(x, geometry, sizes, out_size, padding, count_include_pad, divisor_override)
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


def avg_pool3d(
    input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None
):
    """Mean over sliding windows of (N, C, D, H, W) input."""
    return _avg_pool(
        "avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
    )


# --- power-average pooling ------------------------------------------------------------------


def _lp_pool(spatial: int, input, norm_type, kernel_size, stride, ceil_mode):
    kernel = as_tuple(kernel_size, spatial, "kernel_size")
    pool = (avg_pool1d, avg_pool2d, avg_pool3d)[spatial - 1]
    means = pool(input.pow(norm_type), kernel, stride, 0, ceil_mode)
    return (means.sign() * means.abs().relu()).mul(math.prod(kernel)).pow(1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """Power-average pooling over (N, C, L) input: the norm_type-norm of each window."""
    return _lp_pool(1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input: Tensor, norm_type, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """Power-average pooling over (N, C, H, W) input: the norm_type-norm of each window."""
    return _lp_pool(2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input: Tensor, norm_type, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """Power-average pooling over (N, C, D, H, W) input: the norm_type-norm of each window."""
    return _lp_pool(3, input, norm_type, kernel_size, stride, ceil_mode)


# --- max unpooling --------------------------------------------------------------------------


def _unpool(name: str, spatial: int, input: Tensor, indices: Tensor, kernel_size, stride, padding, output_size):
    kernel, stride, padding, _ = _window_args(name, spatial, kernel_size, stride, padding, 1)
    batched = batched_input(name, spatial, input)
    if tuple(indices.shape) != tuple(input.shape) or indices.dtype.is_floating_point:
        raise RuntimeError(
            f"{name}: Expected shape of indices to be same as that of the input tensor ({list(input.shape)}) and "
            f"an integer dtype, but got indices of shape {list(indices.shape)} and dtype {indices.dtype}"
        )
    x, index = (input, indices) if batched else (input.unsqueeze(0), indices.unsqueeze(0))
    default = tuple((n - 1) * s - 2 * p + k for n, k, s, p in zip(x.shape[2:], kernel, stride, padding))
    if output_size is None:
        sizes = default
    else:
        sizes = tuple(int(v) for v in output_size)[-spatial:]
        if len(tuple(output_size)) not in (spatial, spatial + 1, spatial + 2):
            raise ValueError(f"{name}: output_size should be a sequence of {spatial} integers, got {output_size!r}")
        for want, low, s in zip(sizes, default, stride):
            if not low - s < want < low + s:
                raise ValueError(
                    f"{name}: invalid output_size {list(sizes)} (dim {want} must be between {low - s} and {low + s})"
                )
    plane = math.prod(sizes)
    b = index._backend
    data = index._data if index.dtype is dt.int64 else b.astype(index._data, dt.int64)
    if data.size and (int(b.min(data)) < 0 or int(b.max(data)) >= plane):
        raise RuntimeError(
            f"{name}: Found an invalid max index: indices must lie in [0, {plane}) for an output of size {list(sizes)}"
        )
    attrs = {"index": data, "overlap": False, "input_shape": (*x.shape[:2], *sizes), "spatial": spatial}
    out = call(_UNPOOLS[spatial], (x,), (x._data,), x, attrs)
    return out if batched else out.squeeze(0)


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """The partial inverse of max_pool1d: each value placed at its index, zeros elsewhere."""
    return _unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """The partial inverse of max_pool2d: each value placed at its flat index, zeros elsewhere."""
    return _unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """The partial inverse of max_pool3d: each value placed at its flat index, zeros elsewhere."""
    return _unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding, output_size)
