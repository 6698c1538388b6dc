"""Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict."""

from collections import OrderedDict

import ember
import numpy as np
import pytest
from ember import nn


def test_sequential_chains_and_indexes():
    ember.manual_seed(0)
    a, b, c = nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)
    model = nn.Sequential(a, b, c)
    x = ember.randn(5, 3)
    expected = c(b(a(x)))
    np.testing.assert_allclose(model(x).detach().numpy(), expected.detach().numpy())
    assert len(model) == 3
    assert model[0] is a and model[-1] is c
    assert list(model) == [a, b, c]
    head = model[:2]
    assert isinstance(head, nn.Sequential) and list(head) == [a, b]
    with pytest.raises(IndexError, match="index 3 is out of range"):
        model[3]


def test_sequential_ordered_dict_names_and_mutation():
    model = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.Tanh())]))
    assert model.fc is model[0]
    assert [name for name, _ in model.named_children()] == ["fc", "act"]
    assert list(model[1:]._modules) == ["act"]
    model.append(nn.Sigmoid())
    assert [name for name, _ in model.named_children()] == ["fc", "act", "2"]
    model[1] = nn.ReLU()
    assert isinstance(model.act, nn.ReLU)
    del model[0]
    assert list(model._modules) == ["0", "1"]
    model.insert(0, nn.Identity())
    assert isinstance(model[0], nn.Identity) and len(model) == 3
    popped = model.pop(0)
    assert isinstance(popped, nn.Identity) and len(model) == 2
    model.extend([nn.Identity()])
    assert len(model) == 3
    joined = model + nn.Sequential(nn.Identity())
    assert len(joined) == 4


def test_module_list_registers_and_prints_runs_compactly():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    layers.append(nn.ReLU())
    assert len(layers) == 4 and len(list(layers.parameters())) == 6
    assert repr(layers) == (
        "ModuleList(\n  (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)\n  (3): ReLU()\n)"
    )
    layers.insert(1, nn.Tanh())
    assert isinstance(layers[1], nn.Tanh) and isinstance(layers[4], nn.ReLU)
    assert isinstance(layers[1:3], nn.ModuleList)
    del layers[0]
    assert list(layers._modules) == ["0", "1", "2", "3"]
    layers += [nn.Sigmoid()]
    assert len(layers) == 5
    assert repr(nn.ModuleList()) == "ModuleList()"
    with pytest.raises(TypeError, match="should be called with an iterable"):
        layers.extend(3)
    with pytest.raises(NotImplementedError):
        layers(ember.ones(1))


def test_module_dict_behaves_like_a_dict():
    heads = nn.ModuleDict({"a": nn.Linear(1, 1), "b": nn.ReLU()})
    assert list(heads) == ["a", "b"] and len(heads) == 2 and "a" in heads
    heads["c"] = nn.Tanh()
    assert list(heads.keys()) == ["a", "b", "c"]
    assert isinstance(heads.pop("b"), nn.ReLU)
    heads.update([("d", nn.Identity())])
    assert [k for k, _ in heads.items()] == ["a", "c", "d"]
    assert len(list(heads.parameters())) == 2
    with pytest.raises(ValueError, match="has length 3; 2 is required"):
        heads.update([("x", nn.ReLU(), 1)])
    heads.clear()
    assert len(heads) == 0


def test_parameter_list_wraps_tensors_and_prints_like_pytorch():
    params = nn.ParameterList([nn.Parameter(ember.ones(2, 3)), ember.zeros(3)])
    assert len(params) == 2 and all(isinstance(p, nn.Parameter) for p in params)
    assert [name for name, _ in params.named_parameters()] == ["0", "1"]
    params.append(ember.ones(1, dtype=ember.float64))
    assert repr(params) == (
        "ParameterList(\n"
        "    (0): Parameter containing: [ember.float32 of size 2x3]\n"
        "    (1): Parameter containing: [ember.float32 of size 3]\n"
        "    (2): Parameter containing: [ember.float64 of size 1]\n"
        ")"
    )

    class Holder(nn.Module):
        def __init__(self):
            super().__init__()
            self.weights = params

    assert list(Holder().state_dict()) == ["weights.0", "weights.1", "weights.2"]


def test_parameter_dict():
    params = nn.ParameterDict({"w": ember.ones(2)})
    params["b"] = nn.Parameter(ember.zeros(1))
    assert list(params) == ["w", "b"] and isinstance(params["w"], nn.Parameter)
    assert "b" in params and len(params) == 2
    assert repr(params) == (
        "ParameterDict(\n"
        "    (w): Parameter containing: [ember.FloatTensor of size 2]\n"
        "    (b): Parameter containing: [ember.FloatTensor of size 1]\n"
        ")"
    )
    del params["w"]
    assert list(dict(params.named_parameters())) == ["b"]
