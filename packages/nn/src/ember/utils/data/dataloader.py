"""`DataLoader`: batches from a dataset, in the main process or in worker processes.

Each `iter(loader)` is one epoch: it draws a base seed for the workers and then the sampler's
order from `generator` (or ember's global stream), the same way with or without workers, so
`num_workers` never changes which batches come out.
"""

from __future__ import annotations

import pickle
import queue
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import ember

from . import _worker
from ._collate import default_collate, default_convert
from ._fetch import END, IterableFetcher, MapFetcher, Position
from ._pin import pin_batch
from .dataset import Dataset, IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

_GRACE_SECONDS = 2.0  # how long idle workers get to exit on their own before they are terminated
_FORCED_GRACE_SECONDS = 0.2  # the same after an error, when a worker may be stuck in the dataset
_WAIT_SECONDS = 0.25  # how often the main process checks that workers are alive while waiting


class DataLoader:
    """Iterate over a dataset in batches, with PyTorch's arguments and semantics."""

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler | Iterable | None = None,
        batch_sampler: Sampler | Iterable | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context=None,
        generator: ember.Generator | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 to enable "
                "multiprocessing, otherwise set prefetch_factor to None."
            )
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = 2 if num_workers > 0 and prefetch_factor is None else prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self.generator = generator
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            _check_iterable_options(shuffle, sampler, batch_sampler)
            sampler = _Endless()
        elif batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last"
                )
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")
        if sampler is None:
            if shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        elif shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.collate_fn = (
            collate_fn
            if collate_fn is not None
            else (default_collate if batch_sampler is not None else default_convert)
        )
        self._workers: _WorkerPool | None = None

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    def __len__(self) -> int:
        if self._iterable:
            length = len(self.dataset)
            if self.batch_size is not None:
                return length // self.batch_size if self.drop_last else -(-length // self.batch_size)
            return length
        return len(self.batch_sampler) if self._auto_collation else len(self.sampler)

    def __iter__(self) -> Iterator:
        base_seed = _draw_seed(self.generator)
        if self.num_workers == 0:
            return _batches_in_this_process(self)
        if self.persistent_workers:
            if self._workers is None or not self._workers.alive():
                self._workers = _WorkerPool(self, base_seed)
            return self._workers.epoch(self)
        return _WorkerPool(self, base_seed).epoch(self, shut_down_after=True)

    def _index_batches(self) -> Iterator:
        """What to fetch, one item per batch: index arrays/lists, single indices, or None for a stream."""
        if self._iterable:
            return iter(self.sampler)
        if not self._auto_collation:
            return iter(self.sampler)
        batches = self.batch_sampler
        if type(batches) is BatchSampler:
            return batches._index_batches()
        return iter(batches)

    def _fetcher(self, progress):
        if self._iterable:
            return IterableFetcher(
                self.dataset, self._auto_collation, self.collate_fn, progress, self.batch_size, self.drop_last
            )
        return MapFetcher(self.dataset, self._auto_collation, self.collate_fn, progress)

    def _worker_setup(self) -> _worker.WorkerSetup:
        return _worker.WorkerSetup(
            dataset=self.dataset,
            iterable=self._iterable,
            auto_collation=self._auto_collation,
            collate_fn=self.collate_fn,
            batch_size=self.batch_size,
            drop_last=self.drop_last,
            worker_init_fn=self.worker_init_fn,
            num_workers=self.num_workers,
        )


class _Endless(Sampler):
    """The 'sampler' of an IterableDataset: 'the next batch', forever."""

    def __iter__(self):
        while True:
            yield None


def _check_iterable_options(shuffle, sampler, batch_sampler) -> None:
    for name, value in (("shuffle", shuffle), ("sampler", sampler), ("batch_sampler", batch_sampler)):
        if value not in (None, False):
            raise ValueError(
                f"DataLoader with IterableDataset: expected unspecified {name} option, but got {name}={value}"
            )


def _draw_seed(generator: ember.Generator | None) -> int:
    return int(ember.randint(0, 2**62, (1,), generator=generator).item())


# --- in the main process ----------------------------------------------------------------------


def _batches_in_this_process(loader: DataLoader) -> Iterator:
    progress = Position()
    fetch = loader._fetcher(progress)
    pin = loader.pin_memory
    for index in loader._index_batches():
        try:
            batch = fetch(index)
        except Exception as error:
            error.add_note(f"(raised by the DataLoader while loading {fetch.describe()})")
            raise
        if batch is END:
            return
        yield pin_batch(batch) if pin else batch


# --- in worker processes ----------------------------------------------------------------------


class _WorkerPool:
    """Worker processes and their queues; one `epoch()` at a time runs over them."""

    def __init__(self, loader: DataLoader, base_seed: int) -> None:
        import multiprocessing  # only loaders with workers pay for it

        context = loader.multiprocessing_context
        if context is None:
            context = multiprocessing.get_context()
        elif isinstance(context, str):
            context = multiprocessing.get_context(context)
        self.results = context.Queue()
        self.index_queues = []
        self.processes = []
        self.progress = []
        setup = loader._worker_setup()
        for worker_id in range(loader.num_workers):
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

    def shut_down(self, force: bool = False) -> None:
        if force and self._finalizer.detach() is not None:
            _stop_workers(self.processes, self.index_queues, self.results, _FORCED_GRACE_SECONDS)
        self._finalizer()

    def epoch(self, loader: DataLoader, shut_down_after: bool = False) -> _Epoch:
        self.epochs += 1
        return _Epoch(self, loader, self.epochs, shut_down_after)


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


class _Epoch:
    """One pass over the data with the pool's workers; batches come back in order."""

    def __init__(self, pool: _WorkerPool, loader: DataLoader, number: int, shut_down_after: bool) -> None:
        self.pool = pool
        self.loader = loader
        self.number = number
        self.shut_down_after = shut_down_after
        self.timeout = loader.timeout
        self.pin = loader.pin_memory
        self.requests = loader._index_batches()
        self.workers = len(pool.processes)
        self.active = [True] * self.workers
        self.next_worker = 0
        self.sent = 0
        self.received = 0
        self.outstanding: dict[int, tuple[int, Any]] = {}
        self.early: dict[int, Any] = {}
        self.done = False
        for _ in range(max(1, loader.prefetch_factor) * self.workers):
            if not self._send():
                break

    def __iter__(self) -> _Epoch:
        return self

    def __len__(self) -> int:
        return len(self.loader)

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
                f"DataLoader worker {worker} (pid {process.pid}) exited unexpectedly with exit code "
                f"{process.exitcode} while loading {where}{batch}. It may have crashed in native code or been "
                "killed (out of memory?); run with num_workers=0 to see the error in this process."
            )

    def _finish(self, force: bool = False) -> None:
        self.done = True
        if self.shut_down_after or force:
            self.pool.shut_down(force)


def _short(index) -> str:
    values = list(index) if hasattr(index, "__len__") else [index]
    text = ", ".join(str(int(v)) for v in values[:8])
    return f"[{text}{', ...' if len(values) > 8 else ''}]"
