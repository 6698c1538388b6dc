"""The `Optimizer` base: parameter groups, per-parameter state, and their state dict.

Subclasses implement `step()`. The built-in optimizers update each parameter's backend
array in place (`p._data`), so a `.numpy()` view of a weight sees the change and no
autograd bookkeeping happens on the hot path.
"""

from __future__ import annotations

import copy
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import ember
from ember import Tensor
from ember._tensor import wrap


class _RequiredParameter:
    """Marks a hyper-parameter that has no default (SGD's lr in older PyTorch)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]] | Iterable[tuple[str, Tensor]]


class Optimizer:
    """Base class of all optimizers: holds `param_groups` and `state`, saves and restores them."""

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, but got "
                f"{params.type()}; wrap a single tensor in a list: {type(self).__name__}([t], ...)"
            )
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # --- parameter groups ----------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyper-parameters (missing ones from `defaults`)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the ordering of "
                "tensors in sets will change between runs. Please use a list instead."
            )
        params = list(params)
        names = None
        if params and isinstance(params[0], tuple):
            names = [name for name, _ in params]
            params = [p for _, p in params]
        for p in params:
            _check_optimizable(p)
        group = {**param_group, "params": params}
        if names is not None:
            group["param_names"] = names
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            group.setdefault(name, default)
        if len({id(p) for p in params}) != len(params):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, this will cause "
                "an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                stacklevel=3,
            )
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    # --- gradients ----------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized tensors (to None by default, as PyTorch does)."""
        for group in self.param_groups:
            for p in group["params"]:
                grad = p._grad
                if grad is None:
                    continue
                if set_to_none:
                    p._grad = None
                    continue
                if grad.grad_fn is not None:
                    grad.detach_()
                else:
                    grad.requires_grad_(False)
                grad._data[...] = 0
                grad._version[0] += 1

    def step(self, closure: Callable[[], Any] | None = None):
        """Perform one optimization step (implemented by each optimizer)."""
        raise NotImplementedError

    @staticmethod
    def _evaluate(closure: Callable[[], Any] | None):
        if closure is None:
            return None
        with ember.enable_grad():
            return closure()

    # --- state dict -----------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}, PyTorch's layout."""
        index_of: dict[int, int] = {}
        packed_groups = []
        for group in self.param_groups:
            for p in group["params"]:
                index_of.setdefault(id(p), len(index_of))
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index_of[id(p)] for p in group["params"]]
            packed_groups.append(packed)
        packed_state = {
            (index_of[id(p)] if isinstance(p, Tensor) else p): dict(values) for p, values in self.state.items()
        }
        return {"state": packed_state, "param_groups": packed_groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore state saved by `state_dict()`; tensors are copied to each parameter's device and dtype."""
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"loaded state dict has a different number of parameter groups ({len(saved_groups)}) than "
                f"this {type(self).__name__} ({len(self.param_groups)})"
            )
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the size of optimizer's "
                    f"group (group {i}: {len(saved['params'])} saved, {len(group['params'])} here)"
                )
        param_of = {
            index: p
            for group, saved in zip(self.param_groups, saved_groups)
            for index, p in zip(saved["params"], group["params"])
        }
        state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for key, values in state_dict["state"].items():
            param = param_of.get(key)
            if param is None:
                state[key] = values
            else:
                state[param] = {name: _restore(value, param, name) for name, value in values.items()}
        for group, saved in zip(self.param_groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
        self.state = state
        self.param_groups = saved_groups

    # --- printing ----------------------------------------------------------------------
    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)

    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)


def _check_non_negative(*checks: tuple[str, float]) -> None:
    """Raise PyTorch's 'Invalid <name>: <value>' for a negative hyper-parameter."""
    for name, value in checks:
        if value < 0.0:
            raise ValueError(f"Invalid {name}: {value}")


def _check_optimizable(p) -> None:
    if not isinstance(p, Tensor):
        raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {ember.typename(p)}")
    if p.grad_fn is not None and not p.retains_grad:
        raise ValueError(
            f"can't optimize a non-leaf Tensor (it was produced by {type(p.grad_fn).__name__}); "
            "optimize the leaf it was computed from, or make a leaf with .detach().requires_grad_()"
        )


def _restore(value, param: Tensor, key: str):
    """A copy of saved optimizer state on the parameter's device (floating state also in its dtype)."""
    if not isinstance(value, Tensor):
        return value
    if key == "step":
        return value.clone()
    dtype = param.dtype if value.is_floating_point() else value.dtype
    return value.to(device=param.device, dtype=dtype, copy=True)


def _effective_grad(p: Tensor, maximize: bool, weight_decay: float):
    """The gradient array an update uses: negated to maximize, plus L2 weight decay (never in place)."""
    g = p._grad._data
    if maximize:
        g = -g
    if weight_decay:
        g = g + weight_decay * p._data
    return g


def _decayed_grad(p: Tensor, group: dict) -> Any:
    """`_effective_grad` for the Adam family: with `decoupled_weight_decay` the parameter itself
    shrinks by ``lr * weight_decay`` (AdamW) and the gradient is left undecayed."""
    weight_decay = group["weight_decay"]
    if group["decoupled_weight_decay"] and weight_decay:
        p._data *= 1 - group["lr"] * weight_decay
        return _effective_grad(p, group["maximize"], 0)
    return _effective_grad(p, group["maximize"], weight_decay)


def _update_moments(exp_avg, exp_avg_sq, g, beta1: float, beta2: float) -> None:
    """Adam's running first and second moments of the gradient, updated in place."""
    _lerp_(exp_avg, g, 1 - beta1)
    exp_avg_sq *= beta2
    exp_avg_sq += (1 - beta2) * g * g


def _state_tensor(p: Tensor, array) -> Tensor:
    """Optimizer state (a backend array shaped like p) as a tensor on p's backend and device."""
    return wrap(array, p._backend, p.dtype, p.device)


def _zeros_state(p: Tensor) -> Tensor:
    return _state_tensor(p, p._backend.xp.zeros_like(p._data))


def _new_step() -> Tensor:
    return ember.zeros((), dtype=ember.float32)


def _scalar_state(value: float) -> Tensor:
    """A 0-dim float32 state tensor (PyTorch keeps scalar state such as `mu_product` in float32)."""
    return ember.tensor(value, dtype=ember.float32)


def _advance(step: Tensor) -> float:
    """Count one more step in a state's 0-dim `step` tensor; return the new count."""
    count = step._data
    count += 1
    item = getattr(count, "item", None)  # NOTE: not float(count) nor backend.item: ember.compile follows .item()
    return item() if item is not None else step._backend.item(count)  # arrays without item(): the backend's


def _lerp_(start, end, weight: float) -> None:
    """start += weight * (end - start), in place, rounding like PyTorch's lerp_ on either side of 0.5."""
    if weight < 0.5:
        start += weight * (end - start)
    else:
        gap = end - start
        gap *= 1 - weight
        start[...] = end - gap
