"""Which parameters share a gradient bucket: PyTorch's assignment by size.

Parameters are taken in reverse order (backward produces the last layers' gradients first),
grouped by dtype and device, and a bucket closes once it holds `cap` bytes; the first bucket
holds at most 1 MiB, so that communication starts early in the backward.

Within a bucket, small gradients are packed into one flat buffer (one all-reduce for many);
a gradient of IN_PLACE_BYTES or more is reduced in its own memory, which saves copying it in
and out: a large array gains nothing from being coalesced. With gradient_as_bucket_view, every
gradient is packed: `.grad` is a view of the flat buffer, so backward accumulates into the
bucket itself and a bucket's gradients go out in one all-reduce, with no copy at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ember

FIRST_BUCKET_BYTES = 1024 * 1024
DEFAULT_BUCKET_CAP_MB = 25
IN_PLACE_BYTES = 1024 * 1024
PIECE_BYTES = 16 * 1024 * 1024  # a buffer is all-reduced in pieces this large: each stays in cache


@dataclass(eq=False)
class Slot:
    """One parameter's place in its bucket."""

    index: int
    name: str
    param: object
    numel: int = 0
    packed: bool = True  # in the bucket's flat buffer, at `offset`; else reduced in its own buffer
    offset: int = 0
    bucket: Bucket | None = None
    staging: ember.Tensor | None = None  # a flat copy of a large gradient that cannot be reduced where it is


@dataclass(eq=False)
class Bucket:
    """Gradients whose all-reduces start together, once all of them are in."""

    index: int
    dtype: ember.dtype
    device: ember.device
    slots: list[Slot] = field(default_factory=list)
    nbytes: int = 0
    packed_numel: int = 0
    packed_count: int = 0
    flat: ember.Tensor | None = None  # on the parameters' device, allocated when first needed
    regions: dict = field(default_factory=dict)  # slot index -> its view of `flat`, made with `flat`

    def add(self, slot: Slot, pack_all: bool = False) -> None:
        slot.numel, slot.bucket = slot.param.numel(), self
        slot.packed = pack_all or slot.numel * self.dtype.itemsize < IN_PLACE_BYTES
        if slot.packed:
            slot.offset = self.packed_numel
            self.packed_numel += slot.numel
            self.packed_count += 1
        self.slots.append(slot)
        self.nbytes += slot.numel * self.dtype.itemsize

    def flat_buffer(self) -> ember.Tensor:
        if self.flat is None:
            self.flat = flat = ember.empty(self.packed_numel, dtype=self.dtype, device=self.device)
            for slot in self.slots:
                if slot.packed:
                    part = flat[slot.offset : slot.offset + slot.numel]
                    self.regions[slot.index] = part.view(tuple(slot.param.shape))
        return self.flat

    def region(self, slot: Slot) -> ember.Tensor:
        """A packed slot's part of the flat buffer, shaped like its parameter."""
        if self.flat is None:
            self.flat_buffer()
        return self.regions[slot.index]


def assign(
    slots: list[Slot], cap_bytes: int, first_cap_bytes: int = FIRST_BUCKET_BYTES, pack_all: bool = False
) -> list[Bucket]:
    """Buckets in the order their all-reduces start: the last parameters' first (`pack_all`: every gradient packed)."""
    done: list[Bucket] = []
    open_buckets: dict = {}
    closed: dict = {}
    for slot in reversed(slots):
        key = (slot.param.dtype, str(slot.param.device))
        bucket = open_buckets.get(key)
        if bucket is None:
            bucket = open_buckets[key] = Bucket(-1, slot.param.dtype, slot.param.device)
        bucket.add(slot, pack_all)
        if bucket.nbytes >= (cap_bytes if closed.get(key) else min(cap_bytes, first_cap_bytes)):
            done.append(open_buckets.pop(key))
            closed[key] = True
    done.extend(open_buckets.values())
    for index, bucket in enumerate(done):
        bucket.index = index
    return done
