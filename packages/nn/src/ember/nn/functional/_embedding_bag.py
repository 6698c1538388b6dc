"""embedding_bag: sums, means or maxima of bags of embedding rows, composed from embedding and indexing."""

from __future__ import annotations

import numpy as np

from ..._tensor import Tensor
from ...autograd import no_grad
from ...ops._op import make
from ...ops.shape import cat
from ._misc import embedding

_MODES = ("sum", "mean", "max")


def _bag_layout(input: Tensor, offsets: Tensor | None, include_last_offset: bool) -> tuple:
    """(flat indices as a NumPy array, the bag of each index, the number of bags)."""
    indices = np.asarray(input.tolist(), dtype=np.int64)
    if indices.ndim == 2:
        if offsets is not None:
            raise ValueError(
                "if input is 2D, then offsets has to be None, as input is treated is a mini-batch of fixed length "
                "sequences. However, found offsets of type Tensor"
            )
        bags, length = indices.shape
        return indices.reshape(-1), np.repeat(np.arange(bags), length), bags
    if indices.ndim != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {indices.ndim}")
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    starts = np.asarray(offsets.tolist(), dtype=np.int64)
    if starts.ndim != 1:
        raise ValueError("offsets has to be a 1D Tensor")
    if starts.size and starts[0] != 0:
        raise RuntimeError(
            "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from position 0. "
            f"However, got {starts[0]}"
        )
    if starts.size and (np.any(np.diff(starts) < 0) or starts[-1] > indices.size):
        raise RuntimeError(f"offsets must be non-decreasing and at most the input length {indices.size}, got {starts}")
    if include_last_offset:
        starts = starts[:-1]
    bags = starts.size
    return indices, np.searchsorted(starts, np.arange(indices.size), side="right") - 1, bags


def embedding_bag(
    input: Tensor,
    weight: Tensor,
    offsets: Tensor | None = None,
    max_norm: float | None = None,
    norm_type: float = 2,
    scale_grad_by_freq: bool = False,
    mode: str = "mean",
    sparse: bool = False,
    per_sample_weights: Tensor | None = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> Tensor:
    """One row per bag: the sum, mean or max of the weight rows its indices pick (padding_idx left out)."""
    if mode not in _MODES:
        raise ValueError("mode has to be one of sum, mean or max")
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(
                "embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for "
                f"mode='sum' (got mode='{mode}'). Please open a feature request on GitHub."
            )
        if per_sample_weights.shape != input.shape:
            raise ValueError(
                f"embedding_bag: If per_sample_weights ({list(per_sample_weights.shape)}) is not None, then it must "
                f"have the same shape as the input ({list(input.shape)})"
            )
    rows = weight.shape[0]
    if padding_idx is not None:
        if not -rows <= padding_idx < rows:
            raise AssertionError("padding_idx must be within the number of embeddings")
        padding_idx %= rows
    indices, bag_of, bags = _bag_layout(input, offsets, include_last_offset)
    kept = np.ones(indices.size, dtype=bool) if padding_idx is None else indices != padding_idx
    counts = np.bincount(bag_of[kept], minlength=bags)[:bags]
    gathered = embedding(input.reshape(-1), weight, padding_idx, max_norm, norm_type, scale_grad_by_freq)
    if per_sample_weights is not None:
        gathered = gathered * per_sample_weights.reshape(-1, 1)
    return _reduce_bags(gathered, bag_of, kept, counts, mode)


def _reduce_bags(gathered: Tensor, bag_of, kept, counts, mode: str) -> Tensor:
    """Lay the kept rows out as (bags, longest bag, D), gaps filled by a constant row, and reduce each bag."""
    bags, width = counts.size, gathered.shape[1]
    longest = max(int(counts.max(initial=0)), 1)
    filler_row = gathered.shape[0]
    layout = np.full((bags, longest), filler_row, dtype=np.int64)
    kept_positions = np.flatnonzero(kept)
    kept_bags = bag_of[kept_positions]
    slot = np.arange(kept_positions.size) - np.searchsorted(kept_bags, kept_bags)
    layout[kept_bags, slot] = kept_positions
    with no_grad():
        filler = gathered.new_full((1, width), float("-inf") if mode == "max" else 0.0)
        layout_t = make(gathered._backend.xp.asarray(layout.reshape(-1)), gathered)
        has_rows = make(gathered._backend.xp.asarray(counts > 0), gathered).unsqueeze(1)
        divisor = make(gathered._backend.xp.asarray(np.maximum(counts, 1)), gathered).to(gathered.dtype).unsqueeze(1)
    dense = cat([gathered, filler]).index_select(0, layout_t).reshape(bags, longest, width)
    if mode == "max":
        return dense.amax(1).where(has_rows, 0.0)
    total = dense.sum(1)
    return total / divisor if mode == "mean" else total
