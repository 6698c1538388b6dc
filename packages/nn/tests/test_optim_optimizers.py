"""ember.optim optimizers: update rules checked against hand-computed values, param groups, state dicts."""

import copy
import math

import ember
import numpy as np
import pytest
from ember import optim


def leaf(values, dtype=ember.float32):
    return ember.tensor(values, dtype=dtype, requires_grad=True)


def step_with_grad(opt, param, grad):
    param.grad = ember.tensor(grad, dtype=param.dtype)
    opt.step()
    return param.detach().numpy().copy()


# --- update rules ------------------------------------------------------------------------------


def test_sgd_plain_step_is_w_minus_lr_g_and_updates_numpy_views():
    w = leaf([1.0, -2.0, 3.0])
    view = w.detach().numpy()
    opt = optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    opt.step()
    expected = np.array([1.0, -2.0, 3.0], np.float32) * (1 - 0.2)
    np.testing.assert_allclose(view, expected, rtol=1e-6)
    assert w.dtype is ember.float32 and w.grad_fn is None and w.requires_grad


def test_sgd_momentum_accumulates_and_nesterov_looks_ahead():
    w = leaf([0.0])
    opt = optim.SGD([w], lr=0.1, momentum=0.9)
    assert step_with_grad(opt, w, [1.0])[0] == pytest.approx(-0.1)
    assert step_with_grad(opt, w, [1.0])[0] == pytest.approx(-0.1 - 0.19)
    np.testing.assert_allclose(opt.state[w]["momentum_buffer"].numpy(), [1.9], rtol=1e-6)

    v = leaf([0.0])
    nesterov = optim.SGD([v], lr=0.1, momentum=0.9, nesterov=True)
    assert step_with_grad(nesterov, v, [1.0])[0] == pytest.approx(-0.19)
    assert step_with_grad(nesterov, v, [1.0])[0] == pytest.approx(-0.19 - 0.1 * (1 + 0.9 * 1.9))


def test_sgd_dampening_weight_decay_and_maximize():
    w = leaf([2.0])
    opt = optim.SGD([w], lr=0.1, momentum=0.5, dampening=0.5, weight_decay=0.1)
    first = step_with_grad(opt, w, [1.0])[0]  # g = 1 + 0.1*2 = 1.2; buf = 1.2
    assert first == pytest.approx(2.0 - 0.12)
    second = step_with_grad(opt, w, [1.0])[0]  # g = 1 + 0.1*1.88; buf = 0.5*1.2 + 0.5*g
    g = 1 + 0.1 * first
    assert second == pytest.approx(first - 0.1 * (0.6 + 0.5 * g), rel=1e-6)

    up = leaf([0.0])
    assert step_with_grad(optim.SGD([up], lr=0.5, maximize=True), up, [2.0])[0] == pytest.approx(1.0)


def test_sgd_does_not_modify_the_gradient():
    w = leaf([1.0, 2.0])
    opt = optim.SGD([w], lr=0.1, momentum=0.9, weight_decay=0.5, maximize=True)
    w.grad = ember.tensor([1.0, 1.0])
    opt.step()
    opt.step()
    np.testing.assert_array_equal(w.grad.numpy(), [1.0, 1.0])


def test_adam_first_step_moves_each_coordinate_by_lr():
    w = leaf([1.0, 1.0, 1.0])
    opt = optim.Adam([w], lr=0.01)
    after = step_with_grad(opt, w, [3.0, -0.5, 1e-3])
    np.testing.assert_allclose(after, [0.99, 1.01, 0.99], rtol=1e-5)
    state = opt.state[w]
    assert list(state) == ["step", "exp_avg", "exp_avg_sq"]
    assert state["step"].item() == 1.0 and state["step"].dtype is ember.float32
    np.testing.assert_allclose(state["exp_avg"].numpy(), [0.3, -0.05, 1e-4], rtol=1e-5)
    np.testing.assert_allclose(state["exp_avg_sq"].numpy(), [0.009, 0.00025, 1e-9], rtol=1e-5)


def test_adam_second_step_matches_the_formula():
    lr, (b1, b2), eps = 0.1, (0.8, 0.9), 1e-8
    w = leaf([0.0], dtype=ember.float64)
    opt = optim.Adam([w], lr=lr, betas=(b1, b2), eps=eps)
    step_with_grad(opt, w, [1.0])
    after = step_with_grad(opt, w, [2.0])[0]
    m = b1 * (1 - b1) * 1 + (1 - b1) * 2
    v = b2 * (1 - b2) * 1 + (1 - b2) * 4
    update = lr / (1 - b1**2) * m / (math.sqrt(v) / math.sqrt(1 - b2**2) + eps)
    first = -lr * 1.0 / (1.0 + eps)
    assert after == pytest.approx(first - update, rel=1e-12)


