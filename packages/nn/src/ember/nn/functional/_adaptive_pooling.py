"""Pooling to a requested output size: adaptive average and max pooling, and fractional max pooling.

Adaptive average pooling is a sparse separable map (`_taps`): each output averages one bin per axis.
The max poolings gather each output's window, find its argmax, and reuse max pooling's pick op.
"""

from __future__ import annotations

import math

import numpy as np

from ..._random import rand
from ..._tensor import Tensor
from ...ops._op import Op, call
from ._pooling import DIMS, batched_input, flat_index, grad_pick, maybe_indices, pick, plane_strides, planes
from ._taps import apply_taps, taps_op
from ._utils import as_tuple

_ADAPTIVE_PICKS = {d: Op(f"adaptive_max_pool{d}d", pick, grad_pick, node=f"AdaptiveMaxPool{d}DBackward0") for d in DIMS}
_FRACTIONAL_PICKS = {
    d: Op(f"fractional_max_pool{d}d", pick, grad_pick, node=f"FractionalMaxPool{d}DBackward0") for d in (2, 3)
}


# --- adaptive pooling -----------------------------------------------------------------------


def _bins(size: int, out: int) -> tuple:
    """Starts and ends of the adaptive windows: floor(i * size / out) .. ceil((i + 1) * size / out)."""
    i = np.arange(out)
    return (i * size) // out, -(-((i + 1) * size) // out)


def _bin_taps(size: int, out: int) -> list:
    """Taps that average each bin: tap k reads start + k, or the zero past the end once the bin is over."""
    starts, ends = _bins(size, out)
    taps = []
    for k in range(int((ends - starts).max())):
        inside = starts + k < ends
        taps.append((np.where(inside, starts + k, size), np.where(inside, 1.0 / (ends - starts), 0.0)))
    return taps


def _adaptive_sizes(name: str, spatial: int, input: Tensor, output_size) -> tuple:
    if input.ndim not in (spatial + 1, spatial + 2):
        raise RuntimeError(
            f"{name}(): Expected {spatial + 1}D or {spatial + 2}D tensor, but got input of size {list(input.shape)}"
        )
    sizes = tuple(input.shape[-spatial:])
    wanted = tuple(output_size) if isinstance(output_size, (tuple, list)) else (output_size,) * spatial
    if len(wanted) != spatial:
        raise ValueError(f"{name}(): output_size must have {spatial} elements, got {output_size!r}")
    out = tuple(sizes[i] if wanted[i] is None else int(wanted[i]) for i in range(spatial))
    if min(out) < 1:
        raise RuntimeError(f"{name}(): output_size must be positive, got {output_size!r}")
    return sizes, out


_ADAPTIVE_AVGS = {d: taps_op(f"adaptive_avg_pool{d}d", f"AdaptiveAvgPool{d}DBackward0") for d in DIMS}


def _adaptive_avg(name: str, spatial: int, input: Tensor, output_size) -> Tensor:
    sizes, out_size = _adaptive_sizes(name, spatial, input, output_size)
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"{name}(): expected a floating point input, got {input.dtype}")
    if all(o == 1 for o in out_size):
        return input.mean(tuple(range(-spatial, 0)), keepdim=True)
    first = input.ndim - spatial
    per_axis = {first + i: (_bin_taps(n, o), o) for i, (n, o) in enumerate(zip(sizes, out_size)) if n != o}
    if not per_axis:
        return input.clone()
    return apply_taps(_ADAPTIVE_AVGS[spatial], input, per_axis)


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """Average pooling of (N, C, L) input to a fixed length, whatever the input length."""
    return _adaptive_avg("adaptive_avg_pool1d", 1, input, output_size)


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """Average pooling to a fixed (H_out, W_out), whatever the input size (None keeps that input size)."""
    return _adaptive_avg("adaptive_avg_pool2d", 2, input, output_size)


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    """Average pooling to a fixed (D_out, H_out, W_out), whatever the input size (None keeps that input size)."""
    return _adaptive_avg("adaptive_avg_pool3d", 3, input, output_size)


