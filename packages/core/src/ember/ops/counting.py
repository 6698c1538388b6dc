"""Counting: bincount, histc (histograms) and isin (membership). None of them is differentiable."""

from __future__ import annotations

import math

from .. import _dtype as dt
from .._tensor import Tensor
from .._writes import write_out
from ._declare import export
from ._errors import kind_of, not_implemented_for
from ._op import make


@export
def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """Count each non-negative integer of a 1-D tensor (or sum its weights), as int64 (or floating)."""
    x = input._data
    if kind_of(x) not in "iu":
        raise not_implemented_for("bincount_cpu", x)
    b = input._backend
    xp = b.xp
    if x.ndim != 1 or (x.size and int(b.min(x)) < 0):
        raise RuntimeError(
            f"bincount only supports 1-d non-negative integral inputs; got shape {list(input.shape)}"
            + (" with negative values" if x.ndim == 1 else "")
        )
    if minlength < 0:
        raise RuntimeError(f"minlength should be >= 0, but got {minlength}")
    if weights is None:
        return make(b.astype(xp.bincount(x, minlength=minlength), dt.int64), input)
    if weights._data.ndim != 1 or weights._data.shape[0] != x.shape[0]:
        raise RuntimeError(
            "weights should be 1-d and have the same length as input; got weights of shape "
            f"{list(weights.shape)} for input of shape {list(input.shape)}"
        )
    kept = weights.dtype if weights.dtype in (dt.float32, dt.float64) else dt.float64
    counts = xp.bincount(x, weights=b.astype(weights._data, dt.float64), minlength=minlength)
    return make(b.astype(counts, kept), input)


def _histogram_range(input: Tensor, low, high) -> tuple:
    """histc's [low, high]: the data's own range when they are equal, widened by 1 when that is one point."""
    x, b = input._data, input._backend
    if low == high and x.size:
        low, high = float(b.min(x)), float(b.max(x))
    if low == high:
        low, high = low - 1, high + 1
    if not (math.isfinite(low) and math.isfinite(high)):
        raise RuntimeError(f"histc(): range of [{low}, {high}] is not finite; pass finite min and max")
    return low, high


@export
def histc(input: Tensor, bins: int = 100, min=0, max=0, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Histogram of `bins` equal-width bins between min and max (the data's range when they are equal)."""
    x = input._data
    if kind_of(x) != "f":
        raise not_implemented_for("histogram_cpu", x)
    if isinstance(bins, bool) or not isinstance(bins, int):
        raise TypeError(f"histc(): argument 'bins' must be int, not {type(bins).__name__}")
    if bins <= 0:
        raise RuntimeError(f"histc(): bins must be > 0, but got {bins}")
    if max < min:
        raise RuntimeError(f"histc(): max must be larger than min; got min={min}, max={max}")
    low, high = _histogram_range(input, min, max)
    b = input._backend
    flat = b.reshape(x, (-1,))
    inside = b.getitem(flat, b.logical_and(b.greater_equal(flat, low), b.less_equal(flat, high)))
    kind, index = input.dtype, b.device_index(x)
    low, high = b.full((), low, kind, index), b.full((), high, kind, index)  # NOTE: the arithmetic is in x's dtype
    scaled = b.true_divide(b.multiply(b.subtract(inside, low), b.full((), bins, kind, index)), b.subtract(high, low))
    position = b.minimum(b.astype(scaled, dt.int64), bins - 1)  # NOTE: the top edge belongs to the last bin
    counts = make(b.astype(b.xp.bincount(position, minlength=bins), kind), input)
    return counts if out is None else write_out(out, counts)


def _values_of(value, like: Tensor):
    if isinstance(value, Tensor):
        return value._data
    return like._backend.xp.asarray(value)


@export(method=False)
def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """True where an element of `elements` is in `test_elements` (either may be a number)."""
    like = elements if isinstance(elements, Tensor) else test_elements
    if not isinstance(like, Tensor):
        raise TypeError("isin(): expected elements or test_elements to be a Tensor, but got two numbers")
    xp = like._backend.xp
    found = xp.isin(_values_of(elements, like), _values_of(test_elements, like), invert=invert)
    return make(found, like)
