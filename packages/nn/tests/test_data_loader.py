"""DataLoader in the main process: batch counts, shuffling, reproducibility, collation, options."""

import ember
import numpy as np
import pytest
from ember.utils.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    IterableDataset,
    SequentialSampler,
    TensorDataset,
    random_split,
)


def regression_data(n=100):
    x = ember.tensor(np.linspace(-1, 1, n).reshape(n, 1))
    y = ember.tensor(np.arange(n, dtype=np.float64))
    return TensorDataset(x, y)


def epoch_indices(loader):
    """The sample indices an epoch visited, read back from the y column (y[i] == i)."""
    return [int(v) for _, y in loader for v in y.tolist()]


class RowsByHand(Dataset):
    """The same samples as regression_data, through the generic per-sample path."""

    def __init__(self, data):
        self.data = data

    def __getitem__(self, index):
        return self.data[index]

    def __len__(self):
        return len(self.data)


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def test_tutorial_loader_gives_7_batches_the_last_of_4():
    loader = DataLoader(dataset=regression_data(), batch_size=16, shuffle=True)
    batches = list(loader)
    assert len(loader) == 7 and len(batches) == 7
    assert [len(y) for _, y in batches] == [16] * 6 + [4]
    x, y = batches[0]
    assert isinstance(batches[0], list) and x.shape == (16, 1) and x.dtype is ember.float64
    assert y.shape == (16,) and y.dtype is ember.float64


def test_drop_last_drops_the_short_batch():
    loader = DataLoader(regression_data(), batch_size=16, drop_last=True)
    assert len(loader) == 6 and [len(y) for _, y in loader] == [16] * 6


def test_without_shuffle_the_order_is_sequential():
    assert epoch_indices(DataLoader(regression_data(), batch_size=16)) == list(range(100))


def test_shuffle_covers_every_index_and_reshuffles_each_epoch():
    loader = DataLoader(regression_data(), batch_size=16, shuffle=True)
    first, second = epoch_indices(loader), epoch_indices(loader)
    assert sorted(first) == sorted(second) == list(range(100))
    assert first != second and first != list(range(100))


def test_shuffle_is_reproducible_with_a_seeded_generator_or_manual_seed():
    def run(generator):
        loader = DataLoader(regression_data(), batch_size=16, shuffle=True, generator=generator)
        return [epoch_indices(loader) for _ in range(2)]

    assert run(ember.Generator().manual_seed(7)) == run(ember.Generator().manual_seed(7))
    assert run(ember.Generator().manual_seed(7)) != run(ember.Generator().manual_seed(8))
    ember.manual_seed(3)
    first = run(None)
    ember.manual_seed(3)
    assert run(None) == first


def test_fast_tensor_path_matches_the_per_sample_path():
    data = regression_data(37)
    fast = list(DataLoader(data, batch_size=8, shuffle=True, generator=ember.Generator().manual_seed(5)))
    slow = list(DataLoader(RowsByHand(data), batch_size=8, shuffle=True, generator=ember.Generator().manual_seed(5)))
    assert len(fast) == len(slow) == 5
    for (fx, fy), (sx, sy) in zip(fast, slow):
        assert fx.dtype is sx.dtype and fy.dtype is sy.dtype and fx.shape == sx.shape
        np.testing.assert_array_equal(fx.numpy(), sx.numpy())
        np.testing.assert_array_equal(fy.numpy(), sy.numpy())


def test_random_split_subsets_batch_their_own_rows():
    train, test = random_split(regression_data(), [0.8, 0.2], generator=ember.Generator().manual_seed(0))
    seen = epoch_indices(DataLoader(train, batch_size=16, shuffle=True))
    assert sorted(seen) == sorted(train.indices) and len(seen) == 80
    assert epoch_indices(DataLoader(test, batch_size=16)) == list(test.indices)


def test_tensors_that_require_grad_keep_their_graph():
    weights = ember.ones(6, 2, requires_grad=True)
    loader = DataLoader(TensorDataset(weights), batch_size=4)
    (batch,) = next(iter(loader))
    (batch * 2).sum().backward()
    assert weights.grad.tolist() == [[2.0, 2.0]] * 4 + [[0.0, 0.0]] * 2


def test_batch_size_none_yields_converted_samples():
    class Arrays(Dataset):
        def __getitem__(self, index):
            return np.full(2, index)

        def __len__(self):
            return 3

    samples = list(DataLoader(Arrays(), batch_size=None))
    assert [s.tolist() for s in samples] == [[0, 0], [1, 1], [2, 2]] and len(DataLoader(Arrays(), batch_size=None)) == 3


