"""Parallel training: `DistributedDataParallel` over the processes of `ember.distributed`."""

from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
