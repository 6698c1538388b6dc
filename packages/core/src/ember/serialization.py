"""`ember.save` / `ember.load`: checkpoints that load without running code, written the way the file system expects.

Three formats are read and written (`save(..., format=)`, recognised on load by their first bytes):

- ember's own (the default, described below): JSON and `.npy` entries in a ZIP archive, no pickle;
- PyTorch's (`format="torch"`): what `torch.save` writes, the ZIP format (and, on load only, the
  legacy pre-1.6 format). Its pickles are read by an allow-list unpickler that accepts exactly what
  `torch.load(weights_only=True)` accepts and refuses every other global before calling anything
  (`_checkpoint.torch_unpickle`, `torch_read`, `torch_write`);
- safetensors (`format="safetensors"` or a `.safetensors` path): a flat dict of tensors, through the
  optional `safetensors` package (`_checkpoint.safetensors_io`).

Format (version 2)
------------------
A checkpoint is a ZIP archive (entries stored uncompressed) holding:

- `storages/<n>.npy`: one 1-d NumPy `.npy` file per storage, the memory that tensors view. Tensors
  whose memory overlaps (`t`, `t[2:4]`, `t.view(...)`, `t.t()`, `t.detach()`) share one storage,
  which covers just the bytes they use: an expanded tensor (`zeros(1).expand(10**7)`) stores one element.
- `arrays/<n>.npy`: one `.npy` file per NumPy array saved as such.
- `ember.json`, written last: `{"format": "ember-checkpoint", "version": 2, "storages": [...],
  "tensors": [...], "root": <value>}`, where
  - a storage row is `{"file": "storages/<n>.npy", "device": "cpu"}` (the device it was saved from);
  - a tensor row is `{"storage": <n>, "dtype": "float32", "byte_offset": <int>, "shape": [...],
    "byte_strides": [...], "requires_grad": <bool>, "parameter": <bool>}`: the tensor is the strided
    view of those bytes of its storage (strides in bytes, as NumPy's).

A `<value>` is JSON. `null`, booleans, finite numbers and strings stand for themselves; every
other value is an object whose `"kind"` says what it is:

| kind | fields | loads as |
|---|---|---|
| `list`, `tuple` | `items`: [<value>, ...] | list, tuple |
| `dict`, `odict` | `items`: [[<key value>, <value>], ...] (keys keep their types: int keys stay int) | dict, OrderedDict |
| `tensor` | `index`: its row in `tensors` (a tensor saved twice, such as a tied weight, loads as one object) | Tensor (or nn.Parameter) |
| `ndarray` | `file` | numpy.ndarray |
| `float` | `value`: "inf", "-inf" or "nan" | float |
| `bytes` | `base64` | bytes |
| `dtype`, `device` | `name` | ember.dtype, ember.device |
| `size` | `items`: [int, ...] | ember.Size |

Version 1 (still read) had no storages and no table: a `tensor` value held `file` (`tensors/<n>.npy`,
the tensor's whole array in its shape), `dtype`, `device`, `requires_grad` and `parameter`.

Loading ember's format reads only JSON and `.npy` data: nothing in a file can run code (there is no
pickle anywhere in its path). Every size a file declares is checked against the bytes it holds before anything is
allocated, and every tensor view against its storage's bounds. A truncated, corrupt or foreign file
raises `CheckpointError` (a RuntimeError) naming the file. How `save` treats the path (symlinks,
devices, read-only files, hard links, interrupted saves) is described in `_checkpoint.destination`.
"""

from __future__ import annotations

import io
import os
import zipfile
from typing import Any

from ._checkpoint import safetensors_io
from ._checkpoint.archive import MANIFEST, ArchiveReader, write_archive
from ._checkpoint.decode import Decoder, place
from ._checkpoint.destination import write_to_path
from ._checkpoint.encode import FORMAT, VERSION, Encoder
from ._checkpoint.errors import CheckpointError, Damaged, MissingDevice, PlacementFailed
from ._checkpoint.torch_read import NotTorch, load_legacy, load_zip, torch_prefix
from ._checkpoint.torch_unpickle import Refused, Unsupported
from ._checkpoint.torch_write import TorchEncoder, write_torch_archive

