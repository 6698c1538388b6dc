"""Checkpoint format version 2: storages saved once, views and tied tensors kept, every declared size checked."""

import ast
import importlib.util
import io
import json
import pathlib
import struct
import subprocess
import sys
import tracemalloc
import zipfile

import ember
import numpy as np
import pytest
from ember.serialization import CheckpointError

FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "checkpoints"
SOURCE = pathlib.Path(ember.__file__).parent


def round_trip(obj):
    buffer = io.BytesIO()
    ember.save(obj, buffer)
    buffer.seek(0)
    return ember.load(buffer)


def manifest_of(obj) -> dict:
    buffer = io.BytesIO()
    ember.save(obj, buffer)
    with zipfile.ZipFile(buffer) as archive:
        return json.loads(archive.read("ember.json"))


def npy_bytes(array: np.ndarray) -> bytes:
    stream = io.BytesIO()
    np.lib.format.write_array(stream, array, allow_pickle=False)
    return stream.getvalue()


def write_checkpoint(path, manifest: dict, entries: dict) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        archive.writestr("ember.json", json.dumps(manifest))


def one_tensor_manifest(**row) -> dict:
    tensor = {"storage": 0, "dtype": "float32", "byte_offset": 0, "shape": [4], "byte_strides": [4]}
    tensor.update({"requires_grad": False, "parameter": False, **row})
    return {
        "format": "ember-checkpoint",
        "version": 2,
        "storages": [{"file": "storages/0.npy", "device": "cpu"}],
        "tensors": [tensor],
        "root": {"kind": "tensor", "index": 0},
    }


# --- sharing and identity --------------------------------------------------------------------------


def test_a_tensor_and_its_views_load_sharing_one_storage():
    t = ember.arange(12.0).reshape(3, 4)
    loaded = round_trip({"t": t, "rows": t[1:3], "flat": t.view(12), "transposed": t.t(), "bits": t.view(ember.int32)})
    assert len(manifest_of({"t": t, "rows": t[1:3], "transposed": t.t()})["storages"]) == 1
    np.testing.assert_array_equal(loaded["transposed"].numpy(), t.numpy().T)
    np.testing.assert_array_equal(loaded["rows"].numpy(), t.numpy()[1:3])
    assert loaded["bits"].dtype is ember.int32

    loaded["t"].add_(100)
    np.testing.assert_array_equal(loaded["rows"].numpy(), t.numpy()[1:3] + 100)
    np.testing.assert_array_equal(loaded["flat"].numpy(), t.numpy().reshape(12) + 100)
    np.testing.assert_array_equal(loaded["transposed"].numpy(), t.numpy().T + 100)
    np.testing.assert_array_equal(loaded["bits"].numpy(), (t.numpy() + 100).view(np.int32))
    loaded["rows"][0, 0] = -1.0
    assert loaded["t"][1, 0].item() == -1.0 and loaded["transposed"][0, 1].item() == -1.0


def test_a_view_saved_without_its_base_keeps_only_its_bytes():
    big = ember.arange(1_000_000.0)
    buffer = io.BytesIO()
    ember.save(big[10:12], buffer)
    assert len(buffer.getvalue()) < 2_000
    buffer.seek(0)
    assert ember.load(buffer).tolist() == [10.0, 11.0]


def test_disjoint_slices_load_with_their_own_values():
    t = ember.arange(10.0)
    head, tail = round_trip([t[0:2], t[7:9]])
    head.add_(1)
    assert head.tolist() == [1.0, 2.0] and tail.tolist() == [7.0, 8.0]


def test_the_same_tensor_saved_twice_loads_as_one_object():
    w = ember.randn(3, 3, requires_grad=True)
    loaded = round_trip({"encoder": {"weight": w}, "decoder": [w], "copy": w.detach()})
    assert loaded["encoder"]["weight"] is loaded["decoder"][0]
    assert loaded["encoder"]["weight"].requires_grad and not loaded["copy"].requires_grad
    assert loaded["copy"] is not loaded["decoder"][0]
    loaded["copy"].add_(1)  # t.detach() is another tensor of the same storage
    np.testing.assert_array_equal(loaded["decoder"][0].detach().numpy(), loaded["copy"].numpy())
    assert len(manifest_of([w, w])["tensors"]) == 1


