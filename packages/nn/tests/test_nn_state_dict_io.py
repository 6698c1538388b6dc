"""A model's state_dict through ember.save / ember.load, and saved Parameters coming back as Parameters."""

import ember
import numpy as np
from ember import nn


def make_model():
    return nn.Sequential(
        nn.Conv2d(1, 2, 3, padding=1),
        nn.BatchNorm2d(2),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(2 * 4 * 4, 3),
    )


def test_state_dict_round_trip_restores_outputs(tmp_path):
    ember.manual_seed(0)
    model = make_model()
    model(ember.randn(4, 1, 4, 4))  # moves the running statistics
    model.eval()
    path = tmp_path / "model.ember"
    ember.save(model.state_dict(), path)

    loaded = ember.load(path)
    assert list(loaded) == list(model.state_dict())
    assert loaded["1.num_batches_tracked"].dtype is ember.int64
    assert loaded["1.num_batches_tracked"].item() == 1
    fresh = make_model()
    assert repr(fresh.load_state_dict(loaded)) == "<All keys matched successfully>"
    fresh.eval()
    x = ember.randn(2, 1, 4, 4)
    np.testing.assert_array_equal(fresh(x).detach().numpy(), model(x).detach().numpy())
    np.testing.assert_array_equal(fresh[1].running_var.numpy(), model[1].running_var.numpy())


def test_saved_parameters_load_as_parameters(tmp_path):
    layer = nn.Linear(2, 2)
    path = tmp_path / "params.ember"
    ember.save({"weight": layer.weight, "vars": layer.state_dict(keep_vars=True)}, path)
    loaded = ember.load(path)
    assert type(loaded["weight"]) is nn.Parameter and loaded["weight"].requires_grad
    assert type(loaded["vars"]["bias"]) is nn.Parameter
    np.testing.assert_array_equal(loaded["weight"].detach().numpy(), layer.weight.detach().numpy())
    frozen = nn.Parameter(ember.ones(2), requires_grad=False)
    ember.save(frozen, path)
    again = ember.load(path)
    assert type(again) is nn.Parameter and not again.requires_grad