__all__ = ["CheckpointError", "load", "register_parameter_type", "save"]

_parameter_type: list[type] = []


def register_parameter_type(cls: type) -> None:
    """Save instances of cls (ember.nn.Parameter, which registers itself) as parameters, and load them as cls.

    Core never imports ember.nn. A checkpoint holding parameters loaded before ember.nn is imported gives
    plain tensors (that keep `requires_grad`).
    """
    _parameter_type[:] = [cls]


def _is_parameter(t) -> bool:
    return bool(_parameter_type) and isinstance(t, _parameter_type[0])


_FORMATS = ("ember", "torch", "safetensors")


def save(
    obj: Any, f, pickle_module: Any = None, pickle_protocol: int | None = None, *, format: str | None = None, **unused
) -> None:
    """Write obj to f (a path or a binary file object), in ember's format, PyTorch's or safetensors.

    `format` is "ember" (the default), "torch" (a file `torch.load(f, weights_only=True)` reads) or
    "safetensors" (a flat dict of tensors); a path ending in `.safetensors` chooses "safetensors".
    A path that is a regular file (or new) is replaced atomically; a symlink is written through to
    the file it names; a device or FIFO is written to directly; a read-only file is refused
    (PermissionError); a missing folder raises RuntimeError. `pickle_module`, `pickle_protocol` and
    PyTorch's other keywords are accepted and ignored.

    >>> import io
    >>> buffer = io.BytesIO()
    >>> ember.save({"w": ember.tensor([1.0, 2.0])}, buffer)
    >>> _ = buffer.seek(0)
    >>> ember.load(buffer)
    {'w': tensor([1., 2.])}
    """
    write = _writer(obj, _save_format(f, format))
    if hasattr(f, "write"):
        write(f)
        return
    write_to_path(f, write)


def _save_format(f, format: str | None) -> str:
    if format is None:
        name = f if isinstance(f, (str, bytes, os.PathLike)) else getattr(f, "name", "")
        name = os.fsdecode(os.fspath(name)) if isinstance(name, (str, bytes, os.PathLike)) else ""
        return "safetensors" if name.lower().endswith(".safetensors") else "ember"
    if format not in _FORMATS:
        raise ValueError(f"ember.save: format must be one of {', '.join(map(repr, _FORMATS))}, not {format!r}")
    return format


def _writer(obj: Any, format: str):
    """A function writing obj to a binary stream; everything that can fail on obj fails here, before any I/O."""
    if format == "safetensors":
        data = safetensors_io.encode(obj)
        return lambda stream: stream.write(data)
    if format == "torch":
        pickled, storages = TorchEncoder(_is_parameter).encode(obj)
        return lambda stream: write_torch_archive(pickled, storages, stream)
    manifest, entries = Encoder(_is_parameter).manifest(obj)
    return lambda stream: write_archive(manifest, entries, stream)


def load(
    f, map_location=None, pickle_module: Any = None, *, weights_only: bool | None = None, mmap: Any = None, **unused
):
    """Read a checkpoint: ember's format (any version), PyTorch's (ZIP or legacy) or safetensors.

    The format is recognised from the file's first bytes (and a `.safetensors` name). PyTorch's pickles
    are read by an allow-list unpickler that accepts what `torch.load(weights_only=True)` accepts and
    refuses anything else without running it. `map_location` moves tensors: a device or string
    ('cpu'), a dict from saved to new location ({'cuda:1': 'cuda:0'}), or a callable
    `fn(storage, saved_location)` returning the storage moved (as a tensor) or a location.
    `weights_only` and `pickle_module` are accepted for compatibility: no file's code ever runs.

    >>> import io
    >>> buffer = io.BytesIO()
    >>> ember.save(ember.arange(3), buffer)
    >>> _ = buffer.seek(0)
    >>> ember.load(buffer)
    tensor([0, 1, 2])
    """
    stream, name, owned = _open(f)
    try:
        return _load_stream(stream, name, map_location)
    finally:
        if owned:
            stream.close()


