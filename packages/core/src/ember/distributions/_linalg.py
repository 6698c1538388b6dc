"""The triangular linear algebra the multivariate normals need, on ember.linalg."""

from __future__ import annotations

from .._tensor import Tensor
from ..ops.decompositions import cholesky
from ..ops.factorizations import cholesky_ex
from ..ops.matrix_functions import solve_triangular

__all__ = ["cholesky", "cholesky_ex", "lower_times_vector", "mahalanobis_squared", "solve_lower"]


def solve_lower(lower: Tensor, rhs: Tensor) -> Tensor:
    """X with lower @ X == rhs, for lower-triangular `lower` (..., n, n) and `rhs` (..., n, k), batches broadcast."""
    return solve_triangular(lower, rhs, upper=False)


def mahalanobis_squared(lower: Tensor, difference: Tensor) -> Tensor:
    """difference @ inverse(lower @ lower.mT) @ difference over the last dim, batches broadcast."""
    return solve_lower(lower, difference.unsqueeze(-1)).square().sum((-2, -1))


def lower_times_vector(lower: Tensor, vector: Tensor) -> Tensor:
    """lower @ vector for batches of matrices and vectors that broadcast."""
    return (lower @ vector.unsqueeze(-1)).squeeze(-1)
