"""The collectives of `torch.distributed`, on ember tensors, in place.

Each function checks its arguments (naming the call and the fix), starts the collective on
the group and, unless `async_op=True` asks for the `Work` handle, waits for it.
"""

from __future__ import annotations

import ember

from ._group import ProcessGroup
from ._reduce_op import ReduceOp
from ._work import Work
from ._world import resolve


def _finish(work: Work, async_op: bool):
    if async_op:
        return work
    work.wait()
    return None


def _tensor(value, what: str, name: str = "tensor") -> ember.Tensor:
    if not isinstance(value, ember.Tensor):
        raise TypeError(f"{what}: {name} must be an ember.Tensor, got {type(value).__name__}")
    return value


def _tensors(values, what: str, name: str, group: ProcessGroup, like: ember.Tensor) -> list:
    if not isinstance(values, (list, tuple)):
        raise TypeError(f"{what}: {name} must be a list of tensors, got {type(values).__name__}")
    if len(values) != group.size():
        raise ValueError(
            f"{what}: {name} holds {len(values)} tensors; the group has {group.size()} ranks, one tensor each"
        )
    for i, value in enumerate(values):
        _tensor(value, what, f"{name}[{i}]")
        _same_kind(value, like, what, f"{name}[{i}]")
    return list(values)


def _same_kind(tensor: ember.Tensor, like: ember.Tensor, what: str, name: str, count: int = 1) -> None:
    if tensor.dtype != like.dtype:
        raise TypeError(f"{what}: {name} is {tensor.dtype}, the tensor is {like.dtype}; they must match")
    if tensor.numel() != like.numel() * count:
        ranks = "" if count == 1 else f"{count} ranks x {like.numel()}, "
        raise ValueError(
            f"{what}: {name} has {tensor.numel()} elements (shape {list(tensor.shape)}); it must have "
            f"{count * like.numel()} ({ranks}the tensor's shape {list(like.shape)})"
        )


def _op(op, tensor: ember.Tensor, what: str) -> ReduceOp:
    if not isinstance(op, ReduceOp):
        raise TypeError(f"{what}: op must be an ember.distributed.ReduceOp (SUM, AVG, PRODUCT, MIN, MAX), got {op!r}")
    if op is ReduceOp.AVG and not tensor.dtype.is_floating_point:
        raise ValueError(
            f"{what}: ReduceOp.AVG needs a floating-point tensor, got {tensor.dtype}; use ReduceOp.SUM and divide"
        )
    return op


def _rank(rank, group: ProcessGroup, what: str, name: str) -> int:
    if isinstance(rank, bool) or not isinstance(rank, int) or not 0 <= rank < group.size():
        raise ValueError(
            f"{what}: {name}={rank!r} is not a rank of the group, which has {group.size()} (0 to {group.size() - 1})"
        )
    return rank


def _peer(rank, group: ProcessGroup, what: str, name: str) -> int:
    _rank(rank, group, what, name)
    if rank == group.rank():
        raise ValueError(f"{what}: {name}={rank} is this process's own rank; a process cannot message itself")
    return rank


# --- reductions ----------------------------------------------------------------------------


def all_reduce(tensor, op: ReduceOp = ReduceOp.SUM, group: ProcessGroup | None = None, async_op: bool = False):
    """Every rank's tensor becomes the reduction (op) of all ranks' tensors."""
    group = resolve(group)
    _tensor(tensor, "all_reduce()")
    return _finish(group.allreduce(tensor, _op(op, tensor, "all_reduce()")), async_op)


def reduce(tensor, dst: int, op: ReduceOp = ReduceOp.SUM, group: ProcessGroup | None = None, async_op: bool = False):
    """Rank dst's tensor becomes the reduction of all ranks' tensors (the others keep theirs)."""
    group = resolve(group)
    _tensor(tensor, "reduce()")
    work = group.reduce(tensor, _rank(dst, group, "reduce()", "dst"), _op(op, tensor, "reduce()"))
    return _finish(work, async_op)


def reduce_scatter_tensor(
    output, input, op: ReduceOp = ReduceOp.SUM, group: ProcessGroup | None = None, async_op: bool = False
):
    """Reduce input (size() blocks, rank-major) over the ranks; rank i's output gets block i."""
    what = "reduce_scatter_tensor()"
    group = resolve(group)
    _tensor(output, what, "output")
    _same_kind(_tensor(input, what, "input"), output, what, "input", group.size())
    return _finish(group.reduce_scatter_tensor(output, input, _op(op, output, what)), async_op)


