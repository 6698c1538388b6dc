"""Sorting and searching: sort, argsort, topk, kthvalue, median, mode, searchsorted, bucketize, unique.

Orders are stable: equal elements keep their input order (descending too), and NaN sorts
above every number, as in PyTorch. The selecting ops take their values along the indices
they found, so each gradient flows back to the element it picked (reductions' pick rule).
"""

from __future__ import annotations

from .. import _dtype as dt
from .._tensor import Tensor, _wrap_dim
from .._writes import write_out
from ._declare import export
from ._errors import kind_of, unordered
from ._op import Op, call, make
from .reductions import _grad_even, _grad_pick, _pick_kernel, _require_nonempty
from .return_types import ReturnTuple

SORT = Op("sort", _pick_kernel, _grad_pick, node="SortBackward0")
TOPK = Op("topk", _pick_kernel, _grad_pick, node="TopkBackward0")
KTHVALUE = Op("kthvalue", _pick_kernel, _grad_pick, node="KthvalueBackward0")
MEDIAN_DIM = Op("median", _pick_kernel, _grad_pick, node="MedianBackward1")
MODE = Op("mode", _pick_kernel, _grad_pick, node="ModeBackward0")


def _lower_median_kernel(b, x, *, axis, keepdims):
    """The lower median of all of x, NaN when x holds a NaN or nothing."""
    xp = b.xp
    flat = xp.sort(xp.reshape(x, (-1,)))
    if flat.size == 0 or (kind_of(flat) == "f" and xp.isnan(flat[-1])):
        return xp.asarray(float("nan"), dtype=x.dtype)
    return flat[(flat.size - 1) // 2]


MEDIAN_ALL = Op("median", _lower_median_kernel, _grad_even, node="MedianBackward0", saves=(0,), saves_output=True)


# --- orders ------------------------------------------------------------------------------


def _argsort(xp, x, axis: int):
    # NOTE: NumPy sorts stably only when asked; CuPy's one sort is stable and takes no `kind`
    return xp.argsort(x, axis=axis, kind="stable") if xp.__name__ == "numpy" else xp.argsort(x, axis=axis)


def _stable_order(input: Tensor, axis: int, descending: bool):
    """Indices (int64 array) that sort input along axis; equal elements keep their order either way."""
    b = input._backend
    xp = b.xp
    x = input._data
    if not descending:
        return b.astype(_argsort(xp, x, axis), dt.int64)
    reversed_order = xp.flip(_argsort(xp, xp.flip(x, axis=axis), axis), axis=axis)
    return b.astype(x.shape[axis] - 1 - reversed_order, dt.int64)


def _span(axis: int, start: int, stop: int) -> tuple:
    """The key of positions start:stop along axis."""
    return (slice(None),) * axis + (slice(start, stop), Ellipsis)


def _pick(op: Op, input: Tensor, axis: int, index: Tensor, keepdim: bool) -> Tensor:
    return call(op, (input,), (input._data,), input, {"axis": (axis,), "keepdims": keepdim, "index": index})


def _selected(kind: str, op: Op, input: Tensor, axis: int, index, keepdim: bool) -> ReturnTuple:
    """(values, indices) of a selection along axis by `index` (an int64 array of kept shape)."""
    index = make(index, input)
    values = _pick(op, input, axis, index, keepdim)
    return ReturnTuple(kind, values, index if keepdim else index.squeeze(axis))


def _scalar_result(kind: str, input: Tensor) -> ReturnTuple:
    """A 0-d input selects itself, at index 0."""
    return ReturnTuple(kind, input.clone(), input.new_zeros((), dtype=dt.int64))


def _written(result: ReturnTuple, out) -> ReturnTuple:
    if out is None:
        return result
    values, indices = out
    return ReturnTuple(type(result).__name__, write_out(values, result[0]), write_out(indices, result[1]))


# --- sort, argsort, topk -----------------------------------------------------------------


def _refuse_complex(name: str, input: Tensor) -> None:
    if input.dtype.is_complex:
        raise RuntimeError(f"{name} does not support complex dtypes: complex numbers have no order")


@export
def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False, out=None) -> ReturnTuple:
    """(values, indices) sorted along `dim`; always stable (PyTorch leaves ties unordered when stable=False)."""
    _refuse_complex("Sort", input)
    axis = _wrap_dim(dim, input._data.ndim)
    if input._data.ndim == 0:
        return _written(_scalar_result("sort", input), out)
    index = make(_stable_order(input, axis, descending), input)
    return _written(ReturnTuple("sort", _pick(SORT, input, axis, index, True), index), out)


@export
def argsort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:
    """The indices that sort `input` along `dim` (int64); stable."""
    _refuse_complex("Sort", input)
    axis = _wrap_dim(dim, input._data.ndim)
    if input._data.ndim == 0:
        return input.new_zeros((), dtype=dt.int64)
    return make(_stable_order(input, axis, descending), input)


