"""PyTorch checkpoints without torch: files torch.save wrote load through the allow-list unpickler; files
that would run code are refused before anything runs; ember.save(format="torch") writes PyTorch's layout.

The fixtures (`fixtures/checkpoints/torch-*.pt`, `malicious-*.pt`) were made by `make_torch_fixtures.py`
there; `torch-expected.npz` holds the values torch saved.
"""

import io
import os
import pathlib
import pickle
import pickletools
import struct
import zipfile
from collections import OrderedDict

import ember
import numpy as np
import pytest
from ember.serialization import CheckpointError

FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "checkpoints"
TORCH_FILES = [
    "torch-linear",
    "torch-conv2d",
    "torch-batchnorm2d",
    "torch-shared-views",
    pytest.param("torch-dtypes", marks=pytest.mark.needs_dtype("float16")),  # NOTE: it holds a float16 tensor
    "torch-legacy",
]


@pytest.fixture(scope="module")
def expected():
    with np.load(FIXTURES / "torch-expected.npz") as arrays:
        return {name: arrays[name] for name in arrays.files}


def flatten(obj, prefix=""):
    if isinstance(obj, ember.Tensor):
        yield prefix.rstrip("/"), obj
    elif isinstance(obj, dict):
        for key, value in obj.items():
            yield from flatten(value, f"{prefix}{key}/")
    elif isinstance(obj, (list, tuple)) and not isinstance(obj, ember.Size):
        for index, value in enumerate(obj):
            yield from flatten(value, f"{prefix}{index}/")


def save_torch(obj) -> io.BytesIO:
    buffer = io.BytesIO()
    ember.save(obj, buffer, format="torch")
    buffer.seek(0)
    return buffer


# --- reading what torch.save wrote -----------------------------------------------------------------


@pytest.mark.parametrize("stem", TORCH_FILES)
def test_every_tensor_torch_saved_loads_with_its_values_and_dtype(stem, expected):
    loaded = ember.load(FIXTURES / f"{stem}.pt")
    tensors = dict(flatten(loaded))
    saved = {key[len(stem) + 1 :]: value for key, value in expected.items() if key.startswith(stem + "/")}
    assert sorted(tensors) == sorted(saved)
    for key, value in saved.items():
        array = tensors[key].detach().numpy()
        assert array.dtype == value.dtype and array.shape == value.shape, key
        np.testing.assert_array_equal(array, value, err_msg=key)


def test_a_state_dict_loads_as_an_ordered_dict_with_its_metadata():
    state = ember.load(FIXTURES / "torch-batchnorm2d.pt")
    assert type(state) is OrderedDict
    assert list(state) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert state["num_batches_tracked"].dtype is ember.int64 and state["num_batches_tracked"].item() == 1
    assert state._metadata[""]["version"] == 2


def test_views_of_one_storage_stay_views_of_one_storage():
    loaded = ember.load(FIXTURES / "torch-shared-views.pt")
    base = loaded["base"].numpy()
    for key in ("slice", "view", "strided"):
        assert np.shares_memory(loaded[key].numpy(), base), key
    loaded["base"][3] = 100.0
    assert loaded["slice"][1].item() == 100.0 and loaded["view"][0, 3].item() == 100.0
    assert loaded["strided"].shape == (3, 2)
    assert np.shares_memory(loaded["transposed"].numpy(), loaded["matrix"].numpy())
    assert loaded["tied"][0] is loaded["tied"][1] and loaded["tied"][0].requires_grad
    assert loaded["expanded"].numpy().strides == (0,)


@pytest.mark.needs_dtype("float16")
def test_dtypes_sizes_and_plain_values_load_as_embers():
    meta = ember.load(FIXTURES / "torch-dtypes.pt")["meta"]
    assert meta["shape"] == ember.Size([2, 3]) and isinstance(meta["shape"], ember.Size)
    assert meta["dtype"] is ember.float16
    assert (meta["epoch"], meta["lr"], meta["name"]) == (3, 0.1, "fixture")