def test_samplers_batch_samplers_and_collate_fn():
    data = regression_data(10)
    reversed_sampler = list(range(9, -1, -1))
    assert epoch_indices(DataLoader(data, batch_size=4, sampler=reversed_sampler)) == reversed_sampler
    batches = BatchSampler(SequentialSampler(data), 3, drop_last=True)
    loader = DataLoader(data, batch_sampler=batches)
    assert len(loader) == 3 and epoch_indices(loader) == list(range(9))
    sizes = list(DataLoader(data, batch_size=4, collate_fn=len))
    assert sizes == [4, 4, 2]


def test_dicts_and_numbers_from_a_custom_dataset():
    class Records(Dataset):
        def __getitem__(self, index):
            return {"features": np.full(3, index, dtype=np.float32), "label": index, "weight": 0.5}

        def __len__(self):
            return 5

    batch = next(iter(DataLoader(Records(), batch_size=5)))
    assert batch["features"].dtype is ember.float32 and batch["features"].shape == (5, 3)
    assert batch["label"].dtype is ember.int64 and batch["label"].tolist() == [0, 1, 2, 3, 4]
    assert batch["weight"].dtype is ember.float64


def test_iterable_dataset_batches_and_length():
    loader = DataLoader(Stream(10), batch_size=4)
    assert [b.tolist() for b in loader] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]] and len(loader) == 3
    dropping = DataLoader(Stream(10), batch_size=4, drop_last=True)
    assert [b.tolist() for b in dropping] == [[0, 1, 2, 3], [4, 5, 6, 7]] and len(dropping) == 2
    assert list(DataLoader(Stream(3), batch_size=None)) == [0, 1, 2]  # default_convert keeps Python ints


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"shuffle": True, "sampler": [0, 1]}, "sampler option is mutually exclusive with shuffle"),
        ({"batch_sampler": [[0]], "batch_size": 2}, "batch_sampler option is mutually exclusive"),
        ({"num_workers": -1}, "num_workers option should be non-negative"),
        ({"timeout": -1}, "timeout option should be non-negative"),
        ({"prefetch_factor": 2}, "prefetch_factor option could only be specified in multiprocessing"),
        ({"persistent_workers": True}, "persistent_workers option needs num_workers > 0"),
        ({"batch_size": None, "drop_last": True}, "mutually exclusive with drop_last"),
    ],
)
def test_conflicting_options_raise_value_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DataLoader(regression_data(4), **kwargs)


def test_iterable_dataset_rejects_shuffle():
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(Stream(3), shuffle=True)


def test_an_error_in_the_dataset_names_the_index():
    class Broken(Dataset):
        def __getitem__(self, index):
            if index == 5:
                raise KeyError("missing file")
            return index

        def __len__(self):
            return 8

    with pytest.raises(KeyError) as caught:
        list(DataLoader(Broken(), batch_size=4))
    assert "while loading dataset index 5" in "".join(caught.value.__notes__)


def test_pin_memory_is_accepted_on_cpu():
    loader = DataLoader(regression_data(20), batch_size=8, pin_memory=True)
    assert epoch_indices(loader) == list(range(20))


def _same_buffer(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two host arrays are the same memory seen the same way (one start, shape, strides and dtype)."""
    layout = lambda x: (x.__array_interface__["data"][0], x.shape, x.strides, x.dtype)  # noqa: E731
    return layout(a) == layout(b)


def test_pin_memory_asks_a_cuda_backend_to_pin_each_tensor():
    from ember.backends import NumpyLikeBackend, registry

    class PinRecorder(NumpyLikeBackend):
        name = "pin-recorder"
        device_type = "cuda"

        def __init__(self):
            super().__init__(np)
            self.pinned = []

        def pin_memory(self, array):
            pinned = np.array(array)
            self.pinned.append(pinned)
            return pinned

    backend = PinRecorder()
    registry.register(backend)
    try:
        with registry.use("pin-recorder", "cuda"):
            batches = list(DataLoader(regression_data(20), batch_size=8, pin_memory=True))
    finally:
        registry.unregister(backend)
    tensors = [t for batch in batches for t in batch]
    assert len(backend.pinned) == len(tensors) == 6
    # each tensor lives in its pinned buffer (a CPU backend other than NumPy's reaches it through a new view)
    assert all(t.device.type == "cpu" and _same_buffer(t.numpy(), pinned) for t, pinned in zip(tensors, backend.pinned))
    assert [int(v) for _, y in batches for v in y.tolist()] == list(range(20))


def test_samplers_may_yield_any_key_the_dataset_accepts():
    class ByName(Dataset):
        table = {"a": 1.0, "b": 2.0, "c": 3.0}

        def __getitem__(self, key):
            return self.table[key]

        def __len__(self):
            return 3

    batches = list(DataLoader(ByName(), batch_size=2, sampler=["c", "a", "b"]))
    assert [b.tolist() for b in batches] == [[3.0, 1.0], [2.0]]
    with pytest.raises(KeyError) as caught:
        list(DataLoader(ByName(), batch_size=2, sampler=["a", "zz"]))
    assert "while loading dataset index 'zz'" in "".join(caught.value.__notes__)
