"""`ember.cuda`: CUDA devices, served by whichever backend plugin provides device type "cuda"."""

from __future__ import annotations

from ._tensor import CUDA_LEGACY_TYPES
from .backends import NoBackendError, registry

_current = [0]


def _backend():
    try:
        return registry.for_device_type("cuda")
    except NoBackendError:
        return None


def unavailable_reason() -> str | None:
    """Why CUDA cannot be used here, or None when it can."""
    backend = _backend()
    if backend is None:
        return "no CUDA backend is installed (pip install ember-cupy[cuda12])"
    return backend.unavailable_reason()


def is_available() -> bool:
    """True when a CUDA backend is installed and finds at least one usable GPU."""
    backend = _backend()
    return backend is not None and backend.is_available()


def device_count() -> int:
    backend = _backend()
    return backend.device_count() if backend is not None and backend.is_available() else 0


def _require():
    backend = _backend()
    reason = unavailable_reason()
    if reason is not None:
        raise RuntimeError(f"CUDA is not available: {reason}")
    return backend


def current_device() -> int:
    return _current[0]


def _index(device) -> int:
    if device is None:
        return _current[0]
    if isinstance(device, int):
        return device
    from ._device import as_device

    dev = as_device(device)
    return dev.index if dev.index is not None else _current[0]


def set_device(device) -> None:
    index = _index(device)
    count = _require().device_count()
    if not 0 <= index < count:
        raise RuntimeError(f"CUDA error: invalid device ordinal {index} ({count} device(s) available)")
    _current[0] = index


class device:
    """Context manager that makes `index` the current CUDA device inside the block."""

    def __init__(self, device) -> None:
        self.index = _index(device)

    def __enter__(self) -> None:
        self._previous = _current[0]
        if self.index >= 0:
            set_device(self.index)

    def __exit__(self, *exc) -> None:
        _current[0] = self._previous


def synchronize(device=None) -> None:
    _require().synchronize(_index(device))


def get_device_name(device=None) -> str:
    return _require().device_name(_index(device))


def memory_allocated(device=None) -> int:
    return _require().memory_allocated(_index(device))


def max_memory_allocated(device=None) -> int:
    backend = _require()
    return getattr(backend, "max_memory_allocated", backend.memory_allocated)(_index(device))


def empty_cache() -> None:
    backend = _backend()
    if backend is not None and backend.is_available() and hasattr(backend, "empty_cache"):
        backend.empty_cache()


def manual_seed(seed: int) -> None:
    """Seed the current CUDA device's default generator (does nothing without CUDA)."""
    if not is_available():
        return
    from ._devices import canonical_device
    from ._random import default_generator_for

    default_generator_for(canonical_device(f"cuda:{_current[0]}")).manual_seed(seed)


def manual_seed_all(seed: int) -> None:
    if not is_available():
        return
    from ._devices import canonical_device
    from ._random import default_generator_for

    for index in range(device_count()):
        default_generator_for(canonical_device(f"cuda:{index}")).manual_seed(seed)


def is_initialized() -> bool:
    return is_available()


globals().update(CUDA_LEGACY_TYPES)
