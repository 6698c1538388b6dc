"""Backend plugins: the protocol, the registry, and selection.

ember.backends.use("numpy")      # pick among plugins serving one device type
ember.backends.available()       # the backends found
"""

from ._protocol import Backend, BackendPluginSpec, hookimpl, hookspec
from ._registry import BackendPluginWarning, NoBackendError, PluginFailure, registry
from ._xp_base import NumpyGenerator, NumpyLikeBackend


def use(name: str, device_type: str | None = None) -> None:
    """Serve a device type with the backend called `name` from now on."""
    registry.use(name, device_type)


def available() -> list:
    return registry.all()


def get(device_type: str = "cpu"):
    return registry.for_device_type(device_type)


__all__ = [
    "Backend",
    "BackendPluginSpec",
    "BackendPluginWarning",
    "NoBackendError",
    "NumpyGenerator",
    "NumpyLikeBackend",
    "PluginFailure",
    "available",
    "get",
    "hookimpl",
    "hookspec",
    "registry",
    "use",
]
