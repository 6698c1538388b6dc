"""The Gumbel (type I extreme value) distribution."""

from __future__ import annotations

import math

from .._random import rand
from .._tensor import Tensor
from ._location_scale import LocationScale
from .utils import EMPTY_SHAPE, finfo

_EULER_GAMMA = 0.57721566490153286060


class Gumbel(LocationScale):
    """The Gumbel distribution with location `loc` and scale `scale`."""

    @property
    def mean(self) -> Tensor:
        return self.loc + self.scale * _EULER_GAMMA

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def stddev(self) -> Tensor:
        return (math.pi / math.sqrt(6)) * self.scale

    @property
    def variance(self) -> Tensor:
        return self.stddev.square()

    def rsample(self, sample_shape=EMPTY_SHAPE) -> Tensor:
        info = finfo(self.loc.dtype)
        unit = rand(tuple(self._extended_shape(sample_shape)), dtype=self.loc.dtype, device=self.loc.device)
        unit = unit.clamp(min=float(info.tiny), max=1 - float(info.eps))
        return self.loc - self.scale * (-unit.log()).log()

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        return -(self.scale.log() + z + (-z).exp())

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return (-(-(value - self.loc) / self.scale).exp()).exp()

    def icdf(self, value: Tensor) -> Tensor:
        return self.loc - self.scale * (-value.log()).log()

    def entropy(self) -> Tensor:
        return self.scale.log() + (1 + _EULER_GAMMA)
