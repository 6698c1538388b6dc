"""The Poisson distribution."""

from __future__ import annotations

import numbers

from .._random import poisson
from .._size import Size
from .._tensor import Tensor
from ..autograd import no_grad
from ..ops.more_elementwise import xlogy
from . import constraints
from .distribution import Distribution
from .utils import EMPTY_SHAPE, broadcast_all


class Poisson(Distribution):
    """The number of events in unit time at rate `rate`."""

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate)
        super().__init__(Size() if isinstance(rate, numbers.Number) else self.rate.size(), validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.rate

    @property
    def mode(self) -> Tensor:
        return self.rate.floor()

    @property
    def variance(self) -> Tensor:
        return self.rate

    def sample(self, sample_shape=EMPTY_SHAPE) -> Tensor:
        """Counts of exponential inter-arrival times within unit time (one pass per expected event)."""
        shape = tuple(self._extended_shape(sample_shape))
        with no_grad():
            return poisson(self.rate.detach().expand(shape))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return xlogy(value, rate) - rate - (value + 1).lgamma()
