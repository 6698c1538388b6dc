"""Flattening parameters into one vector and writing a vector back into them."""

from __future__ import annotations

from collections.abc import Iterable

from ... import typename
from ..._tensor import Tensor
from ...ops.shape import cat


def _check_device(param: Tensor, device):
    if device is not None and param.device != device:
        raise TypeError(
            f"Found two parameters on different devices, this is currently not supported ({device} and {param.device})."
        )
    return param.device


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and joined into one 1-D tensor (differentiable)."""
    device = None
    pieces = []
    for param in parameters:
        device = _check_device(param, device)
        pieces.append(param.reshape(-1))
    return cat(pieces)


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of vec into each parameter's data (the inverse of parameters_to_vector)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected ember.Tensor, but got: {typename(vec)}")
    device = None
    pointer = 0
    for param in parameters:
        device = _check_device(param, device)
        count = param.numel()
        param.data = vec[pointer : pointer + count].view_as(param).data
        pointer += count
