"""Writing PyTorch's ZIP checkpoint format (what `torch.save` writes) without importing torch.

The object is pickled (protocol 2, as PyTorch pickles it) by a pickler that writes PyTorch's names as
globals: a tensor becomes `torch._utils._rebuild_tensor_v2(storage, offset, size, stride,
requires_grad, OrderedDict())`, a parameter `torch._utils._rebuild_parameter(tensor, requires_grad,
OrderedDict())`, a dtype `torch.float32`, a device `torch.device(...)`, a Size `torch.Size(...)`.
Storages are persistent ids `('storage', torch.FloatStorage, key, location, numel)` whose bytes are
the entries `archive/data/<key>`, each aligned to 64 bytes as PyTorch aligns them. Tensors sharing
memory share a storage (per dtype: PyTorch cannot store one storage viewed as two dtypes). Only what
`torch.load(weights_only=True)` accepts is written; anything else is a TypeError before any I/O.
"""

from __future__ import annotations

import codecs
import io
import os
import pickle
import struct
import zipfile
from collections import Counter, OrderedDict
from collections.abc import Callable

import numpy as np

from .. import _dtype as dt
from .._device import device as Device
from .._size import Size
from .._tensor import Tensor, wrap
from .storages import plan_storages
from .torch_names import STORAGE_OF_DTYPE

ALIGNMENT = 64
_ZIP64_ABOVE = 1 << 30
#: The globals pickle itself writes for plain values (protocol 2), all of which PyTorch's safe loader accepts.
_GLOBALS_PICKLE_WRITES = (OrderedDict, Counter, set, bytearray, complex, codecs.encode)
_PLAIN = (type(None), bool, int, float, complex, str, bytes, bytearray, list, tuple, dict, OrderedDict, Counter, set)


class TorchName:
    """A global as PyTorch's pickles name it (`torch._utils._rebuild_tensor_v2`), written without importing it."""

    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name

    def __call__(self, *args):  # pickle's reduce protocol wants a callable; this one is only ever written
        raise TypeError(f"{self.module}.{self.name} is PyTorch's; ember only writes its name")


REBUILD_TENSOR = TorchName("torch._utils", "_rebuild_tensor_v2")
REBUILD_PARAMETER = TorchName("torch._utils", "_rebuild_parameter")
SIZE = TorchName("torch", "Size")
DEVICE = TorchName("torch", "device")


class _Storage:
    """A storage a tensor refers to, pickled as its persistent id."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


class _TensorData:
    """A parameter's data: pickled as a plain tensor that does not require grad."""

    __slots__ = ("tensor",)

    def __init__(self, tensor: Tensor) -> None:
        self.tensor = tensor


