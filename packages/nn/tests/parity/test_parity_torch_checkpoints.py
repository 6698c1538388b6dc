"""PyTorch checkpoints both ways against torch 2.13: a state dict torch saved (ZIP and legacy formats) loads
into the same ember model and gives torch's outputs; ember.save(format="torch") loads in torch with
weights_only=True and gives the same tensors, outputs, sharing and parameters; safetensors both ways."""

import pathlib

import ember
import numpy as np
import pytest
from ember import nn as enn

torch = pytest.importorskip("torch")
safetensors_torch = pytest.importorskip("safetensors.torch")
tnn = torch.nn

FIXTURES = pathlib.Path(__file__).parents[3] / "core" / "tests" / "fixtures" / "checkpoints"
rng = np.random.default_rng(7)


def mlp(nn):
    return nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))


def cnn(nn):
    return nn.Sequential(
        nn.Conv2d(2, 4, kernel_size=3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(4 * 5 * 5, 3),
    )


def embedding(nn):
    return nn.Sequential(nn.Embedding(10, 6), nn.LayerNorm(6), nn.Linear(6, 3))


def lstm(nn):
    class LastStep(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(6, 5, num_layers=2, batch_first=True, bidirectional=True)
            self.head = nn.Linear(10, 3)

        def forward(self, x):
            return self.head(self.lstm(x)[0][:, -1])

    return LastStep()


def transformer(nn):
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, batch_first=True)
    return nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)


def floats(*shape):
    return lambda: rng.standard_normal(shape).astype(np.float32)


MODELS = {
    "mlp": (mlp, floats(4, 6)),
    "cnn": (cnn, floats(3, 2, 5, 5)),
    "embedding": (embedding, lambda: rng.integers(0, 10, (4, 5))),
    "lstm": (lstm, floats(4, 7, 6)),
    "transformer": (transformer, floats(4, 5, 8)),
}


def trained_torch_model(name):
    build, make_input = MODELS[name]
    torch.manual_seed(3)
    model = build(tnn)
    model(torch.tensor(make_input()) * (3 if name == "cnn" else 1))  # BatchNorm's running statistics move
    return model.eval()


def outputs(model, x: np.ndarray, framework):
    with framework.no_grad():
        return model(framework.tensor(x)).numpy()


@pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy"])
@pytest.mark.parametrize("name", list(MODELS))
def test_a_state_dict_torch_saved_gives_torchs_outputs_in_ember(name, legacy, tmp_path):
    model = trained_torch_model(name)
    path = tmp_path / f"{name}.pt"
    torch.save(model.state_dict(), path, _use_new_zipfile_serialization=not legacy)
    ember_model = MODELS[name][0](enn)
    ember_model.load_state_dict(ember.load(path))
    ember_model.eval()
    x = MODELS[name][1]()
    np.testing.assert_allclose(outputs(ember_model, x, ember), outputs(model, x, torch), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", list(MODELS))
def test_an_ember_model_saved_in_torch_format_gives_the_same_outputs_in_torch(name, tmp_path):
    ember.manual_seed(5)
    ember_model = MODELS[name][0](enn)
    ember_model(ember.tensor(MODELS[name][1]()))
    ember_model.eval()
    path = tmp_path / f"{name}.pt"
    ember.save(ember_model.state_dict(), path, format="torch")
    state = torch.load(path, weights_only=True)
    for key, value in ember_model.state_dict().items():
        assert str(state[key].dtype) == f"torch.{value.dtype.name}"
        np.testing.assert_array_equal(state[key].numpy(), value.numpy())
    model = MODELS[name][0](tnn)
    model.load_state_dict(state)
    model.eval()
    x = MODELS[name][1]()
    np.testing.assert_allclose(outputs(model, x, torch), outputs(ember_model, x, ember), rtol=1e-5, atol=1e-6)


DTYPES = ["float16", "float32", "float64", "int64", "bool"]


def values(dtype: str) -> np.ndarray:
    return (rng.standard_normal((3, 4)) * 50).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_dtype_is_identical_after_ember_to_torch(dtype, tmp_path):
    array = values(dtype)
    t = ember.tensor(array)
    ember.save({"t": t, "t_T": t.t()}, tmp_path / "e.pt", format="torch")
    loaded = torch.load(tmp_path / "e.pt", weights_only=True)
    assert loaded["t"].dtype == getattr(torch, dtype)
    np.testing.assert_array_equal(loaded["t"].numpy(), array)
    np.testing.assert_array_equal(loaded["t_T"].numpy(), array.T)
    assert loaded["t_T"].untyped_storage().data_ptr() == loaded["t"].untyped_storage().data_ptr()


@pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_every_dtype_is_identical_after_torch_to_ember(dtype, legacy, tmp_path):
    array = values(dtype)
    base = torch.tensor(array)
    torch.save({"t": base, "col": base[:, 1]}, tmp_path / "t.pt", _use_new_zipfile_serialization=not legacy)
    loaded = ember.load(tmp_path / "t.pt")
    assert loaded["t"].dtype.name == dtype
    np.testing.assert_array_equal(loaded["t"].numpy(), array)
    np.testing.assert_array_equal(loaded["col"].numpy(), array[:, 1])
    assert np.shares_memory(loaded["col"].numpy(), loaded["t"].numpy())


def test_sharing_tied_weights_and_parameters_survive_ember_to_torch(tmp_path):
    base = ember.arange(12.0)
    weight = enn.Parameter(ember.randn(2, 3))
    obj = {"base": base, "rows": base.view(3, 4)[1:], "w": weight, "tied": weight, "size": ember.Size([2, 3])}
    ember.save(obj, tmp_path / "e.pt", format="torch")
    loaded = torch.load(tmp_path / "e.pt", weights_only=True)
    loaded["base"][5] = -1.0
    assert loaded["rows"][0, 1].item() == -1.0
    assert isinstance(loaded["w"], tnn.Parameter) and loaded["w"].requires_grad and loaded["tied"] is loaded["w"]
    assert loaded["size"] == torch.Size([2, 3])


@pytest.mark.parametrize(
    "name", ["malicious-os-system.pt", "malicious-posix-system.pt", "malicious-legacy-os-system.pt"]
)
def test_what_ember_refuses_torch_refuses_with_weights_only(name):
    with pytest.raises(Exception, match="system"):
        torch.load(FIXTURES / name, weights_only=True)


def test_safetensors_both_ways(tmp_path):
    state = {"w": ember.randn(3, 2), "h": ember.ones(4, dtype=ember.float16), "n": ember.arange(3)}
    ember.save(state, tmp_path / "e.safetensors")
    from_ember = safetensors_torch.load_file(str(tmp_path / "e.safetensors"))
    for key, value in state.items():
        np.testing.assert_array_equal(from_ember[key].numpy(), value.numpy())
    safetensors_torch.save_file(
        {"a": torch.arange(5.0), "b": torch.ones(2, dtype=torch.bool)}, str(tmp_path / "t.safetensors")
    )
    from_torch = ember.load(tmp_path / "t.safetensors")
    np.testing.assert_array_equal(from_torch["a"].numpy(), np.arange(5.0, dtype=np.float32))
    assert from_torch["b"].dtype is ember.bool
