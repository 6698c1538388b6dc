"""Whether operations record a graph: no_grad, enable_grad, set_grad_enabled, inference_mode."""

from __future__ import annotations

import functools


class _GradState:
    __slots__ = ("enabled",)

    def __init__(self) -> None:
        self.enabled = True


state = _GradState()


def is_grad_enabled() -> bool:
    return state.enabled


class _GradModeContext:
    """A context manager that is also a decorator, setting grad mode to `self._target`."""

    _target = True

    def __enter__(self) -> None:
        self._previous = state.enabled
        state.enabled = self._target

    def __exit__(self, *exc) -> None:
        state.enabled = self._previous

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return func(*args, **kwargs)

        return wrapper


class no_grad(_GradModeContext):
    """Disable graph recording inside the block (or the decorated function)."""

    _target = False


class enable_grad(_GradModeContext):
    """Enable graph recording inside the block, even within `no_grad`."""

    _target = True


class set_grad_enabled(_GradModeContext):
    def __init__(self, mode: bool) -> None:
        self._previous = state.enabled
        self._target = bool(mode)
        state.enabled = self._target

    def __enter__(self) -> None:
        pass

    def __call__(self, func):
        state.enabled = self._previous

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(self._target):
                return func(*args, **kwargs)

        return wrapper


class inference_mode(_GradModeContext):
    """Like `no_grad`: nothing inside records a graph."""

    def __init__(self, mode: bool = True) -> None:
        self._target = not mode

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with inference_mode(not self._target):
                return func(*args, **kwargs)

        return wrapper


def is_inference_mode_enabled() -> bool:
    return not state.enabled
