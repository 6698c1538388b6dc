"""ember.compile on whole training steps: bit-for-bit the eager numbers, live state, guards."""

from __future__ import annotations

import warnings

import ember
import ember.nn as nn
import numpy as np
import pytest


def _regression(seed: int = 0):
    ember.manual_seed(seed)
    model = nn.Linear(3, 1)
    optimizer = ember.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    return model, optimizer


def _data(n: int = 16, features: int = 3, seed: int = 1):
    rng = np.random.default_rng(seed)
    x = ember.tensor(rng.standard_normal((n, features)).astype(np.float32))
    y = ember.tensor(rng.standard_normal((n, 1)).astype(np.float32))
    return x, y


def _make_step(model, optimizer, loss_fn):
    def step(x, y):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.detach()

    return step


def _assert_same_state(a, b):
    for (name, p), (_, q) in zip(a.state_dict().items(), b.state_dict().items()):
        assert np.array_equal(p.numpy(), q.numpy()), name


def _run_both(make_model, steps: int, data, loss_fn):
    eager_model, eager_opt = make_model()
    compiled_model, compiled_opt = make_model()
    eager_step = _make_step(eager_model, eager_opt, loss_fn)
    compiled_step = ember.compile(_make_step(compiled_model, compiled_opt, loss_fn))
    for i in range(steps):
        x, y = data(i)
        expected = eager_step(x, y)
        got = compiled_step(x, y)
        assert np.array_equal(expected.numpy(), got.numpy()), i
        _assert_same_state(eager_model, compiled_model)
        for p, q in zip(eager_model.parameters(), compiled_model.parameters()):
            assert np.array_equal(p.grad.numpy(), q.grad.numpy())
    assert compiled_step._eager_reason is None
    return compiled_step, compiled_model, compiled_opt


def test_linear_regression_sgd_is_bit_for_bit():
    x, y = _data()
    compiled, model, _ = _run_both(_regression, 30, lambda i: (x, y), nn.MSELoss())
    assert len(compiled._cache) >= 1
    assert "def _replay" in compiled.explain()


def _mlp(seed: int = 3):
    ember.manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    return model, ember.optim.Adam(model.parameters(), lr=0.01)


def _classes(i: int):
    rng = np.random.default_rng(i)
    x = ember.tensor(rng.standard_normal((8, 4)).astype(np.float32))
    y = ember.tensor(rng.integers(0, 3, 8))
    return x, y


def test_mlp_cross_entropy_adam_many_steps_is_bit_for_bit():
    compiled, _, optimizer = _run_both(_mlp, 25, _classes, nn.CrossEntropyLoss())
    assert len(compiled._cache) >= 1
    assert float(optimizer.state[next(iter(optimizer.state))]["step"]) == 25


def _dropout_mlp(seed: int = 5):
    ember.manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3))
    return model, ember.optim.SGD(model.parameters(), lr=0.1)


def test_dropout_draws_the_same_random_stream():
    eager_model, eager_opt = _dropout_mlp()
    compiled_model, compiled_opt = _dropout_mlp()
    loss_fn = nn.CrossEntropyLoss()
    eager_step = _make_step(eager_model, eager_opt, loss_fn)
    compiled_step = ember.compile(_make_step(compiled_model, compiled_opt, loss_fn))
    for i in range(10):
        x, y = _classes(i)
        ember.manual_seed(100 + i)
        expected = eager_step(x, y)
        ember.manual_seed(100 + i)
        got = compiled_step(x, y)
        assert np.array_equal(expected.numpy(), got.numpy()), i
        _assert_same_state(eager_model, compiled_model)
    assert compiled_step._cache and compiled_step._eager_reason is None


