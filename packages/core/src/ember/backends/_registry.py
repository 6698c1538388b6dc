"""Finding backend plugins (entry-point group ``ember.backends``) and choosing among them.

Plugins load once, the first time ember needs a backend (not at ``import ember``). A
plugin that fails to import, to register with pluggy or to return its backends is
recorded in ``registry.failures`` and reported with a :class:`BackendPluginWarning`;
it never breaks ember. Once a device type's backend is chosen, finding it again is one
dictionary lookup: nothing of pluggy is on the per-op path.
"""

from __future__ import annotations

import os
import threading
import warnings
from dataclasses import dataclass

import pluggy

from ._protocol import BackendPluginSpec

ENTRY_POINT_GROUP = "ember.backends"
#: The backend a device type gets when several serve it and ``EMBER_BACKEND`` names none.
DEFAULT_PREFERENCE = {"cpu": "numpy", "cuda": "cupy"}
INSTALL_HINT = {
    "cpu": "pip install ember-numpy",
    "cuda": "on a machine with an NVIDIA GPU, pip install ember-cupy[cuda12] (or ember-cupy[cuda13] for a CUDA 13 driver)",
}


class BackendPluginWarning(UserWarning):
    """A backend plugin could not be loaded (it is ignored)."""


class NoBackendError(RuntimeError):
    """No installed backend serves the device type asked for."""


@dataclass(frozen=True)
class PluginFailure:
    """A plugin that did not load: its entry-point name, distribution and the error."""

    name: str
    distribution: str | None
    error: str


class Selection:
    """Returned by :meth:`Registry.use`: the choice holds at once, and as a context
    manager it is undone at the end of the ``with`` block."""

    def __init__(self, registry: Registry, previous: dict) -> None:
        self._registry = registry
        self._previous = previous

    def __enter__(self) -> Selection:
        return self

    def __exit__(self, *exc_info) -> None:
        chosen = self._registry._chosen
        for device_type, backend in self._previous.items():
            if backend is None:
                chosen.pop(device_type, None)
            else:
                chosen[device_type] = backend


