"""Indexing and assignment: x[key], x[key] = v, gather/scatter, index_select, masked_fill."""

from __future__ import annotations

import numpy as np

from .. import _dtype as dt
from .._tensor import Tensor, _wrap_dim
from ..autograd._grad_mode import state as grad_state
from ._declare import export
from ._dispatch import Op, _alias_for_inplace, call, check_inplace_target, device_mismatch, make, rebase_inplace
from .shape import _as_view

# --- keys ------------------------------------------------------------------------------


def _index_array(value, x: Tensor):
    if isinstance(value, Tensor):
        if value.device != x.device:
            raise device_mismatch("index", x, value)
        if value.dtype.is_floating_point:
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return value._data
    array = np.asarray([int(v) if isinstance(v, Tensor) else v for v in value] if isinstance(value, list) else value)
    if array.dtype == object:
        array = np.asarray([np.asarray(v) for v in value])
    if array.dtype.kind == "f":
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    if array.size == 0:
        array = array.astype(np.int64)
    return x._backend.from_numpy(array, x._backend.device_index(x._data))


def native_key(key, x: Tensor) -> tuple[tuple, bool]:
    """The key in the backend's terms, and whether it uses advanced (array) indexing."""
    parts = key if isinstance(key, tuple) else (key,)
    native = []
    advanced = False
    for part in parts:
        if part is None or part is Ellipsis or isinstance(part, (bool, int)) and not isinstance(part, Tensor):
            native.append(part)
        elif isinstance(part, slice):
            native.append(slice(*(None if v is None else int(v) for v in (part.start, part.stop, part.step))))
            if part.step is not None and int(part.step) <= 0:
                raise ValueError("step must be greater than zero")
        elif (
            isinstance(part, Tensor)
            and part._data.ndim == 0
            and not part.dtype.is_floating_point
            and part.dtype is not dt.bool_
        ):
            native.append(int(part.item()))
        elif isinstance(part, (Tensor, list, np.ndarray, range)):
            native.append(_index_array(list(part) if isinstance(part, range) else part, x))
            advanced = True
        elif isinstance(part, np.integer):
            native.append(int(part))
        else:
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices "
                f"(got {type(part).__name__})"
            )
    _check_bounds(native, x.shape)
    return tuple(native), advanced


def _check_bounds(native: list, shape: tuple) -> None:
    dim = 0
    for i, part in enumerate(native):
        if part is Ellipsis:
            consumed = sum(1 for p in native[i + 1 :] if p is not None and not isinstance(p, bool))
            dim = len(shape) - consumed
            continue
        if part is None or isinstance(part, bool):
            continue
        if dim >= len(shape):
            raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
        if isinstance(part, int):
            if not -shape[dim] <= part < shape[dim]:
                raise IndexError(f"index {part} is out of bounds for dimension {dim} with size {shape[dim]}")
        dim += getattr(part, "ndim", 1) if getattr(part, "dtype", None) is not None and part.dtype == bool else 1


def _node_name(native: tuple, advanced: bool) -> str:
    if advanced:
        return "IndexBackward0"
    last = [p for p in native if p is not Ellipsis and p is not None]
    if last and isinstance(last[-1], int):
        return "SelectBackward0"
    if not last and any(p is None for p in native):
        return "UnsqueezeBackward0"
    return "SliceBackward0"


def _scatter_kernel(b, g, shape, key, advanced):
    zeros = b.xp.zeros(shape, dtype=g.dtype)
    if advanced:
        b.index_add(zeros, _expand_masks(b, key), g)
    else:
        zeros[key] = g
    return zeros


def _expand_masks(b, key: tuple) -> tuple:
    """Boolean masks as integer index arrays (what scatter-add kernels accept)."""
    expanded = []
    for part in key:
        if getattr(part, "dtype", None) is not None and part.dtype == bool:
            expanded.extend(b.nonzero(part))
        else:
            expanded.append(part)
    return tuple(expanded)


def _grad_index_scatter(ctx, g):
    return (g[ctx.attrs["key"]] if not ctx.attrs["advanced"] else _getitem_native(g, ctx.attrs["key"], True),)


INDEX_SCATTER = Op("index_scatter", _scatter_kernel, _grad_index_scatter, node="IndexPutBackward0")


