"""The backward graph PyTorch shows for layers (node names and the order of next_functions)."""

from __future__ import annotations

import ember
import ember.nn as enn
import numpy as np
import pytest
import torch
import torch.nn as tnn


def graph_shape(node, depth=0):
    """A nested description of a node and everything below it: names and output numbers."""
    if node is None or depth > 12:
        return None
    return (type(node).__name__, tuple((graph_shape(child, depth + 1), nr) for child, nr in node.next_functions))


def _mlp(nn, bias: bool):
    return nn.Sequential(nn.Linear(3, 4, bias=bias), nn.ReLU(), nn.Linear(4, 2, bias=bias))


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("frozen_weight", [False, True])
def test_an_mlp_shows_pytorchs_graph(bias, frozen_weight):
    shapes = []
    for lib, nn in ((torch, tnn), (ember, enn)):
        lib.manual_seed(0)
        model = _mlp(nn, bias)
        if frozen_weight:
            model[0].weight.requires_grad_(False)
        x = lib.tensor(np.ones((5, 3), np.float32))
        loss = nn.MSELoss()(model(x), lib.tensor(np.zeros((5, 2), np.float32)))
        shapes.append(graph_shape(loss.grad_fn))
    assert shapes[1] == shapes[0]


def test_the_blitz_tutorials_walk_reaches_the_last_layers_bias():
    model = enn.Sequential(enn.Linear(3, 4), enn.ReLU(), enn.Linear(4, 1))
    loss = enn.MSELoss()(model(ember.randn(2, 3)), ember.randn(2, 1))
    node = loss.grad_fn.next_functions[0][0].next_functions[0][0]
    assert type(node).__name__ == "AccumulateGrad" and node.variable is model[2].bias


def test_the_shown_transpose_refuses_hooks_it_could_not_run():
    model = enn.Linear(3, 4)
    transpose = model(ember.randn(2, 3)).grad_fn.next_functions[2][0]
    assert transpose.name() == "TBackward0"
    assert transpose.next_functions[0][0].variable is model.weight
    with pytest.raises(RuntimeError, match="fuses"):
        transpose.register_hook(lambda *grads: None)
