"""Making tensors: from data, filled, ranges, *_like and new_* forms, the legacy constructor."""

from __future__ import annotations

import math
import operator
import warnings

import numpy as np

from . import _argument_checks as checks
from . import _dtype as dt
from ._device import CPU
from ._devices import backend_for, canonical_device, dlpack_device
from ._size import Size
from ._tensor import Tensor, _LegacyTensorType, wrap
from ._writes import write_out

_default_device = [CPU]


def set_default_device(device) -> None:
    """Set the device that creation functions use by default."""
    _default_device[0] = canonical_device(device if device is not None else "cpu")


def get_default_device():
    """The device that creation functions use by default."""
    return _default_device[0]


def _place(device):
    dev = _default_device[0] if device is None else canonical_device(device)
    return dev, backend_for(dev)


def sizes_of(size: tuple) -> tuple:
    """Accept f(2, 3), f((2, 3)), f([2, 3]) and f(ember.Size(...))."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    try:
        shape = tuple(operator.index(n) for n in size)
    except TypeError:
        raise TypeError(f"size must be a sequence of ints, got {size!r}") from None
    for n in shape:
        if n < 0:
            raise RuntimeError(
                f"Trying to create tensor with negative dimension {n}: {list(shape)}; sizes must be 0 or more"
            )
    return shape


def finish(data, backend, dtype: dt.dtype, device, requires_grad: bool) -> Tensor:
    out = wrap(data, backend, dtype, device)
    if requires_grad:
        out.requires_grad_(True)
    return out


# --- from data ---------------------------------------------------------------------------

_PYTHON_SCALARS = (bool, int, float, complex)


def _scalar_dtype(item) -> dt.dtype | None:
    """The dtype a leaf of nested data contributes, or None when the leaf is not a number."""
    if isinstance(item, np.generic):
        return dt.from_numpy_dtype(item.dtype) if item.dtype.kind in "biufc" else None
    if isinstance(item, bool):
        return dt.bool_
    if isinstance(item, int):
        return dt.int64
    if isinstance(item, float):
        return dt.get_default_dtype()
    if isinstance(item, complex):
        return dt.default_complex_dtype()
    if isinstance(item, Tensor):
        if item._data.size != 1:
            raise ValueError(
                f"only one element tensors can be converted to Python scalars (got a tensor of shape "
                f"{list(item.shape)} inside a sequence); use ember.stack or ember.cat to join tensors"
            )
        return item.dtype
    return None


def _sizes_of_nested(data) -> list:
    """The shape implied by the first element at each depth (PyTorch's rule)."""
    shape = []
    item = data
    while isinstance(item, (list, tuple, range, np.ndarray)):
        if isinstance(item, np.ndarray):
            return shape + list(item.shape)
        shape.append(len(item))
        if not len(item):
            return shape
        item = item[0]
    if isinstance(item, str) and item:
        # NOTE: PyTorch reads a string there as one more level of nesting, which never ends.
        raise ValueError(
            f"too many dimensions 'str': ember.tensor() takes numbers, not text ({item!r}); convert the strings "
            "first, e.g. [float(s) for s in data]"
        )
    return shape


def _not_a_number(item, depth: int, typed: bool) -> Exception:
    """The error PyTorch gives for a leaf of nested data that is no number (typed: a dtype was given)."""
    name = type(item).__name__
    if isinstance(item, (str, bytes)):
        return TypeError(
            f"new(): invalid data type '{name}' at dim {depth} of the nested data: ember.tensor() takes numbers; "
            "convert the text first, e.g. float(s)"
        )
    if typed:
        return TypeError(
            f"must be real number, not {name}: found at dim {depth} of the nested data, which must be a "
            "rectangular nesting of numbers"
        )
    return RuntimeError(
        f"Could not infer dtype of {name}: found at dim {depth} of the nested data; ember.tensor() takes numbers, "
        "sequences of numbers, NumPy arrays and one-element tensors"
    )


def _check_nested(data, shape: list, depth: int, found: set, typed: bool) -> bool:
    """Check data is rectangular with `shape`; collect the leaves' dtypes. True when it holds tensors."""
    if len(data) != shape[depth]:
        raise ValueError(f"expected sequence of length {shape[depth]} at dim {depth} (got {len(data)})")
    has_tensor = False
    last = depth + 1 == len(shape)
    for item in data:
        if last:
            if type(item) in _PYTHON_SCALARS:
                found.add(type(item))
                continue
            leaf = _scalar_dtype(item)
            if leaf is None:
                if isinstance(item, (list, tuple, range, np.ndarray)):
                    raise TypeError(
                        f"new(): expected a number at dim {depth + 1} of the nested data, got "
                        f"'{type(item).__name__}' (the data must be a rectangular nesting of numbers)"
                    )
                raise _not_a_number(item, depth + 1, typed)
            found.add(leaf)
            has_tensor = has_tensor or isinstance(item, Tensor)
        elif isinstance(item, np.ndarray):
            if list(item.shape) != shape[depth + 1 :]:
                raise ValueError(
                    f"expected sequence of length {shape[depth + 1]} at dim {depth + 1} (got "
                    f"{item.shape[0] if item.ndim else 0})"
                )
            found.add(dt.from_numpy_dtype(item.dtype))
        elif isinstance(item, (list, tuple, range)):
            has_tensor = _check_nested(item, shape, depth + 1, found, typed) or has_tensor
        elif not isinstance(item, (bool, int, float, np.generic, Tensor)):
            raise _not_a_number(item, depth + 1, typed)
        else:
            raise TypeError(
                f"new(): expected a sequence at dim {depth + 1} of the nested data, got '{type(item).__name__}' "
                "(the data must be a rectangular nesting of numbers)"
            )
    return has_tensor


def _inferred(found: set) -> dt.dtype:
    result = None
    for kind in found:
        d = kind if isinstance(kind, dt.dtype) else _scalar_dtype(kind())
        result = d if result is None else dt.promote_types(result, d)
    return dt.get_default_dtype() if result is None else result


def _replace_tensors(data):
    if isinstance(data, Tensor):
        return data.detach()._host().reshape(())
    if isinstance(data, (list, tuple)):
        return [_replace_tensors(x) for x in data]
    return data


def _python_data(data, typed: bool) -> tuple[object, dt.dtype]:
    """Data that is not an array (numbers, nested sequences) and its inferred dtype (typed: a dtype was given)."""
    leaf = _scalar_dtype(data)
    if leaf is not None:
        return (data.detach()._host() if isinstance(data, Tensor) else data), leaf
    if isinstance(data, (list, tuple, range)):
        shape = _sizes_of_nested(data)
        found: set = set()
        if shape and shape[0]:
            if _check_nested(data, shape, 0, found, typed):
                data = _replace_tensors(data)
        return data, _inferred(found)
    if isinstance(data, (str, bytes)):
        raise TypeError(
            f"new(): invalid data type '{type(data).__name__}' (ember.tensor() takes numbers, not the text {data!r})"
        )
    if typed:
        raise TypeError(f"must be real number, not {type(data).__name__}: ember.tensor() takes numbers")
    raise RuntimeError(f"Could not infer dtype of {type(data).__name__}")


def _host_array(data, dtype: dt.dtype | None) -> tuple[np.ndarray, dt.dtype]:
    """Data as a NumPy array of the target dtype (a copy), and that dtype."""
    if isinstance(data, Tensor):
        host, inferred = data.detach()._host(), data.dtype
    elif isinstance(data, np.ndarray):
        host, inferred = data, dt.from_numpy_dtype(data.dtype)
    elif hasattr(data, "__array__") and not isinstance(data, (list, tuple, np.generic)):
        host = np.asarray(data)
        inferred = dt.from_numpy_dtype(host.dtype)
    else:
        host, inferred = _python_data(data, dtype is not None)
    target = inferred if dtype is None else dt.as_dtype(dtype)
    if isinstance(host, np.ndarray) and host.dtype.kind in "biufc":
        return _converted(host, target), target
    try:
        if target.is_complex or inferred.is_complex:
            array = np.array(host, dtype=np.complex128)
        else:
            floating = target.is_floating_point or inferred.is_floating_point
            array = np.array(host, dtype=np.float64 if floating else np.int64 if inferred is not dt.bool_ else np.bool_)
    except OverflowError:
        raise ValueError(
            f"Overflow when unpacking long long: a value does not fit in {target} (int64 holds values up to "
            f"{2**63 - 1})"
        ) from None
    return _converted(array, target), target


def _converted(array: np.ndarray, target: dt.dtype) -> np.ndarray:
    """A copy of array in target's dtype; integers keep PyTorch's overflow check."""
    if array.dtype.kind == "c" and not target.is_complex:
        array = array.real  # NOTE: as PyTorch, a complex value given to a real dtype keeps its real part
    if target.inexact or target is dt.bool_ or array.dtype == target.numpy:
        return np.array(array, dtype=target.numpy, copy=True)
    if array.dtype.kind == "f" and array.size and not np.isfinite(array).all():
        raise checks.overflow_error(target, "the data holds inf or nan, which integers cannot; replace them first")
    if array.size and array.dtype.kind in "iuf" and target is not dt.int64:
        info = np.iinfo(target.numpy)
        lowest = -info.max if info.min == 0 else info.min
        if array.min() < lowest or array.max() > info.max:
            raise checks.overflow_error(
                target, f"the data holds values outside [{lowest}, {info.max}]; pass a wider dtype"
            )
    return array.astype(target.numpy)


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of data (nested lists, NumPy arrays, scalars, tensors).

    >>> ember.tensor([[1, 2], [3, 4]])
    tensor([[1, 2],
            [3, 4]])
    >>> ember.tensor([1.5, 2.0], requires_grad=True)
    tensor([1.5000, 2.0000], requires_grad=True)
    """
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
            "sourceTensor.detach().clone().requires_grad_(True), rather than ember.tensor(sourceTensor).",
            UserWarning,
            stacklevel=2,
        )
    array, target = _host_array(data, dtype)
    dev, backend = _place(device if device is not None or not isinstance(data, Tensor) else data.device)
    native = backend.from_numpy(array, dev.index)
    return finish(native, backend, target, dev, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like tensor(), but shares memory with a NumPy array or tensor when it can."""
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dtype) if (dtype or device) else data
    if isinstance(data, np.ndarray) and (device is None or canonical_device(device) is CPU):
        result = from_numpy(data)
        return result if dtype is None else result.to(dt.as_dtype(dtype))
    return tensor(data, dtype=dtype, device=device)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad: bool = False) -> Tensor:
    """A tensor from data, sharing its memory when it already is a tensor or a NumPy array of the requested dtype."""
    result = tensor(obj, dtype=dtype, device=device) if copy else as_tensor(obj, dtype=dtype, device=device)
    return result.requires_grad_(requires_grad) if requires_grad else result


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A CPU tensor sharing memory with ndarray: writes to either show in both."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    dtype = dt.from_numpy_dtype(ndarray.dtype)
    backend = backend_for(CPU)
    return wrap(backend.from_numpy(ndarray, None), backend, dtype, CPU)


