"""CUDA simulated on NumPy, to test ember's device plumbing on machines without a GPU.

`SimulatedCupy(numpy, devices)` stands in for the `cupy` module and `SimulatedCupyx` for
`cupyx`, with just the parts ember-cupy uses; their arrays are `SimulatedDeviceArray`s.
`CupyBackend(numpy, simulated_devices=2)` runs the real backend code over them, and
`simulated_cuda()` registers such a backend as ember's "cuda" backend for a while::

    with simulated_cuda(devices=2):
        x = ember.ones(2, device="cuda:1")

Nothing here is loaded by ember unless a test asks for it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import numpy as np

from ._simulated_array import (
    SimulatedCudaRuntimeError,
    SimulatedDevice,
    SimulatedDeviceArray,
    SimulatedRuntime,
    require_current,
    settle,
    unwrap,
    unwrap_lenient,
)
from ._simulated_nccl import simulated_nccl

SIMULATION_NOTE = "CUDA simulated on NumPy (no GPU)"

#: NumPy functions that allocate a new array: in the simulation they allocate on the current device.
_CREATION = frozenset(
    "array asarray empty zeros ones full arange linspace logspace eye identity indices tri "
    "empty_like zeros_like ones_like full_like".split()
)


class SimulatedStream:
    """`cupy.cuda.Stream`: the simulation runs every kernel at once, so a stream has nothing queued."""

    null: SimulatedStream

    def __init__(self, null: bool = False, non_blocking: bool = False, ptds: bool = False) -> None:
        self.ptr = 0 if null else id(self)

    def synchronize(self) -> None:
        """Nothing is ever queued."""


SimulatedStream.null = SimulatedStream(null=True)


class SimulatedEvent:
    """`cupy.cuda.Event`: done as soon as it is recorded (nothing is ever queued)."""

    def __init__(self, block: bool = False, disable_timing: bool = False, interprocess: bool = False) -> None:
        self.done = True
        self.recorded = 0

    def record(self, stream: SimulatedStream | None = None) -> None:
        self.recorded += 1

    def synchronize(self) -> None:
        """Nothing is ever queued."""


class PinnedMemory(bytearray):
    """Page-locked host memory, simulated: a host buffer of its own type, so it can be recognised."""


class _SimulatedMemoryPool:
    def __init__(self, runtime: SimulatedRuntime) -> None:
        self.runtime = runtime
        self.freed = 0

    def used_bytes(self) -> int:
        return self.runtime.allocated[self.runtime.current]

    def total_bytes(self) -> int:
        return self.used_bytes()

    def free_all_blocks(self) -> None:
        self.freed += 1


class _SimulatedRandomState:
    """`cupy.random.RandomState` for the simulation (PCG64 underneath, draws on the current device)."""

    def __init__(self, cupy: SimulatedCupy, seed: int) -> None:
        self._cupy = cupy
        self.seed(seed)

    def seed(self, seed: int) -> None:
        self._rng = np.random.Generator(np.random.PCG64(seed))

    def _here(self, host) -> SimulatedDeviceArray:
        return self._cupy.adopt(np.asarray(host))

    def random_sample(self, size=None, dtype=float) -> SimulatedDeviceArray:
        return self._here(self._rng.random(size, dtype=dtype))

    def normal(self, loc=0.0, scale=1.0, size=None, dtype=float) -> SimulatedDeviceArray:
        return self._here(self._rng.normal(loc, scale, size).astype(dtype))

    def randint(self, low, high=None, size=None, dtype="l") -> SimulatedDeviceArray:
        return self._here(self._rng.integers(low, high, size).astype(dtype))

    def permutation(self, num: int) -> SimulatedDeviceArray:
        return self._here(self._rng.permutation(num))


_FFT_KINDS = ("fftn", "ifftn", "rfftn", "irfftn")


class SimulatedCupy:
    """The `cupy` module, simulated over a NumPy module (see the module docstring)."""

    __version__ = f"simulated on NumPy {np.__version__}"

    def __init__(self, numpy: Any = np, devices: int = 2) -> None:
        self._np = numpy
        self.ndarray = SimulatedDeviceArray
        self.runtime = SimulatedRuntime(devices)
        self._pool = _SimulatedMemoryPool(self.runtime)
        self._pinned_pool = _SimulatedMemoryPool(self.runtime)
        self.cuda = SimpleNamespace(
            Device=self._device,
            runtime=self.runtime,
            PinnedMemoryPointer=PinnedMemory,
            CUDARuntimeError=SimulatedCudaRuntimeError,
            Stream=SimulatedStream,
            Event=SimulatedEvent,
            get_current_stream=lambda device_id=-1: SimulatedStream.null,
            nccl=simulated_nccl(self.runtime),
        )
        self.random = SimpleNamespace(RandomState=lambda seed=None, method=None: _SimulatedRandomState(self, seed))
        self.fft = SimpleNamespace(**{kind: self._kernel(getattr(numpy.fft, kind)) for kind in _FFT_KINDS})
        tricks = numpy.lib.stride_tricks
        self.lib = SimpleNamespace(
            stride_tricks=SimpleNamespace(
                as_strided=self._kernel(tricks.as_strided),
                sliding_window_view=self._kernel(tricks.sliding_window_view),
            )
        )

    def __repr__(self) -> str:
        return f"<SimulatedCupy: {SIMULATION_NOTE}, {self.runtime.getDeviceCount()} device(s)>"

    def _device(self, index: int | None = None) -> SimulatedDevice:
        return self.runtime.devices[self.runtime.check(self.runtime.current if index is None else index)]

    def adopt(self, host: np.ndarray) -> SimulatedDeviceArray:
        """A host array's memory as a new array on the current device."""
        return self.runtime.adopt(host, self.runtime.current)

    # --- transfers, memory, DLPack ---------------------------------------------------------
    def asnumpy(self, array, stream=None) -> np.ndarray:
        if type(array) is SimulatedDeviceArray:
            return array.get()
        return self._np.asarray(array)

    def get_default_memory_pool(self) -> _SimulatedMemoryPool:
        return self._pool

    def get_default_pinned_memory_pool(self) -> _SimulatedMemoryPool:
        return self._pinned_pool

    def from_dlpack(self, producer) -> SimulatedDeviceArray:
        kind, index = producer.__dlpack_device__()
        if kind != 2:
            raise BufferError(f"simulated CuPy imports CUDA DLPack data only (device type 2), got device type {kind}")
        host = self._np.from_dlpack(_HostExport(producer))
        return self.runtime.adopt(host, self.runtime.check(index))

    # --- everything NumPy has (where CuPy has it too) -------------------------------------------
    def __getattr__(self, name: str):
        value = getattr(self._np, name)
        if not callable(value) or isinstance(value, type):
            return value
        if name in _CREATION:
            kernel = self._creation(value)
        elif isinstance(value, np.ufunc):
            kernel = _SimulatedUfunc(value, self._kernel(value), self.runtime)
        else:
            kernel = self._kernel(value)
        setattr(self, name, kernel)
        return kernel

    def indices(self, dimensions, dtype=int) -> SimulatedDeviceArray:
        """CuPy's indices: dense only (no `sparse=`; build open grids from arange and reshape)."""
        return self._creation(self._np.indices)(dimensions, dtype=dtype)

    def _creation(self, function):
        def create(*args, **kwargs):
            if args and type(args[0]) is SimulatedDeviceArray and function.__name__ in ("asarray", "array"):
                return _from_device_array(args[0], *args[1:], **kwargs)
            host_args = unwrap_lenient(args, [])
            result = function(*host_args, **kwargs)
            if function.__name__ in ("asarray", "array") and result is host_args[0]:
                result = result.copy()  # NOTE: a host array moved to the device is a copy
            return settle(result, [], self.runtime)

        return create

    def _kernel(self, function):
        def run(*args, **kwargs):
            read: list = []
            native_args = unwrap(args, read)
            native_kwargs = {k: unwrap(v, read) for k, v in kwargs.items()}
            out = kwargs.get("out")
            result = settle(function(*native_args, **native_kwargs), read, self.runtime, out is not None)
            return out if out is not None else result

        return run


