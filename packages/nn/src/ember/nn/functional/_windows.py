"""Sliding windows over the last two axes of backend arrays: the kernels under convolution and pooling.

Everything here works on raw backend arrays (NumPy-like `xp`), never on Tensors: these are the forward
and backward kernels that the differentiable ops in `_conv` and `_pooling` are declared with. Arrays are
(N, C, H, W); 1-D ops pass (N, C, 1, L).
"""

from __future__ import annotations

import math
from typing import NamedTuple


class Geometry(NamedTuple):
    """How windows tile a plane: kernel, stride, dilation, and padding (top, bottom, left, right)."""

    kernel: tuple
    stride: tuple
    dilation: tuple
    padding: tuple

    def output_size(self, height: int, width: int) -> tuple:
        top, bottom, left, right = self.padding
        return (
            _count(height + top + bottom, self.kernel[0], self.stride[0], self.dilation[0]),
            _count(width + left + right, self.kernel[1], self.stride[1], self.dilation[1]),
        )

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


def pad_planes(b, x, padding: tuple, value=0):
    """x with (top, bottom, left, right) rows/columns of `value` added around each plane."""
    top, bottom, left, right = padding
    if not (top or bottom or left or right):
        return x
    n, c, h, w = x.shape
    out = b.xp.full((n, c, h + top + bottom, w + left + right), value, dtype=x.dtype)
    out[:, :, top : top + h, left : left + w] = x
    return out


def windows(b, padded, geometry: Geometry, out_size: tuple):
    """A read-only strided view (N, C, OH, OW, kh, kw) of every window of an already padded array."""
    kh, kw = geometry.kernel
    sh, sw = geometry.stride
    dh, dw = geometry.dilation
    n, c = padded.shape[:2]
    stride_n, stride_c, stride_h, stride_w = padded.strides
    return b.xp.lib.stride_tricks.as_strided(
        padded,
        (n, c, out_size[0], out_size[1], kh, kw),
        (stride_n, stride_c, stride_h * sh, stride_w * sw, stride_h * dh, stride_w * dw),
        writeable=False,
    )


def columns(b, x, geometry: Geometry, out_size: tuple, groups: int):
    """im2col: (N, groups, C/groups * kh * kw, OH * OW), a contiguous copy ready for matmul."""
    view = windows(b, pad_planes(b, x, geometry.padding), geometry, out_size)
    n, c = x.shape[:2]
    return view.transpose(0, 1, 4, 5, 2, 3).reshape(n, groups, (c // groups) * math.prod(geometry.kernel), -1)


def scatter_columns(b, cols, padded_shape: tuple, geometry: Geometry, crop: tuple):
    """col2im, the adjoint of `windows`: add each window's values (N, C, kh, kw, OH, OW) back into place.

    Loops over the kh * kw kernel offsets (each a strided slice add), then crops the padding.
    """
    n, c, kh, kw, oh, ow = cols.shape
    sh, sw = geometry.stride
    dh, dw = geometry.dilation
    out = b.xp.zeros(padded_shape, dtype=cols.dtype)
    for i in range(kh):
        rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
        for j in range(kw):
            out[:, :, rows, j * dw : j * dw + sw * (ow - 1) + 1 : sw] += cols[:, :, i, j]
    top, bottom, left, right = crop
    if not (top or bottom or left or right):
        return out
    return b.ascontiguous(out[:, :, top : padded_shape[2] - bottom, left : padded_shape[3] - right])
