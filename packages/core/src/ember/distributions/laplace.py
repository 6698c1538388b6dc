"""The Laplace (double exponential) distribution."""

from __future__ import annotations

import math

from .._random import rand
from .._tensor import Tensor
from ._location_scale import CenteredAtLoc, LocationScale
from .utils import EMPTY_SHAPE, finfo


class Laplace(CenteredAtLoc, LocationScale):
    """The Laplace distribution with location `loc` and scale `scale`."""

    @property
    def variance(self) -> Tensor:
        return 2 * self.scale.square()

    @property
    def stddev(self) -> Tensor:
        return math.sqrt(2) * self.scale

    def rsample(self, sample_shape=EMPTY_SHAPE) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        eps = float(finfo(self.loc.dtype).eps)
        unit = rand(shape, dtype=self.loc.dtype, device=self.loc.device) * (2 - eps) + (eps - 1)  # in (-1, 1)
        return self.loc - self.scale * unit.sign() * (-unit.abs()).log1p()

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return -(2 * self.scale).log() - (value - self.loc).abs() / self.scale

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 - 0.5 * (value - self.loc).sign() * (-(value - self.loc).abs() / self.scale).expm1()

    def icdf(self, value: Tensor) -> Tensor:
        term = value - 0.5
        return self.loc - self.scale * term.sign() * (-2 * term.abs()).log1p()

    def entropy(self) -> Tensor:
        return 1 + (2 * self.scale).log()
