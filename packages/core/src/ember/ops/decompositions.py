"""Matrix functions and decompositions: det, slogdet, inv, solve, cholesky, eigh, svd, qr, lu_factor.

Each is one primitive on the array module's linear algebra (lu_factor: ember's own loop) with
its one backward rule, over any leading batch dimensions. A decomposition with several
results (eigh, svd, qr, lu_factor) is one primitive whose output packs them along the row
axis (for svd: U over S over Vh transposed); the public function copies each back out, so
every result's gradient reaches the one rule, and under ``create_graph`` the rule reads the
packed output as a tensor.
"""

from __future__ import annotations

import math

from .. import _dtype as dt
from .._tensor import Tensor
from .._writes import write_out
from ._declare import export
from ._linalg_errors import (
    check_matrix,
    is_linalg_error,
    not_positive_definite_error,
    refuse_zero_pivots,
    singular_error,
    singular_system_error,
)
from ._op import Op, call, make
from .elementwise import where
from .return_types import linalg_eigh, linalg_lu_factor, linalg_lu_factor_ex, linalg_qr, linalg_svd
from .return_types import slogdet as slogdet_result

# --- rule helpers ----------------------------------------------------------------------------


def _swap_last(b, x):
    """Array x with its last two axes swapped (a view where the backend's permute gives one)."""
    return b.permute(x, (*range(x.ndim - 2), x.ndim - 1, x.ndim - 2))


def _t(m, x):
    """The matrices of x transposed."""
    return m.swapaxes(x, d0=x.ndim - 2, d1=x.ndim - 1)


def _row(m, x):
    """A vector's values as a row of a matrix (..., 1, n), to scale the columns of a matrix."""
    return m.expand_dims(x, axis=x.ndim - 1)


def _column(m, x):
    """A vector's values as a column (..., n, 1), to scale the rows of a matrix."""
    return m.expand_dims(x, axis=x.ndim)


def _scalar_matrix(m, x):
    """A batch of scalars (...) as (..., 1, 1), to scale whole matrices."""
    return m.expand_dims(m.expand_dims(x, axis=x.ndim), axis=x.ndim + 1)


def _rows(m, x, start: int, stop: int | None = None):
    return m.getitem(x, key=(Ellipsis, slice(start, stop), slice(None)))


def _columns(m, x, start: int, stop: int | None = None):
    return m.getitem(x, key=(Ellipsis, slice(None), slice(start, stop)))


def _one_row(m, x, index: int):
    return m.getitem(x, key=(Ellipsis, index, slice(None)))


# --- det, slogdet, inv, solve ---------------------------------------------------------------------


def _inv_kernel(b, a):
    return b.xp.linalg.inv(a)


def _grad_inv(m, ctx, g):
    inverse_t = _t(m, ctx.out)
    return (-m.matmul(m.matmul(inverse_t, g), inverse_t),)


INV = Op("inv", _inv_kernel, _grad_inv, node="LinalgInvExBackward0", saves_output=True, math="inv")


def _grad_det(m, ctx, g):
    (a,) = ctx.saved
    return (_scalar_matrix(m, g * ctx.out) * _t(m, _inverse_if_possible(m, a)),)


def _inverse_if_possible(m, a):
    """a's inverse; on arrays, where some matrix of a is singular, its pseudoinverse (no error, as PyTorch)."""
    try:
        return m.inv(a)
    except Exception as error:
        if m.on_tensors or not is_linalg_error(error):
            raise
        return m.backend.xp.linalg.pinv(a)


DET = Op("det", lambda b, a: b.xp.linalg.det(a), _grad_det, node="LinalgDetBackward0", saves=(0,), saves_output=True)


def _grad_logabsdet(m, ctx, g):
    (a,) = ctx.saved
    return (_scalar_matrix(m, g) * _t(m, _inverse_if_possible(m, a)),)


LOGABSDET = Op(
    "slogdet", lambda b, a: b.xp.linalg.slogdet(a)[1], _grad_logabsdet, node="LinalgSlogdetBackward0", saves=(0,)
)


def _solve_kernel(b, a, rhs):
    return b.xp.linalg.solve(a, rhs)


def _grad_solve(m, ctx, g):
    (a,) = ctx.saved
    grad_rhs = m.solve(_t(m, a), g)
    grad_a = -m.matmul(grad_rhs, _t(m, ctx.out)) if ctx.needs(0) else None
    return grad_a, grad_rhs


