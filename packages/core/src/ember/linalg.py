"""``ember.linalg``: PyTorch's ``torch.linalg`` over any leading batch dimensions.

The decompositions (det, slogdet, inv, solve, cholesky, eigh, svd, qr) are primitives with
their own backward rules (``ember.ops.decompositions``); the norms, ``pinv``, ``lstsq``
and ``matrix_rank`` are written here with differentiable ember ops.
"""

from __future__ import annotations

import math

from . import _dtype as dt
from ._tensor import Tensor, _wrap_dim
from .ops import reductions
from .ops.decompositions import (
    LinAlgError,
    _written,
    check_matrix,
    cholesky,
    det,
    eigh,
    eigvalsh,
    inv,
    qr,
    sign_and_logabsdet,
    solve,
    svd,
    svdvals,
)
from .ops.elementwise import where
from .ops.return_types import linalg_lstsq, linalg_slogdet

__all__ = [
    "LinAlgError",
    "cholesky",
    "det",
    "eigh",
    "eigvalsh",
    "inv",
    "lstsq",
    "matrix_norm",
    "matrix_rank",
    "norm",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "svd",
    "svdvals",
    "vector_norm",
]

_EPSILON = {dt.float32: 2.0**-23, dt.float64: 2.0**-52}
_LSTSQ_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def slogdet(A: Tensor, *, out=None) -> linalg_slogdet:
    """(sign, log of the absolute value) of each square matrix's determinant."""
    found = sign_and_logabsdet("linalg.slogdet", A, linalg_slogdet)
    if out is None:
        return found
    return linalg_slogdet(_written(found[0], out[0]), _written(found[1], out[1]))


# --- norms ------------------------------------------------------------------------------------


def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None, out: Tensor | None = None) -> Tensor:
    """The ord-norm of x's elements over dim (all of them by default), as a vector's."""
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: Expected a number as ord, got {ord!r}; use linalg.matrix_norm for it")
    return reductions.norm(x, float(ord), dim, keepdim, out=out, dtype=dtype)


def _matrix_dims(A: Tensor, dim) -> tuple:
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {dim}")
    row, col = (_wrap_dim(d, A.ndim) for d in dim)
    if row == col:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    return row, col


def _keep_matrix_dims(result: Tensor, row: int, col: int) -> Tensor:
    """A result over the batch dims with the matrix dims put back as size 1 (keepdim)."""
    for d in sorted((row, col)):
        result = result.unsqueeze(d)
    return result


def matrix_norm(
    A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None, out: Tensor | None = None
) -> Tensor:
    """A matrix norm of each matrix of A: 'fro', 'nuc', inf, -inf, 1, -1, 2 or -2."""
    if not isinstance(A, Tensor):
        raise TypeError(f"linalg.matrix_norm(): argument 'A' (position 1) must be Tensor, not {type(A).__name__}")
    if A.ndim < 2:
        raise RuntimeError(
            f"linalg.matrix_norm: The input tensor A must have at least 2 dimensions. Got shape {list(A.shape)}"
        )
    if dtype is not None:
        A = A.to(dt.as_dtype(dtype))
    if not A.dtype.is_floating_point:
        raise RuntimeError(
            "linalg.matrix_norm: Expected a floating point or complex tensor as input. "
            f"Got {dt.scalar_type_name(A.dtype)}; convert first, e.g. A.float()"
        )
    row, col = _matrix_dims(A, dim)
    if ord == "fro":
        return vector_norm(A, 2, (row, col), keepdim, out=out)
    if ord in ("nuc", 2, -2):
        values = svdvals(A.movedim((row, col), (-2, -1)))
        result = values.sum(-1) if ord == "nuc" else values.amax(-1) if ord == 2 else values.amin(-1)
        result = _keep_matrix_dims(result, row, col) if keepdim else result
    elif ord in (1, -1, math.inf, -math.inf):
        summed, across = (row, col) if ord in (1, -1) else (col, row)
        sums = A.abs().sum(summed, keepdim=True)
        result = sums.amax(across, keepdim=True) if ord > 0 else sums.amin(across, keepdim=True)
        result = result if keepdim else result.squeeze((row, col))
    else:
        raise RuntimeError(
            f"linalg.matrix_norm: Order {ord} not supported; use 'fro', 'nuc', inf, -inf, 1, -1, 2 or -2"
        )
    return _written(result, out)


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None, out: Tensor | None = None) -> Tensor:
    """A vector norm (dim an int, or ord None) or a matrix norm (dim a 2-tuple, or ord a string)."""
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None and len(dim) not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dim)}")
    if ord is None:
        return vector_norm(A, 2, dim, keepdim, dtype=dtype, out=out)
    if dim is None:
        if isinstance(ord, str):
            dim = (-2, -1)
        elif A.ndim in (1, 2):
            dim = tuple(range(A.ndim))
        else:
            raise RuntimeError(
                f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {A.ndim}D."
            )
    if len(dim) == 2:
        return matrix_norm(A, ord, dim, keepdim, dtype=dtype, out=out)
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.norm: ord={ord!r} is a matrix norm and needs dim to be a 2-tuple")
    return vector_norm(A, ord, dim, keepdim, dtype=dtype, out=out)