class _SimulatedUfunc:
    """A CuPy ufunc: callable, with `at` only where CuPy scatters (add, maximum, minimum)."""

    _SCATTERS = frozenset({"add", "maximum", "minimum"})

    def __init__(self, ufunc: np.ufunc, kernel, runtime: SimulatedRuntime) -> None:
        self._ufunc, self._kernel, self._runtime = ufunc, kernel, runtime
        self.__name__ = ufunc.__name__

    def __call__(self, *args, **kwargs):
        return self._kernel(*args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self._ufunc, name)

    def at(self, a: SimulatedDeviceArray, indices, b=None) -> None:
        if self.__name__ not in self._SCATTERS:
            raise NotImplementedError(f"`{self.__name__}.at` is not supported yet (as in CuPy)")
        read: list = [a]
        key = unwrap_lenient(indices, read)
        values = unwrap_lenient(b, read)
        require_current(read, self._runtime)
        self._ufunc.at(a._host, key, values)


def _from_device_array(array: SimulatedDeviceArray, dtype=None, copy=None, **kwargs):
    if dtype is None or array.dtype == np.dtype(dtype):
        return array.copy() if copy else array
    return array.astype(dtype)


class _HostExport:
    """A simulated device array seen as host memory by NumPy's DLPack import (zero-copy)."""

    def __init__(self, producer) -> None:
        self.producer = producer

    def __dlpack__(self, **kwargs):
        return self.producer.__dlpack__(_simulated_import=True, **kwargs)

    def __dlpack_device__(self) -> tuple[int, int]:
        return (1, 0)


class SimulatedCupyx:
    """The parts of `cupyx` ember-cupy uses, simulated."""

    def __init__(self, cupy: SimulatedCupy) -> None:
        self._cupy = cupy
        self.scipy = SimpleNamespace(special=SimpleNamespace(erf=self._erf))

    def scatter_add(self, target: SimulatedDeviceArray, slices, value) -> None:
        read: list = [target]
        key = unwrap_lenient(slices, read)
        values = unwrap_lenient(value, read)
        require_current(read, self._cupy.runtime)
        np.add.at(target._host, key, values)

    def empty_pinned(self, shape, dtype=float) -> np.ndarray:
        dtype = np.dtype(dtype)
        size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        return np.frombuffer(PinnedMemory(size), dtype=dtype).reshape(shape)

    @staticmethod
    def _erf(x: SimulatedDeviceArray) -> SimulatedDeviceArray:
        try:
            from scipy.special import erf
        except ImportError:
            erf = np.vectorize(math.erf, otypes=[np.float64])
        return settle(np.asarray(erf(x._host)).astype(x.dtype), [x], x.device.runtime)


@contextmanager
def simulated_cuda(devices: int = 2) -> Iterator[Any]:
    """Serve ember's "cuda" device type with a simulated CuPy backend inside the block."""
    from ember import cuda
    from ember.backends import registry

    from .backend import CupyBackend

    backend = CupyBackend(np, simulated_devices=devices)
    registry.register(backend)
    registry.use(backend.name, "cuda")
    cuda._forget_state()
    try:
        yield backend
    finally:
        registry.unregister(backend)
        cuda._forget_state()