SOLVE = Op(
    "solve", _solve_kernel, _grad_solve, node="LinalgSolveExBackward0", saves=(0,), saves_output=True, math="solve"
)


# --- cholesky -------------------------------------------------------------------------------------


def _grad_cholesky(m, ctx, g):
    lower = ctx.out
    inverse = m.inv(lower)
    product = m.tril(m.matmul(_t(m, lower), g), k=0)
    middle = (product + _t(m, m.tril(product, k=-1))) * 0.5
    return (m.matmul(m.matmul(_t(m, inverse), middle), inverse),)


CHOLESKY = Op(
    "cholesky",
    lambda b, a: b.xp.linalg.cholesky(a),
    _grad_cholesky,
    node="LinalgCholeskyExBackward0",
    saves_output=True,
)


# --- eigh: [eigenvalues; eigenvectors] ---------------------------------------------------------


def _eigh_kernel(b, a, *, uplo="L"):
    values, vectors = b.xp.linalg.eigh(a) if uplo == "L" else b.xp.linalg.eigh(a, UPLO=uplo)
    return b.concat([values[..., None, :], vectors], axis=-2)


def _grad_eigh(m, ctx, g):
    values, vectors = _one_row(m, ctx.out, 0), _rows(m, ctx.out, 1)
    g_values, g_vectors = _one_row(m, g, 0), _rows(m, g, 1)
    n = values.shape[-1]
    eye = m.eye_like(g, rows=n, cols=n)
    gaps = _row(m, values) - _column(m, values) + eye  # gaps[i, j] = value j - value i; 1 on the diagonal
    rotation = m.matmul(_t(m, vectors), g_vectors)
    inner = (rotation - _t(m, rotation)) * 0.5 / gaps + eye * _row(m, g_values)
    return (m.matmul(m.matmul(vectors, inner), _t(m, vectors)),)


EIGH = Op("eigh", _eigh_kernel, _grad_eigh, node="LinalgEighBackward0", saves_output=True)


# --- svd: [U; S; Vh^T] ---------------------------------------------------------------------------


def _svd_kernel(b, a, *, full_matrices=False):
    xp = b.xp
    u, s, vh = xp.linalg.svd(a, full_matrices=full_matrices)
    parts = [u, s[..., None, :], _swap_last(b, vh)]
    width = max(part.shape[-1] for part in parts)
    for i, part in enumerate(parts):  # full matrices: U, S and V have different widths
        if part.shape[-1] < width:
            parts[i] = b.concat([part, xp.zeros(part.shape[:-1] + (width - part.shape[-1],), dtype=part.dtype)], -1)
    return b.concat(parts, axis=-2)


def _svd_parts(m, packed, rows: int, k: int) -> tuple:
    """(U, S, V) of a packed svd of a matrix with `rows` rows, narrowed to the k singular vectors that S pairs with."""
    packed = _columns(m, packed, 0, k) if packed.shape[-1] != k else packed
    return _rows(m, packed, 0, rows), _one_row(m, packed, rows), _rows(m, packed, rows + 1)


def _grad_svd(m, ctx, g):
    rows, cols = ctx.input_shape(0)[-2:]
    k = min(rows, cols)  # NOTE: as PyTorch, the extra columns of full U or V get no gradient
    u, s, v = _svd_parts(m, ctx.out, rows, k)
    g_u, g_s, g_v = _svd_parts(m, g, rows, k)
    eye = m.eye_like(g, rows=k, cols=k)
    s_row, s_column, squares = _row(m, s), _column(m, s), s * s
    gaps = _row(m, squares) - _column(m, squares) + eye  # gaps[j, k] = S_k^2 - S_j^2; 1 on the diagonal
    u_turn = m.matmul(_t(m, u), g_u)
    v_turn = m.matmul(_t(m, v), g_v)
    inner = ((u_turn - _t(m, u_turn)) * s_row + s_column * (v_turn - _t(m, v_turn))) / gaps
    inner = inner + eye * _row(m, g_s)
    grad = m.matmul(m.matmul(u, inner), _t(m, v))
    if rows > k:  # the part of g_U outside U's columns: (I - U U^T) g_U S^-1 V^T
        scaled = g_u / s_row
        grad = grad + m.matmul(scaled - m.matmul(u, m.matmul(_t(m, u), scaled)), _t(m, v))
    if cols > k:  # the part of g_V outside V's columns: U S^-1 g_V^T (I - V V^T)
        scaled = g_v / s_row
        grad = grad + m.matmul(u, _t(m, scaled - m.matmul(v, m.matmul(_t(m, v), scaled))))
    return (grad,)


