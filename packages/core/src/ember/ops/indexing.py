"""Indexing and assignment: x[key], x[key] = v, gather/scatter, index_* ops, masks, nonzero.

A key is parsed into a plan of at most two steps, applied in order: a basic step (ints,
slices, None, ...) that gives a view, then an advanced step (integer arrays, masks) that
gives a copy. PyTorch applies integer indices before advanced ones, where NumPy would
broadcast them together; splitting the key this way gives PyTorch's result shapes.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import _dtype as dt
from .._tensor import Tensor, _wrap_dim
from ..autograd._grad_mode import state as grad_state
from ._declare import export, method
from ._dispatch import (
    Op,
    _alias_for_inplace,
    call,
    check_inplace_target,
    device_mismatch,
    make,
    overlap_error,
    rebase_inplace,
)
from .shape import index_view

# --- parsing keys --------------------------------------------------------------------------

_BASIC = "basic"
_ADVANCED = "advanced"
_SEQUENCE_AS_TUPLE_WARNING = (
    "Using a non-tuple sequence for multidimensional indexing is deprecated and will be changed in pytorch 2.9; "
    "use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will be interpreted as tensor index, "
    "x[torch.tensor(seq)], which will result either in an error or a different result"
)


def _as_parts(key) -> tuple:
    if type(key) is tuple:
        return key
    if isinstance(key, list) and any(
        part is None or part is Ellipsis or isinstance(part, (slice, list, tuple, Tensor)) for part in key
    ):
        # NOTE: PyTorch still reads x[[[0, 1], [1, 2]]] as x[[0, 1], [1, 2]] (NumPy's legacy rule).
        warnings.warn(_SEQUENCE_AS_TUPLE_WARNING, UserWarning, stacklevel=3)
        return tuple(key)
    return (key,)


def _index_array(value, x: Tensor):
    """A list, range, NumPy array or tensor as a backend integer (or boolean mask) array."""
    if isinstance(value, Tensor):
        if value.device != x.device:
            raise device_mismatch("index", x, value)
        data, kind = value._data, value.dtype
        if kind is dt.uint8:
            warnings.warn(
                "indexing with dtype ember.uint8 is now deprecated, please use a dtype ember.bool instead.",
                UserWarning,
                stacklevel=4,
            )
            return data.astype(bool)
        if kind.is_floating_point:
            raise IndexError(
                f"tensors used as indices must be long, int, byte or bool tensors (got {kind}); convert with .long()"
            )
        return data
    if isinstance(value, range):
        value = list(value)
    if isinstance(value, list):
        value = [int(v) if isinstance(v, Tensor) else v for v in value]
    array = np.asarray(value)
    if array.size == 0:
        array = array.astype(np.int64)
    if array.dtype.kind not in "biu":
        raise IndexError(
            f"tensors used as indices must be long, int, byte or bool tensors (got values of type {array.dtype})"
        )
    return x._backend.from_numpy(array, x._backend.device_index(x._data))


def _native_slice(part: slice) -> slice:
    start, stop, step = (None if v is None else int(v) for v in (part.start, part.stop, part.step))
    if step is not None and step <= 0:
        raise ValueError("slice step cannot be zero" if step == 0 else "step must be greater than zero")
    return slice(start, stop, step)


def _native_parts(parts: tuple, x: Tensor) -> list:
    """Each part as (kind, value): int, slice, None, Ellipsis, bool, array or mask."""
    native = []
    for part in parts:
        if part is None or part is Ellipsis:
            native.append((part, part))
        elif type(part) is int:
            native.append((int, part))
        elif type(part) is slice:
            native.append((slice, _native_slice(part)))
        elif isinstance(part, bool):
            native.append((bool, part))
        elif isinstance(part, Tensor) and part._data.ndim == 0 and part.dtype.category == dt.INTEGER:
            native.append((int, int(part.item())))
        elif isinstance(part, (Tensor, list, tuple, range, np.ndarray)):
            array = _index_array(part, x)
            native.append(("mask" if array.dtype == bool else "array", array))
        elif isinstance(part, np.integer) or (hasattr(part, "__index__") and not isinstance(part, float)):
            native.append((int, int(part)))
        else:
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices "
                f"(got {type(part).__name__})"
            )
    return native


def _dims_taken(kind, value) -> int:
    if kind is None or kind is bool:
        return 0
    if kind == "mask":
        return value.ndim
    return 1


def _check_parts(native: list, shape: tuple, check_arrays: bool) -> list:
    """Check every part against the dims it indexes; return the dim each part starts at.

    NOTE: NumPy checks integer arrays' bounds itself (see `_reworded`); other backends may not.
    """
    ndim = len(shape)
    ellipses = sum(1 for kind, _ in native if kind is Ellipsis)
    if ellipses > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    taken = sum(_dims_taken(kind, value) for kind, value in native if kind is not Ellipsis)
    if taken > ndim:
        if ndim == 0 and any(kind is int for kind, _ in native):
            raise IndexError(
                "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to "
                "convert a 0-dim tensor to a number"
            )
        raise IndexError(f"too many indices for tensor of dimension {ndim} (got {taken} indices)")
    starts = []
    dim = 0
    for kind, value in native:
        starts.append(dim)
        if kind is Ellipsis:
            dim += ndim - taken
            continue
        if kind is int:
            if not -shape[dim] <= value < shape[dim]:
                raise IndexError(f"index {value} is out of bounds for dimension {dim} with size {shape[dim]}")
        elif kind == "array" and check_arrays:
            _check_array_bounds(value, dim, shape[dim])
        elif kind == "mask":
            have = tuple(shape[dim : dim + value.ndim])
            if tuple(value.shape) != have:
                bad = next((i for i, (m, s) in enumerate(zip(value.shape, have)) if m != s), 0)
                raise IndexError(
                    f"The shape of the mask {list(value.shape)} at index {bad} does not match the shape of the "
                    f"indexed tensor {list(shape)} at index {dim + bad}"
                )
        dim += _dims_taken(kind, value)
    return starts


def _check_array_bounds(array, dim: int, size: int) -> None:
    if array.size == 0:
        return
    low, high = int(array.min()), int(array.max())
    if low < -size or high >= size:
        bad = high if high >= size else low
        raise IndexError(f"index {bad} is out of bounds for dimension {dim} with size {size}")


def _is_full(value: slice, size: int) -> bool:
    return value.start in (None, 0) and value.step in (None, 1) and (value.stop is None or value.stop >= size)


def _basic_node(native: list, starts: list, shape: tuple, single: bool) -> str:
    """The node PyTorch names for a basic index: its last step that does something."""
    node = "AliasBackward0"
    for (kind, value), start in zip(native, starts):
        if kind is int:
            node = "SelectBackward0"
        elif kind is None:
            node = "UnsqueezeBackward0"
        elif kind is slice and (single or not _is_full(value, shape[start])):
            node = "SliceBackward0"
    return node


def _simple_basic(parts: tuple, shape: tuple):
    """The plan of a key of in-range ints and plain slices (the common case), or None."""
    if len(parts) > len(shape):
        return None
    node = "AliasBackward0"
    for part, size in zip(parts, shape):
        kind = type(part)
        if kind is int:
            if not -size <= part < size:
                return None
            node = "SelectBackward0"
        elif kind is slice:
            start, stop, step = part.start, part.stop, part.step
            if not (start is None or type(start) is int) or not (stop is None or type(stop) is int):
                return None
            if step is not None and (type(step) is not int or step <= 0):
                return None
            if not _is_full(part, size):
                node = "SliceBackward0"
        else:
            return None
    return parts + (Ellipsis,), None, node


def parse_key(key, x: Tensor) -> tuple:
    """(basic key or None, advanced key or None, node name of the basic step) for x[key]."""
    single = type(key) is not tuple
    if not single:
        simple = _simple_basic(key, x._data.shape)
        if simple is not None:
            return simple
    native = _native_parts(_as_parts(key), x)
    shape = x._data.shape
    starts = _check_parts(native, shape, x.device.type != "cpu")
    kinds = [kind for kind, _ in native]
    if "array" not in kinds and "mask" not in kinds and bool not in kinds:
        basic = tuple(value for _, value in native)
        if Ellipsis not in kinds:
            basic += (Ellipsis,)
        return basic, None, _basic_node(native, starts, shape, single)
    _check_broadcastable([value for kind, value in native if kind == "array"])
    if Ellipsis in kinds and sum(_dims_taken(kind, value) for kind, value in native if kind is not Ellipsis) == len(
        shape
    ):
        # NOTE: an ellipsis that stands for no dims must not separate advanced indices (NumPy's rule would).
        native = [part for part in native if part[0] is not Ellipsis]
        kinds = [kind for kind, _ in native]
    if int not in kinds and None not in kinds and bool not in kinds:
        return None, tuple(value for _, value in native), None
    return _two_steps(native)


def _two_steps(native: list) -> tuple:
    """Ints, None and bools first (a view), then the array indices on what is left."""
    basic, advanced = [], []
    for kind, value in native:
        if kind is int:
            basic.append(value)
        elif kind is None or kind is bool:
            basic.append(None)
            advanced.append(np.zeros(1 if value else 0, dtype=np.int64) if kind is bool else slice(None))
        elif kind is slice or kind is Ellipsis:
            basic.append(value)
            advanced.append(slice(None) if kind is slice else Ellipsis)
        else:
            basic.extend([slice(None)] * _dims_taken(kind, value))
            advanced.append(value)
    if Ellipsis not in basic:
        basic.append(Ellipsis)
    return tuple(basic), tuple(advanced), "SelectBackward0"


def _check_broadcastable(arrays: list) -> None:
    if len(arrays) < 2:
        return
    shapes = [tuple(a.shape) for a in arrays]
    ndim = max(len(s) for s in shapes)
    for i in range(ndim):
        sizes = {s[len(s) - ndim + i] for s in shapes if len(s) - ndim + i >= 0} - {1}
        if len(sizes) > 1:
            raise IndexError(
                "shape mismatch: indexing tensors could not be broadcast together with shapes "
                + ", ".join(str(list(s)) for s in shapes)
            )


# --- reading: x[key] ---------------------------------------------------------------------


def _accumulate_kernel(b, g, shape, key):
    out = b.xp.zeros(shape, dtype=g.dtype)
    b.index_add(out, key, g)
    return out


def _grad_accumulate(ctx, g):
    return (call(INDEX, (g,), (g._data,), g, {"key": ctx.attrs["key"]}),)


def _grad_index(ctx, g):
    attrs = {"shape": ctx.input_shape(0), "key": ctx.attrs["key"]}
    return (call(INDEX_ACCUMULATE, (g,), (g._data,), g, attrs),)


INDEX = Op("index", lambda b, x, key: x[key], _grad_index, node="IndexBackward0")
# The backward of advanced indexing: duplicate indices accumulate.
INDEX_ACCUMULATE = Op("index_accumulate", _accumulate_kernel, _grad_accumulate, node="IndexPutBackward0")


def _reworded(error: IndexError) -> IndexError:
    """NumPy's out-of-bounds message in PyTorch's words."""
    return IndexError(str(error).replace(" for axis ", " for dimension "))


def _advanced_index(x: Tensor, key: tuple) -> Tensor:
    try:
        return call(INDEX, (x,), (x._data,), x, {"key": key})
    except IndexError as error:
        raise _reworded(error) from None


def index_plan(x: Tensor, basic, advanced, node) -> Tensor:
    """x indexed by a parsed plan: the basic step's view, then the advanced step's copy."""
    if basic is not None:
        x = index_view(x, basic, node)
    if advanced is not None:
        x = _advanced_index(x, advanced)
    return x


_INDEX_DTYPES = (dt.int64, dt.int32)


def getitem(self: Tensor, key) -> Tensor:
    kind = type(key)
    if kind is int:
        shape = self._data.shape
        if shape and -shape[0] <= key < shape[0]:
            return index_view(self, (key, Ellipsis), "SelectBackward0")
    elif kind is Tensor and key.dtype in _INDEX_DTYPES and key._data.ndim and key.device is self.device:
        if self._data.ndim == 0:
            raise IndexError("too many indices for tensor of dimension 0")
        if self.device.type != "cpu":
            _check_array_bounds(key._data, 0, self._data.shape[0])
        return _advanced_index(self, (key._data,))
    return index_plan(self, *parse_key(key, self))


Tensor.__getitem__ = getitem


# --- writing: x[key] = value, index_put ----------------------------------------------------------


def _put_kernel(b, x, value, basic, advanced, accumulate):
    out = b.copy(x)
    target = out if basic is None else out[basic]
    key = Ellipsis if advanced is None else advanced
    if accumulate:
        b.index_add(target, key, value)
    else:
        target[key] = value
    return out


def _grad_put(ctx, g):
    basic, advanced = ctx.attrs["basic"], ctx.attrs["advanced"]
    grad_self = None
    if ctx.next_functions[0][0] is not None:
        grad_self = g if ctx.attrs["accumulate"] else _put(g, 0, basic, advanced, False, _PUT_GRAD)
    grad_value = None
    if len(ctx.next_functions) > 1 and ctx.next_functions[1][0] is not None:
        grad_value = index_plan(g, basic, advanced, "SliceBackward0")
    return grad_self, grad_value


def _put_op(node: str) -> Op:
    return Op("index_put", _put_kernel, _grad_put, node=node)


SETITEM = _put_op("CopySlices")
INDEX_PUT = _put_op("IndexPutBackward0")
_PUT_GRAD = _put_op("IndexPutBackward0")


def _put(x: Tensor, value, basic, advanced, accumulate: bool, op: Op = INDEX_PUT) -> Tensor:
    """A copy of x with value written (or added) at the plan's positions."""
    attrs = {"basic": basic, "advanced": advanced, "accumulate": accumulate}
    if isinstance(value, Tensor):
        return call(op, (x, value), (x._data, value._data), x, attrs)
    return call(op, (x,), (x._data, value), x, attrs)


