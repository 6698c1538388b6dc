"""ember.linalg against NumPy: values over batches, result types, dtype rules and PyTorch's errors."""

import math
import pickle

import ember
import numpy as np
import pytest

L = ember.linalg
RNG = np.random.default_rng(7)


def _matrix(*shape):
    """A well-conditioned random matrix (3 I added when square)."""
    found = RNG.uniform(-1, 1, shape)
    if shape[-1] == shape[-2]:
        found = found + 3 * np.eye(shape[-1])
    return found


def _spd(*shape):
    found = RNG.uniform(-1, 1, shape)
    return found @ np.swapaxes(found, -1, -2) + 3 * np.eye(shape[-1])


def _close(tensor, expected, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(tensor.detach().numpy(), expected, rtol=rtol, atol=atol)


def _t(array):
    return ember.tensor(array, dtype=ember.float64)


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (2, 1, 3, 3)])
def test_det_slogdet_logdet_inv_match_numpy_over_batches(shape):
    a = _matrix(*shape)
    x = _t(a)
    _close(L.det(x), np.linalg.det(a))
    _close(ember.det(x), np.linalg.det(a))
    _close(x.det(), np.linalg.det(a))
    sign, logabsdet = np.linalg.slogdet(a)
    for found in (L.slogdet(x), ember.slogdet(x), x.slogdet()):
        _close(found.sign, sign)
        _close(found.logabsdet, logabsdet)
    expected_logdet = np.where(sign > 0, logabsdet, np.nan)
    _close(ember.logdet(x), expected_logdet)
    _close(x.logdet(), expected_logdet)
    _close(L.inv(x), np.linalg.inv(a))
    _close(ember.inverse(x), np.linalg.inv(a))
    _close(x.inverse(), np.linalg.inv(a))


def test_logdet_is_nan_for_a_negative_determinant_and_minus_inf_for_zero():
    assert math.isnan(ember.logdet(_t([[0.0, 1.0], [1.0, 0.0]])).item())
    assert ember.logdet(_t([[1.0, 2.0], [2.0, 4.0]])).item() == -math.inf


def test_solve_matrices_vectors_broadcast_batches_and_right_side():
    a, b = _matrix(2, 3, 3), RNG.uniform(-1, 1, (3, 2))
    _close(L.solve(_t(a), _t(b)), np.linalg.solve(a, b))
    vector = RNG.uniform(-1, 1, (2, 3))
    _close(L.solve(_t(a), _t(vector)), np.linalg.solve(a, vector[..., None])[..., 0])
    single = RNG.uniform(-1, 1, 3)
    _close(L.solve(_t(a[0]), _t(single)), np.linalg.solve(a[0], single))
    right = RNG.uniform(-1, 1, (4, 3))
    _close(L.solve(_t(a[0]), _t(right), left=False), right @ np.linalg.inv(a[0]))


def test_cholesky_lower_and_upper():
    a = _spd(2, 3, 3)
    lower = np.linalg.cholesky(a)
    _close(L.cholesky(_t(a)), lower)
    _close(L.cholesky(_t(a), upper=True), np.swapaxes(lower, -1, -2))


def test_cholesky_reads_only_the_lower_triangle():
    a = _spd(3, 3)
    garbage = a + np.triu(RNG.uniform(-5, 5, (3, 3)), 1)
    _close(L.cholesky(_t(garbage)), np.linalg.cholesky(a))


@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh_and_eigvalsh(uplo):
    a = _spd(2, 4, 4)
    values, vectors = np.linalg.eigh(a, UPLO=uplo)
    found = L.eigh(_t(a), UPLO=uplo)
    assert type(found).__name__ == "linalg_eigh"
    _close(found.eigenvalues, values)
    _close(abs(found.eigenvectors), abs(vectors), atol=1e-9)
    _close(L.eigvalsh(_t(a), UPLO=uplo), values)


