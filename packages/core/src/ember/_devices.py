"""From a device to the backend that serves it, with the checks a user needs."""

from __future__ import annotations

from ._device import CPU, as_device
from ._device import device as Device
from .backends import registry

_canonical: dict = {"cpu": CPU, CPU: CPU}


def canonical_device(value) -> Device:
    """One shared device object per device, so identity checks are enough on the hot path."""
    found = _canonical.get(value)
    if found is not None:
        return found
    dev = as_device(value)
    if dev.type == "cpu":
        return CPU
    if dev.index is None:
        from . import cuda

        dev = Device(dev.type, cuda.current_device() if dev.type == "cuda" else 0)
    found = _canonical.setdefault(dev, dev)
    if isinstance(value, (str, Device)):
        _canonical[value] = found
    return found


def backend_for(dev: Device):
    """The backend serving dev, after checking it is usable and the index exists."""
    backend = registry.for_device_type(dev.type)
    if dev.type != "cpu":
        reason = backend.unavailable_reason()
        if reason is not None:
            raise RuntimeError(
                f"{dev.type} device {dev} requested but the {backend.name!r} backend is not usable: {reason}"
            )
        count = backend.device_count()
        if dev.index is not None and dev.index >= count:
            raise RuntimeError(
                f"{dev.type} error: invalid device ordinal {dev.index} ({count} {dev.type} device(s) available)"
            )
    return backend


def default_backend():
    return registry.for_device_type("cpu")


def forget_cached() -> None:
    _canonical.clear()
    _canonical.update({"cpu": CPU, CPU: CPU})
