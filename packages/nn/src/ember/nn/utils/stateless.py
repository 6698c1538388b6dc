"""functional_call: run a module with other tensors in place of its parameters and buffers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..._tensor import Tensor

Module = Any  # an ember.nn.Module (nn.utils is imported by the layers, so it does not import them)


def _owner(module: Module, name: str) -> tuple[Module, str, str]:
    """(submodule, its registry "_parameters"/"_buffers", the entry's name) of a dotted name."""
    *path, leaf = name.split(".")
    owner = module
    for part in path:
        owner = owner._modules[part]
    kind = "_parameters" if leaf in owner._parameters else "_buffers"
    if leaf not in getattr(owner, kind):
        raise AttributeError(f"{type(owner).__name__} has no parameter or buffer {leaf!r} ({name!r})")
    return owner, kind, leaf


def _tied(module: Module) -> dict[str, list[str]]:
    """Each parameter or buffer's first name -> every name it has (tied weights have several)."""
    names: dict[int, list[str]] = {}
    for prefix, part in module.named_modules(remove_duplicate=False):
        for kind in ("_parameters", "_buffers"):
            for leaf, tensor in getattr(part, kind).items():
                if tensor is not None:
                    found = names.setdefault(id(tensor), [])
                    full = f"{prefix}.{leaf}" if prefix else leaf
                    if full not in found:
                        found.append(full)
    return {group[0]: group for group in names.values()}


@contextmanager
def _reparametrized(module: Module, values: dict[str, Tensor], tie_weights: bool, strict: bool) -> Iterator[None]:
    groups = _tied(module)
    wanted = dict(values)
    if tie_weights:
        for group in groups.values():
            given = {name: wanted[name] for name in group if name in wanted}
            if len({id(v) for v in given.values()}) > 1:
                raise ValueError(
                    f"functional_call got multiple values for keys {sorted(given)}, which are tied. Consider using "
                    "tie_weights=False"
                )
            if given:
                value = next(iter(given.values()))
                wanted.update({name: value for name in group})
    if strict:
        known = {name for group in groups.values() for name in group}
        missing = sorted(known - set(wanted))
        unexpected = sorted(set(wanted) - known)
        if missing or unexpected:
            raise RuntimeError(
                "Error(s) in reparametrizing for "
                + type(module).__name__
                + ":\n\t"
                + (f"Unexpected key(s): {', '.join(map(repr, unexpected))}." if unexpected else "")
                + (f"Missing key(s): {', '.join(map(repr, missing))}." if missing else "")
            )
    saved = []
    try:
        for name, value in wanted.items():
            owner, kind, leaf = _owner(module, name)
            registry = getattr(owner, kind)
            saved.append((registry, leaf, registry[leaf]))
            registry[leaf] = value
        yield
    finally:
        for registry, leaf, tensor in reversed(saved):
            registry[leaf] = tensor


def functional_call(
    module: Module,
    parameters_and_buffers: dict[str, Tensor] | tuple,
    args: Any = None,
    kwargs: dict[str, Any] | None = None,
    *,
    tie_weights: bool = True,
    strict: bool = False,
):
    """module(*args, **kwargs) with the given tensors (by dotted name) in place of its parameters and buffers."""
    if isinstance(parameters_and_buffers, (list, tuple)):
        merged: dict[str, Tensor] = {}
        for part in parameters_and_buffers:
            overlap = set(merged) & set(part)
            if overlap:
                raise ValueError(
                    f"{sorted(overlap)} appeared in multiple dictionaries; behavior of functional call is ambiguous"
                )
            merged.update(part)
        parameters_and_buffers = merged
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _reparametrized(module, parameters_and_buffers, tie_weights, strict):
        return module(*args, **(kwargs or {}))