class Registry:
    """The installed backends by device type, and the one chosen for each."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._loaded = False
        self._loading = False
        self._backends: dict[str, list] = {}
        self._chosen: dict[str, object] = {}
        self.failures: list[PluginFailure] = []
        self.manager = pluggy.PluginManager("ember")
        self.manager.add_hookspecs(BackendPluginSpec)

    # --- loading ------------------------------------------------------------------
    def _load(self) -> None:
        if self._loaded:
            return
        with self._lock:
            if self._loaded or self._loading:  # _loading: a plugin's import asked for a backend
                return
            self._loading = True
            try:
                from importlib import metadata  # NOTE: imported on first need: it is slow to import

                for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
                    self._load_entry_point(entry_point)
            finally:
                self._loading = False
                self._loaded = True
        # Warn only once the registry is consistent: a warnings filter set to "error" raises here.
        for failure in self.failures:
            _warn(
                f"ember backend plugin {failure.name!r} (from {failure.distribution or 'an unknown distribution'}) "
                f"failed to load and is ignored: {failure.error}"
            )

    def _load_entry_point(self, entry_point) -> None:
        dist = entry_point.dist.name if entry_point.dist is not None else None
        name = entry_point.name
        try:
            plugin = entry_point.load()
            self.manager.register(plugin, name=f"{dist}:{name}")
        except Exception as error:  # a broken plugin must never break ember
            self.failures.append(PluginFailure(name, dist, f"{type(error).__name__}: {error}"))
            return
        try:
            backends = self._call_hook(plugin, entry_point)
        except Exception as error:
            self.manager.unregister(plugin)
            self.failures.append(PluginFailure(name, dist, f"{type(error).__name__}: {error}"))
            return
        for backend in backends:
            if getattr(backend, "distribution", None) is None:
                backend.distribution = dist
            self._add(backend)

    def _call_hook(self, plugin, entry_point) -> list:
        impls = [impl for impl in self.manager.hook.ember_backends.get_hookimpls() if impl.plugin is plugin]
        if not impls:
            raise TypeError(
                f"{entry_point.value} defines no ember_backends() hook; decorate it with @ember.backends.hookimpl"
            )
        backends = [backend for impl in impls for backend in impl.function()]
        for backend in backends:
            _check_metadata(backend)
            for existing in self._backends.get(backend.device_type, []):
                if existing.name == backend.name:
                    raise ValueError(
                        f"backend name {backend.name!r} for {backend.device_type!r} is already provided by "
                        f"{existing.distribution}"
                    )
        return backends

    def _add(self, backend) -> None:
        self._backends.setdefault(backend.device_type, []).append(backend)

    def register(self, backend) -> None:
        """Add a backend object directly (for tests and applications embedding one).

        Unlike plugins it may reuse an installed backend's name: ``use(name)`` and
        ``by_name(name)`` then find the one registered last.
        """
        self._load()
        _check_metadata(backend)
        self._add(backend)

    def unregister(self, backend) -> None:
        """Remove a backend added with :meth:`register` (and its selection)."""
        for device_type, found in self._backends.items():
            if backend in found:
                found.remove(backend)
                if self._chosen.get(device_type) is backend:
                    del self._chosen[device_type]

    # --- queries ------------------------------------------------------------------
    def all(self) -> list:
        """Every backend found, of every device type."""
        self._load()
        return [backend for found in self._backends.values() for backend in found]

    def device_types(self) -> list[str]:
        self._load()
        return [device_type for device_type, found in self._backends.items() if found]

    def by_name(self, name: str, device_type: str | None = None):
        """The backend called `name` (serving `device_type`, when given)."""
        found = self._named(name, device_type)
        if not found:
            raise ValueError(self._unknown_name_message(name, device_type))
        return found[0]

    def for_device_type(self, device_type: str):
        """The backend chosen for a device type (chosen on first call, then cached)."""
        chosen = self._chosen.get(device_type)
        if chosen is not None:
            return chosen
        self._load()
        with self._lock:
            chosen = self._chosen.get(device_type)
            if chosen is None:
                candidates = self._backends.get(device_type)
                if not candidates:
                    raise NoBackendError(_no_backend_message(device_type, self.failures))
                chosen = self._chosen[device_type] = self._choose(device_type, candidates)
        return chosen

    def _choose(self, device_type: str, candidates: list):
        wanted = _wanted_names()
        for name in wanted:
            for backend in candidates:
                if backend.name == name:
                    return backend
        installed = {backend.name for backend in self.all()}
        if any(name not in installed for name in wanted):
            _warn(
                f"EMBER_BACKEND={os.environ['EMBER_BACKEND']!r} names no installed backend for {device_type!r} "
                f"(installed: {', '.join(sorted(installed))}); using the default"
            )
        if len(candidates) == 1:
            return candidates[0]
        preferred = DEFAULT_PREFERENCE.get(device_type)
        return min(candidates, key=lambda b: (b.name != preferred, not b.is_available(), b.name))

    def use(self, name: str, device_type: str | None = None) -> Selection:
        """Serve every device type that the backend `name` serves (or only `device_type`) with it."""
        found = self._named(name, device_type)
        if not found:
            raise ValueError(self._unknown_name_message(name, device_type))
        with self._lock:
            previous = {backend.device_type: self._chosen.get(backend.device_type) for backend in found}
            for backend in found:
                self._chosen[backend.device_type] = backend
        return Selection(self, previous)

    def _named(self, name: str, device_type: str | None) -> list:
        """The backends called `name`, one per device type (the latest registered, when several)."""
        found = {b.device_type: b for b in self.all() if b.name == name and device_type in (None, b.device_type)}
        return list(found.values())

    def _unknown_name_message(self, name: str, device_type: str | None) -> str:
        served = f" serving {device_type!r}" if device_type else ""
        installed = ", ".join(f"{b.name} ({b.device_type})" for b in self.all()) or "none"
        message = f"no ember backend named {name!r}{served} is installed (installed: {installed})"
        for failure in self.failures:
            if failure.name == name:
                message += f"; the plugin {name!r} from {failure.distribution} failed to load: {failure.error}"
        return message

    def reset(self) -> None:
        """Forget loaded plugins and choices: the next need loads the plugins again."""
        self.__init__()


def _warn(message: str) -> None:
    warnings.warn(message, BackendPluginWarning, stacklevel=4)


def _wanted_names() -> list[str]:
    """The backend names ``EMBER_BACKEND`` asks for, most wanted first (comma-separated)."""
    value = os.environ.get("EMBER_BACKEND", "")
    return [name.strip() for name in value.split(",") if name.strip()]


def _check_metadata(backend) -> None:
    for attribute in ("name", "device_type"):
        if not isinstance(getattr(backend, attribute, None), str):
            raise TypeError(f"backend {backend!r} has no string attribute {attribute!r} (see ember.backends.Backend)")
    if not callable(getattr(backend, "is_available", None)):
        raise TypeError(f"backend {backend.name!r} has no is_available() method (see ember.backends.Backend)")


def _no_backend_message(device_type: str, failures: list[PluginFailure]) -> str:
    install = INSTALL_HINT.get(device_type, "install an ember backend plugin that serves it")
    message = f"No ember backend serves device type '{device_type}'. To get one: {install}"
    if failures:
        broken = "; ".join(f"{f.name} from {f.distribution} ({f.error})" for f in failures)
        message += f". These backend plugins failed to load: {broken}"
    return message


registry = Registry()