def _grad_getitem(ctx, g):
    attrs = {"shape": ctx.input_shape(0), "key": ctx.attrs["key"], "advanced": ctx.attrs["advanced"]}
    return (call(INDEX_SCATTER, (g,), (g._data,), g, attrs),)


_GETITEM = {
    name: Op("getitem", lambda b, x, key, advanced: x[key], _grad_getitem, node=name)
    for name in ("IndexBackward0", "SelectBackward0", "SliceBackward0", "UnsqueezeBackward0")
}


def _getitem_native(x: Tensor, key: tuple, advanced: bool) -> Tensor:
    out = call(_GETITEM[_node_name(key, advanced)], (x,), (x._data,), x, {"key": key, "advanced": advanced})
    return out if advanced else _as_view(out, x)


def getitem(self: Tensor, key) -> Tensor:
    native, advanced = native_key(key, self)
    return _getitem_native(self, native, advanced)


Tensor.__getitem__ = getitem


# --- assignment --------------------------------------------------------------------------


def _grad_setitem(ctx, g):
    key, advanced = ctx.attrs["key"], ctx.attrs["advanced"]
    grad_self = None
    if ctx.next_functions[0][0] is not None:
        grad_self = g.clone()
        grad_self._backend.setitem(grad_self._data, key, 0)
    grad_value = None
    if ctx.next_functions[1][0] is not None:
        grad_value = _getitem_native(g, key, advanced)
    return grad_self, grad_value


def _setitem_kernel(b, x, value, key, advanced):
    out = b.copy(x)
    b.setitem(out, key, value)
    return out


SETITEM = Op("setitem", _setitem_kernel, _grad_setitem, node="CopySlices")


def _value_array(self: Tensor, value):
    if isinstance(value, Tensor):
        if value.device != self.device:
            raise device_mismatch("index_put_", self, value)
        return value._data if value.dtype is self.dtype else value._data.astype(self.dtype.numpy)
    if isinstance(value, (list, tuple, np.ndarray)):
        return self._backend.asarray(np.asarray(value), self.dtype, self.device.index)
    return value


def setitem(self: Tensor, key, value) -> None:
    native, advanced = native_key(key, self)
    if grad_state.enabled and (self._requires_grad or isinstance(value, Tensor) and value._requires_grad):
        check_inplace_target(self)
        if isinstance(value, Tensor) and value.dtype is not self.dtype:
            value = value.to(self.dtype)
        alias = _alias_for_inplace(SETITEM, self)
        value_data = _value_array(self, value)
        result = call(SETITEM, (alias, value), (alias._data, value_data), self, {"key": native, "advanced": advanced})
        rebase_inplace(self, result, "index_put")
        return
    try:
        self._backend.setitem(self._data, native, _value_array(self, value))
    except ValueError as error:
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {list(getattr(value, 'shape', ()))} cannot be broadcast to "
            f"indexing result of shape {list(self._data[native].shape)} ({error})"
        ) from None
    self._version[0] += 1


Tensor.__setitem__ = setitem


@export
def index_put(input: Tensor, indices: tuple, values, accumulate: bool = False) -> Tensor:
    """A copy of input with values written (or, with accumulate, added) at indices."""
    if not accumulate:
        out = input.clone()
        setitem(out, tuple(indices), values)
        return out
    native, _ = native_key(tuple(indices), input)
    if not isinstance(values, Tensor):
        values = input.new_tensor(values)
    values = values.to(input.dtype).expand(input._data[native].shape)
    attrs = {"shape": input.shape, "key": native, "advanced": True}
    return input + call(INDEX_SCATTER, (values,), (values._data,), values, attrs)


Tensor.index_put_ = lambda self, indices, values, accumulate=False: _inplace_from(
    self, index_put(self, indices, values, accumulate), "index_put"
)


# --- gather and scatter ------------------------------------------------------------------


def _along(b, index, axis: int) -> tuple:
    grids = list(b.xp.indices(index.shape, sparse=True))
    grids[axis] = index
    return tuple(grids)


