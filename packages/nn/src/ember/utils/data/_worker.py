"""The DataLoader worker process: its seed and info, its loop, and how batches and errors travel back.

Batches cross the process boundary as NumPy arrays (`WireTensor`), never as pickled tensors,
so no autograd state or backend object is shipped. A worker pickles each result itself, so a
batch that cannot be pickled becomes an error the main process sees, not a lost message. A worker exits when it is told to (None on
its index queue) or when its parent process has gone away.
"""

from __future__ import annotations

import os
import pickle
import queue
import random
import traceback
from dataclasses import dataclass
from typing import Any

import ember
import numpy as np
from ember import Tensor

from ._fetch import END, IterableFetcher, MapFetcher

POLL_SECONDS = 1.0


@dataclass(frozen=True)
class WorkerInfo:
    """What `get_worker_info()` returns inside a worker process."""

    id: int
    num_workers: int
    seed: int
    dataset: Any


_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """This worker's id, the number of workers, its seed and its copy of the dataset; None in the main process."""
    return _info


# --- what crosses the process boundary --------------------------------------------------------


class WireTensor:
    """A tensor in transit: only its values, as a NumPy array."""

    __slots__ = ("array",)

    def __init__(self, array: np.ndarray) -> None:
        self.array = array


def to_wire(value: Any) -> Any:
    if isinstance(value, Tensor):
        return WireTensor(value.detach()._host())
    return _map_structure(value, to_wire)


def from_wire(value: Any) -> Any:
    if isinstance(value, WireTensor):
        return ember.from_numpy(value.array)
    return _map_structure(value, from_wire)


def _map_structure(value: Any, convert) -> Any:
    if isinstance(value, list):
        return [convert(v) for v in value]
    if isinstance(value, tuple):
        items = [convert(v) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)
    if isinstance(value, dict):
        items = {k: convert(v) for k, v in value.items()}
        try:
            return type(value)(items)
        except TypeError:
            return items
    return value


class Exhausted:
    """A worker's IterableDataset stream has ended."""


class Failure:
    """An exception raised in a worker, with what is needed to re-raise it in the main process."""

    def __init__(self, worker_id: int, where: str, error: BaseException) -> None:
        self.worker_id = worker_id
        self.where = where
        self.kind = type(error) if _picklable(type(error)) else RuntimeError
        self.name = type(error).__name__
        self.text = "".join(traceback.format_exception(error))

    def reraise(self):
        message = (
            f"Caught {self.name} in DataLoader worker process {self.worker_id} while loading {self.where}.\n"
            f"Original {self.text}"
        )
        if issubclass(self.kind, KeyError):
            message = _PlainText(message)
        try:
            error = self.kind(message)
        except Exception:
            error = RuntimeError(message)
        error.worker_id = self.worker_id
        raise error


class _PlainText(str):
    """A KeyError prints repr(message); this keeps a multi-line message readable."""

    def __repr__(self) -> str:
        return str(self)


def _picklable(value: Any) -> bool:
    try:
        pickle.dumps(value)
    except Exception:
        return False
    return True


# --- the worker process -----------------------------------------------------------------------


@dataclass
class WorkerSetup:
    """Everything a worker needs, passed once when the process starts."""

    dataset: Any
    iterable: bool
    auto_collation: bool
    collate_fn: Any
    batch_size: int | None
    drop_last: bool
    worker_init_fn: Any
    num_workers: int


def seed_worker(base_seed: int, worker_id: int) -> int:
    """Seed Python's, NumPy's and ember's random streams for this worker; return its seed."""
    seed = base_seed + worker_id
    random.seed(seed)
    ember.manual_seed(seed)
    np.random.seed(np.random.SeedSequence([base_seed, worker_id]).generate_state(4))
    return seed


def worker_loop(setup: WorkerSetup, worker_id: int, base_seed: int, index_queue, result_queue, progress) -> None:
    global _info
    result_queue.cancel_join_thread()
    parent = os.getppid()
    try:
        seed = seed_worker(base_seed, worker_id)
        _info = WorkerInfo(worker_id, setup.num_workers, seed, setup.dataset)
        if setup.worker_init_fn is not None:
            setup.worker_init_fn(worker_id)
    except Exception as error:
        fetch = Failure(worker_id, "its setup (seeding, worker_init_fn)", error)
    else:
        fetch = None
    fetch_epoch = None
    while True:
        try:
            task = index_queue.get(timeout=POLL_SECONDS)
        except queue.Empty:
            if os.getppid() != parent:
                return
            continue
        if task is None:
            return
        epoch, task_id, index = task
        if epoch != fetch_epoch and not isinstance(fetch, Failure):
            fetch, fetch_epoch = _fetcher_for_epoch(setup, worker_id, progress, fetch), epoch
        if isinstance(fetch, Failure):
            message = pickle.dumps(fetch)
        else:
            try:
                batch = fetch(index)
                message = pickle.dumps(Exhausted() if batch is END else to_wire(batch), pickle.HIGHEST_PROTOCOL)
            except Exception as error:
                message = pickle.dumps(Failure(worker_id, fetch.describe(), error))
        result_queue.put((epoch, task_id, message))


def _fetcher_for_epoch(setup: WorkerSetup, worker_id: int, progress, previous):
    """A map-style fetcher lasts; a stream restarts each epoch (persistent workers), from a fresh iterator."""
    if not setup.iterable and previous is not None:
        return previous
    progress.value = -1
    try:
        if setup.iterable:
            return IterableFetcher(
                setup.dataset, setup.auto_collation, setup.collate_fn, progress, setup.batch_size, setup.drop_last
            )
        return MapFetcher(setup.dataset, setup.auto_collation, setup.collate_fn, progress)
    except Exception as error:
        return Failure(worker_id, "iter(dataset)", error)