def _adaptive_max(name: str, spatial: int, input: Tensor, output_size, return_indices: bool):
    sizes, out_size = _adaptive_sizes(name, spatial, input, output_size)
    batched = input.ndim == spatial + 2
    x = input if batched else input.unsqueeze(0)
    b = x._backend
    xp = b.xp
    tables, widths = [], []
    for n, o in zip(sizes, out_size):
        starts, ends = _bins(n, o)
        width = int((ends - starts).max())
        # NOTE: a bin narrower than the widest repeats its last element, which leaves its max unchanged
        tables.append(xp.asarray(np.minimum(starts[:, None] + np.arange(width), ends[:, None] - 1)))
        widths.append(width)
    gather = tuple(
        b.reshape(t, (-1,) + (1,) * (spatial - 1 - a) + (1,) * a + (widths[a],) + (1,) * (spatial - 1 - a))
        for a, t in enumerate(tables)
    )
    view = b.getitem(x._data, (slice(None), slice(None), *gather))
    best = b.argmax(b.reshape(view, (*view.shape[: 2 + spatial], -1)), axis=-1)
    index = flat_index(b, best, tuple(widths), sizes, tuple(tables))
    attrs = {"index": index, "overlap": True, "input_shape": tuple(x.shape), "spatial": spatial}
    out = call(_ADAPTIVE_PICKS[spatial], (x,), (x._data,), x, attrs)
    return maybe_indices(out, index, x, batched, return_indices)


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """Max pooling of (N, C, L) input to a fixed length; with return_indices also each max's index."""
    return _adaptive_max("adaptive_max_pool1d", 1, input, output_size, return_indices)


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """Max pooling to a fixed (H_out, W_out); with return_indices also each max's flat index."""
    return _adaptive_max("adaptive_max_pool2d", 2, input, output_size, return_indices)


def adaptive_max_pool3d(input: Tensor, output_size, return_indices: bool = False):
    """Max pooling to a fixed (D_out, H_out, W_out); with return_indices also each max's flat index."""
    return _adaptive_max("adaptive_max_pool3d", 3, input, output_size, return_indices)


def adaptive_max_pool1d_with_indices(input: Tensor, output_size, return_indices: bool = False) -> tuple:
    """adaptive_max_pool1d's (values, indices), whatever return_indices says."""
    return _adaptive_max("adaptive_max_pool1d", 1, input, output_size, True)


def adaptive_max_pool2d_with_indices(input: Tensor, output_size, return_indices: bool = False) -> tuple:
    """adaptive_max_pool2d's (values, indices), whatever return_indices says."""
    return _adaptive_max("adaptive_max_pool2d", 2, input, output_size, True)


def adaptive_max_pool3d_with_indices(input: Tensor, output_size, return_indices: bool = False) -> tuple:
    """adaptive_max_pool3d's (values, indices), whatever return_indices says."""
    return _adaptive_max("adaptive_max_pool3d", 3, input, output_size, True)


# --- fractional max pooling -------------------------------------------------------------------


def _fractional_starts(samples, size: int, out: int, kernel: int):
    """Window starts per plane from its random sample u: floor((i + u) * a) - floor(u * a), the last at the end."""
    dtype = samples.dtype.type
    alpha = dtype(size - kernel) / dtype(out - 1) if out > 1 else dtype(0)
    steps = np.arange(out - 1, dtype=samples.dtype)
    starts = ((steps + samples[..., None]) * alpha).astype(np.int64) - (samples[..., None] * alpha).astype(np.int64)
    return np.concatenate([starts, np.full((*samples.shape, 1), size - kernel, np.int64)], -1)


