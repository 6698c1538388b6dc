"""Skips for tests that need what some backends cannot have (it needs pytest, so ``ember.testing`` does not import it).

A test that needs a dtype the default backend's array library lacks (float16 on an array API
standard namespace, say) calls :func:`skip_unless_dtypes` first: it skips there, with a reason
naming the backend and the dtype, and does nothing on a backend that has them all.
"""

from __future__ import annotations

import pytest

from .. import _dtype
from .._devices import backend_for, canonical_device

__all__ = ["missing_dtypes", "skip_unless_dtypes"]


def missing_dtypes(*dtypes: _dtype.dtype, device: str = "cpu") -> list[_dtype.dtype]:
    """The dtypes among `dtypes` that the backend serving `device` does not provide."""
    backend = backend_for(canonical_device(device))
    missing = []
    for dtype in dtypes:
        try:
            backend.native_dtype(dtype)
        except TypeError:
            missing.append(dtype)
    return missing


def skip_unless_dtypes(*dtypes: _dtype.dtype, device: str = "cpu") -> None:
    """Skip the running test where the backend serving `device` lacks one of `dtypes`."""
    missing = missing_dtypes(*dtypes, device=device)
    if missing:
        backend = backend_for(canonical_device(device))
        names = ", ".join(str(d) for d in missing)
        pytest.skip(f"the {backend.name!r} backend has no {names} (its array library lacks the dtype)")
