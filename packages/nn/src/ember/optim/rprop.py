"""Rprop: per-coordinate step sizes that grow while the gradient keeps its sign and shrink when it flips."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .optimizer import Optimizer, ParamsT, _advance, _check_non_negative, _new_step, _state_tensor, _zeros_state


class Rprop(Optimizer):
    """Resilient backpropagation, as PyTorch's ``Rprop``.

    Each element's step size grows by ``etaplus`` while its gradient keeps its sign, shrinks by
    ``etaminus`` when the sign flips (skipping that update), stays within ``step_sizes``, and
    the parameter moves by ``-sign(grad) * step_size``.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_non_negative(("learning rate", lr))
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(
            lr=lr,
            etas=etas,
            step_sizes=step_sizes,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
            capturable=capturable,
        )
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None):
        loss = self._evaluate(closure)
        for group in self.param_groups:
            etaminus, etaplus = group["etas"]
            smallest, largest = group["step_sizes"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                xp = p._backend.xp
                state = self.state[p]
                if not state:
                    state["step"] = _new_step()
                    state["prev"] = _zeros_state(p)
                    state["step_size"] = _state_tensor(p, xp.full_like(p._data, group["lr"]))
                _advance(state["step"])
                g = p._grad._data
                g = -g if group["maximize"] else p._backend.copy(g)
                prev = state["prev"]._data
                step_size = state["step_size"]._data
                agreement = xp.sign(g * prev)
                b = p._backend
                factor = b.astype(b.where(agreement > 0, etaplus, b.where(agreement < 0, etaminus, 1)), p.dtype)
                step_size *= factor
                b.copy_into(step_size, b.clip(step_size, smallest, largest))
                b.setitem(g, b.equal(factor, b.asarray(etaminus, p.dtype, p.device.index)), 0)
                p._data -= xp.sign(g) * step_size
                prev[...] = g
                p._version[0] += 1
        return loss
