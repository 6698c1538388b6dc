"""The half-normal distribution: |X| for a centred normal X."""

from __future__ import annotations

import math

from .._creation import zeros_like
from .._tensor import Tensor
from ..ops.elementwise import where
from . import constraints
from .distribution import Distribution
from .normal import Normal
from .utils import EMPTY_SHAPE


class HalfNormal(Distribution):
    """|X| for X normal with mean 0 and standard deviation `scale`."""

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, scale, validate_args: bool | None = None) -> None:
        self.base_dist = Normal(0, scale, validate_args=False)
        super().__init__(self.base_dist.batch_shape, validate_args=validate_args)
        if self._validate_args and not constraints.positive.check(self.scale).all():
            Normal(0, scale, validate_args=True)  # NOTE: raises PyTorch's message for the bad scale

    @property
    def scale(self) -> Tensor:
        """The scale parameter."""
        return self.base_dist.scale

    @property
    def mean(self) -> Tensor:
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def mode(self) -> Tensor:
        return zeros_like(self.scale)

    @property
    def variance(self) -> Tensor:
        return self.scale.square() * (1 - 2 / math.pi)

    def rsample(self, sample_shape=EMPTY_SHAPE) -> Tensor:
        return self.base_dist.rsample(sample_shape).abs()

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return where(value >= 0, self.base_dist.log_prob(value) + math.log(2), -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, value: Tensor) -> Tensor:
        return self.base_dist.icdf((value + 1) / 2)

    def entropy(self) -> Tensor:
        return self.base_dist.entropy() - math.log(2)
