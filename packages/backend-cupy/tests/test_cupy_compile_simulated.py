"""ember.compile on the simulated CUDA device: traced through the backend protocol, replayed bit for bit.

Each step runs twice on "cuda": eagerly, and compiled (traced on the first call, replayed after).
Both must give the same bits, and the compiled one must replay (no eager fallback, no warning).
"""

import warnings

import ember
import numpy as np
import pytest

nn = pytest.importorskip("ember.nn")


def _host(t):
    return t.detach().cpu().numpy()


def _same_state(a, b):
    for (name, p), (_, q) in zip(a.state_dict().items(), b.state_dict().items()):
        assert p.device.type == "cuda" and q.device.type == "cuda", name
        assert np.array_equal(_host(p), _host(q)), name


def _replays(compiled, calls: int):
    """The compiled step ran as a replay at least once, and never fell back to eager mode."""
    assert compiled._eager_reason is None and compiled._cache, compiled.explain()
    assert compiled._traces < calls, compiled.explain()


def _training_step(model, optimizer, loss_fn):
    def step(x, y):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.detach()

    return step


def _compare_training(make, data, loss_fn, steps: int, seed_each_step: bool = False):
    eager_model, eager_opt = make()
    compiled_model, compiled_opt = make()
    eager_step = _training_step(eager_model, eager_opt, loss_fn)
    compiled_step = ember.compile(_training_step(compiled_model, compiled_opt, loss_fn))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # NOTE: a step that runs eagerly says so with a warning
        for i in range(steps):
            x, y = data(i)
            if seed_each_step:
                ember.manual_seed(100 + i)
            expected = eager_step(x, y)
            if seed_each_step:
                ember.manual_seed(100 + i)
            got = compiled_step(x, y)
            assert got.device.type == "cuda"
            assert np.array_equal(_host(expected), _host(got)), i
            _same_state(eager_model, compiled_model)
            for p, q in zip(eager_model.parameters(), compiled_model.parameters()):
                assert q.grad.device.type == "cuda"
                assert np.array_equal(_host(p.grad), _host(q.grad)), i
    _replays(compiled_step, steps)
    return compiled_step


def test_the_2x2_expression_replays_its_eager_bits(sim):
    rng = np.random.default_rng(0)
    x = ember.tensor(rng.standard_normal((2, 2)).astype(np.float32), device="cuda")
    w = ember.tensor(rng.standard_normal((2, 2)).astype(np.float32), device="cuda", requires_grad=True)
    b = ember.tensor(rng.standard_normal((2, 2)).astype(np.float32), device="cuda", requires_grad=True)

    def step():
        w.grad = b.grad = None
        loss = ((x * w + b).relu() ** 2).mean()
        loss.backward()
        return loss.detach()

    expected = step()
    grads = (_host(w.grad), _host(b.grad))
    compiled = ember.compile(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(4):
            got = compiled()
            assert got.device.type == "cuda" and w.grad.device.type == "cuda"
            assert np.array_equal(_host(expected), _host(got))
            assert np.array_equal(grads[0], _host(w.grad)) and np.array_equal(grads[1], _host(b.grad))
    _replays(compiled, 4)
    assert "def _replay" in compiled.explain()


def test_linear_mse_sgd_with_momentum_is_bit_for_bit(sim):
    rng = np.random.default_rng(1)
    x = ember.tensor(rng.standard_normal((16, 3)).astype(np.float32), device="cuda")
    y = ember.tensor(rng.standard_normal((16, 1)).astype(np.float32), device="cuda")

    def make():
        ember.manual_seed(0)
        model = nn.Linear(3, 1).to("cuda")
        return model, ember.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

    _compare_training(make, lambda i: (x, y), nn.MSELoss(), 20)


def _classes(i: int):
    rng = np.random.default_rng(i)
    x = ember.tensor(rng.standard_normal((8, 4)).astype(np.float32), device="cuda")
    y = ember.tensor(rng.integers(0, 3, 8), device="cuda")
    return x, y


def test_mlp_cross_entropy_adam_is_bit_for_bit(sim):
    def make():
        ember.manual_seed(3)
        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)).to("cuda")
        return model, ember.optim.Adam(model.parameters(), lr=0.01)

    _compare_training(make, _classes, nn.CrossEntropyLoss(), 12)


def test_dropout_draws_the_same_random_stream(sim):
    def make():
        ember.manual_seed(5)
        model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3)).to("cuda")
        return model, ember.optim.SGD(model.parameters(), lr=0.1)

    compiled = _compare_training(make, _classes, nn.CrossEntropyLoss(), 10, seed_each_step=True)
    assert ".native()." in compiled.explain()  # the draws come from the CUDA generator at replay


def test_a_step_on_the_second_device_replays_there(sim):
    rng = np.random.default_rng(2)
    x = ember.tensor(rng.standard_normal((16, 3)).astype(np.float32), device="cuda:1")
    y = ember.tensor(rng.standard_normal((16, 1)).astype(np.float32), device="cuda:1")

    def make():
        ember.manual_seed(0)
        model = nn.Linear(3, 1).to("cuda:1")
        return model, ember.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

    with ember.cuda.device(1):  # NOTE: as eagerly, kernels run on the current device
        compiled = _compare_training(make, lambda i: (x, y), nn.MSELoss(), 6)
        assert compiled(x, y).device == ember.device("cuda:1")
