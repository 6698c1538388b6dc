"""Matrix products: values against NumPy for every rank combination, node names, errors, einsum."""

import ember
import numpy as np
import pytest

RNG = np.random.default_rng(3)


def _random(*shape):
    return RNG.standard_normal(shape)


def _close(tensor, expected):
    np.testing.assert_allclose(tensor.detach().numpy(), expected, rtol=1e-10, atol=1e-12)


SHAPES = {1: (3,), 2: (2, 3), 3: (4, 2, 3), 4: (2, 1, 2, 3)}


def _right(rank):
    return {1: (3,), 2: (3, 5), 3: (4, 3, 5), 4: (1, 4, 3, 5)}[rank]


# PyTorch names matmul's node after the kernel it lowers to.
NODE_NAMES = {
    (1, 1): "DotBackward0",
    (1, 2): "SqueezeBackward4",
    (2, 1): "MvBackward0",
    (2, 2): "MmBackward0",
    (2, 3): "CloneBackward0",
    (2, 4): "CloneBackward0",
}


@pytest.mark.parametrize("right_rank", [1, 2, 3, 4])
@pytest.mark.parametrize("left_rank", [1, 2, 3, 4])
def test_matmul_of_every_rank_pair_matches_numpy(left_rank, right_rank):
    a, b = _random(*SHAPES[left_rank]), _random(*_right(right_rank))
    x, y = ember.tensor(a, requires_grad=True), ember.tensor(b, requires_grad=True)
    result = x @ y
    _close(result, a @ b)
    _close(ember.matmul(x, y), a @ b)
    assert type(result.grad_fn).__name__ == NODE_NAMES.get((left_rank, right_rank), "UnsafeViewBackward0")
    result.sum().backward()
    _close(x.grad, _gradient_of_total(a, lambda t: t @ b))
    _close(y.grad, _gradient_of_total(b, lambda t: a @ t))


def _gradient_of_total(array, product):
    """d sum(product(array)) / d array, exact for a linear product: one unit vector per element."""
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        unit = np.zeros_like(array)
        unit[index] = 1.0
        grad[index] = product(unit).sum()
    return grad


def test_matmul_gradients_sum_over_broadcast_batches():
    a, b = _random(2, 3), _random(4, 3, 5)
    x, y = ember.tensor(a, requires_grad=True), ember.tensor(b, requires_grad=True)
    (x @ y).sum().backward()
    _close(x.grad, (np.ones((4, 2, 5)) @ np.swapaxes(b, -1, -2)).sum(0))
    _close(y.grad, np.swapaxes(a, -1, -2) @ np.ones((4, 2, 5)))


def test_named_products():
    a, b, v = _random(2, 3), _random(3, 4), _random(3)
    _close(ember.mm(ember.tensor(a), ember.tensor(b)), a @ b)
    _close(ember.tensor(a).mv(ember.tensor(v)), a @ v)
    _close(ember.dot(ember.tensor(v), ember.tensor(v)), v @ v)
    _close(ember.inner(ember.tensor(v), ember.tensor(v)), v @ v)
    _close(ember.outer(ember.tensor(v), ember.tensor(a[0])), np.outer(v, a[0]))
    batch_a, batch_b = _random(5, 2, 3), _random(5, 3, 4)
    product = ember.bmm(ember.tensor(batch_a, requires_grad=True), ember.tensor(batch_b))
    _close(product, batch_a @ batch_b)
    assert type(product.grad_fn).__name__ == "BmmBackward0"
    _close(ember.tensor(a).t(), a.T)
    _close(ember.tensor(a).T @ ember.tensor(a), a.T @ a)


def test_integer_matmul_stays_integer():
    a = ember.tensor([[1, 2], [3, 4]])
    result = a @ a
    assert result.dtype is ember.int64
    np.testing.assert_array_equal(result.numpy(), [[7, 10], [15, 22]])


def test_addmm_scales_both_terms():
    bias, a, b = _random(4), _random(2, 3), _random(3, 4)
    _close(ember.addmm(ember.tensor(bias), ember.tensor(a), ember.tensor(b)), bias + a @ b)
    scaled = ember.addmm(ember.tensor(bias), ember.tensor(a), ember.tensor(b), beta=0.5, alpha=2)
    _close(scaled, 0.5 * bias + 2 * (a @ b))
    x = ember.tensor(a, requires_grad=True)
    w = ember.tensor(b, requires_grad=True)
    c = ember.tensor(bias, requires_grad=True)
    out = ember.addmm(c, x, w, beta=3, alpha=2)
    assert type(out.grad_fn).__name__ == "AddmmBackward0"
    out.sum().backward()
    _close(c.grad, np.full(4, 6.0))
    _close(x.grad, 2 * np.ones((2, 4)) @ b.T)
    _close(w.grad, 2 * a.T @ np.ones((2, 4)))


@pytest.mark.parametrize(
    ("equation", "shapes"),
    [
        ("ij,jk->ik", [(2, 3), (3, 4)]),
        ("ij,ij->i", [(2, 3), (2, 3)]),
        ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
        ("i,j->ij", [(3,), (4,)]),
        ("ij->ji", [(2, 3)]),
        ("ij->", [(2, 3)]),
        ("ij,jk", [(2, 3), (3, 4)]),
        ("ii->i", [(3, 3)]),
    ],
)
def test_einsum_matches_numpy(equation, shapes):
    arrays = [_random(*shape) for shape in shapes]
    _close(ember.einsum(equation, *[ember.tensor(a) for a in arrays]), np.einsum(equation, *arrays))
    _close(ember.einsum(equation, [ember.tensor(a) for a in arrays]), np.einsum(equation, *arrays))


