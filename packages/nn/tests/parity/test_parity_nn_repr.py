"""print(model), Parameter reprs, state_dict keys and load errors: the same text as PyTorch (ember. for torch.)."""

from collections import OrderedDict

import ember
import pytest

torch = pytest.importorskip("torch")


def both(build):
    """build(framework) for ember and for torch."""
    return build(ember), build(torch)


def same_text(ember_text: str, torch_text: str) -> None:
    assert ember_text == torch_text.replace("torch.", "ember.")


LAYER_BUILDERS = {
    "Linear": lambda m: m.nn.Linear(4, 5),
    "Linear-nobias": lambda m: m.nn.Linear(4, 5, bias=False),
    "Bilinear": lambda m: m.nn.Bilinear(2, 3, 4),
    "Identity": lambda m: m.nn.Identity(),
    "Flatten": lambda m: m.nn.Flatten(0, 2),
    "Unflatten": lambda m: m.nn.Unflatten(1, (2, 5)),
    "Dropout": lambda m: m.nn.Dropout(0.25, inplace=True),
    "Dropout2d": lambda m: m.nn.Dropout2d(),
    "Embedding": lambda m: m.nn.Embedding(10, 3, padding_idx=-1, max_norm=2.0, norm_type=1.0),
    "Embedding-plain": lambda m: m.nn.Embedding(10, 3),
    "Conv1d": lambda m: m.nn.Conv1d(2, 4, 3, stride=2, padding=1, dilation=2, groups=2, bias=False),
    "Conv2d": lambda m: m.nn.Conv2d(1, 6, 5),
    "Conv2d-same": lambda m: m.nn.Conv2d(3, 3, (3, 5), padding="same", padding_mode="reflect"),
    "Conv2d-valid": lambda m: m.nn.Conv2d(3, 3, 3, padding="valid"),
    "MaxPool2d": lambda m: m.nn.MaxPool2d(2, 2),
    "MaxPool2d-full": lambda m: m.nn.MaxPool2d((3, 2), stride=1, padding=1, dilation=2, ceil_mode=True),
    "MaxPool1d": lambda m: m.nn.MaxPool1d(3),
    "AvgPool2d": lambda m: m.nn.AvgPool2d(3, stride=2, padding=1),
    "AvgPool1d": lambda m: m.nn.AvgPool1d(4),
    "AdaptiveAvgPool2d": lambda m: m.nn.AdaptiveAvgPool2d((5, None)),
    "BatchNorm1d": lambda m: m.nn.BatchNorm1d(10, momentum=None, affine=False),
    "BatchNorm2d": lambda m: m.nn.BatchNorm2d(16),
    "SyncBatchNorm": lambda m: m.nn.SyncBatchNorm(8, momentum=0.2, affine=False),
    "LayerNorm": lambda m: m.nn.LayerNorm([4, 5], eps=1e-6, elementwise_affine=False),
    "GroupNorm": lambda m: m.nn.GroupNorm(2, 6),
    "GroupNorm-nobias": lambda m: m.nn.GroupNorm(2, 6, bias=False),
    "BatchNorm2d-nobias": lambda m: m.nn.BatchNorm2d(3, bias=False),
    "LayerNorm-nobias": lambda m: m.nn.LayerNorm(3, bias=False),
    "ReLU": lambda m: m.nn.ReLU(),
    "ReLU-inplace": lambda m: m.nn.ReLU(inplace=True),
    "ReLU6": lambda m: m.nn.ReLU6(True),
    "LeakyReLU": lambda m: m.nn.LeakyReLU(0.2, True),
    "ELU": lambda m: m.nn.ELU(),
    "SELU": lambda m: m.nn.SELU(),
    "GELU": lambda m: m.nn.GELU(approximate="tanh"),
    "SiLU": lambda m: m.nn.SiLU(inplace=True),
    "Mish": lambda m: m.nn.Mish(),
    "Sigmoid": lambda m: m.nn.Sigmoid(),
    "Tanh": lambda m: m.nn.Tanh(),
    "Hardtanh": lambda m: m.nn.Hardtanh(-2.0, 2.0),
    "Hardswish": lambda m: m.nn.Hardswish(),
    "LogSigmoid": lambda m: m.nn.LogSigmoid(),
    "Softmax": lambda m: m.nn.Softmax(dim=1),
    "Softmax-nodim": lambda m: m.nn.Softmax(),
    "LogSoftmax": lambda m: m.nn.LogSoftmax(-1),
    "Softmin": lambda m: m.nn.Softmin(0),
    "Softplus": lambda m: m.nn.Softplus(beta=2, threshold=10),
    "MSELoss": lambda m: m.nn.MSELoss(),
    "CrossEntropyLoss": lambda m: m.nn.CrossEntropyLoss(label_smoothing=0.1),
    "BCEWithLogitsLoss": lambda m: m.nn.BCEWithLogitsLoss(pos_weight=m.ones(2)),
}


@pytest.mark.parametrize("name", LAYER_BUILDERS)
def test_layer_repr(name):
    ember_layer, torch_layer = both(LAYER_BUILDERS[name])
    same_text(repr(ember_layer), repr(torch_layer))


def blitz_net(m):
    """The 60-minute blitz's LeNet-style network."""
    nn, F = m.nn, m.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = m.flatten(x, 1)
            return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))

    return Net()