def from_dlpack(ext_tensor) -> Tensor:
    """A tensor sharing memory with a DLPack producer (a NumPy or CuPy array, another library's tensor)."""
    dev = dlpack_device(ext_tensor)
    backend = backend_for(dev)
    data = backend.from_dlpack(ext_tensor, dev.index)
    dtype = backend.dtypes.get(data.dtype)
    if dtype is None:
        dtype = dt.from_numpy_dtype(data.dtype)  # raises TypeError naming the dtype ember lacks
    return wrap(data, backend, dtype, dev)


def to_dlpack(tensor: Tensor):
    """A DLPack capsule sharing the tensor's memory (for another library's ``from_dlpack``)."""
    return tensor.__dlpack__()


def frombuffer(buffer, *, dtype, count: int = -1, offset: int = 0, requires_grad: bool = False) -> Tensor:
    """A 1-D CPU tensor sharing memory with a Python buffer (bytearray, array.array, memoryview, ...)."""
    target = dt.as_dtype(dtype)
    itemsize = np.dtype(target.numpy).itemsize
    length = memoryview(buffer).nbytes
    if length == 0 or count == 0:
        raise ValueError(f"both buffer length ({length}) and count ({count}) must not be 0")
    if not 0 <= offset < length:
        raise ValueError(f"offset ({offset} bytes) must be non-negative and no greater than buffer length "
                         f"({length} bytes) minus 1")  # fmt: skip
    if count < 0 and (length - offset) % itemsize:
        raise ValueError(f"buffer length ({length - offset} bytes) after offset ({offset} bytes) must be a multiple "
                         f"of element size ({itemsize})")  # fmt: skip
    if count > 0 and count * itemsize > length - offset:
        raise ValueError(f"requested buffer length ({count} * {itemsize} bytes) after offset ({offset} bytes) must "
                         f"not be greater than actual buffer length ({length} bytes)")  # fmt: skip
    if memoryview(buffer).readonly:
        warnings.warn(
            "The given buffer is not writable, and ember does not support non-writable tensors: writing to the "
            "tensor fails. Copy the buffer, or make it writable, before converting it to a tensor.",
            UserWarning,
            stacklevel=2,
        )
    array = np.frombuffer(buffer, dtype=target.numpy, count=count, offset=offset)
    result = from_numpy(array)
    return result.requires_grad_(requires_grad) if requires_grad else result


