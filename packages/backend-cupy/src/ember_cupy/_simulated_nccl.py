"""`cupy.cuda.nccl` for the simulated CUDA device: NCCL's calls carried out over MPI, on the memory behind the pointers.

Each process of an `mpiexec` job drives its own simulated device, as each drives its own GPU
with NCCL. A communicator is made from a unique id: the process that made the id becomes the
communicator's rank 0, learns the world ranks of the other members, and they make an MPI
communicator together. Every call reads and writes the memory its pointers name (a simulated
device's memory is host memory), so code that hands device pointers to NCCL runs unchanged.
Reductions gather every rank's bytes and reduce them with NumPy in rank order, so any dtype
NCCL has works. Calls finish at once (a simulated stream queues nothing); point-to-point calls
between `groupStart()` and `groupEnd()` are posted together at `groupEnd()`, as NCCL does.
mpi4py is imported only when a communicator is made.
"""

from __future__ import annotations

import ctypes
import itertools
from types import SimpleNamespace
from typing import Any

import numpy as np

NCCL_UNIQUE_ID_BYTES = 128
# NCCL's data types and reduction operators (nccl.h)
NCCL_INT8 = NCCL_CHAR = 0
NCCL_UINT8 = 1
NCCL_INT32 = NCCL_INT = 2
NCCL_UINT32 = 3
NCCL_INT64 = 4
NCCL_UINT64 = 5
NCCL_FLOAT16 = NCCL_HALF = 6
NCCL_FLOAT32 = NCCL_FLOAT = 7
NCCL_FLOAT64 = NCCL_DOUBLE = 8
NCCL_SUM, NCCL_PROD, NCCL_MAX, NCCL_MIN = 0, 1, 2, 3

_DTYPES = {
    NCCL_INT8: np.int8,
    NCCL_UINT8: np.uint8,
    NCCL_INT32: np.int32,
    NCCL_UINT32: np.uint32,
    NCCL_INT64: np.int64,
    NCCL_UINT64: np.uint64,
    NCCL_FLOAT16: np.float16,
    NCCL_FLOAT32: np.float32,
    NCCL_FLOAT64: np.float64,
}
_REDUCE = {NCCL_SUM: np.add, NCCL_PROD: np.multiply, NCCL_MAX: np.maximum, NCCL_MIN: np.minimum}
_SETUP_TAG = 7300  # the tags of the setup messages: this plus the id's serial number (mod 1000)

available = True
_serials = itertools.count()
_group_depth = 0
_deferred: list = []  # point-to-point calls waiting for groupEnd()


class NcclError(RuntimeError):
    """What NCCL reports, simulated."""


def get_version() -> int:
    return 22000


def get_unique_id() -> tuple:
    """An id naming this process (its rank in MPI's world) and a serial number, padded as NCCL's 128 bytes."""
    from mpi4py import MPI

    return (MPI.COMM_WORLD.Get_rank(), next(_serials)) + (0,) * (NCCL_UNIQUE_ID_BYTES - 2)


def groupStart() -> None:  # noqa: N802 (CuPy's name)
    global _group_depth
    _group_depth += 1


def groupEnd() -> None:  # noqa: N802
    global _group_depth
    if _group_depth == 0:
        raise NcclError("NCCL_ERROR_INVALID_USAGE: groupEnd() without groupStart()")
    _group_depth -= 1
    if _group_depth == 0:
        _post_deferred()


def _post_deferred() -> None:
    from mpi4py import MPI

    requests = [post() for post in _deferred]
    _deferred.clear()
    MPI.Request.Waitall(requests)


def _memory(pointer: int, count: int, datatype: int) -> np.ndarray:
    """The `count` elements of `datatype` at `pointer`, as a writable NumPy array over that memory."""
    dtype = np.dtype(_DTYPES[datatype])
    if count == 0:
        return np.zeros(0, dtype)
    raw = (ctypes.c_char * (count * dtype.itemsize)).from_address(pointer)
    return np.frombuffer(raw, dtype)


