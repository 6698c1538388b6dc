"""LDL factorization of symmetric (possibly indefinite) matrices: ldl_factor, ldl_factor_ex, ldl_solve.

A = P L D Lᵀ Pᵀ with Bunch-Kaufman diagonal pivoting (1 by 1 and 2 by 2 blocks in D), read from A's
lower triangle, in LAPACK's compact form (``sytrf`` with ``uplo='L'``): L below the diagonal, D's blocks on
and just below it, and 1-based pivots, negative on both rows of a 2 by 2 block. As in PyTorch, none of the
three is differentiable. The loops work on the backend's arrays, one matrix at a time. ember's matrices
are real, so ``hermitian=True`` (conjugate symmetry) factors them as ``hermitian=False`` does.
"""

from __future__ import annotations

import math

from .. import _dtype as dt
from .._tensor import Tensor
from .._writes import write_out
from ._linalg_errors import batch_prefix, check_matrix, first_failure
from ._op import make
from .decompositions import all_written
from .return_types import linalg_ldl_factor, linalg_ldl_factor_ex

_ALPHA = (1 + math.sqrt(17)) / 8  # Bunch-Kaufman's threshold: bounds the growth of L's elements


def _swap(xp, a, first, second) -> None:
    """Exchange two equally shaped parts of `a` (index tuples)."""
    held = a[first].copy()
    a[first] = a[second]
    a[second] = held


def _choose_pivot(xp, a, k: int, n: int) -> tuple[int, int]:
    """(kp, step): the row to exchange with (k, or k + 1 for a 2 by 2 block) and the block's size."""
    diagonal = abs(float(a[k, k]))
    column = xp.abs(a[k + 1 :, k])
    imax = k + 1 + int(xp.argmax(column)) if column.size else k
    colmax = float(column.max()) if column.size else 0.0
    if max(diagonal, colmax) == 0 or diagonal >= _ALPHA * colmax:
        return k, 1
    rowmax = float(xp.abs(a[imax, k:imax]).max())
    if imax < n - 1:
        rowmax = max(rowmax, float(xp.abs(a[imax + 1 :, imax]).max()))
    if diagonal * rowmax >= _ALPHA * colmax * colmax:
        return k, 1
    if abs(float(a[imax, imax])) >= _ALPHA * rowmax:
        return imax, 1
    return imax, 2


def _factor_matrix(xp, a) -> tuple[list[int], int]:
    """Factor one n by n matrix in place (its lower triangle); its 1-based pivots and LAPACK's info."""
    n = a.shape[0]
    pivots, info, k = [0] * n, 0, 0
    while k < n:
        kp, step = _choose_pivot(xp, a, k, n)
        if step == 1 and float(a[k, k]) == 0 and kp == k:
            info = info or k + 1  # a zero column: D[k, k] is zero, and the factorization goes on
        kk = k + step - 1
        if kp != kk:  # exchange rows and columns kk and kp of the trailing matrix (its lower triangle)
            _swap(xp, a, (slice(kp + 1, None), kk), (slice(kp + 1, None), kp))
            _swap(xp, a, (slice(kk + 1, kp), kk), (kp, slice(kk + 1, kp)))
            _swap(xp, a, (kk, kk), (kp, kp))
            if step == 2:
                _swap(xp, a, (k + 1, k), (kp, k))
        if step == 1:
            if k < n - 1 and float(a[k, k]) != 0:
                column = a[k + 1 :, k] / a[k, k]
                a[k + 1 :, k + 1 :] -= column[:, None] * a[k + 1 :, k][None, :]
                a[k + 1 :, k] = column
            pivots[k] = kp + 1
        else:
            if k < n - 2:
                d21 = a[k + 1, k]
                d11, d22 = a[k + 1, k + 1] / d21, a[k, k] / d21
                scale = 1 / (d11 * d22 - 1) / d21
                first, second = a[k + 2 :, k].copy(), a[k + 2 :, k + 1].copy()
                wk = scale * (d11 * first - second)
                wk1 = scale * (d22 * second - first)
                a[k + 2 :, k + 2 :] -= first[:, None] * wk[None, :] + second[:, None] * wk1[None, :]
                a[k + 2 :, k], a[k + 2 :, k + 1] = wk, wk1
            pivots[k] = pivots[k + 1] = -(kp + 1)
        k += step
    return pivots, info


def _factored(A: Tensor) -> linalg_ldl_factor_ex:
    check_matrix("torch.linalg.ldl_factor_ex", A, square=True)  # NOTE: as PyTorch names it for both
    xp = A._backend.xp
    n = A.shape[-1]
    shape = tuple(A.shape[:-2])
    work = A.detach()._data.copy().reshape((math.prod(shape), n, n))
    pivots, infos = [], []
    for matrix in work:
        found, info = _factor_matrix(xp, matrix)
        pivots.append(found)
        infos.append(info)
    factors = xp.tril(work).reshape(A._data.shape)
    pivot_array = xp.asarray(pivots, dtype=dt.int32.numpy).reshape(shape + (n,))
    info_array = xp.asarray(infos, dtype=dt.int32.numpy).reshape(shape)
    return linalg_ldl_factor_ex(make(factors, A), make(pivot_array, A), make(info_array, A))


