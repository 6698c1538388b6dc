"""A GPU array imitated over NumPy: host storage, CuPy's manners.

`SimulatedDeviceArray` holds a NumPy array and the simulated device it lives on. Like
a CuPy array it is not a NumPy array: `numpy.asarray(x)` raises TypeError (copy with
`.get()`) and its kernels refuse host arrays. As in CuPy (without peer access), a kernel
runs on the current device, allocates its result there and refuses arrays that live on
another device; views stay with their base; `.copy()` brings an array over. NumPy
functions and operators reach it through `__array_ufunc__` / `__array_function__`, as
they reach CuPy's arrays. Device bookkeeping (the current device per thread, bytes in
use per device) lives in `SimulatedRuntime`.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

import numpy as np

IMPLICIT_CONVERSION = (
    "Implicit conversion to a NumPy array is not allowed. Please use `.get()` to construct a NumPy array explicitly."
)


class SimulatedCudaRuntimeError(RuntimeError):
    """What CuPy's CUDARuntimeError is to a real GPU."""


class SimulatedDevice:
    """`cupy.cuda.Device` for the simulation: an id, a context manager that makes it current."""

    def __init__(self, runtime: SimulatedRuntime, index: int) -> None:
        self.runtime = runtime
        self.id = index

    def __enter__(self) -> SimulatedDevice:
        self.runtime.push(self.id)
        return self

    def __exit__(self, *exc) -> None:
        self.runtime.pop()

    def use(self) -> None:
        self.runtime.setDevice(self.id)

    def synchronize(self) -> None:
        self.runtime.check(self.id)
        self.runtime.synchronized[self.id] += 1

    def __repr__(self) -> str:
        return f"<CUDA Device {self.id} (simulated)>"


class SimulatedRuntime:
    """`cupy.cuda.runtime` for the simulation: device count, the current device, bytes in use."""

    DRIVER_VERSION = 12040

    def __init__(self, device_count: int) -> None:
        self.devices = tuple(SimulatedDevice(self, i) for i in range(device_count))
        self._thread = threading.local()  # NOTE: as in CUDA, each thread has its own current device
        self.allocated = [0] * device_count
        self.synchronized = [0] * device_count
        self._counted: set[int] = set()

    @property
    def current(self) -> int:
        return getattr(self._thread, "current", 0)

    @current.setter
    def current(self, index: int) -> None:
        self._thread.current = index

    @property
    def _stack(self) -> list:
        if not hasattr(self._thread, "stack"):
            self._thread.stack = []
        return self._thread.stack

    # --- cupy.cuda.runtime's functions --------------------------------------------
    def getDeviceCount(self) -> int:  # noqa: N802 (CuPy's name)
        return len(self.devices)

    def getDevice(self) -> int:  # noqa: N802
        return self.current

    def setDevice(self, index: int) -> None:  # noqa: N802
        self.current = self.check(index)

    def driverGetVersion(self) -> int:  # noqa: N802
        return self.DRIVER_VERSION

    def runtimeGetVersion(self) -> int:  # noqa: N802
        return self.DRIVER_VERSION

    def getDeviceProperties(self, index: int) -> dict:  # noqa: N802
        self.check(index)
        return {
            "name": b"Simulated CUDA device (NumPy, no GPU)",
            "totalGlobalMem": 1 << 34,
            "major": 0,
            "minor": 0,
            "multiProcessorCount": 1,
        }

    # --- bookkeeping ------------------------------------------------------------------
    def check(self, index: int) -> int:
        if not 0 <= index < len(self.devices):
            raise SimulatedCudaRuntimeError("cudaErrorInvalidDevice: invalid device ordinal")
        return index

    def push(self, index: int | None) -> None:
        self._stack.append(self.current)
        if index is not None:
            self.setDevice(index)

    def pop(self) -> None:
        self.current = self._stack.pop()

    def adopt(self, host: np.ndarray, index: int) -> SimulatedDeviceArray:
        """`host` as an array on device `index`, counting its bytes while it owns fresh memory."""
        if host.base is None and id(host) not in self._counted and host.nbytes:
            self._counted.add(id(host))
            self.allocated[index] += host.nbytes
            weakref.finalize(host, self._release, id(host), index, host.nbytes)
        return SimulatedDeviceArray(host, self.devices[index])

    def _release(self, key: int, index: int, nbytes: int) -> None:
        self._counted.discard(key)
        self.allocated[index] -= nbytes


class SimulatedMemoryPointer:
    """The `.data` of a simulated array: enough of `cupy.cuda.MemoryPointer` to copy between devices."""

    def __init__(self, array: SimulatedDeviceArray) -> None:
        self.array = array
        self.device_id = array.device.id

    @property
    def ptr(self) -> int:
        """The address of the array's first element (its memory is host memory)."""
        return self.array._host.__array_interface__["data"][0]

    def copy_from_device(self, source: SimulatedMemoryPointer, size: int) -> None:
        target = self.array._host.reshape(-1).view(np.uint8)
        target[:size] = source.array._host.reshape(-1).view(np.uint8)[:size]