@pytest.mark.parametrize("shape", [(3, 3), (5, 3), (2, 3, 5)])
def test_svd_reduced_and_full_reconstruct_and_match_numpy(shape):
    a = RNG.uniform(-1, 1, shape)
    u, s, vh = L.svd(_t(a), full_matrices=False)
    _close(s, np.linalg.svd(a, compute_uv=False))
    _close(u @ ember.diag_embed(s) @ vh, a, atol=1e-10)
    _close(L.svdvals(_t(a)), np.linalg.svd(a, compute_uv=False))
    full = L.svd(_t(a))
    assert tuple(full.U.shape) == shape[:-1] + (shape[-2],)
    assert tuple(full.Vh.shape) == shape[:-2] + (shape[-1], shape[-1])
    _close(full.U.mT @ full.U, np.broadcast_to(np.eye(shape[-2]), full.U.shape), atol=1e-10)


@pytest.mark.parametrize("shape", [(3, 3), (5, 3), (2, 3, 5)])
def test_qr_modes_match_numpy(shape):
    a = RNG.uniform(-1, 1, shape)
    q, r = np.linalg.qr(a)
    found = L.qr(_t(a))
    _close(found.Q, q)
    _close(found.R, r)
    complete = L.qr(_t(a), mode="complete")
    q_complete, r_complete = np.linalg.qr(a, mode="complete")
    _close(complete.Q, q_complete)
    _close(complete.R, r_complete)
    only_r = L.qr(_t(a), mode="r")
    assert tuple(only_r.Q.shape) == (0,)
    _close(only_r.R, r)


ORDS = [2, 1, 0, 3.5, math.inf, -math.inf, -1.5]


@pytest.mark.parametrize("ord", ORDS)
def test_vector_norm(ord):
    a = RNG.uniform(-1, 1, (2, 3, 4))
    _close(L.vector_norm(_t(a), ord, dim=-1), np.linalg.norm(a, ord, axis=-1))
    flat = np.linalg.norm(a.ravel(), ord)
    _close(L.vector_norm(_t(a), ord), flat)
    _close(
        L.vector_norm(_t(a), ord, dim=(0, 2), keepdim=True),
        np.linalg.norm(a.reshape(2, 3, 4).transpose(1, 0, 2).reshape(3, 8), ord, axis=1).reshape(1, 3, 1),
    )


@pytest.mark.parametrize("ord", ["fro", "nuc", math.inf, -math.inf, 1, -1, 2, -2])
def test_matrix_norm(ord):
    a = RNG.uniform(-1, 1, (2, 3, 4))
    expected = np.linalg.norm(a, ord, axis=(-2, -1))
    _close(L.matrix_norm(_t(a), ord), expected)
    _close(L.matrix_norm(_t(a), ord, keepdim=True), expected[:, None, None])
    _close(L.matrix_norm(_t(a), ord, dim=(0, 2)), np.linalg.norm(a, ord, axis=(0, 2)))
    _close(L.norm(_t(a), ord, dim=(1, 2)), expected)
    _close(L.norm(_t(a[0]), ord), np.linalg.norm(a[0], ord))


def test_norm_without_ord_is_the_flattened_2_norm():
    a = RNG.uniform(-1, 1, (2, 3, 4))
    _close(L.norm(_t(a)), np.linalg.norm(a.ravel()))
    _close(L.norm(_t(a), dim=1), np.linalg.norm(a, axis=1))
    _close(L.norm(_t(a), 1, dim=1), np.linalg.norm(a, 1, axis=1))
    with pytest.raises(RuntimeError, match="input must be 1D or 2D"):
        L.norm(_t(a), 2)


@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (2, 3, 3)])
def test_pinv_and_matrix_rank(shape):
    a = RNG.uniform(-1, 1, shape)
    _close(L.pinv(_t(a)), np.linalg.pinv(a), rtol=1e-8, atol=1e-10)
    assert (L.matrix_rank(_t(a)).numpy() == np.linalg.matrix_rank(a)).all()


def test_pinv_and_matrix_rank_drop_small_singular_values():
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    _close(L.pinv(_t(singular)), np.linalg.pinv(singular))
    _close(L.pinv(_t(singular), hermitian=True), np.linalg.pinv(singular, hermitian=True))
    assert L.matrix_rank(_t(singular)).item() == 1
    assert L.matrix_rank(_t(singular), hermitian=True).item() == 1
    assert L.matrix_rank(_t(np.diag([1.0, 0.1, 0.001])), atol=0.01).item() == 2
    assert L.matrix_rank(_t(np.diag([1.0, 0.1, 0.001])), rtol=0.5).item() == 1
    assert L.matrix_rank(_t(np.eye(3))).dtype is ember.int64


