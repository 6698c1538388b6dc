"""Handles that remove a registered hook."""

from __future__ import annotations

import itertools

_ids = itertools.count()


def add_hook(hooks: dict, hook, prepend: bool = False) -> RemovableHandle:
    """Store hook in an insertion-ordered dict under a fresh id; return the handle that removes it."""
    key = next(_ids)
    hooks[key] = hook
    if prepend:
        hooks_in_order = list(hooks.items())
        hooks.clear()
        hooks[key] = hook
        hooks.update((k, h) for k, h in hooks_in_order if k != key)
    return RemovableHandle(hooks, key)


class RemovableHandle:
    """`handle.remove()` (or leaving a `with handle:` block) unregisters the hook."""

    def __init__(self, hooks: dict, key: int) -> None:
        self.hooks_dict = hooks
        self.id = key

    def remove(self) -> None:
        self.hooks_dict.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()