@export
def topk(
    input: Tensor, k: int, dim: int | None = None, largest: bool = True, sorted: bool = True, *, out=None
) -> ReturnTuple:
    """The k largest (or smallest) elements along `dim` (the last by default) and their indices, in order."""
    axis = _wrap_dim(-1 if dim is None else dim, input._data.ndim)
    _refuse_complex("topk", input)
    if input.dtype is dt.bool_:
        raise RuntimeError("topk does not support bool dtypes on CPU; convert first, e.g. t.int().topk(k)")
    size = input._data.shape[axis] if input._data.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError(
            f"selected index k out of range: topk() got k={k} for dimension {axis} of size {size}; "
            f"k must be in [0, {size}]"
        )
    if input._data.ndim == 0:
        return _written(_scalar_result("topk", input), out)  # NOTE: as in PyTorch, also for k=0
    order = _stable_order(input, axis, largest)[_span(axis, 0, k)]
    index = make(order, input)
    return _written(ReturnTuple("topk", _pick(TOPK, input, axis, index, True), index), out)


# --- kthvalue, median, mode --------------------------------------------------------------


@export
def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False, *, out=None) -> ReturnTuple:
    """The k-th smallest element (k counts from 1) along `dim` and its index."""
    if input.dtype.is_complex:
        raise unordered("kthvalue_cpu", input)
    axis = _wrap_dim(dim, input._data.ndim)
    size = input._data.shape[axis] if input._data.ndim else 1
    if not 1 <= k <= size:
        raise RuntimeError(
            f"kthvalue(): selected number k out of range for dimension {axis}: got k={k}, "
            f"the dimension has size {size}; k must be in [1, {size}]"
        )
    if input._data.ndim == 0:
        return _written(_scalar_result("kthvalue", input), out)
    order = _stable_order(input, axis, False)[_span(axis, k - 1, k)]
    return _written(_selected("kthvalue", KTHVALUE, input, axis, order, keepdim), out)


@export
def median(input: Tensor, dim: int | None = None, keepdim: bool = False, *, out=None):
    """The lower median: of all elements (a tensor; ties share the gradient), or (values, indices) along `dim`.

    A NaN makes the median NaN (its index is the first NaN's); `nanmedian` skips NaNs.
    """
    if input.dtype.is_complex:
        raise unordered("median_cpu", input)
    if dim is None:
        if keepdim:
            raise TypeError('median() missing 1 required positional arguments: "dim"')
        result = call(MEDIAN_ALL, (input,), (input._data,), input, {"axis": None, "keepdims": False})
        return result if out is None else write_out(out, result)
    axis = _wrap_dim(dim, input._data.ndim)
    if input._data.ndim == 0:
        return _written(_scalar_result("median", input), out)
    _require_nonempty("median", input, (axis,))
    xp = input._backend.xp
    order = _stable_order(input, axis, False)
    size = input._data.shape[axis]
    position = xp.full(_kept(input, axis), (size - 1) // 2, dtype=input._backend.native_dtype(dt.int64))
    if input.dtype.is_floating_point:
        nans = xp.sum(xp.isnan(input._data), axis=axis, keepdims=True)
        position = xp.where(nans > 0, size - nans, position)  # NOTE: NaNs sort last; the first one is picked
    index = xp.take_along_axis(order, position, axis)
    return _written(_selected("median", MEDIAN_DIM, input, axis, index, keepdim), out)


def _kept(input: Tensor, axis: int) -> tuple:
    return tuple(1 if i == axis else n for i, n in enumerate(input._data.shape))


def _mode_index(input: Tensor, axis: int):
    """For each slice along axis: the index of the last occurrence of its most frequent value (smallest on ties)."""
    b = input._backend
    xp = b.xp
    order = _stable_order(input, axis, False)
    ordered = xp.moveaxis(xp.take_along_axis(input._data, order, axis), axis, -1)
    order = xp.moveaxis(order, axis, -1)
    size = ordered.shape[-1]
    positions = b.arange(0, size, 1, dt.int64, b.device_index(ordered))
    changes = b.not_equal(ordered[..., 1:], ordered[..., :-1])
    edge = b.full(ordered.shape[:-1] + (1,), True, dt.bool_, b.device_index(ordered))
    starts = xp.concatenate([edge, changes], axis=-1)
    ends = xp.concatenate([changes, edge], axis=-1)
    run_start = xp.maximum.accumulate(xp.where(starts, positions, 0), axis=-1)
    run_end = xp.flip(xp.minimum.accumulate(xp.flip(xp.where(ends, positions, size), axis=-1), axis=-1), axis=-1)
    # NOTE: argmax takes the first longest run, the smallest value; its end holds the value's last index
    best = xp.argmax(run_end - run_start, axis=-1)[..., None]
    last = xp.take_along_axis(run_end, best, -1)
    return xp.moveaxis(xp.take_along_axis(order, last, -1), -1, axis)


@export
def mode(input: Tensor, dim: int = -1, keepdim: bool = False, *, out=None) -> ReturnTuple:
    """The most frequent value along `dim` (the smallest among equally frequent ones) and its last index."""
    axis = _wrap_dim(dim, input._data.ndim)
    if input._data.ndim == 0:
        return _written(_scalar_result("mode", input), out)
    _require_nonempty("mode", input, (axis,))
    return _written(_selected("mode", MODE, input, axis, _mode_index(input, axis), keepdim), out)


# --- searchsorted, bucketize ---------------------------------------------------------------


def _side(right: bool, side: str | None) -> str:
    if side is None:
        return "right" if right else "left"
    if side not in ("left", "right"):
        raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
    if right and side == "left":
        raise RuntimeError(
            "torch.searchsorted(): side and right can't be set to opposites, got side of left while right "
            "was True; pass only one of them"
        )
    return side


def _positions(boundaries: Tensor, values, side: str, out_int32: bool, out) -> Tensor:
    """Insertion points of values into each row of boundaries (sorted along its last dim)."""
    xp = boundaries._backend.xp
    scalar = not isinstance(values, Tensor)
    found = xp.asarray(values) if scalar else values._data
    rows = boundaries._data
    if rows.ndim > 1 and (scalar or rows.shape[:-1] != found.shape[:-1]):
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions of "
            f"boundaries tensor and input value tensor must match, but we got boundaries tensor "
            f"{list(rows.shape)} and input value tensor {list(found.shape)}"
        )
    if rows.ndim == 1:
        result = xp.searchsorted(rows, found, side=side)
    else:
        flat_rows = rows.reshape(-1, rows.shape[-1])
        flat_values = found.reshape(-1, found.shape[-1])
        result = xp.stack([xp.searchsorted(r, v, side=side) for r, v in zip(flat_rows, flat_values)])
        result = result.reshape(found.shape)
    native = boundaries._backend.native_dtype(dt.int32 if out_int32 else dt.int64)
    result = make(xp.asarray(result, dtype=native), boundaries)
    return result if out is None else write_out(out, result)


