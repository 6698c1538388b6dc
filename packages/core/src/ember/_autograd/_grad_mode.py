"""Whether operations record a graph: no_grad, enable_grad, set_grad_enabled, inference_mode.

Every mode is a context manager and a decorator (`@no_grad()`, and bare `@no_grad`).
Modes belong to the thread that sets them, as in PyTorch: a new thread starts with grad
enabled and inference mode off, whatever mode the thread that started it is in.
"""

from __future__ import annotations

import functools
import inspect
import threading


class _GradState(threading.local):
    """Each thread's own grad mode; a thread starts with grad enabled and inference mode off."""

    def __init__(self) -> None:
        self.enabled = True
        self.inference = False


state = _GradState()


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad record a graph."""
    return state.enabled


def is_inference_mode_enabled() -> bool:
    """True inside `inference_mode()`."""
    return state.inference


class _ModeContext:
    """Sets (grad enabled, inference) on enter and restores both on exit; decorates functions too."""

    __slots__ = ("_previous",)

    def _mode(self) -> tuple[bool, bool]:
        raise NotImplementedError

    def __enter__(self) -> None:
        self._previous = (state.enabled, state.inference)
        state.enabled, state.inference = self._mode()

    def __exit__(self, *exc) -> None:
        state.enabled, state.inference = self._previous

    def clone(self) -> _ModeContext:
        return self.__class__()

    def __call__(self, func):
        if inspect.isclass(func):
            raise TypeError(f"{type(self).__name__} decorates functions, not classes ({func.__name__})")
        if inspect.isgeneratorfunction(func):
            return self._wrap_generator(func)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)

        return wrapper

    def _wrap_generator(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            generator = func(*args, **kwargs)
            to_send = None
            while True:
                with self.clone():
                    try:
                        value = generator.send(to_send)
                    except StopIteration as stop:
                        return stop.value
                to_send = yield value

        return wrapper


class _NoParamMode(_ModeContext):
    """A mode usable as `@mode`, `@mode()` and `with mode():`."""

    __slots__ = ()

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamMode):
    """Disable graph recording inside the block (or the decorated function).

    >>> x = ember.ones(2, requires_grad=True)
    >>> with ember.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    >>> (x * 2).requires_grad
    True
    """

    __slots__ = ()

    def _mode(self) -> tuple[bool, bool]:
        return False, state.inference


class enable_grad(_NoParamMode):
    """Enable graph recording inside the block, even within `no_grad`."""

    __slots__ = ()

    def _mode(self) -> tuple[bool, bool]:
        return True, state.inference


class set_grad_enabled(_ModeContext):
    """Set grad mode now (`set_grad_enabled(False)`), or for a block (`with set_grad_enabled(False):`)."""

    __slots__ = {"mode": "Whether the mode is on."}

    def __init__(self, mode: bool) -> None:
        self._previous = (state.enabled, state.inference)
        self.mode = bool(mode)
        state.enabled = self.mode

    def _mode(self) -> tuple[bool, bool]:
        return self.mode, state.inference

    def __enter__(self) -> None:
        pass

    def clone(self) -> set_grad_enabled:
        """A new context manager with the same mode."""
        return set_grad_enabled(self.mode)

    def __call__(self, func):
        state.enabled, state.inference = self._previous
        return super().__call__(func)

    def __repr__(self) -> str:
        return f"ember.autograd.grad_mode.set_grad_enabled(mode={self.mode})"


class inference_mode(_ModeContext):
    """Like `no_grad`, for code that will never need gradients; `is_inference_mode_enabled()` is True inside."""

    __slots__ = {"mode": "Whether the mode is on."}

    def __new__(cls, mode=True):
        if callable(mode) and not isinstance(mode, bool):
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        self.mode = bool(mode)

    def _mode(self) -> tuple[bool, bool]:
        if self.mode:
            return False, True
        return True, False

    def clone(self) -> inference_mode:
        """A new context manager with the same mode."""
        return inference_mode(self.mode)


for _mode_class in (no_grad, enable_grad, set_grad_enabled, inference_mode):
    _mode_class.__module__ = "ember.autograd.grad_mode"
