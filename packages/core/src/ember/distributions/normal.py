"""The normal (Gaussian) distribution."""

from __future__ import annotations

import math

from .._random import normal, randn
from .._tensor import Tensor
from ..autograd import no_grad
from ._location_scale import CenteredAtLoc, LocationScale
from .utils import EMPTY_SHAPE

_HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)


class Normal(CenteredAtLoc, LocationScale):
    """The normal distribution with mean `loc` and standard deviation `scale`."""

    @property
    def stddev(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        return self.scale.square()

    def sample(self, sample_shape=EMPTY_SHAPE) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with no_grad():
            return normal(self.loc.expand(shape), self.scale.expand(shape))

    def rsample(self, sample_shape=EMPTY_SHAPE) -> Tensor:
        shape = self._extended_shape(sample_shape)
        noise = randn(tuple(shape), dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + noise * self.scale

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return -((value - self.loc) ** 2) / (2 * self.scale.square()) - self.scale.log() - _HALF_LOG_TWO_PI

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + ((value - self.loc) / (self.scale * math.sqrt(2))).erf())

    def icdf(self, value: Tensor) -> Tensor:
        return self.loc + self.scale * (2 * value - 1).erfinv() * math.sqrt(2)

    def entropy(self) -> Tensor:
        return 0.5 + _HALF_LOG_TWO_PI + self.scale.log()
