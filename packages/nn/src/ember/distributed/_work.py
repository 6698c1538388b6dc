"""Work: the handle of a collective in flight, and waiting for it within the group's timeout."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

# NOTE: a non-blocking MPI call moves on only while its process calls into MPI, so a wait polls:
# without pause for SPIN_S (most transfers end within it), then yielding the core between polls
# (with more ranks than cores, the rank being waited for gets to run), and after YIELD_S napping,
# not to burn a core while another rank is slow.
SPIN_S = 0.0005
YIELD_S = 1.0
NAP_S = 0.001


class Work:
    """What a collective with `async_op=True` returns: `wait()` blocks until this rank's part is done.

    `test()` says whether the transfer is complete, without blocking; `finish()` runs once after
    it (copying results home, dividing for AVG) and gives the result (`recv` gives the sender's
    rank). `keep` holds the buffers MPI reads and writes until then. A wait that outlasts the
    group's timeout ends the whole job with a message: a rank that died, raised, or never made
    the matching call cannot be waited for.
    """

    __slots__ = ("_group", "_what", "_test", "_finish", "_keep", "_done", "_result")

    def __init__(
        self, group, what: str, test: Callable[[], bool], finish: Callable[[], object] | None = None, keep: tuple = ()
    ) -> None:
        self._group = group
        self._what = what
        self._test = test
        self._finish = finish
        self._keep = keep
        self._done = False
        self._result = None

    def is_completed(self) -> bool:
        """True once the collective is done on this rank (finishing it if the transfer just ended)."""
        if not self._done and self._test():
            self._complete()
        return self._done

    def is_success(self) -> bool:
        """Whether the operation has completed without error."""
        return self.is_completed()

    def wait(self, timeout=None) -> bool:
        """Block until done; past `timeout` (the group's timeout by default) abort the job."""
        if self._done:
            return True
        test = self._test
        if not test():
            limit = self._group.timeout if timeout is None else _seconds(timeout)
            start = time.monotonic()
            while not test():
                waited = time.monotonic() - start
                if waited < SPIN_S:
                    continue
                if waited > limit:
                    self._group.abort_after_timeout(self._what, limit)
                if waited < YIELD_S:
                    os.sched_yield()
                else:
                    time.sleep(NAP_S)
        self._complete()
        return True

    def result(self):
        """What the collective gives once done (the sender's rank for `recv`, else None)."""
        self.wait()
        return self._result

    def _complete(self) -> None:
        self._done = True
        if self._finish is not None:
            self._result = self._finish()
            self._finish = None
        self._keep = ()

    def __repr__(self) -> str:
        return f"<Work {self._what} {'done' if self._done else 'in flight'}>"


def _seconds(timeout) -> float:
    return timeout.total_seconds() if hasattr(timeout, "total_seconds") else float(timeout)