SVD = Op("svd", _svd_kernel, _grad_svd, node="LinalgSvdBackward0", saves_output=True)


# --- qr: [Q; R^T] --------------------------------------------------------------------------------


def _qr_kernel(b, a):
    q, r = b.xp.linalg.qr(a, mode="reduced")
    return b.concat([q, _swap_last(b, r)], axis=-2)


def _grad_qr_tall(m, q, r, g_q, g_r):
    """The gradient of A = QR for a square R: (g_Q + Q sym(M)) R^-T, M = R g_R^T - g_Q^T Q, sym copying M's lower half up."""
    product = m.matmul(r, _t(m, g_r)) - m.matmul(_t(m, g_q), q)
    symmetric = m.tril(product, k=0) + _t(m, m.tril(product, k=-1))
    return m.matmul(g_q + m.matmul(q, symmetric), _t(m, m.inv(r)))


def _grad_qr(m, ctx, g):
    rows, cols = ctx.input_shape(0)[-2:]
    q, r = _rows(m, ctx.out, 0, rows), _t(m, _rows(m, ctx.out, rows))
    g_q, g_r = _rows(m, g, 0, rows), _t(m, _rows(m, g, rows))
    if rows >= cols:
        return (_grad_qr_tall(m, q, r, g_q, g_r),)
    # A wide matrix [X | Y] has X = Q R_X (R_X square) and Y = Q R_Y: Q's gradient gains Y g_RY^T
    r_x, r_y = _columns(m, r, 0, rows), _columns(m, r, rows)
    g_rx, g_ry = _columns(m, g_r, 0, rows), _columns(m, g_r, rows)
    grad_x = _grad_qr_tall(m, q, r_x, g_q + m.matmul(m.matmul(q, r_y), _t(m, g_ry)), g_rx)
    return (m.concat(grad_x, m.matmul(q, g_ry), axis=grad_x.ndim - 1),)


QR = Op("qr", _qr_kernel, _grad_qr, node="LinalgQrBackward0", saves_output=True)


# --- lu_factor: [L and U in one matrix; the pivots as a last row] ------------------------------------


def _lu_kernel(b, a):
    """LU with partial pivoting, L's unit diagonal left out, and LAPACK's 1-based pivots as an extra row."""
    xp = b.xp
    rows, cols = a.shape[-2:]
    k = min(rows, cols)
    work = xp.reshape(a.copy(), (-1, rows, cols))
    pivots = xp.zeros((work.shape[0], cols), dtype=a.dtype)
    every = xp.arange(work.shape[0])
    for j in range(k):
        chosen = j + xp.argmax(xp.abs(work[:, j:, j]), axis=1)
        pivots[:, j] = chosen + 1
        row_j, row_chosen = work[every, j, :].copy(), work[every, chosen, :].copy()
        work[every, j, :], work[every, chosen, :] = row_chosen, row_j
        pivot = work[:, j, j]
        factors = work[:, j + 1 :, j] / xp.where(pivot == 0, 1, pivot)[:, None]  # a zero pivot has a zero column
        work[:, j + 1 :, j] = factors
        work[:, j + 1 :, j + 1 :] -= factors[:, :, None] * work[:, j, None, j + 1 :]
    packed = xp.concatenate([work, pivots[:, None, :]], axis=1)
    return xp.reshape(packed, a.shape[:-2] + (rows + 1, cols))


def _grad_lu(m, ctx, g):
    rows, cols = ctx.input_shape(0)[-2:]
    if rows != cols:
        raise NotImplementedError(
            f"linalg.lu_factor: the derivative is implemented for square matrices only; got {rows} by {cols} matrices"
        )
    packed = _rows(m, ctx.out, 0, rows)
    g = _rows(m, g, 0, rows)
    eye = m.eye_like(g, rows=rows, cols=rows)
    lower, upper = m.tril(packed, k=-1) + eye, m.triu(packed, k=0)
    middle = m.tril(m.matmul(_t(m, lower), m.tril(g, k=-1)), k=-1) + m.triu(m.matmul(m.triu(g, k=0), _t(m, upper)), k=0)
    inner = m.matmul(m.matmul(_t(m, m.inv(lower)), middle), _t(m, m.inv(upper)))
    return (m.matmul(_permutation(m, ctx.out, rows), inner),)


