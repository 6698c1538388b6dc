"""Finding backend plugins (entry-point group `ember.backends`) and choosing among them.

Plugins load once, on first need. A plugin that fails to import is recorded and
reported with a warning; it never breaks `import ember`.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from importlib import metadata

import pluggy

from ._protocol import BackendPluginSpec

ENTRY_POINT_GROUP = "ember.backends"
DEFAULT_PREFERENCE = {"cpu": "numpy", "cuda": "cupy"}


class BackendPluginWarning(UserWarning):
    """A backend plugin could not be loaded."""


@dataclass(frozen=True)
class PluginFailure:
    name: str
    distribution: str | None
    error: str


class NoBackendError(RuntimeError):
    pass


class Registry:
    def __init__(self) -> None:
        self._loaded = False
        self._backends: dict[str, list] = {}
        self._chosen: dict[str, object] = {}
        self.failures: list[PluginFailure] = []
        self.manager = pluggy.PluginManager("ember")
        self.manager.add_hookspecs(BackendPluginSpec)

    # --- loading ------------------------------------------------------------------
    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
            dist = entry_point.dist.name if entry_point.dist is not None else None
            try:
                plugin = entry_point.load()
                self.manager.register(plugin, name=entry_point.name)
            except Exception as error:  # a broken plugin must never break ember
                self._fail(entry_point.name, dist, error)
                continue
            try:
                provided = plugin.ember_backends()
                for backend in provided:
                    if getattr(backend, "distribution", None) is None:
                        backend.distribution = dist
                    self._add(backend)
            except Exception as error:
                self._fail(entry_point.name, dist, error)

    def _fail(self, name: str, dist: str | None, error: BaseException) -> None:
        message = f"{type(error).__name__}: {error}"
        self.failures.append(PluginFailure(name, dist, message))
        warnings.warn(
            f"ember backend plugin {name!r} (from {dist or 'unknown distribution'}) failed to load "
            f"and is ignored: {message}",
            BackendPluginWarning,
            stacklevel=3,
        )

    def _add(self, backend) -> None:
        self._backends.setdefault(backend.device_type, []).append(backend)

    def register(self, backend) -> None:
        """Add a backend object directly (used by tests and embedding applications)."""
        self._load()
        self._add(backend)

    def unregister(self, backend) -> None:
        for device_type, found in self._backends.items():
            if backend in found:
                found.remove(backend)
                if self._chosen.get(device_type) is backend:
                    del self._chosen[device_type]

    # --- queries ------------------------------------------------------------------
    def all(self) -> list:
        self._load()
        return [b for found in self._backends.values() for b in found]

    def for_device_type(self, device_type: str):
        chosen = self._chosen.get(device_type)
        if chosen is not None:
            return chosen
        self._load()
        candidates = self._backends.get(device_type, [])
        if not candidates:
            raise NoBackendError(_no_backend_message(device_type, self.failures))
        chosen = self._choose(device_type, candidates)
        self._chosen[device_type] = chosen
        return chosen

    def _choose(self, device_type: str, candidates: list):
        wanted = os.environ.get("EMBER_BACKEND")
        if wanted:
            for name in wanted.split(","):
                for backend in candidates:
                    if backend.name == name.strip():
                        return backend
        preferred = DEFAULT_PREFERENCE.get(device_type)
        for backend in candidates:
            if backend.name == preferred:
                return backend
        return candidates[0]

    def use(self, name: str, device_type: str | None = None) -> None:
        self._load()
        for backend in self.all():
            if backend.name == name and (device_type is None or backend.device_type == device_type):
                self._chosen[backend.device_type] = backend
                return
        known = ", ".join(sorted(b.name for b in self.all())) or "none"
        raise ValueError(f"no ember backend named {name!r} is installed (installed: {known})")

    def reset(self) -> None:
        """Forget loaded plugins and choices (the next use loads them again)."""
        self.__init__()


def _no_backend_message(device_type: str, failures: list[PluginFailure]) -> str:
    install = {"cpu": "pip install ember-numpy", "cuda": "pip install ember-cupy[cuda12]"}.get(
        device_type, "install an ember backend plugin for it"
    )
    message = f"No ember backend serves device type '{device_type}'. To get one: {install}"
    if failures:
        broken = "; ".join(f"{f.name} ({f.error})" for f in failures)
        message += f". These backend plugins failed to load: {broken}"
    return message


registry = Registry()