def test_lstsq_solution_rank_and_what_each_driver_returns():
    a, b = RNG.uniform(-1, 1, (5, 3)), RNG.uniform(-1, 1, (5, 2))
    solution, residuals, rank, singular_values = np.linalg.lstsq(a, b, rcond=None)
    found = L.lstsq(_t(a), _t(b))
    assert type(found).__name__ == "linalg_lstsq"
    _close(found.solution, solution)
    assert found.rank.item() == rank and found.rank.dtype is ember.int64
    assert tuple(found.residuals.shape) == (0,) and tuple(found.singular_values.shape) == (0,)
    gelsd = L.lstsq(_t(a), _t(b), driver="gelsd")
    _close(gelsd.residuals, residuals)
    _close(gelsd.singular_values, singular_values)
    gels = L.lstsq(_t(a), _t(b), driver="gels")
    assert tuple(gels.rank.shape) == (0,)
    vector = L.lstsq(_t(a), _t(b[:, 0]))
    _close(vector.solution, solution[:, 0])
    batch = L.lstsq(_t(np.stack([a, a])), _t(b[:, 0]).expand(2, 5))
    _close(batch.solution, np.stack([solution[:, 0]] * 2))


def test_lstsq_batched_and_wide_give_minimum_norm_solutions():
    a, b = RNG.uniform(-1, 1, (2, 3, 5)), RNG.uniform(-1, 1, (2, 3, 1))
    _close(L.lstsq(_t(a), _t(b)).solution, np.linalg.pinv(a) @ b)


def test_named_results_unpack_index_print_and_pickle():
    x = _t(_matrix(3, 3))
    found = L.svd(x)
    u, s, vh = found
    assert found[1] is s and found.S is s and found.Vh is vh and found.U is u
    assert repr(found).startswith("ember.return_types.linalg_svd(\nU=tensor(")
    again = pickle.loads(pickle.dumps(found))
    assert type(again) is type(found) and type(again).__name__ == "linalg_svd"
    assert type(found) is ember.return_types.linalg_svd
    assert ember.return_types.linalg_qr._fields == ("Q", "R")


def test_results_record_the_decompositions_nodes():
    x = _t(_matrix(3, 3)).requires_grad_()
    assert type(L.eigh(x).eigenvalues.grad_fn).__name__ == "LinalgEighBackward0"
    assert type(L.svd(x, full_matrices=False).Vh.grad_fn).__name__ == "LinalgSvdBackward0"
    assert type(L.qr(x).R.grad_fn).__name__ == "LinalgQrBackward0"
    assert type(L.inv(x).grad_fn).__name__ == "LinalgInvExBackward0"
    assert type(L.det(x).grad_fn).__name__ == "LinalgDetBackward0"


def test_float32_stays_float32():
    x = ember.tensor(_matrix(3, 3), dtype=ember.float32)
    for found in (L.inv(x), L.det(x), L.svd(x).S, L.eigh(x @ x.mT).eigenvalues, L.qr(x).Q, L.pinv(x)):
        assert found.dtype is ember.float32


# --- errors -------------------------------------------------------------------------------------------


def test_inverting_a_singular_matrix_names_the_zero_diagonal_element_and_batch_element():
    singular = [[1.0, 2.0], [2.0, 4.0]]
    message = (
        "linalg.inv: The diagonal element 2 is zero, the inversion could not be completed because the input "
        "matrix is singular."
    )
    with pytest.raises(L.LinAlgError, match=message.replace(".", r"\.")):
        L.inv(_t(singular))
    with pytest.raises(RuntimeError, match=r"\(Batch element 1\): The diagonal element 2 is zero"):
        ember.inverse(_t([np.eye(2), singular]))
    with pytest.raises(L.LinAlgError, match="The diagonal element 1 is zero"):
        L.inv(_t(np.zeros((2, 2))))


