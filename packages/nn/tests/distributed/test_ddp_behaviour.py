"""DistributedDataParallel's other promises: no_sync, unused parameters, buffers, state dicts, errors."""

from __future__ import annotations

import copy
import warnings

import ember
import numpy as np
import pytest
from ember import nn
from ember.nn.modules.utils import consume_prefix_in_state_dict_if_present
from ember.nn.parallel import DistributedDataParallel as DDP


def rank_batch(world, seed: int, rows: int = 4) -> ember.Tensor:
    """A batch that differs between ranks."""
    return ember.from_numpy(np.random.default_rng(seed + 97 * world.get_rank()).normal(size=(rows, 3)).astype("f"))


def gathered(world, tensor: ember.Tensor) -> list:
    outputs = [ember.zeros_like(tensor) for _ in range(world.get_world_size())]
    world.all_gather(outputs, tensor.detach().contiguous())
    return outputs


def local_grads(model, batches) -> dict:
    """Gradients of one process summing the losses of `batches` (no averaging)."""
    model.zero_grad()
    for batch in batches:
        model(batch).pow(2).mean().backward()
    return {name: p.grad.numpy().copy() for name, p in model.named_parameters()}


def test_no_sync_accumulates_locally_then_the_next_backward_averages_everything(world):
    ember.manual_seed(0)
    model = nn.Linear(3, 2)
    plain = copy.deepcopy(model)
    ddp = DDP(model)
    first, second = rank_batch(world, 1), rank_batch(world, 2)
    with ddp.no_sync():
        ddp(first).pow(2).mean().backward()
    mine = local_grads(plain, [first])
    np.testing.assert_allclose(model.weight.grad.numpy(), mine["weight"], rtol=1e-6)
    ddp(second).pow(2).mean().backward()
    accumulated = local_grads(plain, [first, second])
    for name, param in model.named_parameters():
        every_rank = np.stack([g.numpy() for g in gathered(world, ember.from_numpy(accumulated[name]))])
        np.testing.assert_allclose(param.grad.numpy(), every_rank.mean(0), rtol=1e-5, atol=1e-7)


class TwoBranches(nn.Module):
    def __init__(self):
        super().__init__()
        self.always = nn.Linear(3, 2)
        self.sometimes = nn.Linear(3, 2)
        self.large = nn.Parameter(ember.ones(2**18))  # 1 MiB: reduced outside the flat buffer

    def forward(self, x, use_both: bool):
        return self.always(x) + self.sometimes(x) * self.large[:2] if use_both else self.always(x)


def test_find_unused_parameters(world):
    """A parameter used on some ranks gets the average (zeros from the others); one unused everywhere keeps None."""
    ember.manual_seed(0)
    model = TwoBranches()
    plain = copy.deepcopy(model)
    ddp = DDP(model, find_unused_parameters=True)
    uses_both = world.get_rank() == 0
    x = rank_batch(world, 3)
    ddp(x, uses_both).sum().backward()
    plain(x, uses_both).sum().backward()
    for name, param in model.named_parameters():
        local = plain.get_parameter(name).grad
        mine = np.zeros(param.shape, "f") if local is None else local.numpy()
        every_rank = np.stack([g.numpy() for g in gathered(world, ember.from_numpy(mine))])
        np.testing.assert_allclose(param.grad.numpy(), every_rank.mean(0), rtol=1e-5, atol=1e-7, err_msg=name)
    model.zero_grad()
    ddp(x, False).sum().backward()
    assert model.sometimes.weight.grad is None and model.sometimes.bias.grad is None and model.large.grad is None
    assert model.always.weight.grad is not None


def test_an_unused_parameter_without_find_unused_parameters_is_reported(world):
    ember.manual_seed(0)
    ddp = DDP(TwoBranches(), bucket_cap_mb=1e-5)
    x = rank_batch(world, 4)
    ddp(x, False).sum().backward()
    with pytest.raises(RuntimeError, match=r"find_unused_parameters=True.*: large, sometimes\.weight, sometimes\.bias"):
        ddp(x, False)


def test_the_wrapped_model_starts_from_rank_0s_parameters_and_buffers(world):
    ember.manual_seed(10 + world.get_rank())
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    model[1].running_mean.copy_(ember.rand(4))
    DDP(model)
    for name, value in model.state_dict().items():
        copies = gathered(world, value)
        for other in copies:
            np.testing.assert_array_equal(other.numpy(), copies[0].numpy(), err_msg=name)
    ember.manual_seed(10)
    rank0 = nn.Linear(3, 4)
    np.testing.assert_array_equal(model[0].weight.detach().numpy(), rank0.weight.detach().numpy())


def test_buffers_are_broadcast_from_rank_0_before_each_training_forward(world):
    ember.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    ddp = DDP(model)
    seen = []
    model.register_forward_pre_hook(lambda module, args: seen.append(module[1].running_mean.clone()))
    for step in range(2):
        ddp(rank_batch(world, 5 + step)).sum().backward()
    copies = gathered(world, seen[1])
    for other in copies:
        np.testing.assert_array_equal(other.numpy(), copies[0].numpy())
    assert not np.array_equal(seen[0].numpy(), seen[1].numpy())  # the first forward moved the statistics


