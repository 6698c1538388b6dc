"""The `nccl` backend name: ember has no NCCL group, and says so (CUDA tensors use `mpi`)."""

from __future__ import annotations


def unavailable_reason() -> str:
    """Why backend='nccl' cannot run: ember has no NCCL process group."""
    return (
        "ember has no NCCL process group. Use backend='mpi': CUDA tensors pass their device memory to a "
        "CUDA-aware MPI library (set EMBER_MPI_CUDA_AWARE=1 where the library does not say so itself) and go "
        "through host memory otherwise"
    )
