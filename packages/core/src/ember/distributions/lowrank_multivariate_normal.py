"""The multivariate normal with a low-rank plus diagonal covariance, cov_factor @ cov_factor.mT + diag(cov_diag)."""

from __future__ import annotations

import math

from .._creation import eye
from .._random import randn
from .._tensor import Tensor
from ..ops.shape import broadcast_tensors
from . import constraints
from ._linalg import cholesky, lower_times_vector, mahalanobis_squared, solve_lower
from ._location_scale import CenteredAtLoc
from .distribution import Distribution
from .utils import EMPTY_SHAPE, lazy_property

_LOG_TWO_PI = math.log(2 * math.pi)


class LowRankMultivariateNormal(CenteredAtLoc, Distribution):
    """The normal distribution of vectors with mean `loc` and covariance W @ W.mT + diag(D), for W = `cov_factor`
    (n x m, m small) and D = `cov_diag`; densities cost O(n m^2) through the m x m capacitance matrix."""

    arg_constraints = {
        "loc": constraints.real_vector,
        "cov_factor": constraints.independent(constraints.real, 2),
        "cov_diag": constraints.independent(constraints.positive, 1),
    }
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, cov_factor, cov_diag, validate_args: bool | None = None) -> None:
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        event_shape = tuple(loc.shape[-1:])
        if cov_factor.dim() < 2:
            raise ValueError("cov_factor must be at least two-dimensional, with optional leading batch dimensions")
        if tuple(cov_factor.shape[-2:-1]) != event_shape:
            raise ValueError(f"cov_factor must be a batch of matrices with shape {event_shape[0]} x m")
        if tuple(cov_diag.shape[-1:]) != event_shape:
            raise ValueError(f"cov_diag must be a batch of vectors with shape {event_shape}")
        try:
            loc_, self.cov_factor, cov_diag_ = broadcast_tensors(loc.unsqueeze(-1), cov_factor, cov_diag.unsqueeze(-1))
        except RuntimeError as error:
            raise ValueError(
                f"Incompatible batch shapes: loc {tuple(loc.shape)}, cov_factor {tuple(cov_factor.shape)}, "
                f"cov_diag {tuple(cov_diag.shape)}"
            ) from error
        self.loc = loc_[..., 0]
        self.cov_diag = cov_diag_[..., 0]
        super().__init__(tuple(self.loc.shape[:-1]), event_shape, validate_args=validate_args)
        self._unbroadcasted_cov_factor = cov_factor
        self._unbroadcasted_cov_diag = cov_diag
        self._capacitance_tril = _capacitance_tril(cov_factor, cov_diag)

    def expand(self, batch_shape, _instance=None) -> LowRankMultivariateNormal:
        new = super().expand(batch_shape, _instance)
        for name in ("_unbroadcasted_cov_factor", "_unbroadcasted_cov_diag", "_capacitance_tril"):
            new.__dict__[name] = self.__dict__[name]  # NOTE: kept unbroadcast, as they were
        return new

    def _full_shape(self, *event_dims: int) -> tuple:
        return tuple(self._batch_shape) + tuple(self._event_shape) * len(event_dims)

    @lazy_property
    def variance(self) -> Tensor:
        """The diagonal of the covariance, broadcast to the batch shape."""
        factor, diag = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        return (factor.square().sum(-1) + diag).expand(self._full_shape(1))

    @lazy_property
    def scale_tril(self) -> Tensor:
        """The lower Cholesky factor of the covariance matrix, broadcast to the batch shape."""
        root = self._unbroadcasted_cov_diag.sqrt().unsqueeze(-1)
        scaled = self._unbroadcasted_cov_factor / root
        inner = scaled @ scaled.mT + eye(scaled.shape[-2], dtype=scaled.dtype, device=scaled.device)
        return (root * cholesky(inner)).expand(self._full_shape(1, 1))

    @lazy_property
    def covariance_matrix(self) -> Tensor:
        """The covariance matrix, broadcast to the batch shape."""
        factor = self._unbroadcasted_cov_factor
        return (factor @ factor.mT + self._unbroadcasted_cov_diag.diag_embed()).expand(self._full_shape(1, 1))

    @lazy_property
    def precision_matrix(self) -> Tensor:
        """The inverse of the covariance matrix (by the Woodbury identity), broadcast to the batch shape."""
        factor, diag = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        scaled = solve_lower(self._capacitance_tril, factor.mT / diag.unsqueeze(-2))
        precision = diag.reciprocal().diag_embed() - scaled.mT @ scaled
        return precision.expand(self._full_shape(1, 1))

    def rsample(self, sample_shape=EMPTY_SHAPE) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        factor = self._unbroadcasted_cov_factor
        low_rank = randn(shape[:-1] + tuple(factor.shape[-1:]), dtype=self.loc.dtype, device=self.loc.device)
        diagonal = randn(shape, dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + lower_times_vector(factor, low_rank) + self._unbroadcasted_cov_diag.sqrt() * diagonal

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        difference = value - self.loc
        distance = _lowrank_mahalanobis(
            self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag, difference, self._capacitance_tril
        )
        return -0.5 * (self._event_shape[0] * _LOG_TWO_PI + self._log_det() + distance)

    def entropy(self) -> Tensor:
        entropy = 0.5 * (self._event_shape[0] * (1.0 + _LOG_TWO_PI) + self._log_det())
        return entropy if len(self._batch_shape) == 0 else entropy.expand(tuple(self._batch_shape))

    def _log_det(self) -> Tensor:
        """log det(W W^T + D) = 2 log det(capacitance factor) + log det(D)."""
        capacitance = self._capacitance_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        return 2 * capacitance + self._unbroadcasted_cov_diag.log().sum(-1)


def _capacitance_tril(factor: Tensor, diag: Tensor) -> Tensor:
    """The Cholesky factor of I + W^T D^-1 W (m x m)."""
    rank = factor.shape[-1]
    inner = (factor.mT / diag.unsqueeze(-2)) @ factor
    return cholesky(inner + eye(rank, dtype=factor.dtype, device=factor.device))


def _lowrank_mahalanobis(factor: Tensor, diag: Tensor, x: Tensor, capacitance_tril: Tensor) -> Tensor:
    """x^T (W W^T + D)^-1 x by the Woodbury identity."""
    projected = lower_times_vector(factor.mT / diag.unsqueeze(-2), x)
    return (x.square() / diag).sum(-1) - mahalanobis_squared(capacitance_tril, projected)
