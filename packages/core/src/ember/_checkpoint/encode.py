"""From the object to save to the JSON manifest and the arrays to write (no I/O here)."""

from __future__ import annotations

import base64
import math
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import _dtype as dt
from .._device import device as Device
from .._size import Size
from .._tensor import Tensor
from .storages import plan_storages

FORMAT = "ember-checkpoint"
VERSION = 2
#: Containers nest at most this deep: deeper ones are refused at save, so every saved file loads.
MAX_NESTING = 200


class Encoder:
    """Encodes one object: `manifest()` describes it, `entries()` lists the arrays to write beside it."""

    def __init__(self, is_parameter: Callable[[Tensor], bool]) -> None:
        self._is_parameter = is_parameter
        self._tensors: list[Tensor] = []
        self._tensor_index: dict[int, int] = {}
        self._arrays: list[tuple[str, np.ndarray]] = []
        self._array_file: dict[int, str] = {}
        self._open: set[int] = set()  # the containers being encoded: the path from the root to here

    def manifest(self, obj: Any) -> tuple[dict, list]:
        """The manifest for obj, and the (entry name, array source) pairs to write with it."""
        root = self._encode(obj, "the saved object", 0)
        storages, layouts = plan_storages(self._tensors)
        files = [f"storages/{n}.npy" for n in range(len(storages))]
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "storages": [{"file": file, "device": s.device} for file, s in zip(files, storages)],
            "tensors": [self._tensor_entry(t, layout) for t, layout in zip(self._tensors, layouts)],
            "root": root,
        }
        entries = [(file, s.read) for file, s in zip(files, storages)]
        entries += [(file, (lambda a=array: a)) for file, array in self._arrays]
        return manifest, entries

    def _encode(self, value, where: str, depth: int):
        if value is None or isinstance(value, (bool, str, int)):
            return value
        if isinstance(value, float):
            return value if math.isfinite(value) else {"kind": "float", "value": repr(value)}
        if isinstance(value, Tensor):
            return {"kind": "tensor", "index": self._tensor(value)}
        if isinstance(value, np.ndarray):
            return {"kind": "ndarray", "file": self._array(value)}
        if isinstance(value, (np.integer, np.floating, np.bool_)):
            return self._encode(value.item(), where, depth)
        if isinstance(value, dt.dtype):
            return {"kind": "dtype", "name": value.name}
        if isinstance(value, Device):
            return {"kind": "device", "name": str(value)}
        if isinstance(value, Size):
            return {"kind": "size", "items": list(value)}
        if isinstance(value, bytes):
            return {"kind": "bytes", "base64": base64.b64encode(value).decode("ascii")}
        if isinstance(value, (dict, list, tuple)):
            return self._container(value, where, depth)
        raise TypeError(
            f"ember.save cannot store a {type(value).__module__}.{type(value).__qualname__} (at {where}): checkpoints "
            "hold tensors, NumPy arrays, numbers, strings, bytes, None, dtypes, devices and lists/tuples/dicts of "
            "them. Save state dicts (model.state_dict(), optimizer.state_dict()), not objects."
        )

    def _container(self, value, where: str, depth: int) -> dict:
        if id(value) in self._open:
            raise ValueError(
                f"ember.save cannot store an object that contains itself: {where} is the "
                f"{type(value).__name__} it is inside. Checkpoints hold trees; remove the self-reference first."
            )
        if depth >= MAX_NESTING:
            raise ValueError(
                f"ember.save cannot store containers nested more than {MAX_NESTING} deep (at {where}); "
                "flatten the structure first."
            )
        self._open.add(id(value))
        try:
            if isinstance(value, dict):
                items = [
                    [self._encode(k, f"{where} key {k!r}", depth + 1), self._encode(v, f"{where}[{k!r}]", depth + 1)]
                    for k, v in value.items()
                ]
                return {"kind": "odict" if isinstance(value, OrderedDict) else "dict", "items": items}
            items = [self._encode(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value)]
            return {"kind": "list" if isinstance(value, list) else "tuple", "items": items}
        finally:
            self._open.discard(id(value))

    def _tensor(self, t: Tensor) -> int:
        """The tensor's row in the manifest's table: a tensor saved twice (tied weights) loads as one object."""
        index = self._tensor_index.get(id(t))
        if index is None:
            index = self._tensor_index[id(t)] = len(self._tensors)
            self._tensors.append(t)
        return index

    def _tensor_entry(self, t: Tensor, layout) -> dict:
        return {
            "storage": layout.storage,
            "dtype": t.dtype.name,
            "byte_offset": layout.byte_offset,
            "shape": list(layout.shape),
            "byte_strides": list(layout.byte_strides),
            "requires_grad": bool(t.requires_grad),
            "parameter": self._is_parameter(t),
        }

    def _array(self, array: np.ndarray) -> str:
        """The entry for a NumPy array (the same array object is written once)."""
        name = self._array_file.get(id(array))
        if name is None:
            name = self._array_file[id(array)] = f"arrays/{len(self._arrays)}.npy"
            self._arrays.append((name, array))
        return name
