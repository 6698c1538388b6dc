"""Collectives of Python objects, as in PyTorch: each object is pickled, its bytes travel in a uint8
tensor through the tensor collectives (so the group's timeout holds), and the receivers unpickle them.

Unpickling runs code chosen by whoever made the bytes: use these only with the ranks of your own
job, which run your own script (PyTorch warns the same). ember's checkpoints, by contrast, load
without pickle. On the hot path, send tensors instead.
"""

from __future__ import annotations

import pickle
from typing import Any

import ember
import numpy as np

from . import _collectives as c
from ._group import ProcessGroup
from ._world import is_member, resolve


def _bytes(obj: Any) -> np.ndarray:
    return np.frombuffer(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL), np.uint8)


def _load(data: np.ndarray) -> Any:
    return pickle.loads(data.tobytes())  # noqa: S301 - objects from the ranks of this job, documented


def _sizes(count: int, group: ProcessGroup) -> list[int]:
    """Every rank's `count`, on every rank."""
    mine = ember.tensor([count], dtype=ember.int64, device=group.device)
    everyone = ember.zeros(group.size(), dtype=ember.int64, device=group.device)
    c.all_gather_into_tensor(everyone, mine, group)
    return everyone.tolist()


def _joined(pieces: list, group: ProcessGroup) -> ember.Tensor:
    joined = np.concatenate(pieces) if pieces else np.zeros(0, np.uint8)
    return ember.from_numpy(joined).to(group.device)


def _padded(data: np.ndarray, length: int, group: ProcessGroup) -> ember.Tensor:
    out = np.zeros(length, np.uint8)
    out[: len(data)] = data
    return ember.from_numpy(out).to(group.device)


def _list(value, what: str, name: str) -> list:
    if not isinstance(value, list):
        raise TypeError(f"{what}: {name} must be a list, got {type(value).__name__}")
    return value


def _outside(group, what: str) -> bool:
    return not is_member(group) and c._member(group, what) is None


def all_gather_object(object_list: list, obj: Any, group: ProcessGroup | None = None) -> None:
    """object_list[i] becomes rank i's obj, on every rank (pickled: use only within your own job)."""
    what = "all_gather_object()"
    if _outside(group, "all_gather_object"):
        return
    group = resolve(group)
    _list(object_list, what, "object_list")
    if len(object_list) != group.size():
        raise ValueError(
            f"{what}: object_list holds {len(object_list)} items; it must hold one per rank, {group.size()}"
        )
    data = _bytes(obj)
    sizes = _sizes(len(data), group)
    rows = ember.zeros(group.size() * max(sizes), dtype=ember.uint8, device=group.device)
    c.all_gather_into_tensor(rows, _padded(data, max(sizes), group), group)
    flat = rows.numpy(force=True).reshape(group.size(), max(sizes))
    for i, size in enumerate(sizes):
        object_list[i] = _load(flat[i, :size])


def gather_object(
    obj: Any,
    object_gather_list: list | None = None,
    dst: int | None = None,
    group: ProcessGroup | None = None,
    group_dst: int | None = None,
) -> None:
    """On rank dst (0 by default), object_gather_list[i] becomes rank i's obj (pickled: use only within your own job)."""
    what = "gather_object()"
    if _outside(group, "gather_object"):
        return
    group = resolve(group)
    root = c._rank(dst, group, what, "dst", group_dst, default=0)
    if group.rank() == root:
        _list(object_gather_list, what, "object_gather_list")
        if len(object_gather_list) != group.size():
            raise ValueError(
                f"{what}: object_gather_list holds {len(object_gather_list)} items; it must hold one per rank, "
                f"{group.size()}"
            )
    elif object_gather_list is not None:
        raise ValueError(f"{what}: object_gather_list must be left out (None) on ranks other than dst")
    data = _bytes(obj)
    sizes = _sizes(len(data), group)
    longest = max(sizes)
    rows = (
        [ember.zeros(longest, dtype=ember.uint8, device=group.device) for _ in sizes] if group.rank() == root else None
    )
    c.gather(_padded(data, longest, group), rows, group=group, group_dst=root)
    if rows is not None:
        for i, size in enumerate(sizes):
            object_gather_list[i] = _load(rows[i].numpy(force=True)[:size])


