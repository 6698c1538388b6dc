"""State dicts torch.save wrote (fixtures made by core's make_torch_fixtures.py) load into ember's layers
without torch, as Parameters where PyTorch stored parameters, and compute what the weights say."""

import io
import pathlib

import ember
import numpy as np
from ember import nn

FIXTURES = pathlib.Path(__file__).parents[2] / "core" / "tests" / "fixtures" / "checkpoints"


def test_a_torch_linear_state_dict_loads_into_ember_linear():
    state = ember.load(FIXTURES / "torch-linear.pt")
    layer = nn.Linear(4, 3)
    layer.load_state_dict(state)
    x = np.linspace(-1, 1, 8, dtype=np.float32).reshape(2, 4)
    expected = x @ state["weight"].numpy().T + state["bias"].numpy()
    np.testing.assert_allclose(layer(ember.tensor(x)).detach().numpy(), expected, rtol=1e-6)


def test_torch_conv2d_and_batchnorm2d_state_dicts_load_into_ember_layers():
    conv = nn.Conv2d(2, 3, kernel_size=3, padding=1)
    conv.load_state_dict(ember.load(FIXTURES / "torch-conv2d.pt"))
    norm = nn.BatchNorm2d(3)
    state = ember.load(FIXTURES / "torch-batchnorm2d.pt")
    norm.load_state_dict(state)
    assert norm.num_batches_tracked.item() == 1
    norm.eval()
    x = ember.tensor(np.random.default_rng(0).standard_normal((1, 3, 2, 2)).astype(np.float32))
    mean, var = state["running_mean"].numpy(), state["running_var"].numpy()
    scale, shift = state["weight"].numpy(), state["bias"].numpy()
    expected = (x.numpy() - mean[:, None, None]) / np.sqrt(var[:, None, None] + 1e-5) * scale[:, None, None]
    np.testing.assert_allclose(norm(x).detach().numpy(), expected + shift[:, None, None], rtol=1e-5, atol=1e-6)
    assert conv(ember.ones(1, 2, 5, 5)).shape == (1, 3, 5, 5)


def test_parameters_torch_saved_load_as_parameters():
    legacy = ember.load(FIXTURES / "torch-legacy.pt")
    assert isinstance(legacy["param"], nn.Parameter) and legacy["param"].requires_grad
    tied = ember.load(FIXTURES / "torch-shared-views.pt")["tied"]
    assert isinstance(tied[0], nn.Parameter) and tied[0] is tied[1]


def test_parameters_round_trip_through_the_torch_format():
    model = nn.Linear(3, 2)
    buffer = io.BytesIO()
    ember.save({"params": list(model.parameters()), "state": model.state_dict()}, buffer, format="torch")
    buffer.seek(0)
    loaded = ember.load(buffer)
    assert all(isinstance(p, nn.Parameter) for p in loaded["params"])
    assert not isinstance(loaded["state"]["weight"], nn.Parameter)
    fresh = nn.Linear(3, 2)
    fresh.load_state_dict(loaded["state"])
    np.testing.assert_array_equal(fresh.weight.detach().numpy(), model.weight.detach().numpy())
