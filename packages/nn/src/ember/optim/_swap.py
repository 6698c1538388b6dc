"""swap_in_optimizer_params_and_state: run an optimizer on other parameters and state for a while."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ember import Tensor

from .optimizer import Optimizer

_MISMATCH = (
    "swap_in_optimizer_params_and_state requires the explicit parameter state to match optimizer.param_groups ordering."
)


@contextmanager
def swap_in_optimizer_params_and_state(
    optimizer: Optimizer, swapin_parameters: dict[str, Tensor], swapin_optim_state: dict[str, Any]
) -> Iterator[None]:
    """Inside, the optimizer's parameters are `swapin_parameters` (in param_groups order) and its state is
    `swapin_optim_state` (a state_dict()); the live ones come back on exit.

    Tensors of the swapped-in state are shared, so in-place updates (a step's) reach them; anything
    else the step assigns to the state is dropped on exit.
    """
    if not optimizer.state:
        raise RuntimeError("swap_in_optimizer_params_and_state requires initialized optimizer state.")
    groups = optimizer.param_groups
    packed_groups = swapin_optim_state["param_groups"]
    incoming = list(swapin_parameters.values())
    sizes = [len(group["params"]) for group in groups]
    if len(incoming) != sum(sizes) or [len(g["params"]) for g in packed_groups] != sizes:
        raise RuntimeError(_MISMATCH)
    live_groups = [dict(group) for group in groups]
    live_state = optimizer.state
    swapped_state: defaultdict = defaultdict(dict)
    start = 0
    for group, packed, size in zip(groups, packed_groups, sizes):
        params = incoming[start : start + size]
        start += size
        group.update({key: value for key, value in packed.items() if key != "params"})
        group["params"] = params
        for param, index in zip(params, packed["params"]):
            if index in swapin_optim_state["state"]:
                swapped_state[param] = dict(swapin_optim_state["state"][index])
    optimizer.state = swapped_state
    try:
        yield
    finally:
        optimizer.state = live_state
        for group, live in zip(groups, live_groups):
            group.clear()
            group.update(live)
