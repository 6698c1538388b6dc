"""Float64 finite-difference checks of every layer's and loss's gradients (and second derivatives of the fused ops)."""

import ember
import ember.nn.functional as F
import numpy as np
import pytest
from ember import nn
from ember.autograd import gradcheck, gradgradcheck

rng = np.random.default_rng(11)


def leaf(*shape, low=None, high=None):
    data = rng.standard_normal(shape) if low is None else rng.uniform(low, high, shape)
    return ember.tensor(data, dtype=ember.float64, requires_grad=True)


def check_layer(layer: nn.Module, *inputs) -> None:
    """First and second derivatives with respect to the inputs and to every parameter of the layer."""
    layer.double()
    params = tuple(layer.parameters())
    function = lambda *args: layer(*args[: len(inputs)])  # noqa: E731
    assert gradcheck(function, inputs + params)
    assert gradgradcheck(function, inputs + params)


LAYERS = {
    "Linear": lambda: (nn.Linear(3, 2), leaf(4, 3)),
    "Linear-3d": lambda: (nn.Linear(3, 2, bias=False), leaf(2, 2, 3)),
    "Bilinear": lambda: (nn.Bilinear(2, 3, 2), leaf(3, 2), leaf(3, 3)),
    "Conv1d": lambda: (nn.Conv1d(2, 2, 3, stride=2, padding=1), leaf(2, 2, 6)),
    "Conv2d": lambda: (nn.Conv2d(2, 2, 3, padding=1), leaf(1, 2, 4, 4)),
    "Conv2d-strided-dilated-groups": lambda: (
        nn.Conv2d(2, 4, 2, stride=2, dilation=2, padding=1, groups=2),
        leaf(1, 2, 5, 5),
    ),
    "Conv2d-reflect": lambda: (nn.Conv2d(1, 1, 3, padding=1, padding_mode="reflect"), leaf(1, 1, 4, 4)),
    "MaxPool2d": lambda: (nn.MaxPool2d(2), leaf(1, 2, 4, 4)),
    "MaxPool2d-overlap": lambda: (nn.MaxPool2d(3, stride=1, padding=1), leaf(1, 1, 4, 4)),
    "MaxPool1d": lambda: (nn.MaxPool1d(2), leaf(2, 2, 6)),
    "AvgPool2d": lambda: (nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), leaf(1, 2, 5, 5)),
    "AvgPool1d": lambda: (nn.AvgPool1d(3, stride=1), leaf(1, 2, 6)),
    "AdaptiveAvgPool2d": lambda: (nn.AdaptiveAvgPool2d((2, 3)), leaf(1, 2, 5, 4)),
    "BatchNorm1d": lambda: (nn.BatchNorm1d(3), leaf(4, 3)),
    "BatchNorm2d": lambda: (nn.BatchNorm2d(2), leaf(2, 2, 2, 2)),
    "BatchNorm2d-eval": lambda: (nn.BatchNorm2d(2).eval(), leaf(2, 2, 2, 2)),
    "LayerNorm": lambda: (nn.LayerNorm((2, 3)), leaf(3, 2, 3)),
    "GroupNorm": lambda: (nn.GroupNorm(2, 4), leaf(2, 4, 2)),
    "Embedding": lambda: (nn.Embedding(5, 3), ember.tensor([[0, 1], [3, 3]])),
    "Flatten": lambda: (nn.Flatten(), leaf(2, 2, 3)),
    "Unflatten": lambda: (nn.Unflatten(1, (2, 2)), leaf(2, 4)),
    "Identity": lambda: (nn.Identity(), leaf(3)),
    "ReLU": lambda: (nn.ReLU(), leaf(3, 4)),
    "LeakyReLU": lambda: (nn.LeakyReLU(0.1), leaf(3, 4)),
    "ELU": lambda: (nn.ELU(0.7), leaf(3, 4)),
    "GELU": lambda: (nn.GELU(), leaf(3, 4)),
    "GELU-tanh": lambda: (nn.GELU("tanh"), leaf(3, 4)),
    "SiLU": lambda: (nn.SiLU(), leaf(3, 4)),
    "Sigmoid": lambda: (nn.Sigmoid(), leaf(3, 4)),
    "Tanh": lambda: (nn.Tanh(), leaf(3, 4)),
    "Softmax": lambda: (nn.Softmax(dim=1), leaf(3, 4)),
    "LogSoftmax": lambda: (nn.LogSoftmax(dim=0), leaf(3, 4)),
    "Softplus": lambda: (nn.Softplus(beta=2.0, threshold=1.5), leaf(3, 4)),
    "Mish": lambda: (nn.Mish(), leaf(3, 4)),
    "SELU": lambda: (nn.SELU(), leaf(3, 4)),
    "Hardtanh": lambda: (nn.Hardtanh(-0.5, 0.5), leaf(3, 4)),
    "ReLU6": lambda: (nn.ReLU6(), leaf(3, 4) * 4),
    "Hardswish": lambda: (nn.Hardswish(), leaf(3, 4)),
    "Hardsigmoid": lambda: (nn.Hardsigmoid(), leaf(3, 4)),
    "LogSigmoid": lambda: (nn.LogSigmoid(), leaf(3, 4)),
    "Softsign": lambda: (nn.Softsign(), leaf(3, 4)),
    "Tanhshrink": lambda: (nn.Tanhshrink(), leaf(3, 4)),
    "Softmin": lambda: (nn.Softmin(dim=1), leaf(3, 4)),
    "Dropout-eval": lambda: (nn.Dropout().eval(), leaf(3, 4)),
}


