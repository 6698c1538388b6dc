"""Anomaly detection: NaN checks in backward, with the forward trace of the failing op."""

from __future__ import annotations

import traceback


class _AnomalyState:
    __slots__ = ("enabled",)

    def __init__(self) -> None:
        self.enabled = False


state = _AnomalyState()


def capture_trace() -> str:
    return "".join(traceback.format_stack()[:-3])


class detect_anomaly:
    """Inside this block backward raises on NaN gradients, naming the op and where it ran."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self) -> None:
        self._previous = state.enabled
        state.enabled = True

    def __exit__(self, *exc) -> None:
        state.enabled = self._previous


class set_detect_anomaly(detect_anomaly):
    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        super().__init__(check_nan)
        self._previous = state.enabled
        state.enabled = mode

    def __enter__(self) -> None:
        pass


def is_anomaly_enabled() -> bool:
    return state.enabled


def check_grads(node, grads: tuple) -> None:
    for i, g in enumerate(grads):
        if g is not None and g.dtype.is_floating_point and bool(g.isnan().any()):
            where = f"\nThe forward call that created it:\n{node._trace}" if node._trace else ""
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.{where}")
