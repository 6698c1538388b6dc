"""Each layer against PyTorch: forward values, input and parameter gradients, buffers, from torch's initial weights."""

import ember
import numpy as np
import pytest
from ember import nn as enn

torch = pytest.importorskip("torch")
tnn = torch.nn

rng = np.random.default_rng(2024)


def to_ember_state(torch_module) -> dict:
    return {k: ember.tensor(v.detach().numpy().copy()) for k, v in torch_module.state_dict().items()}


def build(spec):
    """The same layer in both frameworks: spec is (class name, args, kwargs)."""
    name, args, kwargs = spec
    torch_layer = getattr(tnn, name)(*args, **{k: v for k, v in kwargs.items()})
    ember_kwargs = {k: (ember.tensor(v.numpy()) if isinstance(v, torch.Tensor) else v) for k, v in kwargs.items()}
    ember_layer = getattr(enn, name)(*args, **ember_kwargs)
    ember_layer.load_state_dict(to_ember_state(torch_layer))
    return torch_layer, ember_layer


def assert_same(ember_tensor, torch_tensor, tol=1e-5):
    assert ember_tensor is not None and torch_tensor is not None
    np.testing.assert_allclose(ember_tensor.detach().numpy(), torch_tensor.detach().numpy(), rtol=tol, atol=tol)


LAYERS = {
    "Linear": (("Linear", (5, 4), {}), [(3, 5)]),
    "Linear-nobias-3d": (("Linear", (5, 4), {"bias": False}), [(2, 3, 5)]),
    "Linear-1d": (("Linear", (5, 2), {}), [(5,)]),
    "Bilinear": (("Bilinear", (3, 4, 2), {}), [(5, 3), (5, 4)]),
    "Identity": (("Identity", (), {}), [(2, 3)]),
    "Flatten": (("Flatten", (), {}), [(2, 3, 4)]),
    "Unflatten": (("Unflatten", (1, (2, 3)), {}), [(4, 6)]),
    "Conv1d": (("Conv1d", (3, 4, 3), {"stride": 2, "padding": 1}), [(2, 3, 9)]),
    "Conv1d-same-dilated": (("Conv1d", (2, 4, 4), {"padding": "same", "dilation": 2, "groups": 2}), [(2, 2, 9)]),
    "Conv2d": (("Conv2d", (3, 6, 3), {"padding": 1}), [(2, 3, 8, 8)]),
    "Conv2d-stride-dilation-groups": (
        ("Conv2d", (4, 6, (3, 2)), {"stride": (2, 1), "padding": (2, 1), "dilation": (1, 2), "groups": 2}),
        [(2, 4, 9, 7)],
    ),
    "Conv2d-valid-nobias": (("Conv2d", (2, 3, 2), {"padding": "valid", "bias": False}), [(1, 2, 5, 4)]),
    "Conv2d-same-even": (("Conv2d", (2, 2, 4), {"padding": "same"}), [(1, 2, 6, 5)]),
    "Conv2d-replicate": (("Conv2d", (2, 2, 3), {"padding": 1, "padding_mode": "replicate"}), [(1, 2, 5, 5)]),
    "Conv2d-unbatched": (("Conv2d", (2, 3, 3), {}), [(2, 5, 5)]),
    "MaxPool2d": (("MaxPool2d", (2,), {}), [(2, 3, 8, 8)]),
    "MaxPool2d-overlap-pad": (("MaxPool2d", (3, 2, 1), {}), [(2, 3, 7, 9)]),
    "MaxPool2d-ceil-dilation": (("MaxPool2d", (2, 2, 0, 2), {"ceil_mode": True}), [(1, 2, 8, 7)]),
    "MaxPool1d": (("MaxPool1d", (3, 2), {}), [(2, 3, 10)]),
    "AvgPool2d": (("AvgPool2d", (2,), {}), [(2, 3, 8, 8)]),
    "AvgPool2d-pad-ceil": (("AvgPool2d", (3, 2, 1), {"ceil_mode": True}), [(1, 2, 8, 7)]),
    "AvgPool2d-exclude-pad": (("AvgPool2d", (3, 2, 1), {"count_include_pad": False}), [(1, 2, 7, 7)]),
    "AvgPool2d-divisor": (("AvgPool2d", (2,), {"divisor_override": 3}), [(1, 2, 4, 4)]),
    "AvgPool1d": (("AvgPool1d", (3, 2, 1), {}), [(2, 3, 10)]),
    "AdaptiveAvgPool2d": (("AdaptiveAvgPool2d", ((3, 2),), {}), [(2, 3, 7, 5)]),
    "AdaptiveAvgPool2d-1": (("AdaptiveAvgPool2d", (1,), {}), [(2, 3, 7, 5)]),
    "BatchNorm1d": (("BatchNorm1d", (4,), {}), [(6, 4)]),
    "BatchNorm1d-3d": (("BatchNorm1d", (3,), {"momentum": 0.3}), [(4, 3, 5)]),
    "BatchNorm2d": (("BatchNorm2d", (3,), {}), [(4, 3, 5, 5)]),
    "SyncBatchNorm-one-process": (("SyncBatchNorm", (3,), {"momentum": 0.3}), [(4, 3, 5)]),
    "BatchNorm2d-noaffine": (("BatchNorm2d", (3,), {"affine": False, "momentum": None}), [(4, 3, 2, 2)]),
    "LayerNorm": (("LayerNorm", (6,), {}), [(3, 6)]),
    "LayerNorm-2d": (("LayerNorm", ((3, 4),), {"eps": 1e-3}), [(2, 3, 4)]),
    "GroupNorm": (("GroupNorm", (2, 4), {}), [(3, 4, 5)]),
    "Embedding": (("Embedding", (10, 3), {"padding_idx": 2}), "indices"),
    "ReLU": (("ReLU", (), {}), [(4, 5)]),
    "ReLU6": (("ReLU6", (), {}), [(4, 5)]),
    "LeakyReLU": (("LeakyReLU", (0.2,), {}), [(4, 5)]),
    "ELU": (("ELU", (0.5,), {}), [(4, 5)]),
    "SELU": (("SELU", (), {}), [(4, 5)]),
    "GELU": (("GELU", (), {}), [(4, 5)]),
    "GELU-tanh": (("GELU", (), {"approximate": "tanh"}), [(4, 5)]),
    "SiLU": (("SiLU", (), {}), [(4, 5)]),
    "Mish": (("Mish", (), {}), [(4, 5)]),
    "Sigmoid": (("Sigmoid", (), {}), [(4, 5)]),
    "Tanh": (("Tanh", (), {}), [(4, 5)]),
    "Hardtanh": (("Hardtanh", (-0.5, 0.5), {}), [(4, 5)]),
    "Hardswish": (("Hardswish", (), {}), [(4, 5)]),
    "Hardsigmoid": (("Hardsigmoid", (), {}), [(4, 5)]),
    "LogSigmoid": (("LogSigmoid", (), {}), [(4, 5)]),
    "Softsign": (("Softsign", (), {}), [(4, 5)]),
    "Tanhshrink": (("Tanhshrink", (), {}), [(4, 5)]),
    "Softplus": (("Softplus", (), {"beta": 2.0, "threshold": 3.0}), [(4, 5)]),
    "Softmax": (("Softmax", (), {"dim": 1}), [(4, 5)]),
    "Softmin": (("Softmin", (), {"dim": 0}), [(4, 5)]),
    "LogSoftmax": (("LogSoftmax", (), {"dim": -1}), [(2, 4, 5)]),
}