def test_adam_amsgrad_keeps_the_largest_second_moment():
    w = leaf([0.0, 0.0])
    opt = optim.Adam([w], lr=0.1, amsgrad=True)
    step_with_grad(opt, w, [10.0, 1.0])
    step_with_grad(opt, w, [0.0, 1.0])
    peak = opt.state[w]["max_exp_avg_sq"].numpy()
    np.testing.assert_allclose(opt.state[w]["exp_avg_sq"].numpy(), [0.0999, 0.001999], rtol=1e-5)
    np.testing.assert_allclose(peak, [0.1, 0.001999], rtol=1e-5)


def test_adamw_decays_weights_without_touching_the_moments():
    w = leaf([2.0])
    opt = optim.AdamW([w], lr=0.1, weight_decay=0.5)
    assert opt.defaults["decoupled_weight_decay"] is True
    after = step_with_grad(opt, w, [0.0])
    assert after[0] == pytest.approx(2.0 * (1 - 0.05))
    assert opt.state[w]["exp_avg"].item() == 0.0

    coupled = leaf([2.0])
    adam = optim.Adam([coupled], lr=0.1, weight_decay=0.5)
    step_with_grad(adam, coupled, [0.0])
    assert adam.state[coupled]["exp_avg"].item() == pytest.approx(0.1)  # (1 - 0.9) * (0 + 0.5 * 2)


def test_rmsprop_plain_centered_and_momentum():
    alpha, lr, eps = 0.9, 0.01, 1e-8
    w = leaf([0.0], dtype=ember.float64)
    after = step_with_grad(optim.RMSprop([w], lr=lr, alpha=alpha, eps=eps), w, [2.0])[0]
    assert after == pytest.approx(-lr * 2.0 / (math.sqrt(0.1 * 4) + eps))

    c = leaf([0.0], dtype=ember.float64)
    centered = optim.RMSprop([c], lr=lr, alpha=alpha, eps=eps, centered=True)
    after = step_with_grad(centered, c, [2.0])[0]
    assert after == pytest.approx(-lr * 2.0 / (math.sqrt(0.1 * 4 - 0.2**2) + eps))
    assert list(centered.state[c]) == ["step", "square_avg", "grad_avg"]

    m = leaf([0.0], dtype=ember.float64)
    heavy = optim.RMSprop([m], lr=lr, alpha=alpha, momentum=0.5)
    step_with_grad(heavy, m, [2.0])
    second = step_with_grad(heavy, m, [2.0])[0]
    first_update = 2.0 / (math.sqrt(0.4) + 1e-8)
    second_update = 0.5 * first_update + 2.0 / (math.sqrt(0.9 * 0.4 + 0.4) + 1e-8)
    assert second == pytest.approx(-lr * (first_update + second_update))


def test_adagrad_sums_squares_and_decays_the_step():
    w = leaf([0.0], dtype=ember.float64)
    opt = optim.Adagrad([w], lr=0.1, lr_decay=0.5, initial_accumulator_value=1.0)
    assert opt.state[w]["sum"].item() == 1.0 and opt.state[w]["step"].item() == 0.0
    first = step_with_grad(opt, w, [1.0])[0]
    assert first == pytest.approx(-0.1 / math.sqrt(2.0))
    second = step_with_grad(opt, w, [1.0])[0]
    assert second == pytest.approx(first - 0.1 / 1.5 / math.sqrt(3.0))


@pytest.mark.parametrize(
    "make",
    [
        lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
        lambda p: optim.Adam(p, lr=0.1),
        lambda p: optim.AdamW(p, lr=0.1),
        lambda p: optim.RMSprop(p, lr=0.1, centered=True, momentum=0.1),
        lambda p: optim.Adagrad(p, lr=0.1),
    ],
)
def test_every_optimizer_descends_a_quadratic_in_float64_and_skips_params_without_grad(make):
    w = leaf([3.0, -2.0], dtype=ember.float64)
    frozen = leaf([5.0], dtype=ember.float64)
    opt = make([w, frozen])
    start = float((w * w).sum())
    for _ in range(30):
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
    assert float((w * w).sum()) < 0.5 * start
    assert w.dtype is ember.float64
    assert frozen.item() == 5.0
    assert frozen not in opt.state or opt.state[frozen]["step"].item() == 0  # Adagrad makes state up front
    for value in opt.state[w].values():
        if value.dim():
            assert value.dtype is ember.float64


def test_step_bumps_the_version_so_stale_graphs_are_caught():
    w = leaf([1.0, 2.0])
    opt = optim.SGD([w], lr=0.1)
    stale = (w * w).sum()
    w.grad = ember.ones(2)
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        stale.backward()


