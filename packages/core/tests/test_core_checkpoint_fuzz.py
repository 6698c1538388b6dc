"""Seeded fuzzing of a real checkpoint: every damaged copy either raises CheckpointError naming the file, or
loads exactly the saved data. A change inside any entry (the manifest, a storage, an array) always raises:
its CRC-32 no longer matches. Only ZIP bookkeeping that loading does not use (timestamps, "made by"
fields, ...) may change without effect. A crafted manifest (valid checksums, values swapped for others)
either loads or raises CheckpointError naming the file: never another exception."""

import copy
import io
import json
import random
import struct
import zipfile

import ember
import numpy as np
import pytest
from ember.serialization import CheckpointError

NAME = "fuzzed-checkpoint.pt"


def saved_object():
    generator = ember.Generator().manual_seed(5)
    w = ember.randn(12, 16, generator=generator)
    return {
        "w": w,
        "rows": w[3:7],
        "tied": [w, w],
        "counts": ember.arange(9, dtype=ember.int32),
        "expanded": ember.ones(1).expand(40),
        "array": np.arange(10, dtype=np.int16),
        "meta": {"epoch": 4, "lr": 0.5, "name": "fuzz", "inf": float("inf")},
    }


def assert_same_data(loaded, saved) -> None:
    assert list(loaded) == list(saved) and loaded["meta"] == saved["meta"]
    for key in ("w", "rows", "counts", "expanded"):
        assert loaded[key].dtype is saved[key].dtype and loaded[key].shape == saved[key].shape
        np.testing.assert_array_equal(loaded[key].numpy(), saved[key].numpy())
    assert loaded["tied"][0] is loaded["tied"][1] is loaded["w"]
    assert np.shares_memory(loaded["rows"].numpy(), loaded["w"].numpy())
    assert loaded["array"].dtype == np.int16 and loaded["array"].tolist() == list(range(10))


def entry_contents(data: bytes, path) -> list[range]:
    """The byte ranges holding each entry's stored bytes (what its CRC-32 covers)."""
    ranges = []
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26 : info.header_offset + 30])
            start = info.header_offset + 30 + name_length + extra_length
            ranges.append(range(start, start + info.compress_size))
    return ranges


def named_stream(data: bytes) -> io.BytesIO:
    """The bytes as an open file named like the checkpoint (rewriting the file each time would dominate the time)."""
    stream = io.BytesIO(data)
    stream.name = NAME
    return stream


def load_outcome(source, saved) -> str:
    try:
        loaded = ember.load(source)
    except CheckpointError as error:
        assert NAME in str(error), str(error)
        return "refused"
    assert_same_data(loaded, saved)
    return "loaded"


@pytest.fixture
def checkpoint(tmp_path):
    saved = saved_object()
    path = tmp_path / NAME
    ember.save(saved, path)
    return path, path.read_bytes(), saved


def test_byte_flips_are_refused_or_change_nothing(checkpoint):
    path, data, saved = checkpoint
    contents = entry_contents(data, path)
    rng = random.Random(20250611)
    outcomes = {"refused": 0, "loaded": 0}
    for _ in range(3000):
        damaged = bytearray(data)
        flipped = rng.sample(range(len(data)), rng.choice([1, 1, 2, 3]))
        for at in flipped:
            damaged[at] ^= rng.randrange(1, 256)
        outcome = load_outcome(named_stream(bytes(damaged)), saved)
        outcomes[outcome] += 1
        if any(at in content for at in flipped for content in contents):
            assert outcome == "refused", f"a change at bytes {flipped} inside an entry loaded"
    assert outcomes["refused"] > 2500 and outcomes["loaded"] > 0


def test_truncations_are_refused(checkpoint):
    path, data, saved = checkpoint
    rng = random.Random(7)
    lengths = set(range(0, 64)) | {len(data) - n for n in range(1, 64)} | set(rng.sample(range(len(data)), 300))
    for length in sorted(lengths):
        path.write_bytes(data[:length])
        assert load_outcome(path, saved) == "refused", length
    path.write_bytes(data)
    assert load_outcome(path, saved) == "loaded"


SUBSTITUTES = [
    None,
    True,
    0,
    -1,
    7,
    2**63,
    10**12,
    2.5,
    float("nan"),
    "",
    "float32",
    "cpu",
    "cuda:0",
    "x",
    "storages/0.npy",
    "arrays/0.npy",
    "ember.json",
    [],
    [0, 0],
    [10**6, 10**6],
    {},
    {"kind": "tensor", "index": 0},
    {"kind": "tensor", "index": 99},
    {"kind": "list"},
]


def json_paths(value, path=()):
    yield path
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in children:
        yield from json_paths(child, (*path, key))


def test_crafted_manifests_load_or_raise_a_checkpoint_error(checkpoint):
    path, data, _ = checkpoint
    with zipfile.ZipFile(path) as archive:
        entries = {info.filename: archive.read(info) for info in archive.infolist()}
    manifest = json.loads(entries.pop("ember.json"))
    rng = random.Random(3)
    outcomes = {"refused": 0, "loaded": 0}
    for _ in range(1500):
        crafted = copy.deepcopy(manifest)
        for _ in range(rng.choice([1, 2, 3])):
            *parents, last = rng.choice([p for p in json_paths(crafted) if p])
            holder = crafted
            for key in parents:
                holder = holder[key]
            holder[last] = copy.deepcopy(rng.choice(SUBSTITUTES))
        stream = named_stream(b"")
        with zipfile.ZipFile(stream, "w") as archive:
            for name, content in entries.items():
                archive.writestr(name, content)
            archive.writestr("ember.json", json.dumps(crafted))
        stream.seek(0)
        try:
            ember.load(stream)
            outcomes["loaded"] += 1
        except CheckpointError as error:
            assert NAME in str(error), str(error)
            outcomes["refused"] += 1
    assert min(outcomes.values()) > 100
