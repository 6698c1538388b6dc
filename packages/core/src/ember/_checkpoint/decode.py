"""From a checkpoint's manifest and arrays back to objects (format versions 1 and 2)."""

from __future__ import annotations

import base64
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from .. import _dtype as dt
from .._device import CPU
from .._device import device as Device
from .._devices import default_backend
from .._size import Size
from .._tensor import Tensor, wrap
from .archive import ArchiveReader
from .errors import Damaged, MissingDevice, PlacementFailed
from .storages import strided_view


class Decoder:
    """Decodes one manifest; storages, tensors and arrays are read once and shared by every reference."""

    def __init__(self, reader: ArchiveReader, manifest: dict, map_location, parameter_type: Callable | None) -> None:
        self.reader = reader
        self.version = manifest["version"]
        self.map_location = map_location
        self.parameter_type = parameter_type
        if self.version >= 2:
            self._storage_rows = _list(manifest.get("storages"), "storages")
            self._tensor_rows = _list(manifest.get("tensors"), "tensors")
        self._placed: dict[Any, Tensor] = {}
        self._tensors: dict[int, Tensor] = {}
        self._arrays: dict[str, Any] = {}

    def decode(self, value):
        if not isinstance(value, dict):
            if isinstance(value, list):
                raise Damaged("a bare list in the manifest")
            return value
        kind = value["kind"]
        if kind == "list":
            return [self.decode(v) for v in value["items"]]
        if kind == "tuple":
            return tuple(self.decode(v) for v in value["items"])
        if kind == "dict":
            return {self._key(k): self.decode(v) for k, v in value["items"]}
        if kind == "odict":
            return OrderedDict((self._key(k), self.decode(v)) for k, v in value["items"])
        if kind == "tensor":
            return self._tensor_v1(value) if self.version == 1 else self._tensor(value["index"])
        if kind == "ndarray":
            return self._array(value["file"])
        if kind == "float":
            return float(value["value"])
        if kind == "bytes":
            return base64.b64decode(value["base64"], validate=True)
        if kind == "dtype":
            return dt._by_name(value["name"])
        if kind == "device":
            return Device(value["name"])
        if kind == "size":
            return Size(int(n) for n in value["items"])
        raise Damaged(f"unknown entry kind {kind!r}")

    def _key(self, key):
        decoded = self.decode(key)
        return tuple(decoded) if isinstance(decoded, list) else decoded

    def _array(self, name: str):
        found = self._arrays.get(name)
        if found is None:
            found = self._arrays[name] = self.reader.read_npy(name)
        return found

    # --- version 2: tensors view storages ----------------------------------------------------------

    def _tensor(self, index) -> Tensor:
        found = self._tensors.get(index)
        if found is None:
            row = _row(self._tensor_rows, index, "tensor")
            dtype = _dtype_named(row["dtype"])
            storage = self._storage(row["storage"])
            view = strided_view(
                storage, dtype, _int(row["byte_offset"]), _ints(row["shape"]), _ints(row["byte_strides"])
            )
            found = self._tensors[index] = self._finish(wrap(view, storage._backend, dtype, storage.device), row)
        return found

    def _storage(self, index) -> Tensor:
        found = self._placed.get(index)
        if found is None:
            row = _row(self._storage_rows, index, "storage")
            array = self._array(row["file"])
            if array.ndim != 1:
                raise Damaged(f"storage {row['file']} is not 1-dimensional (its shape is {array.shape})")
            try:
                dtype = dt.from_numpy_dtype(array.dtype)
            except TypeError:
                raise Damaged(f"storage {row['file']} holds {array.dtype}, which no ember tensor holds") from None
            found = self._placed[index] = self._place(self._host_tensor(array, dtype), row["device"])
        return found

    # --- version 1: one array per tensor -----------------------------------------------------------

    def _tensor_v1(self, row: dict) -> Tensor:
        name = row["file"]
        dtype = _dtype_named(row["dtype"])
        array = self._array(name)
        if array.dtype != dtype.numpy:
            raise Damaged(f"{name} holds {array.dtype}, not {row['dtype']}")
        placed = self._placed.get(name)
        if placed is None:
            placed = self._placed[name] = self._place(self._host_tensor(array, dtype), row["device"])
        return self._finish(wrap(placed._data, placed._backend, dtype, placed.device), row)

    # --- both ---------------------------------------------------------------------------------------

    @staticmethod
    def _host_tensor(array, dtype) -> Tensor:
        backend = default_backend()
        return wrap(backend.from_numpy(array, None), backend, dtype, CPU)

    def _finish(self, t: Tensor, row: dict) -> Tensor:
        if row.get("parameter") and self.parameter_type is not None:
            return self.parameter_type(t, requires_grad=bool(row.get("requires_grad", True)))
        if row.get("requires_grad"):
            t.requires_grad_(True)
        return t

    def _place(self, loaded: Tensor, saved) -> Tensor:
        return place(loaded, saved, self.map_location)


def place(loaded: Tensor, saved, map_location) -> Tensor:
    """Move a loaded (CPU) storage where map_location says, by default back where it was saved from."""
    if not isinstance(saved, str):
        raise Damaged(f"a saved device must be a string, not {saved!r}")
    Device(saved)  # a file naming no device is damaged; a device this machine lacks is the caller's concern
    try:
        placed = _placed(loaded, saved, map_location)
    except MissingDevice:
        raise
    except Exception as error:
        raise PlacementFailed(error) from None
    if not isinstance(placed, Tensor) or placed.shape != loaded.shape or placed.dtype is not loaded.dtype:
        raise PlacementFailed(
            RuntimeError(
                f"ember.load: map_location returned {placed!r} for a storage of {loaded.numel()} "
                f"{loaded.dtype} elements; it must return the storage it was given (moved) or a location."
            )
        )
    return placed


def _placed(tensor: Tensor, saved: str, location) -> Tensor:
    if location is None:
        target = saved
    elif isinstance(location, dict):
        target = location.get(saved, saved)
    elif callable(location) and not isinstance(location, (str, Device)):
        moved = location(tensor, saved)
        if isinstance(moved, Tensor):
            return moved
        target = saved if moved is None else moved
    else:
        target = location
    target = str(target)
    if target == "cpu":
        return tensor
    try:
        return tensor.to(target)
    except RuntimeError as error:
        raise MissingDevice(
            f"it holds a tensor saved on {saved!r} and ember cannot put it on {target!r} ({error}). "
            "On a machine without that device, pass map_location='cpu'."
        ) from None


def _list(value, what: str) -> list:
    if not isinstance(value, list):
        raise Damaged(f"the manifest's {what!r} is not a list")
    return value


def _row(rows: list, index, what: str) -> dict:
    if type(index) is not int or not 0 <= index < len(rows) or not isinstance(rows[index], dict):
        raise Damaged(f"{what} {index!r} is not in the manifest's table of {len(rows)}")
    return rows[index]


def _int(value) -> int:
    if type(value) is not int:
        raise Damaged(f"expected an integer, found {value!r}")
    return value


def _ints(values) -> tuple:
    if not isinstance(values, list):
        raise Damaged(f"expected a list of integers, found {values!r}")
    return tuple(_int(v) for v in values)


def _dtype_named(name) -> dt.dtype:
    try:
        return dt._by_name(name)
    except (KeyError, TypeError):
        raise Damaged(f"unknown dtype {name!r}") from None
