"""`ember.save` / `ember.load`: checkpoints that load without pickle, written atomically.

Format (version 1)
------------------
A checkpoint is a ZIP archive (entries stored uncompressed) holding:

- `tensors/<n>.npy`: one NumPy `.npy` file per stored array, read back with
  `allow_pickle=False` (object arrays are refused). Tensors that share one backend array
  (`t` and `t.detach()`, tied weights) share one file, and load sharing memory again.
- `ember.json`, written last: `{"format": "ember-checkpoint", "version": 1, "root": <value>}`.

A `<value>` is JSON. `null`, booleans, finite numbers and strings stand for themselves; every
other value is an object whose `"kind"` says what it is:

| kind | fields | loads as |
|---|---|---|
| `list`, `tuple` | `items`: [<value>, ...] | list, tuple |
| `dict`, `odict` | `items`: [[<key value>, <value>], ...] (keys keep their types: int keys stay int) | dict, OrderedDict |
| `tensor` | `file`, `dtype` (e.g. "float32"), `device` (e.g. "cpu", "cuda:0"), `requires_grad`, `parameter` | Tensor (or nn.Parameter) |
| `ndarray` | `file` | numpy.ndarray |
| `float` | `value`: "inf", "-inf" or "nan" | float |
| `bytes` | `base64` | bytes |
| `dtype`, `device` | `name` | ember.dtype, ember.device |
| `size` | `items`: [int, ...] | ember.Size |

Loading reads only JSON and `.npy` data: nothing in a file can run code (there is no pickle
anywhere in the path), so a PyTorch pickle checkpoint is refused with an explanation rather than
unpickled. A truncated, corrupt or foreign file raises `CheckpointError` (a RuntimeError) naming
the file. Saving to a path writes a temporary file in the same folder and renames it over the
target only once it is complete, so an interrupted save leaves the previous checkpoint intact.
"""

from __future__ import annotations

import base64
import io
import json
import math
import os
import tempfile
import zipfile
from collections import OrderedDict
from typing import Any

import numpy as np

from . import _dtype as dt
from ._device import CPU
from ._device import device as Device
from ._size import Size
from ._tensor import Tensor, wrap

FORMAT = "ember-checkpoint"
VERSION = 1
MANIFEST = "ember.json"
_ZIP64_ABOVE = 1 << 30

__all__ = ["CheckpointError", "load", "save"]


class CheckpointError(RuntimeError):
    """The file is not a readable ember checkpoint."""


# --- saving ----------------------------------------------------------------------------------


class _Encoder:
    """Turns an object into the JSON manifest plus the list of arrays to write (no I/O yet)."""

    def __init__(self) -> None:
        self.arrays: list[tuple[str, Any]] = []
        self._file_of: dict[int, str] = {}

    def encode(self, value, path: str):
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            return value if math.isfinite(value) else {"kind": "float", "value": repr(value)}
        if isinstance(value, Tensor):
            return self._tensor(value)
        if isinstance(value, np.ndarray):
            return {"kind": "ndarray", "file": self._file(value, value)}
        if isinstance(value, (np.integer, np.floating, np.bool_)):
            return self.encode(value.item(), path)
        if isinstance(value, dt.dtype):
            return {"kind": "dtype", "name": value.name}
        if isinstance(value, Device):
            return {"kind": "device", "name": str(value)}
        if isinstance(value, Size):
            return {"kind": "size", "items": list(value)}
        if isinstance(value, bytes):
            return {"kind": "bytes", "base64": base64.b64encode(value).decode("ascii")}
        if isinstance(value, dict):
            kind = "odict" if isinstance(value, OrderedDict) else "dict"
            items = [[self.encode(k, f"{path} key {k!r}"), self.encode(v, f"{path}[{k!r}]")] for k, v in value.items()]
            return {"kind": kind, "items": items}
        if isinstance(value, (list, tuple)):
            items = [self.encode(v, f"{path}[{i}]") for i, v in enumerate(value)]
            return {"kind": "list" if isinstance(value, list) else "tuple", "items": items}
        raise TypeError(
            f"ember.save cannot store a {type(value).__module__}.{type(value).__qualname__} (at {path}): checkpoints "
            "hold tensors, NumPy arrays, numbers, strings, bytes, None, dtypes, devices and lists/tuples/dicts of "
            "them. Save state dicts (model.state_dict(), optimizer.state_dict()), not objects."
        )

    def _tensor(self, t: Tensor) -> dict:
        return {
            "kind": "tensor",
            "file": self._file(t._data, t),
            "dtype": t.dtype.name,
            "device": str(t.device),
            "requires_grad": bool(t.requires_grad),
            "parameter": type(t).__name__ == "Parameter",
        }

    def _file(self, storage, source) -> str:
        """The .npy entry for one backend array (the same array is stored once)."""
        name = self._file_of.get(id(storage))
        if name is None:
            name = self._file_of[id(storage)] = f"tensors/{len(self.arrays)}.npy"
            self.arrays.append((name, source))
        return name


