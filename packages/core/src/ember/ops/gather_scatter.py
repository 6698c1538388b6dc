"""Reading and writing along a dim by index: gather/scatter, index_select/index_add/index_fill/
index_copy, masks (masked_fill, masked_select), nonzero and take.
"""

from __future__ import annotations

import math
import warnings

from .. import _dtype as dt
from .._tensor import Tensor, _wrap_dim
from .._writes import check_inplace_target, write_out
from ._declare import export, method
from ._dispatch import rebase_inplace
from ._errors import broadcast_error, kind_of
from ._op import Op, call, device_mismatch, make
from .indexing import _TYPE

# --- gather and scatter along a dim ------------------------------------------------------------


def _int64(b, x):
    """x as an int64 array (itself when it is one)."""
    if type(x) is not b.ndarray:
        x = b.xp.asarray(x)
    return x if b.dtypes[x.dtype] is dt.int64 else b.astype(x, dt.int64)


def _grid(b, index, axis: int) -> tuple:
    """Index arrays addressing out[i][j][k] -> position with index[i][j][k] along axis."""
    ndim = index.ndim
    grids = []
    for d, n in enumerate(index.shape):
        if d == axis:
            grids.append(index)
        else:
            grids.append(
                b.reshape(b.arange(0, n, 1, dt.int64, b.device_index(index)), (1,) * d + (n,) + (1,) * (ndim - d - 1))
            )
    return tuple(grids)


def _ufunc_at(b, name: str):
    """xp.<name>.at, the unbuffered in-place ufunc a scatter reduction needs."""
    found = getattr(getattr(b.xp, name), "at", None)
    if found is None:
        raise NotImplementedError(f"the {b.name!r} backend has no {name}.at, which this scatter reduction needs")
    return found


def _index_dtype_check(name: str, index) -> None:
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index.dtype is not dt.int64 and index.dtype is not dt.int32:
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index (got {index.dtype}); convert with .long()")


def _check_along(name: str, input: Tensor, axis: int, index: Tensor, src: Tensor | None = None) -> None:
    """PyTorch's checks for gather/scatter: dims, sizes, bounds (no negative indices)."""
    _index_dtype_check(name, index)
    if index.device != input.device:
        raise device_mismatch(name, input, index)
    if index.ndim != input.ndim and not (index.ndim <= 1 and input.ndim <= 1):
        raise RuntimeError(
            f"{name}(): Index tensor must have the same number of dimensions as input tensor "
            f"(index {list(index.shape)} vs input {list(input.shape)})"
        )
    if input.ndim == 0 or index.numel() == 0:
        return
    too_big = any(index.shape[d] > input.shape[d] for d in range(index.ndim) if d != axis)
    too_big_for_src = src is not None and src.ndim and any(index.shape[d] > src.shape[d] for d in range(index.ndim))
    if too_big or too_big_for_src:
        message = (
            f"Expected index {list(index.shape)} to be no larger than self {list(input.shape)} apart from "
            f"dimension {axis}"
        )
        if src is not None and src.ndim:
            message += f" and to be no larger size than src {list(src.shape)}"
        if src is None:
            message = (
                f"Size does not match at dimension {next(d for d in range(index.ndim) if d != axis and too_big)} "
                f"expected index {list(index.shape)} to be no larger than self {list(input.shape)} apart from "
                f"dimension {axis}"
            )
        raise RuntimeError(f"{name}(): {message}")
    low, high = int(index._backend.min(index._data)), int(index._backend.max(index._data))
    size = input.shape[axis]
    if low < 0 or high >= size:
        raise RuntimeError(
            f"{name}(): index {low if low < 0 else high} is out of bounds for dimension {axis} with size {size}"
        )


def _gather_kernel(b, x, *, axis, index):
    if x.ndim == 0:
        return b.copy(x)
    return x[_grid(b, index._data, axis)]


def _grad_gather(m, ctx, g):
    zeros = m.full_like(g, value=0, shape=ctx.input_shape(0))
    return (m.scatter_add(zeros, g, axis=ctx.attrs["axis"], index=ctx.attrs["index"], reduce="add"),)


GATHER = Op("gather", _gather_kernel, _grad_gather, node="GatherBackward0", math="gather")


@export
def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False, out: Tensor | None = None) -> Tensor:
    """out[i][j] = input[index[i][j]][j] (for dim=0): pick along dim by index."""
    axis = _wrap_dim(dim, input.ndim)
    _check_along("gather", input, axis, index)
    result = call(GATHER, (input,), (input._data,), input, {"axis": axis, "index": index})
    if out is not None:
        return write_out(out, result)
    return result


