"""The multivariate normal distribution."""

from __future__ import annotations

import math

from .._creation import eye
from .._random import randn
from .._tensor import Tensor
from ..ops.shape import broadcast_shapes
from . import constraints
from ._linalg import cholesky, lower_times_vector, mahalanobis_squared, solve_lower
from ._location_scale import CenteredAtLoc
from .distribution import Distribution
from .utils import EMPTY_SHAPE, lazy_property

_LOG_TWO_PI = math.log(2 * math.pi)


class MultivariateNormal(CenteredAtLoc, Distribution):
    """The normal distribution of vectors with mean `loc` and exactly one of `covariance_matrix`,
    `precision_matrix` or `scale_tril` (the lower Cholesky factor of the covariance)."""

    arg_constraints = {
        "loc": constraints.real_vector,
        "covariance_matrix": constraints.positive_definite,
        "precision_matrix": constraints.positive_definite,
        "scale_tril": constraints.lower_cholesky,
    }
    support = constraints.real_vector
    has_rsample = True

    def __init__(
        self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args: bool | None = None
    ) -> None:
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        given = [m for m in (covariance_matrix, precision_matrix, scale_tril) if m is not None]
        if len(given) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.")
        (matrix,) = given
        if matrix.dim() < 2:
            which = (
                "scale_tril"
                if scale_tril is not None
                else "covariance_matrix"
                if covariance_matrix is not None
                else "precision_matrix"
            )
            raise ValueError(f"{which} matrix must be at least two-dimensional, with optional leading batch dimensions")
        batch_shape = broadcast_shapes(tuple(matrix.shape[:-2]), tuple(loc.shape[:-1]))
        square = tuple(batch_shape) + (-1, -1)
        if scale_tril is not None:
            self.scale_tril = scale_tril.expand(square)
        elif covariance_matrix is not None:
            self.covariance_matrix = covariance_matrix.expand(square)
        else:
            self.precision_matrix = precision_matrix.expand(square)
        self.loc = loc.expand(tuple(batch_shape) + (-1,))
        super().__init__(batch_shape, loc.shape[-1:], validate_args=validate_args)
        if scale_tril is not None:
            self._unbroadcasted_scale_tril = scale_tril
        elif covariance_matrix is not None:
            self._unbroadcasted_scale_tril = cholesky(covariance_matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(precision_matrix)

    def expand(self, batch_shape, _instance=None) -> MultivariateNormal:
        new = super().expand(batch_shape, _instance)
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril  # NOTE: kept unbroadcast, as it was
        return new

    @lazy_property
    def scale_tril(self) -> Tensor:
        """The lower Cholesky factor of the covariance matrix, broadcast to the batch shape."""
        return self._unbroadcasted_scale_tril.expand(tuple(self._batch_shape) + tuple(self._event_shape) * 2)

    @lazy_property
    def covariance_matrix(self) -> Tensor:
        """The covariance matrix, broadcast to the batch shape."""
        lower = self._unbroadcasted_scale_tril
        return (lower @ lower.mT).expand(tuple(self._batch_shape) + tuple(self._event_shape) * 2)

    @lazy_property
    def precision_matrix(self) -> Tensor:
        """The inverse of the covariance matrix, broadcast to the batch shape."""
        lower = self._unbroadcasted_scale_tril
        identity = eye(lower.shape[-1], dtype=lower.dtype, device=lower.device)
        inverse = solve_lower(lower, identity)
        return (inverse.mT @ inverse).expand(tuple(self._batch_shape) + tuple(self._event_shape) * 2)

    @property
    def variance(self) -> Tensor:
        return (
            self._unbroadcasted_scale_tril.square().sum(-1).expand(tuple(self._batch_shape) + tuple(self._event_shape))
        )

    def rsample(self, sample_shape=EMPTY_SHAPE) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        noise = randn(shape, dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + lower_times_vector(self._unbroadcasted_scale_tril, noise)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        distance = mahalanobis_squared(self._unbroadcasted_scale_tril, value - self.loc)
        return -0.5 * (self._event_shape[0] * _LOG_TWO_PI + distance) - _half_log_det(self._unbroadcasted_scale_tril)

    def entropy(self) -> Tensor:
        entropy = 0.5 * self._event_shape[0] * (1.0 + _LOG_TWO_PI) + _half_log_det(self._unbroadcasted_scale_tril)
        return entropy if len(self._batch_shape) == 0 else entropy.expand(tuple(self._batch_shape))


def _half_log_det(lower):
    """log det(lower @ lower.mT) / 2 for a lower Cholesky factor."""
    return lower.diagonal(dim1=-2, dim2=-1).log().sum(-1)


def _precision_to_scale_tril(precision):
    """The lower Cholesky factor of inverse(precision), without inverting a full matrix.

    With J the reversal, flip(P) = Lf Lf^T gives P = U U^T for the upper-triangular U = J Lf J,
    so inverse(P) = (U^-T)(U^-T)^T with U^-T lower triangular.
    """
    upper = cholesky(precision.flip((-2, -1))).flip((-2, -1))
    identity = eye(precision.shape[-1], dtype=precision.dtype, device=precision.device)
    return solve_lower(upper.mT, identity)
