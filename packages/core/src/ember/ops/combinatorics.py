"""Combinatorics and structured matrices: cartesian_prod, combinations, block_diag, vander,
tril_indices, triu_indices. The ones of tensors pick or place elements with differentiable
ops, so gradients flow back to the elements they used.
"""

from __future__ import annotations

import itertools

from .. import _dtype as dt
from .._creation import _place
from .._tensor import Tensor, wrap
from ._declare import export
from .elementwise import result_type_of
from .shape import cat, meshgrid, stack


def _require_vector(input: Tensor) -> None:
    if input._data.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")


@export(method=False)
def cartesian_prod(*tensors: Tensor) -> Tensor:
    """Every combination of one element from each 1-D tensor, one per row (itertools.product's order)."""
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList; pass at least one 1-D tensor")
    for t in tensors:
        _require_vector(t)
    if len(tensors) == 1:
        return tensors[0]
    if len({t.dtype for t in tensors}) > 1:
        raise RuntimeError(
            f"meshgrid expects all tensors to have the same dtype; got {[str(t.dtype) for t in tensors]}. "
            "Convert them to one dtype first"
        )
    return stack([grid.reshape(-1) for grid in meshgrid(*tensors, indexing="ij")], dim=1)


@export(method=False)
def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """The length-r combinations of a 1-D tensor's elements, one per row (itertools.combinations' order)."""
    _require_vector(input)
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return input.new_empty((0,))
    choose = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    picks = list(choose(range(input.shape[0]), r))
    if not picks:
        return input.new_empty((0, r))
    return input[input.new_tensor(picks, dtype=dt.int64)]


def _as_matrix(t: Tensor) -> Tensor:
    return t.reshape(1, -1) if t._data.ndim < 2 else t


@export(method=False)
def block_diag(*tensors: Tensor) -> Tensor:
    """The tensors (as matrices) along the diagonal of one matrix, zeros elsewhere."""
    for i, t in enumerate(tensors):
        if t._data.ndim > 2:
            raise RuntimeError(
                f"block_diag(): Input tensors must have 2 or fewer dimensions. Input {i} has {t._data.ndim} dimensions"
            )
    if not tensors:
        from .._creation import empty

        return empty((1, 0))
    dtype = result_type_of(*tensors) if len(tensors) > 1 else tensors[0].dtype
    blocks = [_as_matrix(t).to(dtype) for t in tensors]
    width = sum(b.shape[1] for b in blocks)
    rows, left = [], 0
    for block in blocks:
        height, columns = block.shape
        before = block.new_zeros((height, left))
        after = block.new_zeros((height, width - left - columns))
        rows.append(cat([before, block, after], dim=1))
        left += columns
    return cat(rows, dim=0)


@export(method=False)
def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:  # noqa: N803
    """Vandermonde matrix: columns are powers of x, decreasing from N - 1 (increasing with increasing=True)."""
    if x._data.ndim != 1:
        raise RuntimeError(f"x must be a one-dimensional tensor; got shape {list(x.shape)}")
    count = x.shape[0] if N is None else N
    if count < 0:
        raise RuntimeError(f"N must be non-negative; got {count}")
    dtype = x.dtype if x.dtype.is_floating_point else dt.int64
    if count == 0:
        return x.new_empty((x.shape[0], 0), dtype=dtype)
    ones = x.new_ones((x.shape[0], 1), dtype=dtype)
    powers = x.to(dtype).unsqueeze(1).expand(x.shape[0], count - 1).cumprod(1)
    result = cat([ones, powers], dim=1)
    return result if increasing else result.flip(1)


def _triangle_indices(name: str, row: int, col: int, offset: int, dtype, device, lower: bool) -> Tensor:
    for word, n in (("row", row), ("col", col)):
        if n < 0:
            raise RuntimeError(f"{word} must be non-negative, got {n}")
    dtype = dt.as_dtype(dtype)
    if dtype not in (dt.int32, dt.int64):
        raise NotImplementedError(
            f"\"{name}\" not implemented for '{dt.scalar_type_name(dtype)}'; use dtype=ember.long or ember.int32"
        )
    device, backend = _place(device)
    xp = backend.xp
    rows, columns = (xp.tril_indices if lower else xp.triu_indices)(row, offset, col)
    data = backend.asarray(backend.astype(xp.stack([rows, columns]), dtype), dtype, device.index)
    return wrap(data, backend, dtype, device)


@export(method=False)
def tril_indices(row: int, col: int, offset: int = 0, *, dtype=dt.int64, device=None, layout=None) -> Tensor:
    """The (row, column) indices of the lower triangle of a row x col matrix, as a 2 x N tensor."""
    return _triangle_indices("tril_indices", row, col, offset, dtype, device, lower=True)


@export(method=False)
def triu_indices(row: int, col: int, offset: int = 0, *, dtype=dt.int64, device=None, layout=None) -> Tensor:
    """The (row, column) indices of the upper triangle of a row x col matrix, as a 2 x N tensor."""
    return _triangle_indices("triu_indices", row, col, offset, dtype, device, lower=False)
