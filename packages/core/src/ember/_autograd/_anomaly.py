"""Anomaly detection: each node remembers where its forward ran; backward checks for NaN.

Inside `detect_anomaly()` a failing backward node first warns with the traceback of the
forward call that created it, and a node whose gradient contains NaN raises.
"""

from __future__ import annotations

import os
import traceback
import warnings


class _AnomalyState:
    __slots__ = ("enabled", "check_nan")

    def __init__(self) -> None:
        self.enabled = False
        self.check_nan = True


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
    return state.enabled


def is_anomaly_check_nan_enabled() -> bool:
    return state.check_nan


def check_nan(node, grads) -> None:
    """Raise when a gradient computed by `node` contains NaN."""
    for i, g in enumerate(grads):
        if g is not None and g.dtype.is_floating_point and bool(g.isnan().any()):
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
