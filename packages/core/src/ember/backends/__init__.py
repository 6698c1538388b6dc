"""Backend plugins: the protocol, the registry, and selection.

ember's array work is done by backends, installed as plugins: ``ember-numpy`` serves
the CPU, ``ember-cupy`` CUDA. A plugin registers through the entry-point group
``ember.backends`` (see :class:`BackendPluginSpec`); backends load the first time
ember needs one. Several plugins may serve one device type; pick one with the
``EMBER_BACKEND`` environment variable (comma-separated names, the first that serves
a device type wins) or in code::

    ember.backends.use("numpy")            # from now on
    with ember.backends.use("toy"):        # for a block
        ...
    ember.backends.available()             # every backend found
    ember.backends.get("cpu")              # the one serving a device type

``python -m ember`` lists the backends found and the plugins that failed to load. A
faulty plugin never breaks ember: see the registry's module (``_registry``) for the
checks and for which backend keeps a name two plugins claim.

PyTorch's switches live here too, so scripts that set them run: ``cudnn.benchmark``,
``cudnn.deterministic``, ``mps.is_available()``, ``cpu.get_cpu_capability()``,
``cuda.matmul.allow_tf32`` (no-ops where they mean nothing to ember; see ``_pytorch_names``).
"""

from __future__ import annotations

from ._array_api import ArrayAPIBackend
from ._protocol import KERNELS, Backend, BackendPluginSpec, NativeGenerator, hookimpl, hookspec, kernel_names
from ._pytorch_names import cpu, cuda, cudnn, mps
from ._registry import BackendPluginWarning, NoBackendError, PluginFailure, Selection, registry
from ._xp_base import NumpyGenerator, NumpyLikeBackend


def use(name: str, device_type: str | None = None) -> Selection:
    """Serve the device types that the backend `name` serves (or only `device_type`) with it.

    Tensors created afterwards carry that backend; existing tensors keep theirs. Used
    in a ``with`` statement, the previous choice comes back at the end of the block.
    Raises ValueError naming the installed backends when none is called `name`.
    """
    return registry.use(name, device_type)


def available() -> list[Backend]:
    """Every backend the installed plugins provide, usable here or not (see ``is_available()``)."""
    return registry.all()


def get(device_type: str = "cpu") -> Backend:
    """The backend serving `device_type`; NoBackendError (saying what to install) when none does."""
    return registry.for_device_type(device_type)


def by_name(name: str, device_type: str | None = None) -> Backend:
    """The installed backend called `name`; ValueError naming the installed ones when none is."""
    return registry.by_name(name, device_type)


def failures() -> list[PluginFailure]:
    """The plugins that failed to load or whose backends were rejected (incomplete, or a name already taken),
    with their errors."""
    registry.all()
    return list(registry.failures)


__all__ = [
    "KERNELS",
    "ArrayAPIBackend",
    "Backend",
    "BackendPluginSpec",
    "BackendPluginWarning",
    "NativeGenerator",
    "NoBackendError",
    "NumpyGenerator",
    "NumpyLikeBackend",
    "PluginFailure",
    "Selection",
    "available",
    "by_name",
    "cpu",
    "cuda",
    "cudnn",
    "failures",
    "get",
    "hookimpl",
    "hookspec",
    "kernel_names",
    "mps",
    "registry",
    "use",
]