def _permutation(m, packed, rows: int):
    """P with A = P L U, from the pivots row of a packed lu (a constant: pivots have no gradient)."""
    array = packed._data if m.on_tensors else packed
    xp = packed._backend.xp if m.on_tensors else m.backend.xp
    return m.value(permutation_matrix(xp, array[..., rows, :], rows), like=packed)


def permutation_matrix(xp, pivots, rows: int):
    """P (rows by rows, in pivots' float dtype) from LAPACK's 1-based row swaps `pivots` (..., k)."""
    batch = pivots.shape[:-1]
    swaps = xp.reshape(pivots, (-1, pivots.shape[-1])).astype("int64") - 1
    order = xp.broadcast_to(xp.arange(rows), (swaps.shape[0], rows)).copy()  # order[i]: the row of A at row i of P^T A
    every = xp.arange(swaps.shape[0])
    for j in range(min(rows, swaps.shape[-1])):
        target = swaps[:, j]
        at_j, at_target = order[every, j].copy(), order[every, target].copy()
        order[every, j], order[every, target] = at_target, at_j
    transposed = (order[:, :, None] == xp.arange(rows)).astype(pivots.dtype)
    return xp.reshape(xp.swapaxes(transposed, -1, -2), batch + (rows, rows))


LU = Op("lu_factor", _lu_kernel, _grad_lu, node="LinalgLuFactorExBackward0", saves_output=True)


# --- unpacking: each result is a copy of its rows of the packed output, under the decomposition's node name


def _unpack_kernel(b, packed, *, key, transpose):
    part = packed[key]
    return b.copy(_swap_last(b, part) if transpose else part)


def _grad_unpack(m, ctx, g):
    g = _t(m, g) if ctx.attrs["transpose"] else g
    return (m.index_accumulate(g, shape=ctx.input_shape(0), key=ctx.attrs["key"]),)


def _unpacking(op: Op) -> Op:
    return Op(op.name, _unpack_kernel, _grad_unpack, node=op.node.__name__)


UNPACK_EIGH, UNPACK_SVD, UNPACK_QR, UNPACK_LU = _unpacking(EIGH), _unpacking(SVD), _unpacking(QR), _unpacking(LU)


def _part(unpack: Op, packed: Tensor, rows, columns: int | None = None, transpose: bool = False) -> Tensor:
    """One result of a packed decomposition: `rows` (and the first `columns`) of each packed matrix."""
    key = (Ellipsis, rows, slice(None, columns))
    return call(unpack, (packed,), (packed._data,), packed, {"key": key, "transpose": transpose})


# --- results that are not differentiated -------------------------------------------------------


def _refuse(name: str, why: str):
    def rule(m, ctx, g):
        raise RuntimeError(f"{name}: {why}")

    return rule


COMPLETE_QR = Op(
    "qr",
    lambda b, a, *, part: b.xp.linalg.qr(a, mode="complete")[part],
    _refuse("linalg.qr", "The QR decomposition is not differentiable when mode='complete' and nrows > ncols."),
    node="LinalgQrBackward0",
)
R_ONLY_QR = Op(
    "qr",
    lambda b, a: b.xp.linalg.qr(a, mode="r"),
    _refuse(
        "linalg.qr",
        "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use "
        "linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.",
    ),
    node="LinalgQrBackward0",
)


def _run(op: Op, inputs: tuple, attrs: dict | None = None, failure=None) -> Tensor:
    """call(op) on the inputs' arrays; a backend LinAlgError becomes failure() (a LinAlgError)."""
    try:
        return call(op, inputs, tuple(x._data for x in inputs), inputs[0], attrs)
    except Exception as error:
        if failure is not None and is_linalg_error(error):
            raise failure() from None
        raise


# --- public functions ------------------------------------------------------------------------------


