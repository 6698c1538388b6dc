"""Argument checks and failures of the linear algebra functions, with PyTorch's messages.

NumPy's and CuPy's kernels only say that a matrix is singular (or not positive-definite);
these helpers find which batch element failed and where, as LAPACK's info codes do.
"""

from __future__ import annotations

from .. import _dtype as dt
from .._tensor import Tensor


class LinAlgError(RuntimeError):
    """A matrix function could not be computed for the input (a singular or not positive-definite matrix)."""


def check_matrix(name: str, input: Tensor, *, square: bool = False, floating: bool = True) -> None:
    """PyTorch's errors for an input that is not a batch of matrices (float ones, square ones with `square`)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'A' (position 1) must be Tensor, not {type(input).__name__}")
    if input.ndim < 2:
        raise RuntimeError(
            f"{name}: The input tensor A must have at least 2 dimensions. Got shape {list(input.shape)}; "
            "for a single matrix pass a 2D tensor"
        )
    if floating and (input.dtype is dt.float16 or input.dtype is dt.bfloat16):
        raise RuntimeError(
            f"{name}: Low precision dtypes not supported. Got {dt.scalar_type_name(input.dtype)}; "
            "convert first, e.g. A.float()"
        )
    if floating and not input.dtype.is_floating_point:
        raise RuntimeError(
            f"{name}: Expected a floating point or complex tensor as input. "
            f"Got {dt.scalar_type_name(input.dtype)}; convert first, e.g. A.double()"
        )
    rows, cols = input.shape[-2:]
    if square and rows != cols:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are {rows} by {cols} matrices")


def is_linalg_error(error: Exception) -> bool:
    return type(error).__name__ == "LinAlgError"  # NOTE: NumPy's and CuPy's, without importing either


def batch_prefix(input: Tensor, index: int) -> str:
    return f"(Batch element {index}): " if input.ndim > 2 else ""


def matrices_of(input: Tensor):
    """The matrices of a batch, one by one, as backend arrays."""
    n_rows, n_cols = input.shape[-2:]
    return input._backend.xp.reshape(input._data, (-1, n_rows, n_cols))


def first_zero_pivot(xp, matrix) -> int:
    """The 1-based column of the first zero pivot of matrix's LU factorization with partial pivoting (0: none)."""
    work = matrix.copy()
    n = work.shape[-1]
    for j in range(n):
        pivot = j + int(xp.argmax(xp.abs(work[j:, j])))
        if work[pivot, j] == 0:
            return j + 1
        if pivot != j:
            work[[j, pivot]] = work[[pivot, j]]
        factors = work[j + 1 :, j] / work[j, j]
        work[j + 1 :, j:] -= factors[:, None] * work[j, j:][None, :]
    return 0


def first_failing_matrix(input: Tensor, failure) -> tuple[int, int] | None:
    """(batch index, failure's answer) for the first matrix of input where failure(xp, matrix) is non-zero."""
    xp = input._backend.xp
    for index, matrix in enumerate(matrices_of(input)):
        found = failure(xp, matrix)
        if found:
            return index, found
    return None


def singular_error(name: str, input: Tensor) -> LinAlgError:
    """PyTorch's error for inverting a singular matrix, naming the batch element and the zero diagonal element."""
    failing = first_failing_matrix(input, first_zero_pivot)
    if failing:
        index, column = failing
        return LinAlgError(
            f"{name}: {batch_prefix(input, index)}The diagonal element {column} is zero, the inversion could "
            "not be completed because the input matrix is singular."
        )
    return LinAlgError(f"{name}: The input matrix is singular, the inversion could not be completed.")


def singular_system_error(name: str, A: Tensor) -> LinAlgError:
    failing = first_failing_matrix(A, first_zero_pivot)
    prefix = batch_prefix(A, failing[0]) if failing else ""
    return LinAlgError(f"{name}: {prefix}The solver failed because the input matrix is singular.")


def not_positive_definite_order(xp, matrix) -> int:
    """The order of matrix's first leading minor that is not positive-definite (0: none)."""
    for order in range(1, matrix.shape[-1] + 1):
        try:
            xp.linalg.cholesky(matrix[:order, :order])
        except Exception as error:
            if is_linalg_error(error):
                return order
            raise
    return 0


def not_positive_definite_error(input: Tensor, name: str = "linalg.cholesky") -> LinAlgError:
    failing = first_failing_matrix(input, not_positive_definite_order)
    if failing:
        index, order = failing
        return LinAlgError(
            f"{name}: {batch_prefix(input, index)}The factorization could not be completed because "
            f"the input is not positive-definite (the leading minor of order {order} is not positive-definite)."
        )
    return LinAlgError(f"{name}: The factorization could not be completed: the input is not positive-definite.")


def first_failure(info: Tensor) -> tuple[int, int] | None:
    """(batch index, code) of the first nonzero code in a factorization's info, or None."""
    for index, code in enumerate(info.reshape(-1).tolist()):
        if code:
            return index, code
    return None


def refuse_zero_pivots(name: str, A: Tensor, info: Tensor) -> None:
    failure = first_failure(info)
    if failure is not None:
        index, column = failure
        raise LinAlgError(
            f"{name}: {batch_prefix(A, index)}U[{column},{column}] is zero and using it on lu_solve would result "
            "in a division by zero. If you still want to perform the factorization, consider calling "
            "linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)"
        )
