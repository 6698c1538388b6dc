"""Matrix functions written with differentiable ember ops: norms, pinv, lstsq, matrix_rank and more.

Their gradients come from the parts (the decompositions' rules in ``decompositions``), so
nothing here declares a backward rule. ``ember.linalg`` publishes them.
"""

from __future__ import annotations

import math
import warnings

from .. import _dtype as dt
from .._creation import eye
from .._tensor import Tensor, _wrap_dim
from . import reductions
from ._declare import export
from ._linalg_errors import check_matrix
from .decompositions import (
    all_written,
    eigh,
    eigvalsh,
    inv,
    sign_and_logabsdet,
    solve,
    svd,
    svdvals,
    written,
)
from .elementwise import where
from .return_types import (
    linalg_lstsq,
    linalg_slogdet,
)
from .shape import stack

_EPSILON = {dt.float32: 2.0**-23, dt.float64: 2.0**-52}
_LSTSQ_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def slogdet(A: Tensor, *, out=None) -> linalg_slogdet:
    """(sign, log of the absolute value) of each square matrix's determinant."""
    return all_written(sign_and_logabsdet("linalg.slogdet", A, linalg_slogdet), out)


# --- norms ------------------------------------------------------------------------------------


def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None, out: Tensor | None = None) -> Tensor:
    """The ord-norm of x's elements over dim (all of them by default), as a vector's."""
    if isinstance(ord, str):
        raise TypeError(
            f"linalg_vector_norm(): argument 'ord' (position 2) must be Number, not str ({ord!r} is a matrix "
            "norm: use linalg.matrix_norm)"
        )
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
        if ord == "nuc" or values.shape[-1] == 0:  # NOTE: as PyTorch, no singular values give a norm of 0
            result = values.sum(-1)
        else:
            result = values.amax(-1) if ord == 2 else values.amin(-1)
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
    return written(result, out)


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
        return written(scaled @ vectors.mT, out)
    u, s, vh = svd(A, full_matrices=False)
    cutoff = _cutoff(A, s.detach()[..., :1], atol, rtol)
    return written((vh.mT * _kept_reciprocal(s, s > cutoff).unsqueeze(-2)) @ u.mT, out)


def matrix_rank(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False, out: Tensor | None = None) -> Tensor:
    """The number of singular values of each matrix of A above the tolerance (int64)."""
    check_matrix("linalg.matrix_rank", A, square=hermitian)
    values = (eigvalsh(A).abs() if hermitian else svdvals(A)).detach()
    largest = values.amax(-1, keepdim=True) if values.shape[-1] else values.sum(-1, keepdim=True)  # empty: 0
    cutoff = _cutoff(A, largest, atol, rtol)
    return written((values > cutoff).sum(-1), out)


def lstsq(A: Tensor, B: Tensor, rcond: float | None = None, *, driver: str | None = None) -> linalg_lstsq:
    """(solution, residuals, rank, singular_values): the least-squares solution of A X = B of least norm."""
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
        residuals,  # NOTE: as PyTorch, (..., 1) for vectors too
        rank if driver != "gels" else empty.long(),
        s.detach() if driver in ("gelsd", "gelss") else empty,
    )


# --- products and powers ---------------------------------------------------------------------------


def matrix_power(A: Tensor, n: int, *, out: Tensor | None = None) -> Tensor:
    """A to the integer power n by repeated squaring (the inverse's power for n < 0, the identity for 0)."""
    check_matrix("linalg.matrix_power", A, square=True, floating=False)
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"linalg.matrix_power(): argument 'n' must be int, not {type(n).__name__}")
    if n == 0:
        return written(A.new_zeros(A.shape) + eye(A.shape[-1], dtype=A.dtype, device=A.device), out)
    base, power, result = (inv(A) if n < 0 else A), abs(n), None
    while power:
        if power & 1:
            result = base if result is None else result @ base
        power >>= 1
        if power:
            base = base @ base
    return written(result, out)


export(matrix_power)


