"""NAdam, RAdam, Adamax, Adadelta, Rprop, ASGD: two steps against NumPy, state keys, argument errors."""

import ember
import numpy as np
import pytest
from ember import optim

W0 = np.array([0.5, -1.5, 2.0])
GRADS = [np.array([0.3, -0.2, 0.0]), np.array([-0.1, -0.4, 0.25])]


def run_two_steps(opt_class, **options):
    w = ember.tensor(W0.copy(), dtype=ember.float64, requires_grad=True)
    opt = opt_class([w], **options)
    trajectory = []
    for g in GRADS:
        w.grad = ember.tensor(g, dtype=ember.float64)
        opt.step()
        trajectory.append(w.detach().numpy().copy())
    return trajectory, opt.state[w]


def assert_trajectory(opt_class, expected, **options):
    trajectory, state = run_two_steps(opt_class, **options)
    for step, (ours, reference) in enumerate(zip(trajectory, expected)):
        np.testing.assert_allclose(ours, reference, rtol=1e-12, atol=1e-15, err_msg=f"step {step + 1}")
    return state


def test_nadam_two_steps():
    lr, b1, b2, eps, decay = 0.01, 0.9, 0.999, 1e-8, 4e-3
    w, m, v, mu_product, expected = W0.copy(), 0 * W0, 0 * W0, 1.0, []
    for t, g in enumerate(GRADS, 1):
        mu = b1 * (1 - 0.5 * 0.96 ** (t * decay))
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * decay))
        mu_product_f32 = float(np.float32(np.float32(mu_product) * np.float32(mu)))
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        denom = np.sqrt(v / (1 - b2**t)) + eps
        w = w - lr * (1 - mu) / (1 - mu_product_f32) * g / denom
        w = w - lr * mu_next / (1 - mu_product_f32 * mu_next) * m / denom
        mu_product = mu_product_f32
        expected.append(w)
    state = assert_trajectory(optim.NAdam, expected, lr=lr)
    assert list(state) == ["step", "mu_product", "exp_avg", "exp_avg_sq"]
    assert state["mu_product"].dtype is ember.float32 and float(state["step"]) == 2


def test_radam_is_momentum_sgd_while_rho_stays_below_5():
    lr, b1, b2 = 0.01, 0.9, 0.5  # beta2 = 0.5: rho_inf = 3, never rectified
    w, m = W0.copy(), 0 * W0
    expected = []
    for t, g in enumerate(GRADS, 1):
        m = b1 * m + (1 - b1) * g
        w = w - lr * m / (1 - b1**t)
        expected.append(w)
    assert_trajectory(optim.RAdam, expected, lr=lr, betas=(b1, b2))
    _, state = run_two_steps(optim.RAdam, lr=lr)
    assert list(state) == ["step", "exp_avg", "exp_avg_sq"]


def test_radam_rectified_step():
    # with betas (0.9, 0.999), rho_t first exceeds 5 at step 6
    w = ember.tensor([1.0], dtype=ember.float64, requires_grad=True)
    opt = optim.RAdam([w], lr=0.1, betas=(0.9, 0.999))
    m = v = 0.0
    x = 1.0
    for t in range(1, 9):
        w.grad = ember.tensor([0.5], dtype=ember.float64)
        opt.step()
        m = 0.9 * m + 0.1 * 0.5
        v = 0.999 * v + 0.001 * 0.25
        rho_inf = 2 / 0.001 - 1
        rho = rho_inf - 2 * t * 0.999**t / (1 - 0.999**t)
        step = 0.1 * m / (1 - 0.9**t)
        if rho > 5:
            rect = ((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho)) ** 0.5
            step *= (1 - 0.999**t) ** 0.5 / (v**0.5 + 1e-8) * rect
        x -= step
        assert float(w[0]) == pytest.approx(x, rel=1e-12), f"step {t}"


def test_adamax_two_steps():
    lr, b1, b2, eps = 0.02, 0.8, 0.99, 1e-8
    w, m, u, expected = W0.copy(), 0 * W0, 0 * W0, []
    for t, g in enumerate(GRADS, 1):
        g = g + 0.1 * w
        m = b1 * m + (1 - b1) * g
        u = np.maximum(b2 * u, np.abs(g) + eps)
        w = w - lr / (1 - b1**t) * m / u
        expected.append(w)
    state = assert_trajectory(optim.Adamax, expected, lr=lr, betas=(b1, b2), weight_decay=0.1)
    assert list(state) == ["step", "exp_avg", "exp_inf"]


