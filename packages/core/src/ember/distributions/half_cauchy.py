"""The half-Cauchy distribution: abs(X) for a centred Cauchy X."""

from __future__ import annotations

import math

from .._creation import full, zeros_like
from .._tensor import Tensor
from ._folded import Folded
from .cauchy import Cauchy


class HalfCauchy(Folded):
    """abs(X) for X Cauchy with median 0 and scale `scale`."""

    def __init__(self, scale, validate_args: bool | None = None) -> None:
        super().__init__(Cauchy(0, scale, validate_args=False), validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return full(tuple(self._extended_shape()), math.inf, dtype=self.scale.dtype, device=self.scale.device)

    @property
    def mode(self) -> Tensor:
        return zeros_like(self.scale)

    @property
    def variance(self) -> Tensor:
        return self.base_dist.variance