def test_lr_scheduler_takes_effect():
    x, y = _data()
    eager_model, eager_opt = _regression()
    compiled_model, compiled_opt = _regression()
    eager_sched = ember.optim.lr_scheduler.StepLR(eager_opt, step_size=2, gamma=0.5)
    compiled_sched = ember.optim.lr_scheduler.StepLR(compiled_opt, step_size=2, gamma=0.5)
    eager_step = _make_step(eager_model, eager_opt, nn.MSELoss())
    compiled_step = ember.compile(_make_step(compiled_model, compiled_opt, nn.MSELoss()))
    for _ in range(8):
        eager_step(x, y)
        compiled_step(x, y)
        eager_sched.step()
        compiled_sched.step()
        _assert_same_state(eager_model, compiled_model)
    assert compiled_opt.param_groups[0]["lr"] == 0.05 * 0.5**4
    assert len(compiled_step._cache) <= 2  # the lr is read at replay, not frozen into new traces


def _inexact_lr_steps(dtype):
    """A compiled regression step against the eager one, with a new inexact lr before each call."""
    x, y = _data()
    x, y = x.to(dtype), y.to(dtype)
    eager_model, eager_opt = _regression()
    compiled_model, compiled_opt = _regression()
    eager_model.to(dtype)
    compiled_model.to(dtype)
    eager_step = _make_step(eager_model, eager_opt, nn.MSELoss())
    compiled_step = ember.compile(_make_step(compiled_model, compiled_opt, nn.MSELoss()))
    for lr in np.random.default_rng(3).uniform(1e-3, 0.2, 6):
        eager_opt.param_groups[0]["lr"] = compiled_opt.param_groups[0]["lr"] = float(lr)
        eager_step(x, y)
        compiled_step(x, y)
        _assert_same_state(eager_model, compiled_model)
    assert compiled_step._eager_reason is None
    return compiled_step


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
def test_an_inexact_lr_changed_between_calls_is_bit_for_bit(dtype):
    _inexact_lr_steps(dtype)


_multiply = ember.zeros(1)._backend.multiply


@pytest.mark.skipif(
    not isinstance(getattr(_multiply, "__wrapped__", _multiply), np.ufunc),
    reason="the replay retypes settings only for NumPy ufuncs; this run's CPU backend's kernels are not ufuncs",
)
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
def test_an_inexact_lr_is_converted_once_per_call(dtype):
    # the replay converts the lr to the parameters' dtype once per new rate, where NumPy converts it per kernel
    name = "float32" if dtype is ember.float32 else "float64"
    assert f"_{name} = " in _inexact_lr_steps(dtype).explain()
    assert "_typed_setting(" in _inexact_lr_steps(dtype).explain()


def test_grads_and_state_dict_are_live_after_each_call():
    x, y = _data()
    model, optimizer = _regression()
    step = ember.compile(_make_step(model, optimizer, nn.MSELoss()))
    for _ in range(4):
        before = model.weight.detach().clone()
        step(x, y)
        assert model.weight.grad is not None
        expected = before.numpy() - 0.0  # the weight moved: state_dict sees the new values
        assert not np.array_equal(model.state_dict()["weight"].numpy(), expected)
        assert np.shares_memory(model.state_dict()["weight"].numpy(), model.weight.detach().numpy())


def test_changed_batch_size_retraces():
    model, optimizer = _regression()
    eager_model, eager_opt = _regression()
    step = ember.compile(_make_step(model, optimizer, nn.MSELoss()))
    eager = _make_step(eager_model, eager_opt, nn.MSELoss())
    for n in (16, 16, 16, 5, 16, 5):
        x, y = _data(n)
        assert np.array_equal(eager(x, y).numpy(), step(x, y).numpy())
    _assert_same_state(eager_model, model)


def test_eval_between_calls_retraces():
    model, _ = _dropout_mlp()
    eager_model, _ = _dropout_mlp()
    forward = ember.compile(model)
    x, _ = _classes(0)
    with ember.no_grad():
        for mode in ("train", "eval", "train", "eval"):
            getattr(model, mode)()
            getattr(eager_model, mode)()
            ember.manual_seed(7)
            got = forward(x)
            ember.manual_seed(7)
            assert np.array_equal(eager_model(x).numpy(), got.numpy()), mode


def test_compiled_module_passes_state_through():
    model, _ = _regression()
    compiled = ember.compile(model)
    assert compiled._orig_mod is model
    assert list(compiled.state_dict()) == ["weight", "bias"]
    assert [p is q for p, q in zip(compiled.parameters(), model.parameters())] == [True, True]
    x, _ = _data()
    with ember.no_grad():
        for _ in range(3):
            assert np.array_equal(compiled(x).numpy(), model(x).numpy())


