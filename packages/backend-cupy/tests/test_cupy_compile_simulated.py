"""ember.compile on the simulated CUDA device: not recorded yet, so it runs eagerly and says so."""

import ember
import numpy as np
import pytest


def test_compile_on_a_cuda_tensor_runs_eagerly_with_one_warning(sim):
    w = ember.tensor([[0.5, -1.0], [2.0, 0.25]], device="cuda", requires_grad=True)

    @ember.compile
    def step(x):
        w.grad = None
        loss = (x * w).relu().sum()
        loss.backward()
        return loss.detach()

    x = ember.ones(2, 2, device="cuda")
    with pytest.warns(UserWarning, match="cannot record yet"):
        first = step(x)
    second = step(x)
    assert first.device.type == "cuda" and second.device.type == "cuda"
    assert np.array_equal(first.cpu().numpy(), second.cpu().numpy())
    assert w.grad.device.type == "cuda"
