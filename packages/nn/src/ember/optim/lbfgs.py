"""L-BFGS: a quasi-Newton method over all parameters flattened into one vector, with an optional strong-Wolfe line search."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ember import Tensor

from ._line_search import strong_wolfe
from .optimizer import Optimizer, ParamsT, _check_non_negative, _state_tensor

# the state entries held as tensors between steps (PyTorch's names); the rest are Python numbers
_ARRAY_STATE = ("d", "t", "old_dirs", "old_stps", "ro", "H_diag", "prev_flat_grad", "al")


class LBFGS(Optimizer):
    """PyTorch's LBFGS: one param group; `step(closure)` runs up to `max_iter` iterations, re-evaluating the closure."""

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        _check_non_negative(("learning rate", lr))
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(
            lr=lr,
            max_iter=max_iter,
            max_eval=max_eval,
            tolerance_grad=tolerance_grad,
            tolerance_change=tolerance_change,
            history_size=history_size,
            line_search_fn=line_search_fn,
        )
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params: list[Tensor] = self.param_groups[0]["params"]

    # --- the parameters as one flat vector ---------------------------------------------------
    def _flat_grad(self):
        backend = self._params[0]._backend
        parts = [
            backend.zeros((p.numel(),), p.dtype, p.device.index)
            if p._grad is None
            else backend.reshape(p._grad._data, (-1,))
            for p in self._params
        ]
        return backend.concat(parts)

    def _move(self, step, direction) -> None:
        """Add step * direction to the parameters, in place."""
        offset = 0
        for p in self._params:
            size = p.numel()
            p._data += step * p._backend.reshape(direction[offset : offset + size], p.shape)
            p._version[0] += 1
            offset += size

    def _reset(self, saved) -> None:
        for p, values in zip(self._params, saved):
            p._data[...] = values
            p._version[0] += 1

    def _loss_and_grad_at(self, closure, start, step, direction) -> tuple[float, Any]:
        self._move(step, direction)
        loss = float(self._evaluate(closure))
        flat_grad = self._flat_grad()
        self._reset(start)
        return loss, flat_grad

    def step(self, closure: Callable[[], Any]):  # type: ignore[override]
        if closure is None:
            raise RuntimeError("LBFGS.step needs a closure that recomputes the loss: opt.step(closure)")
        group = self.param_groups[0]
        backend = self._params[0]._backend
        lr = group["lr"]
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]

        # LBFGS's state is global; it lives with the first parameter (so load_state_dict finds it)
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = self._evaluate(closure)
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._flat_grad()
        if backend.max(abs(flat_grad)) <= tolerance_grad:
            return orig_loss

        saved = {key: _from_state(state.get(key), backend) for key in _ARRAY_STATE}
        d, t, H_diag = saved["d"], saved["t"], saved["H_diag"]
        old_dirs, old_stps, ro = saved["old_dirs"], saved["old_stps"], saved["ro"]
        prev_flat_grad, al = saved["prev_flat_grad"], saved["al"]
        prev_loss = state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1

            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                H_diag = 1
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = backend.matmul(y, s)
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / backend.matmul(y, y)
                if al is None:
                    al = state["al"] = [None] * history_size
                d = _two_loop_direction(backend.matmul, flat_grad, old_dirs, old_stps, ro, H_diag, al)

            prev_flat_grad = backend.copy(flat_grad)
            prev_loss = loss

            t = min(1.0, 1.0 / backend.sum(abs(flat_grad))) * lr if state["n_iter"] == 1 else lr
            gtd = backend.matmul(flat_grad, d)
            if gtd > -tolerance_change:
                break

            evaluations = 0
            if line_search_fn is not None:
                if line_search_fn != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                start = [backend.copy(p._data) for p in self._params]

                def loss_and_grad(x, step, direction):
                    return self._loss_and_grad_at(closure, x, step, direction)

                loss, flat_grad, t, evaluations = strong_wolfe(
                    loss_and_grad, backend, start, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals
                )
                self._move(t, d)
                converged = backend.max(abs(flat_grad)) <= tolerance_grad
            else:
                self._move(t, d)
                converged = False
                if n_iter != max_iter:
                    # no use re-evaluating after the last iteration: the next step() does
                    loss = float(self._evaluate(closure))
                    flat_grad = self._flat_grad()
                    converged = backend.max(abs(flat_grad)) <= tolerance_grad
                    evaluations = 1

            current_evals += evaluations
            state["func_evals"] += evaluations
            if n_iter == max_iter or current_evals >= max_eval or converged:
                break
            if backend.max(abs(d * t)) <= tolerance_change or abs(loss - prev_loss) < tolerance_change:
                break

        like = self._params[0]
        for key, value in zip(_ARRAY_STATE, (d, t, old_dirs, old_stps, ro, H_diag, prev_flat_grad, al), strict=True):
            if key != "al" or value is not None:
                state[key] = _to_state(value, like)
        state["prev_loss"] = prev_loss
        return orig_loss


def _two_loop_direction(dot, flat_grad, old_dirs, old_stps, ro, H_diag, al):
    """The L-BFGS two-loop recursion: -H @ flat_grad for the inverse-Hessian estimate the history defines."""
    q = -flat_grad
    for i in range(len(old_dirs) - 1, -1, -1):
        al[i] = dot(old_stps[i], q) * ro[i]
        q -= al[i] * old_dirs[i]
    r = q * H_diag
    for i in range(len(old_dirs)):
        be_i = dot(old_dirs[i], r) * ro[i]
        r += (al[i] - be_i) * old_stps[i]
    return r


def _from_state(value, backend):
    """Saved state back to backend arrays (0-dim ones to scalars), through lists."""
    if isinstance(value, Tensor):
        return value._data[()] if value.ndim == 0 else backend.copy(value._data)
    if isinstance(value, list):
        return [_from_state(v, backend) for v in value]
    return value


def _to_state(value, like: Tensor):
    """Arrays and array scalars as tensors on the parameters' backend; Python numbers and None stay."""
    if isinstance(value, list):
        return [_to_state(v, like) for v in value]
    if value is None or type(value) in (int, float):
        return value
    return _state_tensor(like, like._backend.xp.asarray(value, dtype=like._data.dtype))
