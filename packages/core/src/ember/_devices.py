"""From a device to the backend that serves it, with the checks a user needs."""

from __future__ import annotations

from ._device import CPU, as_device
from ._device import device as Device
from .backends import registry

_canonical: dict = {"cpu": CPU, CPU: CPU}


def canonical_device(value) -> Device:
    """One shared device object per device, so identity checks are enough on the hot path.

    A device named without an index ("cuda") means the current device of its type: it is
    resolved on each call, never cached, so it follows `ember.cuda.set_device`.
    """
    try:
        found = _canonical.get(value)
    except TypeError:  # unhashable: as_device says what it expected
        found = None
    if found is not None:
        return found
    dev = as_device(value)
    if dev.type == "cpu":
        return CPU
    if dev.index is None:
        return _shared(Device(dev.type, _current_index(dev.type)))
    found = _shared(dev)
    if isinstance(value, (str, Device)):
        _canonical[value] = found
    return found


def _shared(dev: Device) -> Device:
    return _canonical.setdefault(dev, dev)


# device type -> the function giving its current index; ember.cuda registers "cuda"
CURRENT_INDEX: dict = {}


def _current_index(device_type: str) -> int:
    current = CURRENT_INDEX.get(device_type)
    return 0 if current is None else current()


def backend_for(dev: Device):
    """The backend serving dev, after checking that it is usable here and that the index exists."""
    backend = registry.for_device_type(dev.type)
    if dev.type != "cpu":
        kind = dev.type.upper()
        reason = registry.unavailable_reason(backend)
        if reason is not None:
            raise RuntimeError(f"{dev} was requested, but {kind} is not available: {reason}")
        count = registry.device_count(backend)
        if dev.index is not None and dev.index >= count:
            raise RuntimeError(
                f"{kind} error: invalid device ordinal: {dev} was requested, but {count} {dev.type} device(s) are "
                f"available ({dev.type}:0 to {dev.type}:{count - 1})"
            )
    return backend


#: DLPack's device types that ember serves: kDLCPU, kDLCUDA, kDLCUDAHost (pinned host memory).
_DLPACK_DEVICE_TYPES = {1: "cpu", 2: "cuda", 3: "cpu"}


def dlpack_device(producer) -> Device:
    """The device a DLPack producer's data lives on (a bare capsule: the CPU)."""
    if not hasattr(producer, "__dlpack_device__"):
        return CPU
    kind, index = producer.__dlpack_device__()
    name = _DLPACK_DEVICE_TYPES.get(int(kind))
    if name is None:
        raise BufferError(f"from_dlpack(): data on DLPack device type {int(kind)} is not supported (cpu and cuda are)")
    return CPU if name == "cpu" else canonical_device(f"{name}:{index}")


def default_backend():
    return registry.for_device_type("cpu")


def forget_cached() -> None:
    _canonical.clear()
    _canonical.update({"cpu": CPU, CPU: CPU})


def device_of(backend, array) -> Device:
    """The device a backend array lives on."""
    index = backend.device_index(array)
    return CPU if index is None else canonical_device(Device(backend.device_type, index))
