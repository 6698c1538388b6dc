"""The `nccl` group: collectives on CUDA tensors in device memory, through NCCL (CuPy's `cupy.cuda.nccl`).

Each process drives one GPU: the process with local rank i (its place among the job's processes
on its machine) uses device i % device_count, made current at init. The NCCL communicator is
made from a unique id that rank 0 draws and MPI hands to the others, so the job starts with
`mpiexec` as for the `mpi` group, whose communicator also makes the subgroups. Calls are queued
on the current CUDA stream; a `Work` is complete once an event recorded after its call is.
AVG is a SUM followed by a division on the device; bool travels as uint8 (SUM and MAX as a
logical or, PRODUCT and MIN as an and), complex as pairs of reals (SUM and AVG only). NCCL has
no tags and no receive from any rank: `recv` needs `src`, and tags are not used.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any, NamedTuple

import ember
from ember.backends import NoBackendError, registry

from ._group import ProcessGroup
from ._host import copy_home, copy_rows_home, store
from ._reduce_op import ReduceOp
from ._work import Work

_DATATYPES = {
    "int8": "NCCL_INT8",
    "uint8": "NCCL_UINT8",
    "bool": "NCCL_UINT8",
    "int32": "NCCL_INT32",
    "uint32": "NCCL_UINT32",
    "int64": "NCCL_INT64",
    "uint64": "NCCL_UINT64",
    "float16": "NCCL_FLOAT16",
    "float32": "NCCL_FLOAT32",
    "float64": "NCCL_FLOAT64",
    "complex64": "NCCL_FLOAT32",
    "complex128": "NCCL_FLOAT64",
}
_OPS = {
    ReduceOp.SUM: "NCCL_SUM",
    ReduceOp.AVG: "NCCL_SUM",
    ReduceOp.PRODUCT: "NCCL_PROD",
    ReduceOp.MIN: "NCCL_MIN",
    ReduceOp.MAX: "NCCL_MAX",
}
_BOOL_OPS = {ReduceOp.SUM: "NCCL_MAX", ReduceOp.MAX: "NCCL_MAX", ReduceOp.PRODUCT: "NCCL_MIN", ReduceOp.MIN: "NCCL_MIN"}


def _nccl_module(cupy: Any):
    """CuPy's NCCL module, or None where CuPy was built without it."""
    nccl = getattr(cupy.cuda, "nccl", None)
    if nccl is None:
        try:
            nccl = importlib.import_module(f"{cupy.__name__}.cuda.nccl")
        except ImportError:
            return None
    return nccl if getattr(nccl, "available", False) else None


def _cuda_backend():
    """(backend, None) for a usable CUDA backend, else (None, why not)."""
    try:
        backend = registry.for_device_type("cuda")
    except NoBackendError:
        return None, "no CUDA backend is installed: pip install 'ember-cupy[cuda12]' (CuPy, with NCCL)"
    reason = registry.unavailable_reason(backend)
    if reason is not None:
        return None, f"CUDA is not available ({reason})"
    return backend, None


def unavailable_reason() -> str | None:
    """None when backend='nccl' can run here, else why not."""
    if importlib.util.find_spec("mpi4py") is None:
        return "the nccl group is started through MPI (mpiexec): pip install 'ember-nn[mpi]'"
    backend, reason = _cuda_backend()
    if reason is not None:
        return reason
    if _nccl_module(backend.xp) is None:
        return (
            "CuPy has no NCCL (cupy.cuda.nccl is not available): install NCCL for CuPy "
            "(pip install nvidia-nccl-cu12), or use backend='mpi'"
        )
    return None


class _Buffer(NamedTuple):
    """A tensor's values as NCCL reads and writes them: contiguous device memory, a data type and a count."""

    array: Any  # the tensor's own memory when it is contiguous, else a contiguous copy
    copied: bool  # the array is a copy, to be stored into the tensor after the call
    datatype: int
    count: int

    @property
    def ptr(self) -> int:
        return self.array.data.ptr