def _host_array(source) -> np.ndarray:
    if isinstance(source, Tensor):
        return np.asarray(source._backend.to_numpy(source._data))
    return source


def _write(manifest: dict, arrays: list, stream) -> None:
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, source in arrays:
            array = _host_array(source)
            if array.dtype.hasobject:
                raise TypeError(f"ember.save cannot store a NumPy array of Python objects ({name})")
            with archive.open(name, "w", force_zip64=array.nbytes > _ZIP64_ABOVE) as entry:
                np.lib.format.write_array(entry, array, allow_pickle=False)
        archive.writestr(MANIFEST, json.dumps(manifest, allow_nan=False))


def save(obj: Any, f, pickle_module: Any = None, pickle_protocol: int | None = None, **unused: Any) -> None:
    """Write obj to f (a path or a binary file object); a path is replaced atomically.

    `pickle_module`, `pickle_protocol` and PyTorch's other keywords are accepted and ignored:
    ember checkpoints contain no pickle.
    """
    encoder = _Encoder()
    root = encoder.encode(obj, "the saved object")
    manifest = {"format": FORMAT, "version": VERSION, "root": root}
    if hasattr(f, "write"):
        _write(manifest, encoder.arrays, f)
        return
    _write_atomically(os.fspath(f), lambda stream: _write(manifest, encoder.arrays, stream))


