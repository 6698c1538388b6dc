"""The half-normal distribution: abs(X) for a centred normal X."""

from __future__ import annotations

import math

from .._creation import zeros_like
from .._tensor import Tensor
from ._folded import Folded
from .normal import Normal


class HalfNormal(Folded):
    """abs(X) for X normal with mean 0 and standard deviation `scale`."""

    def __init__(self, scale, validate_args: bool | None = None) -> None:
        super().__init__(Normal(0, scale, validate_args=False), validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def mode(self) -> Tensor:
        return zeros_like(self.scale)

    @property
    def variance(self) -> Tensor:
        return self.scale.square() * (1 - 2 / math.pi)
