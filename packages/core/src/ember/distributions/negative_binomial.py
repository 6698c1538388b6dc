"""The negative binomial distribution: failures before `total_count` successes."""

from __future__ import annotations

from .._tensor import Tensor
from ..autograd import no_grad
from ..ops.elementwise import where
from . import constraints
from ._probs_or_logits import BinaryProbsOrLogits, one_of
from .distribution import Distribution
from .gamma import Gamma
from .poisson import Poisson
from .utils import EMPTY_SHAPE, broadcast_all, softplus


class NegativeBinomial(BinaryProbsOrLogits, Distribution):
    """The number of successes, each of probability `probs` (or sigmoid(`logits`)), before `total_count` failures."""

    arg_constraints = {
        "total_count": constraints.greater_than_eq(0),
        "probs": constraints.half_open_interval(0.0, 1.0),
        "logits": constraints.real,
    }
    support = constraints.nonnegative_integer

    def __init__(self, total_count, probs=None, logits=None, validate_args: bool | None = None) -> None:
        name, given = one_of("NegativeBinomial", probs, logits)
        self.total_count, value = broadcast_all(total_count, given)
        self.total_count = self.total_count.type_as(value)
        setattr(self, name, value)
        super().__init__(value.size(), validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.total_count * self.logits.exp()

    @property
    def mode(self) -> Tensor:
        return ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0.0)

    @property
    def variance(self) -> Tensor:
        return self.mean / (-self.logits).sigmoid()

    def sample(self, sample_shape=EMPTY_SHAPE) -> Tensor:
        """Poisson counts at gamma-distributed rates (the negative binomial as a gamma-Poisson mixture)."""
        with no_grad():
            rates = Gamma(self.total_count, (-self.logits).exp(), validate_args=False).sample(sample_shape)
            return Poisson(rates, validate_args=False).sample()

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        n, logits = self.total_count, self.logits
        unnormalised = -n * softplus(logits) - value * softplus(-logits)
        normaliser = -(n + value).lgamma() + (1.0 + value).lgamma() + n.lgamma()
        return unnormalised - where(n + value == 0.0, 0.0, normaliser)
