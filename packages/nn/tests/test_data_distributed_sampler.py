"""DistributedSampler: each rank's share is disjoint, the shares cover the data, padded and cut as PyTorch does."""

from __future__ import annotations

import math

import ember
import pytest
from ember.utils.data import DataLoader, DistributedSampler, TensorDataset


def shares(size: int, replicas: int, **options) -> list[list[int]]:
    return [list(DistributedSampler(range(size), replicas, rank, **options)) for rank in range(replicas)]


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize(("size", "replicas"), [(12, 4), (10, 4), (3, 4), (1, 3), (7, 2), (100, 8)])
def test_shares_cover_the_data_and_are_equal_in_size(size, replicas, shuffle):
    parts = shares(size, replicas, shuffle=shuffle)
    per_rank = math.ceil(size / replicas)
    assert [len(p) for p in parts] == [per_rank] * replicas
    assert all(len(DistributedSampler(range(size), replicas, r)) == per_rank for r in range(replicas))
    everything = [i for p in parts for i in p]
    assert set(everything) == set(range(size))
    padding = per_rank * replicas - size
    assert len(everything) - len(set(everything)) == padding


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize(("size", "replicas"), [(12, 4), (10, 4), (10, 3), (7, 2)])
def test_drop_last_gives_disjoint_shares_of_the_largest_even_size(size, replicas, shuffle):
    parts = shares(size, replicas, shuffle=shuffle, drop_last=True)
    per_rank = size // replicas
    assert [len(p) for p in parts] == [per_rank] * replicas
    everything = [i for p in parts for i in p]
    assert len(set(everything)) == len(everything) == per_rank * replicas


def test_without_shuffle_ranks_deal_the_indices_round_robin_and_pad_from_the_start():
    assert shares(10, 4, shuffle=False) == [[0, 4, 8], [1, 5, 9], [2, 6, 0], [3, 7, 1]]
    assert shares(3, 4, shuffle=False) == [[0], [1], [2], [0]]
    assert shares(2, 5, shuffle=False) == [[0], [1], [0], [1], [0]]  # padding repeats the data as often as needed
    assert shares(10, 4, shuffle=False, drop_last=True) == [[0, 4], [1, 5], [2, 6], [3, 7]]


def test_set_epoch_reshuffles_the_same_way_on_every_rank():
    samplers = [DistributedSampler(range(50), 2, rank, seed=3) for rank in range(2)]
    first = [list(s) for s in samplers]
    assert first == [list(s) for s in samplers]  # the same epoch again: the same order
    for s in samplers:
        s.set_epoch(1)
    second = [list(s) for s in samplers]
    assert second != first
    assert sorted(second[0] + second[1]) == list(range(50))
    other_seed = DistributedSampler(range(50), 2, 0, seed=4)
    assert list(other_seed) != first[0]


def test_a_dataloader_batches_each_ranks_share():
    data = TensorDataset(ember.arange(10.0))
    seen = []
    for rank in range(2):
        loader = DataLoader(data, batch_size=2, sampler=DistributedSampler(data, 2, rank, shuffle=False))
        seen.append([batch[0].tolist() for batch in loader])
    assert seen == [[[0.0, 2.0], [4.0, 6.0], [8.0]], [[1.0, 3.0], [5.0, 7.0], [9.0]]]


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match=r"Invalid rank 4, rank should be in the interval \[0, 3\]"):
        DistributedSampler(range(4), 4, 4)
    with pytest.raises(ValueError, match=r"Invalid rank -1"):
        DistributedSampler(range(4), 4, -1)
    with pytest.raises(ValueError, match=r"num_replicas should be at least 1"):
        DistributedSampler(range(4), 0, 0)
    import ember.distributed as dist

    if not dist.is_initialized():
        with pytest.raises(RuntimeError, match=r"needs num_replicas and rank, or an initialized default process"):
            DistributedSampler(range(4))
