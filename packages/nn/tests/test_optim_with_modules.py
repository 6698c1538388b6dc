"""Optimizers and checkpoints on nn.Module parameters: the way the tutorials use them."""

import ember
import ember.nn as nn
import numpy as np
import pytest
from ember import optim

pytestmark = pytest.mark.skipif(not hasattr(nn, "Linear"), reason="ember.nn.Linear is not available")


def regression(seed=0, n=64):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (n, 1)).astype(np.float32)
    return ember.from_numpy(x), ember.from_numpy((3 * x + 10).astype(np.float32))


def train(model, optimizer, x, y, steps):
    loss_fn = nn.MSELoss()
    for _ in range(steps):
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


def test_sgd_on_model_parameters_recovers_the_line_and_updates_weight_views():
    ember.manual_seed(0)
    model = nn.Linear(1, 1)
    view = model.weight.detach().numpy()
    optimizer = optim.SGD(params=model.parameters(), lr=0.1)
    x, y = regression()
    train(model, optimizer, x, y, 500)
    assert view[0, 0] == pytest.approx(3.0, abs=1e-2) and model.bias.item() == pytest.approx(10.0, abs=1e-2)
    assert isinstance(model.weight, nn.Parameter) and model.weight.requires_grad and model.weight.is_leaf


@pytest.mark.parametrize("make", [lambda p: optim.SGD(p, lr=0.05, momentum=0.9), lambda p: optim.Adam(p, lr=0.05)])
def test_model_and_optimizer_checkpoint_resumes_identically(tmp_path, make):
    x, y = regression(1)
    ember.manual_seed(1)
    model = nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, 1))
    optimizer = make(model.parameters())
    train(model, optimizer, x, y, 5)
    path = tmp_path / "checkpoint.pt"
    ember.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 5}, path)
    train(model, optimizer, x, y, 3)

    ember.manual_seed(123)
    restored = nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, 1))
    restored_optimizer = make(restored.parameters())
    checkpoint = ember.load(path)
    restored.load_state_dict(checkpoint["model"])
    restored_optimizer.load_state_dict(checkpoint["optimizer"])
    assert checkpoint["epoch"] == 5
    train(restored, restored_optimizer, x, y, 3)
    for mine, theirs in zip(restored.parameters(), model.parameters()):
        np.testing.assert_array_equal(mine.detach().numpy(), theirs.detach().numpy())


def test_parameters_load_as_parameters():
    layer = nn.Linear(2, 3)
    buffer = __import__("io").BytesIO()
    ember.save({"weight": layer.weight, "plain": layer.weight.detach()}, buffer)
    buffer.seek(0)
    loaded = ember.load(buffer)
    assert isinstance(loaded["weight"], nn.Parameter) and loaded["weight"].requires_grad
    assert not isinstance(loaded["plain"], nn.Parameter) and not loaded["plain"].requires_grad
    np.testing.assert_array_equal(loaded["weight"].detach().numpy(), layer.weight.detach().numpy())
