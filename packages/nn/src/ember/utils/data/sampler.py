"""Samplers: the order in which a DataLoader visits dataset indices, and how it groups them into batches.

Samplers whose whole epoch is known up front expose it as one NumPy array (`_order()`), so the
DataLoader can slice batches out of it instead of collecting Python ints one by one; iterating
them gives the same indices from the same random draws.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sized
from typing import Generic, TypeVar

import ember
import numpy as np
from ember import Tensor
from ember._devices import backend_for

T_co = TypeVar("T_co", covariant=True)

__all__ = [
    "BatchSampler",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
]


class Sampler(Generic[T_co]):
    """Base class: subclasses define `__iter__` (and `__len__` where the length is known)."""

    def __init__(self, data_source: Sized | None = None) -> None:
        pass

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError


class _OrderedSampler(Sampler[int]):
    """A sampler whose epoch is one index array drawn when iteration starts."""

    def _order(self) -> np.ndarray:
        raise NotImplementedError

    def __iter__(self) -> Iterator[int]:
        return iter(self._order().tolist())


def native_stream(generator: ember.Generator | None):
    """The host random stream behind `generator` (the default generator's without one)."""
    return (generator if generator is not None else ember.default_generator).native()


def host_permutation(generator: ember.Generator | None, n: int) -> np.ndarray:
    """A random permutation of range(n) from `generator`'s stream, as a NumPy array."""
    generator = generator if generator is not None else ember.default_generator
    drawn = generator.native().permutation(n)
    if type(drawn) is np.ndarray:  # drawn on the host already: no backend to ask for a copy
        return drawn
    return backend_for(generator.device).to_numpy(drawn)


def epoch_order(sampler) -> np.ndarray | None:
    """The sampler's whole epoch as an index array, when it draws one up front and iterates it unchanged."""
    if isinstance(sampler, _OrderedSampler) and type(sampler).__iter__ in _ORDER_ITERATORS:
        return sampler._order()
    return None


class SequentialSampler(_OrderedSampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def _order(self) -> np.ndarray:
        return np.arange(len(self.data_source), dtype=np.int64)

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(_OrderedSampler):
    """A fresh random permutation each epoch (or `num_samples` draws with replacement)."""

    def __init__(
        self,
        data_source: Sized,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: ember.Generator | None = None,
    ) -> None:
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={replacement}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.num_samples, int) or isinstance(self.num_samples, bool) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        """How many indices an epoch draws."""
        return self._samples_from(len(self.data_source))

    def _samples_from(self, n: int) -> int:
        """How many indices an epoch draws from a data source of n."""
        return n if self._num_samples is None else self._num_samples

    def _order(self) -> np.ndarray:
        n = len(self.data_source)
        wanted = self._samples_from(n)
        if self.replacement:
            return ember.randint(0, n, (wanted,), generator=self.generator).numpy()
        if wanted == n:
            return host_permutation(self.generator, n)
        return np.concatenate([host_permutation(self.generator, n) for _ in range(-(-wanted // n))])[:wanted]

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(_OrderedSampler):
    """The given indices in a random order, new each epoch."""

    def __init__(self, indices: Iterable[int], generator: ember.Generator | None = None) -> None:
        self.indices = indices
        self.generator = generator

    def _order(self) -> np.ndarray:
        positions = ember.randperm(len(self.indices), generator=self.generator).numpy()
        return np.asarray(self.indices, dtype=np.int64)[positions]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(_OrderedSampler):
    """`num_samples` indices drawn with probability proportional to `weights`."""

    def __init__(
        self,
        weights: Iterable[float],
        num_samples: int,
        replacement: bool = True,
        generator: ember.Generator | None = None,
    ) -> None:
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        weights = weights if isinstance(weights, Tensor) else ember.as_tensor(np.asarray(weights, dtype=np.float64))
        if weights.dim() != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(weights.shape)}")
        self.weights = weights.double()
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def _order(self) -> np.ndarray:
        draws = ember.multinomial(self.weights, self.num_samples, self.replacement, generator=self.generator)
        return draws.numpy()

    def __len__(self) -> int:
        return self.num_samples


_ORDER_ITERATORS = (_OrderedSampler.__iter__, SequentialSampler.__iter__)


class BatchSampler(Sampler[list[int]]):
    """Group another sampler's indices into lists of `batch_size` (the last one shorter unless drop_last)."""

    def __init__(self, sampler: Sampler[int] | Iterable[int], batch_size: int, drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        for batch in self._index_batches():
            yield batch.tolist() if isinstance(batch, np.ndarray) else batch

    def _index_batches(self) -> Iterator[np.ndarray | list[int]]:
        """Batches as index arrays sliced from the sampler's epoch when it has one, else as lists."""
        size = self.batch_size
        order = epoch_order(self.sampler)
        if order is not None:
            end = len(order) - len(order) % size if self.drop_last else len(order)
            for start in range(0, end, size):
                yield order[start : start + size]
            return
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return -(-len(self.sampler) // self.batch_size)