def test_module_output_that_needs_backward_runs_eagerly():
    model, _ = _regression()
    compiled = ember.compile(model)
    x, y = _data()
    with pytest.warns(UserWarning, match="still needs its backward"):
        out = compiled(x)
    nn.MSELoss()(out, y).backward()
    assert model.weight.grad is not None
    compiled(x)  # eager from now on, without another warning


def test_python_side_effects_in_the_step_fall_back_to_eager():
    model, optimizer = _regression()
    losses = []
    step = _make_step(model, optimizer, nn.MSELoss())

    def recording_step(x, y):
        loss = step(x, y)
        losses.append(loss)
        return loss

    compiled = ember.compile(recording_step)
    x, y = _data()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(4):
            compiled(x, y)
    assert len(losses) == 4
    assert sum("ember.compile" in str(w.message) for w in caught) == 1


def _run_custom(make, step_of, steps: int = 6):
    eager_model, eager_opt = make()
    model, optimizer = make()
    eager = step_of(eager_model, eager_opt)
    compiled = ember.compile(step_of(model, optimizer))
    x, y = _data()
    for _ in range(steps):
        assert np.array_equal(eager(x, y).numpy(), compiled(x, y).numpy())
        _assert_same_state(eager_model, model)
        for p, q in zip(eager_model.parameters(), model.parameters()):
            assert np.array_equal(p.grad.numpy(), q.grad.numpy())
    assert compiled._eager_reason is None and compiled._cache
    return model, compiled


def test_gradients_accumulating_across_calls():
    def step_of(model, optimizer):
        def step(x, y):
            loss = nn.MSELoss()(model(x), y)
            loss.backward()
            return loss.detach()

        return step

    _run_custom(_regression, step_of)


def test_zero_grad_keeping_the_gradient_tensors():
    def step_of(model, optimizer):
        def step(x, y):
            optimizer.zero_grad(set_to_none=False)
            loss = nn.MSELoss()(model(x), y)
            loss.backward()
            optimizer.step()
            return loss.detach()

        return step

    model, compiled = _run_custom(_regression, step_of)
    grad = model.weight.grad
    compiled(*_data())  # the compiled call keeps the same gradient tensor, as eager mode does
    assert model.weight.grad is grad


def test_batch_norm_running_statistics():
    def make():
        ember.manual_seed(11)
        model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 1))
        return model, ember.optim.SGD(model.parameters(), lr=0.05)

    model, _ = _run_custom(make, lambda m, o: _make_step(m, o, nn.MSELoss()))
    assert int(model[1].num_batches_tracked) == 6


def test_a_value_check_that_fails_at_replay_runs_the_step_eagerly():
    model, optimizer = _mlp()
    step = ember.compile(_make_step(model, optimizer, nn.CrossEntropyLoss()))
    for i in range(3):
        step(*_classes(i))
    x, _ = _classes(0)
    bad = ember.tensor([0, 1, 2, 5, 0, 1, 2, 0])
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(IndexError, match="out of bounds"):
        step(x, bad)
    for key, value in model.state_dict().items():
        assert np.array_equal(value.numpy(), before[key].numpy()), key
    step(*_classes(5))
    assert step._eager_reason is None


def test_ember_logs_prints_the_trace(monkeypatch, capsys):
    monkeypatch.setenv("EMBER_LOGS", "compile")
    step = ember.compile(lambda a: (a * 3).sum())
    step(ember.ones(2))
    err = capsys.readouterr().err
    assert "def _replay" in err and "kernel calls" in err


def test_forward_hook_with_a_python_side_effect_runs_eagerly():
    model, optimizer = _regression()
    seen = []
    model.register_forward_hook(lambda module, args, out: seen.append(1))
    step = ember.compile(_make_step(model, optimizer, nn.MSELoss()))
    with pytest.warns(UserWarning, match="changes"):
        step(*_data())
    step(*_data())
    assert len(seen) == 2


