"""Kernels that any backend can compute on the host when its array library lacks them."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def erf_on_host(backend: Any, x: Any) -> Any:
    """The error function of `x`, computed on the host (SciPy when installed, else math.erf) and moved back."""
    host = backend.to_numpy(x)
    try:
        from scipy.special import erf

        values = erf(host)
    except ImportError:
        values = np.vectorize(math.erf, otypes=[np.float64])(host)
    return backend.from_numpy(np.asarray(values).astype(host.dtype, copy=False), backend.device_index(x))
