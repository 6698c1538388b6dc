"""Resizing: interpolate (nearest, nearest-exact, linear, bilinear, bicubic, trilinear, area), pixel shuffle.

Every interpolation mode is separable: along each spatial axis, an output element is a weighted sum of a
few input elements ("taps"), which is the op in `_taps`. This module computes the taps by PyTorch's
rules for source coordinates (float32 arithmetic for the nearest modes, half-pixel centres otherwise).
Mode 'area' is adaptive average pooling.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..._tensor import Tensor
from ._adaptive_pooling import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d
from ._taps import apply_taps, taps_op

_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")
_INTERPOLATING = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}
_CUBIC_A = -0.75


def _source_scale(size: int, out: int, align_corners: bool, scale) -> float:
    """Input positions per output position (PyTorch's area_pixel_compute_scale)."""
    if align_corners:
        return (size - 1) / (out - 1) if out > 1 else 0.0
    return 1.0 / scale if scale is not None and scale > 0 else size / out


def _nearest_taps(size: int, out: int, scale, exact: bool) -> list:
    step = np.float32(1.0 / scale if scale is not None and scale > 0 else size / out)
    positions = np.arange(out, dtype=np.float32) + np.float32(0.5 if exact else 0.0)
    return [(np.minimum(np.floor(positions * step).astype(np.int64), size - 1), None)]


def _linear_taps(size: int, out: int, align_corners: bool, scale) -> list:
    step = _source_scale(size, out, align_corners, scale)
    dst = np.arange(out, dtype=np.float64)
    source = step * dst if align_corners else np.maximum(step * (dst + 0.5) - 0.5, 0.0)
    low = np.minimum(np.floor(source).astype(np.int64), size - 1)
    high = np.minimum(low + 1, size - 1)
    weight = source - low
    return [(low, 1.0 - weight), (high, weight)]


def _cubic_near(x):
    return ((_CUBIC_A + 2) * x - (_CUBIC_A + 3)) * x * x + 1


def _cubic_far(x):
    return ((_CUBIC_A * x - 5 * _CUBIC_A) * x + 8 * _CUBIC_A) * x - 4 * _CUBIC_A


def _cubic_taps(size: int, out: int, align_corners: bool, scale) -> list:
    step = _source_scale(size, out, align_corners, scale)
    dst = np.arange(out, dtype=np.float64)
    source = step * dst if align_corners else step * (dst + 0.5) - 0.5
    start = np.floor(source).astype(np.int64)
    t = source - start
    weights = (_cubic_far(t + 1), _cubic_near(t), _cubic_near(1 - t), _cubic_far(2 - t))
    return [(np.clip(start + k - 1, 0, size - 1), w) for k, w in enumerate(weights)]


def _taps(mode: str, size: int, out: int, align_corners: bool, scale) -> list:
    if mode in ("nearest", "nearest-exact"):
        return _nearest_taps(size, out, scale, mode == "nearest-exact")
    if mode == "bicubic":
        return _cubic_taps(size, out, align_corners, scale)
    return _linear_taps(size, out, align_corners, scale)


def _triangle(x):
    return np.maximum(1.0 - np.abs(x), 0.0)


def _keys_cubic(x, a: float = -0.5):
    x = np.abs(x)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return np.where(x < 1, near, np.where(x < 2, far, 0.0))


def _antialiased_taps(mode: str, size: int, out: int, align_corners: bool, scale) -> list:
    """Taps of PyTorch's antialiased resize: the filter stretched by the downscale factor, weights summing to one."""
    step = _source_scale(size, out, align_corners, scale)
    half_width = 1.0 if mode == "bilinear" else 2.0
    support, stretch = (half_width * step, 1.0 / step) if step >= 1.0 else (half_width, 1.0)
    center = step * (np.arange(out) + 0.5)
    first = np.maximum(np.trunc(center - support + 0.5).astype(np.int64), 0)
    count = np.minimum(np.trunc(center + support + 0.5).astype(np.int64), size) - first
    offsets = np.arange(int(count.max()))
    inside = offsets < count[:, None]
    filter_ = _triangle if mode == "bilinear" else _keys_cubic
    weights = np.where(inside, filter_((offsets + first[:, None] - center[:, None] + 0.5) * stretch), 0.0)
    totals = weights.sum(1, keepdims=True)
    weights = np.divide(weights, totals, out=np.zeros_like(weights), where=totals != 0)
    index = np.where(inside, first[:, None] + offsets, size)
    return [(index[:, k], weights[:, k]) for k in range(len(offsets))]


def _spatial_list(value, spatial: int, what: str, input: Tensor) -> list:
    if isinstance(value, (tuple, list)):
        if len(value) != spatial:
            if what == "size":
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got input with spatial "
                    f"dimensions of {list(input.shape[2:])} and output size of {list(value)}. Please provide input "
                    "tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format."
                )
            raise ValueError(
                f"Input and scale_factor must have the same number of spatial dimensions, but got input with "
                f"spatial dimensions of {list(input.shape[2:])} and scale_factor of shape {list(value)}. Please "
                "provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format."
            )
        return list(value)
    return [value] * spatial