def inputs_for(shapes, scale: float = 3.0):
    if shapes == "indices":
        indices = np.array([[1, 2, 9], [2, 0, 0]])
        return [torch.tensor(indices)], [ember.tensor(indices)]
    arrays = [(rng.standard_normal(shape) * scale).astype(np.float32) for shape in shapes]
    return (
        [torch.tensor(a, requires_grad=True) for a in arrays],
        [ember.tensor(a, requires_grad=True) for a in arrays],
    )


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@pytest.mark.parametrize("name", LAYERS)
def test_layer_matches_pytorch(name):
    spec, shapes = LAYERS[name]
    torch_layer, ember_layer = build(spec)
    torch_inputs, ember_inputs = inputs_for(shapes)
    torch_out = torch_layer(*torch_inputs)
    ember_out = ember_layer(*ember_inputs)
    assert ember_out.shape == tuple(torch_out.shape)
    assert ember_out.dtype.name == str(torch_out.dtype).removeprefix("torch.")
    assert_same(ember_out, torch_out)
    upstream = rng.standard_normal(tuple(torch_out.shape)).astype(np.float32)
    torch_out.backward(torch.tensor(upstream))
    ember_out.backward(ember.tensor(upstream))
    for t_in, e_in in zip(torch_inputs, ember_inputs):
        if t_in.requires_grad:
            assert_same(e_in.grad, t_in.grad, 1e-4)
    torch_params = dict(torch_layer.named_parameters())
    ember_params = dict(ember_layer.named_parameters())
    assert list(ember_params) == list(torch_params)
    for key, param in torch_params.items():
        assert_same(ember_params[key].grad, param.grad, 1e-4)
    torch_state = torch_layer.state_dict()
    ember_state = ember_layer.state_dict()
    assert list(ember_state) == list(torch_state)
    for key, value in torch_state.items():
        assert_same(ember_state[key], value)


