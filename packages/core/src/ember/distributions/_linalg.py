"""The triangular linear algebra the multivariate normal needs, composed of differentiable ember ops.

Each function loops over the n rows or columns of an n x n matrix with batched ops, so
gradients (of any order) come from the parts.
"""

from __future__ import annotations

from .._creation import arange
from .._tensor import Tensor
from ..ops.shape import stack


def cholesky(matrix: Tensor) -> Tensor:
    """The lower Cholesky factor L of a batch of symmetric positive-definite matrices (L @ L.mT == matrix).

    A matrix that is not positive definite gives nan in L. The factor reads the symmetric part
    of `matrix`, so its gradient is symmetric (as PyTorch's).
    """
    matrix = (matrix + matrix.mT) / 2
    n = matrix.shape[-1]
    rows = arange(n, device=matrix.device)
    columns: list[Tensor] = []
    for j in range(n):
        column = matrix[..., :, j]
        if columns:
            done = stack(columns, -1)
            column = column - (done * done[..., j : j + 1, :]).sum(-1)
        pivot = column[..., j : j + 1].sqrt()
        columns.append((column / pivot) * (rows >= j).to(matrix.dtype))
    return stack(columns, -1)


def solve_lower(lower: Tensor, rhs: Tensor) -> Tensor:
    """X with lower @ X == rhs, for lower-triangular `lower` (..., n, n) and `rhs` (..., n, k), batches broadcast."""
    n = lower.shape[-1]
    solved: list[Tensor] = []
    for i in range(n):
        row = rhs[..., i, :]
        if solved:
            row = row - (lower[..., i, :i].unsqueeze(-1) * stack(solved, -2)).sum(-2)
        solved.append(row / lower[..., i, i : i + 1])
    return stack(solved, -2)


def mahalanobis_squared(lower: Tensor, difference: Tensor) -> Tensor:
    """difference @ inverse(lower @ lower.mT) @ difference over the last dim, batches broadcast."""
    return solve_lower(lower, difference.unsqueeze(-1)).square().sum((-2, -1))


def lower_times_vector(lower: Tensor, vector: Tensor) -> Tensor:
    """lower @ vector for batches of matrices and vectors that broadcast."""
    return (lower @ vector.unsqueeze(-1)).squeeze(-1)