def inv(A: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The inverse of each square matrix of A."""
    return written(inverse_of(A), out)


def inverse_of(A: Tensor, failing_as: str = "linalg.inv") -> Tensor:
    """inv(A); a singular matrix raises LinAlgError naming `failing_as`."""
    check_matrix("linalg.inv", A, square=True)
    return _run(INV, (A,), failure=lambda: singular_error(failing_as, A))


@export
def inverse(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The inverse of each square matrix of input (``linalg.inv``)."""
    return inv(input, out=out)


def written(result: Tensor, out: Tensor | None) -> Tensor:
    """result, or result copied into `out` when given."""
    return result if out is None else write_out(out, result)


def all_written(result, out):
    """A named result, or each of its tensors copied into the matching tensor of `out` when given."""
    if out is None:
        return result
    return type(result)(*(write_out(into, found) for found, into in zip(result, out)))


@export
def det(input: Tensor) -> Tensor:
    """The determinant of each square matrix of input."""
    check_matrix("linalg.det", input, square=True)
    return _run(DET, (input,))


def sign_and_logabsdet(name: str, input: Tensor, result: type):
    """slogdet's (sign, logabsdet) as a `result`; only logabsdet is differentiable."""
    check_matrix(name, input, square=True)
    sign = make(input._backend.xp.linalg.slogdet(input._data)[0], input)
    return result(sign, _run(LOGABSDET, (input,)))


@export
def slogdet(input: Tensor) -> slogdet_result:
    """(sign, log of the absolute value) of each square matrix's determinant."""
    return sign_and_logabsdet("linalg.slogdet", input, slogdet_result)


@export
def logdet(input: Tensor) -> Tensor:
    """The natural log of each square matrix's determinant (nan for a negative one, -inf for zero)."""
    sign, logabsdet = sign_and_logabsdet("logdet", input, slogdet_result)
    return where(sign < 0, math.nan, logabsdet)  # NOTE: a zero determinant's logabsdet is already -inf


def is_vector_rhs(A: Tensor, B: Tensor) -> bool:
    """Whether B holds vectors (one per matrix of A) rather than matrices, as PyTorch decides it."""
    return B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))


def solve(A: Tensor, B: Tensor, *, left: bool = True, out: Tensor | None = None) -> Tensor:
    """The solution X of A X = B (X A = B with left=False), for square A, batched and broadcast."""
    return written(solution_of(A, B, left), out)


def solution_of(A: Tensor, B: Tensor, left: bool = True, failing_as: str = "torch.linalg.solve") -> Tensor:
    """solve(A, B, left=left); a singular A raises LinAlgError naming `failing_as`."""
    check_matrix("linalg.solve", A, square=True)
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg.solve(): argument 'B' (position 2) must be Tensor, not {type(B).__name__}")
    if A.dtype is not B.dtype:
        raise RuntimeError(
            f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
            f"{dt.scalar_type_name(A.dtype)} and B of type {dt.scalar_type_name(B.dtype)} instead; convert one"
        )
    if not left:
        return solution_of(A.mT, B.mT, True, failing_as).mT
    vector = is_vector_rhs(A, B)
    rhs = B.unsqueeze(-1) if vector else B
    if rhs.shape[-2] != A.shape[-1]:
        raise RuntimeError(
            f"linalg.solve: Incompatible shapes of A and B for the equation AX = B ({A.shape[-2]}x{A.shape[-1]} "
            f"and {rhs.shape[-2]}x{rhs.shape[-1]}); B's rows must equal A's size"
        )
    result = _run(SOLVE, (A, rhs), failure=lambda: singular_system_error(failing_as, A))
    return result.squeeze(-1) if vector else result


def cholesky(A: Tensor, *, upper: bool = False, out: Tensor | None = None) -> Tensor:
    """The lower triangular L of A = L L^T for each symmetric positive-definite A (L^T with upper=True)."""
    return written(factor_of(A, upper), out)


def factor_of(A: Tensor, upper: bool = False, failing_as: str = "linalg.cholesky") -> Tensor:
    """cholesky(A, upper=upper); a matrix that is not positive-definite raises LinAlgError naming `failing_as`."""
    check_matrix("linalg.cholesky", A, square=True)
    lower = _run(CHOLESKY, (A,), failure=lambda: not_positive_definite_error(A, failing_as))
    return lower.mT if upper else lower


def eigh(A: Tensor, UPLO: str = "L", *, out=None) -> linalg_eigh:
    """(eigenvalues ascending, eigenvectors as columns) of each symmetric matrix of A."""
    if isinstance(A, Tensor) and A.ndim >= 2 and not A.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"linalg_eigh_cpu\" not implemented for '{dt.scalar_type_name(A.dtype)}'; convert first, e.g. A.double()"
        )
    check_matrix("linalg.eigh", A, square=True)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"linalg.eigh: Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    packed = _run(EIGH, (A,), {"uplo": UPLO})
    result = linalg_eigh(_part(UNPACK_EIGH, packed, 0), _part(UNPACK_EIGH, packed, slice(1, None)))
    return all_written(result, out)


