"""Indexing and assignment: x[key], x[key] = v, index_put.

A key is parsed into a plan of at most two steps, applied in order: a basic step (ints,
slices, None, ...) that gives a view, then an advanced step (integer arrays, masks) that
gives a copy. PyTorch applies integer indices before advanced ones, where NumPy would
broadcast them together; splitting the key this way gives PyTorch's result shapes.
"""

from __future__ import annotations

import warnings

from .. import _dtype as dt
from .._autograd._grad_mode import state as grad_state
from .._tensor import Tensor
from .._writes import check_inplace_target
from ._declare import export, method
from ._dispatch import _alias_for_inplace, rebase_inplace
from ._errors import kind_of, overlap_error
from ._op import Op, call, device_mismatch
from .views import index_view

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
            return value._backend.astype(data, dt.bool_)
        if kind.is_floating_point:
            raise IndexError(
                f"tensors used as indices must be long, int, byte or bool tensors (got {kind}); convert with .long()"
            )
        return data
    if isinstance(value, range):
        value = list(value)
    if isinstance(value, list):
        value = [int(v) if isinstance(v, Tensor) else v for v in value]
    array = dt.host_array(value)
    if array.size == 0:
        array = array.astype("int64")
    if kind_of(array) not in "biu":
        raise IndexError(
            f"tensors used as indices must be long, int, byte or bool tensors (got values of type {array.dtype})"
        )
    return x._backend.from_numpy(array, x._backend.device_index(x._data))


def _native_slice(part: slice) -> slice:
    start, stop, step = (None if v is None else int(v) for v in (part.start, part.stop, part.step))
    if step is not None and step <= 0:
        raise ValueError("slice step cannot be zero" if step == 0 else "step must be greater than zero")
    return slice(start, stop, step)


def _within(part: slice, size: int) -> slice:
    """part with its bounds clamped to [-size, size]: it picks the same elements (the step is positive), and
    the array API standard leaves bounds past an axis undefined (NumPy clips them, other libraries refuse)."""
    start, stop = part.start, part.stop
    if (start is None or -size <= start <= size) and (stop is None or -size <= stop <= size):
        return part
    start = start if start is None else min(max(start, -size), size)
    stop = stop if stop is None else min(max(stop, -size), size)
    return slice(start, stop, part.step)


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
        elif isinstance(part, (Tensor, list, tuple, range)) or dt.is_host_array(part):
            array = _index_array(part, x)
            native.append(("mask" if array.dtype == bool else "array", array))
        elif hasattr(part, "__index__") and not isinstance(part, float):
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
            # NOTE: bounds past the axis take the general path, which clamps them
            if start is not None and (type(start) is not int or not -size <= start <= size):
                return None
            if stop is not None and (type(stop) is not int or not -size <= stop <= size):
                return None
            if step is not None and (type(step) is not int or step <= 0):
                return None
            if start or (stop is not None and stop != size) or (step is not None and step != 1):
                node = "SliceBackward0"  # NOTE: _is_full, inlined (stop is at most size here)
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
    native = [
        (kind, _within(value, shape[at]) if kind is slice else value) for (kind, value), at in zip(native, starts)
    ]
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
            advanced.append(dt.host_array([0] if value else [], "int64") if kind is bool else slice(None))
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


def _accumulate_kernel(b, g, *, shape, key):
    out = b.xp.zeros(shape, dtype=g.dtype)
    b.index_add(out, key, g)
    return out


INDEX = Op(
    "index",
    lambda b, x, *, key: b.getitem(x, key),
    lambda m, ctx, g: (m.index_accumulate(g, shape=ctx.input_shape(0), key=ctx.attrs["key"]),),
    node="IndexBackward0",
    math="getitem",
)
# The backward of advanced indexing: duplicate indices accumulate.
INDEX_ACCUMULATE = Op(
    "index_accumulate",
    _accumulate_kernel,
    lambda m, ctx, g: (m.getitem(g, key=ctx.attrs["key"]),),
    node="IndexPutBackward0",
    math="index_accumulate",
)


def _reworded(error: IndexError) -> IndexError:
    """NumPy's out-of-bounds message in PyTorch's words."""
    return IndexError(str(error).replace(" for axis ", " for dimension "))


def _advanced_index(x: Tensor, key) -> Tensor:
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
        return _advanced_index(self, key._data)
    return index_plan(self, *parse_key(key, self))


Tensor.__getitem__ = getitem


# --- writing: x[key] = value, index_put ----------------------------------------------------------


def _put_kernel(b, x, value, *, basic, advanced, accumulate):
    out = b.copy(x)
    target = out if basic is None else out[basic]
    key = Ellipsis if advanced is None else advanced
    if accumulate:
        b.index_add(target, key, value)
    else:
        b.setitem(target, key, value)
    return out


def _grad_put(m, ctx, g):
    basic, advanced = ctx.attrs["basic"], ctx.attrs["advanced"]
    grad_self = None
    if ctx.needs(0):
        grad_self = g
        if not ctx.attrs["accumulate"]:
            grad_self = m.run(_PUT_GRAD, g, 0, basic=basic, advanced=advanced, accumulate=False)
    grad_value = None
    if len(ctx.next_functions) > 1 and ctx.needs(1):
        grad_value = g if basic is None else m.getitem(g, key=basic)
        grad_value = grad_value if advanced is None else m.getitem(grad_value, key=advanced)
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
    if isinstance(value, (bool, int, float)) or dt.is_host_scalar(value):
        return value
    if isinstance(value, complex):
        if not self.dtype.is_complex:
            raise TypeError(f"can't assign a complex to a {self.type()}: take the real part first (value.real)")
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


_TYPE = dt.SCALAR_TYPE_NAMES