@pytest.mark.parametrize(
    "make_optimizer",
    [
        lambda p: ember.optim.AdamW(p, lr=0.01, weight_decay=0.1),
        lambda p: ember.optim.Adam(p, lr=0.01, amsgrad=True),
        lambda p: ember.optim.RMSprop(p, lr=0.01, momentum=0.5),
        lambda p: ember.optim.Adagrad(p, lr=0.1),
        lambda p: ember.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
    ],
    ids=["adamw", "amsgrad", "rmsprop", "adagrad", "nesterov"],
)
def test_optimizers_are_bit_for_bit(make_optimizer):
    def make():
        ember.manual_seed(2)
        model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 1))
        return model, make_optimizer(model.parameters())

    _run_custom(make, lambda m, o: _make_step(m, o, nn.MSELoss()), steps=5)


def test_gradient_clipping_in_the_step():
    def step_of(model, optimizer):
        def step(x, y):
            optimizer.zero_grad()
            loss = nn.MSELoss()(model(x), y)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 0.05)
            optimizer.step()
            return loss.detach()

        return step

    _run_custom(_regression, step_of)


@pytest.mark.parametrize("reduce", ["mse", "sum"])
def test_returning_the_loss_itself_after_its_backward(reduce):
    def step_of(model, optimizer):
        def step(x, y):
            optimizer.zero_grad()
            out = model(x)
            loss = nn.MSELoss()(out, y) if reduce == "mse" else (out - y).sum()
            loss.backward()
            optimizer.step()
            return loss

        return step

    eager_model, eager_opt = _regression()
    model, optimizer = _regression()
    eager = step_of(eager_model, eager_opt)
    compiled = ember.compile(step_of(model, optimizer))
    x, y = _data()
    for _ in range(4):
        assert repr(eager(x, y)) == repr(compiled(x, y))
    assert compiled._eager_reason is None and compiled._cache


def test_small_cnn_is_bit_for_bit():
    def make():
        ember.manual_seed(0)
        model = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 10)
        )
        return model, ember.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

    eager_model, eager_opt = make()
    model, optimizer = make()
    eager = _make_step(eager_model, eager_opt, nn.CrossEntropyLoss())
    compiled = ember.compile(_make_step(model, optimizer, nn.CrossEntropyLoss()))
    rng = np.random.default_rng(0)
    for _ in range(4):
        x = ember.tensor(rng.standard_normal((8, 1, 8, 8)).astype(np.float32))
        y = ember.tensor(rng.integers(0, 10, 8))
        assert np.array_equal(eager(x, y).numpy(), compiled(x, y).numpy())
        _assert_same_state(eager_model, model)
    assert compiled._eager_reason is None and compiled._cache


