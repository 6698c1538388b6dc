"""`DataLoader`: batches from a dataset, in the main process or in worker processes.

Each `iter(loader)` is one epoch: it draws a base seed for the workers and then the sampler's
order from `generator` (or ember's global stream), the same way with or without workers, so
`num_workers` never changes which batches come out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import ember
import numpy as np

from . import _worker
from ._collate import default_collate, default_convert
from ._fetch import END, IterableFetcher, MapFetcher, Position
from ._pin import pin_batch
from ._pool import Epoch, WorkerPool
from .dataset import Dataset, IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, native_stream


class DataLoader:
    """Iterate over a dataset in batches, with PyTorch's arguments and semantics.

    >>> dataset = ember.utils.data.TensorDataset(ember.arange(10).reshape(5, 2))
    >>> loader = ember.utils.data.DataLoader(dataset, batch_size=2)
    >>> [batch.shape for (batch,) in loader]
    [ember.Size([2, 2]), ember.Size([2, 2]), ember.Size([1, 2])]
    """

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
        self._workers: WorkerPool | None = None

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
            if self._workers is not None:
                self._workers.check_idle_workers()
            if self._workers is None or not self._workers.alive():
                self._workers = self._start_workers(base_seed)
            return self._epoch_on(self._workers)
        return self._epoch_on(self._start_workers(base_seed), shut_down_after=True)

    def _start_workers(self, base_seed: int) -> WorkerPool:
        return WorkerPool(self._worker_setup(), self.multiprocessing_context, base_seed)

    def _epoch_on(self, workers: WorkerPool, shut_down_after: bool = False) -> Epoch:
        return workers.epoch(
            self._index_batches(),
            self.__len__,
            prefetch_factor=self.prefetch_factor,
            timeout=self.timeout,
            pin=self.pin_memory,
            shut_down_after=shut_down_after,
        )

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


_SEED_DTYPE = np.dtype(np.int64)  # NOTE: a dtype, not the scalar type, which NumPy would look up on each draw


def _draw_seed(generator: ember.Generator | None) -> int:
    """The epoch's base seed, drawn from the loader's generator (the default one without)."""
    return int(native_stream(generator).integers(0, 2**62, (), _SEED_DTYPE))


# --- in the main process ----------------------------------------------------------------------


def _batches_in_this_process(loader: DataLoader) -> Iterator:
    fetcher = loader._fetcher(Position() if loader._iterable else None)
    fetch = fetcher.__call__  # NOTE: bound once; calling the fetcher itself goes through its type's call slot
    pin = loader.pin_memory
    for index in loader._index_batches():
        try:
            batch = fetch(index)
        except Exception as error:
            error.add_note(f"(raised by the DataLoader while loading {fetcher.describe()})")
            raise
        if batch is END:
            return
        yield pin_batch(batch) if pin else batch