def test_the_legacy_format_loads_with_shared_storage():
    loaded = ember.load(FIXTURES / "torch-legacy.pt")
    assert np.shares_memory(loaded["slice"].numpy(), loaded["base"].numpy())
    assert np.shares_memory(loaded["param"].detach().numpy(), loaded["linear"]["bias"].numpy())
    assert loaded["param"].requires_grad and not loaded["linear"]["bias"].requires_grad


def test_map_location_applies_to_torch_files():
    seen = []

    def location(storage, saved):
        seen.append(saved)
        return storage

    ember.load(FIXTURES / "torch-linear.pt", map_location=location)
    assert seen == ["cpu", "cpu"]
    assert ember.load(FIXTURES / "torch-legacy.pt", map_location="cpu")["base"].device.type == "cpu"


# --- files that would run code --------------------------------------------------------------------


@pytest.fixture
def watched(monkeypatch, tmp_path):
    """Any os.system call is recorded (and does nothing); the payload's marker would land in tmp_path."""
    calls = []
    monkeypatch.setattr(os, "system", lambda command: calls.append(command) or 0)
    monkeypatch.chdir(tmp_path)
    return calls


def test_the_malicious_payload_is_live_under_plain_pickle(watched):
    with zipfile.ZipFile(FIXTURES / "malicious-os-system.pt") as archive:
        pickle.loads(archive.read("archive/data.pkl"))
    assert watched == ["touch ember-fixture-ran"]


@pytest.mark.parametrize(
    ("name", "refused"),
    [
        ("malicious-os-system.pt", "os.system"),
        ("malicious-posix-system.pt", "posix.system"),
        ("malicious-legacy-os-system.pt", "os.system"),
    ],
)
def test_a_file_calling_os_system_is_refused_and_nothing_runs(name, refused, watched, tmp_path):
    with pytest.raises(CheckpointError, match=rf"refused .*{name}: its pickle names the global '{refused}'.*Nothing"):
        ember.load(FIXTURES / name, weights_only=False)
    assert watched == []
    assert not (tmp_path / "ember-fixture-ran").exists()


def zip_with_pickle(tmp_path, pickled: bytes, storages=None, byteorder="little") -> pathlib.Path:
    path = tmp_path / "crafted.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", pickled)
        archive.writestr("archive/byteorder", byteorder)
        for key, data in (storages or {}).items():
            archive.writestr(f"archive/data/{key}", data)
    return path


def global_call(module: str, name: str, *args) -> bytes:
    """A protocol-2 pickle calling module.name(*args) (string arguments)."""
    body = pickle.PROTO + b"\x02" + pickle.GLOBAL + f"{module}\n{name}\n".encode() + pickle.MARK
    for arg in args:
        body += pickle.BINUNICODE + len(arg.encode()).to_bytes(4, "little") + arg.encode()
    return body + pickle.TUPLE + pickle.REDUCE + pickle.STOP


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("builtins", "eval"),
        ("__builtin__", "exec"),
        ("subprocess", "Popen"),
        ("torch", "load"),
        ("torch.nn.modules.linear", "Linear"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("collections", "defaultdict"),
        ("torch._utils", "_rebuild_tensor_v4"),
    ],
)
def test_every_global_outside_the_allow_list_is_refused(module, name, tmp_path, watched):
    path = zip_with_pickle(tmp_path, global_call(module, name, "1"))
    shown = "builtins" if module == "__builtin__" else module
    with pytest.raises(CheckpointError, match=f"names the global '{shown}.{name}'"):
        ember.load(path)