def _put_value(self: Tensor, value, advanced) -> object:
    """The value to write, checked as PyTorch checks it."""
    if isinstance(value, Tensor):
        if value.device != self.device:
            raise device_mismatch("index_put_", self, value)
        if value.dtype is not self.dtype:
            if advanced is not None:
                raise RuntimeError(
                    f"Index put requires the source and destination dtypes match, got {_TYPE[self.dtype]} for the "
                    f"destination and {_TYPE[value.dtype]} for the source. Convert the value with "
                    f".to({self.dtype})."
                )
            value = value.to(self.dtype)
        return value
    if isinstance(value, (bool, int, float, np.generic)):
        return value
    raise TypeError(f"can't assign a {type(value).__name__} to a {self.type()}; wrap it with ember.tensor(...) first")


def _shape_error(self: Tensor, value, basic, advanced) -> RuntimeError:
    target = self._data if basic is None else self._data[basic]
    region = target if advanced is None else target[advanced]
    return RuntimeError(
        f"shape mismatch: value tensor of shape {list(getattr(value, 'shape', ()))} cannot be broadcast to "
        f"indexing result of shape {list(region.shape)}"
    )


def _write(self: Tensor, value, basic, advanced, accumulate: bool, op: Op) -> Tensor:
    """Write value into self at the plan's positions, in place, recording the write for autograd."""
    value = _put_value(self, value, advanced)
    if grad_state.enabled and (self._requires_grad or isinstance(value, Tensor) and value._requires_grad):
        check_inplace_target(self)
        alias = _alias_for_inplace(op, self)
        try:
            result = _put(alias, value, basic, advanced, accumulate, op)
        except IndexError as error:
            raise _reworded(error) from None
        except ValueError:
            raise _shape_error(self, value, basic, advanced) from None
        return rebase_inplace(self, result, "index_put")
    data = value._data if isinstance(value, Tensor) else value
    target = self._data if basic is None else self._data[basic]
    try:
        if accumulate:
            self._backend.index_add(target, Ellipsis if advanced is None else advanced, data)
        else:
            self._backend.setitem(target, Ellipsis if advanced is None else advanced, data)
    except IndexError as error:
        raise _reworded(error) from None
    except (ValueError, OverflowError) as error:
        if isinstance(value, Tensor) and "read-only" not in str(error):
            raise _shape_error(self, value, basic, advanced) from None
        raise _write_error(self, error) from None
    self._version[0] += 1
    return self


