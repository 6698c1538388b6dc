"""The built-in `mpi` group: collectives as non-blocking mpi4py calls on the tensors' buffers.

Every call passes NumPy buffers (no pickling), in place where the tensor's memory allows.
The group runs on a duplicate of COMM_WORLD, so a script's own mpi4py calls cannot mix with
ember's. Rank and size come from MPI: `mpiexec -n 4 python train.py` needs no settings.
CUDA tensors pass their device memory where the MPI library is CUDA-aware (`_cuda_aware`), else
they go through host memory. `new_group` splits the communicator.
"""

from __future__ import annotations

import os

import numpy as np
from mpi4py import MPI

from . import _cuda_aware
from ._group import ProcessGroup
from ._host import copy_home, copy_rows_home, read_array, store, write_array
from ._reduce_op import ReduceOp
from ._work import Work

_OPS = {
    ReduceOp.SUM: MPI.SUM,
    ReduceOp.AVG: MPI.SUM,
    ReduceOp.PRODUCT: MPI.PROD,
    ReduceOp.MIN: MPI.MIN,
    ReduceOp.MAX: MPI.MAX,
}
# bool travels as uint8, where MAX is a logical or and MIN a logical and
_BOOL_OPS = {ReduceOp.SUM: MPI.MAX, ReduceOp.MAX: MPI.MAX, ReduceOp.PRODUCT: MPI.MIN, ReduceOp.MIN: MPI.MIN}


def _buffer(array: np.ndarray | None):
    """The array as MPI sees it (bool as uint8: MPI has no NumPy bool type)."""
    return array.view(np.uint8) if array is not None and array.dtype == np.bool_ else array


def _mpi_op(op: ReduceOp, array: np.ndarray):
    return (_BOOL_OPS if array.dtype == np.bool_ else _OPS)[op]