def multi_dot(tensors, *, out: Tensor | None = None) -> Tensor:
    """The product of a chain of matrices (the first may be a row vector, the last a column vector)."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    last = len(tensors) - 1
    for i, t in enumerate(tensors):
        if i in (0, last) and t.ndim not in (1, 2):
            raise RuntimeError(
                f"multi_dot(): the {'first' if i == 0 else 'last'} tensor must be 1D or 2D but got {t.ndim}D"
            )
        if 0 < i < last and t.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D")
    for i, t in enumerate(tensors[1:], 1):
        if t.dtype is not tensors[0].dtype:
            raise RuntimeError(
                "multi_dot(): all tensors must have be the same dtype but tensor 0 is "
                f"{_c_type_name(tensors[0].dtype)} and tensor {i} {_c_type_name(t.dtype)}"
            )
    result = tensors[0]
    for t in tensors[1:]:
        result = result @ t
    return written(result, out)


@export(method=False)
def chain_matmul(*matrices: Tensor, out: Tensor | None = None) -> Tensor:
    """The product of a chain of matrices (deprecated in PyTorch: use ``linalg.multi_dot``)."""
    warnings.warn(
        "torch.chain_matmul is deprecated and will be removed in a future PyTorch release. "
        "Use torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather than "
        "multiple parameters.",
        UserWarning,
        stacklevel=2,
    )
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for matrix in matrices:
        if matrix.ndim != 2:
            raise RuntimeError(f"Tensor dimension is {matrix.ndim}, expected 2 instead.")
    return written(matrices[0].clone() if len(matrices) == 1 else multi_dot(matrices), out)


def _c_type_name(dtype) -> str:
    return dt.scalar_type_name(dtype).lower()


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1, out: Tensor | None = None) -> Tensor:
    """The dot product of x and y along dim, broadcasting the other dims."""
    return written((x * y).sum(dim), out)


def cond(A: Tensor, p=None, *, out: Tensor | None = None) -> Tensor:
    """The condition number of each matrix of A in the p-norm (the 2-norm by default)."""
    check_matrix("linalg.cond", A, square=p not in (None, 2, -2))
    if p in (None, 2, -2):
        values = svdvals(A)
        largest, smallest = values[..., 0], values[..., -1]
        return written(largest / smallest if p != -2 else smallest / largest, out)
    return written(matrix_norm(A, p) * matrix_norm(inv(A), p), out)


def solve_triangular(
    A: Tensor, B: Tensor, *, upper: bool, left: bool = True, unitriangular: bool = False, out: Tensor | None = None
) -> Tensor:
    """The solution X of A X = B (X A = B with left=False) reading only A's upper or lower triangle."""
    check_matrix("linalg.solve_triangular", A, square=True)
    triangle = A.triu() if upper else A.tril()
    if unitriangular:
        triangle = (
            triangle - triangle.diagonal(0, -2, -1).diag_embed() + eye(A.shape[-1], dtype=A.dtype, device=A.device)
        )
    return written(solve(triangle, B, left=left) if B.ndim > 1 else solve(triangle, B.unsqueeze(-1)).squeeze(-1), out)


def vander(x: Tensor, *, N: int | None = None) -> Tensor:
    """The Vandermonde matrix of x's last dim: its columns are the powers 0 to N - 1 of x."""
    if x.ndim < 1:
        raise RuntimeError("linalg.vander: x must have at least one dimension")
    count = x.shape[-1] if N is None else N
    if count < 1:
        raise RuntimeError(f"linalg.vander: N must be greater than 1, got {count}")
    return stack([x.new_ones(x.shape), *(x**k for k in range(1, count))], -1)


def tensorinv(A: Tensor, ind: int = 2, *, out: Tensor | None = None) -> Tensor:
    """The inverse of A read as a matrix from its first `ind` dims to the rest."""
    rows, cols = A.shape[:ind], A.shape[ind:]
    size = math.prod(rows)
    if ind <= 0 or size != math.prod(cols):
        raise RuntimeError(
            f"linalg.tensorinv: Expected self to satisfy the requirement prod(self.shape[ind:]) == "
            f"prod(self.shape[:ind]), but got {math.prod(cols)} != {size}"
        )
    return written(inv(A.reshape(size, size)).reshape(*cols, *rows), out)


def tensorsolve(A: Tensor, B: Tensor, dims=None, *, out: Tensor | None = None) -> Tensor:
    """The X with tensordot(A, X, X.ndim) == B."""
    if dims is not None:
        dims = [d % A.ndim for d in dims]
        A = A.movedim(dims, list(range(A.ndim - len(dims), A.ndim)))
    unknown = A.shape[B.ndim :]
    size = math.prod(unknown)
    return written(solve(A.reshape(-1, size), B.reshape(-1)).reshape(*unknown), out)


def matrix_exp(A: Tensor) -> Tensor:
    """The matrix exponential of each square matrix of A (scaling and squaring of a Taylor series)."""
    check_matrix("linalg.matrix_exp", A, square=True)
    norm = float(A.detach().abs().sum(-2).amax()) if A.numel() else 0.0
    squarings = max(0, math.ceil(math.log2(norm)) + 1) if norm > 0.5 else 0
    scaled = A / 2.0**squarings
    term = eye(A.shape[-1], dtype=A.dtype, device=A.device) + A.new_zeros(A.shape)
    total = term
    for k in range(1, 19):
        term = (term @ scaled) / k
        total = total + term
    for _ in range(squarings):
        total = total @ total
    return total


export(matrix_exp)


# --- torch's deprecated top-level norms --------------------------------------------------------


@export(method=False)
def frobenius_norm(input: Tensor, dim, keepdim: bool = False, *, out: Tensor | None = None) -> Tensor:
    """The 2-norm of input's elements over dim (deprecated in torch: use ``linalg.vector_norm(A, 2, dim)``)."""
    warnings.warn(
        "frobenius_norm is deprecated and it is just left for JIT compatibility. It will be removed in a future "
        "PyTorch release. Please use `linalg.vector_norm(A, 2., dim, keepdim)` instead",
        UserWarning,
        stacklevel=2,
    )
    return vector_norm(input, 2, dim, keepdim, out=out)


@export(method=False)
def nuclear_norm(input: Tensor, dim=(-2, -1), keepdim: bool = False, *, out: Tensor | None = None) -> Tensor:
    """The sum of singular values of each matrix (deprecated in torch: use ``linalg.matrix_norm(A, 'nuc')``)."""
    if isinstance(dim, bool):  # NOTE: torch.nuclear_norm(input, keepdim) is the overload without dim
        dim, keepdim = (-2, -1), dim
    warnings.warn(
        "nuclear_norm is deprecated and it is just left for JIT compatibility. It will be removed in a future "
        "PyTorch release. Please use `linalg.matrix_norm(A, 'nuc', dim, keepdim)` instead",
        UserWarning,
        stacklevel=2,
    )
    return matrix_norm(input, "nuc", dim, keepdim, out=out)