def test_solve_and_cholesky_failures():
    with pytest.raises(L.LinAlgError, match="The solver failed because the input matrix is singular"):
        L.solve(_t([[1.0, 2.0], [2.0, 4.0]]), _t([1.0, 2.0]))
    with pytest.raises(L.LinAlgError, match=r"the leading minor of order 2 is not positive-definite"):
        L.cholesky(_t([[1.0, 2.0], [2.0, 4.0]]))
    with pytest.raises(L.LinAlgError, match=r"\(Batch element 1\): .*leading minor of order 1"):
        L.cholesky(_t([np.eye(2), -np.eye(2)]))


@pytest.mark.parametrize(
    ("name", "call"),
    [
        ("linalg.inv", lambda x: L.inv(x)),
        ("linalg.det", lambda x: L.det(x)),
        ("linalg.slogdet", lambda x: L.slogdet(x)),
        ("linalg.cholesky", lambda x: L.cholesky(x)),
        ("linalg.eigh", lambda x: L.eigh(x)),
        ("linalg.solve", lambda x: L.solve(x, x)),
    ],
)
@pytest.mark.needs_dtype("float16")
def test_square_functions_refuse_non_square_vectors_and_integers(name, call):
    with pytest.raises(RuntimeError, match=f"{name}: A must be batches of square matrices, but they are 2 by 3"):
        call(ember.ones(2, 3))
    with pytest.raises(RuntimeError, match=f"{name}: The input tensor A must have at least 2 dimensions"):
        call(ember.ones(3))
    integers = ember.ones(2, 2, dtype=ember.int64)
    if name == "linalg.eigh":
        with pytest.raises(NotImplementedError, match="\"linalg_eigh_cpu\" not implemented for 'Long'"):
            call(integers)
    else:
        with pytest.raises(
            RuntimeError, match=f"{name}: Expected a floating point or complex tensor as input. Got Long"
        ):
            call(integers)
    with pytest.raises(RuntimeError, match=f"{name}: Low precision dtypes not supported. Got Half"):
        call(ember.ones(2, 2, dtype=ember.float16))


def test_other_argument_errors():
    with pytest.raises(RuntimeError, match="linalg.svd: Expected a floating point"):
        L.svd(ember.ones(2, 3, dtype=ember.int32))
    with pytest.raises(RuntimeError, match="linalg.qr: The input tensor A must have at least 2 dimensions"):
        L.qr(ember.ones(3))
    with pytest.raises(RuntimeError, match="qr received unrecognized mode 'full'"):
        L.qr(ember.ones(2, 2), mode="full")
    with pytest.raises(RuntimeError, match="linalg.eigh: Expected UPLO argument to be 'L' or 'U'"):
        L.eigh(ember.eye(2), UPLO="X")
    with pytest.raises(RuntimeError, match="linalg.vector_norm: Expected a floating point"):
        L.vector_norm(ember.ones(3, dtype=ember.int64))
    with pytest.raises(TypeError, match="argument 'ord' \\(position 2\\) must be Number, not str"):
        L.vector_norm(ember.ones(3), "fro")
    with pytest.raises(RuntimeError, match="keyword argument `driver=` is only supported on CUDA"):
        L.svdvals(ember.eye(2), driver="gesvd")
    with pytest.raises(
        RuntimeError, match="all tensors must have be the same dtype but tensor 0 is float and tensor 1 double"
    ):
        L.multi_dot([ember.ones(2, 2), ember.ones(2, 2, dtype=ember.float64)])
    assert L.matrix_norm(ember.zeros(0, 3), 2).item() == 0
    with pytest.raises(RuntimeError, match="linalg.matrix_norm: Expected a floating point"):
        L.matrix_norm(ember.ones(2, 2, dtype=ember.int64))
    with pytest.raises(RuntimeError, match="linalg.matrix_norm: Order 3 not supported"):
        L.matrix_norm(ember.ones(2, 2), 3)
    with pytest.raises(RuntimeError, match=r"parameter `driver` should be one of \(gels, gelsy, gelsd, gelss\)"):
        L.lstsq(ember.ones(3, 2), ember.ones(3, 1), driver="lu")
    with pytest.raises(RuntimeError, match=r"input.size\(-2\) should match other.size\(-2\)"):
        L.lstsq(ember.ones(3, 2), ember.ones(2, 1))
    with pytest.raises(RuntimeError, match="linalg.solve: Expected A and B to have the same dtype"):
        L.solve(ember.eye(2), ember.ones(2, dtype=ember.float64))