class MPIProcessGroup(ProcessGroup):
    backend = "mpi"

    def __init__(self, comm, timeout: float, ranks: list[int] | None = None, cuda_aware: bool = False) -> None:
        super().__init__(comm.Get_rank(), comm.Get_size(), timeout, ranks)
        self.comm = comm
        self.cuda_aware = cuda_aware  # CUDA tensors' device buffers go to MPI as they are

    def split(self, ranks: list[int], timeout: float, local: bool = False) -> MPIProcessGroup | None:
        """Split the communicator (every rank calls it; with `local`, only the members: MPI_Comm_create_group)."""
        if local:
            members = self.comm.Get_group().Incl(ranks)
            comm = self.comm.Create_group(members)
            members.Free()
        else:
            inside = self._rank in ranks
            comm = self.comm.Split(0 if inside else MPI.UNDEFINED, ranks.index(self._rank) if inside else 0)
        if comm == MPI.COMM_NULL:
            return None
        return MPIProcessGroup(comm, timeout, [self.ranks[r] for r in ranks], self.cuda_aware)

    def _work(self, what: str, request, finish=None, keep: tuple = ()) -> Work:
        return Work(self, what, request.Test, finish, keep)

    def _reduced(self, what: str, request, op: ReduceOp, tensor, array, copied: bool, keep: tuple = ()) -> Work:
        keep = (array, *keep)
        if op is not ReduceOp.AVG:
            return self._work(what, request, copy_home(tensor, array, copied), keep)

        def average() -> None:
            np.divide(array, self._size, out=array)
            if copied:
                store(tensor, array)

        return self._work(what, request, average, keep)

    def allreduce(self, tensor, op: ReduceOp) -> Work:
        array, copied = write_array(tensor, "all_reduce()", self.cuda_aware)
        request = self.comm.Iallreduce(MPI.IN_PLACE, _buffer(array), _mpi_op(op, array))
        return self._reduced("all_reduce", request, op, tensor, array, copied)

    def broadcast(self, tensor, src: int) -> Work:
        array, copied = write_array(tensor, "broadcast()", self.cuda_aware)
        request = self.comm.Ibcast(_buffer(array), root=src)
        return self._work("broadcast", request, copy_home(tensor, array, copied), (array,))

    def allgather_into_tensor(self, output, input) -> Work:
        sent = read_array(input, self.cuda_aware)
        array, copied = write_array(output, "all_gather_into_tensor()", self.cuda_aware)
        request = self.comm.Iallgather(_buffer(sent), _buffer(array))
        return self._work("all_gather_into_tensor", request, copy_home(output, array, copied), (sent, array))

    def allgather(self, outputs: list, tensor) -> Work:
        sent = read_array(tensor)
        rows = np.empty((self._size, *sent.shape), sent.dtype)
        request = self.comm.Iallgather(_buffer(sent), _buffer(rows))
        return self._work("all_gather", request, copy_rows_home(outputs, rows), (sent, rows))

    def reduce_scatter_tensor(self, output, input, op: ReduceOp) -> Work:
        sent = read_array(input, self.cuda_aware)
        array, copied = write_array(output, "reduce_scatter_tensor()", self.cuda_aware)
        request = self.comm.Ireduce_scatter_block(_buffer(sent), _buffer(array), _mpi_op(op, array))
        return self._reduced("reduce_scatter_tensor", request, op, output, array, copied, (sent,))

    def reduce(self, tensor, dst: int, op: ReduceOp) -> Work:
        array, copied = write_array(tensor, "reduce()", self.cuda_aware)
        mpi_op = _mpi_op(op, array)
        if self._rank == dst:
            request = self.comm.Ireduce(MPI.IN_PLACE, _buffer(array), mpi_op, root=dst)
            return self._reduced("reduce", request, op, tensor, array, copied)
        return self._work("reduce", self.comm.Ireduce(_buffer(array), None, mpi_op, root=dst), keep=(array,))

    def gather(self, tensor, outputs: list | None, dst: int) -> Work:
        sent = read_array(tensor)
        if self._rank != dst:
            return self._work("gather", self.comm.Igather(_buffer(sent), None, root=dst), keep=(sent,))
        rows = np.empty((self._size, *sent.shape), sent.dtype)
        request = self.comm.Igather(_buffer(sent), _buffer(rows), root=dst)
        return self._work("gather", request, copy_rows_home(outputs, rows), (sent, rows))

    def scatter(self, tensor, inputs: list | None, src: int) -> Work:
        array, copied = write_array(tensor, "scatter()")
        rows = np.stack([read_array(t) for t in inputs]) if self._rank == src else None
        request = self.comm.Iscatter(_buffer(rows), _buffer(array), root=src)
        return self._work("scatter", request, copy_home(tensor, array, copied), (rows, array))

    def send(self, tensor, dst: int, tag: int) -> Work:
        sent = read_array(tensor, self.cuda_aware)
        return self._work(f"send to rank {dst}", self.comm.Isend(_buffer(sent), dest=dst, tag=tag), keep=(sent,))

    def recv(self, tensor, src: int | None, tag: int) -> Work:
        array, copied = write_array(tensor, "recv()", self.cuda_aware)
        status = MPI.Status()
        source = MPI.ANY_SOURCE if src is None else src
        request = self.comm.Irecv(_buffer(array), source=source, tag=tag)

        def finish() -> int:
            if copied:
                store(tensor, array)
            return self.ranks[status.Get_source()]  # the sender's rank in the job

        what = "recv from " + ("any rank" if src is None else f"rank {src}")
        return Work(self, what, lambda: request.Test(status), finish, (array,))

    def barrier(self) -> Work:
        return self._work("barrier", self.comm.Ibarrier())

    def abort(self, code: int = 1) -> None:
        MPI.COMM_WORLD.Abort(code)

    def close(self) -> None:
        self.comm.Free()


def create(rank: int, world_size: int, timeout: float) -> MPIProcessGroup:
    """The group of every process mpiexec started (rank and world_size, when given, must agree)."""
    world = MPI.COMM_WORLD
    found_rank, found_size = world.Get_rank(), world.Get_size()
    if world_size not in (-1, None) and world_size != found_size:
        raise ValueError(
            f"init_process_group(world_size={world_size}), but MPI started {found_size} process(es): launch with "
            f"`mpiexec -n {world_size} python ...`, or leave world_size out (MPI knows it)"
        )
    if rank not in (-1, None) and rank != found_rank:
        raise ValueError(
            f"init_process_group(rank={rank}), but MPI says this process is rank {found_rank}: leave rank out "
            "(MPI knows it)"
        )
    comm = world.Dup()
    return MPIProcessGroup(comm, timeout, cuda_aware=cuda_aware(comm)[0])


def cuda_aware(comm) -> tuple[bool, str]:
    """Whether this MPI library takes CUDA device buffers, and why (see `_cuda_aware`)."""
    try:
        kinds = comm.Get_info().Get("mpi_memory_alloc_kinds")
    except (MPI.Exception, NotImplementedError, AttributeError):  # before MPI-4.1
        kinds = None
    return _cuda_aware.decide(os.environ.get(_cuda_aware.SETTING), kinds, _cuda_aware.mpix_query_cuda_support())