# --- moving between the simulated device and the host ----------------------------------


def unwrap(value: Any, read: list) -> Any:
    """The host storage of the device arrays in value (recursing into lists and tuples), noted in `read`.

    A host array is refused, as CuPy's kernels refuse NumPy arrays."""
    if type(value) is SimulatedDeviceArray:
        read.append(value)
        return value._host
    if isinstance(value, np.ndarray):
        raise TypeError(f"Unsupported type {type(value)}")
    if isinstance(value, (list, tuple)):
        return type(value)(unwrap(v, read) for v in value)
    return value


def unwrap_lenient(value: Any, read: list) -> Any:
    """Like unwrap, but host arrays pass (CuPy copies them over for index keys and assigned values)."""
    if type(value) is SimulatedDeviceArray:
        read.append(value)
        return value._host
    if isinstance(value, tuple):
        return tuple(unwrap_lenient(v, read) for v in value)
    return value


def require_current(read: list, runtime: SimulatedRuntime) -> None:
    """A kernel runs on the current device and must find its arrays there (no peer access here)."""
    for array in read:
        if array.device.id != runtime.current:
            raise ValueError(
                f"The device where the array resides ({array.device.id}) is different from the current device "
                f"({runtime.current}). Peer access is unavailable between these devices."
            )


def settle(result: Any, read: list, runtime: SimulatedRuntime, writes: bool = False) -> Any:
    """A host-side result placed as CuPy places it: a view stays with its base array; new memory
    (and any write) belongs to a kernel, which runs on the current device."""
    if writes:
        require_current(read, runtime)
    return _place(result, read, runtime)


def _place(result: Any, read: list, runtime: SimulatedRuntime) -> Any:
    if isinstance(result, np.ndarray):
        for array in read:
            if np.may_share_memory(result, array._host):
                return SimulatedDeviceArray(result, array.device)
        require_current(read, runtime)
        return runtime.adopt(result, runtime.current)
    if isinstance(result, np.generic):  # NOTE: CuPy gives 0-d arrays where NumPy gives scalars
        require_current(read, runtime)
        return runtime.adopt(np.asarray(result), runtime.current)
    if isinstance(result, list):
        return [_place(r, read, runtime) for r in result]
    if isinstance(result, tuple):  # NOTE: CuPy's linalg gives plain tuples where NumPy's gives named ones
        return tuple(_place(r, read, runtime) for r in result)
    if result is None:  # an in-place write (fill, copyto)
        require_current(read, runtime)
    return result


def _is_basic(key: tuple) -> bool:
    return all(
        part is None or part is Ellipsis or isinstance(part, (slice, int, np.integer)) and not isinstance(part, bool)
        for part in key
    )