def _refuse_singular(name: str, A: Tensor, info: Tensor) -> None:
    failure = first_failure(info)
    if failure is not None:
        index, position = failure
        raise RuntimeError(
            f"{name}: {batch_prefix(A, index)}D[{position}, {position}] of the factorization is zero, so the "
            "matrix is singular and ldl_solve would divide by zero. To factor it anyway, call "
            "linalg.ldl_factor_ex(A) and check its info"
        )


def ldl_factor(A: Tensor, *, hermitian: bool = False, out=None) -> linalg_ldl_factor:
    """(LD, pivots): the compact LDL factorization of symmetric A, as LAPACK's sytrf gives it."""
    found = _factored(A)
    _refuse_singular("torch.linalg.ldl_factor", A, found.info)
    return all_written(linalg_ldl_factor(found.LD, found.pivots), out)


def ldl_factor_ex(A: Tensor, *, hermitian: bool = False, check_errors: bool = False, out=None) -> linalg_ldl_factor_ex:
    """(LD, pivots, info): info is 0, or the 1-based index of D's first zero diagonal element."""
    found = _factored(A)
    if check_errors:
        _refuse_singular("torch.linalg.ldl_factor_ex", A, found.info)
    return all_written(found, out)


def _solve_matrix(xp, a, pivots: list[int], b) -> None:
    """Overwrite b (n by k) with the solution of A X = b, given one matrix's LD and pivots."""
    n = a.shape[0]
    k = 0
    while k < n:  # solve L D Y = Pᵀ b
        if pivots[k] > 0:
            _swap(xp, b, k, pivots[k] - 1)
            b[k + 1 :] -= a[k + 1 :, k][:, None] * b[k][None, :]
            b[k] /= a[k, k]
            k += 1
            continue
        _swap(xp, b, k + 1, -pivots[k] - 1)
        b[k + 2 :] -= a[k + 2 :, k][:, None] * b[k][None, :] + a[k + 2 :, k + 1][:, None] * b[k + 1][None, :]
        off = a[k + 1, k]
        first, second = a[k, k] / off, a[k + 1, k + 1] / off
        denominator = first * second - 1
        top, bottom = b[k] / off, b[k + 1] / off
        b[k], b[k + 1] = (second * top - bottom) / denominator, (first * bottom - top) / denominator
        k += 2
    k = n - 1
    while k >= 0:  # solve Lᵀ P X = Y
        b[k] -= a[k + 1 :, k] @ b[k + 1 :]
        if pivots[k] > 0:
            _swap(xp, b, k, pivots[k] - 1)
            k -= 1
            continue
        b[k - 1] -= a[k + 1 :, k - 1] @ b[k + 1 :]
        _swap(xp, b, k, -pivots[k] - 1)
        k -= 2


def ldl_solve(LD: Tensor, pivots: Tensor, B: Tensor, *, hermitian: bool = False, out=None) -> Tensor:
    """The X with A X = B, from ldl_factor's (LD, pivots) of A (batched, broadcasting the batch dims)."""
    check_matrix("torch.linalg.ldl_solve", LD, square=True)
    if B.ndim < 2:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [-{max(B.ndim, 1)}, {max(B.ndim, 1) - 1}], but got -2)"
        )
    if B.dtype is not LD.dtype:
        raise RuntimeError(
            f"Expected b and A to have the same dtype, but found b of type {dt.scalar_type_name(B.dtype)} and A "
            f"of type {dt.scalar_type_name(LD.dtype)} instead."
        )
    n = LD.shape[-1]
    if B.shape[-2] != n:
        raise RuntimeError(
            f"Incompatible matrix sizes for torch.linalg.ldl_solve: each A matrix is {n} by {n} but each b matrix "
            f"is {B.shape[-2]} by {B.shape[-1]}"
        )
    batch = _broadcast(LD.shape[:-2], B.shape[:-2])
    xp = LD._backend.xp
    count = math.prod(batch)
    factors = xp.broadcast_to(LD.detach()._data, tuple(batch) + (n, n)).reshape((count, n, n))
    swaps = pivots.detach().expand(*batch, n).reshape(count, n).tolist()
    solutions = xp.broadcast_to(B.detach()._data, tuple(batch) + tuple(B.shape[-2:])).reshape((count, n, B.shape[-1]))
    solutions = solutions.copy()
    for a, found, b in zip(factors, swaps, solutions):
        _solve_matrix(xp, a, found, b)
    result = make(solutions.reshape(tuple(batch) + tuple(B.shape[-2:])), B)
    return result if out is None else write_out(out, result)


def _broadcast(first, second) -> list[int]:
    shape = []
    for i in range(1, max(len(first), len(second)) + 1):
        p = first[-i] if i <= len(first) else 1
        q = second[-i] if i <= len(second) else 1
        if p != q and 1 not in (p, q):
            raise RuntimeError(
                f"ldl_solve: the batch dimensions of LD {list(first)} and B {list(second)} do not broadcast"
            )
        shape.insert(0, max(p, q))
    return shape
