"""PyTorch's default collation: merge a list of samples into a batch, recursively by structure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import ember
import numpy as np
from ember import Tensor

_UNSUPPORTED = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _is_namedtuple(value: Any) -> bool:
    return isinstance(value, tuple) and hasattr(value, "_fields")


def _numeric_array(array: np.ndarray) -> bool:
    return array.dtype.kind not in "USO"


def default_collate(batch: list | tuple) -> Any:
    """Stack tensors and arrays, turn numbers into tensors (float -> float64, int -> int64), recurse into
    dicts (by key) and sequences (transposed; tuples become lists), keep strings as lists."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        return ember.stack(batch, 0)
    if isinstance(elem, np.ndarray):
        if not _numeric_array(elem):
            raise TypeError(_UNSUPPORTED.format(elem.dtype))
        return ember.stack([ember.as_tensor(b) for b in batch], 0)
    if isinstance(elem, np.generic) and not isinstance(elem, (np.str_, np.bytes_)):
        return ember.as_tensor(np.asarray(batch))
    if isinstance(elem, float):
        return ember.tensor(batch, dtype=ember.float64)
    if isinstance(elem, int):
        return ember.tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, Mapping):
        merged = {key: default_collate([sample[key] for sample in batch]) for key in elem}
        try:
            return type(elem)(merged)
        except TypeError:
            return merged
    if _is_namedtuple(elem):
        return type(elem)(*(default_collate(field) for field in zip(*batch)))
    if isinstance(elem, Sequence):
        size = len(elem)
        if any(len(sample) != size for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [
            default_collate(column) for column in zip(*batch)
        ]  # NOTE: strings in a column stay a tuple, as in PyTorch
        if isinstance(elem, tuple):
            return columns
        try:
            return type(elem)(columns)
        except TypeError:
            return columns
    raise TypeError(_UNSUPPORTED.format(type(elem)))


def default_convert(data: Any) -> Any:
    """Without batching: NumPy arrays and scalars become tensors, recursively; everything else is kept."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray):
        return ember.as_tensor(data) if _numeric_array(data) else data
    if isinstance(data, np.generic) and not isinstance(data, (np.str_, np.bytes_)):
        return ember.as_tensor(np.asarray(data))
    if isinstance(data, Mapping):
        converted = {key: default_convert(value) for key, value in data.items()}
        try:
            return type(data)(converted)
        except TypeError:
            return converted
    if _is_namedtuple(data):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        converted = [default_convert(d) for d in data]
        try:
            return type(data)(converted)
        except TypeError:
            return converted
    return data
