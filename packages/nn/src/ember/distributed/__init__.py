"""Data-parallel training over several processes, with `torch.distributed`'s API.

    mpiexec -n 4 python train.py          # or: python -m ember.distributed.run -n 4 train.py

    import ember.distributed as dist
    dist.init_process_group("mpi")
    dist.all_reduce(tensor, op=dist.ReduceOp.SUM)

The built-in `mpi` group runs on MPI through mpi4py (`pip install 'ember-nn[mpi]'`): rank and
size come from the MPI launcher, and collectives pass the tensors' buffers, never pickles (only the
`*_object*` functions pickle, as PyTorch's do: use them only between the ranks of your own job).
Importing this package does not import mpi4py; `init_process_group` does.
"""

from __future__ import annotations

from . import _backend
from ._backend import Backend
from ._collectives import (
    all_gather,
    all_gather_into_tensor,
    all_reduce,
    barrier,
    broadcast,
    gather,
    irecv,
    isend,
    recv,
    reduce,
    reduce_scatter_tensor,
    scatter,
    send,
)
from ._group import ProcessGroup
from ._objects import (
    all_gather_object,
    broadcast_object_list,
    gather_object,
    recv_object_list,
    scatter_object_list,
    send_object_list,
)
from ._reduce_op import ReduceOp
from ._work import Work
from ._world import (
    GroupMember,
    default_pg_timeout,
    destroy_process_group,
    get_backend,
    get_global_rank,
    get_group_rank,
    get_process_group_ranks,
    get_rank,
    get_world_size,
    init_process_group,
    is_initialized,
    new_group,
)

__all__ = [
    "Backend",
    "GroupMember",
    "ProcessGroup",
    "ReduceOp",
    "Work",
    "all_gather",
    "all_gather_object",
    "all_gather_into_tensor",
    "all_reduce",
    "barrier",
    "broadcast",
    "broadcast_object_list",
    "default_pg_timeout",
    "destroy_process_group",
    "gather",
    "gather_object",
    "get_backend",
    "get_global_rank",
    "get_group_rank",
    "get_process_group_ranks",
    "get_rank",
    "get_world_size",
    "init_process_group",
    "irecv",
    "is_available",
    "is_initialized",
    "is_mpi_available",
    "is_nccl_available",
    "isend",
    "new_group",
    "recv",
    "recv_object_list",
    "reduce",
    "reduce_scatter_tensor",
    "scatter",
    "scatter_object_list",
    "send",
    "send_object_list",
]


def is_available() -> bool:
    """True: ember.distributed is always there (whether a backend can run is `is_mpi_available()`)."""
    return True


def is_mpi_available() -> bool:
    """True when mpi4py is installed (`pip install 'ember-nn[mpi]'`)."""
    return _backend.unavailable_reason("mpi") is None


def is_nccl_available() -> bool:
    """Whether backend='nccl' can run here: a CUDA device, CuPy with NCCL, and mpi4py to start it."""
    return _backend.unavailable_reason("nccl") is None