def _write_atomically(path: str, write) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"ember.save: the folder {folder!r} does not exist; create it first (os.makedirs)")
    handle, temporary = tempfile.mkstemp(prefix=".ember-save-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, _file_mode(path))
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _file_mode(path: str) -> int:
    """Keep an existing checkpoint's permissions; a new one gets the umask's (mkstemp would give 0600)."""
    try:
        return os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


# --- loading ---------------------------------------------------------------------------------


class _Decoder:
    def __init__(self, archive: zipfile.ZipFile, map_location) -> None:
        self.archive = archive
        self.map_location = map_location
        self._arrays: dict[str, np.ndarray] = {}

    def decode(self, value):
        if not isinstance(value, dict):
            if isinstance(value, list):
                raise CheckpointError("malformed checkpoint: a bare list in the manifest")
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
            return self._tensor(value)
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
        raise CheckpointError(f"malformed checkpoint: unknown entry kind {kind!r}")

    def _key(self, key):
        decoded = self.decode(key)
        return tuple(decoded) if isinstance(decoded, list) else decoded

    def _array(self, name: str) -> np.ndarray:
        found = self._arrays.get(name)
        if found is None:
            with self.archive.open(name) as stream:
                found = np.lib.format.read_array(stream, allow_pickle=False)
                stream.read()  # reach the end of the entry, so its CRC is checked
            self._arrays[name] = found
        return found

    def _tensor(self, entry: dict) -> Tensor:
        array = self._array(entry["file"])
        dtype = dt._by_name(entry["dtype"])
        if array.dtype != dtype.numpy:
            raise CheckpointError(f"malformed checkpoint: {entry['file']} holds {array.dtype}, not {entry['dtype']}")
        from ._devices import default_backend

        result = wrap(array, default_backend(), dtype, CPU)
        result = self._place(result, entry["device"])
        if entry.get("parameter"):
            try:
                from .nn import Parameter
            except ImportError:
                pass
            else:
                return Parameter(result, requires_grad=bool(entry.get("requires_grad", True)))
        if entry.get("requires_grad"):
            result.requires_grad_(True)
        return result

    def _place(self, tensor: Tensor, saved: str) -> Tensor:
        """Move a loaded (CPU) tensor where map_location says, by default back where it was saved from."""
        location = self.map_location
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
            raise RuntimeError(
                f"ember.load: the checkpoint holds a tensor saved on {saved!r} and cannot put it on {target!r} "
                f"({error}). On a machine without that device, pass map_location='cpu'."
            ) from None


def _open(f):
    """A seekable binary stream for f, and a name for messages."""
    if isinstance(f, (str, os.PathLike)):
        return open(f, "rb"), os.fspath(f), True
    name = getattr(f, "name", "<stream>")
    seekable = getattr(f, "seekable", None)
    if seekable is None or not seekable():
        return io.BytesIO(f.read()), name, False
    return f, name, False


def _refusal(name: str, head: bytes) -> CheckpointError:
    if head[:1] == b"\x80":
        return CheckpointError(
            f"{name} is a pickle file (a PyTorch legacy checkpoint or a plain pickle), not an ember checkpoint. "
            "ember never unpickles: loading a pickle can run any code the file contains. Convert it where you "
            "trust it, e.g. in PyTorch: numpy.savez(out, **{k: v.numpy() for k, v in state_dict.items()})."
        )
    return CheckpointError(
        f"{name} is not an ember checkpoint (not a ZIP archive; truncated, corrupt, or another format)"
    )


def load(
    f, map_location=None, pickle_module: Any = None, *, weights_only: bool | None = None, mmap: Any = None, **unused
):
    """Read a checkpoint written by ember.save.

    `map_location` moves tensors: a device or string ('cpu'), a dict from saved to new location
    ({'cuda:1': 'cuda:0'}), or a callable `fn(tensor, saved_location)` returning a tensor or a location
    (PyTorch's `lambda storage, loc: storage` keeps tensors on the CPU). `weights_only` and
    `pickle_module` are accepted for compatibility: loading is always pickle-free.
    """
    stream, name, owned = _open(f)
    try:
        start = stream.tell()
        head = stream.read(4)
        stream.seek(start)
        if head[:2] != b"PK":
            raise _refusal(name, head)
        return _load_archive(stream, name, map_location)
    finally:
        if owned:
            stream.close()


def _load_archive(stream, name: str, map_location):
    try:
        with zipfile.ZipFile(stream, "r") as archive:
            names = archive.namelist()
            if MANIFEST not in names:
                if any(n.endswith("data.pkl") for n in names):
                    raise CheckpointError(
                        f"{name} is a PyTorch checkpoint: its data is a pickle, which ember never loads (unpickling "
                        "can run any code the file contains). Convert it where you trust it, e.g. in PyTorch: "
                        "numpy.savez(out, **{k: v.numpy() for k, v in state_dict.items()})."
                    )
                raise CheckpointError(f"{name} is a ZIP archive but not an ember checkpoint (no {MANIFEST})")
            header = json.loads(archive.read(MANIFEST))
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                raise CheckpointError(f"{name} is not an ember checkpoint ({MANIFEST} does not name the format)")
            if header.get("version") != VERSION:
                raise CheckpointError(
                    f"{name} is ember checkpoint version {header.get('version')!r}; this ember reads version "
                    f"{VERSION} (upgrade ember-core)"
                )
            return _Decoder(archive, map_location).decode(header["root"])
    except CheckpointError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CheckpointError(
            f"{name} is not a readable ember checkpoint (truncated or corrupt): {type(error).__name__}: {error}"
        ) from None
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError) as error:
        raise CheckpointError(
            f"{name} is a damaged ember checkpoint (malformed manifest or array data): {type(error).__name__}: {error}"
        ) from None