def test_closure_is_evaluated_with_grad_enabled_and_its_loss_returned():
    w = leaf([1.0])
    opt = optim.SGD([w], lr=0.5)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with ember.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 1.0
    assert w.item() == pytest.approx(0.0)


# --- parameter groups ----------------------------------------------------------------------------


def test_param_groups_fill_defaults_and_keep_their_own_values():
    a, b = leaf([1.0]), leaf([1.0])
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[1]["params"] == [b] and opt.param_groups[1]["momentum"] == 0.9
    assert set(opt.param_groups[0]) == {
        "params",
        "lr",
        "momentum",
        "dampening",
        "weight_decay",
        "nesterov",
        "maximize",
        "foreach",
        "differentiable",
        "fused",
    }
    a.grad, b.grad = ember.ones(1), ember.ones(1)
    opt.step()
    assert a.item() == pytest.approx(0.9) and b.item() == pytest.approx(0.5)


def test_params_keyword_generator_and_add_param_group():
    weights = [leaf([1.0]), leaf([2.0])]
    opt = optim.SGD(params=(w for w in weights), lr=1e-2)
    assert opt.param_groups[0]["params"] == weights
    extra = leaf([0.0])
    opt.add_param_group({"params": [extra], "lr": 1.0})
    assert len(opt.param_groups) == 2 and opt.param_groups[1]["momentum"] == 0
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [weights[0]]})


def test_named_parameters_are_accepted():
    w = leaf([1.0])
    opt = optim.Adam([("weight", w)], lr=0.1)
    assert opt.param_groups[0]["params"] == [w] and opt.param_groups[0]["param_names"] == ["weight"]


def test_bad_params_raise_pytorch_errors():
    w = leaf([1.0])
    with pytest.raises(TypeError, match="iterable of Tensors"):
        optim.SGD(w, lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([w * 2], lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        optim.SGD([1.0], lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": {w}}], lr=0.1)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: optim.SGD(p, lr=-1), "Invalid learning rate: -1"),
        (lambda p: optim.SGD(p, momentum=-0.1), "Invalid momentum value"),
        (lambda p: optim.SGD(p, lr=0.1, nesterov=True), "Nesterov momentum requires"),
        (lambda p: optim.Adam(p, betas=(1.0, 0.9)), "Invalid beta parameter at index 0"),
        (lambda p: optim.Adam(p, eps=-1), "Invalid epsilon value"),
        (lambda p: optim.AdamW(p, weight_decay=-1), "Invalid weight_decay value"),
        (lambda p: optim.RMSprop(p, alpha=-1), "Invalid alpha value"),
        (lambda p: optim.Adagrad(p, lr_decay=-1), "Invalid lr_decay value"),
    ],
)
def test_bad_hyper_parameters_raise_value_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make([leaf([1.0])])


def test_zero_grad_sets_to_none_or_zeroes_in_place():
    w = leaf([1.0, 2.0])
    opt = optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    opt.zero_grad()
    assert w.grad is None
    (w * w).sum().backward()
    grad = w.grad
    grad[0] = float("nan")
    opt.zero_grad(set_to_none=False)
    assert w.grad is grad
    np.testing.assert_array_equal(grad.numpy(), [0.0, 0.0])


def test_repr_lists_each_group_like_pytorch():
    opt = optim.SGD([leaf([1.0])], lr=0.1)
    assert repr(opt) == (
        "SGD (\nParameter Group 0\n    dampening: 0\n    differentiable: False\n    foreach: None\n"
        "    fused: None\n    lr: 0.1\n    maximize: False\n    momentum: 0\n    nesterov: False\n"
        "    weight_decay: 0\n)"
    )


def test_custom_optimizer_subclass_with_its_own_step():
    class SignDescent(optim.Optimizer):
        def __init__(self, params, lr):
            super().__init__(params, {"lr": lr})

        @ember.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    p.add_(p.grad.sign(), alpha=-group["lr"])

    w = leaf([1.0, -1.0])
    opt = SignDescent([w], lr=0.25)
    (w * w).sum().backward()
    opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [0.75, -0.75])


# --- state dict ---------------------------------------------------------------------------------


def two_group_adam():
    a, b, c = leaf([1.0, 2.0]), leaf([[3.0]]), leaf([4.0])
    opt = optim.Adam([{"params": [a, b]}, {"params": [c], "lr": 0.5}], lr=0.1, amsgrad=True)
    return opt, (a, b, c)


def run_steps(opt, params, count):
    for _ in range(count):
        opt.zero_grad()
        sum(((p * p).sum() for p in params), ember.tensor(0.0)).backward()
        opt.step()


