"""Adagrad: per-coordinate step sizes from the running sum of squared gradients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .optimizer import Optimizer, ParamsT, _advance, _check_non_negative, _effective_grad, _new_step, _state_tensor


class Adagrad(Optimizer):
    """PyTorch's Adagrad: sum += g^2; p -= lr / (1 + (step-1)*lr_decay) * g / (sqrt(sum) + eps)."""

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        _check_non_negative(
            ("learning rate", lr),
            ("lr_decay value", lr_decay),
            ("weight_decay value", weight_decay),
            ("initial_accumulator_value value", initial_accumulator_value),
            ("epsilon value", eps),
        )
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            eps=eps,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
            fused=fused,
        )
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group)

    def _init_state(self, p, group: dict) -> dict:
        state = self.state[p]
        if not state:
            state["step"] = _new_step()
            start = p._backend.xp.full_like(p._data, group["initial_accumulator_value"])
            state["sum"] = _state_tensor(p, start)
        return state

    def step(self, closure: Callable[[], Any] | None = None):
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr = group["lr"]
            lr_decay = group["lr_decay"]
            eps = group["eps"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self._init_state(p, group)
                step = _advance(state["step"])
                g = _effective_grad(p, group["maximize"], group["weight_decay"])
                total = state["sum"]._data
                total += g * g
                std = p._backend.xp.sqrt(total)
                std += eps
                clr = lr / (1 + (step - 1) * lr_decay)
                p._data -= clr * (g / std)
                p._version[0] += 1
        return loss