def eigvalsh(A: Tensor, UPLO: str = "L", *, out: Tensor | None = None) -> Tensor:
    """The eigenvalues of each symmetric matrix of A, ascending."""
    return written(eigh(A, UPLO)[0], out)


def svd(A: Tensor, full_matrices: bool = True, *, driver=None, out=None) -> linalg_svd:
    """(U, S, Vh) with A = U diag(S) Vh, singular values descending (reduced with full_matrices=False)."""
    check_matrix("linalg.svd", A)
    _refuse_driver(driver)
    rows, cols = A.shape[-2:]
    k = min(rows, cols)
    packed = _run(SVD, (A,), {"full_matrices": bool(full_matrices)})
    u = _part(UNPACK_SVD, packed, slice(0, rows), rows if full_matrices else k)
    s = _part(UNPACK_SVD, packed, rows, k)
    vh = _part(UNPACK_SVD, packed, slice(rows + 1, None), cols if full_matrices else k, transpose=True)
    result = linalg_svd(u, s, vh)
    return all_written(result, out)


def _refuse_driver(driver) -> None:
    if driver is not None:
        raise RuntimeError(
            "torch.linalg.svd: keyword argument `driver=` is only supported on CUDA inputs with cuSOLVER backend. "
            "ember's backends choose their own SVD routine; leave driver out"
        )


def svdvals(A: Tensor, *, driver=None, out: Tensor | None = None) -> Tensor:
    """The singular values of each matrix of A, descending."""
    check_matrix("linalg.svd", A)
    _refuse_driver(driver)
    return written(_part(UNPACK_SVD, _run(SVD, (A,)), A.shape[-2], min(A.shape[-2:])), out)


def qr(A: Tensor, mode: str = "reduced", *, out=None) -> linalg_qr:
    """(Q, R) with A = Q R, Q's columns orthonormal and R upper triangular."""
    check_matrix("linalg.qr", A)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(
            f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', or 'complete'"
        )
    rows, cols = A.shape[-2:]
    if mode == "r":
        result = linalg_qr(A.new_empty((0,)), _run(R_ONLY_QR, (A,)))
    elif mode == "complete" and rows > cols:
        result = linalg_qr(*(_run(COMPLETE_QR, (A,), {"part": part}) for part in range(2)))
    else:
        packed = _run(QR, (A,))
        q, r = _part(UNPACK_QR, packed, slice(0, rows)), _part(UNPACK_QR, packed, slice(rows, None), transpose=True)
        result = linalg_qr(q, r)
    return all_written(result, out)


def lu_factor(A: Tensor, *, pivot: bool = True, out=None) -> linalg_lu_factor:
    """(LU, pivots): L (unit diagonal left out) and U of A = P L U in one matrix, and LAPACK's 1-based row swaps."""
    found = _factored("linalg.lu_factor", A, pivot)
    refuse_zero_pivots("torch.linalg.lu_factor", A, found.info)
    return all_written(linalg_lu_factor(found.LU, found.pivots), out)


def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False, out=None) -> linalg_lu_factor_ex:
    """(LU, pivots, info): info is 0, or the 1-based index of U's first zero diagonal element."""
    found = _factored("linalg.lu_factor_ex", A, pivot)
    if check_errors:
        refuse_zero_pivots("torch.linalg.lu_factor_ex", A, found.info)
    return all_written(found, out)


def _factored(name: str, A: Tensor, pivot: bool) -> linalg_lu_factor_ex:
    check_matrix(name, A)
    if not pivot:
        raise RuntimeError(f"{name}: LU without pivoting is not implemented on the CPU; use pivot=True")
    rows, cols = A.shape[-2:]
    packed = _run(LU, (A,))
    pivots = packed.detach()[..., rows, : min(rows, cols)].to(dt.int32)
    factors = _part(UNPACK_LU, packed, slice(0, rows))
    zero = factors.detach().diagonal(0, -2, -1) == 0
    first = zero.int().argmax(-1) + 1
    return linalg_lu_factor_ex(factors, pivots, where(zero.any(-1), first, 0).to(dt.int32))
