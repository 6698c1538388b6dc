"""What is built on a factorization: the _ex forms, LU and Householder forms, and PyTorch's older ones.

``linalg.inv_ex``, ``cholesky_ex`` and ``solve_ex`` report failures in an info code;
``linalg.lu``, ``lu_solve`` and ``lu_unpack`` work from ``lu_factor``; ``geqrf``,
``householder_product`` and ``ormqr`` from Householder reflectors; and ``torch.svd``,
``torch.qr``, ``torch.cholesky``, ``torch.lu``, ``torch.pinverse`` and their kin are the
older top-level forms of ``torch.linalg``'s functions. All are composed from differentiable ops.
"""

from __future__ import annotations

import math
import warnings

from .. import _dtype as dt
from .._creation import eye, tensor
from .._tensor import Tensor
from ._declare import export
from ._linalg_errors import LinAlgError, check_matrix, first_zero_pivot, matrices_of, not_positive_definite_order
from ._op import Op, call, make
from .decompositions import (
    all_written,
    cholesky,
    factor_of,
    inv,
    inverse_of,
    lu_factor_ex,
    permutation_matrix,
    qr,
    solution_of,
    solve,
    svd,
    svdvals,
    written,
)
from .matrix_functions import pinv, solve_triangular
from .return_types import geqrf as geqrf_result
from .return_types import linalg_cholesky_ex, linalg_inv_ex, linalg_lu, linalg_solve_ex
from .return_types import lu_unpack as lu_unpack_result
from .return_types import qr as qr_result
from .return_types import svd as svd_result
from .return_types import triangular_solve as triangular_solve_result

# --- the _ex forms: results with an info code instead of an error --------------------------------


def _no_failures(A: Tensor) -> Tensor:
    return A.new_zeros(A.shape[:-2], dtype=dt.int32)


def _failures(A: Tensor, find) -> Tensor:
    """int32 codes over A's batch: what find(xp, matrix) reports for each matrix (0 where it succeeds)."""
    codes = [find(A._backend.xp, matrix) for matrix in matrices_of(A)]
    return tensor(codes, dtype=dt.int32, device=A.device).reshape(A.shape[:-2])


def inv_ex(A: Tensor, *, check_errors: bool = False, out=None) -> linalg_inv_ex:
    """(inverse, info): info is 0, or the 1-based zero diagonal element of a singular matrix's LU."""
    try:
        found = linalg_inv_ex(inverse_of(A, "linalg.inv_ex"), _no_failures(A))
    except LinAlgError:
        if check_errors:
            raise
        found = linalg_inv_ex(A.new_full(A.shape, math.nan), _failures(A, first_zero_pivot))
    return all_written(found, out)


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False, out=None) -> linalg_cholesky_ex:
    """(L, info): info is 0, or the order of the first leading minor that is not positive-definite."""
    try:
        found = linalg_cholesky_ex(factor_of(A, upper, "linalg.cholesky_ex"), _no_failures(A))
    except LinAlgError:
        if check_errors:
            raise
        found = linalg_cholesky_ex(A.new_full(A.shape, math.nan), _failures(A, not_positive_definite_order))
    return all_written(found, out)


def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False, out=None) -> linalg_solve_ex:
    """(result, info): info is 0, or nonzero where A is singular."""
    try:
        found = linalg_solve_ex(solution_of(A, B, left, "torch.linalg.solve_ex"), _no_failures(A))
    except LinAlgError:
        if check_errors:
            raise
        like = solve(eye(A.shape[-1], dtype=A.dtype, device=A.device), B.detach(), left=left)  # the result's shape
        found = linalg_solve_ex(like.new_full(like.shape, math.nan), _failures(A, first_zero_pivot))
    return all_written(found, out)


# --- Householder reflectors: geqrf, householder_product, ormqr ----------------------------------------


def _geqrf_kernel(b, a):
    reflectors, tau = b.xp.linalg.qr(a, mode="raw")  # NOTE: LAPACK's geqrf; NumPy gives its matrix transposed
    return b.xp.swapaxes(reflectors, -1, -2).copy(), tau


