"""Storages: the memory that tensors view, saved once, with each tensor as (storage, offset, shape, strides).

Saving groups tensors whose NumPy arrays overlap in memory (a tensor and its slices, transposes,
reshapes, dtype views, `detach()`) into one storage: the byte range that covers them all. An
expanded tensor (stride 0) covers only the bytes it repeats. On the CPU, arrays of other libraries
are seen through their host arrays (``backend.to_numpy``, the same memory where DLPack shares it).
Tensors on other devices (a GPU) get one storage per distinct array. Loading rebuilds each tensor as a strided view
of its storage, after checking that the view stays inside it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._tensor import Tensor
from .errors import Damaged


class Storage:
    """Bytes to write as one `.npy` entry: `read()` gives them as a 1-d array (copied from a device only then)."""

    __slots__ = ("device", "read")

    def __init__(self, device: str, read: Callable[[], np.ndarray]) -> None:
        self.device = device
        self.read = read


class Layout:
    """Where a tensor's elements lie in its storage, in bytes."""

    __slots__ = ("storage", "byte_offset", "shape", "byte_strides")

    def __init__(self, storage: int, byte_offset: int, shape: tuple, byte_strides: tuple) -> None:
        self.storage = storage
        self.byte_offset = byte_offset
        self.shape = shape
        self.byte_strides = byte_strides


def plan_storages(tensors: list[Tensor]) -> tuple[list[Storage], list[Layout]]:
    """The storages that hold `tensors`, and each tensor's layout in them (in the order given)."""
    storages: list[Storage] = []
    layouts: list[Layout | None] = [None] * len(tensors)
    in_memory = []  # (device, low, high, index): tensors in host memory, grouped below by overlapping bytes
    hosts: dict[int, np.ndarray] = {}  # index -> the tensor's host array
    own_storage: dict[int, int] = {}  # id(array) -> storage, for the others
    for index, t in enumerate(tensors):
        data = t._data
        host = data if isinstance(data, np.ndarray) else _shared_host(t)
        if host is not None and host.size:
            low, high = _byte_range(host)
            in_memory.append((str(t.device), low, high, index))
            hosts[index] = host
            continue
        found = own_storage.get(id(data))
        if found is None:
            found = own_storage[id(data)] = len(storages)
            storages.append(Storage(str(t.device), _host_copy(t)))
        layouts[index] = Layout(found, 0, tuple(data.shape), _contiguous_strides(data.shape, t.dtype.itemsize))
    in_memory.sort()
    group: list = []
    group_high = 0
    for device, low, high, index in in_memory:
        if group and (device != group[0][0] or low >= group_high):
            _add_group(group, group_high, tensors, hosts, storages, layouts)
            group = []
        group_high = max(group_high, high) if group else high
        group.append((device, low, index))
    if group:
        _add_group(group, group_high, tensors, hosts, storages, layouts)
    return _in_order_of_use(storages, layouts)


def _in_order_of_use(storages: list[Storage], layouts: list[Layout]) -> tuple[list[Storage], list[Layout]]:
    """Number storages by their first tensor, so that a manifest reads in the order of the saved object."""
    renumbered: dict[int, int] = {}
    for layout in layouts:
        layout.storage = renumbered.setdefault(layout.storage, len(renumbered))
    ordered: list = [None] * len(storages)
    for old, new in renumbered.items():
        ordered[new] = storages[old]
    return ordered, layouts


def _add_group(
    group: list, high: int, tensors: list[Tensor], hosts: dict, storages: list[Storage], layouts: list
) -> None:
    """One storage for tensors whose byte ranges overlap: from the lowest to the highest byte any of them uses."""
    device, low, _ = group[0]
    dtypes = {tensors[index].dtype for _, _, index in group}
    dtype = dtypes.pop() if len(dtypes) == 1 else None  # tensors of one dtype: a storage NumPy reads as such
    readable = dtype is not None and dtype.numpy.kind != "V"  # NOTE: .npy cannot name bfloat16: bytes, then
    typed = dtype.numpy if readable and (high - low) % dtype.itemsize == 0 else np.dtype(np.uint8)
    raw = np.asarray(_BytesAt(low, high - low, [hosts[index] for _, _, index in group]))
    storages.append(Storage(device, lambda: raw.view(typed)))
    for _, _, index in group:
        data = hosts[index]
        layouts[index] = Layout(len(storages) - 1, _address(data) - low, tuple(data.shape), tuple(data.strides))