@export
def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """gather with broadcasting of input and indices over the other dims."""
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    axis = _wrap_dim(dim, input.ndim)
    if indices.ndim != input.ndim:
        raise RuntimeError(
            f"take_along_dim(): input and indices should have the same number of dimensions, but got "
            f"{input.ndim} dimensions for input, and {indices.ndim} dimensions for indices"
        )
    from .shape import broadcast_shapes

    others = [tuple(1 if d == axis else n for d, n in enumerate(t.shape)) for t in (input, indices)]
    shape = list(broadcast_shapes(*others))
    input_shape, index_shape = list(shape), list(shape)
    input_shape[axis], index_shape[axis] = input.shape[axis], indices.shape[axis]
    return gather(input.expand(input_shape), axis, indices.expand(index_shape))


def _scatter_kernel(b, x, src, *, axis, index, reduce):
    out = b.copy(x)
    where = _grid(b, index._data, axis)
    values = b.getitem(src, tuple(slice(0, n) for n in index.shape)) if getattr(src, "ndim", 0) else src
    if reduce == "add":
        b.index_add(out, where, values)
    elif reduce == "multiply":
        _ufunc_at(b, "multiply")(out, where, values)
    else:
        b.setitem(out, where, values)
    return out


def _zeroed_at(m, g, axis: int, index: Tensor):
    """g with the positions index names along axis set to zero."""
    return m.scatter_value(g, 0, axis=axis, index=index, reduce=None)


def _grad_scatter(m, ctx, g):
    index, axis = ctx.attrs["index"], ctx.attrs["axis"]
    grad_input = g if ctx.attrs["reduce"] == "add" else _zeroed_at(m, g, axis, index)
    grad_src = None
    if len(ctx.next_functions) > 1 and ctx.needs(1):
        grad_src = m.gather(g, axis=axis, index=index)
    return grad_input, grad_src


SCATTER = Op("scatter", _scatter_kernel, _grad_scatter, node="ScatterBackward0")
SCATTER_VALUE = Op("scatter", _scatter_kernel, _grad_scatter, node="ScatterBackward1", math="scatter_value")
SCATTER_ADD = Op("scatter_add", _scatter_kernel, _grad_scatter, node="ScatterAddBackward0", math="scatter_add")
SCATTER_MULTIPLY = Op("scatter", _scatter_kernel, None, node="ScatterReduceBackward0")


def _scatter(input: Tensor, dim: int, index: Tensor, src, reduce, name: str) -> Tensor:
    axis = _wrap_dim(dim, input.ndim)
    attrs = {"axis": axis, "index": index, "reduce": reduce}
    if isinstance(src, Tensor):
        if src.dtype is not input.dtype:
            raise RuntimeError(
                f"{name}(): Expected self.dtype to be equal to src.dtype (got {input.dtype} and {src.dtype}); "
                f"convert src with .to({input.dtype})"
            )
        if src.device != input.device:
            raise device_mismatch(name, input, src)
        _check_along(name, input, axis, index, src)
        op = SCATTER_ADD if reduce == "add" else SCATTER_MULTIPLY if reduce == "multiply" else SCATTER
        return call(op, (input, src), (input._data, src._data), input, attrs)
    _check_along(name, input, axis, index)
    value = input.dtype.numpy.type(src)
    op = SCATTER_MULTIPLY if reduce == "multiply" else SCATTER_ADD if reduce == "add" else SCATTER_VALUE
    return call(op, (input,), (input._data, value), input, attrs)


@export
def scatter(input: Tensor, dim: int, index: Tensor, src=None, *, value=None, reduce: str | None = None) -> Tensor:
    """Write src (or value) into a copy of input at the positions index names along dim."""
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter() needs src (a Tensor) or value (a number)")
    if reduce not in (None, "add", "multiply"):
        raise RuntimeError(f"reduce argument must be either add or multiply, got {reduce!r}")
    if reduce is not None and isinstance(src, Tensor):
        warnings.warn(
            "The reduce argument of torch.scatter with Tensor src is deprecated and will be removed in a future "
            "PyTorch release. Use torch.scatter_reduce instead for more reduction options.",
            UserWarning,
            stacklevel=2,
        )
    return _scatter(input, dim, index, src, reduce, "scatter")


