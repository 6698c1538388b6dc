"""The collectives of `torch.distributed`, on ember tensors, in place.

Each function checks its arguments (naming the call and the fix), starts the collective on
the group and, unless `async_op=True` asks for the `Work` handle, waits for it. As in PyTorch,
src and dst are ranks of the job (group_src and group_dst: ranks within the group), and a
rank outside the group (`GroupMember.NON_GROUP_MEMBER`) returns at once, with a warning.
"""

from __future__ import annotations

import warnings

import ember

from ._group import ProcessGroup
from ._reduce_op import ReduceOp
from ._work import Work
from ._world import get_rank, is_member, resolve


def _member(group, what: str) -> ProcessGroup | None:
    """The group to run on (the default one for None); None, with PyTorch's warning, outside the group."""
    if is_member(group):
        return resolve(group)
    warnings.warn(f"Running {what} on global rank {get_rank()} which does not belong to the given group.", stacklevel=3)
    return None


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
    if op is ReduceOp.AVG and not (tensor.dtype.is_floating_point or tensor.dtype.is_complex):
        raise ValueError(
            f"{what}: ReduceOp.AVG needs a floating-point or complex tensor, got {tensor.dtype}; use ReduceOp.SUM and divide"
        )
    return op


def _rank(rank, group: ProcessGroup, what: str, name: str, group_rank=None, default: int | None = None) -> int:
    """The group rank meant by `name`=rank (a rank of the job) or group_`name`=group_rank (a rank in the group)."""
    if group_rank is not None:
        if rank is not None:
            raise ValueError(f"{what}: give {name} (a rank of the job) or group_{name} (a rank in the group), not both")
        if isinstance(group_rank, bool) or not isinstance(group_rank, int) or not 0 <= group_rank < group.size():
            raise ValueError(
                f"{what}: group_{name}={group_rank!r} is not a rank in the group, which has {group.size()} "
                f"(0 to {group.size() - 1})"
            )
        return group_rank
    if rank is None:
        if default is None:
            raise ValueError(f"{what}: give {name} (a rank of the job) or group_{name} (a rank in the group)")
        rank = group.ranks[default]
    if isinstance(rank, bool) or not isinstance(rank, int) or rank not in group.ranks:
        whole = group.ranks == list(range(group.size()))
        members = (
            f"0 to {group.size() - 1}" if whole else f"the job's ranks {group.ranks}; group_{name}= takes ranks in it"
        )
        raise ValueError(f"{what}: {name}={rank!r} is not a rank of the group, which has {group.size()} ({members})")
    return group.ranks.index(rank)


def _peer(rank, group: ProcessGroup, what: str, name: str, group_rank=None) -> int:
    peer = _rank(rank, group, what, name, group_rank)
    if peer == group.rank():
        raise ValueError(
            f"{what}: {name}={group.ranks[peer]} is this process's own rank; a process cannot message itself"
        )
    return peer


# --- reductions ----------------------------------------------------------------------------


def all_reduce(tensor, op: ReduceOp = ReduceOp.SUM, group: ProcessGroup | None = None, async_op: bool = False):
    """Every rank's tensor becomes the reduction (op) of all ranks' tensors."""
    _tensor(tensor, "all_reduce()")
    if (group := _member(group, "all_reduce")) is None:
        return None
    return _finish(group.allreduce(tensor, _op(op, tensor, "all_reduce()")), async_op)


def reduce(
    tensor,
    dst: int | None = None,
    op: ReduceOp = ReduceOp.SUM,
    group: ProcessGroup | None = None,
    async_op: bool = False,
    group_dst: int | None = None,
):
    """Rank dst's tensor becomes the reduction of all ranks' tensors (the others keep theirs)."""
    _tensor(tensor, "reduce()")
    if (group := _member(group, "reduce")) is None:
        return None
    dst = _rank(dst, group, "reduce()", "dst", group_dst)
    return _finish(group.reduce(tensor, dst, _op(op, tensor, "reduce()")), async_op)


def reduce_scatter_tensor(
    output, input, op: ReduceOp = ReduceOp.SUM, group: ProcessGroup | None = None, async_op: bool = False
):
    """Reduce input (size() blocks, rank-major) over the ranks; rank i's output gets block i."""
    what = "reduce_scatter_tensor()"
    _tensor(output, what, "output")
    if (group := _member(group, "reduce_scatter_tensor")) is None:
        return None
    _same_kind(_tensor(input, what, "input"), output, what, "input", group.size())
    return _finish(group.reduce_scatter_tensor(output, input, _op(op, output, what)), async_op)


# --- copies --------------------------------------------------------------------------------


