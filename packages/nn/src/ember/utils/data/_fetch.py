"""Fetchers: turn one batch request (indices, or 'next' for a stream) into a collated batch.

A fetcher records the dataset key it is reading (`current`, and `progress.value` when it is an
int, shared with the main process), so that an error, or a worker process that dies, can be
reported with the index that caused it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._collate import default_collate
from .dataset import batch_gatherer

END = object()  # an IterableDataset's stream is used up
_NDARRAY = np.ndarray
_INDEX = np.dtype(np.int64)  # a gather's index dtype (compared by identity: the native int64 dtype is one object)


class Position:
    """Where a fetcher is reading (the same interface as a shared multiprocessing value)."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = -1


class MapFetcher:
    """Batches from a map-style dataset: one gather per tensor where the dataset allows it.

    `progress` is the value a worker shares with the main process; None in the main process itself.
    """

    __slots__ = ("dataset", "auto_collation", "collate_fn", "progress", "gather", "getitems", "current")

    def __init__(self, dataset, auto_collation: bool, collate_fn: Callable, progress) -> None:
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.progress = progress
        self.gather = batch_gatherer(dataset) if auto_collation and collate_fn is default_collate else None
        self.getitems = _getitems(dataset) if self.gather is None else None  # NOTE: read only without a gather
        self.current: Any = None

    def __call__(self, index) -> Any:
        gather = self.gather  # NOTE: set only with auto-collation, so the common case is tested first
        if gather is not None:
            if type(index) is not _NDARRAY or index.dtype is not _INDEX:
                index = np.asarray(index, dtype=np.int64)
            self.current = index
            if self.progress is not None:
                self.progress.value = int(index[0]) if len(index) else -1
            return gather(index)
        if not self.auto_collation:
            self._at(index)
            return self.collate_fn(self.dataset[index])
        if isinstance(index, np.ndarray):
            index = index.tolist()
        if self.getitems is not None:
            self.current = index
            return self.collate_fn(self.getitems(index))
        samples = []
        dataset = self.dataset
        for i in index:
            self._at(i)
            samples.append(dataset[i])
        return self.collate_fn(samples)

    def _at(self, key) -> None:
        self.current = key
        if self.progress is not None:
            self.progress.value = key if type(key) is int else -1

    def describe(self) -> str:
        """Which sample a failure happened at, for error messages."""
        if isinstance(self.current, (list, np.ndarray)):
            values = [str(v) for v in self.current[:8]]
            more = ", ..." if len(self.current) > 8 else ""
            return f"dataset indices [{', '.join(values)}{more}]"
        return f"dataset index {self.current!r}"


def _getitems(dataset) -> Callable | None:
    """The dataset's `__getitems__` (a batch of samples in one call), if it has one."""
    getitems = getattr(dataset, "__getitems__", None)
    return getitems if callable(getitems) else None


class IterableFetcher:
    """Batches from an IterableDataset's stream (`batch_size` samples each, or one sample unbatched)."""

    def __init__(self, dataset, auto_collation: bool, collate_fn: Callable, progress, batch_size, drop_last) -> None:
        self.stream = iter(dataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.progress = progress
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.ended = False

    def __call__(self, index=None) -> Any:
        if self.ended:
            return END
        if not self.auto_collation:
            sample = self._next()
            return END if sample is END else self.collate_fn(sample)
        samples = []
        while len(samples) < self.batch_size:
            sample = self._next()
            if sample is END:
                break
            samples.append(sample)
        if not samples or (self.drop_last and len(samples) < self.batch_size):
            return END
        return self.collate_fn(samples)

    def _next(self):
        self.progress.value += 1
        try:
            return next(self.stream)
        except StopIteration:
            self.ended = True
            return END

    def describe(self) -> str:
        return f"sample {self.progress.value} of the IterableDataset stream"