def scalar_tensor(s, *, dtype=None, layout=None, device=None, requires_grad: bool = False, pin_memory: bool = False):
    """A 0-dim tensor holding the number s, of the default floating dtype unless dtype is given."""
    return full((), s, dtype=dtype or dt.get_default_dtype(), device=device, requires_grad=requires_grad)


def empty_strided(
    size, stride, *, dtype=None, layout=None, device=None, requires_grad: bool = False, pin_memory: bool = False
) -> Tensor:
    """An uninitialised tensor of the given size (its memory is laid out by the backend, whatever the strides)."""
    if len(tuple(size)) != len(tuple(stride)):
        raise RuntimeError(
            f"dimensionality of sizes ({len(tuple(size))}) must match dimensionality of strides ({len(tuple(stride))})"
        )
    return empty(tuple(size), dtype=dtype, device=device, requires_grad=requires_grad)


def empty_permuted(
    size, physical_layout, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:  # fmt: skip
    """An uninitialised tensor of the given size (its memory is laid out by the backend, whatever the layout)."""
    if len(set(physical_layout)) != len(tuple(physical_layout)):
        raise RuntimeError("Duplicate dim not allowed")
    if sorted(physical_layout) != list(range(len(tuple(size)))):
        raise RuntimeError(
            f"physical_layout {list(physical_layout)} is no permutation of the dims of size {list(size)}"
        )
    return empty(tuple(size), dtype=dtype, device=device, requires_grad=requires_grad)


# --- filled --------------------------------------------------------------------------------


def _filled(op: str, size: tuple, dtype, device, requires_grad: bool, value=None) -> Tensor:
    """empty, zeros, or (ones, full) filled with a value already checked for the dtype."""
    shape = sizes_of(size)
    target = dt.as_dtype(dtype) if dtype is not None else dt.get_default_dtype()
    dev, backend = _place(device)
    try:
        if op == "empty":
            data = backend.empty(shape, target, dev.index)
        elif op == "zeros":
            data = backend.zeros(shape, target, dev.index)
        else:
            data = backend.full(shape, value, target, dev.index)
    except (MemoryError, ValueError, OverflowError) as error:
        checks.raise_allocation_failure(op, shape, target, error)
        raise
    return finish(data, backend, target, dev, requires_grad)


def size_argument(name: str, positional: tuple, keyword: dict) -> tuple:
    """f(2, 3) or f(size=(2, 3)), as PyTorch's creation functions accept both."""
    size = keyword.pop("size", None)
    if keyword:
        raise TypeError(f"{name}() got an unexpected keyword argument '{next(iter(keyword))}'")
    if size is None:
        return positional
    if positional:
        raise TypeError(f"{name}() got multiple values for argument 'size'")
    return (size,)


def empty(
    *size,
    dtype=None,
    device=None,
    requires_grad: bool = False,
    pin_memory: bool = False,
    memory_format=None,
    out=None,
    **keyword,
) -> Tensor:
    """An uninitialised tensor of the given size."""
    size = size_argument("empty", size, keyword)
    return _result(_filled("empty", size, dtype, device, requires_grad), out)


def zeros(*size, dtype=None, device=None, requires_grad: bool = False, out=None, **keyword) -> Tensor:
    """A tensor of zeros.

    >>> ember.zeros(2, 3)
    tensor([[0., 0., 0.],
            [0., 0., 0.]])
    >>> ember.zeros((2,), dtype=ember.int64)
    tensor([0, 0])
    """
    size = size_argument("zeros", size, keyword)
    return _result(_filled("zeros", size, dtype, device, requires_grad), out)


def ones(*size, dtype=None, device=None, requires_grad: bool = False, out=None, **keyword) -> Tensor:
    """A tensor of ones.

    >>> ember.ones(2, 2)
    tensor([[1., 1.],
            [1., 1.]])
    """
    size = size_argument("ones", size, keyword)
    return _result(_filled("ones", size, dtype, device, requires_grad, 1), out)


def _dtype_of_value(value) -> dt.dtype:
    """The dtype `full` infers from its fill value; a 0-dim tensor counts as the number it holds."""
    if isinstance(value, Tensor) and value.dim() == 0:
        return dt.scalar_dtype(value.item())
    return dt.scalar_dtype(value)


def full(size, fill_value, *, dtype=None, device=None, requires_grad: bool = False, out=None) -> Tensor:
    """A tensor filled with fill_value (int values give int64, bools bool, floats the default dtype).

    >>> ember.full((2, 3), 7.0)
    tensor([[7., 7., 7.],
            [7., 7., 7.]])
    """
    target = dt.as_dtype(dtype) if dtype is not None else _dtype_of_value(fill_value)
    value = checks.fill_value("full", fill_value, target)
    return _result(_filled("full", (size,), target, device, requires_grad, value), out)


def _like(input: Tensor, dtype, device):
    return input.dtype if dtype is None else dtype, input.device if device is None else device


def empty_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False, memory_format=None) -> Tensor:
    """A tensor of input's shape with unset values."""
    d, v = _like(input, dtype, device)
    return empty(input.shape, dtype=d, device=v, requires_grad=requires_grad)


