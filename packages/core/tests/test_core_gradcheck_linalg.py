"""Finite-difference checks (float64) of ember.linalg: every differentiable function, batched.

Inputs are well conditioned: square matrices get 3 I added, symmetric ones are X X^T + 3 I,
and eigenvectors and singular vectors enter only through sign-invariant functions
(their squares), so that each function is smooth around the sampled point.
"""

import ember
import numpy as np
import pytest
from ember.autograd import gradcheck, gradgradcheck

L = ember.linalg


def _square(x):
    return x + 3 * ember.eye(x.shape[-1], dtype=x.dtype)


def _spd(x):
    return x @ x.mT + 3 * ember.eye(x.shape[-1], dtype=x.dtype)


def _sym(x):
    return x + x.mT


def _eigh_parts(x):
    values, vectors = L.eigh(_sym(x))
    return values.unsqueeze(-2) * vectors.square()


def _svd_parts(x):
    u, s, vh = L.svd(x, full_matrices=False)
    return ember.cat([u.square() * s.unsqueeze(-2), (vh.square() * s.unsqueeze(-1)).mT], dim=-2)


def _qr_parts(x):
    q, r = L.qr(x)
    return ember.cat([q, r.mT], dim=-2)


CASES = [
    ("det", lambda a: L.det(_square(a)), [(2, 3, 3)]),
    ("det_top_level", lambda a: ember.det(_square(a)), [(3, 3)]),
    ("slogdet", lambda a: L.slogdet(_square(a)).logabsdet, [(2, 3, 3)]),
    ("logdet", lambda a: ember.logdet(_spd(a)), [(2, 3, 3)]),
    ("inv", lambda a: L.inv(_square(a)), [(2, 3, 3)]),
    ("inverse_method", lambda a: _square(a).inverse(), [(3, 3)]),
    ("solve", lambda a, b: L.solve(_square(a), b), [(2, 3, 3), (3, 2)]),
    ("solve_vector", lambda a, b: L.solve(_square(a), b), [(3, 3), (3,)]),
    ("solve_right", lambda a, b: L.solve(_square(a), b, left=False), [(3, 3), (2, 3)]),
    ("cholesky", lambda a: L.cholesky(_spd(a)), [(2, 3, 3)]),
    ("cholesky_upper", lambda a: L.cholesky(_spd(a), upper=True), [(3, 3)]),
    ("eigh", _eigh_parts, [(2, 3, 3)]),
    ("eigvalsh", lambda a: L.eigvalsh(_sym(a)), [(3, 3)]),
    ("svd_square", _svd_parts, [(2, 3, 3)]),
    ("svd_tall", _svd_parts, [(4, 3)]),
    ("svd_wide", _svd_parts, [(2, 3, 4)]),
    ("svd_full", lambda a: L.svd(a).U[..., :3].square() * L.svd(a).S.unsqueeze(-2), [(2, 5, 3)]),
    ("svdvals", lambda a: L.svdvals(a), [(2, 4, 3)]),
    ("qr_square", _qr_parts, [(2, 3, 3)]),
    ("qr_tall", _qr_parts, [(4, 3)]),
    ("qr_wide", _qr_parts, [(2, 3, 4)]),
    ("vector_norm", lambda a: L.vector_norm(a, 3, dim=-1), [(2, 3)]),
    ("vector_norm_all", lambda a: L.vector_norm(a), [(2, 3)]),
    ("matrix_norm_fro", lambda a: L.matrix_norm(a), [(2, 3, 4)]),
    ("matrix_norm_nuc", lambda a: L.matrix_norm(a, "nuc"), [(2, 3, 4)]),
    ("matrix_norm_2", lambda a: L.matrix_norm(a, 2), [(4, 3)]),
    ("matrix_norm_-2", lambda a: L.matrix_norm(a, -2), [(4, 3)]),
    ("matrix_norm_1", lambda a: L.matrix_norm(a, 1, keepdim=True), [(2, 3, 4)]),
    ("matrix_norm_inf", lambda a: L.matrix_norm(a, float("inf"), dim=(0, 2)), [(3, 2, 4)]),
    ("norm", lambda a: L.norm(a), [(2, 3)]),
    ("norm_matrix_ord", lambda a: L.norm(a, "nuc"), [(3, 4)]),
    ("pinv_tall", lambda a: L.pinv(a), [(2, 4, 3)]),
    ("pinv_wide", lambda a: L.pinv(a), [(3, 4)]),
    ("pinv_hermitian", lambda a: L.pinv(_spd(a), hermitian=True), [(3, 3)]),
    ("lstsq", lambda a, b: L.lstsq(a, b).solution, [(4, 3), (4, 2)]),
    ("lstsq_residuals", lambda a, b: L.lstsq(a, b, driver="gelsd").residuals, [(2, 4, 3), (2, 4, 2)]),
    ("matrix_power", lambda a: L.matrix_power(a, 3), [(2, 3, 3)]),
    ("matrix_power_negative", lambda a: L.matrix_power(_square(a), -2), [(3, 3)]),
    ("multi_dot", lambda a, b, c: L.multi_dot([a, b, c]), [(3,), (3, 4), (4, 2)]),
    ("vecdot", lambda a, b: L.vecdot(a, b, dim=0), [(3, 2), (3, 1)]),
    ("cond", lambda a: L.cond(a), [(2, 3, 3)]),
    ("cond_fro", lambda a: L.cond(_square(a), "fro"), [(3, 3)]),
    ("solve_triangular", lambda a, b: L.solve_triangular(_square(a), b, upper=True), [(3, 3), (3, 2)]),
    (
        "solve_triangular_unit",
        lambda a, b: L.solve_triangular(a, b, upper=False, unitriangular=True, left=False),
        [(3, 3), (2, 3)],
    ),
    ("vander", lambda a: L.vander(a, N=4), [(2, 3)]),
    ("tensorinv", lambda a: L.tensorinv(_square(a).reshape(4, 2, 2), ind=1), [(4, 4)]),
    ("tensorsolve", lambda a, b: L.tensorsolve(_square(a).reshape(2, 2, 2, 2), b), [(4, 4), (2, 2)]),
    ("matrix_exp", lambda a: L.matrix_exp(a), [(2, 3, 3)]),
    ("matrix_exp_scaled", lambda a: ember.matrix_exp(a * 4), [(3, 3)]),
    ("cholesky_solve", lambda a, b: ember.cholesky_solve(b, L.cholesky(_spd(a))), [(3, 3), (3, 2)]),
    ("cholesky_inverse", lambda a: ember.cholesky_inverse(L.cholesky(_spd(a)), upper=False), [(3, 3)]),
    ("pinverse", lambda a: ember.pinverse(a), [(4, 3)]),
    ("svd_legacy", lambda a: ember.svd(a).S, [(4, 3)]),
    ("lu_factor", lambda a: L.lu_factor(a).LU, [(2, 3, 3)]),
    ("lu", lambda a: ember.cat([L.lu(a).L, L.lu(a).U], dim=-1), [(3, 3)]),
    ("lu_solve", lambda a, b: L.lu_solve(*L.lu_factor(_square(a)), b), [(2, 3, 3), (3, 2)]),
    ("lu_solve_adjoint", lambda a, b: L.lu_solve(*L.lu_factor(_square(a)), b, adjoint=True), [(3, 3), (3, 2)]),
    ("triangular_solve", lambda a, b: ember.triangular_solve(b, _square(a), transpose=True).solution, [(3, 3), (3, 2)]),
    ("householder_product", lambda a, t: L.householder_product(a, t), [(2, 4, 3), (2, 2)]),
    ("ormqr", lambda a, t, c: ember.ormqr(a, t, c, transpose=True), [(4, 3), (3,), (4, 2)]),
]


def _inputs(shapes, seed: int):
    rng = np.random.default_rng(seed)
    return tuple(ember.tensor(rng.uniform(-1, 1, shape), dtype=ember.float64, requires_grad=True) for shape in shapes)


@pytest.mark.parametrize(("name", "function", "shapes"), CASES, ids=[case[0] for case in CASES])
def test_gradcheck(name, function, shapes):
    assert gradcheck(function, _inputs(shapes, seed=len(name)), eps=1e-6, atol=1e-5, rtol=1e-3)


@pytest.mark.parametrize(("name", "function", "shapes"), CASES, ids=[case[0] for case in CASES])
def test_gradgradcheck(name, function, shapes):
    assert gradgradcheck(function, _inputs(shapes, seed=len(name) + 1), eps=1e-6, atol=1e-5, rtol=1e-3)
