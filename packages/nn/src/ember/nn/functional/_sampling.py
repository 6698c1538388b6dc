"""Spatial transformers: affine_grid makes sampling grids, grid_sample reads an image at grid points.

Both are compositions of differentiable ember ops (gathers, products, clamps), so gradients flow to
the image and to the grid (and from the grid to theta) with no rule of their own.
"""

from __future__ import annotations

import itertools
import warnings

from ..._tensor import Tensor
from ...ops.elementwise import where
from ...ops.shape import stack

_ALIGN_WARNING = (
    "Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. Please specify "
    "align_corners=True if the old behavior is desired. See the documentation of grid_sample for details."
)


def _align(align_corners) -> bool:
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, UserWarning, stacklevel=3)
        return False
    return bool(align_corners)


def _base_coordinates(like: Tensor, size: int, align_corners: bool) -> Tensor:
    """size points spread over [-1, 1] (corner pixels' centres) or a little inside (their edges)."""
    if size == 1:
        return like.new_zeros(1)
    steps = like.new_tensor([2.0 * i / (size - 1) - 1.0 for i in range(size)])
    return steps if align_corners else steps * ((size - 1) / size)


def affine_grid(theta: Tensor, size, align_corners: bool | None = None) -> Tensor:
    """The sampling grid of a batch of affine maps: (N, H, W, 2) for 2-D sizes, (N, D, H, W, 3) for 3-D."""
    align_corners = _align(align_corners)
    if not theta.dtype.is_floating_point:
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = [int(s) for s in size]
    spatial = len(size) - 2
    if spatial not in (2, 3):
        raise NotImplementedError(
            f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, respectively. Got size {size}."
        )
    if theta.ndim != 3 or tuple(theta.shape[1:]) != (spatial, spatial + 1) or theta.shape[0] != size[0]:
        raise ValueError(
            f"Expected a batch of {spatial}D affine matrices of shape Nx{spatial}x{spatial + 1} for size {size}. "
            f"Got {list(theta.shape)}."
        )
    if min(size[2:]) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if align_corners and min(size[2:]) == 1:
        warnings.warn(
            "Since version 1.3.0, affine_grid behavior has changed for unit-size grids when align_corners=True. "
            "This is not an intended use case of affine_grid. See the documentation of affine_grid for details.",
            UserWarning,
            stacklevel=2,
        )
    # per axis, x (the last, width) first; then a column of ones for the translation
    sizes = size[2:]
    axes = [_base_coordinates(theta, n, align_corners) for n in reversed(sizes)]
    columns = []
    for k, values in enumerate(axes):
        shape = [1] * spatial
        shape[spatial - 1 - k] = sizes[spatial - 1 - k]
        columns.append(values.reshape(shape).expand(*sizes))
    columns.append(theta.new_ones(sizes))
    base = stack(columns, -1).reshape(1, -1, spatial + 1)
    grid = base.matmul(theta.transpose(1, 2))
    return grid.reshape(size[0], *sizes, spatial)


# --- grid_sample ------------------------------------------------------------------------------

_CUBIC_A = -0.75


def _unnormalize(coordinate: Tensor, size: int, align_corners: bool) -> Tensor:
    if align_corners:
        return (coordinate + 1) / 2 * (size - 1)
    return ((coordinate + 1) * size - 1) / 2


def _reflect(coordinate: Tensor, twice_low: int, twice_high: int) -> Tensor:
    """coordinate mirrored at low and high (given doubled, so that half-pixel bounds stay integers)."""
    if twice_low == twice_high:
        return coordinate * 0
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    distance = (coordinate - low).abs()  # NOTE: never negative, so remainder is fmod (and in every backend)
    extra = distance.remainder(span)
    even = (distance / span).floor().detach().remainder(2) == 0
    return where(even, extra + low, span - extra + low)


