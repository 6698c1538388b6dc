"""The log-normal distribution: exp of a normal variable."""

from __future__ import annotations

from .._tensor import Tensor
from . import constraints
from .distribution import Distribution
from .normal import Normal
from .utils import EMPTY_SHAPE


class LogNormal(Distribution):
    """exp(X) for X normal with mean `loc` and standard deviation `scale`."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, loc, scale, validate_args: bool | None = None) -> None:
        self.base_dist = Normal(loc, scale, validate_args=validate_args)
        super().__init__(self.base_dist.batch_shape, validate_args=validate_args)

    @property
    def loc(self) -> Tensor:
        """The location parameter (of the underlying normal)."""
        return self.base_dist.loc

    @property
    def scale(self) -> Tensor:
        """The scale parameter."""
        return self.base_dist.scale

    @property
    def mean(self) -> Tensor:
        return (self.loc + self.scale.square() / 2).exp()

    @property
    def mode(self) -> Tensor:
        return (self.loc - self.scale.square()).exp()

    @property
    def variance(self) -> Tensor:
        square = self.scale.square()
        return square.expm1() * (2 * self.loc + square).exp()

    def rsample(self, sample_shape=EMPTY_SHAPE) -> Tensor:
        return self.base_dist.rsample(sample_shape).exp()

    def sample(self, sample_shape=EMPTY_SHAPE) -> Tensor:
        return self.base_dist.sample(sample_shape).exp()

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        log_value = value.log()
        return self.base_dist.log_prob(log_value) - log_value

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return self.base_dist.cdf(value.log())

    def icdf(self, value: Tensor) -> Tensor:
        return self.base_dist.icdf(value).exp()

    def entropy(self) -> Tensor:
        return self.base_dist.entropy() + self.loc