def broadcast_object_list(
    object_list: list,
    src: int | None = None,
    group: ProcessGroup | None = None,
    device=None,
    group_src: int | None = None,
) -> None:
    """Every rank's object_list becomes rank src's, item by item (same length everywhere; pickled)."""
    what = "broadcast_object_list()"
    if _outside(group, "broadcast_object_list"):
        return
    group = resolve(group)
    root = c._rank(src, group, what, "src", group_src)
    _list(object_list, what, "object_list")
    sending = group.rank() == root
    pieces = [_bytes(item) for item in object_list] if sending else []
    counts = [len(p) for p in pieces] if sending else [0] * len(object_list)
    sizes = ember.tensor(counts, dtype=ember.int64, device=group.device)
    c.broadcast(sizes, group=group, group_src=root)
    lengths = sizes.tolist()
    data = _joined(pieces, group) if sending else ember.empty(sum(lengths), dtype=ember.uint8, device=group.device)
    c.broadcast(data, group=group, group_src=root)
    if not sending:
        flat, start = data.numpy(force=True), 0
        for i, length in enumerate(lengths):
            object_list[i] = _load(flat[start : start + length])
            start += length


def scatter_object_list(
    scatter_object_output_list: list,
    scatter_object_input_list: list | None = None,
    src: int | None = None,
    group: ProcessGroup | None = None,
    group_src: int | None = None,
) -> None:
    """scatter_object_output_list[0] becomes rank src's scatter_object_input_list[i] on rank i (pickled)."""
    what = "scatter_object_list()"
    if _outside(group, "scatter_object_list"):
        return
    group = resolve(group)
    root = c._rank(src, group, what, "src", group_src, default=0)
    if not isinstance(scatter_object_output_list, list) or len(scatter_object_output_list) < 1:
        raise ValueError(f"{what}: Expected argument scatter_object_output_list to be a list of size at least 1.")
    sending = group.rank() == root
    if sending:
        _list(scatter_object_input_list, what, "scatter_object_input_list")
        if len(scatter_object_input_list) != group.size():
            raise ValueError(
                f"{what}: scatter_object_input_list holds {len(scatter_object_input_list)} items; it must hold one "
                f"per rank, {group.size()}"
            )
    pieces = [_bytes(item) for item in scatter_object_input_list] if sending else []
    device = group.device
    longest = ember.tensor([max(len(p) for p in pieces) if sending else 0], dtype=ember.int64, device=device)
    c.broadcast(longest, group=group, group_src=root)
    width = int(longest.item())
    size = ember.zeros(1, dtype=ember.int64, device=device)
    sizes = [ember.tensor([len(p)], dtype=ember.int64, device=device) for p in pieces] if sending else None
    c.scatter(size, sizes, group=group, group_src=root)
    data = ember.zeros(width, dtype=ember.uint8, device=device)
    c.scatter(data, [_padded(p, width, group) for p in pieces] if sending else None, group=group, group_src=root)
    scatter_object_output_list[0] = _load(data.numpy(force=True)[: int(size.item())])


def send_object_list(
    object_list: list,
    dst: int | None = None,
    group: ProcessGroup | None = None,
    device=None,
    group_dst: int | None = None,
    use_batch: bool = False,
) -> None:
    """Send the list's objects to rank dst, which must recv_object_list() a list of the same length (pickled)."""
    if _outside(group, "send_object_list"):
        return
    group = resolve(group)
    _list(object_list, "send_object_list()", "object_list")
    pieces = [_bytes(item) for item in object_list]
    peer = c._peer(dst, group, "send_object_list()", "dst", group_dst)
    c.send(ember.tensor([len(p) for p in pieces], dtype=ember.int64, device=group.device), group=group, group_dst=peer)
    c.send(_joined(pieces, group), group=group, group_dst=peer)


def recv_object_list(
    object_list: list,
    src: int | None = None,
    group: ProcessGroup | None = None,
    device=None,
    group_src: int | None = None,
    use_batch: bool = False,
) -> int:
    """Fill object_list with the objects rank src (any rank when None) sent; returns the sender's rank (pickled)."""
    if _outside(group, "recv_object_list"):
        return -1
    group = resolve(group)
    _list(object_list, "recv_object_list()", "object_list")
    sizes = ember.zeros(len(object_list), dtype=ember.int64, device=group.device)
    sender = c.recv(sizes, src, group, group_src=group_src)
    lengths = sizes.tolist()
    data = ember.empty(sum(lengths), dtype=ember.uint8, device=group.device)
    c.recv(data, sender, group)
    flat, start = data.numpy(force=True), 0
    for i, length in enumerate(lengths):
        object_list[i] = _load(flat[start : start + length])
        start += length
    return sender