class NcclCommunicator:
    """One process's place in an NCCL communicator of `ndev` processes (simulated over MPI)."""

    runtime: Any = None  # the simulated CUDA runtime whose current device the communicator binds

    def __init__(self, ndev: int, commId: tuple, rank: int) -> None:  # noqa: N803 (CuPy's names)
        from mpi4py import MPI

        self._mpi = MPI
        if len(commId) != NCCL_UNIQUE_ID_BYTES:
            raise NcclError("NCCL_ERROR_INVALID_ARGUMENT: a unique id has 128 entries")
        if not 0 <= rank < ndev:
            raise NcclError(f"NCCL_ERROR_INVALID_ARGUMENT: rank {rank} of {ndev}")
        world = MPI.COMM_WORLD
        creator, serial = commId[0], commId[1]
        tag = _SETUP_TAG + serial % 1000
        if rank == 0:
            if world.Get_rank() != creator:
                raise NcclError("NCCL_ERROR_INVALID_USAGE: rank 0 must be the process that made the unique id")
            members = [creator] + [-1] * (ndev - 1)
            for _ in range(ndev - 1):
                their_rank, their_world_rank = world.recv(source=MPI.ANY_SOURCE, tag=tag)
                members[their_rank] = their_world_rank
            for member in members[1:]:
                world.send(members, dest=member, tag=tag)
        else:
            world.send((rank, world.Get_rank()), dest=creator, tag=tag)
            members = world.recv(source=creator, tag=tag)
        group = world.Get_group().Incl(members)
        self._comm = world.Create_group(group, tag=tag)
        group.Free()
        self._rank, self._size = rank, ndev
        self._device = self.runtime.current  # NCCL binds a communicator to the device current at its creation

    # --- what NCCL tells about the communicator ---------------------------------------------
    def rank_id(self) -> int:
        return self._rank

    def size(self) -> int:
        return self._size

    def device_id(self) -> int:
        return self._device

    def destroy(self) -> None:
        if self._comm is not None:
            self._comm.Free()
            self._comm = None

    def abort(self) -> None:
        self._comm = None

    # --- collectives ------------------------------------------------------------------------
    def _gathered(self, send: np.ndarray) -> np.ndarray:
        """Every rank's `send`, as rows in rank order."""
        rows = np.empty((self._size, send.size), send.dtype)
        self._comm.Allgather([send.view(np.uint8), self._mpi.BYTE], [rows.view(np.uint8), self._mpi.BYTE])
        return rows

    def allReduce(self, sendbuf: int, recvbuf: int, count: int, datatype: int, op: int, stream: int) -> None:  # noqa: N802
        send, recv = _memory(sendbuf, count, datatype), _memory(recvbuf, count, datatype)
        recv[...] = _REDUCE[op].reduce(self._gathered(send.copy()), axis=0)

    def reduce(self, sendbuf: int, recvbuf: int, count: int, datatype: int, op: int, root: int, stream: int) -> None:
        rows = self._gathered(_memory(sendbuf, count, datatype).copy())
        if self._rank == root:
            _memory(recvbuf, count, datatype)[...] = _REDUCE[op].reduce(rows, axis=0)

    def broadcast(self, sendbuff: int, recvbuff: int, count: int, datatype: int, root: int, stream: int) -> None:
        if self._rank == root and sendbuff != recvbuff:
            _memory(recvbuff, count, datatype)[...] = _memory(sendbuff, count, datatype)
        self.bcast(recvbuff, count, datatype, root, stream)

    def bcast(self, buff: int, count: int, datatype: int, root: int, stream: int) -> None:
        self._comm.Bcast([_memory(buff, count, datatype).view(np.uint8), self._mpi.BYTE], root=root)

    def allGather(self, sendbuf: int, recvbuf: int, count: int, datatype: int, stream: int) -> None:  # noqa: N802
        rows = self._gathered(_memory(sendbuf, count, datatype).copy())
        _memory(recvbuf, count * self._size, datatype)[...] = rows.reshape(-1)

    def reduceScatter(  # noqa: N802
        self, sendbuf: int, recvbuf: int, recvcount: int, datatype: int, op: int, stream: int
    ) -> None:
        rows = self._gathered(_memory(sendbuf, recvcount * self._size, datatype).copy())
        mine = rows[:, self._rank * recvcount : (self._rank + 1) * recvcount]
        _memory(recvbuf, recvcount, datatype)[...] = _REDUCE[op].reduce(mine, axis=0)

    # --- point to point ---------------------------------------------------------------------
    def send(self, sendbuf: int, count: int, datatype: int, peer: int, stream: int) -> None:
        data = _memory(sendbuf, count, datatype).view(np.uint8)
        self._p2p(lambda: self._comm.Isend([data, self._mpi.BYTE], dest=peer, tag=0))

    def recv(self, recvbuf: int, count: int, datatype: int, peer: int, stream: int) -> None:
        data = _memory(recvbuf, count, datatype).view(np.uint8)
        self._p2p(lambda: self._comm.Irecv([data, self._mpi.BYTE], source=peer, tag=0))

    def _p2p(self, post) -> None:
        _deferred.append(post)
        if _group_depth == 0:
            _post_deferred()


def simulated_nccl(runtime: Any) -> SimpleNamespace:
    """The `cupy.cuda.nccl` module of one simulated CUDA runtime."""
    communicator = type("NcclCommunicator", (NcclCommunicator,), {"runtime": runtime})
    constants = {name: value for name, value in globals().items() if name.startswith("NCCL_")}
    functions = (get_version, get_unique_id, groupStart, groupEnd)
    return SimpleNamespace(
        **constants,
        **{f.__name__: f for f in functions},
        available=available,
        NcclError=NcclError,
        NcclCommunicator=communicator,
    )
