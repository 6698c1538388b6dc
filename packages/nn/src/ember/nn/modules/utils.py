"""Helpers for modules' state dicts."""

from __future__ import annotations

from collections.abc import MutableMapping


def consume_prefix_in_state_dict_if_present(state_dict: MutableMapping, prefix: str) -> None:
    """Strip `prefix` from every key that starts with it, in place (and from `_metadata` keys, if any).

    A DistributedDataParallel model's state dict names the wrapped model's entries `module.<name>`;
    `consume_prefix_in_state_dict_if_present(state, "module.")` makes it loadable into the bare model.
    """
    for key in [k for k in state_dict if k.startswith(prefix)]:
        state_dict[key[len(prefix) :]] = state_dict.pop(key)
    metadata = getattr(state_dict, "_metadata", None)
    if metadata is None:
        return
    for key in [k for k in metadata if k and (k == prefix.rstrip(".") or k.startswith(prefix))]:
        metadata[key[len(prefix) :]] = metadata.pop(key)
