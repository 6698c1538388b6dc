"""Adafactor: Adam-like steps whose second moment is factored into row and column statistics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ember import Tensor

from ._tensor_lr import _check_tensor_lr, _scalar_lr
from .optimizer import Optimizer, ParamsT, _advance, _effective_grad, _lerp_, _new_step, _state_tensor, _zeros_state


class Adafactor(Optimizer):
    """PyTorch's Adafactor: factored second moments for matrices, relative step sizes and update clipping.

    >>> w = ember.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
    >>> optimizer = ember.optim.Adafactor([w], lr=0.01)
    >>> (w * w).sum().backward()
    >>> optimizer.step()
    >>> w.shape
    ember.Size([2, 2])
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float | Tensor = 1e-2,
        beta2_decay: float = -0.8,
        eps: tuple[float | None, float] = (None, 1e-3),
        d: float = 1.0,
        weight_decay: float = 0.0,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
    ) -> None:
        _check_tensor_lr(lr)
        _check_adafactor_args(lr, beta2_decay, eps, d, weight_decay)
        defaults = dict(
            lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay, foreach=foreach, maximize=maximize
        )
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None):
        """Perform one Adafactor step on every parameter that has a gradient."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr = _scalar_lr(group["lr"])
            eps1, eps2 = group["eps"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                if p.is_complex():
                    raise RuntimeError("Adafactor does not support complex parameters")
                state = self.state[p]
                if not state:
                    _init_state(state, p)
                if eps1 is None:  # like PyTorch, the first parameter's dtype fixes it for the whole group
                    eps1 = float(p._backend.xp.finfo(p._data.dtype).eps)
                step = _advance(state["step"])
                _adafactor_update(p, state, step, lr, group, eps1, eps2)
        return loss


def _init_state(state: dict, p) -> None:
    state["step"] = _new_step()
    if p.dim() > 1:
        xp = p._backend.xp
        rows, cols = list(p.shape), list(p.shape)
        rows[-1] = 1
        cols[-2] = 1
        state["row_var"] = _state_tensor(p, xp.zeros(rows, dtype=p._data.dtype))
        state["col_var"] = _state_tensor(p, xp.zeros(cols, dtype=p._data.dtype))
    else:
        state["variance"] = _zeros_state(p)


def _adafactor_update(p, state: dict, step: float, lr: float, group: dict, eps1: float, eps2: float) -> None:
    xp = p._backend.xp
    g = _effective_grad(p, group["maximize"], 0)
    decay_weight = step ** group["beta2_decay"]
    relative_lr = min(lr, 1 / step**0.5)
    alpha = max(eps2, _norm(xp, p._data) / p._data.size**0.5) * relative_lr
    if group["weight_decay"] != 0:
        p._data *= 1 - lr * group["weight_decay"]
    if g.ndim > 1:
        row_var, col_var = state["row_var"]._data, state["col_var"]._data
        _lerp_(row_var, _mean_square(xp, g, -1), decay_weight)
        _lerp_(col_var, _mean_square(xp, g, -2), decay_weight)
        estimate = row_var @ col_var
        estimate /= xp.maximum(xp.mean(row_var, axis=-2, keepdims=True), eps1)
    else:
        variance = state["variance"]._data
        _lerp_(variance, g * g, decay_weight)
        estimate = p._backend.copy(variance)
    update = 1 / xp.sqrt(xp.maximum(estimate, eps1 * eps1))
    update *= g
    clip = max(1.0, _norm(xp, update) / (update.size**0.5 * group["d"]))
    p._data += (-alpha / clip) * update
    p._version[0] += 1


def _norm(xp, array) -> float:
    return float(xp.sqrt(xp.sum(array * array)))


def _mean_square(xp, g, axis: int):
    """Squared 2-norm along `axis` divided by its length (rounded like PyTorch's norm().square())."""
    norm = xp.sqrt(xp.sum(g * g, axis=axis, keepdims=True))
    return norm * norm / g.shape[axis]


def _check_adafactor_args(
    lr: float | Tensor, beta2_decay: float, eps: tuple[float | None, float], d: float, weight_decay: float
) -> None:
    if not 0.0 <= lr:
        raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
    if not 0.0 >= beta2_decay:
        raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
    if eps[0] is not None and not 0.0 <= eps[0]:
        raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
    if not 0.0 <= eps[1]:
        raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
    if not 1.0 <= d:
        raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
