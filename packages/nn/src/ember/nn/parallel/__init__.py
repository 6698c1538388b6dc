"""Parallel training: `DataParallel` over the CUDA devices of one process, `DistributedDataParallel` over the
processes of `ember.distributed`."""

from ._data_parallel import DataParallel, data_parallel, gather, parallel_apply, replicate, scatter
from .distributed import DistributedDataParallel

__all__ = [
    "DataParallel",
    "DistributedDataParallel",
    "data_parallel",
    "gather",
    "parallel_apply",
    "replicate",
    "scatter",
]
