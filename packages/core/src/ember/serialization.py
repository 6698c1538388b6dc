"""`ember.save` / `ember.load`: checkpoints that load without pickle, written atomically.

The format (version 1) is a ZIP archive holding:

- `ember.json`: {"format": "ember-checkpoint", "version": 1, "root": <value>}
- `tensors/<n>.npy`: one NumPy .npy file per tensor (read with allow_pickle=False).

A <value> is JSON: null, booleans, numbers and strings stand for themselves; every other
value is an object with a "kind": "list", "tuple", "dict" (items as [key, value] pairs,
so keys keep their types), "odict" (an OrderedDict), "tensor" (with "id", "dtype",
"device", "requires_grad", "parameter"), "dtype", "device", "size", "float" (for
inf and nan). Nothing in a file can run code when loaded.
"""

from __future__ import annotations

import io
import json
import math
import os
import tempfile
import zipfile
from collections import OrderedDict

import numpy as np

from . import _dtype as dt
from ._device import device as Device
from ._size import Size
from ._tensor import Tensor

FORMAT = "ember-checkpoint"
VERSION = 1


class CheckpointError(RuntimeError):
    """The file is not a readable ember checkpoint."""


# --- writing ----------------------------------------------------------------------------------


class _Writer:
    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.count = 0

    def encode(self, value):
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float):
            return value if math.isfinite(value) else {"kind": "float", "value": repr(value)}
        if isinstance(value, Tensor):
            return self.tensor(value)
        if isinstance(value, dt.dtype):
            return {"kind": "dtype", "name": value.name}
        if isinstance(value, Device):
            return {"kind": "device", "name": str(value)}
        if isinstance(value, Size):
            return {"kind": "size", "items": list(value)}
        if isinstance(value, OrderedDict):
            return {"kind": "odict", "items": [[self.encode(k), self.encode(v)] for k, v in value.items()]}
        if isinstance(value, dict):
            return {"kind": "dict", "items": [[self.encode(k), self.encode(v)] for k, v in value.items()]}
        if isinstance(value, list):
            return {"kind": "list", "items": [self.encode(v) for v in value]}
        if isinstance(value, tuple):
            return {"kind": "tuple", "items": [self.encode(v) for v in value]}
        if isinstance(value, (np.integer, np.floating, np.bool_)):
            return self.encode(value.item())
        raise TypeError(
            f"ember.save cannot store a {type(value).__name__}: checkpoints hold tensors, numbers, strings, "
            "None, dtypes, devices and lists/tuples/dicts of them (use model.state_dict())"
        )

    def tensor(self, t: Tensor) -> dict:
        name = f"tensors/{self.count}.npy"
        self.count += 1
        buffer = io.BytesIO()
        np.save(buffer, np.ascontiguousarray(t.detach()._backend.to_numpy(t._data)), allow_pickle=False)
        self.archive.writestr(name, buffer.getvalue())
        return {
            "kind": "tensor",
            "file": name,
            "dtype": t.dtype.name,
            "device": str(t.device),
            "requires_grad": bool(t.requires_grad),
            "parameter": type(t).__name__ == "Parameter",
        }


def _write(obj, stream) -> None:
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_STORED) as archive:
        root = _Writer(archive).encode(obj)
        archive.writestr("ember.json", json.dumps({"format": FORMAT, "version": VERSION, "root": root}))


def save(obj, f) -> None:
    """Write obj to f (a path or a binary file object). A path is replaced atomically."""
    if hasattr(f, "write"):
        _write(obj, f)
        return
    path = os.fspath(f)
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".ember-save-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            _write(obj, stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


# --- reading ----------------------------------------------------------------------------------


class _Reader:
    def __init__(self, archive: zipfile.ZipFile, map_location) -> None:
        self.archive = archive
        self.map_location = map_location

    def decode(self, value):
        if not isinstance(value, dict):
            if isinstance(value, list):
                raise CheckpointError("malformed checkpoint: bare list in the manifest")
            return value
        kind = value.get("kind")
        if kind == "list":
            return [self.decode(v) for v in value["items"]]
        if kind == "tuple":
            return tuple(self.decode(v) for v in value["items"])
        if kind == "dict":
            return {self._key(k): self.decode(v) for k, v in value["items"]}
        if kind == "odict":
            return OrderedDict((self._key(k), self.decode(v)) for k, v in value["items"])
        if kind == "float":
            return float(value["value"])
        if kind == "dtype":
            return dt._by_name(value["name"])
        if kind == "device":
            return Device(value["name"])
        if kind == "size":
            return Size(value["items"])
        if kind == "tensor":
            return self.tensor(value)
        raise CheckpointError(f"malformed checkpoint: unknown entry kind {kind!r}")

    def _key(self, key):
        decoded = self.decode(key)
        return tuple(decoded) if isinstance(decoded, list) else decoded

    def tensor(self, entry: dict) -> Tensor:
        from ._creation import from_numpy

        with self.archive.open(entry["file"]) as stream:
            array = np.load(io.BytesIO(stream.read()), allow_pickle=False)
        result = from_numpy(array)
        if array.dtype != dt._by_name(entry["dtype"]).numpy:
            raise CheckpointError(f"malformed checkpoint: {entry['file']} does not hold {entry['dtype']}")
        target = self._device(entry["device"])
        if target is not None and str(target) != "cpu":
            result = result.to(target)
        if entry.get("parameter"):
            try:
                from .nn import Parameter

                return Parameter(result, requires_grad=entry.get("requires_grad", True))
            except ImportError:
                pass
        if entry.get("requires_grad"):
            result.requires_grad_(True)
        return result

    def _device(self, saved: str):
        location = self.map_location
        if location is None:
            return saved
        if callable(location) and not isinstance(location, (str, Device)):
            return location(saved)
        if isinstance(location, dict):
            return location.get(saved, saved)
        return str(location)


def load(f, map_location=None, weights_only: bool = True, **unused):
    """Read a checkpoint written by ember.save. `map_location` moves tensors (str, device, dict, callable)."""
    name = f if isinstance(f, (str, os.PathLike)) else getattr(f, "name", "<stream>")
    try:
        with zipfile.ZipFile(f, "r") as archive:
            try:
                header = json.loads(archive.read("ember.json"))
            except KeyError:
                raise CheckpointError(f"{name} is a ZIP file but not an ember checkpoint (no ember.json)") from None
            if header.get("format") != FORMAT:
                raise CheckpointError(f"{name} is not an ember checkpoint (format {header.get('format')!r})")
            if header.get("version") != VERSION:
                raise CheckpointError(
                    f"{name} was written by a newer ember (checkpoint version {header.get('version')}); upgrade ember-core"
                )
            return _Reader(archive, map_location).decode(header["root"])
    except (zipfile.BadZipFile, EOFError, ValueError, json.JSONDecodeError, zipfile.LargeZipFile) as error:
        raise CheckpointError(
            f"{name} is not a readable ember checkpoint (truncated, corrupt, or another format): {error}"
        ) from None