@pytest.mark.parametrize("name", LAYERS)
def test_layer_gradients(name):
    layer, *inputs = LAYERS[name]()
    check_layer(layer, *inputs)


def test_dropout_gradient_with_a_fixed_mask():
    layer = nn.Dropout(0.4)

    def run(x):
        ember.manual_seed(0)
        return layer(x)

    assert gradcheck(run, (leaf(4, 5),))


def test_pad_gradients():
    x = leaf(1, 2, 3, 4)
    for mode in ("constant", "reflect", "replicate", "circular"):
        assert gradcheck(lambda t, m=mode: F.pad(t, (1, 2, 2, 1), mode=m), (x,))
    assert gradcheck(lambda t: F.pad(t, (-1, 1)), (x,))


LOSSES = {
    "MSELoss": lambda r: (nn.MSELoss(reduction=r), leaf(3, 2), leaf(3, 2)),
    "L1Loss": lambda r: (nn.L1Loss(reduction=r), leaf(3, 2), leaf(3, 2)),
    "SmoothL1Loss": lambda r: (nn.SmoothL1Loss(reduction=r, beta=0.5), leaf(3, 2), leaf(3, 2)),
    "HuberLoss": lambda r: (nn.HuberLoss(reduction=r, delta=0.6), leaf(3, 2), leaf(3, 2)),
    "CrossEntropyLoss": lambda r: (nn.CrossEntropyLoss(reduction=r), leaf(4, 3), ember.tensor([0, 2, 1, 2])),
    "CrossEntropyLoss-weighted-ignore": lambda r: (
        nn.CrossEntropyLoss(weight=ember.tensor([0.3, 1.0, 2.0], dtype=ember.float64), ignore_index=1, reduction=r),
        leaf(4, 3),
        ember.tensor([0, 1, 2, 2]),
    ),
    "CrossEntropyLoss-smoothing": lambda r: (
        nn.CrossEntropyLoss(reduction=r, label_smoothing=0.2),
        leaf(4, 3),
        ember.tensor([0, 2, 1, 1]),
    ),
    "CrossEntropyLoss-probabilities": lambda r: (
        nn.CrossEntropyLoss(reduction=r),
        leaf(3, 4),
        leaf(3, 4, low=0.0, high=1.0),
    ),
    "CrossEntropyLoss-spatial": lambda r: (
        nn.CrossEntropyLoss(reduction=r),
        leaf(2, 3, 2),
        ember.tensor([[0, 2], [1, 1]]),
    ),
    "NLLLoss": lambda r: (nn.NLLLoss(reduction=r), leaf(4, 3), ember.tensor([2, 0, 1, 1])),
    "BCELoss": lambda r: (
        nn.BCELoss(weight=ember.tensor([1.0, 2.0], dtype=ember.float64), reduction=r),
        leaf(3, 2, low=0.1, high=0.9),
        leaf(3, 2, low=0.0, high=1.0),
    ),
    "BCEWithLogitsLoss": lambda r: (nn.BCEWithLogitsLoss(reduction=r), leaf(3, 2), leaf(3, 2, low=0.0, high=1.0)),
    "BCEWithLogitsLoss-pos_weight": lambda r: (
        nn.BCEWithLogitsLoss(pos_weight=ember.tensor([0.5, 3.0], dtype=ember.float64), reduction=r),
        leaf(3, 2),
        leaf(3, 2, low=0.0, high=1.0),
    ),
    "KLDivLoss": lambda r: (nn.KLDivLoss(reduction=r), leaf(3, 2), leaf(3, 2, low=0.1, high=1.0)),
    "KLDivLoss-log_target": lambda r: (nn.KLDivLoss(reduction=r, log_target=True), leaf(3, 2), leaf(3, 2)),
}


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", LOSSES)
def test_loss_gradients(name, reduction):
    loss, input, target = LOSSES[name](reduction)
    assert gradcheck(loss, (input, target))
    assert gradgradcheck(loss, (input, target))