def test_an_expanded_tensor_is_saved_as_its_small_storage():
    expanded = ember.zeros(1).expand(10**7)
    buffer = io.BytesIO()
    ember.save(expanded, buffer)
    assert len(buffer.getvalue()) < 2_000
    buffer.seek(0)
    loaded = ember.load(buffer)
    assert loaded.shape == (10**7,) and loaded.stride() == (0,) and loaded.sum().item() == 0.0
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        loaded.add_(1)


class DeviceArray:
    """An array a host cannot address directly (as on a GPU): not a NumPy array, copied out by its backend."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = values
        self.shape = values.shape


class DeviceBackend:
    xp = np

    def to_numpy(self, array: DeviceArray) -> np.ndarray:
        return np.array(array.values.T).T  # a copy, laid out as column-major


def test_tensors_of_arrays_outside_host_memory_get_one_storage_per_array():
    from ember._tensor import wrap

    device_array = DeviceArray(np.arange(6, dtype=np.float32).reshape(2, 3))
    t = wrap(device_array, DeviceBackend(), ember.float32, ember.device("cpu"))
    alias = wrap(device_array, DeviceBackend(), ember.float32, ember.device("cpu"))
    manifest = manifest_of([t, alias, t])
    assert len(manifest["storages"]) == 1 and len(manifest["tensors"]) == 2
    assert manifest["tensors"][0]["byte_strides"] == [12, 4]
    first, second, again = round_trip([t, alias, t])
    assert first is again and first.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    second.add_(1)
    assert first.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]


def test_storages_and_tensor_rows_are_what_the_format_says():
    t = ember.arange(6, dtype=ember.int64).reshape(2, 3)
    manifest = manifest_of([t, t[:, 1]])
    assert manifest["version"] == 2 and manifest["storages"] == [{"file": "storages/0.npy", "device": "cpu"}]
    assert manifest["tensors"][1] == {
        "storage": 0,
        "dtype": "int64",
        "byte_offset": 8,
        "shape": [2],
        "byte_strides": [24],
        "requires_grad": False,
        "parameter": False,
    }


@pytest.mark.needs_dtype("float16")
def test_version_1_checkpoints_still_load():
    """format-v1.pt was written by ember 0.1.0's ember.save (format version 1)."""
    loaded = ember.load(FIXTURES / "format-v1.pt")
    expected_weight = [[0.5, -1.0, 2.0], [3.25, 4.0, -0.125]]
    assert loaded["weight"].requires_grad and loaded["weight"].detach().tolist() == expected_weight
    assert not loaded["tied"].requires_grad and loaded["tied"].tolist() == expected_weight
    loaded["tied"].mul_(2)  # version 1 kept tensors of one array sharing it
    assert loaded["weight"].detach()[0, 0].item() == 1.0
    assert loaded["steps"].dtype is ember.int64 and loaded["steps"].tolist() == [0, 1, 2, 3]
    assert loaded["half"].dtype is ember.float16 and loaded["half"].tolist() == [1.5, -2.0]
    assert loaded["mask"].tolist() == [True, False, True]
    assert loaded["param"].requires_grad and loaded["param"].detach().tolist() == [1.0, 2.0]
    assert loaded["array"].dtype == np.int16 and loaded["array"].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert loaded["meta"] == {"epoch": 7, "lr": 0.01, "name": "v1", 3: (None, float("inf"))}


# --- views are checked against their storage -------------------------------------------------------


def test_negative_strides_inside_the_storage_load(tmp_path):
    path = tmp_path / "reversed.pt"
    manifest = one_tensor_manifest(byte_offset=12, shape=[4], byte_strides=[-4])
    write_checkpoint(path, manifest, {"storages/0.npy": npy_bytes(np.arange(4, dtype=np.float32))})
    assert ember.load(path).tolist() == [3.0, 2.0, 1.0, 0.0]


