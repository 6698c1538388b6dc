"""ASGD: SGD with a decaying step size that also keeps a running average of the iterates (`ax`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .optimizer import (
    Optimizer,
    ParamsT,
    _advance,
    _check_non_negative,
    _effective_grad,
    _new_step,
    _scalar_state,
    _zeros_state,
)


class ASGD(Optimizer):
    """PyTorch's ASGD: p = p*(1 - lambd*eta) - eta*g; ax averages p from step t0 on; eta decays as (1+lambd*lr*t)**-alpha."""

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        _check_non_negative(("learning rate", lr), ("weight_decay value", weight_decay))
        defaults = dict(
            lr=lr,
            lambd=lambd,
            alpha=alpha,
            t0=t0,
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
            lr = group["lr"]
            lambd = group["lambd"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = _new_step()
                    state["eta"] = _scalar_state(lr)
                    state["mu"] = _scalar_state(1.0)
                    state["ax"] = _zeros_state(p)
                step = _advance(state["step"])
                g = _effective_grad(p, group["maximize"], group["weight_decay"])
                eta = state["eta"]._data
                mu = state["mu"]._data
                eta_now = float(eta)
                w = p._data
                w *= 1 - lambd * eta_now
                w -= eta_now * g
                ax = state["ax"]._data
                if float(mu) != 1:
                    ax += (w - ax) * mu
                else:
                    ax[...] = w
                eta[...] = lr / ((1 + lambd * lr * step) ** group["alpha"])
                mu[...] = 1 / max(1, step - group["t0"])
                p._version[0] += 1
        return loss
