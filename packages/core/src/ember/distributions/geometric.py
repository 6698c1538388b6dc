"""The geometric distribution: failures before the first success."""

from __future__ import annotations

import numbers

from .._creation import zeros_like
from .._random import rand
from .._tensor import Tensor
from ..autograd import no_grad
from ..ops.elementwise import where
from . import constraints
from ._probs_or_logits import BinaryProbsOrLogits, one_of
from .distribution import Distribution
from .utils import EMPTY_SHAPE, broadcast_all, finfo, softplus


class Geometric(BinaryProbsOrLogits, Distribution):
    """The number of failures before the first success in trials of success probability `probs` (or sigmoid(`logits`))."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs=None, logits=None, validate_args: bool | None = None) -> None:
        name, given = one_of("Geometric", probs, logits)
        (value,) = broadcast_all(given)
        setattr(self, name, value)
        batch_shape = EMPTY_SHAPE if isinstance(given, numbers.Number) else value.size()
        super().__init__(batch_shape, validate_args=validate_args)
        if self._validate_args and name == "probs" and not (value > 0).all():
            raise ValueError(
                f"Expected parameter probs ({type(value).__name__} of shape {tuple(value.shape)}) of distribution "
                f"{self!r} to be positive but found invalid values:\n{value}"
            )

    @property
    def mean(self) -> Tensor:
        return 1.0 / self.probs - 1.0

    @property
    def mode(self) -> Tensor:
        return zeros_like(self.probs)

    @property
    def variance(self) -> Tensor:
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape=EMPTY_SHAPE) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        with no_grad():
            unit = rand(shape, dtype=self.probs.dtype, device=self.probs.device)
            unit = unit.clamp(min=float(finfo(self.probs.dtype).tiny))
            return (unit.log() / (-self.probs).log1p()).floor()

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        value, probs = broadcast_all(value, self.probs)
        failures = where((probs == 1) & (value == 0), 0.0, value * (-probs).log1p())
        return failures + self.probs.log()

    def entropy(self) -> Tensor:
        return (softplus(self.logits) - self.logits * self.probs) / self.probs
