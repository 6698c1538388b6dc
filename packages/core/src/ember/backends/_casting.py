"""Casting a kernel's result back to its operands' dtype (kernels that compute some steps wider)."""

from __future__ import annotations

from typing import Any


def cast_like(b: Any, array: Any, like: Any) -> Any:
    """`array` in the dtype of the backend array `like`: itself when it has it already, else a converted copy."""
    return array if array.dtype == like.dtype else b.astype(array, b.ember_dtype(like.dtype))
