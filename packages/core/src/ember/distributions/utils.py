"""Helpers shared by the distributions: broadcasting parameters, probs and logits, cached properties."""

from __future__ import annotations

import functools
import numbers

from .. import _dtype
from .._creation import tensor
from .._size import Size
from .._tensor import Tensor
from .._type_info import finfo as _finfo
from ..autograd import enable_grad
from ..ops.reductions import softmax
from ..ops.shape import broadcast_tensors

EMPTY_SHAPE = Size()  # the default sample shape: one draw per batch element

__all__ = ["broadcast_all", "clamp_probs", "lazy_property", "logits_to_probs", "probs_to_logits"]


def broadcast_all(*values) -> tuple:
    """Tensors and Python numbers as tensors of one broadcast shape (numbers take the first tensor's dtype)."""
    for value in values:
        if not isinstance(value, (Tensor, numbers.Number)):
            raise ValueError("Input arguments must all be instances of numbers.Number or ember.Tensor.")
    like = next((value for value in values if isinstance(value, Tensor)), None)
    if like is None:
        dtype = _dtype.get_default_dtype()
        return tuple(tensor(float(value), dtype=dtype) for value in values)
    converted = [
        value if isinstance(value, Tensor) else tensor(value, dtype=like.dtype, device=like.device) for value in values
    ]
    return tuple(broadcast_tensors(*converted))


def finfo(dtype: _dtype.dtype) -> _finfo:
    """The float info (eps, tiny, min, max) of an ember floating dtype."""
    return _finfo(dtype)


def clamp_probs(probs: Tensor) -> Tensor:
    """probs clamped into [eps, 1 - eps], so that their logs are finite."""
    eps = float(finfo(probs.dtype).eps)
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """Log-odds (binary) or log-probabilities of `probs`, clamped away from 0 and 1."""
    clamped = clamp_probs(probs)
    return clamped.log() - (-clamped).log1p() if is_binary else clamped.log()


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """sigmoid(logits) (binary) or softmax(logits) over the last dim."""
    return logits.sigmoid() if is_binary else softmax(logits, -1)


def softplus(x: Tensor) -> Tensor:
    """log(1 + exp(x)), without overflow."""
    return x.clamp(min=0) + (-x.abs()).exp().log1p()


def sum_rightmost(value: Tensor, dims: int) -> Tensor:
    """`value` summed over its `dims` rightmost dimensions."""
    return value.reshape(tuple(value.shape[: value.dim() - dims]) + (-1,)).sum(-1) if dims > 0 else value


class lazy_property(functools.cached_property):  # noqa: N801  (PyTorch's name)
    """A property computed once, on first use (with gradients recorded), then kept in the instance's __dict__."""

    def __init__(self, wrapped) -> None:
        @functools.wraps(wrapped)
        def compute(instance):
            with enable_grad():
                return wrapped(instance)

        super().__init__(compute)