def test_state_dict_uses_pytorch_layout_with_integer_indices():
    opt, params = two_group_adam()
    a, b, c = params
    c.requires_grad_(True)
    run_steps(opt, [a, b], 2)
    saved = opt.state_dict()
    assert set(saved) == {"state", "param_groups"}
    assert [g["params"] for g in saved["param_groups"]] == [[0, 1], [2]]
    assert saved["param_groups"][1]["lr"] == 0.5 and saved["param_groups"][0]["betas"] == (0.9, 0.999)
    assert sorted(saved["state"]) == [0, 1]  # c never had a gradient
    assert list(saved["state"][0]) == ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"]
    assert saved["state"][1]["step"].item() == 2.0


def test_load_state_dict_resumes_with_an_identical_next_step():
    opt, params = two_group_adam()
    run_steps(opt, params, 3)
    snapshot = [p.detach().clone() for p in params]
    saved = copy.deepcopy(opt.state_dict())  # state_dict() shares the live state tensors, as in PyTorch

    run_steps(opt, params, 2)
    expected = [p.detach().numpy().copy() for p in params]

    fresh_params = [s.clone().requires_grad_() for s in snapshot]
    fresh = optim.Adam([{"params": fresh_params[:2]}, {"params": fresh_params[2:], "lr": 123.0}], lr=7.0, amsgrad=True)
    fresh.load_state_dict(saved)
    assert fresh.param_groups[1]["lr"] == 0.5 and fresh.param_groups[0]["params"] == fresh_params[:2]
    run_steps(fresh, fresh_params, 2)
    for p, want in zip(fresh_params, expected):
        np.testing.assert_array_equal(p.detach().numpy(), want)


def test_loaded_state_is_a_copy():
    w = leaf([1.0])
    opt = optim.SGD([w], lr=0.1, momentum=0.9)
    run_steps(opt, [w], 1)
    saved = opt.state_dict()
    other = optim.SGD([leaf([1.0])], lr=0.1, momentum=0.9)
    other.load_state_dict(saved)
    buffer = next(iter(other.state.values()))["momentum_buffer"]
    assert buffer.numpy() is not saved["state"][0]["momentum_buffer"].numpy()
    np.testing.assert_array_equal(buffer.numpy(), saved["state"][0]["momentum_buffer"].numpy())


def test_load_state_dict_casts_floating_state_to_the_parameter_dtype():
    w = leaf([1.0])
    opt = optim.Adam([w], lr=0.1)
    run_steps(opt, [w], 1)
    double = leaf([1.0], dtype=ember.float64)
    other = optim.Adam([double], lr=0.1)
    other.load_state_dict(opt.state_dict())
    assert other.state[double]["exp_avg"].dtype is ember.float64
    assert other.state[double]["step"].dtype is ember.float32


def test_load_state_dict_rejects_a_different_layout():
    opt, _ = two_group_adam()
    saved = opt.state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.Adam([leaf([1.0])]).load_state_dict(saved)
    with pytest.raises(ValueError, match="doesn't match the size"):
        optim.Adam([{"params": [leaf([1.0])]}, {"params": [leaf([1.0])]}]).load_state_dict(saved)


def test_swap_in_optimizer_params_and_state_steps_other_tensors_and_restores_the_live_ones():
    model = ember.nn.Linear(3, 2)
    opt = ember.optim.Adam(model.parameters(), lr=0.1)
    model(ember.ones(1, 3)).sum().backward()
    opt.step()
    live = [p.detach().clone() for p in model.parameters()]
    live_state = {k: v.clone() for k, v in opt.state[model.weight].items()}
    saved = copy.deepcopy(opt.state_dict())
    swapped = {n: p.detach().clone() for n, p in model.named_parameters()}
    for p in swapped.values():
        p.grad = ember.ones_like(p)
    with ember.optim.swap_in_optimizer_params_and_state(opt, swapped, saved):
        assert all(a is b for a, b in zip(opt.param_groups[0]["params"], swapped.values()))
        opt.step()
    for before, param in zip(live, model.parameters()):
        np.testing.assert_array_equal(param.detach().numpy(), before.numpy())
    assert opt.param_groups[0]["params"][0] is model.weight
    for key, value in live_state.items():
        np.testing.assert_array_equal(opt.state[model.weight][key].numpy(), value.numpy())
    assert float(saved["state"][0]["step"]) == 2.0, "the swapped-in state was stepped in place"
    assert not np.array_equal(swapped["weight"].detach().numpy(), live[0].numpy())
    with pytest.raises(RuntimeError, match="match optimizer.param_groups ordering"):
        with ember.optim.swap_in_optimizer_params_and_state(opt, {"a": ember.ones(1)}, saved):
            pass
    with pytest.raises(RuntimeError, match="requires initialized optimizer state"):
        with ember.optim.swap_in_optimizer_params_and_state(ember.optim.SGD(model.parameters(), 0.1), swapped, saved):
            pass