@export
def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """Add src into a copy of input at the positions index names along dim (duplicates accumulate)."""
    return _scatter(input, dim, index, src, "add", "scatter_add")


def _inplace_from(self: Tensor, result: Tensor, name: str) -> Tensor:
    """Make an out-of-place result self's new value, in its own buffer."""
    check_inplace_target(self)
    if result.shape != self.shape:
        raise RuntimeError(
            f"{name}_(): output with shape {list(self.shape)} doesn't match the broadcast shape {list(result.shape)}"
        )
    if result._requires_grad:
        return rebase_inplace(self, result, name)
    self._backend.copy_into(self._data, result._data)
    self._version[0] += 1
    return self


@method("scatter_")
def scatter_(self: Tensor, dim: int, index: Tensor, src=None, *, value=None, reduce: str | None = None) -> Tensor:
    return _inplace_from(self, scatter(self, dim, index, src, value=value, reduce=reduce), "scatter")


@method("scatter_add_")
def scatter_add_(self: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    return _inplace_from(self, scatter_add(self, dim, index, src), "scatter_add")


# --- scatter_reduce -----------------------------------------------------------------------

_REDUCERS = {"sum": "add", "prod": "multiply", "amax": "maximum", "amin": "minimum", "mean": "add"}


def _scatter_reduce_kernel(b, x, src, *, axis, index, reduce, include_self):
    xp = b.xp
    where = _grid(b, index._data, axis)
    values = b.getitem(src, tuple(slice(0, n) for n in index.shape))
    out = b.copy(x)
    if not include_self:
        identity = {"sum": 0, "mean": 0, "prod": 1}.get(reduce)
        if identity is None:
            info = xp.finfo(x.dtype) if kind_of(x) == "f" else xp.iinfo(x.dtype)
            identity = (
                -xp.inf
                if kind_of(x) == "f" and reduce == "amax"
                else info.min
                if reduce == "amax"
                else (xp.inf if kind_of(x) == "f" else info.max)
            )
        b.setitem(out, where, identity)
    _ufunc_at(b, _REDUCERS[reduce])(out, where, values)
    if reduce == "mean":
        counts = b.zeros(x.shape, dt.int64, b.device_index(x))
        b.index_add(counts, where, 1)
        if include_self:
            counts = b.add(counts, 1)
        counts = b.maximum(counts, 1)
        if kind_of(x) == "f":
            return b.astype(b.true_divide(out, counts), b.ember_dtype(x.dtype))
        out = b.floor_divide(out, counts)
    return out


def _grad_scatter_reduce(m, ctx, g):
    axis, index, reduce = ctx.attrs["axis"], ctx.attrs["index"], ctx.attrs["reduce"]
    include_self = ctx.attrs["include_self"]
    input, src = ctx.saved
    if reduce == "sum":
        grad_input = g if include_self else _zeroed_at(m, g, axis, index)
        return grad_input, m.gather(g, axis=axis, index=index)
    if reduce == "mean":
        ones = m.full_like(g, value=1, shape=tuple(index.shape))
        counts = m.scatter_add(m.full_like(g, value=0), ones, axis=axis, index=index, reduce="add")
        counts = m.maximum(counts + 1 if include_self else counts, 1)
        scaled = g / counts
        grad_input = scaled if include_self else _zeroed_at(m, scaled, axis, index)
        return grad_input, m.gather(scaled, axis=axis, index=index)
    if reduce in ("amax", "amin"):
        result = ctx.out
        picked = m.gather(result, axis=axis, index=index)
        dtype = m.dtype_of(g)
        src_hits = m.astype(src[tuple(slice(0, n) for n in index.shape)] == picked, dtype=dtype)
        self_hits = m.astype(input == result, dtype=dtype)
        if not include_self:
            self_hits = _zeroed_at(m, self_hits, axis, index)
        ties = m.scatter_add(self_hits, src_hits, axis=axis, index=index, reduce="add")
        share = g / m.maximum(ties, 1)
        grad_src = m.gather(share, axis=axis, index=index) * src_hits
        if tuple(src.shape) != tuple(index.shape):
            grad_src = m.embed(grad_src, shape=tuple(src.shape), key=tuple(slice(0, n) for n in index.shape))
        return share * self_hits, grad_src
    raise RuntimeError(
        "the derivative for 'scatter_reduce' with reduce='prod' is not implemented in ember; use "
        "reduce='sum', 'mean', 'amax' or 'amin', or compute the product with log/exp"
    )


SCATTER_REDUCE = Op(
    "scatter_reduce",
    _scatter_reduce_kernel,
    _grad_scatter_reduce,
    node="ScatterReduceBackward0",
    saves=(0, 1),
    saves_output=True,
)


@export
def scatter_reduce(
    input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *, include_self: bool = True
) -> Tensor:
    """Reduce src into a copy of input at index along dim with sum, prod, mean, amax or amin."""
    if reduce not in _REDUCERS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    axis = _wrap_dim(dim, input.ndim)
    if src.dtype is not input.dtype:
        raise RuntimeError(
            f"scatter_reduce(): Expected self.dtype to be equal to src.dtype (got {input.dtype} and {src.dtype})"
        )
    _check_along("scatter_reduce", input, axis, index, src)
    attrs = {"axis": axis, "index": index, "reduce": reduce, "include_self": include_self}
    return call(SCATTER_REDUCE, (input, src), (input._data, src._data), input, attrs)


@method("scatter_reduce_")
def scatter_reduce_(self: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *, include_self: bool = True):
    result = scatter_reduce(self, dim, index, src, reduce, include_self=include_self)
    return _inplace_from(self, result, "scatter_reduce")


# --- index_select, index_add, index_fill, index_copy: whole slices along a dim --------------------


def _check_index_vector(name: str, input: Tensor, axis: int, index) -> Tensor:
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index.ndim > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector (got shape {list(index.shape)})")
    if index.dtype is not dt.int64 and index.dtype is not dt.int32:
        raise RuntimeError(f"{name}(): Expected dtype int32 or int64 for index (got {index.dtype})")
    if index.device != input.device:
        raise device_mismatch(name, input, index)
    index = index.reshape(-1)
    if index.numel():
        size = input.shape[axis] if input.ndim else 1
        low, high = int(index._backend.min(index._data)), int(index._backend.max(index._data))
        if low < 0 or high >= size:
            raise IndexError(
                f"{name}(): index out of range in self (index {low if low < 0 else high} for dimension {axis} "
                f"with size {size})"
            )
    return index


def _along(axis: int, index) -> tuple:
    return (slice(None),) * axis + (index._data,)


def _grad_index_select(m, ctx, g):
    zeros = m.full_like(g, value=0, shape=ctx.input_shape(0))
    return (m.index_add(zeros, g, axis=ctx.attrs["axis"], index=ctx.attrs["index"], alpha=1),)


INDEX_SELECT = Op(
    "index_select",
    lambda b, x, *, axis, index: b.xp.take(x, index._data, axis=axis) if x.ndim else x[index._data],
    _grad_index_select,
    node="IndexSelectBackward0",
    math="index_select",
)


@export
def index_select(input: Tensor, dim: int, index: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The slices along dim at the given indices."""
    axis = _wrap_dim(dim, input.ndim)
    index = _check_index_vector("index_select", input, axis, index)
    result = call(INDEX_SELECT, (input,), (input._data,), input, {"axis": axis, "index": index})
    if out is not None:
        return write_out(out, result)
    return result


def _index_add_kernel(b, x, source, *, axis, index, alpha):
    out = b.copy(x)
    b.index_add(out, _along(axis, index), source * alpha if alpha != 1 else source)
    return out


def _grad_index_add(m, ctx, g):
    axis, index, alpha = ctx.attrs["axis"], ctx.attrs["index"], ctx.attrs["alpha"]
    grad_source = None
    if ctx.needs(1):
        grad_source = m.index_select(g, axis=axis, index=index)
        grad_source = grad_source * alpha if alpha != 1 else grad_source
    return g, grad_source


INDEX_ADD = Op("index_add", _index_add_kernel, _grad_index_add, node="IndexAddBackward0", math="index_add")


def _check_source(name: str, input: Tensor, axis: int, index: Tensor, source: Tensor) -> None:
    if source.dtype is not input.dtype:
        raise RuntimeError(
            f"{name}_(): self ({_TYPE[input.dtype]}) and source ({_TYPE[source.dtype]}) must have the same scalar "
            f"type; convert source with .to({input.dtype})"
        )
    if source.device != input.device:
        raise device_mismatch(name, input, source)
    count = source.shape[axis] if source.ndim else 1
    if index.numel() != count:
        raise RuntimeError(
            f"{name}_(): Number of indices ({index.numel()}) should be equal to source.size(dim): ({count}), "
            f"for dim: {axis}"
        )
    expected = tuple(n if d != axis else count for d, n in enumerate(input.shape))
    if source.ndim and tuple(source.shape) != expected:
        raise RuntimeError(
            f"{name}_(): source has shape {list(source.shape)} but the slices of self need {list(expected)}"
        )


@export
def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """Add source's slices into a copy of input at index along dim (duplicates accumulate)."""
    axis = _wrap_dim(dim, input.ndim)
    index = _check_index_vector("index_add", input, axis, index)
    _check_source("index_add", input, axis, index, source)
    attrs = {"axis": axis, "index": index, "alpha": alpha}
    return call(INDEX_ADD, (input, source), (input._data, source._data), input, attrs)


@method("index_add_")
def index_add_(self: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    return _inplace_from(self, index_add(self, dim, index, source, alpha=alpha), "index_add")


def _index_fill_kernel(b, x, value, *, axis, index):
    out = b.copy(x)
    b.setitem(out, _along(axis, index), value)
    return out


def _grad_index_fill(m, ctx, g):
    axis, index = ctx.attrs["axis"], ctx.attrs["index"]
    grad_value = None
    if len(ctx.next_functions) > 1 and ctx.needs(1):
        grad_value = m.sum(m.index_select(g, axis=axis, index=index))
    return m.index_fill(g, 0, axis=axis, index=index), grad_value


INDEX_FILL = Op("index_fill", _index_fill_kernel, _grad_index_fill, node="IndexFillBackward0", math="index_fill")
INDEX_FILL_TENSOR = Op("index_fill", _index_fill_kernel, _grad_index_fill, node="IndexFillBackward1")


@export
def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """A copy of input with the slices at index along dim set to value."""
    axis = _wrap_dim(dim, input.ndim)
    index = _check_index_vector("index_fill", input, axis, index)
    attrs = {"axis": axis, "index": index}
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(
                f"index_fill_ only supports a 0-dimensional value tensor, but got tensor with {value.ndim} dimension(s)."
            )
        data = value._backend.astype(value._data, input.dtype)
        return call(INDEX_FILL_TENSOR, (input, value), (input._data, data), input, attrs)
    return call(INDEX_FILL, (input,), (input._data, value), input, attrs)


@method("index_fill_")
def index_fill_(self: Tensor, dim: int, index: Tensor, value) -> Tensor:
    return _inplace_from(self, index_fill(self, dim, index, value), "index_fill")


def _index_copy_kernel(b, x, source, *, axis, index):
    out = b.copy(x)
    b.setitem(out, _along(axis, index), source)
    return out


def _grad_index_copy(m, ctx, g):
    axis, index = ctx.attrs["axis"], ctx.attrs["index"]
    grad_source = m.index_select(g, axis=axis, index=index) if ctx.needs(1) else None
    return m.index_fill(g, 0, axis=axis, index=index), grad_source


INDEX_COPY = Op("index_copy", _index_copy_kernel, _grad_index_copy, node="IndexCopyBackward0")


@export
def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """A copy of input with source's slices written at index along dim."""
    axis = _wrap_dim(dim, input.ndim)
    index = _check_index_vector("index_copy", input, axis, index)
    _check_source("index_copy", input, axis, index, source)
    return call(INDEX_COPY, (input, source), (input._data, source._data), input, {"axis": axis, "index": index})


@method("index_copy_")
def index_copy_(self: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    return _inplace_from(self, index_copy(self, dim, index, source), "index_copy")


# --- masks -----------------------------------------------------------------------------------


def _grad_masked_fill(m, ctx, g):
    mask = ctx.attrs["mask"]
    grad_value = None
    if len(ctx.next_functions) > 1 and ctx.needs(1):
        grad_value = m.sum(m.masked_fill(g, 0, mask=_inverted(mask)))
    return m.masked_fill(g, 0, mask=mask), grad_value


def _inverted(mask: Tensor) -> Tensor:
    return mask.logical_not()


def _masked_fill_kernel(b, x, value, *, mask):
    return b.where(mask._data, value, x)


MASKED_FILL = Op("masked_fill", _masked_fill_kernel, _grad_masked_fill, node="MaskedFillBackward0", math="masked_fill")
MASKED_FILL_TENSOR = Op("masked_fill", _masked_fill_kernel, _grad_masked_fill, node="MaskedFillBackward1")


def _fill_scalar(input: Tensor, value):
    try:
        return input.dtype.numpy.type(value)
    except (OverflowError, ValueError):
        raise RuntimeError(f"value cannot be converted to type {input.dtype.name} without overflow") from None


@export
def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """A copy of input with value where mask is True (mask broadcasts)."""
    if not isinstance(mask, Tensor) or mask.dtype is not dt.bool_:
        raise RuntimeError(
            f"masked_fill_ only supports boolean masks, but got mask with dtype "
            f"{getattr(mask, 'dtype', type(mask).__name__)}; build it with a comparison such as x > 0"
        )
    if mask.device != input.device:
        raise device_mismatch("masked_fill", input, mask)
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(
                f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with {value.ndim} dimension(s)."
            )
        if value.device != input.device:
            if value.device.type != "cpu":
                raise device_mismatch("masked_fill", input, value)
            value = value.to(input.device)  # NOTE: as in PyTorch, a 0-dim CPU value may fill a tensor on any device
        value_data = value._backend.astype(value._data, input.dtype)
        operands, arrays, op = (input, value), (input._data, value_data), MASKED_FILL_TENSOR
    else:
        operands, arrays, op = (input,), (input._data, _fill_scalar(input, value)), MASKED_FILL
    try:
        return call(op, operands, arrays, input, {"mask": mask})
    except ValueError as error:
        raise broadcast_error("masked_fill", input._data, mask._data, error) from None


@method("masked_fill_")
def masked_fill_(self: Tensor, mask: Tensor, value) -> Tensor:
    return _inplace_from(self, masked_fill(self, mask, value), "masked_fill")


def _grad_masked_select(m, ctx, g):
    mask = ctx.attrs["mask"]
    return (m.index_accumulate(g, shape=tuple(mask.shape), key=(mask._data,)),)


MASKED_SELECT = Op(
    "masked_select",
    lambda b, x, *, mask: b.xp.broadcast_to(x, mask.shape)[mask._data],
    _grad_masked_select,
    node="MaskedSelectBackward0",
)


@export
def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements of input where mask is True, as a 1-D tensor (mask broadcasts)."""
    if not isinstance(mask, Tensor) or mask.dtype is not dt.bool_:
        raise RuntimeError(f"masked_select: expected BoolTensor for mask (got {getattr(mask, 'dtype', mask)})")
    if mask.device != input.device:
        raise device_mismatch("masked_select", input, mask)
    from .shape import broadcast_shapes

    shape = broadcast_shapes(input.shape, mask.shape)
    if mask.shape != shape:
        mask = mask.expand(shape)
    return call(MASKED_SELECT, (input,), (input._data,), input, {"mask": mask})


@export
def nonzero(input: Tensor, *, as_tuple: bool = False):
    """Indices of the non-zero elements: an (n, ndim) int64 tensor, or one tensor per dim."""
    if input.ndim == 0:
        count = int(bool(input._data))
        b = input._backend
        where = b.device_index(input._data)
        if as_tuple:
            return (make(b.zeros((count,), dt.int64, where), input),)
        return make(b.zeros((count, 0), dt.int64, where), input)
    found = input._backend.nonzero(input._data)
    columns = tuple(make(_int64(input._backend, c), input) for c in found)
    if as_tuple:
        return columns
    return make(input._backend.xp.stack([c._data for c in columns], axis=1), input)


@export
def argwhere(input: Tensor) -> Tensor:
    """The indices of the non-zero elements, one row per element."""
    return nonzero(input)


def _grad_take(m, ctx, g):
    shape = ctx.input_shape(0)
    flat = m.index_accumulate(g, shape=(math.prod(shape),), key=(ctx.attrs["index"]._data,))
    return (m.reshape(flat, shape=shape),)


TAKE = Op("take", lambda b, x, *, index: b.getitem(b.reshape(x, (-1,)), index._data), _grad_take, node="TakeBackward0")


@export
def take(input: Tensor, index: Tensor) -> Tensor:
    """input treated as 1-D, read at index (the result has index's shape)."""
    _index_dtype_check("take", index)
    if index.device != input.device:
        raise device_mismatch("take", input, index)
    if index.numel():
        size = input.numel()
        low, high = int(index._backend.min(index._data)), int(index._backend.max(index._data))
        if low < -size or high >= size:
            raise IndexError(f"take(): index {high if high >= size else low} out of range for tensor of size {size}")
    return call(TAKE, (input,), (input._data,), input, {"index": index})
