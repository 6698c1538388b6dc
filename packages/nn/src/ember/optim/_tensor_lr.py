"""Learning rates given as 1-element tensors (accepted by the newer optimizers, as in PyTorch)."""

from __future__ import annotations

from typing import Any

from ember import Tensor


def _check_tensor_lr(lr: Any) -> None:
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")


def _scalar_lr(lr: Any) -> float:
    """The lr as a Python float (a tensor lr is read once per step)."""
    return lr.item() if isinstance(lr, Tensor) else lr