@pytest.mark.parametrize(
    "row, complaint",
    [
        ({"byte_offset": 4}, r"reaches bytes \[4, 20\) of a storage of 16 bytes"),
        ({"shape": [2, 2], "byte_strides": [8, 8]}, "reaches bytes"),
        ({"byte_offset": 0, "byte_strides": [-4]}, "reaches bytes"),
        ({"byte_offset": 17, "shape": [0]}, "starts at byte 17"),
        ({"byte_offset": -1}, "starts at byte -1"),
        ({"shape": [4, 1]}, "2 sizes but 1 strides"),
        ({"shape": [-4]}, "negative size"),
        ({"shape": [4.0]}, "expected an integer"),
        ({"byte_offset": True}, "expected an integer"),
        ({"dtype": "qint8"}, "unknown dtype 'qint8'"),
        ({"storage": 1}, "storage 1 is not in the manifest"),
    ],
)
def test_a_view_outside_its_storage_is_refused(tmp_path, row, complaint):
    path = tmp_path / "crafted.pt"
    write_checkpoint(path, one_tensor_manifest(**row), {"storages/0.npy": npy_bytes(np.zeros(4, np.float32))})
    with pytest.raises(CheckpointError, match=r"crafted\.pt is a damaged ember checkpoint: .*" + complaint):
        ember.load(path)


def test_a_huge_declared_shape_is_refused_before_anything_is_allocated(tmp_path):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False, "shape": (10**12,)})
    for version, name, manifest in [
        (2, "storages/0.npy", one_tensor_manifest(shape=[10**12])),
        (1, "tensors/0.npy", None),
    ]:
        if manifest is None:
            row = {"kind": "tensor", "file": name, "dtype": "float32", "device": "cpu"}
            manifest = {"format": "ember-checkpoint", "version": version, "root": row}
        path = tmp_path / f"huge-v{version}.pt"
        write_checkpoint(path, manifest, {name: header.getvalue() + b"\0" * 64})
        tracemalloc.start()
        try:
            with pytest.raises(CheckpointError, match=r"declares a float32 array of shape \(1000000000000,\)"):
                ember.load(path)
            assert tracemalloc.get_traced_memory()[1] < 10_000_000
        finally:
            tracemalloc.stop()


def test_an_expanded_view_of_a_small_storage_needs_no_memory(tmp_path):
    path = tmp_path / "expanded.pt"
    manifest = one_tensor_manifest(shape=[10**6, 10**6], byte_strides=[0, 0])
    write_checkpoint(path, manifest, {"storages/0.npy": npy_bytes(np.full(4, 7.0, np.float32))})
    loaded = ember.load(path)
    assert loaded.shape == (10**6, 10**6) and loaded[123, 456].item() == 7.0


# --- corrupt inputs that used to escape as other errors ---------------------------------------------


@pytest.fixture
def checkpoint_bytes():
    buffer = io.BytesIO()
    ember.save({"w": ember.arange(64.0).reshape(8, 8), "step": 3}, buffer)
    return bytearray(buffer.getvalue())


def central_headers(data: bytearray) -> list[int]:
    found, at = [], data.find(b"PK\x01\x02")
    while at != -1:
        found.append(at)
        at = data.find(b"PK\x01\x02", at + 1)
    return found


def damage_central(field: int, value: bytes):
    def damage(data: bytearray) -> None:
        for at in central_headers(data):
            data[at + field : at + field + len(value)] = value

    return damage


def damage_end_record(data: bytearray) -> None:
    end = data.rfind(b"PK\x05\x06")
    data[end + 17 : end + 21] = b"\xff" * 4  # the central directory's offset, now past the end


@pytest.mark.parametrize(
    "damage, once_escaped_as",
    [
        (damage_central(6, struct.pack("<H", 99)), "NotImplementedError: zip file version 9.9"),
        (damage_central(10, struct.pack("<H", 99)), "NotImplementedError: compression method not supported"),
        (damage_central(10, struct.pack("<H", 8)), "zlib.error"),
        (damage_central(8, struct.pack("<H", 1)), "RuntimeError: encrypted, password required"),
        (damage_central(8, struct.pack("<H", 1 << 6)), "NotImplementedError: strong encryption"),
        (damage_end_record, "OSError: EINVAL (a negative seek)"),
    ],
)
def test_damaged_zip_structures_give_a_checkpoint_error_naming_the_file(
    tmp_path, checkpoint_bytes, damage, once_escaped_as
):
    damage(checkpoint_bytes)
    path = tmp_path / "damaged-zip.pt"
    path.write_bytes(bytes(checkpoint_bytes))
    with pytest.raises(CheckpointError, match=r"damaged-zip\.pt"):
        ember.load(path)


