"""The Bernoulli distribution: 1 with probability `probs`, else 0."""

from __future__ import annotations

import numbers

from .._creation import arange
from .._random import bernoulli
from .._size import Size
from .._tensor import Tensor
from ..autograd import no_grad
from ..ops.elementwise import where
from . import constraints
from ._probs_or_logits import BinaryProbsOrLogits, one_of
from .distribution import Distribution
from .utils import EMPTY_SHAPE, broadcast_all, softplus


class Bernoulli(BinaryProbsOrLogits, Distribution):
    """A coin flip that shows 1 with probability `probs` (or sigmoid(`logits`))."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args: bool | None = None) -> None:
        name, given = one_of("Bernoulli", probs, logits)
        (value,) = broadcast_all(given)
        setattr(self, name, value)
        super().__init__(Size() if isinstance(given, numbers.Number) else value.size(), validate_args=validate_args)

    @property
    def param_shape(self) -> Size:
        """The shape of the probs or logits parameter."""
        return self._param.size()

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def mode(self) -> Tensor:
        mode = (self.probs >= 0.5).to(self.probs.dtype)
        return where(self.probs == 0.5, float("nan"), mode)

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=EMPTY_SHAPE) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        with no_grad():
            return bernoulli(self.probs.expand(shape))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -_bce_with_logits(logits, value)

    def entropy(self) -> Tensor:
        return _bce_with_logits(self.logits, self.probs)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = arange(2, dtype=self._param.dtype, device=self._param.device)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values


def _bce_with_logits(logits, target):
    """Binary cross-entropy of `target` under sigmoid(`logits`), elementwise."""
    return softplus(logits) - logits * target
