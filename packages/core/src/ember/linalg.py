"""``ember.linalg``: PyTorch's ``torch.linalg``, over any leading batch dimensions.

The decompositions (det, slogdet, inv, solve, cholesky, eigh, svd, qr, lu_factor) are
primitives with one backward rule each (``ember.ops.decompositions``); the rest is written
with differentiable ember ops (``ember.ops.matrix_functions``, ``ember.ops.factorizations``).
Complex dtypes, and with them eig and eigvals, are not here; lu_factor is ember's own partial-pivoting
loop over the columns, and ldl_factor ember's own Bunch-Kaufman loop (``ember.ops.ldl``).
"""

from __future__ import annotations

from ._tensor import Tensor
from .ops._linalg_errors import LinAlgError
from .ops.decompositions import (
    cholesky,
    det,
    eigh,
    eigvalsh,
    inv,
    lu_factor,
    lu_factor_ex,
    qr,
    solve,
    svd,
    svdvals,
)
from .ops.factorizations import cholesky_ex, householder_product, inv_ex, lu, lu_solve, solve_ex
from .ops.ldl import ldl_factor, ldl_factor_ex, ldl_solve
from .ops.linalg import matmul
from .ops.matrix_functions import (
    cond,
    lstsq,
    matrix_exp,
    matrix_norm,
    matrix_power,
    matrix_rank,
    multi_dot,
    norm,
    pinv,
    slogdet,
    solve_triangular,
    tensorinv,
    tensorsolve,
    vander,
    vecdot,
    vector_norm,
)
from .ops.products import cross as _cross
from .ops.views import diagonal as _diagonal

__all__ = [
    "LinAlgError",
    "cholesky",
    "cholesky_ex",
    "cond",
    "cross",
    "det",
    "diagonal",
    "eigh",
    "eigvalsh",
    "householder_product",
    "inv",
    "inv_ex",
    "ldl_factor",
    "ldl_factor_ex",
    "ldl_solve",
    "lstsq",
    "lu",
    "lu_factor",
    "lu_factor_ex",
    "lu_solve",
    "matmul",
    "matrix_exp",
    "matrix_norm",
    "matrix_power",
    "matrix_rank",
    "multi_dot",
    "norm",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "solve_ex",
    "solve_triangular",
    "svd",
    "svdvals",
    "tensorinv",
    "tensorsolve",
    "vander",
    "vecdot",
    "vector_norm",
]


def diagonal(A, *, offset: int = 0, dim1: int = -2, dim2: int = -1):
    """The diagonals of A's matrices (``ember.diagonal`` with the matrix dims as defaults)."""
    return _diagonal(A, offset, dim1, dim2)


def cross(input: Tensor, other: Tensor, *, dim: int = -1, out: Tensor | None = None) -> Tensor:
    """Cross product of 3-vectors along `dim` (the last by default), broadcasting over the other dims."""
    return _cross(input, other, dim, out=out)
