"""Sliding windows over the trailing spatial axes of backend arrays: the kernels under convolution and pooling.

Everything here works on raw backend arrays (NumPy-like `xp`), never on Tensors: these are the forward
and backward kernels that the differentiable ops in `_conv`, `_pooling` and `_fold` are declared with.
Arrays are (N, C, *spatial) with any number of spatial axes (the geometry says how many).
"""

from __future__ import annotations

import functools
import itertools
import math
from typing import NamedTuple


class Geometry(NamedTuple):
    """How windows tile the spatial axes: kernel, stride, dilation (one entry per axis), and padding as
    (before, after) per axis, flattened: (top, bottom, left, right) in 2-D."""

    kernel: tuple
    stride: tuple
    dilation: tuple
    padding: tuple

    def output_size(self, *sizes: int) -> tuple:
        return _output_size(self, sizes)

    def padded_size(self, sizes: tuple) -> tuple:
        return _padded_size(self.padding, tuple(sizes))

    def overlapping(self) -> bool:
        """True when one input element can fall in two windows (the backward must accumulate)."""
        return _overlapping(self)


# NOTE: the tuples derived from a geometry (and a size) are worked out once and cached: kernels are called
# with the same few geometries again and again, and building them costs more than the array work on small inputs.
_cached = functools.lru_cache(maxsize=256)


@_cached
def _output_size(geometry: Geometry, sizes: tuple) -> tuple:
    pads, kernel, stride, dilation = geometry.padding, geometry.kernel, geometry.stride, geometry.dilation
    return tuple(
        _count(size + pads[2 * i] + pads[2 * i + 1], kernel[i], stride[i], dilation[i]) for i, size in enumerate(sizes)
    )


@_cached
def _overlapping(geometry: Geometry) -> bool:
    return any(s < d * (k - 1) + 1 for k, s, d in zip(geometry.kernel, geometry.stride, geometry.dilation))


@_cached
def _padded_size(padding: tuple, sizes: tuple) -> tuple:
    return tuple(size + padding[2 * i] + padding[2 * i + 1] for i, size in enumerate(sizes))


def _count(padded: int, kernel: int, stride: int, dilation: int) -> int:
    return (padded - dilation * (kernel - 1) - 1) // stride + 1


def pooled_size(size: int, kernel: int, stride: int, padding: int, dilation: int, ceil_mode: bool) -> int:
    """Output length of a pooling window sweep (PyTorch's rule, including ceil_mode)."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


@_cached
def _inner(padding: tuple, sizes: tuple) -> tuple:
    """The key of the (N, C, *sizes) part of a padded array that holds the original values."""
    return (slice(None), slice(None), *(slice(padding[2 * i], padding[2 * i] + size) for i, size in enumerate(sizes)))


def pad_planes(b, x, padding: tuple, value=0):
    """x with padding[2i] / padding[2i + 1] elements of `value` before / after each spatial axis i."""
    if not any(padding):
        return x
    spatial = tuple(x.shape[2:])
    out = b.full((*x.shape[:2], *_padded_size(padding, spatial)), value, b.ember_dtype(x.dtype), b.device_index(x))
    out[_inner(padding, spatial)] = x
    return out


def windows(b, padded, geometry: Geometry, out_size: tuple):
    """Every window (N, C, *out_size, *kernel) of an already padded array, to be read only: the backend's
    ``sliding_windows`` (a strided view), else one strided slice per kernel offset, stacked."""
    kernel, stride, dilation = geometry.kernel, geometry.stride, geometry.dilation
    native = getattr(b, "sliding_windows", None)
    if native is not None:
        return native(padded, out_size, kernel, stride, dilation)
    slices = [b.getitem(padded, key) for _, key in _offset_keys(geometry, tuple(out_size))]
    stacked = b.stack(slices, axis=-1)
    return b.reshape(stacked, (*stacked.shape[:-1], *kernel))


@_cached
def _offset_keys(geometry: Geometry, out_size: tuple) -> tuple:
    """Per kernel offset (row-major): the key of that offset in a (N, C, *kernel, ...) array of windows, and the
    key of the (N, C, *spatial) strided slice it reads in every window."""
    lead = (slice(None), slice(None))
    return tuple(
        (
            (*lead, *offset, ...),
            lead
            + tuple(
                slice(j * dil, j * dil + s * (o - 1) + 1, s)
                for j, dil, s, o in zip(offset, geometry.dilation, geometry.stride, out_size)
            ),
        )
        for offset in itertools.product(*(range(k) for k in geometry.kernel))
    )


@_cached
def _column_order(spatial: int) -> tuple:
    """The axes of (N, C, *out, *kernel) windows in im2col order, (N, C, *kernel, *out)."""
    return (0, 1, *range(2 + spatial, 2 + 2 * spatial), *range(2, 2 + spatial))


def columns(b, x, geometry: Geometry, out_size: tuple, groups: int):
    """im2col: (N, groups, C/groups * prod(kernel), prod(out_size)), a contiguous copy ready for matmul."""
    view = windows(b, pad_planes(b, x, geometry.padding), geometry, out_size)
    n, c = x.shape[:2]
    return b.reshape(
        b.permute(view, _column_order(len(out_size))), (n, groups, (c // groups) * math.prod(geometry.kernel), -1)
    )


def scatter_columns(b, cols, padded_shape: tuple, geometry: Geometry, crop: tuple):
    """col2im, the adjoint of `windows`: add each window's values (N, C, *kernel, *out) back into place.

    Loops over the kernel offsets (each a strided slice add), then crops `crop` (as padding) away.
    """
    out_size = tuple(cols.shape[2 + len(geometry.kernel) :])
    out = b.zeros(padded_shape, b.ember_dtype(cols.dtype), b.device_index(cols))
    for window, key in _offset_keys(geometry, out_size):
        out[key] += cols[window]
    if not any(crop):
        return out
    sizes = tuple(size - crop[2 * i] - crop[2 * i + 1] for i, size in enumerate(padded_shape[2:]))
    return b.ascontiguous(out[_inner(crop, sizes)])
