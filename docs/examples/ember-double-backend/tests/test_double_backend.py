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
