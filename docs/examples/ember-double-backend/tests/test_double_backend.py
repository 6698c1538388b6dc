"""The "double" backend passes ember's conformance suite and does its job."""

from __future__ import annotations

import ember
import numpy as np
import pytest
from ember.testing.conformance import BackendConformance

pytest.importorskip(
    "ember_double", reason="install the package: pip install -e ."
)


class TestDoubleConformance(BackendConformance):
    """Every test of ember's backend conformance suite, run on this backend."""

    backend_name = "double"


def test_found_through_the_entry_point_and_not_the_default():
    backend = ember.backends.by_name("double")
    assert backend.device_type == "cpu"
    assert backend.distribution == "ember-double-backend"
    assert ember.backends.get("cpu").name == "numpy", (
        "installing a second CPU backend keeps the default"
    )


def test_float32_results_are_rounded_once():
    values = np.full(1_000_000, 0.1, dtype=np.float32)
    exact = np.float32(np.cumsum(values, dtype=np.float64)[-1])
    with ember.backends.use("double"):
        total = ember.from_numpy(values).cumsum(0)[-1]
    assert total.dtype == ember.float32
    assert total.item() == exact
    # The default backend, NumPy, sums in float32 and drifts.
    drifted = ember.from_numpy(values).cumsum(0)[-1].item()
    assert abs(drifted - exact) > 100


def test_in_place_ops_write_into_the_shared_buffer():
    array = np.arange(4, dtype=np.float32)
    with ember.backends.use("double"):
        tensor = ember.from_numpy(array)
        tensor.mul_(0.5).exp_()
    np.testing.assert_allclose(array, np.exp(np.arange(4) * 0.5), rtol=1e-7)
    assert tensor._backend.name == "double"


def test_training_step_matches_float64():
    rng = np.random.default_rng(0)
    xs, ws = rng.normal(size=(64, 8)), rng.normal(size=8)
    with ember.backends.use("double"):
        x = ember.tensor(xs, dtype=ember.float32)
        w = ember.tensor(ws, dtype=ember.float32, requires_grad=True)
        loss = ((x @ w).tanh() ** 2).mean()
        loss.backward()
    x64, w64 = (
        xs.astype(np.float32).astype(np.float64),
        ws.astype(np.float32).astype(np.float64),
    )
    t = np.tanh(x64 @ w64)
    expected_grad = (2 * t * (1 - t**2)) @ x64 / len(x64)
    assert loss.dtype == ember.float32 and w.grad.dtype == ember.float32
    np.testing.assert_allclose(loss.item(), np.mean(t**2), rtol=1e-7)
    np.testing.assert_allclose(
        w.grad.numpy(), expected_grad, rtol=1e-6, atol=1e-7
    )


def test_compiled_training_replays_the_eager_bits():
    """ember.compile records any backend's kernels: replay runs this
    backend's float64 kernels and gives the eager step's bits."""
    rng = np.random.default_rng(1)
    xs, ys = rng.normal(size=(16, 3)), rng.normal(size=(16, 1))
    nn = pytest.importorskip("ember.nn")
    with ember.backends.use("double"):
        x = ember.tensor(xs, dtype=ember.float32)
        y = ember.tensor(ys, dtype=ember.float32)
        models = []
        for _ in range(2):
            ember.manual_seed(0)
            model = nn.Linear(3, 1)
            optimizer = ember.optim.SGD(
                model.parameters(), lr=0.05, momentum=0.9
            )
            models.append((model, optimizer))

        def make_step(model, optimizer):
            def step():
                optimizer.zero_grad()
                loss = ((model(x) - y) ** 2).mean()
                loss.backward()
                optimizer.step()
                return loss.detach()

            return step

        eager = make_step(*models[0])
        compiled = ember.compile(make_step(*models[1]), fullgraph=True)
        for _ in range(10):
            expected, got = eager(), compiled()
            assert got._backend.name == "double"
            assert np.array_equal(expected.numpy(), got.numpy())
            for p, q in zip(
                models[0][0].parameters(), models[1][0].parameters()
            ):
                assert np.array_equal(p.detach().numpy(), q.detach().numpy())
    assert compiled._traces < 10 and "def _replay" in compiled.explain()
