"""`.safetensors` files through the safetensors package's NumPy API: chosen by extension or format=,
recognised on load by their header, flat dicts of tensors only, a clear ImportError without the package."""

import io
import os
import sys

import ember
import numpy as np
import pytest
from ember.serialization import CheckpointError

safetensors_numpy = pytest.importorskip("safetensors.numpy")


def state():
    return {
        "weight": ember.randn(3, 4, requires_grad=True),
        "half": ember.ones(2, dtype=ember.float16),
        "double": ember.arange(3, dtype=ember.float64),
        "steps": ember.tensor([7], dtype=ember.int64),
        "mask": ember.tensor([True, False]),
        "small": ember.tensor([-1, 2], dtype=ember.int8),
    }


def assert_same(loaded, saved):
    assert sorted(loaded) == sorted(saved)
    for key, t in saved.items():
        assert loaded[key].dtype is t.dtype and loaded[key].shape == t.shape, key
        np.testing.assert_array_equal(loaded[key].numpy(), t.detach().numpy())


@pytest.mark.needs_dtype("float16")
def test_a_safetensors_path_is_written_and_read_as_safetensors(tmp_path):
    saved = state()
    path = tmp_path / "model.safetensors"
    ember.save(saved, path)
    raw = safetensors_numpy.load_file(str(path))
    assert sorted(raw) == sorted(saved)
    for key, t in saved.items():
        np.testing.assert_array_equal(raw[key], t.detach().numpy())
    assert_same(ember.load(path), saved)
    assert os.listdir(tmp_path) == ["model.safetensors"]  # written through the atomic path writer


@pytest.mark.needs_dtype("float16")
def test_format_chooses_safetensors_and_load_recognises_the_header():
    saved = state()
    buffer = io.BytesIO()
    ember.save(saved, buffer, format="safetensors")
    buffer.seek(0)
    assert_same(ember.load(buffer), saved)


def test_files_written_by_safetensors_load_and_views_are_saved_as_their_values(tmp_path):
    base = ember.arange(12.0).reshape(3, 4)
    path = tmp_path / "weights.bin"
    ember.save({"t": base.t(), "row": base[1]}, path, format="safetensors")
    loaded = ember.load(path)
    np.testing.assert_array_equal(loaded["t"].numpy(), base.numpy().T)
    np.testing.assert_array_equal(loaded["row"].numpy(), [4.0, 5.0, 6.0, 7.0])
    loaded["row"][0] = 1.0  # loaded tensors own writable memory
    other = tmp_path / "other.safetensors"
    safetensors_numpy.save_file({"x": np.arange(4, dtype=np.int32)}, str(other))
    np.testing.assert_array_equal(ember.load(other)["x"].numpy(), [0, 1, 2, 3])


@pytest.mark.parametrize(
    ("obj", "described"),
    [
        ({"a": {"b": ember.ones(1)}}, "a dict whose 'a' is a dict"),
        ({1: ember.ones(1)}, "a dict with the key 1"),
        ([ember.ones(1)], "a list"),
        ({"n": 3}, "a dict whose 'n' is a int"),
    ],
)
def test_only_flat_dicts_of_tensors_are_saved(obj, described):
    with pytest.raises(TypeError, match=f"flat dict from str to Tensor.*not {described}"):
        ember.save(obj, io.BytesIO(), format="safetensors")


@pytest.mark.needs_dtype("float16")
def test_a_damaged_safetensors_file_raises_checkpoint_error_naming_it(tmp_path):
    path = tmp_path / "broken.safetensors"
    ember.save(state(), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 5])
    with pytest.raises(CheckpointError, match=r"broken\.safetensors is not a readable safetensors file"):
        ember.load(path)


def test_without_the_package_the_error_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(ImportError, match="pip install safetensors"):
        ember.save({"a": ember.ones(1)}, tmp_path / "a.safetensors")
    assert os.listdir(tmp_path) == []
    path = tmp_path / "b.safetensors"
    path.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{}              ")
    with pytest.raises(ImportError, match="pip install safetensors"):
        ember.load(path)
