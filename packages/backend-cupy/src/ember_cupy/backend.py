"""The CUDA backend: core's NumPy-like base over CuPy, plus what a GPU needs.

Overridden from the base: creation and host transfer under the chosen device,
scatter-add (`cupyx.scatter_add`), one random stream per device, GPU-to-GPU copies,
pinned host memory, DLPack, and the device queries behind `ember.cuda`.

CuPy is imported on first need, never at import time: without CuPy, a driver or a
GPU, the backend still loads, `is_available()` is False and `unavailable_reason()`
says which of the three is missing.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
from ember.backends import NumpyLikeBackend

from ._availability import cuda_version, device_problem, import_cupy
from ._generator import CupyGenerator

_NOT_PROBED = object()
#: ember dtypes CuPy has no array type for.
_UNSUPPORTED_DTYPES = ("bfloat16",)


def _no_dtype_message(dtype: Any) -> str:
    return (
        f"{dtype} is not supported on CUDA by ember-cupy: CuPy has no {dtype.name} arrays. Keep {dtype} tensors "
        "on the CPU (ember-numpy), or convert before moving them: t.float().to('cuda') or t.half().to('cuda')"
    )


class CupyBackend(NumpyLikeBackend):
    """ember's "cuda" device type on CuPy.

    `CupyBackend()` finds CuPy itself. `CupyBackend(numpy, simulated_devices=2)` runs the
    same code over CUDA simulated on NumPy (`ember_cupy.simulated`), for tests without a GPU.
    """

    name = "cupy"
    device_type = "cuda"
    distribution = "ember-cupy"

    def __init__(self, xp: Any = None, *, cupyx: Any = None, simulated_devices: int | None = None) -> None:
        # NOTE: the base's __init__ (binding kernels to xp) runs in _bind, once CuPy is known to work.
        self._bound = False
        self._cupy = xp
        self._cupyx = cupyx
        self._reason = _NOT_PROBED
        self._count: int | None = None
        self.simulated = simulated_devices is not None
        if self.simulated:
            from .simulated import SimulatedCupy, SimulatedCupyx

            self.name = "cupy-simulated"
            self._cupy = SimulatedCupy(np if xp is None else xp, simulated_devices)
            self._cupyx = SimulatedCupyx(self._cupy)

    # --- availability and lazy binding ----------------------------------------------
    def unavailable_reason(self) -> str | None:
        if self._reason is _NOT_PROBED:
            self._reason = self._probe()
        return self._reason

    def _probe(self) -> str | None:
        if self._cupy is None:
            cupy, cupyx, reason = import_cupy()
            if reason is not None:
                return reason
            self._cupy, self._cupyx = cupy, cupyx
        return device_problem(self._cupy)

    def device_count(self) -> int:
        if self.unavailable_reason() is not None:
            return 0
        if self._count is None:
            self._count = self._cupy.cuda.runtime.getDeviceCount()
        return self._count

    def __getattr__(self, name: str) -> Any:
        # Reached only for what is not bound yet: kernels and `xp` before CuPy's first use.
        if name.startswith("_") or self.__dict__.get("_bound", True):
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        reason = self.unavailable_reason()
        if reason is not None:
            raise AttributeError(f"the {self.name!r} backend's {name!r} needs CUDA, which is not available: {reason}")
        self._bind()
        return getattr(self, name)

    def _bind(self) -> None:
        if self._cupyx is None:
            self._cupyx = importlib.import_module("cupyx")
        NumpyLikeBackend.__init__(self, self._cupy)
        self._bound = True

    # --- creation and host transfer, on the chosen device ---------------------------------
    def native_dtype(self, dtype: Any) -> Any:
        return self._native(dtype)

    def _native(self, dtype: Any) -> Any:
        if dtype.name in _UNSUPPORTED_DTYPES:
            raise TypeError(_no_dtype_message(dtype))
        return dtype.numpy

    def _on(self, index: int | None):
        """CuPy's device context for `index` (None: the current device)."""
        return self.xp.cuda.Device(index)

    def asarray(self, data: Any, dtype: Any, index: int | None) -> Any:
        with self._on(index):
            return self.xp.asarray(data, dtype=None if dtype is None else self._native(dtype))

    def empty(self, shape: tuple, dtype: Any, index: int | None) -> Any:
        with self._on(index):
            return self.xp.empty(shape, dtype=self._native(dtype))

    def zeros(self, shape: tuple, dtype: Any, index: int | None) -> Any:
        with self._on(index):
            return self.xp.zeros(shape, dtype=self._native(dtype))

    def full(self, shape: tuple, value: Any, dtype: Any, index: int | None) -> Any:
        with self._on(index):
            return self.xp.full(shape, value, dtype=self._native(dtype))

    def arange(self, start: Any, stop: Any, step: Any, dtype: Any, index: int | None) -> Any:
        with self._on(index):
            return self.xp.arange(start, stop, step, dtype=self._native(dtype))

    def linspace(self, start: Any, stop: Any, num: int, dtype: Any, index: int | None) -> Any:
        with self._on(index):
            return self.xp.linspace(start, stop, num, dtype=self._native(dtype))

    def eye(self, n: int, m: int, dtype: Any, index: int | None) -> Any:
        with self._on(index):
            return self.xp.eye(n, m, dtype=self._native(dtype))

    # NOTE: moving and filling data works on any GPU; other kernels run on CuPy's current device (see README).
    def astype(self, x: Any, dtype: Any) -> Any:
        with x.device:
            return x.astype(self._native(dtype))

    def copy(self, x: Any) -> Any:
        with x.device:
            return x.copy(order="K")  # NOTE: in x's own layout, as clone() keeps it

    def copy_into(self, dst: Any, src: Any) -> None:
        with dst.device:
            self.xp.copyto(dst, src, casting="unsafe")

    def to_numpy(self, x: Any) -> np.ndarray:
        """A host copy (a GPU array cannot share memory with NumPy)."""
        return self.xp.asnumpy(x)

    def from_numpy(self, array: np.ndarray, index: int | None) -> Any:
        if array.dtype.kind == "V":  # NOTE: a host dtype CuPy lacks (ml_dtypes' bfloat16)
            raise TypeError(_no_dtype_message(self.ember_dtype(array.dtype)))
        with self._on(index):
            return self.xp.asarray(array)

    def from_dlpack(self, producer: Any, index: int | None) -> Any:
        """The producer's GPU memory, shared (CuPy reads the device from the DLPack data)."""
        with self._on(index):
            return self.xp.from_dlpack(producer)

    def device_index(self, x: Any) -> int:
        return x.device.id

    def to_device(self, x: Any, index: int) -> Any:
        """A copy of x on GPU `index` (a peer copy when x lives on another GPU)."""
        xp = self.xp
        with self._on(x.device.id):
            source = xp.ascontiguousarray(x)  # NOTE: at least 1-d, so the copy takes x's own shape
        with self._on(index):
            out = xp.empty(x.shape, dtype=source.dtype)
            if source.nbytes:
                out.data.copy_from_device(source.data, source.nbytes)
        return out

    # --- pinned host memory ----------------------------------------------------------------
    def pin_memory(self, array: np.ndarray) -> np.ndarray:
        """A copy of a host array in page-locked memory (faster, asynchronous copies to the GPU)."""
        pinned = self._cupyx.empty_pinned(array.shape, dtype=array.dtype)
        pinned[...] = array
        return pinned

    def is_pinned(self, array: np.ndarray) -> bool:
        pinned_type = self.xp.cuda.PinnedMemoryPointer
        owner = array
        while owner is not None:
            if isinstance(owner, pinned_type):
                return True
            owner = owner.obj if isinstance(owner, memoryview) else getattr(owner, "base", None)
        return False

    # --- random, scatter, special functions ---------------------------------------------------
    def make_generator(self, index: int | None, seed: int) -> CupyGenerator:
        return CupyGenerator(self.xp, self.xp.cuda.runtime.getDevice() if index is None else index, seed)

    def index_add(self, target: Any, index: Any, values: Any) -> None:
        self._cupyx.scatter_add(target, index, values)

    def put_along_axis(self, x: Any, index: Any, values: Any, axis: int) -> None:
        ndim = index.ndim
        key = [self.xp.arange(n).reshape((1,) * i + (n,) + (1,) * (ndim - i - 1)) for i, n in enumerate(index.shape)]
        key[axis] = index
        x[tuple(key)] = values

    def erf(self, x: Any) -> Any:
        return _special(self._cupyx).erf(x)

    # --- devices ------------------------------------------------------------------------------
    def select_device(self, index: int) -> None:
        """Make GPU `index` CuPy's current device (where CuPy computes and allocates)."""
        self.xp.cuda.runtime.setDevice(index)

    def synchronize(self, index: int) -> None:
        self._on(index).synchronize()

    def device_name(self, index: int) -> str:
        name = self.xp.cuda.runtime.getDeviceProperties(index)["name"]
        return name.decode() if isinstance(name, bytes) else str(name)

    def device_properties(self, index: int) -> dict:
        """Name, compute capability, memory and multiprocessors of GPU `index`."""
        found = self.xp.cuda.runtime.getDeviceProperties(index)
        return {
            "name": self.device_name(index),
            "major": int(found.get("major", 0)),
            "minor": int(found.get("minor", 0)),
            "total_memory": int(found.get("totalGlobalMem", 0)),
            "multi_processor_count": int(found.get("multiProcessorCount", 0)),
        }

    def memory_allocated(self, index: int) -> int:
        """Bytes of GPU memory held by live arrays (CuPy's memory pool, used part)."""
        with self._on(index):
            return int(self.xp.get_default_memory_pool().used_bytes())

    def memory_reserved(self, index: int) -> int:
        """Bytes the memory pool holds from the driver, in use or cached."""
        with self._on(index):
            return int(self.xp.get_default_memory_pool().total_bytes())

    def empty_cache(self) -> None:
        """Give the memory pools' cached blocks back to the driver."""
        self.xp.get_default_memory_pool().free_all_blocks()
        self.xp.get_default_pinned_memory_pool().free_all_blocks()

    def describe(self) -> dict:
        """Versions and GPUs, for `python -m ember` (nothing without CUDA: the reason is shown already)."""
        if self.unavailable_reason() is not None:
            return {}
        runtime = self.xp.cuda.runtime
        info = {
            "cupy": self.xp.__version__,
            "cuda_driver": cuda_version(runtime.driverGetVersion()),
            "cuda_runtime": cuda_version(runtime.runtimeGetVersion()),
            "devices": ", ".join(f"cuda:{i} {self.device_name(i)}" for i in range(self.device_count())),
        }
        if self.simulated:
            from .simulated import SIMULATION_NOTE

            info["simulation"] = SIMULATION_NOTE
        return info


def _special(cupyx: Any) -> Any:
    try:
        return cupyx.scipy.special
    except AttributeError:
        return importlib.import_module("cupyx.scipy.special")
