"""Adadelta: steps scaled by the ratio of running RMS of past updates to running RMS of gradients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .optimizer import Optimizer, ParamsT, _advance, _check_non_negative, _effective_grad, _new_step, _zeros_state


class Adadelta(Optimizer):
    """PyTorch's Adadelta: delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * g; p -= lr * delta."""

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_non_negative(("learning rate", lr))
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check_non_negative(("epsilon value", eps), ("weight_decay value", weight_decay))
        defaults = dict(
            lr=lr,
            rho=rho,
            eps=eps,
            weight_decay=weight_decay,
            maximize=maximize,
            capturable=capturable,
            foreach=foreach,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None):
        loss = self._evaluate(closure)
        for group in self.param_groups:
            rho = group["rho"]
            eps = group["eps"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = _new_step()
                    state["square_avg"] = _zeros_state(p)
                    state["acc_delta"] = _zeros_state(p)
                _advance(state["step"])
                g = _effective_grad(p, group["maximize"], group["weight_decay"])
                square_avg = state["square_avg"]._data
                acc_delta = state["acc_delta"]._data
                square_avg *= rho
                square_avg += (1 - rho) * g * g
                xp = p._backend.xp
                std = xp.sqrt(square_avg + eps)
                delta = xp.sqrt(acc_delta + eps)
                delta /= std
                delta *= g
                acc_delta *= rho
                acc_delta += (1 - rho) * delta * delta
                p._data -= group["lr"] * delta
                p._version[0] += 1
        return loss