def _write_error(self: Tensor, error: Exception) -> Exception:
    """A failed write of a number: into an expanded view, or of a value the dtype cannot hold."""
    if "read-only" in str(error):
        return overlap_error(error)
    return RuntimeError(f"value cannot be converted to type {self.dtype.name} without overflow")


def setitem(self: Tensor, key, value) -> None:
    if type(key) is int and type(value) in _NUMBERS and not (grad_state.enabled and self._requires_grad):
        shape = self._data.shape
        if shape and -shape[0] <= key < shape[0]:
            try:
                self._backend.setitem(self._data, key, value)
            except (OverflowError, ValueError) as error:
                raise _write_error(self, error) from None
            self._version[0] += 1
            return
    basic, advanced, _ = parse_key(key, self)
    _write(self, value, basic, advanced, False, INDEX_PUT if basic is None else SETITEM)


_NUMBERS = (int, float, bool)


Tensor.__setitem__ = setitem


def _index_tuple(indices) -> tuple:
    if isinstance(indices, Tensor):
        raise TypeError("index_put(): indices must be a tuple of Tensors, e.g. (idx,), not a Tensor")
    return tuple(slice(None) if i is None else i for i in indices)


@export
def index_put(input: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    """A copy of input with values written (or, with accumulate, added) at indices."""
    basic, advanced, _ = parse_key(_index_tuple(indices), input)
    values = _put_value(input, values, advanced)
    try:
        return _put(input, values, basic, advanced, accumulate)
    except ValueError:
        raise _shape_error(input, values, basic, advanced) from None


@method("index_put_")
def index_put_(self: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    basic, advanced, _ = parse_key(_index_tuple(indices), self)
    return _write(self, values, basic, advanced, accumulate, INDEX_PUT)


_TYPE = {
    dt.float16: "Half",
    dt.float32: "Float",
    dt.float64: "Double",
    dt.uint8: "Byte",
    dt.int8: "Char",
    dt.int16: "Short",
    dt.int32: "Int",
    dt.int64: "Long",
    dt.bool_: "Bool",
}


# --- gather and scatter along a dim ------------------------------------------------------------


def _grid(b, index, axis: int) -> tuple:
    """Index arrays addressing out[i][j][k] -> position with index[i][j][k] along axis."""
    ndim = index.ndim
    grids = []
    for d, n in enumerate(index.shape):
        if d == axis:
            grids.append(index)
        else:
            grids.append(b.xp.arange(n).reshape((1,) * d + (n,) + (1,) * (ndim - d - 1)))
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
    low, high = int(index._data.min()), int(index._data.max())
    size = input.shape[axis]
    if low < 0 or high >= size:
        raise RuntimeError(
            f"{name}(): index {low if low < 0 else high} is out of bounds for dimension {axis} with size {size}"
        )


def _gather_kernel(b, x, axis, index):
    if x.ndim == 0:
        return x.copy()
    return x[_grid(b, index._data, axis)]


def _grad_gather(ctx, g):
    zeros = g.new_zeros(ctx.input_shape(0))
    return (zeros.scatter_add(ctx.attrs["axis"], ctx.attrs["index"], g),)


GATHER = Op("gather", _gather_kernel, _grad_gather, node="GatherBackward0")


@export
def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False, out: Tensor | None = None) -> Tensor:
    """out[i][j] = input[index[i][j]][j] (for dim=0): pick along dim by index."""
    axis = _wrap_dim(dim, input.ndim)
    _check_along("gather", input, axis, index)
    result = call(GATHER, (input,), (input._data,), input, {"axis": axis, "index": index})
    if out is not None:
        from ._dispatch import write_out

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


def _scatter_kernel(b, x, src, axis, index, reduce):
    out = b.copy(x)
    where = _grid(b, index._data, axis)
    values = src[tuple(slice(0, n) for n in index.shape)] if getattr(src, "ndim", 0) else src
    if reduce == "add":
        b.index_add(out, where, values)
    elif reduce == "multiply":
        _ufunc_at(b, "multiply")(out, where, values)
    else:
        out[where] = values
    return out


def _grad_scatter(ctx, g):
    index, axis = ctx.attrs["index"], ctx.attrs["axis"]
    grad_input = g if ctx.attrs["reduce"] == "add" else g.scatter(axis, index, 0)
    grad_src = None
    if len(ctx.next_functions) > 1 and ctx.next_functions[1][0] is not None:
        grad_src = g.gather(axis, index)
    return grad_input, grad_src


SCATTER = Op("scatter", _scatter_kernel, _grad_scatter, node="ScatterBackward0")
SCATTER_VALUE = Op("scatter", _scatter_kernel, _grad_scatter, node="ScatterBackward1")
SCATTER_ADD = Op("scatter_add", _scatter_kernel, _grad_scatter, node="ScatterAddBackward0")
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


def _scatter_reduce_kernel(b, x, src, axis, index, reduce, include_self):
    xp = b.xp
    where = _grid(b, index._data, axis)
    values = src[tuple(slice(0, n) for n in index.shape)]
    out = b.copy(x)
    if not include_self:
        identity = {"sum": 0, "mean": 0, "prod": 1}.get(reduce)
        if identity is None:
            info = xp.finfo(x.dtype) if x.dtype.kind == "f" else xp.iinfo(x.dtype)
            identity = (
                -xp.inf
                if x.dtype.kind == "f" and reduce == "amax"
                else info.min
                if reduce == "amax"
                else (xp.inf if x.dtype.kind == "f" else info.max)
            )
        out[where] = identity
    _ufunc_at(b, _REDUCERS[reduce])(out, where, values)
    if reduce == "mean":
        counts = xp.zeros(x.shape, dtype=np.int64)
        b.index_add(counts, where, 1)
        if include_self:
            counts += 1
        counts = xp.maximum(counts, 1)
        out = (out / counts).astype(x.dtype) if x.dtype.kind == "f" else out // counts
    return out


def _grad_scatter_reduce(ctx, g):
    axis, index, reduce = ctx.attrs["axis"], ctx.attrs["index"], ctx.attrs["reduce"]
    include_self = ctx.attrs["include_self"]
    input, src = ctx.saved
    if reduce == "sum":
        grad_input = g if include_self else g.scatter(axis, index, 0)
        return grad_input, g.gather(axis, index)
    if reduce == "mean":
        counts = input.new_zeros(input.shape).scatter_add(axis, index, src.new_ones(index.shape).to(input.dtype))
        counts = (counts + 1 if include_self else counts).clamp(min=1)
        scaled = g / counts
        grad_input = scaled if include_self else scaled.scatter(axis, index, 0)
        return grad_input, scaled.gather(axis, index)
    if reduce in ("amax", "amin"):
        result = ctx.output()
        picked = result.gather(axis, index)
        src_hits = (src[tuple(slice(0, n) for n in index.shape)] == picked).to(g.dtype)
        self_hits = (input == result).to(g.dtype)
        if not include_self:
            self_hits = self_hits.scatter(axis, index, 0)
        ties = self_hits.scatter_add(axis, index, src_hits)
        share = g / ties.clamp(min=1)
        grad_src = share.gather(axis, index) * src_hits
        if tuple(src.shape) != tuple(index.shape):
            grad_src = _pad_to(grad_src, src.shape)
        return share * self_hits, grad_src
    raise RuntimeError(
        "the derivative for 'scatter_reduce' with reduce='prod' is not implemented in ember; use "
        "reduce='sum', 'mean', 'amax' or 'amin', or compute the product with log/exp"
    )


def _pad_to(x: Tensor, shape: tuple) -> Tensor:
    """x placed at the start of zeros of a larger shape."""
    out = x.new_zeros(shape)
    out[tuple(slice(0, n) for n in x.shape)] = x
    return out


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
        low, high = int(index._data.min()), int(index._data.max())
        if low < 0 or high >= size:
            raise IndexError(
                f"{name}(): index out of range in self (index {low if low < 0 else high} for dimension {axis} "
                f"with size {size})"
            )
    return index


def _along(axis: int, index) -> tuple:
    return (slice(None),) * axis + (index._data,)


def _grad_index_select(ctx, g):
    zeros = g.new_zeros(ctx.input_shape(0))
    return (zeros.index_add(ctx.attrs["axis"], ctx.attrs["index"], g),)


INDEX_SELECT = Op(
    "index_select",
    lambda b, x, axis, index: b.xp.take(x, index._data, axis=axis) if x.ndim else x[index._data],
    _grad_index_select,
    node="IndexSelectBackward0",
)


@export
def index_select(input: Tensor, dim: int, index: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The slices along dim at the given indices."""
    axis = _wrap_dim(dim, input.ndim)
    index = _check_index_vector("index_select", input, axis, index)
    result = call(INDEX_SELECT, (input,), (input._data,), input, {"axis": axis, "index": index})
    if out is not None:
        from ._dispatch import write_out

        return write_out(out, result)
    return result


def _index_add_kernel(b, x, source, axis, index, alpha):
    out = b.copy(x)
    b.index_add(out, _along(axis, index), source * alpha if alpha != 1 else source)
    return out


def _grad_index_add(ctx, g):
    axis, index, alpha = ctx.attrs["axis"], ctx.attrs["index"], ctx.attrs["alpha"]
    grad_source = None
    if ctx.next_functions[1][0] is not None:
        grad_source = g.index_select(axis, index)
        grad_source = grad_source * alpha if alpha != 1 else grad_source
    return g, grad_source


INDEX_ADD = Op("index_add", _index_add_kernel, _grad_index_add, node="IndexAddBackward0")


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


def _index_fill_kernel(b, x, value, axis, index):
    out = b.copy(x)
    out[_along(axis, index)] = value
    return out


def _grad_index_fill(ctx, g):
    axis, index = ctx.attrs["axis"], ctx.attrs["index"]
    grad_value = None
    if len(ctx.next_functions) > 1 and ctx.next_functions[1][0] is not None:
        grad_value = g.index_select(axis, index).sum()
    return g.index_fill(axis, index, 0), grad_value


INDEX_FILL = Op("index_fill", _index_fill_kernel, _grad_index_fill, node="IndexFillBackward0")
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
        data = value._data.astype(input.dtype.numpy)
        return call(INDEX_FILL_TENSOR, (input, value), (input._data, data), input, attrs)
    return call(INDEX_FILL, (input,), (input._data, value), input, attrs)


@method("index_fill_")
def index_fill_(self: Tensor, dim: int, index: Tensor, value) -> Tensor:
    return _inplace_from(self, index_fill(self, dim, index, value), "index_fill")


def _index_copy_kernel(b, x, source, axis, index):
    out = b.copy(x)
    out[_along(axis, index)] = source
    return out


def _grad_index_copy(ctx, g):
    axis, index = ctx.attrs["axis"], ctx.attrs["index"]
    grad_source = g.index_select(axis, index) if ctx.next_functions[1][0] is not None else None
    return g.index_fill(axis, index, 0), grad_source


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


def _grad_masked_fill(ctx, g):
    mask = ctx.attrs["mask"]
    grad_value = None
    if len(ctx.next_functions) > 1 and ctx.next_functions[1][0] is not None:
        grad_value = g.where(mask, 0).sum()
    return g.masked_fill(mask, 0), grad_value


def _masked_fill_kernel(b, x, value, mask):
    return b.where(mask._data, value, x)


MASKED_FILL = Op("masked_fill", _masked_fill_kernel, _grad_masked_fill, node="MaskedFillBackward0")
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
        value_data = value._data.astype(input.dtype.numpy)
        return call(MASKED_FILL_TENSOR, (input, value), (input._data, value_data), input, {"mask": mask})
    return call(MASKED_FILL, (input,), (input._data, _fill_scalar(input, value)), input, {"mask": mask})


@method("masked_fill_")
def masked_fill_(self: Tensor, mask: Tensor, value) -> Tensor:
    return _inplace_from(self, masked_fill(self, mask, value), "masked_fill")


def _grad_masked_select(ctx, g):
    mask = ctx.attrs["mask"]
    attrs = {"shape": mask.shape, "key": (mask._data,)}
    return (call(INDEX_ACCUMULATE, (g,), (g._data,), g, attrs),)


MASKED_SELECT = Op(
    "masked_select",
    lambda b, x, mask: b.xp.broadcast_to(x, mask.shape)[mask._data],
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
        if as_tuple:
            return (make(input._backend.xp.zeros(count, dtype="int64"), input),)
        return make(input._backend.xp.zeros((count, 0), dtype="int64"), input)
    found = input._backend.nonzero(input._data)
    columns = tuple(make(input._backend.xp.asarray(c, dtype="int64"), input) for c in found)
    if as_tuple:
        return columns
    return make(input._backend.xp.stack([c._data for c in columns], axis=1), input)


@export
def argwhere(input: Tensor) -> Tensor:
    return nonzero(input)


def _grad_take(ctx, g):
    shape = ctx.input_shape(0)
    attrs = {"shape": (math.prod(shape),), "key": (ctx.attrs["index"]._data,)}
    return (call(INDEX_ACCUMULATE, (g,), (g._data,), g, attrs).reshape(shape),)


TAKE = Op("take", lambda b, x, index: b.xp.take(x, index._data), _grad_take, node="TakeBackward0")


@export
def take(input: Tensor, index: Tensor) -> Tensor:
    """input treated as 1-D, read at index (the result has index's shape)."""
    _index_dtype_check("take", index)
    if index.device != input.device:
        raise device_mismatch("take", input, index)
    if index.numel():
        size = input.numel()
        low, high = int(index._data.min()), int(index._data.max())
        if low < -size or high >= size:
            raise IndexError(f"take(): index {high if high >= size else low} out of range for tensor of size {size}")
    return call(TAKE, (input,), (input._data,), input, {"index": index})
