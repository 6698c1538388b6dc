"""Adamax: Adam with the infinity norm in place of the second moment."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .adam import _check_adam_args
from .optimizer import Optimizer, ParamsT, _advance, _effective_grad, _lerp_, _new_step, _zeros_state


class Adamax(Optimizer):
    """PyTorch's Adamax: ``exp_inf = max(beta2 * exp_inf, abs(g) + eps)``; ``p -= lr / (1 - beta1**t) * exp_avg / exp_inf``."""

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        _check_adam_args(lr, betas, eps, weight_decay)
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
            capturable=capturable,
        )
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None):
        loss = self._evaluate(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = _new_step()
                    state["exp_avg"] = _zeros_state(p)
                    state["exp_inf"] = _zeros_state(p)
                step = _advance(state["step"])
                g = _effective_grad(p, group["maximize"], group["weight_decay"])
                m = state["exp_avg"]._data
                norm = state["exp_inf"]._data
                _lerp_(m, g, 1 - beta1)
                xp = p._backend.xp
                magnitude = xp.abs(g)
                magnitude += group["eps"]
                norm *= beta2
                p._backend.maximum(norm, magnitude, out=norm)
                p._data -= (group["lr"] / (1 - beta1**step)) * (m / norm)
                p._version[0] += 1
        return loss