def _fractional_max(name, spatial, input, kernel_size, output_size, output_ratio, return_indices, samples):
    batched = batched_input(name, spatial, input)
    x = input if batched else input.unsqueeze(0)
    kernel = as_tuple(kernel_size, spatial, "kernel_size")
    sizes = tuple(x.shape[2:])
    if output_size is None:
        if output_ratio is None:
            raise ValueError(f"{name} requires specifying either an output_size or an output_ratio")
        ratio = output_ratio if isinstance(output_ratio, (tuple, list)) else (output_ratio,) * spatial
        output_size = tuple(int(n * r) for n, r in zip(sizes, ratio))
    out_size = as_tuple(output_size, spatial, "output_size")
    for n, o, k in zip(sizes, out_size, kernel):
        if o + k - 1 > n:
            raise RuntimeError(
                f"{name}(): pool size {k} too large relative to input size {n} for an output size of {o} (needs "
                f"output_size + kernel_size - 1 <= input size)"
            )
    if samples is None:
        samples = rand(x.shape[0], x.shape[1], spatial, dtype=x.dtype, device=x.device)
    drawn = samples.detach().numpy() if samples.device.type == "cpu" else samples.cpu().numpy()
    # NOTE: as PyTorch does, 2-D planes use sample 0 for the width and 1 for the height; 3-D ones 0, 1, 2 in order
    order = (1, 0) if spatial == 2 else (0, 1, 2)
    b = x._backend
    xp = b.xp
    strides = plane_strides(sizes)
    d = spatial
    flat = 0
    for a in range(d):
        starts = _fractional_starts(drawn[:, :, order[a]], sizes[a], out_size[a], kernel[a])
        position = starts.reshape(*starts.shape[:2], *(1,) * a, -1, *(1,) * (d - 1 - a), *(1,) * d)
        offsets = np.arange(kernel[a]).reshape(*(1,) * (2 + d + a), -1, *(1,) * (d - 1 - a))
        flat = flat + (position + offsets) * strides[a]
    flat = xp.asarray(np.broadcast_to(flat, (*x.shape[:2], *out_size, *kernel)).reshape(*x.shape[:2], -1))
    values = b.reshape(b.take_along_axis(planes(b, x._data), flat, 2), (*x.shape[:2], math.prod(out_size), -1))
    best = b.argmax(values, axis=-1)
    index = b.reshape(b.take_along_axis(b.reshape(flat, values.shape), best[..., None], 3), (*x.shape[:2], *out_size))
    attrs = {"index": index, "overlap": True, "input_shape": tuple(x.shape), "spatial": spatial}
    out = call(_FRACTIONAL_PICKS[spatial], (x,), (x._data,), x, attrs)
    return maybe_indices(out, index, x, batched, return_indices)


def fractional_max_pool2d(
    input: Tensor, kernel_size, output_size=None, output_ratio=None, return_indices: bool = False, _random_samples=None
):
    """Max over randomly placed windows of (N, C, H, W) input, down to output_size or output_ratio of the input."""
    return _fractional_max(
        "fractional_max_pool2d", 2, input, kernel_size, output_size, output_ratio, return_indices, _random_samples
    )


def fractional_max_pool3d(
    input: Tensor, kernel_size, output_size=None, output_ratio=None, return_indices: bool = False, _random_samples=None
):
    """Max over randomly placed windows of (N, C, D, H, W) input, down to output_size or output_ratio of the input."""
    return _fractional_max(
        "fractional_max_pool3d", 3, input, kernel_size, output_size, output_ratio, return_indices, _random_samples
    )


def fractional_max_pool2d_with_indices(
    input: Tensor, kernel_size, output_size=None, output_ratio=None, return_indices: bool = False, _random_samples=None
) -> tuple:
    """fractional_max_pool2d's (values, indices), whatever return_indices says."""
    return _fractional_max(
        "fractional_max_pool2d", 2, input, kernel_size, output_size, output_ratio, True, _random_samples
    )


def fractional_max_pool3d_with_indices(
    input: Tensor, kernel_size, output_size=None, output_ratio=None, return_indices: bool = False, _random_samples=None
) -> tuple:
    """fractional_max_pool3d's (values, indices), whatever return_indices says."""
    return _fractional_max(
        "fractional_max_pool3d", 3, input, kernel_size, output_size, output_ratio, True, _random_samples
    )