def test_backward_through_what_is_not_differentiable_raises():
    x = ember.tensor(_matrix(3, 2), requires_grad=True)
    with pytest.raises(RuntimeError, match="not differentiable when mode='complete' and nrows > ncols"):
        L.qr(x, mode="complete").Q.sum().backward()
    with pytest.raises(RuntimeError, match="which is not computed when mode='r'"):
        L.qr(x, mode="r").R.sum().backward()


def test_full_svd_passes_gradients_through_the_reduced_part_only():
    a = _matrix(4, 2)
    x, y = _t(a).requires_grad_(), _t(a).requires_grad_()
    full, reduced = L.svd(x), L.svd(y, full_matrices=False)
    (full.U[:, :2].square() * full.S).sum().backward()
    (reduced.U.square() * reduced.S).sum().backward()
    _close(x.grad, y.grad.numpy())
    x.grad = None
    L.svd(x).U.sum().backward()  # the extra columns are not unique: as PyTorch, they get no gradient
    assert x.grad is not None


def test_out_arguments_receive_the_results():
    x = _t(_matrix(3, 3))
    out = ember.empty(0, dtype=ember.float64)
    assert L.inv(x, out=out) is out
    _close(out, np.linalg.inv(x.numpy()))


def test_det_gradient_of_a_singular_matrix_is_zero_as_in_pytorch():
    x = _t([[[1.0, 2.0], [2.0, 4.0]], [[2.0, 0.0], [0.0, 3.0]]]).requires_grad_()
    L.det(x).sum().backward()
    _close(x.grad, [[[0.0, 0.0], [0.0, 0.0]], [[3.0, 0.0], [0.0, 2.0]]])


# --- the rest of torch.linalg and the older top-level forms ------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 2, 5, -1, -3])
def test_matrix_power(n):
    a = _matrix(2, 3, 3)
    _close(L.matrix_power(_t(a), n), np.linalg.matrix_power(a, n), rtol=1e-9)
    _close(ember.matrix_power(_t(a), n), np.linalg.matrix_power(a, n), rtol=1e-9)


def test_matrix_power_of_integers_stays_integer():
    found = _t(np.ones((2, 2))).long().matrix_power(3)
    assert found.dtype is ember.int64 and found.tolist() == [[4, 4], [4, 4]]


def test_multi_dot_vecdot_diagonal_matmul():
    a, b, c = RNG.uniform(-1, 1, 3), RNG.uniform(-1, 1, (3, 4)), RNG.uniform(-1, 1, (4, 2))
    _close(L.multi_dot([_t(a), _t(b), _t(c)]), np.linalg.multi_dot([a, b, c]))
    with pytest.raises(RuntimeError, match="multi_dot\\(\\): expected at least 2 tensors but got 1"):
        L.multi_dot([_t(a)])
    with pytest.raises(RuntimeError, match="multi_dot\\(\\): the last tensor must be 1D or 2D but got 3D"):
        L.multi_dot([_t(a), _t(np.ones((3, 2, 2)))])
    x, y = RNG.uniform(-1, 1, (2, 3)), RNG.uniform(-1, 1, 3)
    _close(L.vecdot(_t(x), _t(y)), x @ y)
    m = RNG.uniform(-1, 1, (2, 3, 3))
    _close(L.diagonal(_t(m)), np.diagonal(m, axis1=-2, axis2=-1))
    _close(L.matmul(_t(m), _t(m)), m @ m)


@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", 1, -1, math.inf, -math.inf])
def test_cond(p):
    a = _matrix(2, 3, 3)
    _close(L.cond(_t(a), p), np.linalg.cond(a, p), rtol=1e-9)


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
def test_solve_triangular(upper, left):
    scipy_linalg = pytest.importorskip("scipy.linalg")
    a, b = _matrix(3, 3), RNG.uniform(-1, 1, (3, 2))
    rhs = b if left else b.T
    found = L.solve_triangular(_t(a), _t(rhs), upper=upper, left=left)
    if left:
        expected = scipy_linalg.solve_triangular(a, b, lower=not upper)
    else:
        expected = scipy_linalg.solve_triangular(a.T, b, lower=upper).T
    _close(found, expected)
    unit = L.solve_triangular(_t(a), _t(b), upper=upper, unitriangular=True)
    _close(unit, scipy_linalg.solve_triangular(a, b, lower=not upper, unit_diagonal=True))


