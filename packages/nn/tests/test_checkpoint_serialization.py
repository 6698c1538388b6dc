"""ember.save / ember.load: round trips, map_location, refusing code-running files, damage, atomic saves."""

import copy
import io
import json
import os
import pathlib
import pickle
import zipfile
from collections import OrderedDict

import ember
import numpy as np
import pytest
from ember import nn, optim
from ember.serialization import CheckpointError
from ember.testing.capabilities import skip_unless_dtypes


def round_trip(obj, **load_args):
    buffer = io.BytesIO()
    ember.save(obj, buffer)
    buffer.seek(0)
    return ember.load(buffer, **load_args)


def leftovers(folder):
    return [name for name in os.listdir(folder) if name.startswith(".ember-save-")]


# --- round trips ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dtype",
    [
        ember.float16,
        ember.float32,
        ember.float64,
        ember.int8,
        ember.int16,
        ember.int32,
        ember.int64,
        ember.uint8,
        ember.bool,
    ],
)
def test_tensors_of_every_dtype_round_trip(dtype):
    skip_unless_dtypes(dtype)
    values = np.arange(-3, 9).reshape(3, 4) % 7
    t = ember.tensor(values).to(dtype)
    loaded = round_trip(t)
    assert loaded.dtype is dtype and loaded.shape == (3, 4) and loaded.device.type == "cpu"
    np.testing.assert_array_equal(loaded.numpy(), t.numpy())


def test_views_scalars_empty_tensors_and_requires_grad():
    base = ember.arange(12.0).reshape(3, 4)
    w = ember.randn(2, 2, requires_grad=True)
    loaded = round_trip([base.t(), base[:, 1], ember.tensor(2.5), ember.zeros(0, 3), w])
    np.testing.assert_array_equal(loaded[0].numpy(), base.numpy().T)
    np.testing.assert_array_equal(loaded[1].numpy(), [1.0, 5.0, 9.0])
    assert loaded[2].shape == () and loaded[2].item() == 2.5
    assert loaded[3].shape == (0, 3)
    assert loaded[4].requires_grad and loaded[4].is_leaf and loaded[4].grad is None
    np.testing.assert_array_equal(loaded[4].detach().numpy(), w.detach().numpy())


def test_state_dict_keeps_order_and_type(tmp_path):
    state = OrderedDict((name, ember.randn(3)) for name in ["z.weight", "a.bias", "m.running_mean"])
    state["m.num_batches_tracked"] = ember.tensor(7)
    path = tmp_path / "model.pt"
    ember.save(state, path)
    loaded = ember.load(path)
    assert type(loaded) is OrderedDict and list(loaded) == list(state)
    for key in state:
        np.testing.assert_array_equal(loaded[key].numpy(), state[key].numpy())
    assert loaded["m.num_batches_tracked"].dtype is ember.int64


def test_nested_containers_and_python_values():
    obj = {
        "epoch": 12,
        "big": 2**70,
        "loss": 0.125,
        "special": [float("inf"), float("-inf")],
        "flags": (True, False, None),
        "name": "résumé",
        "raw": b"\x00\xffbytes",
        "shape": ember.Size([2, 3]),
        "dtype": ember.float64,
        "device": ember.device("cpu"),
        "array": np.arange(6, dtype=np.int16).reshape(2, 3),
        "numpy_scalars": [np.float32(1.5), np.int64(3), np.bool_(True)],
        (1, "tuple key"): {3: "int key", 2.5: "float key"},
    }
    loaded = round_trip(obj)
    assert loaded["epoch"] == 12 and loaded["big"] == 2**70 and loaded["loss"] == 0.125
    assert loaded["special"] == [float("inf"), float("-inf")] and loaded["flags"] == (True, False, None)
    assert loaded["name"] == "résumé" and loaded["raw"] == b"\x00\xffbytes"
    assert loaded["shape"] == ember.Size([2, 3]) and type(loaded["shape"]) is ember.Size
    assert loaded["dtype"] is ember.float64 and loaded["device"] == ember.device("cpu")
    assert loaded["array"].dtype == np.int16 and loaded["array"].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert loaded["numpy_scalars"] == [1.5, 3, True]
    assert loaded[(1, "tuple key")] == {3: "int key", 2.5: "float key"}
    assert np.isnan(round_trip(float("nan")))


