"""unfold (im2col) and fold (col2im): sliding blocks as columns and back, two ops that are each other's gradient."""

from __future__ import annotations

import math

from ..._tensor import Tensor
from ...ops._op import Op, call
from ._utils import as_tuple
from ._windows import Geometry, columns, scatter_columns


def _im2col(b, x, *, geometry: Geometry, sizes: tuple):
    out_size = geometry.output_size(*sizes)
    return b.reshape(columns(b, x, geometry, out_size, 1), (x.shape[0], -1, math.prod(out_size)))


def _col2im(b, cols, *, geometry: Geometry, sizes: tuple):
    n = cols.shape[0]
    channels = cols.shape[1] // math.prod(geometry.kernel)
    out_size = geometry.output_size(*sizes)
    blocks = b.reshape(cols, (n, channels, *geometry.kernel, *out_size))
    return scatter_columns(b, blocks, (n, channels, *geometry.padded_size(sizes)), geometry, geometry.padding)


IM2COL = Op("im2col", _im2col, lambda m, ctx, g: (m.run(COL2IM, g, **ctx.attrs),), node="Im2ColBackward0")
COL2IM = Op("col2im", _col2im, lambda m, ctx, g: (m.run(IM2COL, g, **ctx.attrs),), node="Col2ImBackward0")


def _geometry(kernel_size, dilation, padding, stride) -> Geometry:
    kernel = as_tuple(kernel_size, 2, "kernel_size")
    dilation, stride = as_tuple(dilation, 2, "dilation"), as_tuple(stride, 2, "stride")
    padding = as_tuple(padding, 2, "padding")
    if min(kernel) < 1 or min(dilation) < 1 or min(stride) < 1 or min(padding) < 0:
        raise RuntimeError(
            f"kernel_size, dilation and stride should be greater than zero and padding non-negative, but got "
            f"kernel_size={kernel}, dilation={dilation}, padding={padding}, stride={stride}"
        )
    return Geometry(kernel, stride, dilation, tuple(p for p in padding for _ in range(2)))


def _with_batch_dim(input: Tensor, batched_ndim: int, unsupported: str) -> tuple[Tensor, bool]:
    """input with a leading batch dim, and whether it came with one; `unsupported` (formatted with ndim) otherwise."""
    if input.ndim not in (batched_ndim - 1, batched_ndim):
        raise NotImplementedError(unsupported.format(input.ndim))
    batched = input.ndim == batched_ndim
    return (input if batched else input.unsqueeze(0)), batched


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sliding blocks of ``(N, C, H, W)`` input as columns: ``(N, C * prod(kernel_size), number of blocks)``."""
    x, batched = _with_batch_dim(
        input,
        4,
        "Input Error: Only 3D or 4D input Tensors are supported (got {}D); unfold works on (N, C, H, W) or (C, H, W) "
        "input",
    )
    geometry = _geometry(kernel_size, dilation, padding, stride)
    sizes = tuple(x.shape[2:])
    if min(geometry.output_size(*sizes)) < 1:
        raise RuntimeError(
            f"unfold: Given input with spatial size {sizes}, kernel_size={geometry.kernel}, "
            f"dilation={geometry.dilation}, padding={geometry.padding[::2]}, calculated shape of the array of "
            f"sliding blocks as {geometry.output_size(*sizes)}, but its components must be at least one."
        )
    out = call(IM2COL, (x,), (x._data,), x, {"geometry": geometry, "sizes": sizes})
    return out if batched else out.squeeze(0)


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Columns of sliding blocks ``(N, C * prod(kernel_size), L)`` summed into an ``(N, C, *output_size)`` image."""
    x, batched = _with_batch_dim(
        input,
        3,
        "Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported (got {}D); fold works on "
        "(N, C * prod(kernel_size), L) input",
    )
    geometry = _geometry(kernel_size, dilation, padding, stride)
    sizes = as_tuple(output_size, 2, "output_size")
    block = math.prod(geometry.kernel)
    if x.shape[1] % block:
        raise RuntimeError(
            "Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got "
            f"input.size(1)={x.shape[1]} and kernel_size={geometry.kernel}"
        )
    blocks = geometry.output_size(*sizes)
    if min(blocks) < 1 or math.prod(blocks) != x.shape[2]:
        raise RuntimeError(
            f"Given output_size={sizes}, kernel_size={geometry.kernel}, dilation={geometry.dilation}, "
            f"padding={geometry.padding[::2]}, stride={geometry.stride}, expected size of input's dimension 2 to "
            f"match the calculated number of sliding blocks {blocks[0]} * {blocks[1]} = {math.prod(blocks)}, but "
            f"got input.size(2)={x.shape[2]}."
        )
    out = call(COL2IM, (x,), (x._data,), x, {"geometry": geometry, "sizes": sizes})
    return out if batched else out.squeeze(0)