def zeros_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False, memory_format=None) -> Tensor:
    """A tensor of input's shape filled with 0."""
    d, v = _like(input, dtype, device)
    return zeros(input.shape, dtype=d, device=v, requires_grad=requires_grad)


def ones_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False, memory_format=None) -> Tensor:
    """A tensor of input's shape filled with 1."""
    d, v = _like(input, dtype, device)
    return ones(input.shape, dtype=d, device=v, requires_grad=requires_grad)


def full_like(
    input: Tensor, fill_value, *, dtype=None, device=None, requires_grad: bool = False, memory_format=None
) -> Tensor:
    """A tensor of input's shape filled with `fill_value`."""
    d, v = _like(input, dtype, device)
    return full(input.shape, fill_value, dtype=d, device=v, requires_grad=requires_grad)


# --- ranges ------------------------------------------------------------------------------------


def _fma(a, b, c) -> np.ndarray:
    """a * b + c on float64 arrays rounded once, as a fused multiply-add computes it."""
    product = a * b
    split = 134217729.0  # 2**27 + 1: splits a double into two 26-bit halves (Dekker)
    a_hi = a * split
    a_hi = a_hi - (a_hi - a)
    b_hi = b * split
    b_hi = b_hi - (b_hi - b)
    a_lo, b_lo = a - a_hi, b - b_hi
    product_error = ((a_hi * b_hi - product) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    total = product + c
    virtual = total - product
    sum_error = (product - (total - virtual)) + (c - virtual)
    return total + (sum_error + product_error)


def _arange_values(start: float, step: float, count: int, target: dt.dtype) -> np.ndarray:
    """Float ranges as PyTorch's CPU kernel computes them, so results match it bit for bit.

    NOTE: the kernel fills blocks of two SIMD vectors (8 floats or 4 doubles each) as
    `base + k * step` from a base rounded to the output dtype, and the remainder as
    `start + i * step`; both in double precision with fused multiply-adds.
    """
    index = np.arange(count, dtype=np.float64)
    start, step = np.float64(start), np.float64(step)
    width = {dt.float32: 8, dt.float64: 4}.get(target)
    if width is None:
        return _fma(step, index, start).astype(target.numpy)
    body = count - count % (2 * width)
    bases = _fma(step, index[:body:width], start).astype(target.numpy).astype(np.float64)
    lanes = np.arange(width, dtype=np.float64)[None, :]
    values = np.concatenate([_fma(step, lanes, bases[:, None]).reshape(-1), _fma(step, index[body:], start)])
    return values.astype(target.numpy)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad: bool = False, out=None) -> Tensor:
    """Values from start up to (not including) end, step apart.

    >>> ember.arange(5)
    tensor([0, 1, 2, 3, 4])
    >>> ember.arange(0, 1, 0.25)
    tensor([0.0000, 0.2500, 0.5000, 0.7500])
    """
    if end is None:
        start, end = 0, start
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    if step == 0:
        raise RuntimeError("arange(): step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(
            f"upper bound and lower bound inconsistent with step sign: arange(start={start}, end={end}, "
            f"step={step}) would be empty going the wrong way; flip the sign of step"
        )
    all_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    target = dt.as_dtype(dtype) if dtype is not None else (dt.int64 if all_int else dt.get_default_dtype())
    if not target.is_floating_point and not all_int:
        start, end, step = int(start), int(end), int(step)
        all_int = step != 0
    count = max(0, math.ceil((end - start) / step))
    try:
        if all_int:
            host = np.arange(start, end, step, dtype=np.int64).astype(target.numpy)
        else:
            host = _arange_values(start, step, count, target)
    except (MemoryError, ValueError, OverflowError) as error:
        checks.raise_allocation_failure("arange", (count,), target, error)
        raise
    dev, backend = _place(device)
    return _result(finish(backend.from_numpy(host, dev.index), backend, target, dev, requires_grad), out)


