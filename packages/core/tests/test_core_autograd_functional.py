"""ember.autograd.functional: Jacobians, Hessians and their products against hand-derived values and NumPy."""

from __future__ import annotations

import ember
import numpy as np
import pytest
from ember.autograd import functional as F

RNG = np.random.default_rng(7)
X = RNG.standard_normal(3)
Y = RNG.standard_normal(3)
W = RNG.standard_normal((2, 3))


def t(array, requires_grad: bool = False) -> ember.Tensor:
    return ember.tensor(array, dtype=ember.float64, requires_grad=requires_grad)


def close(tensor, expected) -> bool:
    return np.allclose(tensor.detach().numpy(), expected, rtol=1e-6, atol=1e-9)


def numeric_jacobian(fn, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """d fn / d x by central differences, shaped fn(x).shape + x.shape."""
    out_shape = np.shape(fn(x))
    columns = []
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = eps
        columns.append((fn(x + step) - fn(x - step)) / (2 * eps))
    return np.moveaxis(np.array(columns).reshape(x.shape + out_shape), list(range(x.ndim)), list(range(-x.ndim, 0)))


# --- jacobian ----------------------------------------------------------------------------------


def test_jacobian_of_a_matrix_product_is_the_matrix():
    jac = F.jacobian(lambda x: t(W) @ x, t(X))
    assert jac.shape == (2, 3)
    assert close(jac, W)
    assert not jac.requires_grad


def test_jacobian_of_an_elementwise_function_matches_finite_differences():
    jac = F.jacobian(lambda x: x.sin() * x.exp(), t(X))
    assert close(jac, np.diag(np.cos(X) * np.exp(X) + np.sin(X) * np.exp(X)))
    assert np.allclose(jac.numpy(), numeric_jacobian(lambda a: np.sin(a) * np.exp(a), X), atol=1e-6)


def test_jacobian_nests_tuples_of_outputs_then_inputs():
    jac = F.jacobian(lambda x, y: (x * y, (x**2).sum()), (t(X), t(Y)))
    assert isinstance(jac, tuple) and len(jac) == 2 and all(len(row) == 2 for row in jac)
    assert close(jac[0][0], np.diag(Y)) and close(jac[0][1], np.diag(X))
    assert jac[1][0].shape == (3,) and close(jac[1][0], 2 * X)
    assert close(jac[1][1], np.zeros(3))  # unused input: zeros


def test_jacobian_leaves_out_the_level_of_a_bare_tensor():
    assert isinstance(F.jacobian(lambda x: (x, 2 * x), t(X)), tuple)
    one_output = F.jacobian(lambda x, y: x * y, (t(X), t(Y)))
    assert isinstance(one_output, tuple) and close(one_output[1], np.diag(X))


def test_jacobian_block_shape_is_output_shape_then_input_shape():
    m = RNG.standard_normal((2, 2))
    jac = F.jacobian(lambda a: a.exp(), t(m))
    assert jac.shape == (2, 2, 2, 2)
    assert np.allclose(jac.numpy(), numeric_jacobian(np.exp, m), atol=1e-6)


def test_jacobian_with_create_graph_can_be_differentiated_again():
    x = t(X, requires_grad=True)
    jac = F.jacobian(lambda a: a**3, x, create_graph=True)
    assert jac.requires_grad
    (second,) = ember.autograd.grad(jac.sum(), x)
    assert close(second, 6 * X)


def test_jacobian_vectorize_gives_the_loop_result():
    assert close(F.jacobian(lambda x: t(W) @ x, t(X), vectorize=True), W)


def test_jacobian_strict_refuses_an_unused_input():
    with pytest.raises(RuntimeError, match="independent of input 1"):
        F.jacobian(lambda x, y: x * 2, (t(X), t(Y)), strict=True)
    with pytest.raises(RuntimeError, match="vectorize"):
        F.jacobian(lambda x: x, t(X), strict=True, vectorize=True)


def test_forward_mode_is_refused_clearly():
    with pytest.raises(NotImplementedError, match="forward-mode"):
        F.jacobian(lambda x: x, t(X), strategy="forward-mode")
    with pytest.raises(NotImplementedError, match="forward-mode"):
        F.hessian(lambda x: x.sum(), t(X), outer_jacobian_strategy="forward-mode")
    with pytest.raises(ValueError, match="reverse-mode"):
        F.jacobian(lambda x: x, t(X), strategy="sideways")


def test_non_tensor_inputs_and_outputs_are_refused():
    with pytest.raises(TypeError, match="inputs given to jacobian"):
        F.jacobian(lambda x: x, [1.0, 2.0])
    with pytest.raises(TypeError, match="outputs of the user-provided function"):
        F.jacobian(lambda x: 3.0, t(X))


# --- hessian -----------------------------------------------------------------------------------


def test_hessian_of_a_quadratic_form_is_the_symmetrised_matrix():
    a = RNG.standard_normal((3, 3))
    hess = F.hessian(lambda x: x @ t(a) @ x, t(X))
    assert close(hess, a + a.T)


def test_hessian_of_a_function_of_two_inputs():
    # f = sum(x^3 * y): d2f/dx2 = diag(6 x y), d2f/dxdy = diag(3 x^2), d2f/dy2 = 0
    hess = F.hessian(lambda x, y: (x**3 * y).sum(), (t(X), t(Y)))
    assert close(hess[0][0], np.diag(6 * X * Y))
    assert close(hess[0][1], np.diag(3 * X**2)) and close(hess[1][0], np.diag(3 * X**2))
    assert close(hess[1][1], np.zeros((3, 3)))


def test_hessian_matches_finite_differences_of_the_gradient():
    def grad_np(x):
        return np.exp(x) * x.sum() + np.exp(x).sum()  # gradient of sum(exp(x)) * sum(x)

    hess = F.hessian(lambda x: x.exp().sum() * x.sum(), t(X))
    assert np.allclose(hess.numpy(), numeric_jacobian(grad_np, X), atol=1e-6)


def test_hessian_needs_a_single_element_output():
    with pytest.raises(RuntimeError, match="single element"):
        F.hessian(lambda x: x**2, t(X))
    with pytest.raises(RuntimeError, match="single Tensor"):
        F.hessian(lambda x: (x.sum(), x.sum()), t(X))


def test_hessian_strict_refuses_a_linear_function():
    with pytest.raises(RuntimeError, match="jacobian of the user-provided function"):
        F.hessian(lambda x: (2 * x).sum(), t(X), strict=True)
    assert close(F.hessian(lambda x: (2 * x).sum(), t(X)), np.zeros((3, 3)))


# --- vjp and jvp -------------------------------------------------------------------------------


def test_vjp_is_v_times_the_jacobian():
    v = RNG.standard_normal(2)
    out, product = F.vjp(lambda x: t(W) @ x.sin(), t(X), t(v))
    assert close(out, W @ np.sin(X))
    assert close(product, (v @ W) * np.cos(X))


def test_vjp_of_tuples_and_an_implicit_v():
    out, (gx, gy) = F.vjp(lambda x, y: (x * y).sum(), (t(X), t(Y)))
    assert close(out, (X * Y).sum()) and close(gx, Y) and close(gy, X)
    with pytest.raises(RuntimeError, match="v can only be None"):
        F.vjp(lambda x: x * 2, t(X))


def test_jvp_is_the_jacobian_times_v():
    v = RNG.standard_normal(3)
    out, product = F.jvp(lambda x: t(W) @ x.exp(), t(X), t(v))
    assert close(out, W @ np.exp(X))
    assert close(product, W @ (np.exp(X) * v))


def test_jvp_of_tuples():
    (o1, o2), (p1, p2) = F.jvp(lambda x, y: (x * y, x.sum()), (t(X), t(Y)), (t(Y), t(X)))
    assert close(o1, X * Y) and close(o2, X.sum())
    assert close(p1, Y * Y + X * X) and close(p2, Y.sum())


def test_v_of_the_wrong_size_or_count_is_refused():
    with pytest.raises(RuntimeError, match="v has invalid size"):
        F.jvp(lambda x: x, t(X), t(np.zeros(2)))
    with pytest.raises(RuntimeError, match="invalid length"):
        F.jvp(lambda x, y: x * y, (t(X), t(Y)), (t(X),))


def test_vjp_with_create_graph_keeps_the_graph():
    x = t(X, requires_grad=True)
    _, product = F.vjp(lambda a: (a**3).sum(), x, create_graph=True)
    (second,) = ember.autograd.grad(product.sum(), x)
    assert close(second, 6 * X)


# --- vhp and hvp -------------------------------------------------------------------------------


@pytest.mark.parametrize("fn", [F.vhp, F.hvp])
def test_hessian_products_match_the_hessian(fn):
    a = RNG.standard_normal((3, 3))
    v = RNG.standard_normal(3)
    out, product = fn(lambda x: (x @ t(a) @ x) + x.exp().sum(), t(X), t(v))
    hess = a + a.T + np.diag(np.exp(X))
    assert close(out, X @ a @ X + np.exp(X).sum())
    assert close(product, (hess @ v) if fn is F.hvp else (v @ hess))


@pytest.mark.parametrize("fn", [F.vhp, F.hvp])
def test_hessian_products_of_tuples(fn):
    _, (px, py) = fn(lambda x, y: (x**3 * y).sum(), (t(X), t(Y)), (t(Y), t(X)))
    # H = [[diag(6xy), diag(3x^2)], [diag(3x^2), 0]] times (Y, X)
    assert close(px, 6 * X * Y * Y + 3 * X**2 * X)
    assert close(py, 3 * X**2 * Y)


def test_hvp_needs_a_scalar_function():
    with pytest.raises(RuntimeError, match="single element"):
        F.hvp(lambda x: x**2, t(X), t(Y))
