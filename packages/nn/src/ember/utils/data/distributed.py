"""DistributedSampler: each rank's share of a dataset, disjoint and (after padding) equal in size."""

from __future__ import annotations

import math
from collections.abc import Sized

import ember
import numpy as np

from .sampler import _OrderedSampler

__all__ = ["DistributedSampler"]


class DistributedSampler(_OrderedSampler):
    """Rank `rank` of `num_replicas` visits every num_replicas-th index of the epoch, starting at `rank`.

    As in PyTorch: with shuffle the epoch is a permutation seeded by `seed + epoch` (call
    `set_epoch(epoch)` before each epoch so every rank draws the same new order); the epoch is
    padded by repeating its first indices until it divides evenly, or with `drop_last` cut to
    the largest size that does. `num_replicas` and `rank` default to the default process group's.
    """

    num_replicas: int
    rank: int
    epoch: int
    num_samples: int
    total_size: int

    def __init__(
        self,
        dataset: Sized,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        if num_replicas is None or rank is None:
            import ember.distributed as dist

            if not dist.is_initialized():
                raise RuntimeError(
                    "DistributedSampler needs num_replicas and rank, or an initialized default process group "
                    "(ember.distributed.init_process_group)"
                )
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        if num_replicas < 1:
            raise ValueError(f"Invalid num_replicas {num_replicas}, num_replicas should be at least 1")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        self.shuffle = shuffle
        self.seed = seed
        size = len(dataset)
        if drop_last and size % num_replicas:
            self.num_samples = math.ceil((size - num_replicas) / num_replicas)  # the largest even share
        else:
            self.num_samples = math.ceil(size / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def _order(self) -> np.ndarray:
        size = len(self.dataset)
        if self.shuffle:
            generator = ember.Generator()
            generator.manual_seed(self.seed + self.epoch)
            epoch = ember.randperm(size, generator=generator).numpy()
        else:
            epoch = np.arange(size, dtype=np.int64)
        if self.drop_last:
            epoch = epoch[: self.total_size]
        elif self.total_size > size:
            epoch = np.resize(epoch, self.total_size)  # repeats the epoch from its start
        return epoch[self.rank : self.total_size : self.num_replicas]

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Make the next epoch's order depend on `epoch` (the same on every rank)."""
        self.epoch = epoch