class _Averaging(nn.Module):
    """A module that replaces its buffer with a new tensor on every call (no in-place update)."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(3, 1)
        self.register_buffer("average", ember.zeros(3))

    def forward(self, x):
        self.average = self.average * 0.9 + x.mean(0) * 0.1
        return self.linear(x - self.average)


def test_a_buffer_replaced_in_the_step_is_replaced_at_replay():
    def make():
        ember.manual_seed(4)
        model = _Averaging()
        return model, ember.optim.SGD(model.parameters(), lr=0.05)

    model, compiled = _run_custom(make, lambda m, o: _make_step(m, o, nn.MSELoss()))
    assert "['average'] = _wrap" in compiled.explain()  # into the module's _buffers, read once


def test_a_buffer_replaced_in_the_traced_call_holds_a_plain_array_after_it():
    ember.manual_seed(4)
    model = _Averaging()
    step = ember.compile(_make_step(model, ember.optim.SGD(model.parameters(), lr=0.05), nn.MSELoss()))
    step(*_data())
    assert type(model.average._data) is type(ember.zeros(1)._data)


def test_changing_a_module_setting_between_calls_retraces():
    model, _ = _dropout_mlp()
    forward = ember.compile(model)
    x, _ = _classes(0)
    with ember.no_grad():
        for p in (0.3, 0.0, 0.9):
            model[2].p = p
            ember.manual_seed(3)
            got = forward(x)
            ember.manual_seed(3)
            assert np.array_equal(model(x).numpy(), got.numpy()), p


def test_a_changed_momentum_or_a_replaced_parameter_between_calls_matches_eager():
    def run(compiled: bool):
        model, optimizer = _regression()
        step = _make_step(model, optimizer, nn.MSELoss())
        step = ember.compile(step) if compiled else step
        x, y = _data()
        losses = [step(x, y), step(x, y)]
        optimizer.param_groups[0]["momentum"] = 0.5
        losses += [step(x, y), step(x, y)]
        ember.manual_seed(7)
        model.bias = nn.Parameter(ember.randn(1))
        optimizer.param_groups[0]["params"][1] = model.bias
        optimizer.state.clear()
        losses += [step(x, y), step(x, y), step(x, y)]
        return model, [loss.numpy() for loss in losses], step

    eager_model, eager_losses, _ = run(False)
    model, losses, step = run(True)
    for got, expected in zip(losses, eager_losses):
        assert np.array_equal(got, expected)
    _assert_same_state(model, eager_model)
    assert step._traces >= 3


class _Scaled(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.scale = 2.0  # an instance attribute: the guard reads the module's __dict__

    def forward(self, x):
        return x * self.scale


class _ScaledByProperty(_Scaled):
    """A class property that comes before the instance attribute of the same name."""

    @property
    def scale(self):
        return self.__dict__["scale"] + self.offset

    @scale.setter
    def scale(self, value) -> None:
        self.__dict__["scale"] = value


def test_a_module_attribute_read_through_its_dict_or_its_class_property_is_guarded():
    for cls in (_Scaled, _ScaledByProperty):
        model = cls()
        model.offset = 0.0
        forward = ember.compile(model)
        x = ember.ones(2)
        with ember.no_grad():
            assert forward(x).numpy().tolist() == [2.0, 2.0]
            model.scale = 3.0
            assert forward(x).numpy().tolist() == [3.0, 3.0]
            model.offset = 1.0
            assert forward(x).numpy().tolist() == model(x).numpy().tolist()
            model.eval()
            assert forward(x).numpy().tolist() == model(x).numpy().tolist()
        assert len(forward._compiled._cache) >= 3


class _Config:
    scale = 1.0


CONFIG = _Config()


def test_a_config_attribute_read_by_the_step_is_guarded():
    compiled = ember.compile(_configured)
    for scale in (1.0, 2.5, 1.0):
        CONFIG.scale = scale
        assert compiled(ember.ones(2)).tolist() == [scale, scale]


def _configured(a):
    return a * CONFIG.scale


def test_a_learning_rate_used_where_the_trace_cannot_follow_is_guarded():
    import math

    def step_of(model, optimizer):
        def step(x, y):
            optimizer.zero_grad()
            loss = nn.MSELoss()(model(x), y)
            loss.backward()
            scale = math.sqrt(optimizer.param_groups[0]["lr"])  # a plain float from here on
            with ember.no_grad():
                for p in model.parameters():
                    p.sub_(scale * p.grad)
            return loss.detach()

        return step

    eager_model, eager_opt = _regression()
    model, optimizer = _regression()
    eager, compiled = step_of(eager_model, eager_opt), ember.compile(step_of(model, optimizer))
    x, y = _data()
    for lr in (0.01, 0.01, 0.04, 0.04, 0.01):
        eager_opt.param_groups[0]["lr"] = optimizer.param_groups[0]["lr"] = lr
        assert np.array_equal(eager(x, y).numpy(), compiled(x, y).numpy())
        _assert_same_state(eager_model, model)


def test_a_training_step_that_zeroes_the_gradients_traces_once():
    def make():  # NOTE: plain SGD: its state never grows, so the first trace is the only one
        ember.manual_seed(0)
        model = nn.Linear(3, 1)
        return model, ember.optim.SGD(model.parameters(), lr=0.05)

    compiled, _, _ = _run_both(make, 5, lambda i: _data(seed=i), nn.MSELoss())
    assert compiled._traces == 1
