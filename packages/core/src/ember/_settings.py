"""Process-wide switches of torch's top level: deterministic algorithms, warnings, matmul precision, threads.

ember's kernels are deterministic and NumPy multiplies float32 matrices in full precision, so
most of these only record what was asked, for code that sets a switch and reads it back.
"""

from __future__ import annotations

_DEBUG_MODES = ("default", "warn", "error")
_PRECISIONS = ("highest", "high", "medium")
_settings = {"deterministic": False, "warn_only": False, "warn_always": False, "precision": "highest", "interop": 1}


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Record the deterministic-algorithms switch (ember's kernels are deterministic either way)."""
    _settings["deterministic"], _settings["warn_only"] = bool(mode), bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    """Whether :func:`use_deterministic_algorithms` was switched on."""
    return _settings["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """Whether :func:`use_deterministic_algorithms` was switched on with ``warn_only=True``."""
    return _settings["warn_only"]


def set_deterministic_debug_mode(debug_mode: str | int) -> None:
    """:func:`use_deterministic_algorithms` by level: 0 or "default" off, 1 or "warn", 2 or "error"."""
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError(
                f"invalid value of debug_mode, expected one of `default`, `warn`, `error`, but got {debug_mode}"
            )
        debug_mode = _DEBUG_MODES.index(debug_mode)
    elif not isinstance(debug_mode, int) or isinstance(debug_mode, bool):
        raise TypeError(f"debug_mode must be str or int, but got {type(debug_mode)}")
    if debug_mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got {debug_mode}")
    use_deterministic_algorithms(debug_mode > 0, warn_only=debug_mode == 1)


def get_deterministic_debug_mode() -> int:
    """The level of :func:`set_deterministic_debug_mode`: 0 off, 1 warn, 2 error."""
    return 0 if not _settings["deterministic"] else 1 if _settings["warn_only"] else 2


def set_warn_always(b: bool) -> None:
    """Record whether warnings that torch gives once should be given every time."""
    _settings["warn_always"] = bool(b)


def is_warn_always_enabled() -> bool:
    """Whether :func:`set_warn_always` was switched on."""
    return _settings["warn_always"]


def set_float32_matmul_precision(precision: str) -> None:
    """Record the float32 matmul precision ("highest", "high" or "medium"); ember's always is the highest."""
    if precision not in _PRECISIONS:
        import warnings

        warnings.warn(
            f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
            "setFloat32MatmulPrecision call has no effect.",
            UserWarning,
            stacklevel=2,
        )
        return
    _settings["precision"] = precision


def get_float32_matmul_precision() -> str:
    """The float32 matmul precision last set ("highest" unless changed)."""
    return _settings["precision"]


def set_num_interop_threads(n: int) -> None:
    """Record the number of inter-op threads (ember runs one op at a time)."""
    if not isinstance(n, int) or n < 1:
        raise RuntimeError("set_num_interop_threads expects a positive integer")
    _settings["interop"] = n


def get_num_interop_threads() -> int:
    """The number of inter-op threads last set (1 unless changed)."""
    return _settings["interop"]


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """Switch anomaly detection on or off for this thread (as ``autograd.set_detect_anomaly`` does)."""
    from ._autograd._anomaly import state

    state.enabled, state.check_nan = bool(enabled), bool(check_nan)
