"""What the distributions parametrised by a real location and a positive scale share."""

from __future__ import annotations

import numbers

from .._tensor import Tensor
from . import constraints
from .distribution import Distribution
from .utils import EMPTY_SHAPE, broadcast_all


class LocationScale(Distribution):
    """A reparametrisable distribution over the reals with a real `loc` and a positive `scale`, broadcast together."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        numbers_only = isinstance(loc, numbers.Number) and isinstance(scale, numbers.Number)
        super().__init__(EMPTY_SHAPE if numbers_only else self.loc.size(), validate_args=validate_args)


class CenteredAtLoc:
    """Mixin (listed first) for a distribution whose mean and mode are both its `loc`."""

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc
