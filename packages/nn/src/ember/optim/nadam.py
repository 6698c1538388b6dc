"""NAdam: Adam with Nesterov momentum, whose momentum coefficient warms up by `momentum_decay`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .adam import _check_adam_args
from .optimizer import (
    Optimizer,
    ParamsT,
    _advance,
    _check_non_negative,
    _decayed_grad,
    _new_step,
    _scalar_state,
    _update_moments,
    _zeros_state,
)


class NAdam(Optimizer):
    """PyTorch's NAdam: mu_t = beta1*(1 - 0.5*0.96**(t*momentum_decay)); a Nesterov step on Adam's moments."""

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_adam_args(lr, betas, eps, weight_decay)
        _check_non_negative(("momentum_decay value", momentum_decay))
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            momentum_decay=momentum_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None):
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr = group["lr"]
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = _new_step()
                    state["mu_product"] = _scalar_state(1.0)
                    state["exp_avg"] = _zeros_state(p)
                    state["exp_avg_sq"] = _zeros_state(p)
                step = _advance(state["step"])
                g = _decayed_grad(p, group)
                mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * group["momentum_decay"]))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * group["momentum_decay"]))
                mu_product = state["mu_product"]._data
                mu_product *= mu
                mu_product_now = float(mu_product)
                m = state["exp_avg"]._data
                v = state["exp_avg_sq"]._data
                _update_moments(m, v, g, beta1, beta2)
                denom = p._backend.xp.sqrt(v / (1 - beta2**step))
                denom += group["eps"]
                p._data += (-lr * (1.0 - mu) / (1.0 - mu_product_now)) * (g / denom)
                p._data += ((-lr * mu_next) / (1.0 - mu_product_now * mu_next)) * (m / denom)
                p._version[0] += 1
        return loss
