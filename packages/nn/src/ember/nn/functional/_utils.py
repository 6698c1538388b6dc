"""Argument normalisation shared by the functional ops."""

from __future__ import annotations

import operator
import warnings


def as_tuple(value, n: int, name: str) -> tuple:
    """An int or a length-n sequence of ints as an n-tuple (PyTorch's _pair / _single)."""
    if isinstance(value, (tuple, list)):
        if len(value) == 1 and n > 1:
            value = tuple(value) * n
        if len(value) != n:
            raise ValueError(f"expected {name} to be a single integer or a sequence of {n} integers, got {value!r}")
        return tuple(map(operator.index, value))
    return (operator.index(value),) * n


REDUCTIONS = ("mean", "sum", "none")


def check_reduction(reduction: str, allowed: tuple = REDUCTIONS) -> str:
    if reduction not in allowed:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def legacy_reduction(size_average, reduce, reduction: str) -> str:
    """Map the deprecated size_average/reduce flags onto `reduction` (with PyTorch's warning)."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    result = "mean" if size_average and reduce else ("sum" if reduce else "none")
    warnings.warn(
        f"size_average and reduce args will be deprecated, please use reduction='{result}' instead.",
        UserWarning,
        stacklevel=3,
    )
    return result
