"""Which parameters share a gradient bucket: PyTorch's assignment by size.

Parameters are taken in reverse order (backward produces the last layers' gradients first),
grouped by dtype and device, and a bucket closes once it holds `cap` bytes; the first bucket
is at most 1 MiB, so that communication starts early in the backward.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ember
import numpy as np

FIRST_BUCKET_BYTES = 1024 * 1024
DEFAULT_BUCKET_CAP_MB = 25


@dataclass(eq=False)
class Slot:
    """One parameter's place in its bucket's flat buffer."""

    index: int
    name: str
    param: object
    offset: int = 0
    numel: int = 0
    bucket: Bucket | None = None


@dataclass(eq=False)
class Bucket:
    """Gradients reduced together by one all-reduce."""

    index: int
    dtype: np.dtype
    slots: list[Slot] = field(default_factory=list)
    numel: int = 0
    flat: np.ndarray | None = None  # allocated when first needed

    def add(self, slot: Slot) -> None:
        slot.offset, slot.numel, slot.bucket = self.numel, slot.param.numel(), self
        self.slots.append(slot)
        self.numel += slot.numel

    @property
    def nbytes(self) -> int:
        return self.numel * self.dtype.itemsize

    def flat_buffer(self) -> np.ndarray:
        if self.flat is None:
            self.flat = np.empty(self.numel, self.dtype)
        return self.flat

    def region(self, slot: Slot) -> np.ndarray:
        """The slot's part of the flat buffer, shaped like its parameter."""
        return self.flat_buffer()[slot.offset : slot.offset + slot.numel].reshape(tuple(slot.param.shape))


def numpy_dtype(tensor) -> np.dtype:
    return ember.empty(0, dtype=tensor.dtype).numpy().dtype


def assign(slots: list[Slot], cap_bytes: int, first_cap_bytes: int = FIRST_BUCKET_BYTES) -> list[Bucket]:
    """Buckets in the order their all-reduces start: the last parameters' first."""
    done: list[Bucket] = []
    open_buckets: dict = {}
    closed: dict = {}
    for slot in reversed(slots):
        key = (slot.param.dtype, str(slot.param.device))
        bucket = open_buckets.get(key)
        if bucket is None:
            bucket = open_buckets[key] = Bucket(-1, numpy_dtype(slot.param))
        bucket.add(slot)
        if bucket.nbytes >= (cap_bytes if closed.get(key) else min(cap_bytes, first_cap_bytes)):
            done.append(open_buckets.pop(key))
            closed[key] = True
    done.extend(open_buckets.values())
    for index, bucket in enumerate(done):
        bucket.index = index
    return done
