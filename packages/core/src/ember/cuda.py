"""`ember.cuda`: CUDA devices, served by whichever backend plugin provides device type "cuda".

Without a usable GPU the queries still answer (`is_available()` False, `device_count()`
0) and the seeding functions do nothing; what needs a device raises a RuntimeError that
says why CUDA is unavailable and how to get it (`pip install ember-cupy[cuda12]`).
"""

from __future__ import annotations

import threading

from . import _creation, _devices, _random
from ._device import as_device
from ._devices import canonical_device
from ._random import default_generator_for
from ._tensor import CUDA_LEGACY_TYPES
from .backends import registry


class _Current(threading.local):
    """The current device's index, per thread as in CUDA (and PyTorch)."""

    index = 0


_current = _Current()


def _backend():
    return _devices.installed_backend("cuda")


def unavailable_reason() -> str | None:
    """Why CUDA cannot be used here, or None when it can."""
    return _devices.unavailable_reason("cuda")


def is_available() -> bool:
    """True when a CUDA backend is installed, passed ember's checks and finds at least one usable GPU.

    Never raises: a backend whose own `is_available()` fails counts as unavailable.
    """
    backend = _backend()
    return backend is not None and registry.is_available(backend)


def device_count() -> int:
    """The number of usable GPUs (0 without CUDA)."""
    backend = _backend()
    return registry.device_count(backend) if backend is not None and registry.is_available(backend) else 0


def _require():
    reason = unavailable_reason()
    if reason is not None:
        raise RuntimeError(f"CUDA is not available: {reason}")
    return _backend()


def init() -> None:
    """Check that CUDA can be used (RuntimeError saying why not)."""
    _require()


def is_initialized() -> bool:
    """Whether ember has started using CUDA in this process."""
    return is_available()


# --- the current device -----------------------------------------------------------------


def current_device() -> int:
    """The index of the current CUDA device (where `device="cuda"` and `.cuda()` put tensors)."""
    return _current.index


def _index(device) -> int:
    """The device index named by an int, "cuda:1", ember.device("cuda", 1), or None (the current one)."""
    if device is None:
        return _current.index
    if isinstance(device, int) and not isinstance(device, bool):
        return device
    dev = as_device(device)
    if dev.type != "cuda":
        raise ValueError(f"Expected a cuda device, but got: {dev}")
    return _current.index if dev.index is None else dev.index


def _checked(backend, index: int) -> int:
    count = registry.device_count(backend)
    if not 0 <= index < count:
        raise RuntimeError(
            f"CUDA error: invalid device ordinal: cuda:{index} was requested, but {count} CUDA device(s) are "
            f"available (cuda:0 to cuda:{count - 1})"
        )
    return index


def set_device(device) -> None:
    """Make `device` (an index, "cuda:N" or an ember.device) the current CUDA device; negative: no-op."""
    index = _index(device)
    if index < 0:
        return
    backend = _require()
    _current.index = _checked(backend, index)
    select = getattr(backend, "select_device", None)
    if select is not None:
        select(index)


class device:
    """Context manager: `device` is the current CUDA device inside the block (None or -1: no change)."""

    def __init__(self, device) -> None:
        self.idx = -1 if device is None else _index(device)
        self.prev_idx = -1

    def __enter__(self) -> device:
        if self.idx >= 0:
            self.prev_idx = _current.index
            set_device(self.idx)
        return self

    def __exit__(self, *exc) -> bool:
        if self.idx >= 0 and self.prev_idx != self.idx:
            set_device(self.prev_idx)
        return False


class device_of(device):
    """Context manager: the device of tensor `obj` is current inside the block (a CPU tensor: no change)."""

    def __init__(self, obj) -> None:
        super().__init__(obj.get_device() if obj.is_cuda else None)


# --- device queries ----------------------------------------------------------------------


def synchronize(device=None) -> None:
    """Wait until the device has finished all queued work."""
    backend = _require()
    backend.synchronize(_checked(backend, _index(device)))


def get_device_name(device=None) -> str:
    """The name of a CUDA device."""
    backend = _require()
    return backend.device_name(_checked(backend, _index(device)))


class _CudaDeviceProperties:
    """What get_device_properties() tells: name, major, minor, total_memory, multi_processor_count."""

    def __init__(self, name: str, major: int, minor: int, total_memory: int, multi_processor_count: int) -> None:
        self.name, self.major, self.minor = name, major, minor
        self.total_memory, self.multi_processor_count = total_memory, multi_processor_count

    def __repr__(self) -> str:
        return (
            f"_CudaDeviceProperties(name='{self.name}', major={self.major}, minor={self.minor}, "
            f"total_memory={self.total_memory // (1024 * 1024)}MB, multi_processor_count={self.multi_processor_count})"
        )


def get_device_properties(device=None) -> _CudaDeviceProperties:
    """The properties of a CUDA device (name, capability, memory, processors)."""
    backend = _require()
    return _CudaDeviceProperties(**backend.device_properties(_checked(backend, _index(device))))


def get_device_capability(device=None) -> tuple[int, int]:
    """The compute capability (major, minor) of the device."""
    properties = get_device_properties(device)
    return properties.major, properties.minor


def memory_allocated(device=None) -> int:
    """Bytes of device memory held by tensors (as the backend's memory pool counts them)."""
    backend = _require()
    return backend.memory_allocated(_checked(backend, _index(device)))


def memory_reserved(device=None) -> int:
    """Bytes of device memory the backend holds, in use or cached for reuse."""
    backend = _require()
    reserved = getattr(backend, "memory_reserved", backend.memory_allocated)
    return reserved(_checked(backend, _index(device)))


def max_memory_allocated(device=None) -> int:
    """The peak of memory_allocated(), where the backend records one."""
    backend = _require()
    peak = getattr(backend, "max_memory_allocated", None)
    if peak is None:
        raise RuntimeError(
            f"the {backend.name!r} CUDA backend does not record peak memory use; use ember.cuda.memory_allocated()"
        )
    return peak(_checked(backend, _index(device)))


def empty_cache() -> None:
    """Give cached, unused device memory back to the driver (no-op without CUDA)."""
    backend = _backend()
    if backend is not None and registry.is_available(backend) and hasattr(backend, "empty_cache"):
        backend.empty_cache()


# --- random numbers ------------------------------------------------------------------------


def _generator(index: int):
    return default_generator_for(canonical_device(f"cuda:{index}"))


def manual_seed(seed: int) -> None:
    """Seed the current CUDA device's default generator (does nothing without CUDA)."""
    if is_available():
        _generator(_current.index).manual_seed(seed)


def manual_seed_all(seed: int) -> None:
    """Seed every CUDA device's default generator (does nothing without CUDA)."""
    if is_available():
        for index in range(device_count()):
            _generator(index).manual_seed(seed)


def initial_seed() -> int:
    """The seed of the current CUDA device's default generator."""
    _require()
    return _generator(_current.index).initial_seed()


def _forget_state() -> None:
    """Back to the state of a fresh process: device 0 current, no CUDA generators (for tests)."""
    _current.index = 0
    for dev in [d for d in _random._generators if d.type == "cuda"]:
        del _random._generators[dev]
    if _creation.get_default_device().type == "cuda":
        _creation.set_default_device("cpu")


globals().update(CUDA_LEGACY_TYPES)


_devices.CURRENT_INDEX["cuda"] = current_device
