"""SyncBatchNorm on N ranks, each holding 1/N of the batch, against BatchNorm on the whole batch: outputs, input
gradients, summed parameter gradients and running statistics; eval mode; conversion; the differentiable all_reduce.
"""

from __future__ import annotations

import ember
import numpy as np
import pytest
from ember import nn
from ember.autograd import gradcheck, gradgradcheck
from ember.distributed import ReduceOp
from ember.distributed.nn.functional import all_reduce as differentiable_all_reduce


def whole_batch(world, shape, seed=0) -> np.ndarray:
    """Every rank's share of a batch, stacked along dim 0 (the same array on every rank)."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(shape[0] * world.get_world_size(), *shape[1:])) * 3 + 1


def share(world, array: np.ndarray) -> np.ndarray:
    n = array.shape[0] // world.get_world_size()
    return array[n * world.get_rank() : n * (world.get_rank() + 1)]


@pytest.mark.parametrize("shape", [(3, 4), (2, 4, 5), (2, 4, 3, 3)], ids=["1d", "1d-length", "2d"])
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
def test_training_matches_batchnorm_on_the_whole_batch(world, shape, dtype):
    x_all = whole_batch(world, shape)
    weights_all = whole_batch(world, shape, seed=1)  # d(loss)/d(out): different on every rank
    ember.manual_seed(0)
    reference = nn.BatchNorm1d(4) if len(shape) < 4 else nn.BatchNorm2d(4)
    reference = reference.to(dtype)
    with ember.no_grad():
        reference.weight.copy_(ember.linspace(0.5, 2.0, 4))
        reference.bias.copy_(ember.linspace(-1.0, 1.0, 4))
    synced = nn.SyncBatchNorm.convert_sync_batchnorm(_copy(reference))

    x_ref = ember.tensor(x_all, dtype=dtype, requires_grad=True)
    expected = reference(x_ref)
    (expected * ember.tensor(weights_all, dtype=dtype)).sum().backward()
    x = ember.tensor(share(world, x_all), dtype=dtype, requires_grad=True)
    out = synced(x)
    (out * ember.tensor(share(world, weights_all), dtype=dtype)).sum().backward()

    tolerance = {"rtol": 1e-5, "atol": 1e-5} if dtype == ember.float32 else {"rtol": 1e-11, "atol": 1e-11}
    n = shape[0]
    rank = world.get_rank()
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy()[n * rank : n * (rank + 1)], **tolerance)
    np.testing.assert_allclose(x.grad.numpy(), x_ref.grad.numpy()[n * rank : n * (rank + 1)], **tolerance)
    for name in ("weight", "bias"):
        grad = getattr(synced, name).grad.clone()
        world.all_reduce(grad)  # what DDP would average: the ranks' parts add up to the whole batch's
        np.testing.assert_allclose(grad.numpy(), getattr(reference, name).grad.numpy(), **tolerance)
    for name in ("running_mean", "running_var"):
        np.testing.assert_allclose(getattr(synced, name).numpy(), getattr(reference, name).numpy(), **tolerance)
    assert int(synced.num_batches_tracked) == 1 == int(reference.num_batches_tracked)


def _copy(module: nn.Module) -> nn.Module:
    fresh = type(module)(module.num_features).to(module.weight.dtype)
    fresh.load_state_dict(module.state_dict())
    return fresh


def test_eval_mode_uses_the_running_statistics(world):
    layer = nn.SyncBatchNorm(3)
    plain = nn.BatchNorm1d(3)
    x = ember.tensor(share(world, whole_batch(world, (4, 3))), dtype=ember.float32)
    for _ in range(3):
        layer(ember.tensor(whole_batch(world, (4, 3)), dtype=ember.float32))
    plain.load_state_dict(layer.state_dict())
    layer.eval(), plain.eval()
    np.testing.assert_array_equal(layer(x).detach().numpy(), plain(x).detach().numpy())


def test_conversion_keeps_parameters_buffers_and_state_dict_keys(world):
    model = nn.Sequential(nn.Conv2d(2, 3, 1), nn.BatchNorm2d(3), nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3)))
    model.eval()
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    assert isinstance(converted[1], nn.SyncBatchNorm) and isinstance(converted[2][1], nn.SyncBatchNorm)
    assert converted[1].weight is model[1].weight and converted[1].running_var is model[1].running_var
    assert not converted[1].training
    assert list(converted.state_dict()) == list(model.state_dict())
    assert nn.SyncBatchNorm.convert_sync_batchnorm(nn.Linear(2, 2)).__class__ is nn.Linear
    with pytest.raises(ValueError, match="expected at least 2D input"):
        nn.SyncBatchNorm(3)(ember.ones(3))


@pytest.mark.parametrize("op", [ReduceOp.SUM, ReduceOp.AVG])
def test_the_differentiable_all_reduce(world, op):
    size, rank = world.get_world_size(), world.get_rank()
    x = ember.tensor([1.0, 2.0, 3.0], dtype=ember.float64, requires_grad=True)
    y = differentiable_all_reduce(x * (rank + 1), op=op)
    factor = size * (size + 1) / 2 / (size if op is ReduceOp.AVG else 1)
    np.testing.assert_allclose(y.detach().numpy(), np.array([1.0, 2.0, 3.0]) * factor)
    (y * (rank + 1)).sum().backward()  # d/dx_r of sum_s (s+1) * op(x * (r+1)) = (r+1) * op-of-(s+1) over s
    np.testing.assert_allclose(x.grad.numpy(), np.full(3, (rank + 1) * factor))
    with pytest.raises(ValueError, match="has no gradient here; SUM and AVG do"):
        differentiable_all_reduce(x, op=ReduceOp.MAX)


def test_gradcheck_of_the_all_reduce_on_one_rank():
    """On a job of one process the collective is the identity, so gradcheck sees the whole function."""
    from mpi4py import MPI

    if MPI.COMM_WORLD.Get_size() > 1:
        pytest.skip("gradcheck perturbs one rank's inputs alone: see the whole-batch comparison for N ranks")
    x = ember.randn(4, 3, dtype=ember.float64, requires_grad=True)
    assert gradcheck(lambda t: differentiable_all_reduce(t * t), (x,))
    assert gradgradcheck(lambda t: differentiable_all_reduce(t * t), (x,))
