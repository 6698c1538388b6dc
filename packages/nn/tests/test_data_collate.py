"""default_collate and default_convert: PyTorch's batching of samples, by structure."""

from collections import OrderedDict, namedtuple

import ember
import numpy as np
import pytest
from ember.utils.data import default_collate, default_convert

Point = namedtuple("Point", ["x", "label"])


def test_tensors_are_stacked_along_a_new_first_dimension():
    batch = default_collate([ember.tensor([1.0, 2.0]), ember.tensor([3.0, 4.0]), ember.tensor([5.0, 6.0])])
    assert batch.shape == (3, 2) and batch.dtype is ember.float32
    assert batch.tolist() == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]


def test_numbers_become_tensors_with_pytorch_dtypes():
    floats = default_collate([0.5, 1.5])
    ints = default_collate([1, 2, 3])
    bools = default_collate([True, False])
    assert floats.dtype is ember.float64 and floats.tolist() == [0.5, 1.5]
    assert ints.dtype is ember.int64 and ints.tolist() == [1, 2, 3]
    assert bools.dtype is ember.bool and bools.tolist() == [True, False]


def test_numpy_arrays_and_scalars_keep_their_dtype():
    arrays = default_collate([np.array([1, 2], dtype=np.int32), np.array([3, 4], dtype=np.int32)])
    assert arrays.dtype is ember.int32 and arrays.tolist() == [[1, 2], [3, 4]]
    scalars = default_collate([np.float32(1.5), np.float32(2.5)])
    assert scalars.dtype is ember.float32 and scalars.tolist() == [1.5, 2.5]
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors"):
        default_collate([np.array(["a"]), np.array(["b"])])


def test_tuples_are_transposed_into_lists_and_lists_stay_lists():
    batch = default_collate([(ember.tensor([1.0]), 0), (ember.tensor([2.0]), 1)])
    assert isinstance(batch, list) and len(batch) == 2
    assert batch[0].tolist() == [[1.0], [2.0]] and batch[1].tolist() == [0, 1]
    nested = default_collate([[1, [2.0, "a"]], [3, [4.0, "b"]]])
    assert nested[0].tolist() == [1, 3] and nested[1][0].tolist() == [2.0, 4.0] and nested[1][1] == ("a", "b")
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [3]])


def test_dicts_collate_by_key_and_keep_their_type():
    batch = default_collate([OrderedDict(image=np.zeros(2), name="a"), OrderedDict(image=np.ones(2), name="b")])
    assert type(batch) is OrderedDict and list(batch) == ["image", "name"]
    assert batch["image"].dtype is ember.float64 and batch["image"].tolist() == [[0.0, 0.0], [1.0, 1.0]]
    assert batch["name"] == ["a", "b"]


def test_namedtuples_and_strings():
    batch = default_collate([Point(1.0, "cat"), Point(2.0, "dog")])
    assert isinstance(batch, Point) and batch.x.tolist() == [1.0, 2.0] and batch.label == ("cat", "dog")
    assert default_collate(["x", "y"]) == ["x", "y"]  # the batch itself; a transposed column stays a tuple


def test_unsupported_elements_raise_type_error():
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="NoneType"):
        default_collate([None, None])


def test_default_convert_turns_arrays_into_tensors_without_batching():
    converted = default_convert((np.arange(3), {"y": np.float64(2.0)}, "text", 5))
    assert isinstance(converted, list)
    assert converted[0].dtype is ember.int64 and converted[0].tolist() == [0, 1, 2]
    assert converted[1]["y"].dtype is ember.float64 and converted[1]["y"].item() == 2.0
    assert converted[2] == "text" and converted[3] == 5
    assert default_convert(Point(np.ones(1), "a")).x.tolist() == [1.0]