def broadcast(
    tensor,
    src: int | None = None,
    group: ProcessGroup | None = None,
    async_op: bool = False,
    group_src: int | None = None,
):
    """Every rank's tensor becomes a copy of rank src's."""
    _tensor(tensor, "broadcast()")
    if (group := _member(group, "broadcast")) is None:
        return None
    return _finish(group.broadcast(tensor, _rank(src, group, "broadcast()", "src", group_src)), async_op)


def all_gather(tensor_list: list, tensor, group: ProcessGroup | None = None, async_op: bool = False):
    """tensor_list[i] becomes a copy of rank i's tensor, on every rank."""
    _tensor(tensor, "all_gather()")
    if (group := _member(group, "all_gather")) is None:
        return None
    outputs = _tensors(tensor_list, "all_gather()", "tensor_list", group, tensor)
    return _finish(group.allgather(outputs, tensor), async_op)


def all_gather_into_tensor(output_tensor, input_tensor, group: ProcessGroup | None = None, async_op: bool = False):
    """output_tensor becomes every rank's input_tensor, one after the other (concatenated or stacked)."""
    what = "all_gather_into_tensor()"
    _tensor(input_tensor, what, "input_tensor")
    if (group := _member(group, "all_gather_into_tensor")) is None:
        return None
    _same_kind(_tensor(output_tensor, what, "output_tensor"), input_tensor, what, "output_tensor", group.size())
    return _finish(group.allgather_into_tensor(output_tensor, input_tensor), async_op)


def gather(
    tensor,
    gather_list: list | None = None,
    dst: int | None = None,
    group: ProcessGroup | None = None,
    async_op: bool = False,
    group_dst: int | None = None,
):
    """On rank dst (0 by default), gather_list[i] becomes a copy of rank i's tensor (gather_list only on dst)."""
    _tensor(tensor, "gather()")
    if (group := _member(group, "gather")) is None:
        return None
    dst = _rank(dst, group, "gather()", "dst", group_dst, default=0)
    if group.rank() == dst:
        gather_list = _tensors(gather_list, "gather()", "gather_list", group, tensor)
    elif gather_list:
        raise ValueError("gather(): gather_list must be left out on ranks other than dst")
    return _finish(group.gather(tensor, gather_list, dst), async_op)


def scatter(
    tensor,
    scatter_list: list | None = None,
    src: int | None = None,
    group: ProcessGroup | None = None,
    async_op: bool = False,
    group_src: int | None = None,
):
    """Rank i's tensor becomes a copy of rank src's scatter_list[i] (src 0 by default; scatter_list only on src)."""
    _tensor(tensor, "scatter()")
    if (group := _member(group, "scatter")) is None:
        return None
    src = _rank(src, group, "scatter()", "src", group_src, default=0)
    if group.rank() == src:
        scatter_list = _tensors(scatter_list, "scatter()", "scatter_list", group, tensor)
    elif scatter_list:
        raise ValueError("scatter(): scatter_list must be left out on ranks other than src")
    return _finish(group.scatter(tensor, scatter_list, src), async_op)


# --- point to point ------------------------------------------------------------------------


def isend(
    tensor, dst: int | None = None, group: ProcessGroup | None = None, tag: int = 0, group_dst: int | None = None
) -> Work | None:
    """Start sending tensor to rank dst; the Work's wait() returns once the tensor may be reused."""
    _tensor(tensor, "isend()")
    if (group := _member(group, "isend")) is None:
        return None
    return group.send(tensor, _peer(dst, group, "isend()", "dst", group_dst), tag)


def irecv(
    tensor, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0, group_src: int | None = None
) -> Work | None:
    """Start receiving into tensor from rank src (any rank when None); Work.result() is the sender's rank in the job."""
    _tensor(tensor, "irecv()")
    if (group := _member(group, "irecv")) is None:
        return None
    return group.recv(tensor, _source(src, group, "irecv()", group_src), tag)


def send(
    tensor, dst: int | None = None, group: ProcessGroup | None = None, tag: int = 0, group_dst: int | None = None
) -> None:
    """Send tensor to rank dst, which must recv() it."""
    _tensor(tensor, "send()")
    if (group := _member(group, "send")) is None:
        return
    group.send(tensor, _peer(dst, group, "send()", "dst", group_dst), tag).wait()


def recv(
    tensor, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0, group_src: int | None = None
) -> int:
    """Receive into tensor from rank src (any rank when None); returns the sender's rank in the job."""
    _tensor(tensor, "recv()")
    if (group := _member(group, "recv")) is None:
        return -1
    return group.recv(tensor, _source(src, group, "recv()", group_src), tag).result()


def _source(src, group: ProcessGroup, what: str, group_src) -> int | None:
    if src is None and group_src is None:
        return None
    return _peer(src, group, what, "src", group_src)


def barrier(group: ProcessGroup | None = None, async_op: bool = False, device_ids=None):
    """Wait until every rank of the group reaches this call."""
    if (group := _member(group, "barrier")) is None:
        return None
    return _finish(group.barrier(), async_op)