def test_einsum_gradients_sum_out_unused_letters():
    a, b = _random(2, 3), _random(3, 4)
    x, y = ember.tensor(a, requires_grad=True), ember.tensor(b, requires_grad=True)
    ember.einsum("ij,jk->i", x, y).sum().backward()
    _close(x.grad, np.broadcast_to(b.sum(1), (2, 3)))
    _close(y.grad, np.broadcast_to(a.sum(0)[:, None], (3, 4)))


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: ember.ones(2, 3) @ ember.ones(4, 5), r"shapes cannot be multiplied \(2x3 and 4x5\)"),
        (
            lambda: ember.mm(ember.ones(2, 3), ember.ones(4, 2)),
            r"mm: mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x2\)",
        ),
        (lambda: ember.ones(3) @ ember.ones(4), r"shapes cannot be multiplied \(3 and 4\)"),
        (lambda: ember.ones(()) @ ember.ones(3), "both arguments to matmul need to be at least 1D"),
        (
            lambda: ember.ones(2, 3, 4) @ ember.ones(5, 4, 2),
            r"size of tensor a \(2\) must match the size of tensor b \(5\)",
        ),
        (lambda: ember.ones(2, 3) @ ember.ones(3, 2, dtype=ember.float64), "expected m1 and m2 to have the same dtype"),
        (lambda: ember.mm(ember.ones(3), ember.ones(3, 3)), "mm: self must be a matrix"),
        (lambda: ember.mm(ember.ones(2, 3), ember.ones(3)), "mm: mat2 must be a matrix"),
        (
            lambda: ember.bmm(ember.ones(2, 2, 3), ember.ones(3, 3, 2)),
            r"Expected size for first two dimensions of batch2 tensor to be: \[2, 3\]",
        ),
        (lambda: ember.mv(ember.ones(2, 3), ember.ones(4)), r"size mismatch, got input \(2\), mat \(2x3\), vec \(4\)"),
        (
            lambda: ember.dot(ember.ones(3), ember.ones(4)),
            r"inconsistent tensor size, expected tensor \[3\] and src \[4\]",
        ),
        (lambda: ember.dot(ember.ones(2, 3), ember.ones(2, 3)), "1D tensors expected, but got 2D and 2D tensors"),
        (
            lambda: ember.dot(ember.ones(3), ember.ones(3, dtype=ember.float64)),
            "expected both vectors to have same dtype",
        ),
        (lambda: ember.outer(ember.ones(2, 2), ember.ones(3)), "outer: self must be a vector"),
        (
            lambda: ember.addmm(ember.ones(3), ember.ones(2, 3), ember.ones(3, 2)),
            r"must broadcast to the product's shape \[2, 2\]",
        ),
        (lambda: ember.einsum("ij,jk->ik", ember.ones(2, 3), ember.ones(4, 2)), "subscript j has size 4 for operand 1"),
        (lambda: ember.einsum("ijk->i", ember.ones(2, 3)), "does not match the number of dimensions"),
        (lambda: ember.ones(2, 3, 4).t(), "t\\(\\) expects a tensor with <= 2 dimensions"),
    ],
)
def test_shape_and_dtype_errors_name_both_operands(call, message):
    with pytest.raises(RuntimeError, match=message):
        call()


# --- ldl_factor / ldl_solve: LAPACK's sytrf (lower) through SciPy --------------------------------------


@pytest.mark.parametrize("n", [1, 2, 5, 12])
@pytest.mark.parametrize("diagonal_scale", [1.0, 1e-3])
def test_ldl_factor_is_lapacks_sytrf_and_ldl_solve_solves(n, diagonal_scale):
    lapack = pytest.importorskip("scipy.linalg.lapack")
    rng = np.random.default_rng(n)
    a = rng.normal(size=(n, n))
    a = a + a.T
    a[np.arange(n), np.arange(n)] *= diagonal_scale
    factors, pivots, info = lapack.dsytrf(a, lower=1)
    mine = ember.linalg.ldl_factor_ex(ember.tensor(a))
    assert mine.pivots.tolist() == pivots.tolist() and int(mine.info) == info == 0
    np.testing.assert_allclose(mine.LD.numpy(), np.tril(factors), rtol=1e-10, atol=1e-12)
    b = rng.normal(size=(3, n, 2))
    solved = ember.linalg.ldl_solve(mine.LD, mine.pivots, ember.tensor(b))
    np.testing.assert_allclose(solved.numpy(), np.linalg.solve(a, b), rtol=1e-8, atol=1e-10)


def test_ldl_factor_reads_the_lower_triangle_only():
    lower = np.tril(np.arange(1.0, 10.0).reshape(3, 3)) + 5 * np.eye(3)
    assert ember.linalg.ldl_factor(ember.tensor(lower)).LD.tolist() == (
        ember.linalg.ldl_factor(ember.tensor(lower + np.tril(lower, -1).T)).LD.tolist()
    )
