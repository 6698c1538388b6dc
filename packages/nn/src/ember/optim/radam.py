"""RAdam: Adam whose adaptive step is switched on, and rectified, once the second moment's variance is tractable."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .adam import _check_adam_args
from .optimizer import Optimizer, ParamsT, _advance, _decayed_grad, _new_step, _update_moments, _zeros_state


class RAdam(Optimizer):
    """PyTorch's RAdam: plain momentum SGD while rho_t <= 5, then Adam's step times the rectification term."""

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_adam_args(lr, betas, eps, weight_decay)
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            decoupled_weight_decay=decoupled_weight_decay,
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
                    state["exp_avg"] = _zeros_state(p)
                    state["exp_avg_sq"] = _zeros_state(p)
                step = _advance(state["step"])
                g = _decayed_grad(p, group)
                m = state["exp_avg"]._data
                v = state["exp_avg_sq"]._data
                _update_moments(m, v, g, beta1, beta2)
                bias_correction2 = 1 - beta2**step
                update = (m / (1 - beta1**step)) * lr
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
                if rho_t > 5.0:
                    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                    root = p._backend.xp.sqrt(v)
                    root += group["eps"]
                    update *= bias_correction2**0.5 / root
                    update *= rect
                p._data -= update
                p._version[0] += 1
        return loss