def test_kl_div_batchmean_gradient():
    assert gradcheck(lambda a, b: F.kl_div(a, b, reduction="batchmean"), (leaf(3, 2), leaf(3, 2, low=0.1, high=1.0)))


SECOND_ORDER = {
    "conv2d": lambda: (
        lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1),
        leaf(1, 2, 4, 4),
        leaf(2, 2, 2, 2),
        leaf(2),
    ),
    "conv1d-groups": lambda: (lambda x, w: F.conv1d(x, w, groups=2, dilation=2), leaf(1, 2, 6), leaf(2, 1, 2)),
    "max_pool2d": lambda: (lambda x: F.max_pool2d(x, 2, 1), leaf(1, 1, 3, 3)),
    "avg_pool2d": lambda: (lambda x: F.avg_pool2d(x, 2, 1, 1), leaf(1, 1, 3, 3)),
    "adaptive_avg_pool2d": lambda: (lambda x: F.adaptive_avg_pool2d(x, 2), leaf(1, 1, 3, 3)),
    "batch_norm": lambda: (lambda x, w, b: F.batch_norm(x, None, None, w, b, True), leaf(3, 2), leaf(2), leaf(2)),
    "layer_norm": lambda: (lambda x, w, b: F.layer_norm(x, (3,), w, b), leaf(2, 3), leaf(3), leaf(3)),
    "embedding": lambda: (lambda w: F.embedding(ember.tensor([1, 1, 0]), w), leaf(2, 2)),
    "gelu": lambda: (F.gelu, leaf(5)),
    "gelu-tanh": lambda: (lambda x: F.gelu(x, approximate="tanh"), leaf(5)),
    "elu": lambda: (F.elu, leaf(5)),
    "silu": lambda: (F.silu, leaf(5)),
    "softplus": lambda: (F.softplus, leaf(5)),
    "leaky_relu": lambda: (lambda x: F.leaky_relu(x, 0.3), leaf(5)),
    "mse_loss": lambda: (F.mse_loss, leaf(4), leaf(4)),
    "huber_loss": lambda: (F.huber_loss, leaf(4), leaf(4)),
    "cross_entropy": lambda: (lambda x: F.cross_entropy(x, ember.tensor([1, 0])), leaf(2, 3)),
    "binary_cross_entropy": lambda: (F.binary_cross_entropy, leaf(4, low=0.1, high=0.9), leaf(4, low=0.0, high=1.0)),
    "bce_with_logits": lambda: (
        lambda x, t: F.binary_cross_entropy_with_logits(x, t, pos_weight=ember.tensor(2.0, dtype=ember.float64)),
        leaf(4),
        leaf(4, low=0.0, high=1.0),
    ),
}


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_second_derivatives(name):
    function, *inputs = SECOND_ORDER[name]()
    assert gradgradcheck(function, tuple(inputs))


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@pytest.mark.parametrize(
    "padding",
    [0, 1, 2, (0, 1), "same"],  # stride 1: the input gradient is a convolution with the flipped kernel
)
def test_conv2d_stride_one_gradients(padding):
    kernel = (2, 3) if padding == "same" else 3
    weight = leaf(3, 2, *((kernel, kernel) if isinstance(kernel, int) else kernel))
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, padding=padding), (leaf(2, 2, 5, 4), weight, leaf(3)))
    assert gradcheck(lambda x, w: F.conv1d(x, w, padding=1), (leaf(2, 2, 5), leaf(3, 2, 3)))
