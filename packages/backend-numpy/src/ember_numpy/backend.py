"""The NumPy backend: core's NumPy-like base with host-native details."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from ember.backends import NumpyLikeBackend

_add_reduce = np.add.reduce
_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")


class NumpyBackend(NumpyLikeBackend):
    """Serves "cpu" with NumPy arrays; they are the host arrays, so transfers are free."""

    name = "numpy"
    device_type = "cpu"
    distribution = "ember-numpy"

    def __init__(self) -> None:
        super().__init__(np)
        # NOTE: PyTorch computes log(0), 1/0 and overflow silently (inf/nan); so do ember's kernels.
        np.seterr(divide="ignore", invalid="ignore", over="ignore", under="ignore")

    def to_numpy(self, x: Any) -> np.ndarray:
        return x

    def from_numpy(self, array: np.ndarray, index: int | None) -> np.ndarray:
        return array

    def sum(self, x: Any, axis=None, keepdims: bool = False, dtype=None) -> Any:
        """The reduction ndarray.sum calls (np.add.reduce), without its two Python wrappers: the same bits."""
        return _add_reduce(x, axis, dtype, None, keepdims)

    def getitem(self, x: np.ndarray, key: Any) -> np.ndarray:
        if type(key) is np.ndarray and key.dtype.kind in "iu" and x.ndim:
            return x.take(key, 0)  # NOTE: the same rows as x[key], several times faster
        return x[key]

    def fused_log_softmax(self, x: np.ndarray, axis: int) -> np.ndarray:
        shifted = x - x.max(axis=axis, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))

    def describe(self) -> dict[str, str]:
        """NumPy, its BLAS library and BLAS threads: they decide the speed of large matrix products."""
        return {"numpy": np.__version__, **_blas_in_use()}


def _blas_in_use() -> dict[str, str]:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return _blas_from_build()
    for pool in threadpool_info():
        if pool.get("user_api") == "blas":
            return {
                "blas": f"{pool.get('internal_api')} {pool.get('version')} ({os.path.basename(pool['filepath'])})",
                "blas threads": str(pool.get("num_threads")),
            }
    return _blas_from_build()


def _blas_from_build() -> dict[str, str]:
    """NumPy's build record, when threadpoolctl cannot look inside the running process."""
    config = np.show_config(mode="dicts")
    blas = config.get("Build Dependencies", {}).get("blas", {})
    info = {"blas": f"{blas.get('name', 'unknown')} {blas.get('version', '')}".strip()}
    for variable in _THREAD_VARIABLES:
        if os.environ.get(variable):
            info["blas threads"] = f"{os.environ[variable]} (from {variable})"
            return info
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    info["blas threads"] = f"{cores} (one per core, the BLAS default; pip install threadpoolctl to confirm)"
    return info