GEQRF_REFLECTORS = Op("geqrf", lambda b, a: _geqrf_kernel(b, a)[0], node="GeqrfBackward0")
GEQRF_TAU = Op("geqrf", lambda b, a: _geqrf_kernel(b, a)[1], node="GeqrfBackward0")


@export
def geqrf(input: Tensor, *, out=None) -> geqrf_result:
    """(a, tau): LAPACK's QR as Householder reflectors below a's diagonal (R on and above it) and their scales."""
    if input.ndim < 2:
        raise RuntimeError("torch.geqrf: input must have at least 2 dimensions.")
    check_matrix("geqrf", input)
    # NOTE: one kernel call would do; two keep each result an op of its own (neither is differentiable)
    found = geqrf_result(*(call(op, (input,), (input._data,), input) for op in (GEQRF_REFLECTORS, GEQRF_TAU)))
    return all_written(found, out)


def _reflections(A: Tensor, tau: Tensor) -> Tensor:
    """The full m by m product H_1 ... H_k of the reflectors H_i = I - tau_i v_i v_i^T stored below A's diagonal."""
    rows = A.shape[-2]
    count = tau.shape[-1]
    vectors = A[..., :, :count].tril(-1) + eye(rows, count, dtype=A.dtype, device=A.device)
    product = eye(rows, dtype=A.dtype, device=A.device) + A.new_zeros((*A.shape[:-2], rows, rows))
    for i in range(count):
        v = vectors[..., :, i : i + 1]
        product = product - (product @ v) @ v.mT * tau[..., i, None, None]
    return product


def householder_product(A: Tensor, tau: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The first n columns of the product of the Householder reflectors in A's columns scaled by tau (orgqr)."""
    check_matrix("torch.linalg.householder_product", A)
    rows, cols = A.shape[-2:]
    if rows < cols:
        raise RuntimeError(
            "torch.linalg.householder_product: input.shape[-2] must be greater than or equal to input.shape[-1]"
        )
    if cols < tau.shape[-1]:
        raise RuntimeError(
            "torch.linalg.householder_product: input.shape[-1] must be greater than or equal to tau.shape[-1]"
        )
    return written(_reflections(A, tau)[..., :, :cols], out)


export(householder_product, name="orgqr")


@export
def ormqr(input: Tensor, tau: Tensor, other: Tensor, left: bool = True, transpose: bool = False, *, out=None) -> Tensor:
    """other multiplied by the Q of geqrf's (input, tau): Q other, or other Q with left=False (Q^T with transpose)."""
    q = _reflections(input, tau)
    q = q.mT if transpose else q
    return written(q @ other if left else other @ q, out)


# --- PyTorch's older top-level forms ------------------------------------------------------------------


@export
def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """The pseudoinverse (``linalg.pinv`` with rtol=rcond)."""
    return pinv(input, rtol=rcond)


@export(name="svd")
def svd_legacy(input: Tensor, some: bool = True, compute_uv: bool = True, *, out=None) -> svd_result:
    """(U, S, V) with input = U diag(S) V^T (``linalg.svd`` gives Vh = V^T)."""
    if not compute_uv:
        rows, cols = input.shape[-2:]
        batch = tuple(input.shape[:-2])
        s = svdvals(input)
        return all_written(
            svd_result(input.new_zeros((*batch, rows, rows)), s, input.new_zeros((*batch, cols, cols))), out
        )
    u, s, vh = svd(input, full_matrices=not some)
    return all_written(svd_result(u, s, vh.mT), out)


@export(name="qr")
def qr_legacy(input: Tensor, some: bool = True, *, out=None) -> qr_result:
    """(Q, R) with input = Q R (``linalg.qr`` with mode 'reduced', or 'complete' when some=False)."""
    return all_written(qr_result(*qr(input, "reduced" if some else "complete")), out)


@export(name="cholesky")
def cholesky_legacy(input: Tensor, upper: bool = False, *, out: Tensor | None = None) -> Tensor:
    """The Cholesky factor (deprecated in PyTorch: use ``linalg.cholesky``)."""
    warnings.warn(
        "torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a future "
        "PyTorch release; here ember.linalg.cholesky(A) gives the same",
        UserWarning,
        stacklevel=2,
    )
    return cholesky(input, upper=upper, out=out)


@export
def cholesky_solve(B: Tensor, L: Tensor, upper: bool = False, *, out: Tensor | None = None) -> Tensor:
    """The solution X of A X = B, given A's Cholesky factor L (lower, or upper with upper=True)."""
    lower = L.mT if upper else L
    return written(solve(lower.mT, solve(lower, B)), out)


@export
def cholesky_inverse(L: Tensor, upper: bool = False, *, out: Tensor | None = None) -> Tensor:
    """The inverse of A from its Cholesky factor L."""
    lower = L.mT if upper else L
    inverse = inv(lower)
    return written(inverse.mT @ inverse, out)


# --- LU -------------------------------------------------------------------------------------------


def _permutation(LU: Tensor, pivots: Tensor) -> Tensor:
    rows = LU.shape[-2]
    return make(permutation_matrix(LU._backend.xp, pivots._data, rows), LU).to(LU.dtype)


def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True, unpack_pivots: bool = True):
    """(P, L, U) with A = P L U, from lu_factor's (LU, pivots)."""
    rows, cols = LU_data.shape[-2:]
    k = min(rows, cols)
    p = _permutation(LU_data, LU_pivots) if unpack_pivots else LU_data.new_empty((0,))
    if not unpack_data:
        return lu_unpack_result(p, LU_data.new_empty((0,)), LU_data.new_empty((0,)))
    lower = LU_data[..., :, :k].tril(-1) + eye(rows, k, dtype=LU_data.dtype, device=LU_data.device)
    return lu_unpack_result(p, lower, LU_data[..., :k, :].triu())


