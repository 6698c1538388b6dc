"""Worker processes for a DataLoader: start them, hand out batch requests, collect results in order.

A `WorkerPool` owns the processes and their queues (one index queue per worker, one shared
result queue). Each epoch is an `Epoch`: it sends requests round robin, keeps results that
arrive early, and while waiting checks that every worker is still alive, so a crashed worker
becomes an error naming it and the dataset index it was loading instead of a hang.

The pool knows nothing of the DataLoader: it is given the `WorkerSetup` every worker starts
from and, for each epoch, the batch requests and how to wait for them.
"""

from __future__ import annotations

import pickle
import queue
import signal
import time
import weakref
from collections.abc import Callable, Iterator
from typing import Any

from . import _worker
from ._fetch import END
from ._pin import pin_batch

_GRACE_SECONDS = 2.0  # how long idle workers get to exit on their own before they are terminated
_FORCED_GRACE_SECONDS = 0.2  # the same after an error, when a worker may be stuck in the dataset
_WAIT_SECONDS = 0.25  # how often the main process checks that workers are alive while waiting


class WorkerPool:
    """Worker processes and their queues; one `epoch()` at a time runs over them."""

    def __init__(self, setup: _worker.WorkerSetup, context, base_seed: int) -> None:
        """Start `setup.num_workers` processes; `context` is a multiprocessing context, its name, or None."""
        import multiprocessing  # only loaders with workers pay for it

        if context is None:
            context = multiprocessing.get_context()
        elif isinstance(context, str):
            context = multiprocessing.get_context(context)
        self.results = context.Queue()
        self.index_queues = []
        self.processes = []
        self.progress = []
        for worker_id in range(setup.num_workers):
            index_queue = context.Queue()
            index_queue.cancel_join_thread()
            progress = context.RawValue("q", -1)
            process = context.Process(
                target=_worker.worker_loop,
                args=(setup, worker_id, base_seed, index_queue, self.results, progress),
                daemon=True,
                name=f"ember DataLoader worker {worker_id}",
            )
            process.start()
            self.index_queues.append(index_queue)
            self.processes.append(process)
            self.progress.append(progress)
        self.epochs = 0
        self._finalizer = weakref.finalize(self, _stop_workers, self.processes, self.index_queues, self.results)

    def alive(self) -> bool:
        return self._finalizer.alive and all(p.is_alive() for p in self.processes)

    def check_idle_workers(self) -> None:
        """Raise for a worker that died while the pool was idle (between epochs), as PyTorch does.

        The pool is shut down first, so that the loader's next epoch starts fresh workers.
        """
        if not self._finalizer.alive:
            return
        for worker, process in enumerate(self.processes):
            if not process.is_alive():
                self.shut_down(force=True)
                raise RuntimeError(
                    f"DataLoader worker {worker} (pid {process.pid}) exited unexpectedly {_exit_text(process.exitcode)} "
                    "between epochs; persistent workers are not restarted behind your back. Find out what ended it "
                    "(out of memory?); iterating the DataLoader again starts new workers."
                )

    def shut_down(self, force: bool = False) -> None:
        if force and self._finalizer.detach() is not None:
            _stop_workers(self.processes, self.index_queues, self.results, _FORCED_GRACE_SECONDS)
        self._finalizer()

    def epoch(
        self,
        requests: Iterator,
        length: Callable[[], int],
        *,
        prefetch_factor: int,
        timeout: float,
        pin: bool,
        shut_down_after: bool = False,
    ) -> Epoch:
        """One pass over `requests` (one batch request each); `length()` answers len() of the epoch."""
        self.epochs += 1
        return Epoch(self, self.epochs, requests, length, prefetch_factor, timeout, pin, shut_down_after)


def _stop_workers(processes, index_queues, results, grace: float = _GRACE_SECONDS) -> None:
    for index_queue in index_queues:
        try:
            index_queue.put(None)
        except (OSError, ValueError):
            pass
    deadline = time.monotonic() + grace
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.terminate()
            process.join(1.0)
    for q in (*index_queues, results):
        q.cancel_join_thread()
        q.close()


