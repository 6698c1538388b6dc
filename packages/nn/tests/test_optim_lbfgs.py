"""LBFGS: its first iterations against NumPy, the strong-Wolfe line search on Rosenbrock, state and errors."""

import ember
import numpy as np
import pytest
from ember import optim

SCALES = np.array([1.0, 4.0, 0.5])
W0 = np.array([1.0, -2.0, 3.0])


def quadratic_closure(opt, w):
    def closure():
        opt.zero_grad()
        loss = (ember.tensor(SCALES) * w * w).sum()
        loss.backward()
        return loss

    return closure


def test_two_iterations_match_the_two_loop_recursion_by_hand():
    w = ember.tensor(W0.copy(), requires_grad=True)
    opt = optim.LBFGS([w], lr=0.5, max_iter=2, max_eval=10)
    opt.step(quadratic_closure(opt, w))

    grad = lambda x: 2 * SCALES * x  # noqa: E731
    g0 = grad(W0)
    t0 = min(1.0, 1.0 / np.abs(g0).sum()) * 0.5
    d0 = -g0
    w1 = W0 + t0 * d0
    g1 = grad(w1)
    y, s = g1 - g0, t0 * d0
    rho = 1 / y.dot(s)
    alpha = s.dot(-g1) * rho
    d1 = (-g1 - alpha * y) * (y.dot(s) / y.dot(y))
    d1 = d1 + (alpha - y.dot(d1) * rho) * s
    expected = w1 + 0.5 * d1
    np.testing.assert_allclose(w.detach().numpy(), expected, rtol=1e-12)
    state = opt.state[w]
    assert state["n_iter"] == 2 and state["func_evals"] == 2
    assert list(state) == ["func_evals", "n_iter", "al", "d", "t", "old_dirs", "old_stps", "ro", "H_diag",
                           "prev_flat_grad", "prev_loss"]  # fmt: skip


def test_strong_wolfe_minimises_rosenbrock():
    xy = ember.tensor([-1.5, 2.0], dtype=ember.float64, requires_grad=True)
    opt = optim.LBFGS([xy], lr=1, max_iter=100, line_search_fn="strong_wolfe", tolerance_grad=1e-10)

    def closure():
        opt.zero_grad()
        x, y = xy[0], xy[1]
        loss = (1 - x) ** 2 + 100 * (y - x * x) ** 2
        loss.backward()
        return loss

    for _ in range(10):
        opt.step(closure)
    np.testing.assert_allclose(xy.detach().numpy(), [1.0, 1.0], atol=1e-5)  # tolerance_change stops it here
    assert opt.state[xy]["func_evals"] < 300


def test_step_returns_the_loss_before_it_moved():
    xy = ember.tensor([-1.5, 2.0], dtype=ember.float64, requires_grad=True)
    opt = optim.LBFGS([xy], lr=1, max_iter=20)

    def closure():
        opt.zero_grad()
        loss = (1 - xy[0]) ** 2 + 100 * (xy[1] - xy[0] ** 2) ** 2
        loss.backward()
        return loss

    first = float(closure())
    returned = opt.step(closure)
    assert float(returned) == pytest.approx(first)  # step() returns the loss before it moved


def test_stops_at_once_when_the_gradient_is_below_tolerance():
    w = ember.zeros(3, dtype=ember.float64, requires_grad=True)
    opt = optim.LBFGS([w])
    opt.step(quadratic_closure(opt, w))
    assert opt.state[w] == {"func_evals": 1, "n_iter": 0}


def test_errors():
    w = ember.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        optim.LBFGS([w], lr=-1)
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        optim.LBFGS([{"params": [w]}, {"params": [ember.zeros(1, requires_grad=True)]}])
    assert optim.LBFGS([w], max_iter=8).defaults["max_eval"] == 10
    opt = optim.LBFGS([ember.tensor(W0.copy(), requires_grad=True)], line_search_fn="backtracking")
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(quadratic_closure(opt, opt.param_groups[0]["params"][0]))
