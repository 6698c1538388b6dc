"""DDP on N ranks, each fed 1/N of every batch, ends with the parameters of one process fed whole batches.

Every rank also trains the single-process reference itself (same seed, whole batches) and
compares. Ranks other than 0 build their model from another seed: the construction's
broadcast from rank 0 must make them start alike.
"""

from __future__ import annotations

import ember
import numpy as np
import pytest
from ember import nn, optim
from ember.nn.parallel import DistributedDataParallel as DDP

sklearn_datasets = pytest.importorskip("sklearn.datasets")


def my_share(batch: ember.Tensor, world) -> ember.Tensor:
    """This rank's contiguous 1/N of a batch (batch sizes here divide by 1, 2, 4 and 8)."""
    size, rank = world.get_world_size(), world.get_rank()
    per_rank = len(batch) // size
    return batch[rank * per_rank : (rank + 1) * per_rank]


def build(make_model, world, seed: int):
    """The reference's model (seed) and this rank's (seed on rank 0, another seed elsewhere)."""
    ember.manual_seed(seed)
    reference = make_model()
    ember.manual_seed(seed + 1000 * world.get_rank())
    return reference, make_model()


def train(model, make_optimizer, loss_fn, batches, set_to_none: bool = True) -> None:
    optimizer = make_optimizer(model.parameters())
    for inputs, targets in batches:
        loss = loss_fn(model(inputs), targets)
        optimizer.zero_grad(set_to_none=set_to_none)
        loss.backward()
        optimizer.step()


def assert_same_parameters(reference, ddp, rtol: float, atol: float) -> None:
    expected = reference.state_dict()
    got = ddp.module.state_dict()
    assert list(got) == list(expected)
    for name in expected:
        np.testing.assert_allclose(got[name].numpy(), expected[name].numpy(), rtol=rtol, atol=atol, err_msg=name)


# --- the tutorial's linear regression ------------------------------------------------------


class LinearRegression(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(1, 1)

    def forward(self, x):
        return self.fc(x)


def test_linear_regression_tutorial(world):
    """Full-batch gradient descent as in the tutorial (48 points, so that every rank gets as many)."""
    ember.manual_seed(0)
    x = ember.unsqueeze(ember.linspace(-1, 1, 48), dim=1)
    y = 3 * x + 10 + 0.5 * ember.randn(x.size())
    reference, local = build(LinearRegression, world, seed=1)
    ddp = DDP(local)
    make_optimizer = lambda params: optim.SGD(params, lr=5e-3)
    epochs = 1000
    train(reference, make_optimizer, nn.MSELoss(), [(x, y)] * epochs)
    train(ddp, make_optimizer, nn.MSELoss(), [(my_share(x, world), my_share(y, world))] * epochs)
    assert_same_parameters(reference, ddp, rtol=1e-5, atol=1e-5)
    assert abs(ddp.module.fc.weight.item() - 3) < 0.5 and abs(ddp.module.fc.bias.item() - 10) < 0.5


# --- the digits MLP ------------------------------------------------------------------------


def digits_batches(batch_size: int = 64, epochs: int = 2):
    data = sklearn_datasets.load_digits()
    images = ember.tensor((data.data / 16.0).astype(np.float32))
    labels = ember.tensor(data.target.astype(np.int64))
    usable = len(images) - len(images) % batch_size
    batches = []
    for epoch in range(epochs):
        order = ember.from_numpy(np.random.default_rng(epoch).permutation(len(images))[:usable])
        for start in range(0, usable, batch_size):
            rows = order[start : start + batch_size]
            batches.append((images[rows], labels[rows]))
    return batches


def mlp():
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))


def wide_mlp():
    """Its first weight (1 MiB) is large enough to be reduced in its own memory, not copied into a bucket."""
    return nn.Sequential(nn.Linear(64, 4096), nn.ReLU(), nn.Linear(4096, 10))


SGD_MOMENTUM = lambda params: optim.SGD(params, lr=0.05, momentum=0.9)
ADAM = lambda params: optim.Adam(params, lr=0.005)


@pytest.mark.parametrize(
    ("make_model", "make_optimizer", "options", "set_to_none", "epochs"),
    [
        (mlp, SGD_MOMENTUM, {}, True, 2),
        (mlp, ADAM, {}, True, 2),
        (mlp, SGD_MOMENTUM, {"bucket_cap_mb": 1e-5}, True, 2),  # a bucket per parameter
        (mlp, SGD_MOMENTUM, {"gradient_as_bucket_view": True}, False, 2),  # backward accumulates into the bucket
        (mlp, ADAM, {"bucket_cap_mb": 0.02, "gradient_as_bucket_view": True}, True, 2),
        (wide_mlp, SGD_MOMENTUM, {}, False, 1),
        (wide_mlp, ADAM, {"bucket_cap_mb": 0.3, "piece_bytes": 2**18}, True, 1),  # the large weight goes in 4 pieces
    ],
    ids=[
        "sgd-momentum",
        "adam",
        "sgd-bucket-per-parameter",
        "sgd-grad-as-bucket-view",
        "adam-small-buckets-views",
        "wide-sgd-in-place",
        "wide-adam-in-pieces",
    ],
)
def test_digits_mlp(world, make_model, make_optimizer, options, set_to_none, epochs):
    batches = digits_batches(epochs=epochs)
    reference, local = build(make_model, world, seed=2)
    options = dict(options)
    piece_bytes = options.pop("piece_bytes", None)
    ddp = DDP(local, **options)
    if piece_bytes is not None:
        ddp.reducer.piece_bytes = piece_bytes
    loss_fn = nn.CrossEntropyLoss()
    train(reference, make_optimizer, loss_fn, batches)
    shares = [(my_share(x, world), my_share(y, world)) for x, y in batches]
    train(ddp, make_optimizer, loss_fn, shares, set_to_none=set_to_none)
    assert_same_parameters(reference, ddp, rtol=1e-4, atol=2e-5)


def test_buckets_follow_the_cap_in_reverse_parameter_order(world):
    ddp = DDP(mlp(), bucket_cap_mb=1e-5)
    assert [[slot.name for slot in b.slots] for b in ddp.reducer.buckets] == [
        ["2.bias"],
        ["2.weight"],
        ["0.bias"],
        ["0.weight"],
    ]
    together = DDP(mlp())
    assert [[slot.name for slot in b.slots] for b in together.reducer.buckets] == [
        ["2.bias", "2.weight", "0.bias", "0.weight"]
    ]
    assert all(slot.packed for slot in together.reducer.slots)
    wide = DDP(wide_mlp())
    assert [[slot.name for slot in b.slots] for b in wide.reducer.buckets] == [
        ["2.bias", "2.weight", "0.bias", "0.weight"]
    ]
    assert [slot.name for slot in wide.reducer.slots if not slot.packed] == ["0.weight"]
    sizes = []
    reduce = wide.process_group.allreduce
    wide.process_group.allreduce = lambda tensor, op: sizes.append(tensor.numel()) or reduce(tensor, op)
    wide.reducer.piece_bytes = 2**18
    try:
        wide(ember.ones(2, 64)).sum().backward()
    finally:
        del wide.process_group.allreduce
    assert sizes == [10 + 10 * 4096 + 4096] + [2**16] * 4  # the flat buffer, then the large weight in 4 pieces
