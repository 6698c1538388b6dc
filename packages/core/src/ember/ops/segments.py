"""segment_reduce: a reduction over each run of consecutive rows, as torch.segment_reduce.

The segments are labelled (segment i for each of its rows) and reduced with scatter_reduce, whose
gradient rule serves here too; a product is the product of each segment's slice (scatter_reduce has
no product gradient). An empty segment gets `initial`, or the reduction's identity (0, 1, -inf,
inf, and nan for a mean).
"""

from __future__ import annotations

import math

from .._creation import arange, full
from .._tensor import Tensor, _wrap_dim
from ._declare import export
from .shape import stack

_REDUCTIONS = {
    "sum": "sum",
    "prod": "prod",
    "mean": "mean",
    "max": "amax",
    "amax": "amax",
    "min": "amin",
    "amin": "amin",
}
_EMPTY = {"sum": 0.0, "prod": 1.0, "mean": math.nan, "amax": -math.inf, "amin": math.inf}


@export(method=False)
def segment_reduce(
    data: Tensor,
    reduce: str,
    *,
    lengths: Tensor | None = None,
    indices: Tensor | None = None,
    offsets: Tensor | None = None,
    axis: int = 0,
    unsafe: bool = False,
    initial=None,
) -> Tensor:
    """Reduce each segment of consecutive rows (of the given lengths, or between offsets) along dim 0."""
    if reduce not in _REDUCTIONS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    reduce = _REDUCTIONS[reduce]
    if lengths is None and offsets is None:
        raise RuntimeError("segment_reduce(): Either lengths or offsets must be defined.")
    if lengths is None:
        lengths = offsets[..., 1:] - offsets[..., :-1]
    if _wrap_dim(axis, data.ndim) != lengths.ndim - 1:
        raise RuntimeError(f"segment_reduce(): Expected axis to be the last dimension of lengths but got {axis}.")
    if lengths.ndim != 1:
        raise NotImplementedError("ember's segment_reduce takes 1-D lengths or offsets (segments along dim 0)")
    if not unsafe and int(lengths.sum().item()) != data.shape[0]:
        raise RuntimeError(
            "segment_reduce(): Expected all rows of lengths along axis to sum to data.size(lengths.dim()-1) when "
            "!unsafe."
        )
    segments = lengths.shape[0]
    if reduce == "prod":
        return _product(data, [int(n) for n in lengths.tolist()], 1.0 if initial is None else initial)
    labels = arange(segments, device=data.device).repeat_interleave(lengths.long())
    index = labels.reshape((-1,) + (1,) * (data.ndim - 1)).expand(data.shape)
    shape = (segments, *data.shape[1:])
    empty = full(shape, _EMPTY[reduce], dtype=data.dtype, device=data.device)
    if initial is None:
        return empty.scatter_reduce(0, index, data, reduce, include_self=False)
    if reduce in ("amax", "amin"):  # NOTE: as torch, a row that ties with `initial` keeps the whole gradient
        reduced = empty.scatter_reduce(0, index, data, reduce, include_self=False)
        return reduced.where(reduced >= initial if reduce == "amax" else reduced <= initial, initial)
    start = full(shape, initial, dtype=data.dtype, device=data.device)
    total = start.scatter_reduce(0, index, data, "sum", include_self=True)
    if reduce == "sum":
        return total
    # NOTE: as torch, a mean with `initial` divides (initial + sum) by the segment's own length
    counts = lengths.to(data.dtype).clamp(min=1).reshape((-1,) + (1,) * (data.ndim - 1))
    return total / counts


def _product(data: Tensor, lengths: list, initial) -> Tensor:
    """Each segment's product along dim 0 (times `initial`), from its slice of the rows."""
    rows, start = [], 0
    for n in lengths:
        if n:
            rows.append(data.narrow(0, start, n).prod(0) * initial)
        else:
            rows.append(full(tuple(data.shape[1:]), initial, dtype=data.dtype, device=data.device))
        start += n
    return stack(rows) if rows else data.new_zeros((0, *data.shape[1:]))