def test_vander_tensorinv_tensorsolve():
    x = RNG.uniform(-1, 1, (2, 3))
    _close(L.vander(_t(x)), np.stack([np.vander(row, increasing=True) for row in x]))
    _close(L.vander(_t(x), N=5)[..., 4], x**4)
    a = _matrix(6, 6).reshape(6, 2, 3)
    _close(L.tensorinv(_t(a), ind=1), np.linalg.tensorinv(a, ind=1))
    square = _matrix(6, 6).reshape(2, 3, 6)
    b = RNG.uniform(-1, 1, (2, 3))
    _close(L.tensorsolve(_t(square), _t(b)), np.linalg.tensorsolve(square, b))


@pytest.mark.parametrize("scale", [0.1, 1.0, 10.0])
def test_matrix_exp(scale):
    scipy_linalg = pytest.importorskip("scipy.linalg")
    a = RNG.uniform(-1, 1, (2, 3, 3)) * scale
    _close(L.matrix_exp(_t(a)), np.stack([scipy_linalg.expm(m) for m in a]), rtol=1e-9, atol=1e-10)
    _close(_t(a).matrix_exp(), np.stack([scipy_linalg.expm(m) for m in a]), rtol=1e-9, atol=1e-10)


def test_ex_forms_report_failures_in_info():
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    found = L.inv_ex(_t([np.eye(2), singular]))
    assert type(found).__name__ == "linalg_inv_ex"
    assert found.info.dtype is ember.int32 and found.info.tolist() == [0, 2]
    good = L.inv_ex(_t(np.eye(2) * 2))
    _close(good.inverse, np.eye(2) / 2)
    assert good.info.item() == 0
    with pytest.raises(L.LinAlgError, match="The diagonal element 2 is zero"):
        L.inv_ex(_t(singular), check_errors=True)
    assert L.cholesky_ex(_t(singular)).info.item() == 2
    _close(L.cholesky_ex(_t(np.eye(2) * 4)).L, np.eye(2) * 2)
    assert L.solve_ex(_t(singular), _t([1.0, 2.0])).info.item() == 2
    _close(L.solve_ex(_t(np.eye(2) * 2), _t([1.0, 2.0])).result, [0.5, 1.0])


def test_older_top_level_forms():
    a = RNG.uniform(-1, 1, (4, 3))
    u, s, v = ember.svd(_t(a))
    assert type(ember.svd(_t(a))).__name__ == "svd"
    _close(u @ ember.diag(s) @ v.mT, a, atol=1e-10)
    assert tuple(ember.svd(_t(a), some=False).U.shape) == (4, 4)
    none = ember.svd(_t(a), compute_uv=False)
    assert tuple(none.U.shape) == (4, 4) and not none.U.any().item()
    _close(none.S, np.linalg.svd(a, compute_uv=False))
    q, r = _t(a).qr()
    _close(q @ r, a, atol=1e-10)
    assert tuple(ember.qr(_t(a), some=False).Q.shape) == (4, 4)
    spd = _spd(3, 3)
    with pytest.warns(UserWarning, match="torch.cholesky is deprecated"):
        _close(ember.cholesky(_t(spd)), np.linalg.cholesky(spd))
    factor = np.linalg.cholesky(spd)
    b = RNG.uniform(-1, 1, (3, 2))
    _close(ember.cholesky_solve(_t(b), _t(factor)), np.linalg.solve(spd, b))
    _close(ember.cholesky_solve(_t(b), _t(factor.T), upper=True), np.linalg.solve(spd, b))
    _close(ember.cholesky_inverse(_t(factor)), np.linalg.inv(spd))
    _close(_t(a).pinverse(), np.linalg.pinv(a), rtol=1e-9)