def test_state_dict_has_the_module_prefix_and_loads_into_the_bare_model(world):
    ember.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    ddp = DDP(model)
    assert ddp.module is model
    state = ddp.state_dict()
    assert list(state) == ["module." + key for key in model.state_dict()]
    consume_prefix_in_state_dict_if_present(state, "module.")
    assert list(state) == list(model.state_dict())
    fresh = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    fresh.load_state_dict(state)
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(fresh.state_dict()[key].numpy(), value.numpy())
    ddp.load_state_dict({"module." + key: value for key, value in model.state_dict().items()})


def test_consume_prefix_leaves_other_keys_and_strips_metadata():
    from collections import OrderedDict

    state = OrderedDict([("module.a", 1), ("b", 2), ("module.c.d", 3)])
    state._metadata = {"": {}, "module": {"v": 1}, "module.c": {"v": 2}}
    consume_prefix_in_state_dict_if_present(state, "module.")
    assert list(state.items()) == [("b", 2), ("a", 1), ("c.d", 3)]
    assert state._metadata == {"": {"v": 1}, "c": {"v": 2}}


def test_different_models_on_the_ranks_are_refused(world):
    if world.get_world_size() == 1:
        pytest.skip("needs two ranks")
    model = nn.Linear(3, 2 if world.get_rank() == 0 else 3)
    with pytest.raises(ValueError, match=r"the ranks wrap different models"):
        DDP(model)


def test_bad_construction_is_refused(world):
    frozen = nn.Linear(3, 2).requires_grad_(False)
    with pytest.raises(RuntimeError, match=r"doesn't have any parameter that requires a gradient"):
        DDP(frozen)
    with pytest.raises(TypeError, match=r"wraps an ember.nn.Module, got function"):
        DDP(lambda x: x)
    with pytest.raises(ValueError, match=r"one device per process"):
        DDP(nn.Linear(3, 2), device_ids=[0, 1])


def test_gradient_as_bucket_view_accumulates_into_the_bucket_and_averages_there(world):
    ember.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 100_000), nn.Linear(100_000, 2))  # a weight over 1 MiB, and small ones
    plain = copy.deepcopy(model)
    ddp = DDP(model, gradient_as_bucket_view=True)
    assert all(slot.packed for slot in ddp.reducer.slots), "with views, every gradient lives in its bucket"
    batch = rank_batch(world, 5, rows=2)
    mine = local_grads(plain, [batch])
    every_rank = [None] * world.get_world_size()
    world.all_gather_object(every_rank, mine)
    expected = {name: np.mean([grads[name] for grads in every_rank], axis=0) for name in mine}
    buffers = None
    for _ in range(2):
        ddp.zero_grad(set_to_none=False)  # the second backward adds into the views
        ddp(batch).pow(2).mean().backward()
        for slot in ddp.reducer.slots:
            assert np.shares_memory(slot.param.grad.numpy(), slot.bucket.flat), f"{slot.name}: .grad is in the bucket"
        found = [p.grad.numpy().ctypes.data for p in model.parameters()]
        assert buffers in (None, found), "the same views, step after step: no copies"
        buffers = found
        for name, p in model.named_parameters():
            np.testing.assert_allclose(p.grad.numpy(), expected[name], rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("size", [1, 2, 3, 4, 6, 8])
def test_averaging_multiplies_only_where_that_is_exact(size):
    from ember.nn.parallel._reducer import averager

    values = np.random.default_rng(0).normal(size=1000).astype(np.float32)
    out = ember.empty(1000)
    averager(size)(ember.from_numpy(values), out)
    np.testing.assert_array_equal(out.numpy(), values / np.float32(size))


def test_a_compiled_step_with_ddp_runs_eagerly_with_one_warning_and_the_same_numbers(world):
    """Collectives are not recorded by ember.compile: the trace stops at the first one, and the step goes on eagerly."""
    rank = world.get_rank()
    results = []
    for compiled in (False, True):
        ember.manual_seed(0)
        model = DDP(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)))
        optimizer = ember.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

        def step(x, y, model=model, optimizer=optimizer):
            loss = nn.functional.mse_loss(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            return loss

        run = ember.compile(step) if compiled else step
        ember.manual_seed(1)
        x, y = ember.randn(16, 4), ember.randn(16, 2)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(4):
                run(x[4 * rank : 4 * rank + 4], y[4 * rank : 4 * rank + 4])
        messages = [str(w.message) for w in caught if "ember.compile" in str(w.message)]
        assert len(messages) == (1 if compiled else 0) and (not compiled or "running it eagerly" in messages[0])
        results.append([p.detach().numpy().copy() for p in model.parameters()])
    for eager, compiled in zip(*results):
        np.testing.assert_array_equal(compiled, eager)
