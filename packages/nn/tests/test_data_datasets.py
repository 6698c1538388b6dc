"""Datasets (TensorDataset, ConcatDataset, Subset, random_split) and samplers."""

import ember
import numpy as np
import pytest
from ember.utils.data import (
    BatchSampler,
    ConcatDataset,
    Dataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    random_split,
)


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __getitem__(self, index):
        if not 0 <= index < self.n:
            raise IndexError(index)
        return index * index

    def __len__(self):
        return self.n


def test_tensor_dataset_rows_and_length():
    x, y = ember.arange(12.0).reshape(6, 2), ember.arange(6)
    data = TensorDataset(x, y)
    assert len(data) == 6
    row, label = data[4]
    assert row.tolist() == [8.0, 9.0] and label.item() == 4
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(x, ember.arange(5))


def test_concat_dataset_indexes_across_parts():
    data = ConcatDataset([Squares(3), Squares(2)])
    assert len(data) == 5 and data.cumulative_sizes == [3, 5]
    assert [data[i] for i in range(5)] == [0, 1, 4, 0, 1]
    assert data[-1] == 1 and data[-5] == 0
    with pytest.raises(ValueError, match="absolute value of index"):
        data[-6]
    with pytest.raises(IndexError):
        data[5]
    assert len(Squares(2) + Squares(4)) == 6


def test_subset_maps_indices():
    data = Subset(Squares(10), [9, 2, 5])
    assert len(data) == 3 and [data[i] for i in range(3)] == [81, 4, 25]
    assert data.__getitems__([0, 2]) == [81, 25]


def test_random_split_by_lengths_is_a_partition_and_reproducible():
    data = Squares(10)
    first, second = random_split(data, [7, 3], generator=ember.Generator().manual_seed(1))
    indices = list(first.indices) + list(second.indices)
    assert len(first) == 7 and len(second) == 3 and sorted(indices) == list(range(10))
    again, _ = random_split(data, [7, 3], generator=ember.Generator().manual_seed(1))
    assert list(again.indices) == list(first.indices)
    other, _ = random_split(data, [7, 3], generator=ember.Generator().manual_seed(2))
    assert list(other.indices) != list(first.indices)
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        random_split(data, [5, 6])


def test_random_split_by_fractions_spreads_the_remainder():
    parts = random_split(Squares(10), [0.33, 0.33, 0.34])
    assert [len(p) for p in parts] == [4, 3, 3]
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        random_split(Squares(3), [1.0, 0.0])


def test_sequential_and_random_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    ember.manual_seed(0)
    first = list(RandomSampler(range(20)))
    second = list(RandomSampler(range(20)))
    assert sorted(first) == list(range(20)) and first != second
    ember.manual_seed(0)
    assert list(RandomSampler(range(20))) == first


def test_random_sampler_with_more_samples_and_with_replacement():
    more = list(RandomSampler(range(5), num_samples=12))
    assert len(more) == 12 and sorted(more[:5]) == list(range(5)) and sorted(more[5:10]) == list(range(5))
    drawn = list(RandomSampler(range(3), replacement=True, num_samples=300))
    assert len(drawn) == 300 and set(drawn) == {0, 1, 2}
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(TypeError, match="replacement should be a boolean value"):
        RandomSampler(range(3), replacement=1)


def test_subset_random_and_weighted_samplers():
    picks = list(SubsetRandomSampler([10, 20, 30], generator=ember.Generator().manual_seed(3)))
    assert sorted(picks) == [10, 20, 30]
    weighted = list(
        WeightedRandomSampler([0.0, 1.0, 3.0], num_samples=4000, generator=ember.Generator().manual_seed(0))
    )
    counts = np.bincount(weighted, minlength=3)
    assert counts[0] == 0 and 0.7 < counts[2] / 4000 < 0.8
    once = list(WeightedRandomSampler([1.0, 1.0, 1.0, 0.0], num_samples=3, replacement=False))
    assert sorted(once) == [0, 1, 2]


def test_batch_sampler_groups_and_counts():
    sampler = SequentialSampler(range(10))
    assert list(BatchSampler(sampler, 4, drop_last=False)) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert list(BatchSampler(sampler, 4, drop_last=True)) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(BatchSampler(sampler, 4, False)) == 3 and len(BatchSampler(sampler, 4, True)) == 2
    assert list(BatchSampler(iter_only([5, 6, 7]), 2, False)) == [[5, 6], [7]]
    with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
        BatchSampler(sampler, 0, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean value"):
        BatchSampler(sampler, 2, 1)


def iter_only(items):
    class Plain:
        def __iter__(self):
            return iter(items)

    return Plain()


def test_batch_sampler_respects_a_sampler_that_overrides_iteration():
    class Reversed(RandomSampler):
        def __iter__(self):
            return iter(range(len(self.data_source) - 1, -1, -1))

    assert list(BatchSampler(Reversed(range(5)), 2, False)) == [[4, 3], [2, 1], [0]]
