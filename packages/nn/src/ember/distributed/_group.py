"""ProcessGroup: what a group backend implements. The functions of `ember.distributed` check
their arguments and call these methods, so a backend sees only valid calls.

Each method starts the collective and returns its `Work`; tensors are ember tensors that the
backend reads and writes in place. A backend is registered with `Backend.register_backend`.
"""

from __future__ import annotations

import sys
import time

from ._reduce_op import ReduceOp
from ._work import Work

# NOTE: MPI's launcher forwards each process's output through pipes, and an abort can tear them
# down before it has passed on the last lines (the message saying why); so the process waits a bit.
OUTPUT_GRACE_S = 0.5


class ProcessGroup:
    """A set of processes that run collectives together; `rank()` is this process's place in it."""

    backend: str = "undefined"

    def __init__(self, rank: int, size: int, timeout: float) -> None:
        self._rank = rank
        self._size = size
        self.timeout = timeout  # seconds a collective may wait before the job is aborted

    def rank(self) -> int:
        return self._rank

    def size(self) -> int:
        return self._size

    def name(self) -> str:
        return self.backend

    def __repr__(self) -> str:
        return f"<ProcessGroup {self.backend}: rank {self._rank} of {self._size}>"

    # --- collectives (each returns a Work) --------------------------------------------------
    def allreduce(self, tensor, op: ReduceOp) -> Work:
        raise NotImplementedError

    def broadcast(self, tensor, src: int) -> Work:
        raise NotImplementedError

    def allgather_into_tensor(self, output, input) -> Work:
        """output holds size() copies of input's shape, rank 0's first."""
        raise NotImplementedError

    def allgather(self, outputs: list, tensor) -> Work:
        raise NotImplementedError

    def reduce_scatter_tensor(self, output, input, op: ReduceOp) -> Work:
        raise NotImplementedError

    def reduce(self, tensor, dst: int, op: ReduceOp) -> Work:
        raise NotImplementedError

    def gather(self, tensor, outputs: list | None, dst: int) -> Work:
        raise NotImplementedError

    def scatter(self, tensor, inputs: list | None, src: int) -> Work:
        raise NotImplementedError

    def send(self, tensor, dst: int, tag: int) -> Work:
        raise NotImplementedError

    def recv(self, tensor, src: int | None, tag: int) -> Work:
        """Its work's result is the sender's rank (any rank when src is None)."""
        raise NotImplementedError

    def barrier(self) -> Work:
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
        print(
            f"ember.distributed: rank {self._rank} of {self._size} waited {waited:g} s for {what}, the process "
            "group's timeout: another rank died, raised, or never made the same call. Aborting the job "
            "(init_process_group(timeout=...) sets the limit).",
            file=sys.stderr,
        )
        self.end_job(1)

    def close(self) -> None:
        """Release what the group holds (destroy_process_group calls this)."""