def test_parameters_load_as_parameters_and_tied_ones_as_one_object():
    shared = nn.Parameter(ember.randn(3, 2))
    frozen = nn.Parameter(ember.randn(2), requires_grad=False)
    loaded = round_trip({"encoder": shared, "decoder": shared, "frozen": frozen, "plain": shared.detach()})
    assert type(loaded["encoder"]) is nn.Parameter and loaded["encoder"] is loaded["decoder"]
    assert loaded["encoder"].requires_grad and type(loaded["frozen"]) is nn.Parameter
    assert not loaded["frozen"].requires_grad and type(loaded["plain"]) is ember.Tensor
    np.testing.assert_array_equal(loaded["plain"].numpy(), shared.detach().numpy())


def test_a_version_1_parameter_loads_as_a_parameter():
    skip_unless_dtypes(ember.float16)  # the fixture holds a float16 tensor too
    fixture = pathlib.Path(__file__).parents[2] / "core" / "tests" / "fixtures" / "checkpoints" / "format-v1.pt"
    loaded = ember.load(fixture)
    assert type(loaded["param"]) is nn.Parameter and loaded["param"].tolist() == [1.0, 2.0]


def test_tensors_sharing_an_array_load_sharing_memory():
    w = ember.randn(4)
    loaded = round_trip({"encoder": w, "decoder": w.detach(), "copy": w.clone()})
    loaded["encoder"].add_(1)
    np.testing.assert_array_equal(loaded["decoder"].numpy(), loaded["encoder"].numpy())
    np.testing.assert_array_equal(loaded["copy"].numpy(), w.numpy())


