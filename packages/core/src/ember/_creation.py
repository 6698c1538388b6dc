"""Making tensors: from data, filled, ranges, *_like and new_* forms, the legacy constructor."""

from __future__ import annotations

import math
import warnings

import numpy as np

from . import _dtype as dt
from ._device import CPU
from ._devices import backend_for, canonical_device
from ._tensor import Tensor, wrap

_default_device = [CPU]


def set_default_device(device) -> None:
    _default_device[0] = canonical_device(device if device is not None else "cpu")


def get_default_device():
    return _default_device[0]


def _place(device):
    dev = _default_device[0] if device is None else canonical_device(device)
    return dev, backend_for(dev)


def sizes_of(size: tuple) -> tuple:
    """Accept f(2, 3), f((2, 3)), f([2, 3]) and f(ember.Size(...))."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    try:
        return tuple(int(n) for n in size)
    except TypeError:
        raise TypeError(f"size must be a sequence of ints, got {size!r}") from None


def finish(data, backend, dtype: dt.dtype, device, requires_grad: bool) -> Tensor:
    out = wrap(data, backend, dtype, device)
    if requires_grad:
        out.requires_grad_(True)
    return out


# --- from data ---------------------------------------------------------------------------


def _host_array(data) -> tuple[np.ndarray, bool]:
    """Data as a NumPy array, and whether its dtype came from Python values (to be mapped)."""
    if isinstance(data, np.ndarray):
        return data, False
    if isinstance(data, np.generic):
        return np.asarray(data), False
    if isinstance(data, Tensor):
        return data.detach()._host(), False
    if isinstance(data, (list, tuple)):
        flat = _flatten_tensors(data)
        try:
            array = np.asarray(flat)
        except ValueError as error:
            raise ValueError(f"expected a rectangular nested sequence of numbers ({error})") from None
        if array.dtype == object:
            raise ValueError("expected a rectangular nested sequence of numbers (the sequence is ragged)")
        return array, True
    if isinstance(data, (bool, int, float)):
        return np.asarray(data), True
    if hasattr(data, "__array__") or hasattr(data, "__array_interface__"):
        return np.asarray(data), False
    raise TypeError(f"new(): invalid data type '{type(data).__name__}'")


def _flatten_tensors(data):
    if isinstance(data, Tensor):
        return data.detach()._host()
    if isinstance(data, (list, tuple)):
        return [_flatten_tensors(x) for x in data]
    if isinstance(data, (str, bytes)) or data is None:
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    return data


def _ember_dtype_of(array: np.ndarray, from_python: bool) -> dt.dtype:
    kind = array.dtype.kind
    if from_python or array.dtype == object:
        if kind == "b":
            return dt.bool_
        if kind in "iu":
            return dt.int64
        if kind == "f":
            return dt.get_default_dtype()
        raise TypeError(f"new(): invalid data type '{array.dtype}'")
    return dt.from_numpy_dtype(array.dtype)


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of data (nested lists, NumPy arrays, scalars, tensors)."""
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
            "sourceTensor.detach().clone().requires_grad_(True), rather than ember.tensor(sourceTensor).",
            UserWarning,
            stacklevel=2,
        )
    array, from_python = _host_array(data)
    target = dt.as_dtype(dtype) if dtype is not None else _ember_dtype_of(array, from_python)
    dev, backend = _place(device if device is not None or not isinstance(data, Tensor) else data.device)
    native = backend.from_numpy(np.array(array, dtype=target.numpy, copy=True), dev.index)
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
    backend = backend_for(CPU)
    data = backend.from_dlpack(ext_tensor, None)
    return wrap(data, backend, dt.from_numpy_dtype(data.dtype), CPU)


# --- filled --------------------------------------------------------------------------------


def _filled(kind: str, size: tuple, dtype, device, requires_grad: bool, value=None) -> Tensor:
    shape = sizes_of(size)
    for n in shape:
        if n < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {n}: {list(shape)}")
    target = dt.as_dtype(dtype) if dtype is not None else dt.get_default_dtype()
    dev, backend = _place(device)
    if kind == "empty":
        data = backend.empty(shape, target, dev.index)
    elif kind == "zeros":
        data = backend.zeros(shape, target, dev.index)
    else:
        data = backend.full(shape, value, target, dev.index)
    return finish(data, backend, target, dev, requires_grad)


def empty(
    *size, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False, memory_format=None, out=None
) -> Tensor:
    """An uninitialised tensor of the given size."""
    return _filled("empty", size, dtype, device, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad: bool = False, out=None) -> Tensor:
    """A tensor of zeros."""
    return _filled("zeros", size, dtype, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad: bool = False, out=None) -> Tensor:
    """A tensor of ones."""
    return _filled("full", size, dtype, device, requires_grad, 1)


def _dtype_of_value(value) -> dt.dtype:
    if isinstance(value, Tensor):
        return value.dtype
    return dt.scalar_dtype(value)