def _open(f):
    """A seekable binary stream for f, a name for messages, and whether we opened it."""
    if isinstance(f, (str, bytes, os.PathLike)):
        path = os.fsdecode(os.fspath(f))
        return open(path, "rb"), path, True
    name = getattr(f, "name", "<stream>")
    seekable = getattr(f, "seekable", None)
    if seekable is None or not seekable():
        return io.BytesIO(f.read()), name, False
    return f, name, False


def _load_stream(stream, name: str, map_location):
    what = "ember checkpoint"
    parameter_type = _parameter_type[0] if _parameter_type else None

    def place_storage(loaded, saved):
        return place(loaded, saved, map_location)

    try:
        start = stream.tell()
        head = stream.read(16)
        end = stream.seek(0, io.SEEK_END)
        stream.seek(start)
        if head[:2] == b"PK":
            with zipfile.ZipFile(stream, "r") as archive:
                reader = ArchiveReader(archive, end)
                prefix = None if MANIFEST in reader.names() else torch_prefix(reader.names())
                if prefix is not None:
                    what = "PyTorch checkpoint"
                    return load_zip(reader, prefix, place_storage, parameter_type)
                manifest = _manifest(reader, name)
                return Decoder(reader, manifest, map_location, parameter_type).decode(manifest["root"])
        if head[:1] == b"\x80":
            what = "PyTorch checkpoint"
            return load_legacy(stream, end, place_storage, parameter_type)
        if safetensors_io.looks_like_safetensors(head) or str(name).lower().endswith(".safetensors"):
            what = "safetensors file"
            return safetensors_io.decode(stream.read(), place_storage)
        raise _refusal(name)
    except (CheckpointError, ImportError):
        raise
    except PlacementFailed as failure:
        caller_error = failure.error  # map_location's code, or a missing device: the caller's to handle
    except MissingDevice as missing:
        raise CheckpointError(f"ember.load cannot load {name}: {missing}") from None
    except Refused as refused:
        raise CheckpointError(
            f"ember.load refused {name}: its pickle names the global '{refused}', which is not a tensor, storage, "
            "dtype or plain container. PyTorch's torch.load(weights_only=True) refuses it too. Nothing in the file "
            "was run. Only load such a file with torch.load(weights_only=False) where you trust whoever made it."
        ) from None
    except Unsupported as unsupported:
        raise CheckpointError(f"ember.load cannot load {name}: it holds {unsupported}") from None
    except NotTorch:
        raise CheckpointError(
            f"{name} is a pickle file but not a PyTorch checkpoint (no PyTorch magic number); ember loads pickles "
            "only as PyTorch checkpoints, through an allow-list, and never runs their code"
        ) from None
    except Damaged as damage:
        raise CheckpointError(f"{name} is a damaged {what}: {damage}") from None
    except MemoryError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError) as error:
        raise CheckpointError(
            f"{name} is a damaged {what} (malformed content or array data): {type(error).__name__}: {error}"
        ) from error
    except Exception as error:
        raise CheckpointError(
            f"{name} is not a readable {what} (truncated or corrupt): {type(error).__name__}: {error}"
        ) from error
    raise caller_error


def _manifest(reader: ArchiveReader, name: str) -> dict:
    names = reader.names()
    if MANIFEST not in names:
        raise CheckpointError(
            f"{name} is a ZIP archive but not an ember checkpoint (no {MANIFEST}) nor a PyTorch one (no data.pkl)"
        )
    manifest = reader.read_manifest()
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise CheckpointError(f"{name} is not an ember checkpoint ({MANIFEST} does not name the format)")
    version = manifest.get("version")
    if type(version) is not int or not 1 <= version <= VERSION:
        raise CheckpointError(
            f"{name} is ember checkpoint version {version!r}; this ember reads versions 1 to {VERSION} "
            "(upgrade ember-core)"
        )
    return manifest


def _refusal(name: str) -> CheckpointError:
    return CheckpointError(
        f"{name} is not an ember checkpoint, nor a PyTorch or safetensors file (truncated, corrupt, or another format)"
    )
