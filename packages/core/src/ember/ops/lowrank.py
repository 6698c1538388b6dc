"""Randomized low-rank SVD and PCA (torch.svd_lowrank, torch.pca_lowrank).

A random sketch A @ G (G Gaussian, q columns) spans most of A's leading column space; a few
power iterations (alternately through A^H and A, re-orthonormalised by QR each time) sharpen
it. Projecting A onto that orthonormal basis Q leaves a small q-column matrix whose exact SVD
gives A's leading singular triplets (Halko, Martinsson and Tropp, 2011). Everything is made of
differentiable ops, so gradients flow as through the exact SVD of the projection.
"""

from __future__ import annotations

from .. import _dtype as dt
from .._random import randn
from .._tensor import Tensor
from ._declare import export
from .decompositions import qr, svd


def _orthonormal_range(A: Tensor, q: int, niter: int) -> Tensor:
    """An orthonormal basis (m x q) of a randomized sketch of A's column space."""
    sketch = randn(A.shape[-1], q, dtype=A.dtype, device=A.device)
    basis = qr(A @ sketch).Q
    for _ in range(niter):
        basis = qr(A @ qr(A.mH @ basis).Q).Q
    return basis


def _low_rank_svd(A: Tensor, q: int, niter: int) -> tuple:
    wide = A.shape[-2] < A.shape[-1]
    tall = A.mH if wide else A
    basis = _orthonormal_range(tall, q, niter)
    U, S, Vh = svd(basis.mH @ tall, full_matrices=False)
    U, V = basis @ U, Vh.mH
    return (V, S, U) if wide else (U, S, V)


@export(method=False)
def svd_lowrank(A: Tensor, q: int | None = 6, niter: int | None = 2, M: Tensor | None = None) -> tuple:
    """(U, S, V) of a randomized rank-q SVD of A (minus M), with A ~ U diag(S) V^H."""
    if M is not None:
        A = A - M.broadcast_to(A.shape)
    return _low_rank_svd(_floating(A), 6 if q is None else q, 2 if niter is None else niter)


@export(method=False)
def pca_lowrank(A: Tensor, q: int | None = None, center: bool = True, niter: int = 2) -> tuple:
    """(U, S, V) of a randomized rank-q SVD of A with its column means taken off: V holds the principal directions."""
    m, n = A.shape[-2:]
    if q is None:
        q = min(6, m, n)
    elif not 0 <= q <= min(m, n):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than min(m, n)={min(m, n)}")
    if niter < 0:
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    A = _floating(A)
    return _low_rank_svd(A - A.mean(-2, keepdim=True) if center else A, q, niter)


def _floating(A: Tensor) -> Tensor:
    return A if A.dtype.is_floating_point or A.dtype.is_complex else A.to(dt.get_default_dtype())