def test_adadelta_two_steps():
    lr, rho, eps = 0.5, 0.8, 1e-6
    w, sq, acc, expected = W0.copy(), 0 * W0, 0 * W0, []
    for g in GRADS:
        g = -g  # maximize
        sq = rho * sq + (1 - rho) * g * g
        delta = np.sqrt(acc + eps) / np.sqrt(sq + eps) * g
        acc = rho * acc + (1 - rho) * delta * delta
        w = w - lr * delta
        expected.append(w)
    state = assert_trajectory(optim.Adadelta, expected, lr=lr, rho=rho, maximize=True)
    assert list(state) == ["step", "square_avg", "acc_delta"]


def test_rprop_grows_shrinks_and_skips_after_a_sign_flip():
    lr, (minus, plus), (low, high) = 0.1, (0.5, 1.2), (1e-6, 0.11)
    w, prev, size, expected = W0.copy(), 0 * W0, np.full(3, lr), []
    for g in GRADS:
        agreement = np.sign(g * prev)
        factor = np.where(agreement > 0, plus, np.where(agreement < 0, minus, 1.0))
        size = np.clip(size * factor, low, high)
        g = np.where(factor == minus, 0.0, g)
        w = w - np.sign(g) * size
        prev = g
        expected.append(w)
    state = assert_trajectory(optim.Rprop, expected, lr=lr, step_sizes=(low, high))
    assert list(state) == ["step", "prev", "step_size"]
    np.testing.assert_allclose(state["step_size"].numpy(), [0.05, 0.11, 0.1])


def test_asgd_decays_eta_and_averages_from_t0():
    lr, lambd, alpha, t0 = 0.1, 0.01, 0.75, 1
    w, ax, eta, mu, expected, averages = W0.copy(), 0 * W0, float(np.float32(lr)), 1.0, [], []  # float32 state
    for t, g in enumerate(GRADS, 1):
        w = w * (1 - lambd * eta) - eta * g
        ax = ax + (w - ax) * mu if mu != 1 else w.copy()
        eta = float(np.float32(lr / (1 + lambd * lr * t) ** alpha))
        mu = float(np.float32(1 / max(1, t - t0)))
        expected.append(w)
        averages.append(ax)
    state = assert_trajectory(optim.ASGD, expected, lr=lr, lambd=lambd, alpha=alpha, t0=t0)
    assert list(state) == ["step", "eta", "mu", "ax"]
    np.testing.assert_allclose(state["ax"].numpy(), averages[-1], rtol=1e-12)
    assert float(state["eta"]) == pytest.approx(eta, rel=1e-7)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: optim.NAdam(p, lr=-1), "Invalid learning rate: -1"),
        (lambda p: optim.NAdam(p, momentum_decay=-0.1), "Invalid momentum_decay value: -0.1"),
        (lambda p: optim.RAdam(p, betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
        (lambda p: optim.Adamax(p, eps=-1e-3), "Invalid epsilon value: -0.001"),
        (lambda p: optim.Adadelta(p, rho=1.5), "Invalid rho value: 1.5"),
        (lambda p: optim.Rprop(p, etas=(1.1, 1.2)), "Invalid eta values: 1.1, 1.2"),
        (lambda p: optim.ASGD(p, weight_decay=-1), "Invalid weight_decay value: -1"),
    ],
)
def test_invalid_hyper_parameters_raise_torch_messages(make, message):
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        make([ember.zeros(2, requires_grad=True)])


@pytest.mark.parametrize("name", ["NAdam", "RAdam", "Adamax", "Adadelta", "Rprop", "ASGD"])
def test_state_dict_round_trip_continues_the_same_trajectory(name):
    opt_class = getattr(optim, name)
    a = ember.tensor(W0.copy(), dtype=ember.float32, requires_grad=True)
    first = opt_class([a], lr=0.01)
    for g in GRADS:
        a.grad = ember.tensor(g, dtype=ember.float32)
        first.step()
    b = ember.tensor(a.detach().numpy().copy(), requires_grad=True)
    second = opt_class([b], lr=0.01)
    second.load_state_dict(first.state_dict())
    for opt, p in ((first, a), (second, b)):
        p.grad = ember.tensor(GRADS[0], dtype=ember.float32)
        opt.step()
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
