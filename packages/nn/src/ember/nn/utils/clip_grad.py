"""Gradient clipping: by total norm and by value, in place on each parameter's .grad."""

from __future__ import annotations

import math
from collections.abc import Iterable

from ..._tensor import Tensor
from ...autograd import no_grad
from ...ops.shape import stack


def _with_grads(parameters) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p for p in parameters if p.grad is not None]


def _tensors(tensors) -> list[Tensor]:
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


@no_grad()
def get_total_norm(
    tensors: Tensor | Iterable[Tensor], norm_type: float = 2.0, error_if_nonfinite: bool = False, foreach=None
) -> Tensor:
    """The norm of all the tensors together, as if they were one vector (the norm of their norms)."""
    tensors = _tensors(tensors)
    norm_type = float(norm_type)
    if not tensors:
        from ..._creation import tensor

        return tensor(0.0)
    norms = stack([t.detach().norm(norm_type) for t in tensors])
    total = norms.max() if norm_type == math.inf else norms.norm(norm_type)
    if error_if_nonfinite and not bool(total.isfinite()):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it cannot be "
            "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
            "`error_if_nonfinite=False`"
        )
    return total


@no_grad()
def clip_grads_with_norm_(
    parameters: Tensor | Iterable[Tensor], max_norm: float, total_norm: Tensor, foreach=None
) -> None:
    """Scale the gradients by max_norm / (total_norm + 1e-6) where that is below 1 (total_norm from get_total_norm)."""
    factor = (max_norm / (total_norm + 1e-6)).clamp(max=1.0)
    for p in _with_grads(parameters):
        p.grad.mul_(factor.to(p.grad.dtype))


@no_grad()
def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach=None,
) -> Tensor:
    """Scale all gradients together so that their joint norm is at most max_norm; returns the norm before."""
    parameters = _with_grads(parameters)
    total = get_total_norm([p.grad for p in parameters], norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total)
    return total


def clip_grad_norm(parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False) -> Tensor:
    """Deprecated spelling of ``clip_grad_norm_``."""
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite)


@no_grad()
def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float, foreach=None) -> None:
    """Clamp every gradient element to [-clip_value, clip_value]."""
    clip_value = float(clip_value)
    for p in _with_grads(parameters):
        p.grad.clamp_(-clip_value, clip_value)