def test_opcodes_that_mutate_objects_are_limited_to_containers(tmp_path):
    build_on_set = (
        pickle.PROTO + b"\x02" + pickle.GLOBAL + b"builtins\nset\n" + pickle.EMPTY_TUPLE + pickle.REDUCE
        + pickle.EMPTY_DICT + pickle.BUILD + pickle.STOP
    )  # fmt: skip
    with pytest.raises(CheckpointError, match="setting the state of a set"):
        ember.load(zip_with_pickle(tmp_path, build_on_set))
    setitem_on_complex = (
        pickle.PROTO + b"\x02" + pickle.GLOBAL + b"builtins\ncomplex\n" + pickle.EMPTY_TUPLE + pickle.REDUCE
        + pickle.BININT1 + b"\x01" + pickle.BININT1 + b"\x02" + pickle.SETITEM + pickle.STOP
    )  # fmt: skip
    with pytest.raises(CheckpointError, match="adding items to a complex"):
        ember.load(zip_with_pickle(tmp_path, setitem_on_complex))


def tensor_pickle(storage_type: str, numel: int, size=(2,), stride=(1,), offset=0, location="cpu") -> bytes:
    def pid():
        return (
            pickle.MARK + pickle.BINUNICODE + b"\x07\x00\x00\x00storage" + pickle.GLOBAL
            + f"torch\n{storage_type}\n".encode() + pickle.BINUNICODE + b"\x01\x00\x00\x000"
            + pickle.BINUNICODE + len(location).to_bytes(4, "little") + location.encode() + pickle.LONG1 + b"\x08" + numel.to_bytes(8, "little") + pickle.TUPLE
        )  # fmt: skip

    def ints(values):
        return pickle.MARK + b"".join(pickle.BININT + struct.pack("<i", v) for v in values) + pickle.TUPLE

    return (
        pickle.PROTO + b"\x02" + pickle.GLOBAL + b"torch._utils\n_rebuild_tensor_v2\n" + pickle.MARK
        + pid() + pickle.BINPERSID + pickle.BININT + struct.pack("<i", offset) + ints(size) + ints(stride)
        + pickle.NEWFALSE + pickle.GLOBAL + b"collections\nOrderedDict\n" + pickle.EMPTY_TUPLE + pickle.REDUCE
        + pickle.TUPLE + pickle.REDUCE + pickle.STOP
    )  # fmt: skip


def test_a_crafted_tensor_pickle_loads(tmp_path):
    path = zip_with_pickle(
        tmp_path, tensor_pickle("FloatStorage", 3, (2,), (1,), 1), {"0": struct.pack("<3f", 1, 2, 3)}
    )
    np.testing.assert_array_equal(ember.load(path).numpy(), [2.0, 3.0])


def test_a_big_endian_file_loads_byte_swapped(tmp_path):
    data = struct.pack(">2f", 1.5, -2.0)
    path = zip_with_pickle(tmp_path, tensor_pickle("FloatStorage", 2), {"0": data}, byteorder="big")
    loaded = ember.load(path)
    np.testing.assert_array_equal(loaded.numpy(), [1.5, -2.0])


def test_a_tensor_saved_on_a_missing_device_needs_map_location(tmp_path):
    pickled = tensor_pickle("FloatStorage", 2, location="cuda:0")
    path = zip_with_pickle(tmp_path, pickled, {"0": struct.pack("<2f", 1.0, 2.0)})
    if not ember.cuda.is_available():
        with pytest.raises(CheckpointError, match=r"crafted\.pt: .*'cuda:0'.*map_location='cpu'"):
            ember.load(path)
    loaded = ember.load(path, map_location="cpu")
    assert loaded.device.type == "cpu" and loaded.tolist() == [1.0, 2.0]


@pytest.mark.parametrize(
    ("pickled", "data", "message"),
    [
        (tensor_pickle("FloatStorage", 3), struct.pack("<2f", 1, 2), r"declared"),
        (tensor_pickle("FloatStorage", 10**12), b"", r"declared"),
        (tensor_pickle("FloatStorage", 2, (2,), (1,), 1), struct.pack("<2f", 1, 2), r"reaches bytes"),
        (tensor_pickle("FloatStorage", 2, (2, 2), (1,)), struct.pack("<2f", 1, 2), r"2 sizes but 1 strides"),
    ],
)
def test_damaged_torch_files_raise_checkpoint_error_naming_the_file(tmp_path, pickled, data, message):
    path = zip_with_pickle(tmp_path, pickled, {"0": data})
    with pytest.raises(CheckpointError, match=rf"crafted\.pt is a damaged PyTorch checkpoint: .*{message}"):
        ember.load(path)