# --- pinv, matrix_rank, lstsq -------------------------------------------------------------------


def _cutoff(A: Tensor, largest: Tensor, atol, rtol) -> Tensor:
    """The largest value counted as zero: max(atol, rtol * largest), PyTorch's defaults filled in."""
    if rtol is None:
        default = _EPSILON[A.dtype] * max(A.shape[-2:])
        rtol = default if atol is None or (not isinstance(atol, Tensor) and atol <= 0) else 0.0
    atol = 0.0 if atol is None else atol
    scaled = largest * rtol
    if isinstance(atol, Tensor):
        return scaled.maximum(atol.to(scaled.dtype).unsqueeze(-1))
    return scaled.clamp(min=atol)


def _kept_reciprocal(values: Tensor, keep: Tensor) -> Tensor:
    """1/values where keep, else 0, with no infinite slope where values are dropped."""
    return where(keep, 1 / where(keep, values, 1.0), 0.0)


def pinv(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False, out: Tensor | None = None) -> Tensor:
    """The Moore-Penrose pseudoinverse of each matrix of A (singular values below the tolerance dropped)."""
    check_matrix("linalg.pinv", A, square=hermitian)
    if hermitian:
        values, vectors = eigh(A)
        magnitudes = values.abs()
        cutoff = _cutoff(A, magnitudes.detach().amax(-1, keepdim=True), atol, rtol)
        scaled = vectors * _kept_reciprocal(values, magnitudes > cutoff).unsqueeze(-2)
        return _written(scaled @ vectors.mT, out)
    u, s, vh = svd(A, full_matrices=False)
    cutoff = _cutoff(A, s.detach()[..., :1], atol, rtol)
    return _written((vh.mT * _kept_reciprocal(s, s > cutoff).unsqueeze(-2)) @ u.mT, out)


def matrix_rank(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False, out: Tensor | None = None) -> Tensor:
    """The number of singular values of each matrix of A above the tolerance (int64)."""
    check_matrix("linalg.matrix_rank", A, square=hermitian)
    values = (eigvalsh(A).abs() if hermitian else svdvals(A)).detach()
    cutoff = _cutoff(A, values.amax(-1, keepdim=True) if values.shape[-1] else values.sum(-1, keepdim=True), atol, rtol)
    return _written((values > cutoff).sum(-1), out)


def lstsq(A: Tensor, B: Tensor, rcond: float | None = None, *, driver: str | None = None) -> linalg_lstsq:
    """(solution, residuals, rank, singular_values) of min ||A X - B|| for each matrix of A (minimum-norm X)."""
    check_matrix("linalg.lstsq", A)
    if driver is not None and driver not in _LSTSQ_DRIVERS:
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    driver = driver or "gelsy"
    if A.dtype is not B.dtype:
        raise RuntimeError(
            f"torch.linalg.lstsq: Expected input and other to have the same dtype, but got input's dtype "
            f"{dt.scalar_type_name(A.dtype)} and other's dtype {dt.scalar_type_name(B.dtype)}; convert one"
        )
    if not 0 <= A.ndim - B.ndim <= 1:
        raise RuntimeError(
            "torch.linalg.lstsq: input.dim() must be greater or equal to other.dim() and "
            f"(input.dim() - other.dim()) <= 1; got A of shape {list(A.shape)} and B of shape {list(B.shape)}"
        )
    vector = B.ndim == A.ndim - 1  # NOTE: unlike solve's, lstsq's rule looks at the ranks only
    rhs = B.unsqueeze(-1) if vector else B
    rows, cols = A.shape[-2:]
    if rhs.shape[-2] != rows:
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    u, s, vh = svd(A, full_matrices=False)
    cutoff = s.detach()[..., :1] * (_EPSILON[A.dtype] * max(rows, cols) if rcond is None else rcond)
    keep = s > cutoff
    solution = vh.mT @ (_kept_reciprocal(s, keep).unsqueeze(-1) * (u.mT @ rhs))
    rank = keep.sum(-1)
    empty = A.new_empty((0,))
    residuals = empty
    if rows > cols and driver != "gelsy" and bool((rank == cols).all()):
        residuals = (A @ solution - rhs).square().sum(-2)
    return linalg_lstsq(
        solution.squeeze(-1) if vector else solution,
        residuals.squeeze(-1) if vector and residuals.numel() else residuals,
        rank if driver != "gels" else empty.long(),
        s.detach() if driver in ("gelsd", "gelss") else empty,
    )
