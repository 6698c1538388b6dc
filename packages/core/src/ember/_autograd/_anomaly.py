"""Anomaly detection: each node remembers where its forward ran; backward checks for NaN.

Inside `detect_anomaly()` a failing backward node first warns with the traceback of the
forward call that created it, and a node whose gradient contains NaN raises. The mode
belongs to the thread that sets it; a new thread starts with it off.
"""

from __future__ import annotations

import os
import threading
import traceback
import warnings
import weakref

_DEFAULTS = {"enabled": False, "check_nan": True}


class _ThreadSettings(threading.local):
    """One thread's anomaly settings; every thread starts with the defaults."""

    def __init__(self) -> None:
        self.enabled = _DEFAULTS["enabled"]
        self.check_nan = _DEFAULTS["check_nan"]
        self.changed: _Changed | None = None


class _Changed:
    """Held by a thread while its settings differ from the defaults; counted until it is freed
    (when the thread resets its settings, or ends)."""

    __slots__ = ("__weakref__",)

    def __init__(self) -> None:
        _count_changed_threads(+1)
        weakref.finalize(self, _count_changed_threads, -1)


class _AnomalyState:
    """Each thread's anomaly mode, read and set as `state.enabled` and `state.check_nan`.

    Every new graph node reads `enabled`, so while all threads have the defaults these are
    plain class attributes (a cheap lookup); while some thread has changed them, they are
    properties that read the calling thread's own settings.
    """

    __slots__ = ()
    enabled = _DEFAULTS["enabled"]
    check_nan = _DEFAULTS["check_nan"]

    def __setattr__(self, name: str, value) -> None:
        if name not in _DEFAULTS:
            raise AttributeError(f"anomaly state has no setting {name!r}; the settings are {sorted(_DEFAULTS)}")
        setattr(_own, name, value)
        changed = _own.enabled != _DEFAULTS["enabled"] or _own.check_nan != _DEFAULTS["check_nan"]
        if changed and _own.changed is None:
            _own.changed = _Changed()
        elif not changed:
            _own.changed = None


_own = _ThreadSettings()
_PER_THREAD = {name: property(lambda _, name=name: getattr(_own, name)) for name in _DEFAULTS}
_changed_threads = 0
_lock = threading.RLock()


def _count_changed_threads(step: int) -> None:
    global _changed_threads
    with _lock:
        _changed_threads += step
        for name, default in _DEFAULTS.items():
            setattr(_AnomalyState, name, _PER_THREAD[name] if _changed_threads else default)


state = _AnomalyState()

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_INTERNAL = (os.path.join(_PACKAGE, "ops"), os.path.join(_PACKAGE, "autograd"), os.path.join(_PACKAGE, "_tensor.py"))


def capture_trace() -> str:
    """The current Python stack without ember's own dispatch frames."""
    frames = [f for f in traceback.extract_stack() if not f.filename.startswith(_INTERNAL)]
    return "".join(traceback.format_list(frames))


class detect_anomaly:
    """Within this block, backward names the forward call behind a failing node and raises on NaN."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        warnings.warn(
            "Anomaly Detection has been enabled. This mode will increase the runtime and should only be "
            "enabled for debugging.",
            UserWarning,
            stacklevel=2,
        )

    def __enter__(self) -> None:
        self._previous = (state.enabled, state.check_nan)
        state.enabled, state.check_nan = True, self.check_nan

    def __exit__(self, *exc) -> None:
        state.enabled, state.check_nan = self._previous


class set_detect_anomaly:
    """Turn anomaly detection on or off now, or for a `with` block."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._previous = (state.enabled, state.check_nan)
        state.enabled, state.check_nan = bool(mode), check_nan

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc) -> None:
        state.enabled, state.check_nan = self._previous


def is_anomaly_enabled() -> bool:
    """Whether anomaly detection is on (see ``detect_anomaly``)."""
    return state.enabled


def is_anomaly_check_nan_enabled() -> bool:
    """Whether anomaly detection also checks backward results for NaN."""
    return state.check_nan


def check_nan(node, grads) -> None:
    """Raise when a gradient computed by `node` contains NaN."""
    for i, g in enumerate(grads):
        if g is not None and g.dtype.inexact and bool(g.isnan().any()):
            raise RuntimeError(
                f"Function '{node.name()}' returned nan values in its {i}th output. The forward call that "
                "created this node is shown in the warning above; look for a log, sqrt, division or pow of a "
                "non-positive value there."
            )


def report_failure(node) -> None:
    """Warn with the forward traceback of `node`, whose backward just failed."""
    trace = node._extra.trace if node._extra is not None else None
    where = trace if trace else "  (not recorded: the node was created outside detect_anomaly)\n"
    warnings.warn(
        f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n{where}",
        UserWarning,
        stacklevel=3,
    )
