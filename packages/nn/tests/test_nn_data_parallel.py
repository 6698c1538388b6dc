"""DataParallel: without CUDA it is the module; on ember-cupy's simulated CUDA (two devices) each batch is split
over the devices, the replicas' outputs gathered, and gradients reach the original parameters."""

from __future__ import annotations

import ember
import numpy as np
import pytest
from ember import nn
from ember.nn.parallel import DataParallel, data_parallel, gather, scatter


@pytest.fixture
def cuda():
    simulated = pytest.importorskip(
        "ember_cupy.simulated", reason="needs ember-cupy (pip install -e packages/backend-cupy)"
    )
    with simulated.simulated_cuda(devices=2) as backend:
        yield backend


def mlp() -> nn.Module:
    ember.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2))


def test_without_cuda_it_is_the_module():
    model = mlp()
    wrapped = DataParallel(model)
    assert wrapped.device_ids == [] and wrapped.module is model
    assert list(wrapped.state_dict()) == ["module." + k for k in model.state_dict()]
    x = ember.randn(4, 3)
    np.testing.assert_array_equal(wrapped(x).detach().numpy(), model(x).detach().numpy())


def test_the_batch_is_split_and_gradients_reach_the_originals(cuda):
    model = mlp().cuda()
    reference = mlp().cuda()
    wrapped = DataParallel(model)
    assert wrapped.device_ids == [0, 1] and wrapped.output_device == 0
    x = ember.randn(9, 3, device="cuda")
    out = wrapped(x)
    assert out.device == ember.device("cuda", 0) and out.shape == (9, 2)
    (out * out).sum().backward()
    expected = reference(x)
    (expected * expected).sum().backward()
    np.testing.assert_allclose(out.detach().cpu().numpy(), expected.detach().cpu().numpy(), rtol=1e-6)
    for got, want in zip(model.parameters(), reference.parameters()):
        assert got.grad.device == ember.device("cuda", 0)
        np.testing.assert_allclose(got.grad.cpu().numpy(), want.grad.cpu().numpy(), rtol=1e-5, atol=1e-7)


def test_training_steps_match_one_device(cuda):
    model, reference = mlp().cuda(), mlp().cuda()
    wrapped = DataParallel(model)
    optimizers = [ember.optim.SGD(m.parameters(), lr=0.1, momentum=0.9) for m in (model, reference)]
    x, y = ember.randn(10, 3, device="cuda"), ember.randn(10, 2, device="cuda")
    for _ in range(3):
        for net, optimizer in zip((wrapped, reference), optimizers):
            loss = nn.functional.mse_loss(net(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    for got, want in zip(model.parameters(), reference.parameters()):
        np.testing.assert_allclose(got.detach().cpu().numpy(), want.detach().cpu().numpy(), rtol=1e-5, atol=1e-6)


def test_the_first_replica_keeps_its_buffer_updates(cuda):
    ember.manual_seed(0)
    model = nn.BatchNorm1d(3).cuda()
    first_half_only = nn.BatchNorm1d(3).cuda()
    x = ember.randn(8, 3, device="cuda")
    DataParallel(model)(x)
    first_half_only(x[:4])
    np.testing.assert_allclose(model.running_mean.cpu().numpy(), first_half_only.running_mean.cpu().numpy(), rtol=1e-6)


class TwoHeads(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layer = nn.Linear(2, 2)

    def forward(self, x, *, scale=1.0, extra=None):
        out = self.layer(x) * scale
        return out, {"sum": out.sum(1), "extra": extra}


def test_structures_and_keyword_arguments_are_scattered_and_gathered(cuda):
    model = TwoHeads().cuda()
    x = ember.randn(6, 2, device="cuda")
    out, parts = DataParallel(model)(x, scale=2.0, extra="kept")
    expected = model.layer(x) * 2.0
    np.testing.assert_allclose(out.detach().cpu().numpy(), expected.detach().cpu().numpy(), rtol=1e-6)
    np.testing.assert_allclose(parts["sum"].detach().cpu().numpy(), expected.sum(1).detach().cpu().numpy(), rtol=1e-6)
    assert parts["extra"] == "kept"
    with pytest.warns(UserWarning, match="all input tensors were scalars"):
        total = gather([ember.tensor(1.0, device="cuda:0"), ember.tensor(2.0, device="cuda:1")], 0)
    assert total.tolist() == [1.0, 2.0]


def test_scatter_splits_tensors_and_repeats_the_rest(cuda):
    pieces = scatter((ember.arange(5.0, device="cuda"), "label"), [0, 1])
    assert [p[0].device.index for p in pieces] == [0, 1]
    assert [p[0].tolist() for p in pieces] == [[0.0, 1.0, 2.0], [3.0, 4.0]]
    assert [p[1] for p in pieces] == ["label", "label"]


def test_mistakes_are_named(cuda):
    with pytest.raises(
        RuntimeError, match=r"parameters and buffers on device cuda:0 \(device_ids\[0\]\) but found .* cpu"
    ):
        DataParallel(mlp())(ember.randn(4, 3, device="cuda"))

    class Broken(nn.Module):
        def forward(self, x):
            if x.device.index == 1:
                raise ValueError("no")
            return x

    with pytest.raises(ValueError, match="Caught ValueError in replica 1 on device 1: no"):
        DataParallel(Broken())(ember.randn(4, 3, device="cuda"))


def test_data_parallel_function_and_one_device(cuda):
    model = mlp().cuda()
    x = ember.randn(4, 3, device="cuda")
    expected = model(x).detach().cpu().numpy()
    np.testing.assert_allclose(data_parallel(model, x).detach().cpu().numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(DataParallel(model, device_ids=[0])(x).detach().cpu().numpy(), expected, rtol=1e-6)