def _check_index(name: str, input: Tensor, index: Tensor, dim: int) -> None:
    if index.dtype is not dt.int64 and index.dtype is not dt.int32:
        raise RuntimeError(f"{name}(): Expected dtype int64 for index, got {index.dtype}")
    if index.ndim != input.ndim and not (index.ndim <= 1 and input.ndim <= 1):
        raise RuntimeError(
            f"{name}(): Index tensor must have the same number of dimensions as input tensor "
            f"(index {list(index.shape)} vs input {list(input.shape)})"
        )
    if index.device != input.device:
        raise device_mismatch(name, input, index)


def _gather_kernel(b, x, axis, index):
    if x.ndim == 0:
        return x.copy()
    return x[_along(b, index, axis)]


def _grad_gather(ctx, g):
    index = ctx.attrs["index"]
    zeros = g.new_zeros(ctx.input_shape(0))
    return (zeros.scatter_add(ctx.attrs["axis"], index, g),)


GATHER = Op(
    "gather", lambda b, x, axis, index: _gather_kernel(b, x, axis, index._data), _grad_gather, node="GatherBackward0"
)


@export
def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """out[i][j] = input[index[i][j]][j] (for dim=0): pick along dim by index."""
    axis = _wrap_dim(dim, input.ndim)
    _check_index("gather", input, index, axis)
    if index.numel() and (int(index.max()) >= input.shape[axis] or int(index.min()) < -input.shape[axis]):
        raise RuntimeError(
            f"gather(): index {int(index.max())} is out of bounds for dimension {axis} with size {input.shape[axis]}"
        )
    return call(GATHER, (input,), (input._data,), input, {"axis": axis, "index": index})


def _scatter_kernel_along(b, x, src, axis, index, reduce):
    out = b.copy(x)
    where = _along(b, index._data, axis)
    values = src[tuple(slice(0, n) for n in index.shape)] if getattr(src, "ndim", 0) else src
    if reduce == "add":
        b.index_add(out, where, values)
    else:
        out[where] = values
    return out


def _grad_scatter(ctx, g):
    index, axis = ctx.attrs["index"], ctx.attrs["axis"]
    grad_input = g.scatter(axis, index, 0) if ctx.attrs["reduce"] != "add" else g
    grad_src = g.gather(axis, index) if ctx.next_functions[1][0] is not None else None
    return grad_input, grad_src


SCATTER = Op("scatter", _scatter_kernel_along, _grad_scatter, node="ScatterBackward0")
SCATTER_ADD = Op("scatter_add", _scatter_kernel_along, _grad_scatter, node="ScatterAddBackward0")


def _scatter(input: Tensor, dim: int, index: Tensor, src, reduce) -> Tensor:
    axis = _wrap_dim(dim, input.ndim)
    _check_index("scatter", input, index, axis)
    if isinstance(src, Tensor):
        if src.device != input.device:
            raise device_mismatch("scatter", input, src)
        if src.dtype is not input.dtype:
            src = src.to(input.dtype)
        src_data = src._data
    else:
        src_data = src
    op = SCATTER_ADD if reduce == "add" else SCATTER
    return call(op, (input, src), (input._data, src_data), input, {"axis": axis, "index": index, "reduce": reduce})


@export
def scatter(input: Tensor, dim: int, index: Tensor, src=None, *, value=None, reduce: str | None = None) -> Tensor:
    """Write src (or value) into a copy of input at the positions index names along dim."""
    if src is None:
        src = value
    if reduce not in (None, "add"):
        raise NotImplementedError(f"scatter reduce={reduce!r} is not supported; use 'add' or scatter_reduce")
    return _scatter(input, dim, index, src, reduce)


@export
def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """Add src into a copy of input at the positions index names along dim (duplicates accumulate)."""
    return _scatter(input, dim, index, src, "add")


def _inplace_from(self: Tensor, result: Tensor, name: str) -> Tensor:
    check_inplace_target(self)
    if result._requires_grad:
        return rebase_inplace(self, result, name)
    self._backend.copy_into(self._data, result._data)
    self._version[0] += 1
    return self


Tensor.scatter_ = lambda self, dim, index, src=None, *, value=None, reduce=None: _inplace_from(
    self, scatter(self, dim, index, src, value=value, reduce=reduce), "scatter"
)
Tensor.scatter_add_ = lambda self, dim, index, src: _inplace_from(
    self, scatter_add(self, dim, index, src), "scatter_add"
)