def test_tensors_ember_has_no_dtype_for_are_named(tmp_path):
    path = zip_with_pickle(tmp_path, tensor_pickle("QInt8Storage", 2), {"0": b"\0" * 16})
    with pytest.raises(CheckpointError, match=r"cannot load .*crafted\.pt: it holds a torch.QInt8Storage"):
        ember.load(path)


@pytest.mark.needs_dtype("bfloat16")
def test_bfloat16_storages_load_as_bfloat16(tmp_path):
    path = zip_with_pickle(tmp_path, tensor_pickle("BFloat16Storage", 2), {"0": bytes([0x80, 0x3F, 0x00, 0xC0])})
    loaded = ember.load(path)
    assert loaded.dtype is ember.bfloat16
    assert loaded.tolist() == [1.0, -2.0]


def test_a_truncated_legacy_file_raises_checkpoint_error(tmp_path):
    data = (FIXTURES / "torch-legacy.pt").read_bytes()
    for cut in (len(data) - 1, len(data) // 2, 20, 3):
        path = tmp_path / "cut.pt"
        path.write_bytes(data[:cut])
        with pytest.raises(CheckpointError, match=r"cut\.pt"):
            ember.load(path)


def test_a_plain_pickle_is_not_a_torch_checkpoint(tmp_path):
    path = tmp_path / "plain.pkl"
    path.write_bytes(pickle.dumps({"a": 1}, protocol=2))
    with pytest.raises(CheckpointError, match="plain.pkl is a pickle file but not a PyTorch checkpoint"):
        ember.load(path)


# --- writing PyTorch's format ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dtype",
    [ember.float16, ember.float32, ember.float64, ember.int64, ember.int32, ember.int8, ember.uint8, ember.bool],
)
def test_every_dtype_round_trips_through_the_torch_format(dtype):
    t = ember.tensor(np.arange(-3, 9).reshape(3, 4) % 5).to(dtype)
    loaded = ember.load(save_torch({"t": t}))
    assert loaded["t"].dtype is dtype
    np.testing.assert_array_equal(loaded["t"].numpy(), t.numpy())


def test_the_torch_format_keeps_views_identity_and_plain_values():
    base = ember.arange(12.0)
    w = ember.randn(3, 2, requires_grad=True)
    obj = OrderedDict(
        base=base, slice=base[2:5], grid=base.view(3, 4).t(), expanded=ember.ones(1).expand(6), w=w, again=w,
        flipped=ember.arange(4).flip(0), meta={"size": ember.Size([2]), "dtype": ember.int8, "device": ember.device("cpu"),
        "bytes": b"\x00\xff", "set": {1, 2}, "complex": 1 + 2j, "none": None, "inf": float("inf")},
    )  # fmt: skip
    loaded = ember.load(save_torch(obj))
    assert type(loaded) is OrderedDict and list(loaded) == list(obj)
    assert np.shares_memory(loaded["slice"].numpy(), loaded["base"].numpy())
    assert np.shares_memory(loaded["grid"].numpy(), loaded["base"].numpy())
    np.testing.assert_array_equal(loaded["grid"].numpy(), base.numpy().reshape(3, 4).T)
    assert loaded["expanded"].numpy().strides == (0,)
    assert loaded["again"] is loaded["w"] and loaded["w"].requires_grad
    np.testing.assert_array_equal(loaded["flipped"].numpy(), [3, 2, 1, 0])
    assert loaded["meta"] == obj["meta"] and loaded["meta"]["dtype"] is ember.int8


