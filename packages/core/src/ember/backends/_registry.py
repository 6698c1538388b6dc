"""Finding backend plugins (entry-point group ``ember.backends``) and choosing among them.

Plugins load once, the first time ember needs a backend (not at ``import ember``). A
plugin that fails to import, to register with pluggy or to return its backends is
recorded in ``registry.failures`` and reported with a :class:`BackendPluginWarning`;
it never breaks ember. Once a device type's backend is chosen, finding it again is one
dictionary lookup: nothing of pluggy is on the per-op path.

What keeps a faulty plugin from breaking the core:

- Each backend is checked against the protocol when it registers (``_validation``);
  one lacking members is rejected, and the warning names the plugin, its
  distribution and the missing members.
- Name clashes: plugins load in a fixed order, ember's own distributions
  (``ember-numpy``, ``ember-cupy``) first, then the others by distribution name, then
  by entry-point name. The first backend to take a name for a device type keeps it;
  a later one with the same name and device type is rejected, with a warning naming
  both distributions. So no plugin can displace an installed ember backend, and
  which one wins never depends on the order of ``sys.path``.
- Plugin code called while choosing (``is_available()``, ``unavailable_reason()``,
  ``device_count()``) is guarded: an exception means "unavailable", with the error
  as the reason, reported once with a warning. Ask through :meth:`Registry.unavailable_reason`,
  :meth:`Registry.is_available` and :meth:`Registry.device_count`.
- A load interrupted by ``KeyboardInterrupt`` or ``SystemExit`` leaves the registry
  unloaded (the exception goes on): the next need loads the plugins again.
"""

from __future__ import annotations

import os
import re
import threading
import warnings
from dataclasses import dataclass

import pluggy

from .. import _dtype
from ._protocol import BackendPluginSpec
from ._validation import check, describe_error, lacks_message, missing_members, stored

ENTRY_POINT_GROUP = "ember.backends"
#: The backend a device type gets when several serve it and ``EMBER_BACKEND`` names none.
DEFAULT_PREFERENCE = {"cpu": "numpy", "cuda": "cupy"}
INSTALL_HINT = {
    "cpu": "pip install ember-numpy",
    "cuda": "on a machine with an NVIDIA GPU, pip install ember-cupy[cuda12] (or ember-cupy[cuda13] for a CUDA 13 driver)",
}