def _grad_index_select(ctx, g):
    axis, index = ctx.attrs["axis"], ctx.attrs["index"]
    zeros = g.new_zeros(ctx.input_shape(0))
    return (zeros.index_add(axis, index, g),)


INDEX_SELECT = Op(
    "index_select",
    lambda b, x, axis, index: b.xp.take(x, index._data, axis=axis),
    _grad_index_select,
    node="IndexSelectBackward0",
)


@export
def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The slices along dim at the given indices."""
    if index.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if index.dtype.is_floating_point:
        raise IndexError("index_select(): Expected dtype int32/int64 for index")
    if index.device != input.device:
        raise device_mismatch("index_select", input, index)
    axis = _wrap_dim(dim, input.ndim)
    return call(INDEX_SELECT, (input,), (input._data,), input, {"axis": axis, "index": index.reshape(-1)})


def _index_add_kernel(b, x, source, axis, index, alpha):
    out = b.copy(x)
    key = (slice(None),) * axis + (index._data,)
    b.index_add(out, key, source * alpha if alpha != 1 else source)
    return out


def _grad_index_add(ctx, g):
    axis, index, alpha = ctx.attrs["axis"], ctx.attrs["index"], ctx.attrs["alpha"]
    grad_source = g.index_select(axis, index) * alpha if ctx.next_functions[1][0] is not None else None
    return g, grad_source


INDEX_ADD = Op("index_add", _index_add_kernel, _grad_index_add, node="IndexAddBackward0")


@export
def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """Add source's slices into a copy of input at index along dim (duplicates accumulate)."""
    axis = _wrap_dim(dim, input.ndim)
    for other in (index, source):
        if other.device != input.device:
            raise device_mismatch("index_add", input, other)
    if source.dtype is not input.dtype:
        source = source.to(input.dtype)
    return call(
        INDEX_ADD, (input, source), (input._data, source._data), input, {"axis": axis, "index": index, "alpha": alpha}
    )


Tensor.index_add_ = lambda self, dim, index, source, *, alpha=1: _inplace_from(
    self, index_add(self, dim, index, source, alpha=alpha), "index_add"
)


# --- masks -----------------------------------------------------------------------------------


def _grad_masked_fill(ctx, g):
    mask = ctx.attrs["mask"]
    grad_value = None
    if len(ctx.next_functions) > 1 and ctx.next_functions[1][0] is not None:
        grad_value = g.where(mask, 0).sum()
    return g.masked_fill(mask, 0), grad_value


MASKED_FILL = Op(
    "masked_fill",
    lambda b, x, value, mask: b.where(mask._data, value, x),
    _grad_masked_fill,
    node="MaskedFillBackward0",
)


@export
def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """A copy of input with value where mask is True."""
    if mask.dtype is not dt.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {mask.dtype}")
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
        value_data = value._data.astype(input.dtype.numpy)
    else:
        value_data = input.dtype.numpy.type(value)
    return call(MASKED_FILL, (input, value), (input._data, value_data), input, {"mask": mask})


Tensor.masked_fill_ = lambda self, mask, value: _inplace_from(self, masked_fill(self, mask, value), "masked_fill")


@export
def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    input, mask = input.broadcast_to(_broadcast(input, mask)), mask.broadcast_to(_broadcast(input, mask))
    return input[mask]


def _broadcast(a: Tensor, b: Tensor) -> tuple:
    from .shape import broadcast_shapes

    return broadcast_shapes(a.shape, b.shape)


@export
def nonzero(input: Tensor, *, as_tuple: bool = False):
    """Indices of the non-zero elements: an (n, ndim) int64 tensor, or one tensor per dim."""
    found = input._backend.nonzero(input._data if input.ndim else input._data.reshape(1))
    columns = tuple(make(input._backend.xp.asarray(c, dtype="int64"), input) for c in found)
    if as_tuple:
        return columns
    from .shape import stack

    return stack(columns, 1) if columns else input.new_zeros((0, 0), dtype=dt.int64)


@export
def argwhere(input: Tensor) -> Tensor:
    return nonzero(input)


@export
def take(input: Tensor, index: Tensor) -> Tensor:
    return input.reshape(-1)[index]