def full(size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor filled with fill_value (int values give int64, bools bool, floats the default dtype)."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    target = dtype if dtype is not None else _dtype_of_value(fill_value)
    return _filled(
        "full", (tuple(size) if not isinstance(size, int) else (size,)), target, device, requires_grad, fill_value
    )


def _like(input: Tensor, dtype, device):
    return input.dtype if dtype is None else dtype, input.device if device is None else device


def empty_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False, memory_format=None) -> Tensor:
    d, v = _like(input, dtype, device)
    return empty(input.shape, dtype=d, device=v, requires_grad=requires_grad)


def zeros_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False, memory_format=None) -> Tensor:
    d, v = _like(input, dtype, device)
    return zeros(input.shape, dtype=d, device=v, requires_grad=requires_grad)


def ones_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False, memory_format=None) -> Tensor:
    d, v = _like(input, dtype, device)
    return ones(input.shape, dtype=d, device=v, requires_grad=requires_grad)


def full_like(
    input: Tensor, fill_value, *, dtype=None, device=None, requires_grad: bool = False, memory_format=None
) -> Tensor:
    d, v = _like(input, dtype, device)
    return full(input.shape, fill_value, dtype=d, device=v, requires_grad=requires_grad)


# --- ranges ------------------------------------------------------------------------------------


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Values from start up to (not including) end, step apart."""
    if end is None:
        start, end = 0, start
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(
            f"upper bound and larger bound inconsistent with step sign (start={start}, end={end}, step={step})"
        )
    all_int = all(isinstance(v, int) for v in (start, end, step))
    target = dt.as_dtype(dtype) if dtype is not None else (dt.int64 if all_int else dt.get_default_dtype())
    count = max(0, math.ceil((end - start) / step))
    dev, backend = _place(device)
    host = np.arange(count, dtype=np.float64 if not all_int else np.int64) * step + start
    data = backend.from_numpy(host.astype(target.numpy), dev.index)
    return finish(data, backend, target, dev, requires_grad)


def range_(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Deprecated in PyTorch: values from start to end inclusive."""
    if end is None:
        start, end = 0, start
    target = dtype if dtype is not None else dt.get_default_dtype()
    return arange(start, end + step / 2 if step > 0 else end - abs(step) / 2, step, dtype=target, device=device)


def linspace(start, end, steps: int, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """`steps` evenly spaced values from start to end inclusive."""
    target = dt.as_dtype(dtype) if dtype is not None else dt.get_default_dtype()
    dev, backend = _place(device)
    host = np.linspace(float(start), float(end), int(steps))
    return finish(backend.from_numpy(host.astype(target.numpy), dev.index), backend, target, dev, requires_grad)


def logspace(
    start, end, steps: int, base: float = 10.0, *, dtype=None, device=None, requires_grad: bool = False
) -> Tensor:
    target = dt.as_dtype(dtype) if dtype is not None else dt.get_default_dtype()
    dev, backend = _place(device)
    host = np.power(base, np.linspace(float(start), float(end), int(steps)))
    return finish(backend.from_numpy(host.astype(target.numpy), dev.index), backend, target, dev, requires_grad)


def eye(n: int, m: int | None = None, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """An identity matrix of n rows (and m columns)."""
    target = dt.as_dtype(dtype) if dtype is not None else dt.get_default_dtype()
    dev, backend = _place(device)
    data = backend.eye(n, n if m is None else m, target, dev.index)
    return finish(data, backend, target, dev, requires_grad)


# --- new_* methods ------------------------------------------------------------------------------


def _new_options(self: Tensor, dtype, device):
    return (self.dtype if dtype is None else dtype), (self.device if device is None else device)


def new_tensor(self: Tensor, data, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    d, v = _new_options(self, dtype, device)
    return tensor(data.detach() if isinstance(data, Tensor) else data, dtype=d, device=v, requires_grad=requires_grad)


def new_empty(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    d, v = _new_options(self, dtype, device)
    return empty(*size, dtype=d, device=v, requires_grad=requires_grad)


def new_zeros(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    d, v = _new_options(self, dtype, device)
    return zeros(*size, dtype=d, device=v, requires_grad=requires_grad)


def new_ones(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    d, v = _new_options(self, dtype, device)
    return ones(*size, dtype=d, device=v, requires_grad=requires_grad)


def new_full(self: Tensor, size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    d, v = _new_options(self, dtype, device)
    return full(size, fill_value, dtype=d, device=v, requires_grad=requires_grad)


for _method in (new_tensor, new_empty, new_zeros, new_ones, new_full):
    setattr(Tensor, _method.__name__, _method)


# --- the legacy constructor: ember.Tensor(2, 3), ember.FloatTensor([1, 2]) -----------------------


def legacy_constructor(cls, args: tuple, *, dtype=None, device=None) -> Tensor:
    target = dt.as_dtype(dtype) if dtype is not None else dt.get_default_dtype()
    if not args:
        result = empty(0, dtype=target, device=device)
    elif all(isinstance(a, int) and not isinstance(a, bool) for a in args) or (
        len(args) == 1 and type(args[0]).__name__ == "Size"
    ):
        result = empty(*args, dtype=target, device=device)
    elif len(args) == 1:
        data = args[0]
        if isinstance(data, Tensor):
            return data
        result = tensor(data, dtype=target, device=device)
    else:
        raise TypeError(f"new() received an invalid combination of arguments: {args!r}")
    if cls is not Tensor:
        result.__class__ = cls
    return result
