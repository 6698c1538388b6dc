"""The Fisher-Snedecor (F) distribution."""

from __future__ import annotations

import math

from .._tensor import Tensor
from ..ops.elementwise import where
from . import constraints
from .distribution import Distribution
from .gamma import Gamma
from .utils import EMPTY_SHAPE, broadcast_all, finfo


class FisherSnedecor(Distribution):
    """The ratio of two scaled chi-squared variables, with `df1` and `df2` degrees of freedom."""

    arg_constraints = {"df1": constraints.positive, "df2": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, df1, df2, validate_args: bool | None = None) -> None:
        self.df1, self.df2 = broadcast_all(df1, df2)
        self._gamma1 = Gamma(self.df1 * 0.5, self.df1)
        self._gamma2 = Gamma(self.df2 * 0.5, self.df2)
        super().__init__(self.df1.size(), validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        df2 = self.df2
        return where(df2 > 2, df2 / where(df2 > 2, df2 - 2, 1.0), math.nan)

    @property
    def mode(self) -> Tensor:
        df1, df2 = self.df1, self.df2
        return where(df1 > 2, (df1 - 2) / df1 * df2 / (df2 + 2), math.nan)

    @property
    def variance(self) -> Tensor:
        df1, df2 = self.df1, self.df2
        safe = where(df2 > 4, df2, 5.0)
        value = 2 * safe.square() * (df1 + safe - 2) / (df1 * (safe - 2).square() * (safe - 4))
        return where(df2 > 4, value, math.nan)

    def rsample(self, sample_shape=EMPTY_SHAPE) -> Tensor:
        tiny = float(finfo(self.df1.dtype).tiny)
        numerator = self._gamma1.rsample(sample_shape)
        denominator = self._gamma2.rsample(sample_shape).clamp(min=tiny)
        return (numerator / denominator).clamp(min=tiny)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        half1, half2 = self.df1 * 0.5, self.df2 * 0.5
        ratio = self.df1 / self.df2
        normaliser = (half1 + half2).lgamma() - half1.lgamma() - half2.lgamma()
        return normaliser + half1 * ratio.log() + (half1 - 1) * value.log() - (half1 + half2) * (ratio * value).log1p()
