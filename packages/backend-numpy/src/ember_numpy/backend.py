"""The NumPy backend: core's NumPy-like base with host-native details."""

from __future__ import annotations

from typing import Any

import numpy as np
from ember.backends import NumpyLikeBackend


class NumpyBackend(NumpyLikeBackend):
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

    def index_add(self, target: np.ndarray, index: Any, values: Any) -> None:
        np.add.at(target, index, values)

    def fused_log_softmax(self, x: np.ndarray, axis: int) -> np.ndarray:
        shifted = x - x.max(axis=axis, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))

    def describe(self) -> dict:
        """BLAS and threads in use: they decide the speed of large matrix products."""
        info = {"numpy": np.__version__}
        try:
            from threadpoolctl import threadpool_info

            for pool in threadpool_info():
                if pool.get("user_api") == "blas":
                    info["blas"] = f"{pool.get('internal_api')} {pool.get('version')}"
                    info["blas_threads"] = pool.get("num_threads")
        except ImportError:
            config = np.show_config(mode="dicts") if hasattr(np, "show_config") else {}
            blas = config.get("Build Dependencies", {}).get("blas", {}) if isinstance(config, dict) else {}
            if blas:
                info["blas"] = f"{blas.get('name')} {blas.get('version')}"
        return info