def lecture_mlp(m):
    class Net(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden = m.nn.Linear(4, 5)
            self.out = m.nn.Linear(5, 3)

        def forward(self, x):
            return self.out(m.nn.functional.relu(self.hidden(x)))

    return Net()


def nested(m):
    nn = m.nn
    return nn.Sequential(
        OrderedDict(
            [
                (
                    "features",
                    nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2)),
                ),
                (
                    "blocks",
                    nn.ModuleList([nn.Linear(8, 8) for _ in range(3)] + [nn.Tanh(), nn.Tanh(), nn.Linear(8, 2)]),
                ),
                (
                    "heads",
                    nn.ModuleDict({"cls": nn.Linear(8, 3), "reg": nn.Sequential(nn.Linear(8, 1), nn.Identity())}),
                ),
                ("scales", nn.ParameterList([nn.Parameter(m.ones(2, 3)), nn.Parameter(m.zeros(4))])),
                ("named", nn.ParameterDict({"alpha": nn.Parameter(m.ones(1))})),
                ("empty", nn.ModuleList()),
                ("dropout", nn.Dropout()),
            ]
        )
    )


MODELS = {"blitz": blitz_net, "lecture_mlp": lecture_mlp, "nested": nested}


@pytest.mark.parametrize("name", MODELS)
def test_model_repr_names_and_state_dict_keys(name):
    ember_model, torch_model = both(MODELS[name])
    same_text(repr(ember_model), repr(torch_model))
    same_text(str(ember_model), str(torch_model))
    assert [n for n, _ in ember_model.named_parameters()] == [n for n, _ in torch_model.named_parameters()]
    assert [n for n, _ in ember_model.named_buffers()] == [n for n, _ in torch_model.named_buffers()]
    assert [n for n, _ in ember_model.named_modules()] == [n for n, _ in torch_model.named_modules()]
    assert list(ember_model.state_dict()) == list(torch_model.state_dict())
    assert [p.shape for p in ember_model.parameters()] == [tuple(p.shape) for p in torch_model.parameters()]


def test_parameter_repr():
    same_text(repr(ember.nn.Parameter(ember.ones(2, 2))), repr(torch.nn.Parameter(torch.ones(2, 2))))
    same_text(
        repr(ember.nn.Parameter(ember.zeros(3, dtype=ember.float64), requires_grad=False)),
        repr(torch.nn.Parameter(torch.zeros(3, dtype=torch.float64), requires_grad=False)),
    )


def test_load_state_dict_messages():
    ember_model, torch_model = both(lecture_mlp)

    def missing(state):
        del state["out.bias"]
        return state

    def unexpected(state):
        state["extra"] = state["out.bias"]
        return state

    def resized(state):
        state["hidden.weight"] = state["hidden.weight"][:2]
        return state

    for corrupt in (missing, unexpected, resized):
        with pytest.raises(RuntimeError) as torch_error:
            torch_model.load_state_dict(corrupt(torch_model.state_dict()))
        with pytest.raises(RuntimeError) as ember_error:
            ember_model.load_state_dict(corrupt(ember_model.state_dict()))
        same_text(str(ember_error.value), str(torch_error.value))
    same_text(
        repr(ember_model.load_state_dict(ember_model.state_dict())),
        repr(torch_model.load_state_dict(torch_model.state_dict())),
    )
    state = ember_model.state_dict()
    del state["out.bias"]
    torch_state = torch_model.state_dict()
    del torch_state["out.bias"]
    same_text(
        repr(ember_model.load_state_dict(state, strict=False)),
        repr(torch_model.load_state_dict(torch_state, strict=False)),
    )


def test_assignment_errors_match():
    for framework in (torch, ember):

        class Early(framework.nn.Module):
            def __init__(self):
                self.w = framework.nn.Parameter(framework.ones(1))

        with pytest.raises(AttributeError) as error:
            Early()
        assert str(error.value) == "cannot assign parameters before Module.__init__() call"
    ember_model, torch_model = both(lecture_mlp)
    with pytest.raises(AttributeError) as torch_error:
        torch_model.missing
    with pytest.raises(AttributeError) as ember_error:
        ember_model.missing
    same_text(str(ember_error.value), str(torch_error.value))
    with pytest.raises(AttributeError) as torch_error:
        torch_model.get_submodule("hidden.nothing")
    with pytest.raises(AttributeError) as ember_error:
        ember_model.get_submodule("hidden.nothing")
    same_text(str(ember_error.value), str(torch_error.value))


def test_convert_sync_batchnorm_gives_pytorchs_model():
    e, t = both(
        lambda m: m.nn.SyncBatchNorm.convert_sync_batchnorm(
            m.nn.Sequential(m.nn.Conv2d(1, 3, 1), m.nn.Sequential(m.nn.BatchNorm2d(3, momentum=None)))
        )
    )
    same_text(repr(e), repr(t))
    assert list(e.state_dict()) == list(t.state_dict())


def test_data_parallel_without_cuda_is_pytorchs():
    e, t = both(lambda m: m.nn.DataParallel(m.nn.Sequential(m.nn.Linear(2, 3), m.nn.ReLU())))
    same_text(repr(e), repr(t))
    assert e.device_ids == t.device_ids == []
    assert list(e.state_dict()) == list(t.state_dict())
