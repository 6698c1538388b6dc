"""The gamma distribution."""

from __future__ import annotations

import numbers

from .._size import Size
from .._tensor import Tensor
from ..ops.more_elementwise import xlogy
from . import constraints
from ._gamma_sampling import standard_gamma
from .distribution import Distribution
from .utils import EMPTY_SHAPE, broadcast_all


class Gamma(Distribution):
    """The gamma distribution with shape `concentration` and inverse scale `rate`.

    ``rsample`` differentiates through the draw by implicit reparameterisation.
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, concentration, rate, validate_args: bool | None = None) -> None:
        self.concentration, self.rate = broadcast_all(concentration, rate)
        numbers_only = isinstance(concentration, numbers.Number) and isinstance(rate, numbers.Number)
        super().__init__(Size() if numbers_only else self.concentration.size(), validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> Tensor:
        return self.concentration / self.rate.square()

    def rsample(self, sample_shape=EMPTY_SHAPE) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        return standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        concentration, rate = self.concentration, self.rate
        return xlogy(concentration, rate) + xlogy(concentration - 1, value) - rate * value - concentration.lgamma()

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return self.concentration.igamma(self.rate * value)

    def entropy(self) -> Tensor:
        concentration = self.concentration
        return (
            concentration - self.rate.log() + concentration.lgamma() + (1.0 - concentration) * concentration.digamma()
        )