class TorchEncoder:
    """Pickles one object for a PyTorch checkpoint: `encode()` gives the pickle and the storages' arrays."""

    def __init__(self, is_parameter: Callable[[Tensor], bool]) -> None:
        self._is_parameter = is_parameter
        self._tensors: dict[int, Tensor] = {}
        self._layouts: dict[int, tuple] = {}  # id(tensor) -> (storage index, offset, size, stride)
        self._pids: list[tuple] = []

    def encode(self, obj) -> tuple[bytes, list[np.ndarray]]:
        self._pickle(obj)  # a first pass finds the tensors (and refuses what cannot be saved)
        arrays = self._plan()
        return self._pickle(obj), arrays

    def _pickle(self, obj) -> bytes:
        out = io.BytesIO()
        _Pickler(out, self).dump(obj)
        return out.getvalue()

    def tensor_reduction(self, t: Tensor, requires_grad: bool) -> tuple:
        self._tensors.setdefault(id(t), t)
        storage, offset, size, stride = self._layouts.get(id(t), (None, 0, (), ()))
        return REBUILD_TENSOR, (_Storage(storage), offset, size, stride, requires_grad, OrderedDict())

    def reduction(self, obj):
        if isinstance(obj, _TensorData):
            return self.tensor_reduction(obj.tensor, False)
        if isinstance(obj, Tensor):
            if self._is_parameter(obj):
                return REBUILD_PARAMETER, (_TensorData(obj), bool(obj.requires_grad), OrderedDict())
            return self.tensor_reduction(obj, bool(obj.requires_grad))
        if isinstance(obj, Size):
            return SIZE, (tuple(obj),)
        if isinstance(obj, Device):
            return (DEVICE, (obj.type,)) if obj.index is None else (DEVICE, (obj.type, obj.index))
        if (
            type(obj) in _PLAIN
            or any(obj is g for g in _GLOBALS_PICKLE_WRITES)
            or isinstance(obj, (TorchName, _Storage, dt.dtype))
        ):
            return NotImplemented
        raise TypeError(
            f"ember.save(format='torch') cannot store a {type(obj).__module__}.{type(obj).__qualname__}: "
            "torch.load(weights_only=True) reads tensors, numbers, strings, bytes, None, dtypes, devices, "
            "torch.Size and lists/tuples/dicts/sets of them. Save state dicts, not objects (and NumPy values "
            "as tensors or with .item())."
        )

    def persistent_id(self, obj):
        if not isinstance(obj, _Storage):
            return None
        return self._pids[obj.index] if obj.index is not None else ("storage",)

    def _plan(self) -> list[np.ndarray]:
        """Storages for the tensors found, per dtype; each tensor's place in one, in its dtype's elements."""
        by_dtype: dict[dt.dtype, list[Tensor]] = {}
        for t in self._tensors.values():
            by_dtype.setdefault(t.dtype, []).append(t)
        arrays: list[np.ndarray] = []
        for dtype, tensors in by_dtype.items():
            storages, layouts = plan_storages([_without_negative_strides(t) for t in tensors])
            first = len(arrays)
            for storage in storages:
                array = np.ascontiguousarray(storage.read()).reshape(-1)
                if dtype.numpy.kind == "V" and array.size % dtype.itemsize == 0:  # bfloat16 storages are bytes
                    array = array.view(dtype.numpy)
                if array.dtype != dtype.numpy:
                    raise ValueError(
                        f"ember.save(format='torch'): a {dtype} tensor is not aligned to its elements in memory; "
                        "save a .clone() of it"
                    )
                storage_type = TorchName("torch", STORAGE_OF_DTYPE[dtype])
                self._pids.append(("storage", storage_type, str(len(arrays)), storage.device, array.size))
                arrays.append(array.astype(array.dtype.newbyteorder("<"), copy=False))
            itemsize = dtype.itemsize
            for t, layout in zip(tensors, layouts):
                self._layouts[id(t)] = (
                    first + layout.storage,
                    layout.byte_offset // itemsize,
                    tuple(layout.shape),
                    tuple(s // itemsize for s in layout.byte_strides),
                )
        return arrays


def _without_negative_strides(t: Tensor) -> Tensor:
    """t, or a contiguous copy of it when its memory runs backwards (PyTorch has no negative strides)."""
    data = t._data
    if not isinstance(data, np.ndarray) or all(s >= 0 for s in data.strides):
        return t
    return wrap(np.ascontiguousarray(data), t._backend, t.dtype, t.device)


class _Pickler(pickle._Pickler):  # the Python implementation: globals are written without importing them
    dispatch = dict(pickle._Pickler.dispatch)

    def __init__(self, out, encoder: TorchEncoder) -> None:
        super().__init__(out, protocol=2)
        self._encoder = encoder

    def reducer_override(self, obj):
        return self._encoder.reduction(obj)

    def persistent_id(self, obj):
        return self._encoder.persistent_id(obj)

    def _save_name(self, obj: TorchName) -> None:
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode())
        self.memoize(obj)

    def _save_dtype(self, obj: dt.dtype) -> None:
        self._save_name(TorchName("torch", obj.name))

    dispatch[TorchName] = _save_name
    dispatch[dt.dtype] = _save_dtype


def write_torch_archive(pickled: bytes, arrays: list[np.ndarray], stream, prefix: str = "archive") -> None:
    """PyTorch's ZIP layout: data.pkl, format records, byteorder, data/<key> (64-byte aligned), version."""
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        _write(archive, f"{prefix}/data.pkl", pickled)
        _write(archive, f"{prefix}/.format_version", b"1")
        _write(archive, f"{prefix}/.storage_alignment", str(ALIGNMENT).encode())
        _write(archive, f"{prefix}/byteorder", b"little")
        for key, array in enumerate(arrays):  # NOTE: as bytes, which any dtype (bfloat16 too) views as
            _write(archive, f"{prefix}/data/{key}", memoryview(array.reshape(-1).view(np.uint8)))
        _write(archive, f"{prefix}/version", b"3\n")
        _write(archive, f"{prefix}/.data/serialization_id", os.urandom(20).hex().encode())


def _write(archive: zipfile.ZipFile, name: str, data) -> None:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    zip64 = len(data) > _ZIP64_ABOVE
    start = archive.fp.tell()
    header = 30 + len(name.encode("utf-8")) + (20 if zip64 else 0)
    pad = -(start + header + 4) % ALIGNMENT
    info.extra = struct.pack("<HH", 0x4246, pad) + b"Z" * pad  # PyTorch's padding field ("FB")
    with archive.open(info, "w", force_zip64=zip64) as entry:
        entry.write(data)