# --- copies --------------------------------------------------------------------------------


def broadcast(tensor, src: int, group: ProcessGroup | None = None, async_op: bool = False):
    """Every rank's tensor becomes a copy of rank src's."""
    group = resolve(group)
    _tensor(tensor, "broadcast()")
    return _finish(group.broadcast(tensor, _rank(src, group, "broadcast()", "src")), async_op)


def all_gather(tensor_list: list, tensor, group: ProcessGroup | None = None, async_op: bool = False):
    """tensor_list[i] becomes a copy of rank i's tensor, on every rank."""
    group = resolve(group)
    _tensor(tensor, "all_gather()")
    outputs = _tensors(tensor_list, "all_gather()", "tensor_list", group, tensor)
    return _finish(group.allgather(outputs, tensor), async_op)


def all_gather_into_tensor(output_tensor, input_tensor, group: ProcessGroup | None = None, async_op: bool = False):
    """output_tensor becomes every rank's input_tensor, one after the other (concatenated or stacked)."""
    what = "all_gather_into_tensor()"
    group = resolve(group)
    _tensor(input_tensor, what, "input_tensor")
    _same_kind(_tensor(output_tensor, what, "output_tensor"), input_tensor, what, "output_tensor", group.size())
    return _finish(group.allgather_into_tensor(output_tensor, input_tensor), async_op)


def gather(tensor, gather_list: list | None = None, dst: int = 0, group: ProcessGroup | None = None, async_op=False):
    """On rank dst, gather_list[i] becomes a copy of rank i's tensor (gather_list only on dst)."""
    group = resolve(group)
    _tensor(tensor, "gather()")
    dst = _rank(dst, group, "gather()", "dst")
    if group.rank() == dst:
        gather_list = _tensors(gather_list, "gather()", "gather_list", group, tensor)
    elif gather_list:
        raise ValueError("gather(): gather_list must be left out on ranks other than dst")
    return _finish(group.gather(tensor, gather_list, dst), async_op)


def scatter(tensor, scatter_list: list | None = None, src: int = 0, group: ProcessGroup | None = None, async_op=False):
    """Rank i's tensor becomes a copy of rank src's scatter_list[i] (scatter_list only on src)."""
    group = resolve(group)
    _tensor(tensor, "scatter()")
    src = _rank(src, group, "scatter()", "src")
    if group.rank() == src:
        scatter_list = _tensors(scatter_list, "scatter()", "scatter_list", group, tensor)
    elif scatter_list:
        raise ValueError("scatter(): scatter_list must be left out on ranks other than src")
    return _finish(group.scatter(tensor, scatter_list, src), async_op)


# --- point to point ------------------------------------------------------------------------


def isend(tensor, dst: int, group: ProcessGroup | None = None, tag: int = 0) -> Work:
    """Start sending tensor to rank dst; the Work's wait() returns once the tensor may be reused."""
    group = resolve(group)
    _tensor(tensor, "isend()")
    return group.send(tensor, _peer(dst, group, "isend()", "dst"), tag)


def irecv(tensor, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0) -> Work:
    """Start receiving into tensor from rank src (any rank when None); Work.result() is the sender."""
    group = resolve(group)
    _tensor(tensor, "irecv()")
    return group.recv(tensor, None if src is None else _peer(src, group, "irecv()", "src"), tag)


def send(tensor, dst: int, group: ProcessGroup | None = None, tag: int = 0) -> None:
    """Send tensor to rank dst, which must recv() it."""
    group = resolve(group)
    _tensor(tensor, "send()")
    group.send(tensor, _peer(dst, group, "send()", "dst"), tag).wait()


def recv(tensor, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0) -> int:
    """Receive into tensor from rank src (any rank when None); returns the sender's rank."""
    group = resolve(group)
    _tensor(tensor, "recv()")
    return group.recv(tensor, None if src is None else _peer(src, group, "recv()", "src"), tag).result()


def barrier(group: ProcessGroup | None = None, async_op: bool = False, device_ids=None):
    """Wait until every rank of the group reaches this call."""
    return _finish(resolve(group).barrier(), async_op)