def test_an_npy_header_that_does_not_parse_gives_a_checkpoint_error(tmp_path):
    """NumPy's header parser used to escape as tokenize.TokenError on an unclosed bracket."""
    text = "{'descr': '<f4', 'fortran_order': False, 'shape': (4,"
    header = text.ljust(117) + "\n"
    broken = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1") + b"\0" * 16
    path = tmp_path / "bad-header.pt"
    row = {"kind": "tensor", "file": "tensors/0.npy", "dtype": "float32", "device": "cpu"}
    write_checkpoint(path, {"format": "ember-checkpoint", "version": 1, "root": row}, {"tensors/0.npy": broken})
    with pytest.raises(CheckpointError, match=r"bad-header\.pt"):
        ember.load(path)


def test_a_compressed_entry_is_refused(tmp_path):
    path = tmp_path / "compressed.pt"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("storages/0.npy", npy_bytes(np.zeros(4, np.float32)))
        archive.writestr("ember.json", json.dumps(one_tensor_manifest()))
    with pytest.raises(CheckpointError, match=r"compressed\.pt is a damaged ember checkpoint: .*uncompressed"):
        ember.load(path)


def test_a_storage_of_a_type_no_tensor_holds_is_refused(tmp_path):
    path = tmp_path / "big-endian.pt"
    write_checkpoint(path, one_tensor_manifest(), {"storages/0.npy": npy_bytes(np.zeros(4, ">f4"))})
    with pytest.raises(CheckpointError, match="holds >f4"):
        ember.load(path)


def test_map_location_errors_are_the_callers_not_the_files():
    buffer = io.BytesIO()
    ember.save([ember.ones(2)], buffer)

    def broken(storage, location):
        raise KeyError("my bug")

    buffer.seek(0)
    with pytest.raises(KeyError, match="my bug"):
        ember.load(buffer, map_location=broken)
    buffer.seek(0)
    with pytest.raises(RuntimeError, match="must return the storage it was given"):
        ember.load(buffer, map_location=lambda storage, location: storage[:1])


# --- saving what cannot be saved ------------------------------------------------------------------------


def test_a_self_referencing_container_is_refused_clearly():
    loop = [1, 2]
    loop.append(loop)
    with pytest.raises(ValueError, match=r"contains itself: the saved object\[2\] is the list it is inside"):
        ember.save(loop, io.BytesIO())
    table = {"a": {}}
    table["a"]["back"] = table
    with pytest.raises(ValueError, match=r"contains itself: the saved object\['a'\]\['back'\]"):
        ember.save(table, io.BytesIO())
    shared = [1.0]
    assert round_trip([shared, shared]) == [[1.0], [1.0]]  # the same list twice is no loop


def test_nesting_is_limited_to_what_loads_back():
    def nested(depth):
        value = ember.ones(1)
        for _ in range(depth):
            value = {"inner": [value]}
        return value

    deepest = round_trip(nested(99))  # 198 containers
    for _ in range(99):
        deepest = deepest["inner"][0]
    assert deepest.tolist() == [1.0]
    with pytest.raises(ValueError, match="nested more than 200 deep"):
        ember.save(nested(101), io.BytesIO())


# --- layering ---------------------------------------------------------------------------------------


def imported_modules(file: pathlib.Path, package: str):
    for node in ast.walk(ast.parse(file.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = importlib.util.resolve_name("." * node.level + (node.module or ""), package)
            if node.module is None:
                yield from (f"{module}.{alias.name}" for alias in node.names)
            else:
                yield module


def test_serialization_imports_only_lower_modules_never_ember_itself():
    lower = {"_dtype", "_device", "_devices", "_size", "_tensor", "_checkpoint"}
    files = [(SOURCE / "serialization.py", "ember")]
    files += [(file, "ember._checkpoint") for file in sorted((SOURCE / "_checkpoint").glob("*.py"))]
    assert len(files) > 3
    for file, package in files:
        for module in imported_modules(file, package):
            if module.split(".")[0] == "ember":
                assert module != "ember" and module.split(".")[1] in lower, f"{file.name} imports {module}"


def test_loading_a_parameter_does_not_import_ember_nn(tmp_path):
    path = tmp_path / "parameter.pt"
    manifest = one_tensor_manifest(parameter=True, requires_grad=True)
    write_checkpoint(path, manifest, {"storages/0.npy": npy_bytes(np.ones(4, np.float32))})
    script = (
        "import sys, ember; t = ember.load(sys.argv[1]); "
        "print(type(t).__name__, t.requires_grad, 'ember.nn' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["Tensor", "True", "False"]
