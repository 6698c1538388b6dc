"""ember.utils.data against torch.utils.data: collation, batch counts, sequential batches, split lengths."""

from collections import OrderedDict, namedtuple

import ember
import ember.utils.data as edata
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.utils.data as tdata  # noqa: E402

Pair = namedtuple("Pair", ["a", "b"])


def samples_for(lib):
    """The same list of samples built with each library's tensors."""
    return [
        {
            "tensor": lib.tensor([float(i), 2.0 * i]),
            "ints": lib.tensor([i, i + 1]),
            "array": np.full((2, 2), i, dtype=np.float32),
            "scalar": np.int16(i),
            "float": 0.5 * i,
            "int": i,
            "bool": i % 2 == 0,
            "text": f"s{i}",
            "pair": Pair(i, [float(i), "x"]),
            "tuple": (i, 1.5),
            "ordered": OrderedDict(z=i, y=float(i)),
        }
        for i in range(3)
    ]


def normalize(value):
    """A library-neutral view of a collated batch: arrays with dtype names, containers by type name."""
    if isinstance(value, (ember.Tensor, torch.Tensor)):
        return ("tensor", str(value.dtype).split(".")[-1], value.numpy().tolist())
    if isinstance(value, dict):
        return (type(value).__name__, [(k, normalize(v)) for k, v in value.items()])
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [normalize(v) for v in value])
    return value


def test_default_collate_matches_torch_structure_dtypes_and_values():
    ours = edata.default_collate(samples_for(ember))
    theirs = tdata.default_collate(samples_for(torch))
    assert normalize(ours) == normalize(theirs)


def test_default_convert_matches_torch():
    sample = (np.arange(3), {"x": np.float32(2.0), "s": "t"}, [np.ones(2, dtype=np.int8)], 7)
    assert normalize(edata.default_convert(sample)) == normalize(tdata.default_convert(sample))


@pytest.mark.parametrize(
    "n, batch_size, drop_last",
    [(100, 16, False), (100, 16, True), (64, 16, False), (5, 8, False), (5, 8, True), (1, 1, False)],
)
def test_len_and_sequential_batches_match_torch(n, batch_size, drop_last):
    values = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    ours = edata.DataLoader(edata.TensorDataset(ember.tensor(values)), batch_size=batch_size, drop_last=drop_last)
    theirs = tdata.DataLoader(tdata.TensorDataset(torch.tensor(values)), batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    assert [normalize(b) for b in ours] == [normalize(b) for b in theirs]


def test_tutorial_dataloader_batches_like_torch():
    x = np.random.default_rng(0).standard_normal((100, 1))
    y = np.arange(100.0)
    ours = edata.DataLoader(dataset=edata.TensorDataset(ember.tensor(x), ember.tensor(y)), batch_size=16, shuffle=True)
    theirs = tdata.DataLoader(
        dataset=tdata.TensorDataset(torch.tensor(x), torch.tensor(y)), batch_size=16, shuffle=True
    )
    ours_shapes = [(type(b).__name__, [tuple(t.shape) for t in b], [str(t.dtype) for t in b]) for b in ours]
    theirs_shapes = [(type(b).__name__, [tuple(t.shape) for t in b], [str(t.dtype) for t in b]) for b in theirs]
    assert [(k, s, [d.replace("torch", "ember") for d in dt]) for k, s, dt in theirs_shapes] == ours_shapes


@pytest.mark.parametrize("lengths", [[0.5, 0.5], [0.33, 0.33, 0.34], [0.1, 0.2, 0.7], [3, 7], [1.0, 0.0]])
def test_random_split_lengths_match_torch(lengths):
    with pytest.warns(UserWarning) if 0.0 in lengths else _nothing():
        ours = [len(s) for s in edata.random_split(range(10), lengths)]
    with pytest.warns(UserWarning) if 0.0 in lengths else _nothing():
        theirs = [len(s) for s in tdata.random_split(range(10), lengths)]
    assert ours == theirs


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.mark.parametrize("drop_last", [False, True])
def test_batch_sampler_matches_torch(drop_last):
    ours = list(edata.BatchSampler(edata.SequentialSampler(range(11)), 4, drop_last))
    theirs = list(tdata.BatchSampler(tdata.SequentialSampler(range(11)), 4, drop_last))
    assert ours == theirs
    assert len(edata.BatchSampler(range(11), 4, drop_last)) == len(tdata.BatchSampler(range(11), 4, drop_last))


def test_concat_dataset_matches_torch():
    parts = [list(range(3)), list(range(10, 15)), list(range(20, 22))]
    ours, theirs = edata.ConcatDataset(parts), tdata.ConcatDataset(parts)
    assert len(ours) == len(theirs) and ours.cumulative_sizes == theirs.cumulative_sizes
    assert [ours[i] for i in range(-len(ours), len(ours))] == [theirs[i] for i in range(-len(theirs), len(theirs))]


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize(("size", "replicas"), [(12, 4), (10, 4), (3, 4), (2, 5), (10, 3), (7, 2)])
def test_distributed_sampler_deals_and_pads_as_torch_does(size, replicas, drop_last):
    """Unshuffled, so that the two libraries' random streams do not matter: the dealing and padding rules."""
    from torch.utils.data.distributed import DistributedSampler as TorchSampler

    for rank in range(replicas):
        ours = edata.DistributedSampler(range(size), replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = TorchSampler(range(size), replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs)
        assert (len(ours), ours.num_samples, ours.total_size) == (len(theirs), theirs.num_samples, theirs.total_size)