@pytest.mark.parametrize("shape", [(4, 4), (2, 5, 3), (3, 5)])
def test_lu_factor_matches_lapack(shape):
    scipy_linalg = pytest.importorskip("scipy.linalg")
    a = RNG.uniform(-1, 1, shape)
    found = L.lu_factor(_t(a))
    k = min(shape[-2:])
    for index in np.ndindex(shape[:-2]):
        p, lower, upper = scipy_linalg.lu(a[index])
        _close(found.LU[index].tril(-1)[:, :k], np.tril(lower, -1))
        _close(found.LU[index].triu()[:k], upper)
    assert found.pivots.dtype is ember.int32 and tuple(found.pivots.shape) == shape[:-2] + (k,)
    p, lower, upper = L.lu(_t(a))
    _close(p @ lower @ upper, a, atol=1e-12)


def test_lu_solve_and_the_older_forms():
    a, b = _matrix(2, 3, 3), RNG.uniform(-1, 1, (2, 3, 2))
    lu_data, pivots = L.lu_factor(_t(a))
    _close(L.lu_solve(lu_data, pivots, _t(b)), np.linalg.solve(a, b))
    _close(L.lu_solve(lu_data, pivots, _t(b), adjoint=True), np.linalg.solve(np.swapaxes(a, -1, -2), b))
    with pytest.warns(UserWarning, match="torch.lu is deprecated"):
        _close(ember.lu_solve(_t(b), *ember.lu(_t(a))), np.linalg.solve(a, b))
    with pytest.warns(UserWarning, match="torch.lu is deprecated"):
        assert len(_t(a).lu(get_infos=True)) == 3
    solution, copy = ember.triangular_solve(_t(b), _t(a))
    _close(solution, np.linalg.solve(np.triu(a), b))
    _close(copy, a)


def test_lu_factor_ex_reports_a_zero_pivot():
    found = L.lu_factor_ex(_t([[1.0, 2.0], [2.0, 4.0]]))
    assert found.info.dtype is ember.int32 and found.info.item() == 2
    with pytest.raises(L.LinAlgError, match=r"lu_factor: \(Batch element 1\): U\[2,2\] is zero"):
        L.lu_factor(_t([np.eye(2), [[1.0, 2.0], [2.0, 4.0]]]))
    with pytest.raises(RuntimeError, match="LU without pivoting is not implemented"):
        L.lu_factor(_t(np.eye(2)), pivot=False)


def test_named_results_fill_out_tensors():
    x = _t(_matrix(2, 3, 3))
    into = (ember.empty(0, dtype=ember.float64), ember.empty(0, dtype=ember.float64))
    found = L.eigh(x @ x.mT, out=into)
    assert found.eigenvalues is into[0] and found.eigenvectors is into[1]
    info = (ember.empty(0, dtype=ember.float64), ember.empty(0, dtype=ember.int32))
    found = L.inv_ex(x, out=info)
    assert found.inverse is info[0] and found.info is info[1]
    _close(info[0], np.linalg.inv(x.numpy()))
    assert info[1].tolist() == [0, 0]


def test_geqrf_householder_product_ormqr():
    a, c = RNG.uniform(-1, 1, (2, 5, 3)), RNG.uniform(-1, 1, (2, 5, 2))
    reflectors, tau = ember.geqrf(_t(a))
    raw, expected_tau = np.linalg.qr(a, mode="raw")
    _close(reflectors, np.swapaxes(raw, -1, -2))
    _close(tau, expected_tau)
    q, r = np.linalg.qr(a)
    _close(L.householder_product(reflectors, tau), q)
    _close(reflectors.orgqr(tau), q)
    full = np.linalg.qr(a, mode="complete")[0]
    _close(ember.ormqr(reflectors, tau, _t(c)), full @ c)
    _close(ember.ormqr(reflectors, tau, _t(c), transpose=True), np.swapaxes(full, -1, -2) @ c)
    _close(ember.ormqr(reflectors, tau, _t(np.swapaxes(c, -1, -2)), left=False), np.swapaxes(c, -1, -2) @ full)


def test_chain_matmul_is_multi_dot_with_a_deprecation_warning():
    a, b = RNG.uniform(-1, 1, (2, 3)), RNG.uniform(-1, 1, (3, 4))
    with pytest.warns(UserWarning, match="torch.chain_matmul is deprecated"):
        _close(ember.chain_matmul(_t(a), _t(b)), a @ b)
    with pytest.warns(UserWarning), pytest.raises(RuntimeError, match="Tensor dimension is 1, expected 2 instead"):
        ember.chain_matmul(_t(a[0]), _t(b))