class _BytesAt:
    """`size` bytes of memory from `address`, as NumPy reads them; holds the arrays that own that memory."""

    def __init__(self, address: int, size: int, owners: list) -> None:
        self.__array_interface__ = {"version": 3, "shape": (size,), "typestr": "|u1", "data": (address, True)}
        self.owners = owners


def _address(array: np.ndarray) -> int:
    return array.__array_interface__["data"][0]


def _byte_range(array: np.ndarray) -> tuple[int, int]:
    """[low, high): the bytes a non-empty array's elements occupy."""
    start = _address(array)
    below = sum(stride * (n - 1) for n, stride in zip(array.shape, array.strides) if stride < 0)
    above = sum(stride * (n - 1) for n, stride in zip(array.shape, array.strides) if stride > 0)
    return start + below, start + above + array.itemsize


def _contiguous_strides(shape: tuple, itemsize: int) -> tuple:
    strides, step = [], itemsize
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


def _shared_host(t: Tensor) -> np.ndarray | None:
    """The host array of a CPU tensor whose array is not NumPy's, where it is that array's own memory
    (two reads share it, as through DLPack), else None."""
    if t.device.type != "cpu":
        return None
    host = t._host()
    if not host.size or _address(host) != _address(t._host()):
        return None  # NOTE: each read a new copy: its memory tells nothing of the tensor's
    return host


def _host_copy(t: Tensor) -> Callable[[], np.ndarray]:
    return lambda: np.ascontiguousarray(t._backend.to_numpy(t._data)).reshape(-1)


# --- loading -------------------------------------------------------------------------------------


def strided_view(storage: Tensor, dtype, byte_offset: int, shape: tuple, byte_strides: tuple):
    """A native array viewing `storage` (a 1-d tensor) as dtype/shape/strides; Damaged if it would leave it."""
    nbytes = storage.nbytes
    _check_inside(nbytes, dtype.itemsize, byte_offset, shape, byte_strides)
    backend, data = storage._backend, storage._data
    expanded = any(s == 0 and n > 1 for n, s in zip(shape, byte_strides))
    if not hasattr(data, "view"):  # arrays without NumPy's view (the array API standard's): view the host array
        host = _strided(np, backend.to_numpy(data), nbytes, dtype, byte_offset, shape, byte_strides)
        if expanded:
            host.flags.writeable = False  # NOTE: as below; the read-only flag travels through DLPack
        return backend.from_numpy(host, storage.device.index)
    view = _strided(backend.xp, data, nbytes, dtype, byte_offset, shape, byte_strides)
    if isinstance(view, np.ndarray) and expanded:
        view.flags.writeable = False  # an expanded tensor: writes into it are refused, as before saving
    return view


def _strided(xp, data, nbytes: int, dtype, byte_offset: int, shape: tuple, byte_strides: tuple):
    raw = data.view(np.uint8)
    whole = (nbytes - byte_offset) // dtype.itemsize
    first = raw[byte_offset : byte_offset + whole * dtype.itemsize].view(dtype.numpy)
    return xp.lib.stride_tricks.as_strided(first, shape, byte_strides)


def _check_inside(nbytes: int, itemsize: int, offset: int, shape: tuple, strides: tuple) -> None:
    if len(shape) != len(strides):
        raise Damaged(f"a tensor has {len(shape)} sizes but {len(strides)} strides")
    if any(n < 0 for n in shape):
        raise Damaged(f"a tensor has a negative size in its shape {list(shape)}")
    if not 0 <= offset <= nbytes:
        raise Damaged(f"a tensor starts at byte {offset} of a storage of {nbytes} bytes")
    if 0 in shape:
        return
    low = offset + sum(s * (n - 1) for n, s in zip(shape, strides) if s < 0)
    high = offset + sum(s * (n - 1) for n, s in zip(shape, strides) if s > 0) + itemsize
    if low < 0 or high > nbytes:
        raise Damaged(
            f"a tensor of shape {list(shape)} with byte strides {list(strides)} from byte {offset} reaches bytes "
            f"[{low}, {high}) of a storage of {nbytes} bytes"
        )
