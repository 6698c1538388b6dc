"""The Dirichlet distribution over the probability simplex."""

from __future__ import annotations

from .._creation import arange
from .._tensor import Tensor
from ..ops.elementwise import where
from ..ops.more_elementwise import xlogy
from . import constraints
from ._gamma_sampling import standard_gamma
from .distribution import Distribution
from .utils import EMPTY_SHAPE, finfo


class Dirichlet(Distribution):
    """The Dirichlet distribution with concentrations `concentration` along the last dimension.

    ``rsample`` normalises gamma draws, each differentiated by implicit reparameterisation.
    """

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration, validate_args: bool | None = None) -> None:
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        shape = concentration.shape
        super().__init__(shape[:-1], shape[-1:], validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self) -> Tensor:
        above_one = (self.concentration - 1).clamp(min=0)
        mode = above_one / above_one.sum(-1, keepdim=True)
        all_below_one = (self.concentration < 1).all(-1, keepdim=True)
        largest = self.concentration.argmax(-1, keepdim=True)
        one_hot = (largest == arange(self.concentration.shape[-1], device=largest.device)).to(mode.dtype)
        return where(all_below_one, one_hot, mode)

    @property
    def variance(self) -> Tensor:
        total = self.concentration.sum(-1, keepdim=True)
        return self.concentration * (total - self.concentration) / (total.square() * (total + 1))

    def rsample(self, sample_shape=EMPTY_SHAPE) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        draws = standard_gamma(self.concentration.expand(shape))
        tiny = float(finfo(draws.dtype).tiny)
        return (draws / draws.sum(-1, keepdim=True)).clamp(min=tiny, max=1 - float(finfo(draws.dtype).eps))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        c = self.concentration
        return xlogy(c - 1.0, value).sum(-1) + c.sum(-1).lgamma() - c.lgamma().sum(-1)

    def entropy(self) -> Tensor:
        c = self.concentration
        k = c.shape[-1]
        total = c.sum(-1)
        return c.lgamma().sum(-1) - total.lgamma() - (k - total) * total.digamma() - ((c - 1.0) * c.digamma()).sum(-1)
