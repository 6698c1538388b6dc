"""Sliding windows over the trailing spatial axes of backend arrays: the kernels under convolution and pooling.

Everything here works on raw backend arrays (NumPy-like `xp`), never on Tensors: these are the forward
and backward kernels that the differentiable ops in `_conv`, `_pooling` and `_fold` are declared with.
Arrays are (N, C, *spatial) with any number of spatial axes (the geometry says how many).
"""

from __future__ import annotations

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
        pads = self.padding
        return tuple(
            _count(size + pads[2 * i] + pads[2 * i + 1], self.kernel[i], self.stride[i], self.dilation[i])
            for i, size in enumerate(sizes)
        )

    def padded_size(self, sizes: tuple) -> tuple:
        return tuple(size + self.padding[2 * i] + self.padding[2 * i + 1] for i, size in enumerate(sizes))

    def overlapping(self) -> bool:
        """True when one input element can fall in two windows (the backward must accumulate)."""
        return any(s < d * (k - 1) + 1 for k, s, d in zip(self.kernel, self.stride, self.dilation))


def _count(padded: int, kernel: int, stride: int, dilation: int) -> int:
    return (padded - dilation * (kernel - 1) - 1) // stride + 1


def pooled_size(size: int, kernel: int, stride: int, padding: int, dilation: int, ceil_mode: bool) -> int:
    """Output length of a pooling window sweep (PyTorch's rule, including ceil_mode)."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def _inner(padding: tuple, sizes: tuple) -> tuple:
    """The slices of a padded array that hold the original values."""
    return tuple(slice(padding[2 * i], padding[2 * i] + size) for i, size in enumerate(sizes))


def pad_planes(b, x, padding: tuple, value=0):
    """x with padding[2i] / padding[2i + 1] elements of `value` before / after each spatial axis i."""
    if not any(padding):
        return x
    spatial = x.shape[2:]
    padded = tuple(size + padding[2 * i] + padding[2 * i + 1] for i, size in enumerate(spatial))
    out = b.full((*x.shape[:2], *padded), value, b.ember_dtype(x.dtype), b.device_index(x))
    out[(slice(None), slice(None), *_inner(padding, spatial))] = x
    return out


def windows(b, padded, geometry: Geometry, out_size: tuple):
    """Every window (N, C, *out_size, *kernel) of an already padded array, to be read only: the backend's
    ``sliding_windows`` (a strided view), else one strided slice per kernel offset, stacked."""
    kernel, stride, dilation = geometry.kernel, geometry.stride, geometry.dilation
    native = getattr(b, "sliding_windows", None)
    if native is not None:
        return native(padded, out_size, kernel, stride, dilation)
    slices = [
        b.getitem(padded, (slice(None), slice(None), *_offset_slices(offset, geometry, out_size)))
        for offset in itertools.product(*(range(k) for k in kernel))
    ]
    stacked = b.stack(slices, axis=-1)
    return b.reshape(stacked, (*stacked.shape[:-1], *kernel))


def _offset_slices(offset: tuple, geometry: Geometry, out_size: tuple) -> tuple:
    """The slices of the spatial axes that kernel offset `offset` reads in every window."""
    return tuple(
        slice(j * dil, j * dil + s * (o - 1) + 1, s)
        for j, dil, s, o in zip(offset, geometry.dilation, geometry.stride, out_size)
    )


def columns(b, x, geometry: Geometry, out_size: tuple, groups: int):
    """im2col: (N, groups, C/groups * prod(kernel), prod(out_size)), a contiguous copy ready for matmul."""
    view = windows(b, pad_planes(b, x, geometry.padding), geometry, out_size)
    n, c = x.shape[:2]
    d = len(out_size)
    order = (0, 1, *range(2 + d, 2 + 2 * d), *range(2, 2 + d))
    return b.reshape(b.permute(view, order), (n, groups, (c // groups) * math.prod(geometry.kernel), -1))


def scatter_columns(b, cols, padded_shape: tuple, geometry: Geometry, crop: tuple):
    """col2im, the adjoint of `windows`: add each window's values (N, C, *kernel, *out) back into place.

    Loops over the kernel offsets (each a strided slice add), then crops `crop` (as padding) away.
    """
    d = len(geometry.kernel)
    out_size = cols.shape[2 + d :]
    out = b.zeros(padded_shape, b.ember_dtype(cols.dtype), b.device_index(cols))
    lead = (slice(None), slice(None))
    for offset in itertools.product(*(range(k) for k in geometry.kernel)):
        out[lead + _offset_slices(offset, geometry, out_size)] += cols[(*lead, *offset, ...)]
    if not any(crop):
        return out
    sizes = tuple(size - crop[2 * i] - crop[2 * i + 1] for i, size in enumerate(padded_shape[2:]))
    return b.ascontiguous(out[lead + _inner(crop, sizes)])
