"""Negative log likelihoods of Poisson and Gaussian targets, written with differentiable ember ops."""

from __future__ import annotations

import math

from ..._tensor import Tensor
from ...autograd import no_grad
from ._loss import _reduce_tensor
from ._utils import check_reduction, legacy_reduction


def poisson_nll_loss(
    input: Tensor,
    target: Tensor,
    log_input: bool = True,
    full: bool = False,
    size_average=None,
    eps: float = 1e-8,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """exp(input) - target * input (log_input), else input - target * log(input + eps); full adds Stirling's term."""
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction))
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        with no_grad():
            above_one = target > 1
        safe = target.where(above_one, 1.0)
        stirling = safe * safe.log() - safe + 0.5 * (2 * math.pi * safe).log()
        loss = loss + stirling.where(above_one, 0.0)
    return _reduce_tensor(loss, reduction)


def _matched_variance(input: Tensor, var: Tensor) -> Tensor:
    """var as given, or with a trailing dim of 1 added when it lacks input's last dim."""
    if var.shape == input.shape:
        return var
    if tuple(input.shape[:-1]) == tuple(var.shape):
        return var.unsqueeze(-1)
    if input.ndim == var.ndim and sum(v for n, v in zip(input.shape, var.shape) if n != v) == 1:
        return var
    raise ValueError("var is of incorrect size")


def gaussian_nll_loss(
    input: Tensor, target: Tensor, var: Tensor | float, full: bool = False, eps: float = 1e-6, reduction: str = "mean"
) -> Tensor:
    """0.5 * (log(var) + (input - target) ** 2 / var), var clamped below by eps; full adds 0.5 * log(2 pi)."""
    if isinstance(var, (int, float)):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = input.new_full(input.shape, float(var))
    elif bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    var = _matched_variance(input, var)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    with no_grad():
        lift = var.clamp_min(eps) - var
    var = var + lift  # the value is clamped; the gradient passes through unchanged, as in PyTorch
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce_tensor(loss, reduction)
