"""pin_memory=True: page-locked host copies of a batch's tensors, where a CUDA backend offers them."""

from __future__ import annotations

from typing import Any

from ember import Tensor
from ember._tensor import wrap
from ember.backends import registry

from ._worker import _map_structure


def _pinning_backend():
    """The CUDA backend when it is usable and can pin host memory (`backend.pin_memory(array)`), else None."""
    try:
        backend = registry.for_device_type("cuda")
    except Exception:
        return None
    if not registry.is_available(backend) or not hasattr(backend, "pin_memory"):
        return None
    return backend


def pin_batch(batch: Any) -> Any:
    """The batch with its CPU tensors in pinned memory; unchanged where nothing can pin (plain CPU)."""
    backend = _pinning_backend()
    if backend is None:
        return batch
    return _pin(batch, backend)


def _pin(value: Any, backend) -> Any:
    if isinstance(value, Tensor):
        if value.device.type != "cpu":
            return value
        host = value._backend  # NOTE: pin_memory takes and gives host NumPy arrays; the CPU backend's may differ
        pinned = backend.pin_memory(host.to_numpy(value._data))
        return wrap(host.from_numpy(pinned, None), host, value.dtype, value.device)
    return _map_structure(value, lambda v: _pin(v, backend))