class Epoch:
    """One pass over the data with the pool's workers; batches come back in order."""

    def __init__(
        self,
        pool: WorkerPool,
        number: int,
        requests: Iterator,
        length: Callable[[], int],
        prefetch_factor: int,
        timeout: float,
        pin: bool,
        shut_down_after: bool,
    ) -> None:
        self.pool = pool
        self.number = number
        self.requests = requests
        self.length = length
        self.timeout = timeout
        self.pin = pin
        self.shut_down_after = shut_down_after
        self.workers = len(pool.processes)
        self.active = [True] * self.workers
        self.next_worker = 0
        self.sent = 0
        self.received = 0
        self.outstanding: dict[int, tuple[int, Any]] = {}
        self.early: dict[int, Any] = {}
        self.done = False
        for _ in range(max(1, prefetch_factor) * self.workers):
            if not self._send():
                break

    def __iter__(self) -> Epoch:
        return self

    def __len__(self) -> int:
        return self.length()

    def _send(self) -> bool:
        """Give the next request to the next worker still running; False when there is nothing to send."""
        for _ in range(self.workers):
            worker = self.next_worker
            self.next_worker = (worker + 1) % self.workers
            if self.active[worker]:
                break
        else:
            return False
        index = next(self.requests, END)
        if index is END:
            return False
        self.pool.index_queues[worker].put((self.number, self.sent, index))
        self.outstanding[self.sent] = (worker, index)
        self.sent += 1
        return True

    def __next__(self):
        while True:
            if self.done or self.received == self.sent:
                self._finish()
                raise StopIteration
            wanted = self.received
            message = self.early.pop(wanted) if wanted in self.early else self._receive(wanted)
            worker, _ = self.outstanding.pop(wanted)
            self.received += 1
            payload = pickle.loads(message)
            if isinstance(payload, _worker.Exhausted):
                self.active[worker] = False
                continue
            if isinstance(payload, _worker.Failure):
                self._finish(force=True)
                payload.reraise()
            self._send()
            batch = _worker.from_wire(payload)
            return pin_batch(batch) if self.pin else batch

    def _receive(self, wanted: int):
        """Wait for result `wanted`, keeping results that arrive early, checking that workers are alive."""
        started = time.monotonic()
        while True:
            wait = _WAIT_SECONDS
            if self.timeout:
                wait = min(wait, max(0.0, started + self.timeout - time.monotonic()))
            try:
                number, task, message = self.pool.results.get(timeout=wait)
            except queue.Empty:
                self._check_workers(wanted)
                if self.timeout and time.monotonic() - started >= self.timeout:
                    worker, index = self.outstanding[wanted]
                    self._finish(force=True)
                    raise RuntimeError(
                        f"DataLoader timed out after {self.timeout} seconds waiting for worker {worker} "
                        f"to load batch {wanted} (dataset indices {_short(index)}); raise timeout= or make "
                        "the dataset faster"
                    ) from None
                continue
            if number != self.number:
                continue
            if task == wanted:
                return message
            self.early[task] = message

    def _check_workers(self, wanted: int) -> None:
        for worker, process in enumerate(self.pool.processes):
            if process.is_alive():
                continue
            loading = [index for w, index in self.outstanding.values() if w == worker]
            position = self.pool.progress[worker].value
            self._finish(force=True)
            where = f"dataset index {position}" if position >= 0 else "its first sample"
            batch = f" (batch indices {_short(loading[0])})" if loading and loading[0] is not None else ""
            raise RuntimeError(
                f"DataLoader worker {worker} (pid {process.pid}) exited unexpectedly {_exit_text(process.exitcode)} "
                f"while loading {where}{batch}. It may have crashed in native code or been "
                "killed (out of memory?); run with num_workers=0 to see the error in this process."
            )

    def _finish(self, force: bool = False) -> None:
        self.done = True
        if self.shut_down_after or force:
            self.pool.shut_down(force)


def _exit_text(exitcode: int | None) -> str:
    """How a worker process ended: its exit code, and the signal that killed it if one did."""
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"with exit code {exitcode} (killed by {name})"
    return f"with exit code {exitcode}"


def _short(index) -> str:
    values = list(index) if hasattr(index, "__len__") else [index]
    text = ", ".join(str(int(v)) for v in values[:8])
    return f"[{text}{', ...' if len(values) > 8 else ''}]"