def _pad(coordinate: Tensor, size: int, padding_mode: str, align_corners: bool) -> Tensor:
    """Where an out-of-range coordinate reads from: itself ('zeros'), the edge, or its mirror image."""
    if padding_mode == "border":
        return coordinate.clamp(0, size - 1)
    if padding_mode == "reflection":
        if align_corners:
            return _reflect(coordinate, 0, 2 * (size - 1))
        return _reflect(coordinate, -1, 2 * size - 1).clamp(0, size - 1)
    return coordinate


def _cubic_weights(t: Tensor) -> list:
    def near(x):
        return ((_CUBIC_A + 2) * x - (_CUBIC_A + 3)) * x * x + 1

    def far(x):
        return ((_CUBIC_A * x - 5 * _CUBIC_A) * x + 8 * _CUBIC_A) * x - 4 * _CUBIC_A

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _axis_taps(coordinate: Tensor, size: int, mode: str, padding_mode: str, align_corners: bool) -> list:
    """[(position, weight or None)] along one axis: the input positions a grid point reads, and how much."""
    source = _unnormalize(coordinate, size, align_corners)
    if mode == "bicubic":
        start = source.floor().detach()
        weights = _cubic_weights(source - start)
        return [(_pad(start + (k - 1), size, padding_mode, align_corners), w) for k, w in enumerate(weights)]
    source = _pad(source, size, padding_mode, align_corners)
    if mode == "nearest":
        return [(source.round().detach(), None)]
    low = source.floor().detach()
    high_weight = source - low
    return [(low, 1 - high_weight), (low + 1, high_weight)]


def grid_sample(
    input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros", align_corners: bool | None = None
) -> Tensor:
    """Sample (N, C, H, W) input at the (x, y) points of an (N, H_out, W_out, 2) grid in [-1, 1] (also 3-D)."""
    align_corners = _align(align_corners)
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(
            f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: '{mode}'"
        )
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(
            "nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or 'reflection', but got: "
            f"'{padding_mode}'"
        )
    spatial = input.ndim - 2
    if spatial not in (2, 3) or grid.ndim != input.ndim or grid.shape[-1] != spatial or grid.shape[0] != input.shape[0]:
        raise RuntimeError(
            "grid_sampler(): expected 4-D input with an (N, H_out, W_out, 2) grid or 5-D input with an (N, D_out, "
            f"H_out, W_out, 3) grid of the same batch size, but got input of shape {list(input.shape)} and grid of "
            f"shape {list(grid.shape)}"
        )
    if mode == "bicubic" and spatial != 2:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if input.dtype is not grid.dtype:
        raise RuntimeError(
            f"grid_sampler(): expected input and grid to have the same dtype, but input has {input.dtype} and grid "
            f"has {grid.dtype}"
        )
    n, channels, *sizes = input.shape
    points = tuple(grid.shape[1:-1])
    # grid[..., 0] is x, along the last axis; grid[..., 1] is y; grid[..., 2] is z
    per_axis = [
        _axis_taps(grid[..., spatial - 1 - a], sizes[a], mode, padding_mode, align_corners) for a in range(spatial)
    ]
    strides = [1] * spatial
    for a in reversed(range(spatial - 1)):
        strides[a] = strides[a + 1] * sizes[a + 1]
    planes = input.reshape(n, channels, -1)
    total = None
    for corner in itertools.product(*per_axis):
        flat, weight, inside = 0, None, None
        for a, (position, w) in enumerate(corner):
            valid = (position >= 0) & (position <= sizes[a] - 1)
            inside = valid if inside is None else inside & valid
            flat = flat + position.clamp(0, sizes[a] - 1).long() * strides[a]
            if w is not None:
                weight = w if weight is None else weight * w
        mask = inside.to(input.dtype)
        weight = mask if weight is None else weight * mask
        index = flat.reshape(n, 1, -1).expand(n, channels, flat[0].numel())
        part = planes.gather(2, index) * weight.reshape(n, 1, -1)
        total = part if total is None else total + part
    return total.reshape(n, channels, *points)