export(lu_unpack, method=False)


def lu(A: Tensor, *, pivot: bool = True, out=None) -> linalg_lu:
    """(P, L, U) with A = P L U: P a permutation, L unit lower triangular, U upper triangular."""
    factors, pivots, _ = lu_factor_ex(A, pivot=pivot)
    return all_written(linalg_lu(*lu_unpack(factors, pivots)), out)


def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True, adjoint: bool = False, out=None) -> Tensor:
    """The solution X of A X = B (A^T X = B with adjoint, X A = B with left=False) from A's lu_factor."""
    if not left:
        return written(lu_solve(LU, pivots, B.mT, adjoint=not adjoint).mT, out)
    p, lower, upper = lu_unpack(LU, pivots)
    if adjoint:
        inner = solve_triangular(lower.mT, solve_triangular(upper.mT, B, upper=False), upper=True, unitriangular=True)
        return written(p @ inner, out)
    inner = solve_triangular(lower, p.mT @ B, upper=False, unitriangular=True)
    return written(solve_triangular(upper, inner, upper=True), out)


@export(name="lu")
def lu_legacy(A: Tensor, pivot: bool = True, get_infos: bool = False, out=None):
    """(LU, pivots) of lu_factor, with the infos of lu_factor_ex when get_infos=True (deprecated in PyTorch)."""
    warnings.warn(
        "torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex and will be removed "
        "in a future PyTorch release; here ember.linalg.lu_factor(A) gives the same",
        UserWarning,
        stacklevel=2,
    )
    found = tuple(lu_factor_ex(A, pivot=pivot))[: 3 if get_infos else 2]
    return found if out is None else tuple(written(part, into) for part, into in zip(found, out))


@export(name="lu_solve")
def lu_solve_legacy(b: Tensor, LU_data: Tensor, LU_pivots: Tensor, *, out=None) -> Tensor:
    """The solution X of A X = b from A's (LU, pivots) (``linalg.lu_solve`` with b last)."""
    return lu_solve(LU_data, LU_pivots, b, out=out)


@export
def triangular_solve(
    b: Tensor, A: Tensor, upper: bool = True, transpose: bool = False, unitriangular: bool = False, *, out=None
) -> triangular_solve_result:
    """(solution, a copy of A) of A X = b for a triangular A (A^T X = b with transpose)."""
    coefficient = A.mT if transpose else A
    solution = solve_triangular(coefficient, b, upper=upper != transpose, unitriangular=unitriangular)
    return all_written(triangular_solve_result(solution, A.clone()), out)
