"""Reading PyTorch checkpoints (`torch.save` files) without torch and without running any of their code.

Two layouts exist:

- the ZIP format (PyTorch 1.6 and later): `<prefix>/data.pkl` is the pickled object, whose tensors refer
  to storages by key as persistent ids `('storage', <storage type>, key, location, numel)`; storage
  `key` is the raw bytes of entry `<prefix>/data/<key>`, in the order `<prefix>/byteorder` names;
- the legacy format (`_use_new_zipfile_serialization=False`): five pickles in a row (a magic number,
  the protocol version 1001, system information with the byte order, the object, the list of storage
  keys), then each storage as an 8-byte element count followed by its bytes, in the keys' order.

Both pickles go through `TorchUnpickler`, which resolves globals from an allow-list only. Every
storage's declared size is checked against the bytes the file holds before memory is allocated.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np

from .. import _dtype as dt
from .._device import CPU
from .._devices import default_backend
from .._tensor import Tensor, wrap
from .archive import ArchiveReader, read_exactly
from .errors import Damaged
from .torch_unpickle import StorageType, TorchUnpickler, TypedStorage, Unsupported

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001


def torch_prefix(names: list[str]) -> str | None:
    """The record prefix (`archive/`) of a PyTorch ZIP checkpoint, or None if `names` are not one."""
    for name in names:
        folder, _, last = name.rpartition("/")
        if last == "data.pkl" and "/" not in folder:
            return f"{folder}/" if folder else ""
    return None


def load_zip(reader: ArchiveReader, prefix: str, place: Callable, parameter_type) -> object:
    """The object in a PyTorch ZIP checkpoint whose records live under `prefix`."""
    names = set(reader.names())
    byteorder = "little"
    if f"{prefix}byteorder" in names:
        byteorder = bytes(reader.read_bytes(f"{prefix}byteorder")).decode("ascii", "replace").strip()
        if byteorder not in ("little", "big"):
            raise Damaged(f"{prefix}byteorder names {byteorder!r}, not 'little' or 'big'")
    loaded: dict[str, Tensor] = {}

    def storage(pid: tuple) -> TypedStorage:
        stype, key, location, numel = _storage_pid(pid, 5)
        found = loaded.get(key)
        if found is None:
            name = f"{prefix}data/{key}"
            if name not in names:
                raise Damaged(f"the storage {key!r} is missing (no entry {name})")
            raw = reader.read_bytes(name, numel * stype.dtype.itemsize)
            found = loaded[key] = place(_host_storage(raw, stype.dtype, byteorder), location)
        return TypedStorage(found, stype.dtype)

    data = reader.read_bytes(f"{prefix}data.pkl")
    return TorchUnpickler(io.BytesIO(data.tobytes()), storage, parameter_type, place).load()


def load_legacy(stream, end: int, place: Callable, parameter_type) -> object:
    """The object in a legacy (non-ZIP) PyTorch checkpoint read from `stream`, which ends at byte `end`."""

    def no_storage(pid):
        raise Damaged("a storage appears outside the saved object")

    def header():
        return TorchUnpickler(stream, no_storage, parameter_type, place).load()

    magic = header()
    if type(magic) is not int or magic != LEGACY_MAGIC:
        raise NotTorch()
    protocol = header()
    if protocol != LEGACY_PROTOCOL:
        raise Damaged(f"legacy protocol version {protocol!r}; PyTorch writes {LEGACY_PROTOCOL}")
    info = header()
    little = info.get("little_endian", True) if isinstance(info, dict) else True
    byteorder = "little" if little else "big"
    object_start = stream.tell()

    declared: dict[str, tuple[StorageType, str, int]] = {}

    def record(pid: tuple) -> TypedStorage:
        stype, key, location, numel = _storage_pid(pid, 6)
        declared.setdefault(key, (stype, location, numel))
        return TypedStorage(None, stype.dtype)

    TorchUnpickler(stream, record, parameter_type, place).load()  # only learns which storages there are
    keys = header()
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise Damaged("the list of storage keys is malformed")
    roots: dict[str, Tensor] = {}
    for key in keys:
        if key not in declared:
            raise Damaged(f"the storage {key!r} is listed but no tensor uses it")
        stype, location, numel = declared[key]
        count = int.from_bytes(_read(stream, 8, key), byteorder, signed=True)
        nbytes = count * stype.dtype.itemsize
        if count != numel or nbytes > end - stream.tell():
            raise Damaged(
                f"the storage {key!r} declares {count} elements; {numel} are used, {end - stream.tell()} bytes remain"
            )
        raw = np.empty(nbytes, dtype=np.uint8)
        read_exactly(stream, memoryview(raw), f"storage {key!r}")
        roots[key] = place(_host_storage(raw, stype.dtype, byteorder), location)
    missing = set(declared) - set(roots)
    if missing:
        raise Damaged(f"the storages {sorted(missing)} are used but not stored")

    def storage(pid: tuple) -> TypedStorage:
        stype, key, _, _ = _storage_pid(pid, 6)
        view = pid[5]
        root = roots[key]
        if view is None:
            return TypedStorage(root, stype.dtype)
        if not (isinstance(view, tuple) and len(view) == 3 and all(type(v) is int for v in view[1:])):
            raise Damaged(f"a storage view is described as {view!r}")
        _, offset, size = view
        if offset < 0 or size < 0 or offset + size > root.shape[0]:
            raise Damaged(f"a view of elements [{offset}, {offset + size}) of a storage of {root.shape[0]}")
        return TypedStorage(root[offset : offset + size], stype.dtype)

    stream.seek(object_start)
    return TorchUnpickler(stream, storage, parameter_type, place).load()


class NotTorch(Exception):
    """A pickle that is not a PyTorch checkpoint."""


def _storage_pid(pid: tuple, length: int) -> tuple[StorageType, str, str, int]:
    if len(pid) != length:
        raise Damaged(f"a storage is described by {len(pid)} fields where PyTorch writes {length}")
    _, stype, key, location, numel = pid[:5]
    if not isinstance(stype, StorageType):
        raise Damaged(f"a storage's type is {stype!r}")
    if stype.dtype is None:
        raise Unsupported(f"a torch.{stype.name}, which ember has no dtype for")
    if not isinstance(key, str) or not isinstance(location, str) or type(numel) is not int or numel < 0:
        raise Damaged(f"a storage is described as {pid[2:5]!r}")
    return stype, key, location, numel


def _host_storage(raw: np.ndarray, dtype: dt.dtype, byteorder: str) -> Tensor:
    if raw.nbytes % dtype.itemsize:
        array = raw
        dtype = dt.uint8
    else:
        array = raw.view(dtype.numpy.newbyteorder("<" if byteorder == "little" else ">"))
        array = array.astype(dtype.numpy, copy=False)
    backend = default_backend()
    return wrap(backend.from_numpy(array, None), backend, dtype, CPU)


def _read(stream, size: int, key: str) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise Damaged(f"the file ends inside storage {key!r}")
    return data
