"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .optimizer import Optimizer, ParamsT, _check_non_negative, _effective_grad, _state_tensor


class SGD(Optimizer):
    """PyTorch's SGD: buf = momentum*buf + (1-dampening)*g (buf = g at the first step); p -= lr*buf.

    >>> w = ember.tensor([1.0, -2.0], requires_grad=True)
    >>> optimizer = ember.optim.SGD([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> optimizer.step()
    >>> w
    tensor([ 0.8000, -1.6000], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        _check_non_negative(("learning rate", lr), ("momentum value", momentum), ("weight_decay value", weight_decay))
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
            foreach=foreach,
            differentiable=differentiable,
            fused=fused,
        )
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None):
        loss = self._evaluate(closure)
        state = self.state
        for group in self.param_groups:
            lr = group["lr"]
            momentum = group["momentum"]
            keep = 1 - group["dampening"]
            nesterov = group["nesterov"]
            maximize = group["maximize"]
            weight_decay = group["weight_decay"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                g = _effective_grad(p, maximize, weight_decay)
                if momentum:
                    buffers = state[p]
                    buf = buffers.get("momentum_buffer")
                    if buf is None:
                        b = p._backend.copy(g)
                        buffers["momentum_buffer"] = _state_tensor(p, b)
                    else:
                        b = buf._data
                        b *= momentum
                        b += g if keep == 1 else keep * g
                    g = g + momentum * b if nesterov else b
                p._data -= lr * g
                p._version[0] += 1
        return loss