class NCCLProcessGroup(ProcessGroup):
    backend = "nccl"

    def __init__(self, bootstrap: ProcessGroup, timeout: float, device_index: int) -> None:
        super().__init__(bootstrap.rank(), bootstrap.size(), timeout, bootstrap.ranks)
        self.bootstrap = bootstrap  # an `mpi` group of the same processes: hands out the id, makes subgroups
        backend, reason = _cuda_backend()
        if reason is not None:
            raise RuntimeError(f"ember.distributed backend 'nccl' is not available: {reason}")
        self._cupy = backend.xp
        self._nccl = _nccl_module(self._cupy)
        self.device = ember.device("cuda", device_index)
        with self._cupy.cuda.Device(device_index):
            unique_id = self._nccl.get_unique_id() if self._rank == 0 else None
            unique_id = bootstrap.comm.bcast(unique_id, root=0)
            self._comm = self._nccl.NcclCommunicator(self._size, unique_id, self._rank)

    def split(self, ranks: list[int], timeout: float, local: bool = False) -> NCCLProcessGroup | None:
        """The NCCL group of these ranks: the bootstrap group splits, and its members make a communicator."""
        members = self.bootstrap.split(ranks, timeout, local)
        return None if members is None else NCCLProcessGroup(members, timeout, self.device.index)

    # --- buffers, operators, work ---------------------------------------------------------------
    def _buffer(self, tensor, what: str) -> _Buffer:
        if tensor.device != self.device:
            raise ValueError(
                f"{what}: the nccl group works on {self.device} tensors, got a tensor on {tensor.device}; move it "
                f"with .to('{self.device}') (use backend='mpi' for CPU tensors)"
            )
        array = tensor.detach()._data
        copied = not array.flags.c_contiguous
        if copied:
            array = self._cupy.ascontiguousarray(array)
        name = array.dtype.name
        if name not in _DATATYPES:
            raise TypeError(
                f"{what}: NCCL has no {tensor.dtype} data type (it has int8, uint8, int32, int64, float16, float32, "
                f"float64 and their unsigned and complex kin); convert the tensor, or use backend='mpi'"
            )
        count = array.size * (2 if array.dtype.kind == "c" else 1)
        return _Buffer(array, copied, getattr(self._nccl, _DATATYPES[name]), count)

    def _op(self, op: ReduceOp, tensor, what: str) -> int:
        if tensor.dtype == ember.bool:
            return getattr(self._nccl, _BOOL_OPS[op])
        if tensor.dtype.is_complex and op not in (ReduceOp.SUM, ReduceOp.AVG):
            raise TypeError(f"{what}: ReduceOp.{op.name} is not defined for complex tensors; use SUM or AVG")
        return getattr(self._nccl, _OPS[op])

    def _stream(self) -> int:
        return self._cupy.cuda.get_current_stream().ptr

    def _work(self, what: str, finish=None, keep: tuple = ()) -> Work:
        """The handle of the calls just queued on the current stream: complete once an event after them is."""
        event = self._cupy.cuda.Event(disable_timing=True)
        event.record(self._cupy.cuda.get_current_stream())
        return Work(self, what, lambda: event.done, finish, keep)

    def _reduced(self, what: str, op: ReduceOp, tensor, buffer: _Buffer, here: bool = True) -> Work:
        """The work of a reduction into `buffer` (on this rank when `here`): AVG divides, a copy goes home."""

        def finish() -> None:
            if here and op is ReduceOp.AVG:
                self._cupy.divide(buffer.array, self._size, out=buffer.array)
            if here and buffer.copied:
                store(tensor, buffer.array)

        return self._work(what, finish, (buffer.array,))

    def _home(self, what: str, tensor, buffer: _Buffer) -> Work:
        return self._work(what, copy_home(tensor, buffer.array, buffer.copied), (buffer.array,))

    # --- collectives ------------------------------------------------------------------------
    def allreduce(self, tensor, op: ReduceOp) -> Work:
        buffer, operator = self._buffer(tensor, "all_reduce()"), self._op(op, tensor, "all_reduce()")
        self._comm.allReduce(buffer.ptr, buffer.ptr, buffer.count, buffer.datatype, operator, self._stream())
        return self._reduced("all_reduce", op, tensor, buffer)

    def broadcast(self, tensor, src: int) -> Work:
        buffer = self._buffer(tensor, "broadcast()")
        self._comm.broadcast(buffer.ptr, buffer.ptr, buffer.count, buffer.datatype, src, self._stream())
        return self._home("broadcast", tensor, buffer)

    def allgather_into_tensor(self, output, input) -> Work:
        sent, received = (
            self._buffer(input, "all_gather_into_tensor()"),
            self._buffer(output, "all_gather_into_tensor()"),
        )
        self._comm.allGather(sent.ptr, received.ptr, sent.count, sent.datatype, self._stream())
        return self._home("all_gather_into_tensor", output, received)

    def allgather(self, outputs: list, tensor) -> Work:
        sent = self._buffer(tensor, "all_gather()")
        rows = self._cupy.empty((self._size, *sent.array.shape), sent.array.dtype)
        self._comm.allGather(sent.ptr, rows.data.ptr, sent.count, sent.datatype, self._stream())
        return self._work("all_gather", copy_rows_home(outputs, rows), (sent.array, rows))

    def reduce_scatter_tensor(self, output, input, op: ReduceOp) -> Work:
        what = "reduce_scatter_tensor()"
        sent, received = self._buffer(input, what), self._buffer(output, what)
        operator = self._op(op, output, what)
        self._comm.reduceScatter(sent.ptr, received.ptr, received.count, sent.datatype, operator, self._stream())
        return self._reduced("reduce_scatter_tensor", op, output, received)

    def reduce(self, tensor, dst: int, op: ReduceOp) -> Work:
        buffer, operator = self._buffer(tensor, "reduce()"), self._op(op, tensor, "reduce()")
        self._comm.reduce(buffer.ptr, buffer.ptr, buffer.count, buffer.datatype, operator, dst, self._stream())
        return self._reduced("reduce", op, tensor, buffer, here=self._rank == dst)

    def gather(self, tensor, outputs: list | None, dst: int) -> Work:
        sent = self._buffer(tensor, "gather()")
        if self._rank != dst:
            self._comm.send(sent.ptr, sent.count, sent.datatype, dst, self._stream())
            return self._work("gather", keep=(sent.array,))
        rows = self._cupy.empty((self._size, *sent.array.shape), sent.array.dtype)
        rows[dst] = sent.array
        self._nccl.groupStart()
        for rank in range(self._size):
            if rank != dst:
                self._comm.recv(rows[rank].data.ptr, sent.count, sent.datatype, rank, self._stream())
        self._nccl.groupEnd()
        return self._work("gather", copy_rows_home(outputs, rows), (sent.array, rows))

    def scatter(self, tensor, inputs: list | None, src: int) -> Work:
        received = self._buffer(tensor, "scatter()")
        if self._rank != src:
            self._comm.recv(received.ptr, received.count, received.datatype, src, self._stream())
            return self._home("scatter", tensor, received)
        sent = [self._buffer(value, "scatter()") for value in inputs]
        self._nccl.groupStart()
        for rank, piece in enumerate(sent):
            if rank != src:
                self._comm.send(piece.ptr, piece.count, piece.datatype, rank, self._stream())
        self._nccl.groupEnd()
        received.array[...] = sent[src].array.reshape(received.array.shape)
        finish = copy_home(tensor, received.array, received.copied)
        return self._work("scatter", finish, (received.array, *(piece.array for piece in sent)))

    def send(self, tensor, dst: int, tag: int) -> Work:
        sent = self._buffer(tensor, "send()")
        self._comm.send(sent.ptr, sent.count, sent.datatype, dst, self._stream())
        return self._work(f"send to rank {dst}", keep=(sent.array,))

    def recv(self, tensor, src: int | None, tag: int) -> Work:
        if src is None:
            raise ValueError("recv(): the nccl group cannot receive from any rank (NCCL has no wildcard); pass src")
        received = self._buffer(tensor, "recv()")
        self._comm.recv(received.ptr, received.count, received.datatype, src, self._stream())

        def finish() -> int:
            if received.copied:
                store(tensor, received.array)
            return self.ranks[src]

        return self._work(f"recv from rank {src}", finish, (received.array,))

    def barrier(self) -> Work:
        token = self._cupy.zeros(1, self._cupy.uint8)
        ptr = token.data.ptr
        self._comm.allReduce(ptr, ptr, 1, self._nccl.NCCL_UINT8, self._nccl.NCCL_MAX, self._stream())
        return self._work("barrier", keep=(token,))

    # --- faults and the end ---------------------------------------------------------------------
    def abort(self, code: int = 1) -> None:
        self._comm.abort()
        self.bootstrap.abort(code)

    def close(self) -> None:
        self._comm.destroy()
        self.bootstrap.close()


def local_rank(comm) -> int:
    """This process's place among the job's processes on its machine."""
    from mpi4py import MPI

    node = comm.Split_type(MPI.COMM_TYPE_SHARED)
    try:
        return node.Get_rank()
    finally:
        node.Free()


def over(bootstrap: ProcessGroup) -> NCCLProcessGroup:
    """The nccl group of an `mpi` group's processes, each on the GPU its local rank picks (made current)."""
    backend, reason = _cuda_backend()
    if reason is not None:
        raise RuntimeError(f"ember.distributed backend 'nccl' is not available: {reason}")
    index = local_rank(bootstrap.comm) % registry.device_count(backend)
    ember.cuda.set_device(index)
    return NCCLProcessGroup(bootstrap, bootstrap.timeout, index)


def create(rank: int, world_size: int, timeout: float) -> NCCLProcessGroup:
    """The nccl group of every process mpiexec started (rank and world_size, when given, must agree)."""
    from . import _mpi

    return over(_mpi.create(rank, world_size, timeout))
