"""The `nccl` group's availability: it needs CuPy with NCCL and a CUDA device."""

from __future__ import annotations

import importlib.util


def unavailable_reason() -> str | None:
    """Why backend='nccl' cannot run in this process."""
    if importlib.util.find_spec("cupy") is None:
        return (
            "it needs CuPy with NCCL and an NVIDIA GPU (pip install 'ember-cupy[cuda12]'); "
            "CPU tensors use backend='mpi'"
        )
    try:
        import cupy

        devices = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # CuPy raises its own CUDA errors when no driver is there
        return f"CuPy finds no CUDA device ({type(error).__name__}: {error}); CPU tensors use backend='mpi'"
    if devices == 0:
        return "CuPy finds no CUDA device; CPU tensors use backend='mpi'"
    if importlib.util.find_spec("cupy.cuda.nccl") is None:
        return "this CuPy has no NCCL (cupy.cuda.nccl): pip install nvidia-nccl-cu12"
    return (
        "ember has no NCCL group yet: use backend='mpi', which takes CUDA tensors through host memory "
        "(or register your own group with ember.distributed.Backend.register_backend)"
    )