def _output_sizes(input: Tensor, size, scale_factor, recompute_scale_factor) -> tuple:
    """The output sizes and the scale factors the coordinate mapping uses (None: from the sizes)."""
    spatial = input.ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        return [int(s) for s in _spatial_list(size, spatial, "size", input)], [None] * spatial
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    scales = [float(s) for s in _spatial_list(scale_factor, spatial, "scale_factor", input)]
    sizes = [math.floor(float(n) * s) for n, s in zip(input.shape[2:], scales)]
    return sizes, [None] * spatial if recompute_scale_factor else scales


def interpolate(
    input: Tensor,
    size=None,
    scale_factor=None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resize ``(N, C, *spatial)`` input to ``size`` or by ``scale_factor`` with the given interpolation mode."""
    if mode not in _MODES or input.ndim not in (3, 4, 5):
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for the modes: nearest | "
            f"linear | bilinear | bicubic | trilinear | area | nearest-exact (got {mode})"
        )
    if mode in _INTERPOLATING:
        if input.ndim != _INTERPOLATING[mode]:
            raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs {_INTERPOLATING[mode]}D input")
        align_corners = bool(align_corners)
    elif align_corners is not None:
        raise ValueError(
            "align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear"
        )
    if antialias and (mode not in ("bilinear", "bicubic") or input.ndim != 4):
        raise ValueError(
            "Anti-alias option is restricted to bilinear and bicubic modes and requires a 4-D tensor as input"
        )
    sizes, scales = _output_sizes(input, size, scale_factor, recompute_scale_factor)
    if min(sizes) < 1:
        raise ValueError(f"interpolate: the output sizes {sizes} must be positive (input {list(input.shape)})")
    if mode == "area":
        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[input.ndim - 3](input, tuple(sizes))
    taps = _antialiased_taps if antialias else _taps
    per_axis = {
        2 + i: (taps(mode, n, o, bool(align_corners), s), o)
        for i, (n, o, s) in enumerate(zip(input.shape[2:], sizes, scales))
        if n != o or (mode != "nearest" and s is not None and s != 1.0)
    }
    if not per_axis:
        return input.clone()
    op = _ANTIALIASED[mode] if antialias else _RESIZES[mode, input.ndim - 2]
    return apply_taps(op, input, per_axis)


_NODE_NAMES = {
    "nearest": "UpsampleNearest",
    "nearest-exact": "UpsampleNearestExact",
    "linear": "UpsampleLinear",
    "bilinear": "UpsampleBilinear",
    "bicubic": "UpsampleBicubic",
    "trilinear": "UpsampleTrilinear",
}
_ANTIALIASED = {
    "bilinear": taps_op("upsample_bilinear2d_aa", "UpsampleBilinear2DAaBackward0"),
    "bicubic": taps_op("upsample_bicubic2d_aa", "UpsampleBicubic2DAaBackward0"),
}
_RESIZES = {
    (mode, d): taps_op(f"upsample_{mode.replace('-', '_')}{d}d", f"{name}{d}DBackward0")
    for mode, name in _NODE_NAMES.items()
    for d in (1, 2, 3)
}


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners=None) -> Tensor:
    """Deprecated alias of interpolate (warns, as PyTorch does)."""
    warnings.warn("nn.functional.upsample is deprecated. Use nn.functional.interpolate instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: interpolate with mode='nearest' (warns, as PyTorch does)."""
    warnings.warn("nn.functional.upsample_nearest is deprecated. Use nn.functional.interpolate instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: interpolate with mode='bilinear' and align_corners=True (warns, as PyTorch does)."""
    warnings.warn("nn.functional.upsample_bilinear is deprecated. Use nn.functional.interpolate instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# --- pixel shuffle ----------------------------------------------------------------------------


def _check_pixel_input(name: str, input: Tensor, factor: int, what: str) -> None:
    if input.ndim < 3:
        raise RuntimeError(
            f"{name} expects input to have at least 3 dimensions, but got input with {input.ndim} dimension(s)"
        )
    if factor <= 0:
        raise RuntimeError(f"{name} expects a positive {what}, but got {factor}")


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """``(*, C * r^2, H, W)`` to ``(*, C, H * r, W * r)``: channel blocks become r-by-r pixel blocks."""
    r = int(upscale_factor)
    _check_pixel_input("pixel_shuffle", input, r, "upscale_factor")
    *lead, channels, height, width = input.shape
    if channels % (r * r):
        raise RuntimeError(
            "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor, "
            f"but input.size(-3)={channels} is not divisible by {r * r}"
        )
    k = len(lead)
    blocks = input.reshape(*lead, channels // (r * r), r, r, height, width)
    order = (*range(k), k, k + 3, k + 1, k + 4, k + 2)
    return blocks.permute(order).reshape(*lead, channels // (r * r), height * r, width * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """``(*, C, H * r, W * r)`` to ``(*, C * r^2, H, W)``: the inverse of pixel_shuffle."""
    r = int(downscale_factor)
    _check_pixel_input("pixel_unshuffle", input, r, "downscale_factor")
    *lead, channels, height, width = input.shape
    for axis, n in (("height", height), ("width", width)):
        if n % r:
            raise RuntimeError(
                f"pixel_unshuffle expects {axis} to be divisible by downscale_factor, but input.size("
                f"{-2 if axis == 'height' else -1})={n} is not divisible by {r}"
            )
    k = len(lead)
    blocks = input.reshape(*lead, channels, height // r, r, width // r, r)
    order = (*range(k), k, k + 2, k + 4, k + 1, k + 3)
    return blocks.permute(order).reshape(*lead, channels * r * r, height // r, width // r)
