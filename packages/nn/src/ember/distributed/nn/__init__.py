"""Collectives that autograd differentiates through, as `torch.distributed.nn`."""

from . import functional
from .functional import all_reduce

__all__ = ["all_reduce", "functional"]
