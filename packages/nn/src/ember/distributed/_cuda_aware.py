"""Whether the MPI library takes CUDA device buffers (CUDA-aware MPI), so that collectives on CUDA
tensors pass the device memory itself instead of copying it through host memory.

Asked in this order: the setting EMBER_MPI_CUDA_AWARE (1 or 0), which wins; MPI-4.1's
`mpi_memory_alloc_kinds` (a kind `cuda` means device buffers are accepted); the library's own
MPIX_Query_cuda_support() (Open MPI, MPICH). Without an answer, tensors go through host memory.
"""

from __future__ import annotations

import ctypes
import os

SETTING = "EMBER_MPI_CUDA_AWARE"
_YES, _NO = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def decide(setting: str | None, alloc_kinds: str | None, mpix_answer: int | None) -> tuple[bool, str]:
    """(aware, why): from the setting's value, the MPI library's memory kinds and its MPIX answer (None: unknown)."""
    if setting is not None and setting.strip():
        value = setting.strip().lower()
        if value in _YES:
            return True, f"{SETTING}={setting} says so"
        if value in _NO:
            return False, f"{SETTING}={setting} says so"
        raise ValueError(
            f"{SETTING}={setting!r}: use 1 (the MPI library takes CUDA device buffers) or 0 (copy through host memory)"
        )
    if alloc_kinds is not None:
        kinds = {kind.split(":")[0].strip().lower() for kind in alloc_kinds.split(",")}
        if "cuda" in kinds:
            return True, f"the MPI library's memory kinds include cuda ({alloc_kinds})"
    if mpix_answer is not None:
        if mpix_answer:
            return True, "MPIX_Query_cuda_support() says so"
        return False, "MPIX_Query_cuda_support() says the MPI library takes no CUDA buffers"
    found = "memory kinds: " + (alloc_kinds if alloc_kinds is not None else "not reported")
    return False, f"the MPI library does not say it takes CUDA buffers ({found}; no MPIX_Query_cuda_support)"


def mpix_query_cuda_support() -> int | None:
    """MPIX_Query_cuda_support() of the MPI library this process loaded, or None where it has none."""
    library = _loaded_mpi_library()
    if library is None:
        return None
    try:
        query = ctypes.CDLL(library).MPIX_Query_cuda_support
    except (OSError, AttributeError):
        return None
    query.restype, query.argtypes = ctypes.c_int, []
    return int(query())


def _loaded_mpi_library() -> str | None:
    try:
        with open(f"/proc/{os.getpid()}/maps") as maps:
            for line in maps:
                path = line.split()[-1]
                if os.path.basename(path).startswith("libmpi.so"):
                    return path
    except OSError:
        pass
    return None
