"""RMSprop: divide the gradient by a running root-mean-square, optionally centered and with momentum."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .optimizer import (
    Optimizer,
    ParamsT,
    _advance,
    _check_non_negative,
    _effective_grad,
    _lerp_,
    _new_step,
    _zeros_state,
)


class RMSprop(Optimizer):
    """PyTorch's RMSprop: square_avg = alpha*square_avg + (1-alpha)*g^2; p -= lr * g / (sqrt(square_avg) + eps)."""

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_non_negative(
            ("learning rate", lr),
            ("epsilon value", eps),
            ("momentum value", momentum),
            ("weight_decay value", weight_decay),
            ("alpha value", alpha),
        )
        defaults = dict(
            lr=lr,
            momentum=momentum,
            alpha=alpha,
            eps=eps,
            centered=centered,
            weight_decay=weight_decay,
            capturable=capturable,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None):
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr = group["lr"]
            alpha = group["alpha"]
            eps = group["eps"]
            momentum = group["momentum"]
            centered = group["centered"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = _new_step()
                    state["square_avg"] = _zeros_state(p)
                    if momentum > 0:
                        state["momentum_buffer"] = _zeros_state(p)
                    if centered:
                        state["grad_avg"] = _zeros_state(p)
                _advance(state["step"])
                g = _effective_grad(p, group["maximize"], group["weight_decay"])
                square_avg = state["square_avg"]._data
                square_avg *= alpha
                square_avg += (1 - alpha) * g * g
                xp = p._backend.xp
                if centered:
                    grad_avg = state["grad_avg"]._data
                    _lerp_(grad_avg, g, 1 - alpha)
                    avg = square_avg - grad_avg * grad_avg
                    p._backend.sqrt(avg, out=avg)
                else:
                    avg = xp.sqrt(square_avg)
                avg += eps
                if momentum > 0:
                    buf = state["momentum_buffer"]._data
                    buf *= momentum
                    buf += g / avg
                    p._data -= lr * buf
                else:
                    p._data -= lr * (g / avg)
                p._version[0] += 1
        return loss