class SimulatedDeviceArray:
    """An array on a simulated CUDA device (see the module docstring)."""

    __slots__ = ("_host", "device", "__weakref__")
    __array_priority__ = 100
    __hash__ = None

    def __init__(self, host: np.ndarray, device: SimulatedDevice) -> None:
        self._host = host
        self.device = device

    # --- what CuPy arrays have beyond NumPy's ------------------------------------------
    def get(self, stream=None, out=None) -> np.ndarray:
        """A host copy (CuPy's explicit device-to-host transfer)."""
        return self._host.copy()

    @property
    def base(self):
        """The array this one views, None when it owns its memory (reading it runs no kernel)."""
        base = self._host.base
        return SimulatedDeviceArray(base, self.device) if isinstance(base, np.ndarray) else base

    @property
    def data(self) -> SimulatedMemoryPointer:
        return SimulatedMemoryPointer(self)

    def __dlpack_device__(self) -> tuple[int, int]:
        return (2, self.device.id)  # kDLCUDA

    def __dlpack__(self, stream=None, _simulated_import: bool = False, **kwargs):
        if not _simulated_import:  # NOTE: host memory in disguise must not reach a real (CPU) consumer
            raise BufferError("the DLPack data of a (simulated) CUDA array can only be imported on the device")
        return self._host.__dlpack__(**kwargs)

    def copy(self, order: str = "C") -> SimulatedDeviceArray:
        """A copy on the current device (from any device, as CuPy copies)."""
        runtime = self.device.runtime
        return runtime.adopt(self._host.copy(order), runtime.current)

    def astype(self, dtype, order="K", casting=None, subok=None, copy=True) -> SimulatedDeviceArray:
        if casting is not None or subok is not None:
            raise TypeError("casting and subok are not supported by CuPy's astype")
        if not copy and np.dtype(dtype) == self.dtype:
            return self
        return settle(self._host.astype(dtype, order=order), [self], self.device.runtime)

    # --- NumPy's protocols ------------------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        raise TypeError(IMPLICIT_CONVERSION)

    def __array_ufunc__(self, ufunc, method: str, *inputs, **kwargs):
        read: list = []
        args = unwrap(inputs, read)
        native_kwargs = {k: unwrap(v, read) for k, v in kwargs.items()}
        out = kwargs.get("out")
        result = settle(getattr(ufunc, method)(*args, **native_kwargs), read, self.device.runtime, out is not None)
        if out is not None:
            return out[0] if isinstance(out, tuple) and len(out) == 1 else out
        return result

    def __array_function__(self, func, types, args, kwargs):
        read: list = []
        native_args = unwrap(args, read)
        native_kwargs = {k: unwrap(v, read) for k, v in kwargs.items()}
        out = kwargs.get("out")
        result = settle(func(*native_args, **native_kwargs), read, self.device.runtime, out is not None)
        return out if out is not None else result

    # --- indexing ---------------------------------------------------------------------
    def __getitem__(self, key):
        read: list = [self]
        native = unwrap_lenient(key if isinstance(key, tuple) else (key,), read)
        if _is_basic(native) and Ellipsis not in native:
            native = (*native, Ellipsis)  # NOTE: a full integer index gives a 0-d view, as CuPy's does
        return settle(self._host[native], read, self.device.runtime)

    def __setitem__(self, key, value) -> None:
        read: list = [self]
        native = unwrap_lenient(key, read)
        native_value = unwrap_lenient(value, read)
        require_current(read, self.device.runtime)
        self._host[native] = native_value

    @property
    def __cuda_array_interface__(self) -> dict:
        """CUDA's array interface, as CuPy arrays have it: the pointer is the simulated device memory's address."""
        host = self._host.__array_interface__
        return {
            "shape": host["shape"],
            "typestr": host["typestr"],
            "data": host["data"],
            "strides": host["strides"],
            "version": 3,
        }

    # --- everything else NumPy arrays do ------------------------------------------------
    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)  # NOTE: hides __array_interface__ & co., which would bypass __array__
        value = getattr(self._host, name)
        if not callable(value):
            return settle(value, [self], self.device.runtime)

        def method(*args, **kwargs):
            read: list = [self]
            native_args = unwrap(args, read)
            native_kwargs = {k: unwrap(v, read) for k, v in kwargs.items()}
            return settle(value(*native_args, **native_kwargs), read, self.device.runtime)

        return method

    def __len__(self) -> int:
        return len(self._host)

    def __iter__(self):
        return (self[i] for i in range(len(self._host)))

    def __bool__(self) -> bool:
        return bool(self._host)

    def __int__(self) -> int:
        return int(self._host)

    def __float__(self) -> float:
        return float(self._host)

    def __complex__(self) -> complex:
        return complex(self._host)

    def __index__(self) -> int:
        return self._host.__index__()

    def __repr__(self) -> str:
        return f"{self._host!r} (simulated cuda:{self.device.id})"

    def __reduce__(self):
        raise TypeError("simulated device arrays are not picklable; copy to the host with .get() first")


def _binary_operator(ufunc):
    return (
        lambda self, other: ufunc(self, other),
        lambda self, other: ufunc(other, self),
        lambda self, other: ufunc(self, other, out=(self,)),
    )


for _name, _ufunc in {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "truediv": np.true_divide,
    "floordiv": np.floor_divide,
    "mod": np.remainder,
    "pow": np.power,
    "matmul": np.matmul,
    "and": np.bitwise_and,
    "or": np.bitwise_or,
    "xor": np.bitwise_xor,
    "lshift": np.left_shift,
    "rshift": np.right_shift,
}.items():
    _forward, _reflected, _inplace = _binary_operator(_ufunc)
    setattr(SimulatedDeviceArray, f"__{_name}__", _forward)
    setattr(SimulatedDeviceArray, f"__r{_name}__", _reflected)
    setattr(SimulatedDeviceArray, f"__i{_name}__", _inplace)

for _name, _ufunc in {
    "lt": np.less,
    "le": np.less_equal,
    "gt": np.greater,
    "ge": np.greater_equal,
    "eq": np.equal,
    "ne": np.not_equal,
}.items():
    setattr(SimulatedDeviceArray, f"__{_name}__", lambda self, other, _u=_ufunc: _u(self, other))

for _name, _ufunc in {"neg": np.negative, "pos": np.positive, "abs": np.absolute, "invert": np.invert}.items():
    setattr(SimulatedDeviceArray, f"__{_name}__", lambda self, _u=_ufunc: _u(self))
