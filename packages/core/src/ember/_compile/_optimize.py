"""Making a traced program cheaper to replay without changing a bit of what it computes.

- Hoisting: a call that reads only constants is computed once, at trace time (its result, when
  nothing writes it and it is no output, is the same every replay).
- Memory planning: a ufunc whose result lives only inside the replay writes it into a buffer
  allocated once (``out=``), shared by results whose lifetimes do not overlap. Views keep their
  base alive: results that share memory form one group with one lifetime.
"""

from __future__ import annotations

import numpy as np

from ._program import SlotRef, refs_in


def _slots_read(instruction) -> list:
    return [r.index for r in refs_in((instruction.args, instruction.kwargs), []) if type(r) is SlotRef]


def _shares(array, arrays: list) -> bool:
    return isinstance(array, np.ndarray) and any(np.may_share_memory(array, other) for other in arrays)


def hoist(body: list, plain: list, scalar_slots: set, kept: list) -> tuple:
    """(the instructions left, {slot: constant value}); `kept` are arrays that must stay live."""
    written = [plain[s] for i in body for s in i.writes]
    constants: dict = {}
    left = []
    for instruction in body:
        slots = _slots_read(instruction)
        hoistable = (
            instruction.kind in ("call", "method")
            and not instruction.writes
            and instruction.expected is None
            and instruction.outs
            and all(type(o) is int for o in instruction.outs)
            and all(s in constants for s in slots)
            and not any(type(r) is not SlotRef for r in refs_in((instruction.args, instruction.kwargs), []))
            and not any(_shares(plain[o], written + kept) for o in instruction.outs)
        )
        if not hoistable:
            left.append(instruction)
            continue
        for o in instruction.outs:
            value = plain[o]
            constants[o] = value[()] if o in scalar_slots else value.copy()
    return left, constants


def plan_buffers(body: list, plain: list, scalar_slots: set, escaping: set, kept: list) -> dict:
    """{instruction index: buffer} for ufunc calls whose results may go into reused buffers."""
    parent = list(range(len(plain)))

    def find(s: int) -> int:
        while parent[s] != s:
            parent[s] = parent[parent[s]]
            s = parent[s]
        return s

    last_use: dict = {}
    for index, instruction in enumerate(body):
        reads = _slots_read(instruction)
        for s in reads:
            last_use[s] = index
        for o in instruction.outs:
            if type(o) is int:
                last_use.setdefault(o, index)
                for s in reads:
                    if np.may_share_memory(plain[o], plain[s]):
                        parent[find(o)] = find(s)
    group_end: dict = {}
    group_escapes: set = set()
    for s, end in last_use.items():
        group = find(s)
        group_end[group] = max(group_end.get(group, -1), end)
        if s in escaping or s in scalar_slots or _shares(plain[s], kept):
            group_escapes.add(group)
    buffers: dict = {}
    free: dict = {}  # (shape, dtype) -> buffers free now
    releases: dict = {}  # instruction index after which a buffer is free again
    for index, instruction in enumerate(body):
        for key, buffer in releases.pop(index - 1, ()):
            free.setdefault(key, []).append(buffer)
        if not (
            instruction.kind == "call"
            and isinstance(instruction.callee, np.ufunc)
            and not instruction.kwargs
            and len(instruction.args) == instruction.callee.nin
            and len(instruction.outs) == 1
            and instruction.callee.nout == 1
        ):
            continue
        slot = instruction.outs[0]
        array = plain[slot]
        group = find(slot)
        if type(array) is not np.ndarray or array.ndim == 0 or group in group_escapes or group != slot:
            continue
        if any(find(s) == group for s in _slots_read(instruction)):
            continue
        key = (array.shape, array.dtype, array.strides)
        pool = free.get(key)
        buffer = pool.pop() if pool else np.empty_like(array)
        buffers[index] = buffer
        releases.setdefault(group_end[group], []).append((key, buffer))
    return buffers