@export(method=False)
def searchsorted(
    sorted_sequence: Tensor,
    input,
    *,
    out_int32: bool = False,
    right: bool = False,
    side: str | None = None,
    out: Tensor | None = None,
    sorter: Tensor | None = None,
) -> Tensor:
    """Where each value of `input` would go in `sorted_sequence` (sorted along its last dim) to keep it sorted."""
    side = _side(right, side)
    if sorted_sequence.ndim == 0:
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 dimension"
        )
    if sorter is not None:
        if sorter.shape != sorted_sequence.shape:
            raise RuntimeError(
                "torch.searchsorted(): boundary and sorter must have the same size, but got boundary tensor "
                f"{list(sorted_sequence.shape)} and got sorter tensor {list(sorter.shape)}"
            )
        sorted_sequence = sorted_sequence.detach().gather(-1, sorter)
    return _positions(sorted_sequence, input, side, out_int32, out)


@export(method=False)
def bucketize(
    input, boundaries: Tensor, *, out_int32: bool = False, right: bool = False, out: Tensor | None = None
) -> Tensor:
    """The bucket of each element of `input` among 1-D ascending `boundaries` (right=True: b[i-1] <= x < b[i])."""
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return _positions(boundaries, input, "right" if right else "left", out_int32, out)


# --- unique --------------------------------------------------------------------------------


@export
def unique(
    input: Tensor,
    sorted: bool = True,
    return_inverse: bool = False,
    return_counts: bool = False,
    dim: int | None = None,
):
    """The distinct elements, ascending (also when sorted=False), with the inverse map and counts if asked.

    With `dim`, the distinct slices along it. Each NaN counts as distinct, as in PyTorch.
    """
    xp = input._backend.xp
    data = input._data
    if dim is None:
        values, inverse, counts = xp.unique(data.reshape(-1), return_inverse=True, return_counts=True, equal_nan=False)
        inverse = inverse.reshape(data.shape)
    else:
        axis = _wrap_dim(dim, data.ndim)
        values, inverse, counts = xp.unique(data, return_inverse=True, return_counts=True, axis=axis, equal_nan=False)
        inverse = inverse.reshape(-1)
    output = make(values, input)
    if not (return_inverse or return_counts):
        return output
    extra = []
    if return_inverse:
        extra.append(make(inverse.astype("int64"), input))
    if return_counts:
        extra.append(make(counts.astype("int64"), input))
    return (output, *extra)