def test_optimizer_state_round_trips_with_int_keys_and_resumes_identically(tmp_path):
    def build(values):
        params = [ember.tensor(v, requires_grad=True) for v in values]
        return params, optim.Adam([{"params": params[:1]}, {"params": params[1:], "lr": 0.05}], lr=0.1)

    def train(params, opt, steps):
        for _ in range(steps):
            opt.zero_grad()
            sum(((p - 3) ** 2).sum() for p in params).backward()
            opt.step()

    params, opt = build([[1.0, 2.0], [[-1.0]]])
    train(params, opt, 3)
    path = tmp_path / "checkpoint.pt"
    ember.save({"params": [p.detach() for p in params], "optimizer": opt.state_dict()}, path)
    train(params, opt, 2)

    checkpoint = ember.load(path)
    assert sorted(checkpoint["optimizer"]["state"]) == [0, 1]
    assert checkpoint["optimizer"]["param_groups"][1]["params"] == [1]
    assert checkpoint["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    resumed, resumed_opt = build([p.numpy() for p in checkpoint["params"]])
    resumed_opt.load_state_dict(checkpoint["optimizer"])
    train(resumed, resumed_opt, 2)
    for mine, theirs in zip(resumed, params):
        np.testing.assert_array_equal(mine.detach().numpy(), theirs.detach().numpy())


def test_paths_file_objects_and_unseekable_streams(tmp_path):
    t = ember.arange(5)
    ember.save(t, str(tmp_path / "as_str.pt"))
    ember.save(t, pathlib.Path(tmp_path / "as_path.pt"))
    with open(tmp_path / "as_file.pt", "wb") as stream:
        ember.save(t, stream)
    for name in ("as_str.pt", "as_path.pt", "as_file.pt"):
        assert ember.load(tmp_path / name).tolist() == [0, 1, 2, 3, 4]
        with open(tmp_path / name, "rb") as stream:
            assert ember.load(stream).tolist() == [0, 1, 2, 3, 4]

    class ReadOnly:
        def __init__(self, data):
            self._stream = io.BytesIO(data)

        def read(self, *size):
            return self._stream.read(*size)

    data = (tmp_path / "as_str.pt").read_bytes()
    assert ember.load(ReadOnly(data)).tolist() == [0, 1, 2, 3, 4]


def test_new_checkpoints_get_ordinary_permissions(tmp_path):
    path = tmp_path / "perm.pt"
    ember.save(ember.ones(1), path)
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask


# --- map_location ---------------------------------------------------------------------------------


def checkpoint_claiming(device: str) -> io.BytesIO:
    """A checkpoint whose tensor says it was saved from `device` (this machine has no such device)."""
    source = io.BytesIO()
    ember.save({"w": ember.tensor([1.0, 2.0])}, source)
    source.seek(0)
    target = io.BytesIO()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            data = old.read(item)
            if item.filename == "ember.json":
                data = data.replace(b'"device": "cpu"', f'"device": "{device}"'.encode())
            new.writestr(item, data)
    target.seek(0)
    return target


def test_map_location_string_device_dict_and_callables():
    data = checkpoint_claiming("cuda:0").getvalue()
    for location in ("cpu", ember.device("cpu"), {"cuda:0": "cpu"}, {"cuda:0": ember.device("cpu")}):
        loaded = ember.load(io.BytesIO(data), map_location=location)["w"]
        assert loaded.device.type == "cpu" and loaded.tolist() == [1.0, 2.0]

    seen = []

    def keep_on_cpu(storage, location):
        seen.append(location)
        return storage

    assert ember.load(io.BytesIO(data), map_location=keep_on_cpu)["w"].tolist() == [1.0, 2.0]
    assert seen == ["cuda:0"]
    assert ember.load(io.BytesIO(data), map_location=lambda s, loc: "cpu")["w"].device.type == "cpu"


def test_loading_onto_a_missing_device_says_to_use_map_location():
    if ember.cuda.is_available():
        pytest.skip("this machine has a CUDA device")
    with pytest.raises(RuntimeError, match="map_location='cpu'"):
        ember.load(checkpoint_claiming("cuda:0"))


# --- files that must not run code ----------------------------------------------------------------


class _Payload:
    """Unpickling this object creates the marker file: proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.touch, (pathlib.Path(self.marker),))


def test_the_payload_is_live_when_unpickled(tmp_path):
    marker = tmp_path / "control"
    pickle.loads(pickle.dumps(_Payload(marker)))
    assert marker.exists()


def test_a_plain_pickle_file_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "legacy.pt"
    path.write_bytes(pickle.dumps({"weight": _Payload(marker)}, protocol=2))
    with pytest.raises(CheckpointError, match="refused .*legacy.pt: its pickle names the global 'builtins.getattr'"):
        ember.load(path, weights_only=False)
    assert not marker.exists()


def test_a_pytorch_style_zip_with_data_pkl_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "torch_format.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", pickle.dumps(_Payload(marker)))
        archive.writestr("archive/version", "3\n")
    with pytest.raises(
        CheckpointError, match="refused .*torch_format.pt: its pickle names the global 'pathlib.Path.touch'"
    ):
        ember.load(path)
    assert not marker.exists()


def test_an_ember_manifest_pointing_at_pickled_data_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "ran"
    payload = io.BytesIO()
    np.save(payload, np.array([_Payload(marker)], dtype=object), allow_pickle=True)
    manifest = {
        "format": "ember-checkpoint",
        "version": 1,
        "root": {
            "kind": "list",
            "items": [
                {"kind": "ndarray", "file": "tensors/0.npy"},
                {"kind": "pickle", "data": "gASV"},
            ],
        },
    }
    path = tmp_path / "crafted.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("tensors/0.npy", payload.getvalue())
        archive.writestr("ember.json", json.dumps(manifest))
    with pytest.raises(CheckpointError, match="damaged"):
        ember.load(path)
    assert not marker.exists()

    manifest["root"]["items"] = [{"kind": "pickle", "data": "gASV"}]
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("ember.json", json.dumps(manifest))
    with pytest.raises(CheckpointError, match="unknown entry kind 'pickle'"):
        ember.load(path)


# --- damaged and foreign files -------------------------------------------------------------------


@pytest.fixture
def good_checkpoint(tmp_path):
    path = tmp_path / "good.pt"
    ember.save({"w": ember.randn(64, 64), "step": 3}, path)
    return path


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.02])
def test_a_truncated_checkpoint_gives_a_clear_error(good_checkpoint, keep):
    data = good_checkpoint.read_bytes()
    good_checkpoint.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(CheckpointError, match=r"good\.pt .*(truncated|not a ZIP)"):
        ember.load(good_checkpoint)


def test_corrupted_tensor_data_fails_its_checksum(good_checkpoint):
    data = bytearray(good_checkpoint.read_bytes())
    data[400] ^= 0xFF
    good_checkpoint.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="truncated or corrupt"):
        ember.load(good_checkpoint)


def test_foreign_files_are_named_in_the_error(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(CheckpointError, match=r"notes\.txt is not an ember checkpoint"):
        ember.load(text)
    empty = tmp_path / "empty.pt"
    empty.write_bytes(b"")
    with pytest.raises(CheckpointError, match="not an ember checkpoint"):
        ember.load(empty)
    other_zip = tmp_path / "other.zip"
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("readme.md", "hi")
    with pytest.raises(CheckpointError, match="ZIP archive but not an ember checkpoint"):
        ember.load(other_zip)


def test_a_newer_version_asks_to_upgrade(tmp_path):
    path = tmp_path / "future.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("ember.json", json.dumps({"format": "ember-checkpoint", "version": 99, "root": None}))
    with pytest.raises(CheckpointError, match="version 99.*upgrade"):
        ember.load(path)


# --- atomic saves --------------------------------------------------------------------------------


def test_an_unsupported_object_fails_before_writing_and_keeps_the_old_file(good_checkpoint):
    before = good_checkpoint.read_bytes()
    with pytest.raises(TypeError, match=r"cannot store a .*function.*\['hooks'\]\[1\]"):
        ember.save({"w": ember.ones(2), "hooks": [None, print]}, good_checkpoint)
    assert good_checkpoint.read_bytes() == before
    assert leftovers(good_checkpoint.parent) == []


def test_a_failure_in_the_middle_of_writing_keeps_the_old_file(good_checkpoint, monkeypatch):
    before = good_checkpoint.read_bytes()
    real_write = np.lib.format.write_array
    calls = []

    def fail_on_second_array(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_write(*args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", fail_on_second_array)
    with pytest.raises(OSError, match="disk full"):
        ember.save([ember.randn(100), ember.randn(100), ember.randn(100)], good_checkpoint)
    assert len(calls) == 2
    assert good_checkpoint.read_bytes() == before
    assert leftovers(good_checkpoint.parent) == []
    assert ember.load(good_checkpoint)["step"] == 3


def test_a_failed_rename_keeps_the_old_file_and_removes_the_temporary(good_checkpoint, monkeypatch):
    before = good_checkpoint.read_bytes()

    def interrupted(source, target):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        ember.save({"w": ember.zeros(3)}, good_checkpoint)
    assert good_checkpoint.read_bytes() == before
    assert leftovers(good_checkpoint.parent) == []


def test_saving_into_a_missing_folder_says_so(tmp_path):
    with pytest.raises(RuntimeError, match=r"the folder .*nope' does not exist"):
        ember.save(ember.ones(1), tmp_path / "nope" / "w.pt")


def test_saved_checkpoints_are_independent_of_later_changes():
    w = ember.ones(3)
    buffer = io.BytesIO()
    ember.save(w, buffer)
    w.add_(1)
    buffer.seek(0)
    assert ember.load(buffer).tolist() == [1.0, 1.0, 1.0]
    assert copy.deepcopy(w).tolist() == [2.0, 2.0, 2.0]
