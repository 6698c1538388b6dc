"""Muon: momentum SGD for matrices whose update is orthogonalized by Newton-Schulz iterations in bfloat16."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ._tensor_lr import _check_tensor_lr, _scalar_lr
from .optimizer import Optimizer, ParamsT, _effective_grad, _lerp_, _zeros_state

NS_COEFFICIENTS = (3.4445, -4.7750, 2.0315)


class Muon(Optimizer):
    """PyTorch's Muon for 2-D parameters (Newton-Schulz runs in bfloat16, emulated in float32 storage).

    >>> w = ember.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
    >>> optimizer = ember.optim.Muon([w], lr=0.02)
    >>> (w * w).sum().backward()
    >>> optimizer.step()
    >>> w.shape
    ember.Size([2, 2])
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        weight_decay: float = 0.1,
        momentum: float = 0.95,
        nesterov: bool = True,
        ns_coefficients: tuple[float, float, float] = NS_COEFFICIENTS,
        eps: float = 1e-7,
        ns_steps: int = 5,
        adjust_lr_fn: str | None = None,
    ) -> None:
        _check_tensor_lr(lr)
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 <= momentum:
            raise ValueError(f"momentum should be >= 0 but is: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight decay should be >= 0 but is: {weight_decay}")
        if adjust_lr_fn is not None and adjust_lr_fn not in ("original", "match_rms_adamw"):
            raise ValueError(f"Adjust learning rate function {adjust_lr_fn} is not supported")
        defaults = dict(
            lr=lr,
            weight_decay=weight_decay,
            momentum=momentum,
            nesterov=nesterov,
            ns_coefficients=ns_coefficients,
            eps=eps,
            ns_steps=ns_steps,
            adjust_lr_fn=adjust_lr_fn,
        )
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                if p.ndim != 2:
                    raise ValueError(
                        f"Muon only supports 2D parameters whereas we found a parameter with size: {p.size()}; "
                        "optimize biases and other non-2-D parameters with another optimizer such as AdamW"
                    )

    def step(self, closure: Callable[[], Any] | None = None):
        """Perform one Muon step on every parameter that has a gradient."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, momentum = _scalar_lr(group["lr"]), group["momentum"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                if p.is_complex():
                    raise RuntimeError("Muon does not support complex parameters")
                state = self.state[p]
                if "momentum_buffer" not in state:
                    state["momentum_buffer"] = _zeros_state(p)
                g = _effective_grad(p, False, 0)
                buf = state["momentum_buffer"]._data
                _lerp_(buf, g, 1 - momentum)
                if group["nesterov"]:
                    g = p._backend.copy(g)
                    _lerp_(g, buf, momentum)
                else:
                    g = buf
                update = _orthogonalize(p._backend.xp, g, group["ns_coefficients"], group["ns_steps"], group["eps"])
                p._data *= 1 - lr * group["weight_decay"]
                p._data += -_adjusted_lr(lr, group["adjust_lr_fn"], p.shape) * p._backend.astype(update, p.dtype)
                p._version[0] += 1
        return loss


def _orthogonalize(xp, g, coefficients: tuple[float, float, float], steps: int, eps: float):
    """Newton-Schulz iterations toward the nearest semi-orthogonal matrix, each result rounded to bfloat16."""
    if steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if g.ndim != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    a, b, c = coefficients
    x = _bfloat16(xp, g)
    wide = g.shape[0] > g.shape[1]
    if wide:
        x = x.T
    norm = _bfloat16(xp, xp.sqrt(xp.sum(x * x)))
    x = _bfloat16(xp, x / xp.maximum(norm, _bfloat16(xp, xp.asarray(eps, dtype=xp.float32))))
    for _ in range(steps):
        gram = _bfloat16(xp, x @ x.T)
        poly = _bfloat16(xp, b * gram + c * (gram @ gram))
        x = _bfloat16(xp, a * x + poly @ x)
    return x.T if wide else x


def _bfloat16(xp, array):
    """Round to the nearest bfloat16 (ties to even), kept in float32 storage."""
    x = xp.asarray(array, dtype=xp.float32)
    # NOTE: Veltkamp's split: in float32 arithmetic (round to nearest even) c - (c - x) with c = (2**16 + 1) * x
    # is x rounded to 24 - 16 = 8 significant bits, ties to even. Only array API arithmetic, no bit view of the
    # storage. Where c overflows (|x| >= 2**111: infinities, NaN, huge values) x passes through unrounded.
    c = x * 65537.0
    rounded = c - (c - x)
    return xp.where(xp.isfinite(rounded), rounded, x)


def _adjusted_lr(lr: float, adjust_lr_fn: str | None, shape) -> float:
    rows, cols = shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        return lr * math.sqrt(max(1, rows / cols))
    if adjust_lr_fn == "match_rms_adamw":
        return lr * 0.2 * math.sqrt(max(rows, cols))
    return lr