# Layers that ember builds from other ops, so their grad_fn is the last of those ops.
COMPOSITES = {"MaxPool1d", "AvgPool1d", "GroupNorm", "SELU", "Mish", "Hardswish", "Hardsigmoid"}
COMPOSITES.add("LogSigmoid")


def test_grad_fn_names_match_pytorch():
    for name, (spec, shapes) in LAYERS.items():
        torch_layer, ember_layer = build(spec)
        torch_inputs, ember_inputs = inputs_for(shapes)
        torch_name = type(torch_layer(*torch_inputs).grad_fn).__name__
        ember_name = type(ember_layer(*ember_inputs).grad_fn).__name__
        assert (ember_name == torch_name) != (name in COMPOSITES), (name, ember_name, torch_name)


@pytest.mark.parametrize("name", ["BatchNorm2d", "BatchNorm1d-3d", "Conv2d", "LayerNorm"])
def test_eval_mode_and_several_steps_match(name):
    spec, shapes = LAYERS[name]
    torch_layer, ember_layer = build(spec)
    for _ in range(3):
        torch_inputs, ember_inputs = inputs_for(shapes)
        assert_same(ember_layer(*ember_inputs), torch_layer(*torch_inputs))
    torch_layer.eval()
    ember_layer.eval()
    torch_inputs, ember_inputs = inputs_for(shapes)
    torch_out, ember_out = torch_layer(*torch_inputs), ember_layer(*ember_inputs)
    assert_same(ember_out, torch_out)
    torch_out.sum().backward()
    ember_out.sum().backward()
    assert_same(ember_inputs[0].grad, torch_inputs[0].grad, 1e-4)
    for key, value in torch_layer.state_dict().items():
        assert_same(ember_layer.state_dict()[key], value)


def test_dropout_statistics_and_eval_identity_match():
    torch_layer, ember_layer = tnn.Dropout(0.3), enn.Dropout(0.3)
    x = np.ones((100, 100), dtype=np.float32)
    torch_out = torch_layer(torch.tensor(x)).numpy()
    ember_out = ember_layer(ember.tensor(x)).numpy()
    assert set(np.unique(ember_out)) == set(np.unique(torch_out))
    assert abs((ember_out == 0).mean() - (torch_out == 0).mean()) < 0.03
    torch_layer.eval()
    ember_layer.eval()
    np.testing.assert_array_equal(ember_layer(ember.tensor(x)).numpy(), torch_layer(torch.tensor(x)).numpy())


def test_mlp_and_cnn_train_like_pytorch_for_a_few_steps():
    """Whole models from the same weights, trained with plain gradient steps, stay together."""

    def models(framework):
        nn = framework.nn
        return nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(4, 8, 3, padding=1),
            nn.BatchNorm2d(8),
            nn.ReLU(),
            nn.AvgPool2d(2),
            nn.Flatten(),
            nn.Linear(8 * 2 * 2, 16),
            nn.Tanh(),
            nn.Linear(16, 3),
        )

    torch_model = models(torch)
    ember_model = models(ember)
    ember_model.load_state_dict(to_ember_state(torch_model))
    x = rng.standard_normal((6, 1, 8, 8)).astype(np.float32)
    labels = rng.integers(0, 3, 6)
    for _ in range(5):
        torch_loss = tnn.functional.cross_entropy(torch_model(torch.tensor(x)), torch.tensor(labels))
        ember_loss = enn.functional.cross_entropy(ember_model(ember.tensor(x)), ember.tensor(labels))
        assert ember_loss.item() == pytest.approx(torch_loss.item(), rel=1e-4)
        torch_model.zero_grad()
        ember_model.zero_grad()
        torch_loss.backward()
        ember_loss.backward()
        with torch.no_grad():
            for p in torch_model.parameters():
                p -= 0.1 * p.grad
        with ember.no_grad():
            for p in ember_model.parameters():
                p -= 0.1 * p.grad
    for key, value in torch_model.state_dict().items():
        assert_same(ember_model.state_dict()[key], value, 1e-4)