def test_the_torch_format_has_pytorchs_layout_and_names_only_allowed_globals():
    buffer = save_torch({"w": ember.ones(2, 3), "b": ember.zeros(3, dtype=ember.float64), "s": ember.Size([1])})
    with zipfile.ZipFile(buffer) as archive:
        names = archive.namelist()
        assert names[0] == "archive/data.pkl" and "archive/byteorder" in names and "archive/version" in names
        assert archive.read("archive/byteorder") == b"little" and archive.read("archive/version") == b"3\n"
        for info in archive.infolist():
            assert info.compress_type == zipfile.ZIP_STORED
            if info.filename.startswith("archive/data/"):
                data = buffer.getvalue()
                name_length, extra_length = struct.unpack(
                    "<HH", data[info.header_offset + 26 : info.header_offset + 30]
                )
                assert (info.header_offset + 30 + name_length + extra_length) % 64 == 0
        pickled = archive.read("archive/data.pkl")
    globals_named = {arg.replace(" ", ".") for op, arg, _ in pickletools.genops(pickled) if op.name == "GLOBAL"}
    assert globals_named == {
        "torch._utils._rebuild_tensor_v2", "torch.FloatStorage", "torch.DoubleStorage", "collections.OrderedDict",
        "torch.Size",
    }  # fmt: skip


@pytest.mark.parametrize("value", [np.zeros(2), np.float32(1.0), object(), print, {"a": [ember.ones(1), io.BytesIO()]}])
def test_the_torch_format_refuses_what_weights_only_refuses_before_writing(value, tmp_path):
    path = tmp_path / "out.pt"
    path.write_bytes(b"previous")
    with pytest.raises(TypeError, match="format='torch'.*cannot store"):
        ember.save({"x": value}, path, format="torch")
    assert path.read_bytes() == b"previous" and os.listdir(tmp_path) == ["out.pt"]


def test_the_torch_format_is_written_atomically_to_a_path(tmp_path):
    path = tmp_path / "model.pt"
    ember.save({"w": ember.ones(2)}, path)
    ember.save({"w": ember.zeros(2)}, path, format="torch")
    assert zipfile.ZipFile(path).namelist()[0] == "archive/data.pkl"
    np.testing.assert_array_equal(ember.load(path)["w"].numpy(), [0.0, 0.0])
    assert os.listdir(tmp_path) == ["model.pt"]


def test_an_unknown_format_is_a_value_error():
    with pytest.raises(ValueError, match="format must be one of 'ember', 'torch', 'safetensors', not 'pickle'"):
        ember.save({}, io.BytesIO(), format="pickle")


@pytest.mark.parametrize("name", ["torch-legacy.pt", "torch-shared-views.pt"])
def test_damaged_copies_of_torch_files_load_or_raise_checkpoint_error(name):
    """Seeded byte flips and truncations: never another exception (a legacy file has no checksums, so a flip
    inside a storage's bytes loads as other values, as it does in PyTorch)."""
    data = (FIXTURES / name).read_bytes()
    rnd = np.random.default_rng(11)
    for attempt in range(400):
        damaged = bytearray(data)
        if attempt % 3 == 0:
            damaged = damaged[: rnd.integers(len(damaged))]
        else:
            for position in rnd.integers(len(damaged), size=rnd.choice([1, 2, 5])):
                damaged[position] = rnd.integers(256)
        stream = io.BytesIO(bytes(damaged))
        stream.name = name
        try:
            ember.load(stream)
        except CheckpointError as error:
            assert name in str(error)


@pytest.mark.parametrize(
    ("name", "what"), [("set", "a set"), ("OrderedDict", "an OrderedDict"), ("Counter", "a Counter")]
)
def test_containers_are_built_only_from_what_pickle_passes_them(tmp_path, name, what):
    module = "builtins" if name == "set" else "collections"
    path = zip_with_pickle(tmp_path, global_call(module, name, "abc"))  # never iterated: could be a huge tensor
    with pytest.raises(CheckpointError, match=f"damaged PyTorch checkpoint: {what} is built from a str"):
        ember.load(path)