class BackendPluginWarning(UserWarning):
    """A backend plugin could not be loaded or its backend was rejected (it is ignored), or a backend's
    availability query raised (it counts as unavailable)."""


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
        self._forget_plugins()

    def _forget_plugins(self) -> None:
        self._backends: dict[str, list] = {}
        self._chosen: dict[str, object] = {}
        #: id(backend) -> the members its __getattr__ has yet to show, or why it was rejected later
        self._deferred: dict[int, tuple[str, ...] | str] = {}
        self._reported: set[tuple[int, str]] = set()
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
            entry_point = None
            try:
                from importlib import metadata  # NOTE: imported on first need: it is slow to import

                for entry_point in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=_load_order):
                    self._load_entry_point(entry_point)
            except BaseException as error:  # Ctrl-C, SystemExit: say where it struck; the next need starts over
                self._forget_plugins()
                if entry_point is not None:
                    error.add_note(
                        f"(raised while loading the ember backend plugin {entry_point.name!r} from "
                        f"{_distribution(entry_point)})"
                    )
                raise
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
        dist = _distribution(entry_point)
        name = entry_point.name
        try:
            plugin = entry_point.load()
            self.manager.register(plugin, name=f"{dist}:{name}")
        except Exception as error:  # a broken plugin must never break ember
            self.failures.append(PluginFailure(name, dist, describe_error(error)))
            return
        try:
            backends = self._call_hook(plugin, entry_point)
        except Exception as error:
            self.manager.unregister(plugin)
            self.failures.append(PluginFailure(name, dist, describe_error(error)))
            return
        for backend in backends:
            try:
                self._accept(backend, dist)
            except Exception as error:
                self.failures.append(PluginFailure(name, dist, describe_error(error)))

    def _call_hook(self, plugin, entry_point) -> list:
        impls = [impl for impl in self.manager.hook.ember_backends.get_hookimpls() if impl.plugin is plugin]
        if not impls:
            raise TypeError(
                f"{entry_point.value} defines no ember_backends() hook; decorate it with @ember.backends.hookimpl"
            )
        return [backend for impl in impls for backend in impl.function()]

    def _accept(self, backend, dist: str | None) -> None:
        """Add a plugin's backend once it passes the protocol check and its name is free."""
        deferred = check(backend)
        for existing in self._backends.get(backend.device_type, []):
            if existing.name == backend.name:
                raise ValueError(
                    f"backend name {backend.name!r} for {backend.device_type!r} is already provided by "
                    f"{stored(existing, 'distribution') or 'an unknown distribution'}, which keeps it; this one from "
                    f"{dist or 'an unknown distribution'} is ignored (ember's own distributions take names first, "
                    f"then the others in the order of their names): give it another name"
                )
        if stored(backend, "distribution") is None:
            backend.distribution = dist
        self._add(backend, deferred)

    def _add(self, backend, deferred: tuple[str, ...] = ()) -> None:
        self._backends.setdefault(backend.device_type, []).append(backend)
        if deferred:
            self._deferred[id(backend)] = deferred

    def register(self, backend) -> None:
        """Add a backend object directly (for tests and applications embedding one).

        It is checked against the protocol as a plugin's backends are (TypeError naming
        what it lacks). Unlike plugins it may reuse an installed backend's name:
        ``use(name)`` and ``by_name(name)`` then find the one registered last.
        """
        self._load()
        deferred = check(backend)
        self._add(backend, deferred)

    def unregister(self, backend) -> None:
        """Remove a backend added with :meth:`register` (and its selection)."""
        for device_type, found in self._backends.items():
            if backend in found:
                found.remove(backend)
                if self._chosen.get(device_type) is backend:
                    del self._chosen[device_type]
        self._deferred.pop(id(backend), None)

    # --- asking a backend about itself, guarded --------------------------------------
    def unavailable_reason(self, backend) -> str | None:
        """Why `backend` cannot run here, or None when it can.

        An exception from the plugin's ``is_available()`` or ``unavailable_reason()`` makes
        it unavailable, with the error as the reason (warned about once). A backend that
        binds members lazily is checked against the protocol the first time it is available.
        """
        try:
            available = bool(backend.is_available())
        except Exception as error:
            return self._plugin_raised(backend, "is_available", error)
        if available:
            return self._deferred_check(backend) if self._deferred else None
        try:
            reason = backend.unavailable_reason()
        except Exception as error:
            return self._plugin_raised(backend, "unavailable_reason", error)
        return str(reason) if reason else f"the {backend.name!r} backend says it is not available"

    def is_available(self, backend) -> bool:
        """Whether `backend` can run here (see :meth:`unavailable_reason`); never raises."""
        return self.unavailable_reason(backend) is None

    def device_count(self, backend) -> int:
        """The backend's ``device_count()``; 0 when it raises (warned about once)."""
        try:
            return int(backend.device_count())
        except Exception as error:
            self._plugin_raised(backend, "device_count", error)
            return 0

    def _plugin_raised(self, backend, method: str, error: Exception) -> str:
        reason = f"its {method}() raised {describe_error(error)}"
        key = (id(backend), method)
        if key not in self._reported:
            self._reported.add(key)
            _warn(f"ember backend {_source(backend)} is treated as unavailable: {reason}")
        return reason

    def _deferred_check(self, backend) -> str | None:
        pending = self._deferred.get(id(backend))
        if pending is None or isinstance(pending, str):
            return pending
        try:
            missing = missing_members(backend, pending)
        except Exception as error:
            return self._plugin_raised(backend, "__getattr__", error)
        if not missing:
            del self._deferred[id(backend)]
            return None
        reason = self._deferred[id(backend)] = lacks_message(backend, missing)
        _warn(f"ember backend {_source(backend)} is ignored: {reason}")
        return reason

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
        for backend in candidates:
            if backend.name == preferred:
                return backend
        return min(candidates, key=lambda b: (not self.is_available(b), b.name))

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


def _source(backend) -> str:
    dist = stored(backend, "distribution") or "an unknown distribution"
    return f"{backend.name!r} for {backend.device_type!r} (from {dist})"


def _wanted_names() -> list[str]:
    """The backend names ``EMBER_BACKEND`` asks for, most wanted first (comma-separated)."""
    value = os.environ.get("EMBER_BACKEND", "")
    return [name.strip() for name in value.split(",") if name.strip()]


#: ember's own backend distributions: they load first, so their backends keep their names.
OWN_DISTRIBUTIONS = ("ember-numpy", "ember-cupy")


def _distribution(entry_point) -> str | None:
    dist = getattr(entry_point, "dist", None)
    return dist.name if dist is not None else None


def _load_order(entry_point) -> tuple:
    """ember's own distributions first, then the others by name, then entry points by name."""
    dist = re.sub(r"[-_.]+", "-", _distribution(entry_point) or "").lower()
    return (dist not in OWN_DISTRIBUTIONS, dist, entry_point.name)


def _no_backend_message(device_type: str, failures: list[PluginFailure]) -> str:
    install = INSTALL_HINT.get(device_type, "install an ember backend plugin that serves it")
    message = f"No ember backend serves device type '{device_type}'. To get one: {install}"
    if failures:
        broken = "; ".join(f"{f.name} from {f.distribution} ({f.error})" for f in failures)
        message += f". These backend plugins failed to load: {broken}"
    return message


registry = Registry()
# NOTE: a dtype NumPy lacks (ember.bfloat16) gets its NumPy dtype from a plugin's import: load them on its first need.
_dtype.HOST_DTYPE_LOADERS.append(registry._load)
