"""torch.cond and torch.while_loop, run eagerly: Python's own if and while over ember's ops."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._tensor import Tensor


def cond(pred: bool | int | float | Tensor, true_fn: Callable, false_fn: Callable, operands: tuple | list = ()) -> Any:
    """``true_fn(*operands)`` if pred (a bool or a one-element tensor) holds, else ``false_fn(*operands)``."""
    if isinstance(pred, Tensor) and pred.numel() != 1:
        raise RuntimeError(f"Expected pred to be bool or single-element tensor, but got {pred}.")
    return (true_fn if bool(pred) else false_fn)(*operands)


def while_loop(cond_fn: Callable, body_fn: Callable, carried_inputs: tuple | list) -> Any:
    """Replace the carried values by ``body_fn(*carried)`` while ``cond_fn(*carried)`` holds; the last ones."""
    carried = carried_inputs
    while bool(cond_fn(*_arguments(carried))):
        carried = body_fn(*_arguments(carried))
    return carried


def _arguments(carried) -> tuple | list:
    return carried if isinstance(carried, (tuple, list)) else (carried,)