def _result(result: Tensor, out: Tensor | None) -> Tensor:
    if out is None:
        return result
    return write_out(out, result)


def range_(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Deprecated in PyTorch: values from start to end inclusive."""
    if end is None:
        start, end = 0, start
    target = dtype if dtype is not None else dt.get_default_dtype()
    return arange(start, end + step / 2 if step > 0 else end - abs(step) / 2, step, dtype=target, device=device)


def _linspace_values(start: float, end: float, steps: int, target: dt.dtype) -> np.ndarray:
    """PyTorch's CPU linspace: the first half counts up from start, the second half down from end."""
    if steps == 1:
        return np.full(1, start).astype(target.numpy)
    if target is dt.float16:
        low, high = np.float16(start), np.float16(end)
        step = (high - low) / np.float16(steps - 1)
        index = np.arange(steps, dtype=np.float16)
        half = steps // 2
        return np.concatenate([low + step * index[:half], high - step * (np.float16(steps - 1) - index[half:])])
    compute = target.numpy.type if target in (dt.float32, dt.float64) else np.float64
    if not target.is_floating_point:
        start, end = int(start), int(end)
    low, high = compute(start), compute(end)
    step = np.float64((high - low) / compute(steps - 1))
    index = np.arange(steps, dtype=np.float64)
    half = steps // 2
    values = np.concatenate(
        [_fma(step, index[:half], np.float64(low)), _fma(-step, steps - 1 - index[half:], np.float64(high))]
    )
    return values.astype(target.numpy)


def _step_count(op: str, steps) -> int:
    steps = checks.integer_argument(op, "steps", steps)
    if steps < 0:
        raise RuntimeError(f"{op}(): number of steps must be non-negative, got steps={steps}")
    return steps


def linspace(start, end, steps: int, *, dtype=None, device=None, requires_grad: bool = False, out=None) -> Tensor:
    """`steps` evenly spaced values from start to end inclusive.

    >>> ember.linspace(0, 1, steps=5)
    tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
    """
    start, end = (v.item() if isinstance(v, Tensor) else v for v in (start, end))
    steps = _step_count("linspace", steps)
    target = dt.as_dtype(dtype) if dtype is not None else dt.get_default_dtype()
    dev, backend = _place(device)
    try:
        host = _linspace_values(start, end, steps, target) if steps else np.empty(0, target.numpy)
    except (MemoryError, ValueError, OverflowError) as error:
        checks.raise_allocation_failure("linspace", (steps,), target, error)
        raise
    return _result(finish(backend.from_numpy(host, dev.index), backend, target, dev, requires_grad), out)


def logspace(
    start, end, steps: int, base: float = 10.0, *, dtype=None, device=None, requires_grad: bool = False
) -> Tensor:
    """`steps` values from ``base ** start`` to ``base ** end``, evenly spaced on a log scale."""
    steps = _step_count("logspace", steps)
    target = dt.as_dtype(dtype) if dtype is not None else dt.get_default_dtype()
    dev, backend = _place(device)
    try:
        host = np.power(base, np.linspace(float(start), float(end), steps))
    except (MemoryError, ValueError, OverflowError) as error:
        checks.raise_allocation_failure("logspace", (steps,), target, error)
        raise
    return finish(backend.from_numpy(host.astype(target.numpy), dev.index), backend, target, dev, requires_grad)


def eye(n: int, m: int | None = None, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """An identity matrix of n rows (and m columns).

    >>> ember.eye(3)
    tensor([[1., 0., 0.],
            [0., 1., 0.],
            [0., 0., 1.]])
    """
    n = checks.integer_argument("eye", "n", n)
    m = n if m is None else checks.integer_argument("eye", "m", m)
    if n < 0 or m < 0:
        name, count = ("n", n) if n < 0 else ("m", m)
        raise RuntimeError(f"eye(): {name} must be greater or equal to 0, got {count}; pass a size of 0 or more")
    target = dt.as_dtype(dtype) if dtype is not None else dt.get_default_dtype()
    dev, backend = _place(device)
    try:
        data = backend.eye(n, m, target, dev.index)
    except (MemoryError, ValueError, OverflowError) as error:
        checks.raise_allocation_failure("eye", (n, m), target, error)
        raise
    return finish(data, backend, target, dev, requires_grad)


# --- new_* methods ------------------------------------------------------------------------------


def _new_options(self: Tensor, dtype, device):
    return (self.dtype if dtype is None else dtype), (self.device if device is None else device)


def new_tensor(self: Tensor, data, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new tensor from data, with this tensor's dtype and device unless given."""
    d, v = _new_options(self, dtype, device)
    return tensor(data.detach() if isinstance(data, Tensor) else data, dtype=d, device=v, requires_grad=requires_grad)


def new_empty(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new tensor of `size` with unset values and this tensor's dtype and device."""
    d, v = _new_options(self, dtype, device)
    return empty(*size, dtype=d, device=v, requires_grad=requires_grad)


def new_zeros(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new tensor of `size` filled with 0, with this tensor's dtype and device."""
    d, v = _new_options(self, dtype, device)
    return zeros(*size, dtype=d, device=v, requires_grad=requires_grad)


def new_ones(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new tensor of `size` filled with 1, with this tensor's dtype and device."""
    d, v = _new_options(self, dtype, device)
    return ones(*size, dtype=d, device=v, requires_grad=requires_grad)


def new_full(self: Tensor, size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new tensor of `size` filled with `fill_value`, with this tensor's dtype and device."""
    d, v = _new_options(self, dtype, device)
    return full(size, fill_value, dtype=d, device=v, requires_grad=requires_grad)


def new(self: Tensor, *args, device=None) -> Tensor:
    """The legacy constructor in self's dtype (and device): t.new(2, 3), t.new([1, 2]), t.new()."""
    return legacy_constructor(Tensor, args, dtype=self.dtype, device=self.device if device is None else device)


for _method in (new_tensor, new_empty, new_zeros, new_ones, new_full, new):
    setattr(Tensor, _method.__name__, _method)


# --- the legacy constructor: ember.Tensor(2, 3), ember.FloatTensor([1, 2]) -----------------------


def legacy_constructor(cls, args: tuple, *, dtype=None, device=None) -> Tensor:
    target = dt.as_dtype(dtype) if dtype is not None else dt.get_default_dtype()
    if not args:
        result = empty(0, dtype=target, device=device)
    elif all(isinstance(a, int) and not isinstance(a, bool) for a in args) or (
        len(args) == 1 and isinstance(args[0], Size)
    ):
        result = empty(*args, dtype=target, device=device)
    elif len(args) == 1:
        data = args[0]
        if isinstance(data, Tensor):
            if dtype is not None and data.dtype is not target:
                raise TypeError(
                    f"expected a tensor of dtype {target} (got one of dtype {data.dtype}); convert it with "
                    f".to({target})"
                )
            return data
        if isinstance(data, (bool, int, float, np.generic)) or not hasattr(data, "__len__"):
            raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
        result = tensor(data, dtype=target, device=device)
    else:
        raise TypeError(f"new() received an invalid combination of arguments: {args!r}")
    if cls is not Tensor:
        result.__class__ = cls
    return result


# --- Tensor's constructors and NumPy and pickle hooks, which need this layer ---------------------------


def _new_tensor(cls, *args, device=None, dtype=None):
    return legacy_constructor(cls, args, device=device, dtype=dtype)


def _legacy_call(cls, *args, device=None):
    return legacy_constructor(Tensor, args, dtype=cls.dtype, device=device or cls.device_type)


def _array_wrap(self: Tensor, array, context=None, return_scalar: bool = False):
    """NumPy ufuncs on tensors give tensors back (`np.sin(t)`); bool results become uint8, as in PyTorch."""
    if array.dtype == np.bool_:
        array = array.astype(np.uint8)
    return from_numpy(np.asarray(array))


def _rebuild(array, dtype_name, device, requires_grad):
    return tensor(array, dtype=dt._by_name(dtype_name), device=device, requires_grad=requires_grad)


def _reduce_ex(self: Tensor, protocol):
    return (_rebuild, (self.detach()._host().copy(), self.dtype.name, str(self.device), self._requires_grad))


Tensor.__new__ = staticmethod(_new_tensor)
Tensor.__array_wrap__ = _array_wrap
Tensor.__reduce_ex__ = _reduce_ex
_LegacyTensorType.__call__ = _legacy_call
