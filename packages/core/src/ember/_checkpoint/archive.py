"""The ZIP container: writing `.npy` entries and the manifest, reading them back with every size checked first.

A reader never trusts a declared size: an entry must be stored uncompressed (as ember writes it), lie
inside the file, and hold exactly the bytes its `.npy` header declares, before any memory is allocated
for it. So a damaged file that claims a 10^12-element array costs nothing to refuse.
"""

from __future__ import annotations

import json
import math
import zipfile
from collections.abc import Callable

import numpy as np

from .errors import Damaged

MANIFEST = "ember.json"
_ZIP64_ABOVE = 1 << 30
_CHUNK = 1 << 24
_NPY_HEADER_READERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}


def write_archive(manifest: dict, entries: list[tuple[str, Callable[[], np.ndarray]]], stream) -> None:
    """One uncompressed `.npy` entry per (name, array source), then the manifest last."""
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, source in entries:
            array = source()
            if array.dtype.hasobject:
                raise TypeError(f"ember.save cannot store a NumPy array of Python objects ({name})")
            with archive.open(name, "w", force_zip64=array.nbytes > _ZIP64_ABOVE) as entry:
                np.lib.format.write_array(entry, array, allow_pickle=False)
        archive.writestr(MANIFEST, json.dumps(manifest, allow_nan=False))


class ArchiveReader:
    """Reads entries of an open archive whose stream ends at byte `end`."""

    def __init__(self, archive: zipfile.ZipFile, end: int) -> None:
        self.archive = archive
        self.end = end

    def names(self) -> list[str]:
        return self.archive.namelist()

    def read_manifest(self) -> object:
        info = self._stored_entry(MANIFEST)
        return json.loads(self.archive.read(info))

    def read_npy(self, name: str) -> np.ndarray:
        """The array in entry `name`, in a fresh writable buffer; Damaged unless the entry is consistent."""
        if not isinstance(name, str):
            raise Damaged(f"an array entry name must be a string, not {name!r}")
        info = self._stored_entry(name)
        with self.archive.open(info) as stream:
            version = np.lib.format.read_magic(stream)
            read_header = _NPY_HEADER_READERS.get(version)
            if read_header is None:
                raise Damaged(f"{name} is a .npy file of format version {version}, which ember does not write")
            shape, fortran_order, dtype = read_header(stream)
            if dtype.hasobject:
                raise Damaged(f"{name} holds Python objects (pickled data), which ember never loads")
            declared = math.prod(shape) * dtype.itemsize
            stored = info.file_size - stream.tell()
            if declared != stored:
                raise Damaged(
                    f"{name} declares a {dtype} array of shape {shape} ({declared} bytes) but holds {stored} bytes"
                )
            buffer = np.empty(declared, dtype=np.uint8)
            read_exactly(stream, memoryview(buffer), name)
            stream.read(1)  # reach the end of the entry, so its CRC is checked
        array = buffer.view(dtype)
        return array.reshape(shape, order="F" if fortran_order else "C")

    def read_bytes(self, name: str, size: int | None = None) -> np.ndarray:
        """Entry `name`'s bytes as a fresh 1-d uint8 array; Damaged unless it is stored and (if given) `size` long."""
        info = self._stored_entry(name)
        if size is not None and info.file_size != size:
            raise Damaged(f"{name} holds {info.file_size} bytes where {size} are declared")
        buffer = np.empty(info.file_size, dtype=np.uint8)
        with self.archive.open(info) as stream:
            read_exactly(stream, memoryview(buffer), name)
            stream.read(1)  # reach the end of the entry, so its CRC is checked
        return buffer

    def _stored_entry(self, name: str) -> zipfile.ZipInfo:
        try:
            info = self.archive.getinfo(name)
        except KeyError:
            raise Damaged(f"the entry {name!r} is missing") from None
        if info.compress_type != zipfile.ZIP_STORED:
            raise Damaged(f"{name} is compressed; ember checkpoints store every entry uncompressed")
        if info.compress_size != info.file_size or info.header_offset + info.file_size > self.end:
            raise Damaged(f"{name} declares {info.file_size} bytes, more than the file holds")
        return info


def read_exactly(stream, into: memoryview, name: str) -> None:
    """Fill `into` from stream; Damaged if the stream ends first."""
    filled = 0
    while filled < len(into):
        count = stream.readinto(into[filled : filled + _CHUNK])
        if not count:
            raise Damaged(f"{name} ends after {filled} of its {len(into)} bytes")
        filled += count
