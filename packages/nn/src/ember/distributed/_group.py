"""ProcessGroup: what a group backend implements. The functions of `ember.distributed` check
their arguments and call these methods, so a backend sees only valid calls.

Each method starts the collective and returns its `Work`; tensors are ember tensors that the
backend reads and writes in place. A backend is registered with `Backend.register_backend`.
"""

from __future__ import annotations

import sys
import time

import ember

from ._reduce_op import ReduceOp
from ._work import Work

# NOTE: MPI's launcher forwards each process's output through pipes, and an abort can tear them
# down before it has passed on the last lines (the message saying why); so the process waits a bit.
OUTPUT_GRACE_S = 0.5


class ProcessGroup:
    """A set of processes that run collectives together; `rank()` is this process's place in it."""

    backend: str = "undefined"
    device: ember.device = ember.device("cpu")  # where the group's own tensors go (object collectives, DDP's checks)

    def __init__(self, rank: int, size: int, timeout: float, ranks: list[int] | None = None) -> None:
        self._rank = rank
        self._size = size
        self.timeout = timeout  # seconds a collective may wait before the job is aborted
        self.ranks = list(range(size)) if ranks is None else list(ranks)  # group rank i is global rank ranks[i]

    def rank(self) -> int:
        """This process's rank in the group."""
        return self._rank

    def size(self) -> int:
        """The number of processes in the group."""
        return self._size

    def name(self) -> str:
        """The name of the group's backend."""
        return self.backend

    def __repr__(self) -> str:
        return f"<ProcessGroup {self.backend}: rank {self._rank} of {self._size}>"

    def split(self, ranks: list[int], timeout: float, local: bool = False) -> ProcessGroup | None:
        """The group of these ranks of this group (group rank i is ranks[i]), or None on a rank outside it.

        Every rank of this group calls it with the same ranks (only the members, with `local`);
        `new_group` calls it on the default group.
        """
        raise NotImplementedError

    # --- collectives (each returns a Work) --------------------------------------------------
    def allreduce(self, tensor, op: ReduceOp) -> Work:
        """Reduce the tensor over the ranks with `op` and leave the result in every rank's tensor."""
        raise NotImplementedError

    def broadcast(self, tensor, src: int) -> Work:
        """Copy rank `src`'s tensor into every rank's tensor."""
        raise NotImplementedError

    def allgather_into_tensor(self, output, input) -> Work:
        """output holds size() copies of input's shape, rank 0's first."""
        raise NotImplementedError

    def allgather(self, outputs: list, tensor) -> Work:
        """Gather every rank's tensor into every rank's list of outputs."""
        raise NotImplementedError

    def reduce_scatter_tensor(self, output, input, op: ReduceOp) -> Work:
        """Reduce input (size() blocks, rank-major) over the ranks; rank i's output gets block i."""
        raise NotImplementedError

    def reduce(self, tensor, dst: int, op: ReduceOp) -> Work:
        """Reduce the tensor over the ranks into rank `dst`'s tensor."""
        raise NotImplementedError

    def gather(self, tensor, outputs: list | None, dst: int) -> Work:
        """Gather every rank's tensor into rank `dst`'s list of outputs."""
        raise NotImplementedError

    def scatter(self, tensor, inputs: list | None, src: int) -> Work:
        """Send the i-th of rank `src`'s inputs into rank i's tensor."""
        raise NotImplementedError

    def send(self, tensor, dst: int, tag: int) -> Work:
        """Send the tensor to rank `dst`, with `tag`."""
        raise NotImplementedError

    def recv(self, tensor, src: int | None, tag: int) -> Work:
        """Receive from group rank `src` (any rank when None); its work's result is the sender's rank in the job."""
        raise NotImplementedError

    def barrier(self) -> Work:
        """Wait until every rank of the group has reached this call."""
        raise NotImplementedError

    # --- faults ---------------------------------------------------------------------------
    def abort(self, code: int = 1) -> None:
        """End every process of the job now."""
        raise NotImplementedError

    def end_job(self, code: int = 1) -> None:
        """Abort the job once what this process printed has had time to reach the launcher."""
        sys.stdout.flush()
        sys.stderr.flush()
        time.sleep(OUTPUT_GRACE_S)
        self.abort(code)

    def abort_after_timeout(self, what: str, waited: float) -> None:
        """Say which call timed out and end the job, so that no rank waits forever."""
        print(
            f"ember.distributed: rank {self._rank} of {self._size} waited {waited:g} s for {what}, the process "
            "group's timeout: another rank died, raised, or never made the same call. Aborting the job "
            "(init_process_group(timeout=...) sets the limit).",
            file=sys.stderr,
        )
        self.end_job(1)

    def close(self) -> None:
        """Release what the group holds (destroy_process_group calls this)."""
