"""The layers, functional ops and Module hooks added for PyTorch breadth, checked against NumPy references."""

import itertools
import math

import ember
import ember.nn.functional as F
import numpy as np
import pytest
from ember import nn

rng = np.random.default_rng(3)


def t(array):
    return ember.tensor(np.asarray(array))


def close(actual, expected, tol=1e-6):
    np.testing.assert_allclose(actual.detach().numpy(), expected, rtol=tol, atol=tol)


X = rng.standard_normal((2, 4, 5))


# --- activations ---------------------------------------------------------------------------------


ACTIVATIONS = {
    "CELU": (nn.CELU(0.5), lambda x: np.maximum(x, 0) + np.minimum(0, 0.5 * np.expm1(x / 0.5))),
    "Threshold": (nn.Threshold(0.2, -3.0), lambda x: np.where(x > 0.2, x, -3.0)),
    "RReLU-eval": (nn.RReLU(0.1, 0.3).eval(), lambda x: np.where(x >= 0, x, 0.2 * x)),
    "Softshrink": (nn.Softshrink(0.4), lambda x: np.where(x > 0.4, x - 0.4, np.where(x < -0.4, x + 0.4, 0))),
    "Hardshrink": (nn.Hardshrink(0.4), lambda x: np.where(np.abs(x) > 0.4, x, 0)),
    "GLU": (nn.GLU(1), lambda x: x[:, :2] / (1 + np.exp(-x[:, 2:]))),
    "PReLU": (nn.PReLU(4, 0.1), lambda x: np.where(x > 0, x, 0.1 * x)),
    "Softmax2d": (nn.Softmax2d(), lambda x: np.exp(x) / np.exp(x).sum(-3, keepdims=True)),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_values(name):
    layer, reference = ACTIVATIONS[name]
    x = X if name != "Softmax2d" else X[None]
    close(layer.double()(t(x)), reference(x))


def test_activation_reprs_and_errors():
    assert repr(nn.PReLU()) == "PReLU(num_parameters=1)"
    assert repr(nn.Threshold(0.1, 20)) == "Threshold(threshold=0.1, value=20)"
    assert repr(nn.Softshrink()) == "Softshrink(0.5)"
    assert repr(nn.RReLU()) == "RReLU(lower=0.125, upper=0.3333333333333333)"
    assert list(nn.PReLU(3).state_dict()) == ["weight"]
    with pytest.raises(RuntimeError, match="Halving dimension must be even"):
        F.glu(t(X), 2)
    with pytest.raises(RuntimeError, match="lambda must be greater or equal to 0"):
        F.softshrink(t(X), -1.0)
    with pytest.raises(ValueError, match="3D or 4D"):
        nn.Softmax2d()(t(X[0]))


def test_rrelu_training_slopes_lie_between_lower_and_upper():
    x = -ember.ones(1000, dtype=ember.float64)
    slopes = -F.rrelu(x, 0.1, 0.3, training=True).numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and slopes.std() > 0.03


def test_inplace_variants_write_into_their_input():
    x = t(X.copy())
    assert F.threshold_(x, 0.0, 5.0) is x
    np.testing.assert_allclose(x.numpy(), np.where(X > 0, X, 5.0))
    y = t(X.copy())
    F.celu_(y)
    np.testing.assert_allclose(y.numpy(), np.where(X > 0, X, np.expm1(X)))


# --- normalisation ---------------------------------------------------------------------------------


def test_instance_norm_normalises_each_sample_and_channel_and_tracks_statistics():
    layer = nn.InstanceNorm1d(4, affine=True, track_running_stats=True).double()
    out = layer(t(X))
    mean, var = X.mean(-1, keepdims=True), X.var(-1, keepdims=True)
    close(out, (X - mean) / np.sqrt(var + 1e-5))
    close(layer.running_mean, 0.1 * X.mean(-1).mean(0))
    close(layer.running_var, 0.9 + 0.1 * X.var(-1, ddof=1).mean(0))
    layer.eval()
    close(layer(t(X)), (X - layer.running_mean.numpy()[:, None]) / np.sqrt(layer.running_var.numpy()[:, None] + 1e-5))
    assert list(layer.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert repr(nn.InstanceNorm2d(3)) == (
        "InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=False)"
    )
    unbatched = nn.InstanceNorm2d(2)(t(X[:, :2]))
    assert unbatched.shape == (2, 2, 5)
    with pytest.raises(ValueError, match="expected 4D or 5D input"):
        nn.InstanceNorm3d(2)(t(X))


def test_batch_norm_3d():
    layer = nn.BatchNorm3d(2).double()
    x = rng.standard_normal((3, 2, 2, 2, 2))
    axes = (0, 2, 3, 4)
    close(layer(t(x)), (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + 1e-5))
    with pytest.raises(ValueError, match="expected 5D input"):
        layer(t(X))


def test_rms_norm_and_local_response_norm():
    x = X
    rms = nn.RMSNorm(5).double()
    close(rms(t(x)), x / np.sqrt((x**2).mean(-1, keepdims=True) + np.finfo(np.float64).eps))
    assert repr(rms) == "RMSNorm((5,), eps=None, elementwise_affine=True)"
    lrn = nn.LocalResponseNorm(3, alpha=0.3, beta=0.6, k=1.5)
    padded = np.pad(x**2, ((0, 0), (1, 1), (0, 0)))
    window = sum(padded[:, i : i + 4] for i in range(3)) / 3
    close(lrn(t(x)), x / (1.5 + 0.3 * window) ** 0.6)
    assert repr(lrn) == "LocalResponseNorm(3, alpha=0.3, beta=0.6, k=1.5)"


# --- padding -------------------------------------------------------------------------------------------

NUMPY_MODES = {"Reflection": "reflect", "Replication": "edge", "Circular": "wrap"}


@pytest.mark.parametrize("kind,dims", list(itertools.product(["Zero", "Constant", *NUMPY_MODES], [1, 2, 3])))
def test_padding_layers_match_numpy_pad(kind, dims):
    x = rng.standard_normal((2, 3) + (4,) * dims)
    padding = tuple(range(1, 2 * dims + 1)) if kind in ("Zero", "Constant") else (1, 2) * dims
    layer_class = getattr(nn, f"{kind}Pad{dims}d")
    layer = layer_class(padding, 2.5) if kind == "Constant" else layer_class(padding)
    widths = [(0, 0), (0, 0)] + [(padding[2 * i], padding[2 * i + 1]) for i in reversed(range(dims))]
    if kind in NUMPY_MODES:
        expected = np.pad(x, widths, mode=NUMPY_MODES[kind])
    else:
        expected = np.pad(x, widths, constant_values=2.5 if kind == "Constant" else 0)
    close(layer(t(x)), expected)


def test_padding_reprs():
    assert repr(nn.ZeroPad2d(1)) == "ZeroPad2d((1, 1, 1, 1))"
    assert repr(nn.ConstantPad1d(2, 3.5)) == "ConstantPad1d(padding=(2, 2), value=3.5)"
    assert repr(nn.ReflectionPad2d((1, 0, 2, 0))) == "ReflectionPad2d((1, 0, 2, 0))"


# --- distances ----------------------------------------------------------------------------------------


def test_distances():
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    close(nn.PairwiseDistance(p=3.0)(t(a), t(b)), (np.abs(a - b + 1e-6) ** 3).sum(-1) ** (1 / 3))
    expected = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    close(nn.CosineSimilarity()(t(a), t(b)), expected)


# --- losses ---------------------------------------------------------------------------------------------

A, B, C = (rng.standard_normal((4, 5)) for _ in range(3))
SIGN = np.array([1.0, -1.0, 1.0, -1.0])
LABELS = np.array([0, 3, 4, 1])


def _cosine(a, b):
    return (a * b).sum(-1) / np.sqrt(((a * a).sum(-1) + 1e-12) * ((b * b).sum(-1) + 1e-12))


def _multi_margin(x, y):
    hinge = np.maximum(0, 1 - x[np.arange(len(y)), y][:, None] + x)
    hinge[np.arange(len(y)), y] = 0
    return hinge.sum(1) / x.shape[1]


def _multilabel_margin(x, targets):
    out = []
    for row, target in zip(x, targets):
        listed = list(itertools.takewhile(lambda v: v >= 0, target))
        others = [i for i in range(len(row)) if i not in listed]
        out.append(sum(max(0, 1 - row[j] + row[i]) for j in listed for i in others) / len(row))
    return np.array(out)


def _distance(a, b):
    return np.sqrt(((a - b + 1e-6) ** 2).sum(-1))


LOSSES = {
    "MarginRankingLoss": (
        nn.MarginRankingLoss(0.3),
        (A[:, 0], B[:, 0], SIGN),
        np.maximum(0, -SIGN * (A[:, 0] - B[:, 0]) + 0.3),
    ),
    "HingeEmbeddingLoss": (
        nn.HingeEmbeddingLoss(0.5),
        (A, np.sign(B)),
        np.where(np.sign(B) == 1, A, np.maximum(0, 0.5 - A)),
    ),
    "CosineEmbeddingLoss": (
        nn.CosineEmbeddingLoss(0.1),
        (A, B, SIGN),
        np.where(SIGN == 1, 1 - _cosine(A, B), np.maximum(0, _cosine(A, B) - 0.1)),
    ),
    "SoftMarginLoss": (nn.SoftMarginLoss(), (A, np.sign(B)), np.log1p(np.exp(-np.sign(B) * A))),
    "MultiLabelSoftMarginLoss": (
        nn.MultiLabelSoftMarginLoss(),
        (A, (B > 0) * 1.0),
        -((B > 0) * np.log(1 / (1 + np.exp(-A))) + (B <= 0) * np.log(1 / (1 + np.exp(A)))).mean(1),
    ),
    "MultiMarginLoss": (nn.MultiMarginLoss(), (A, LABELS), _multi_margin(A, LABELS)),
    "MultiLabelMarginLoss": (
        nn.MultiLabelMarginLoss(),
        (A, np.array([[3, 0, -1, 1, 1], [1, 2, 3, 4, 0], [-1, 1, 1, 1, 1], [4, 4, -1, 0, 0]])),
        _multilabel_margin(A, [[3, 0, -1], [1, 2, 3, 4, 0], [-1], [4, 4, -1]]),
    ),
    "TripletMarginLoss": (
        nn.TripletMarginLoss(margin=2.0),
        (A, B, C),
        np.maximum(0, 2.0 + _distance(A, B) - _distance(A, C)),
    ),
    "TripletMarginWithDistanceLoss-swap": (
        nn.TripletMarginWithDistanceLoss(swap=True),
        (A, B, C),
        np.maximum(0, 1.0 + _distance(A, B) - np.minimum(_distance(A, C), _distance(B, C))),
    ),
    "PoissonNLLLoss": (nn.PoissonNLLLoss(), (A, np.abs(B)), np.exp(A) - np.abs(B) * A),
    "PoissonNLLLoss-full": (
        nn.PoissonNLLLoss(log_input=False, full=True),
        (np.abs(A), 3 * np.abs(B)),
        np.abs(A)
        - 3 * np.abs(B) * np.log(np.abs(A) + 1e-8)
        + np.where(
            3 * np.abs(B) > 1,
            3 * np.abs(B) * np.log(3 * np.abs(B)) - 3 * np.abs(B) + 0.5 * np.log(2 * np.pi * 3 * np.abs(B)),
            0,
        ),
    ),
    "GaussianNLLLoss": (
        nn.GaussianNLLLoss(full=True),
        (A, B, np.abs(C[:, 0])),
        0.5 * (np.log(np.maximum(np.abs(C[:, :1]), 1e-6)) + (A - B) ** 2 / np.maximum(np.abs(C[:, :1]), 1e-6))
        + 0.5 * np.log(2 * np.pi),
    ),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_loss_values(name, reduction):
    layer, inputs, per_element = LOSSES[name]
    layer.reduction = reduction
    expected = {"none": per_element, "mean": per_element.mean(), "sum": per_element.sum()}[reduction]
    close(layer(*(t(x) for x in inputs)), expected)


def test_loss_argument_errors():
    with pytest.raises(ValueError, match="only p == 1 and p == 2 supported"):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(ValueError, match="margin must be greater than 0"):
        F.triplet_margin_with_distance_loss(t(A), t(B), t(C), margin=0.0)
    with pytest.raises(ValueError, match="var is of incorrect size"):
        F.gaussian_nll_loss(t(A), t(B), t(np.ones(3)))
    with pytest.raises(ValueError, match="var has negative entry"):
        F.gaussian_nll_loss(t(A), t(B), t(-np.ones(4)))
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        F.triplet_margin_loss(t(A), t(B), t(C[0]))
    assert repr(nn.TripletMarginWithDistanceLoss()) == (
        "TripletMarginWithDistanceLoss(\n  (distance_function): PairwiseDistance()\n)"
    )


def _ctc_by_enumeration(log_probs, target, blank=0):
    """-log of the summed probability of every alignment that collapses to target (small T only)."""
    steps, classes = log_probs.shape
    total = 0.0
    for path in itertools.product(range(classes), repeat=steps):
        collapsed = [c for i, c in enumerate(path) if c != blank and (i == 0 or c != path[i - 1])]
        if collapsed == list(target):
            total += math.exp(sum(log_probs[i, c] for i, c in enumerate(path)))
    return -math.log(total) if total else math.inf


def test_ctc_loss_sums_over_all_alignments():
    logits = rng.standard_normal((5, 3, 3))
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    targets = np.array([[1, 1], [2, 1], [1, 0]])
    input_lengths, target_lengths = [5, 4, 3], [2, 2, 1]
    expected = [
        _ctc_by_enumeration(log_probs[:n, b], targets[b, :m])
        for b, (n, m) in enumerate(zip(input_lengths, target_lengths))
    ]
    loss = nn.CTCLoss(reduction="none")(t(log_probs), t(targets), t(input_lengths), t(target_lengths))
    close(loss, expected)
    mean = F.ctc_loss(t(log_probs), t(np.array([1, 1, 2, 1, 1])), input_lengths, target_lengths)
    close(mean, np.mean(np.array(expected) / np.array(target_lengths)))


def test_ctc_loss_impossible_alignment_is_infinite_or_zeroed():
    log_probs = t(np.log(np.full((2, 1, 3), 1 / 3))).requires_grad_()
    targets, lengths = t(np.array([[1, 1]])), ([2], [2])  # a repeat needs a blank between: 3 steps at least
    assert math.isinf(float(F.ctc_loss(log_probs, targets, *lengths, reduction="sum")))
    zeroed = F.ctc_loss(log_probs, targets, *lengths, reduction="sum", zero_infinity=True)
    zeroed.backward()
    assert float(zeroed) == 0 and not log_probs.grad.numpy().any()


# --- embedding bag ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_matches_bag_by_bag_reduction(mode):
    bag = nn.EmbeddingBag(6, 3, mode=mode, padding_idx=5).double()
    weight = bag.weight.detach().numpy()
    indices, offsets = np.array([1, 2, 5, 4, 5, 3, 2, 0]), np.array([0, 3, 3, 5])
    reduce = {"sum": np.sum, "mean": np.mean, "max": np.max}[mode]
    expected = []
    for start, end in zip(offsets, [*offsets[1:], len(indices)]):
        rows = [weight[i] for i in indices[start:end] if i != 5]
        expected.append(reduce(rows, axis=0) if rows else np.zeros(3))
    close(bag(t(indices), t(offsets)), np.array(expected))
    assert repr(bag) == f"EmbeddingBag(6, 3, mode='{mode}', padding_idx=5)"


def test_embedding_bag_per_sample_weights_and_errors():
    bag = nn.EmbeddingBag(4, 2, mode="sum").double()
    weight, scale = bag.weight.detach().numpy(), rng.random((2, 2))
    indices = np.array([[0, 3], [2, 2]])
    expected = (weight[indices] * scale[..., None]).sum(1)
    close(bag(t(indices), per_sample_weights=t(scale)), expected)
    with pytest.raises(NotImplementedError, match="only supported for mode='sum'"):
        F.embedding_bag(t(indices), bag.weight, per_sample_weights=t(scale))
    with pytest.raises(RuntimeError, match=r"offsets\[0\] has to be 0"):
        bag(t(np.array([1, 2])), t(np.array([1])))


# --- other layers -------------------------------------------------------------------------------------------


def test_channel_shuffle():
    x = np.arange(12.0).reshape(1, 6, 2)
    close(nn.ChannelShuffle(3)(t(x)), x.reshape(1, 3, 2, 2).transpose(0, 2, 1, 3).reshape(1, 6, 2))
    with pytest.raises(RuntimeError, match="divisible by groups"):
        F.channel_shuffle(t(x), 4)


def test_dropout3d_and_alpha_dropout():
    x = ember.ones(4, 8, 2, 2, 2)
    out = nn.Dropout3d(0.5)(x).numpy()
    per_channel = out.reshape(4, 8, -1)
    assert np.all(per_channel.min(-1) == per_channel.max(-1)) and set(np.unique(out)) <= {0.0, 2.0}
    ember.manual_seed(0)
    x = ember.randn(200000, dtype=ember.float64)
    dropped = F.alpha_dropout(x, 0.3, training=True).numpy()
    assert abs(dropped.mean()) < 0.02 and abs(dropped.std() - 1) < 0.02
    assert nn.AlphaDropout(0.3).eval()(x) is x
    channels = nn.FeatureAlphaDropout(0.5)(ember.ones(3, 6, 4)).numpy()
    assert np.all(channels.min(-1) == channels.max(-1))


# --- lazy modules -------------------------------------------------------------------------------------------


def test_lazy_linear_becomes_linear_on_first_call():
    layer = nn.LazyLinear(4)
    assert repr(layer) == "LazyLinear(in_features=0, out_features=4, bias=True)"
    assert isinstance(layer.weight, nn.UninitializedParameter) and repr(layer.weight) == "<UninitializedParameter>"
    weight = layer.weight
    assert layer(ember.randn(2, 3)).shape == (2, 4)
    assert type(layer) is nn.Linear and layer.in_features == 3 and layer.weight is weight
    assert type(layer.weight) is nn.Parameter and layer.weight.shape == (4, 3)
    assert abs(float(layer.weight.abs().max())) <= 1 / math.sqrt(3)


def test_lazy_conv_reads_in_channels_and_loads_checkpoints():
    conv = nn.LazyConv2d(4, 3, bias=False)
    assert repr(conv) == "LazyConv2d(0, 4, kernel_size=(3, 3), stride=(1, 1), bias=False)"
    conv(ember.randn(1, 2, 5, 5))
    assert type(conv) is nn.Conv2d and conv.weight.shape == (4, 2, 3, 3)
    lazy = nn.LazyConv1d(3, 2)
    source = nn.Conv1d(5, 3, 2)
    lazy.load_state_dict(source.state_dict())
    x = ember.randn(1, 5, 4)
    np.testing.assert_allclose(lazy(x).detach().numpy(), source(x).detach().numpy())


# --- backward hooks ------------------------------------------------------------------------------------------


def test_full_backward_hooks_see_and_replace_gradients():
    layer = nn.Linear(3, 2).double()
    seen = []
    layer.register_full_backward_pre_hook(lambda m, grad_output: (grad_output[0] * 2,))
    layer.register_full_backward_hook(lambda m, gi, go: seen.append((gi, go)) or (gi[0] + 1,))
    x = ember.ones(4, 3, dtype=ember.float64, requires_grad=True)
    layer(x).sum().backward()
    (grad_input,), (grad_output,) = seen[0]
    np.testing.assert_allclose(grad_output.numpy(), np.full((4, 2), 2.0))
    expected = 2 * layer.weight.detach().numpy().sum(0)
    np.testing.assert_allclose(grad_input.numpy(), np.broadcast_to(expected, (4, 3)))
    np.testing.assert_allclose(x.grad.numpy(), grad_input.numpy() + 1)
    np.testing.assert_allclose(layer.weight.grad.numpy(), np.full((2, 3), 8.0))


def test_full_backward_hook_without_input_gradients_gets_none():
    layer = nn.Linear(3, 2)
    seen = []
    handle = layer.register_full_backward_hook(lambda m, gi, go: seen.append(gi))
    layer(ember.ones(1, 3)).sum().backward()
    assert seen == [(None,)]
    handle.remove()
    layer(ember.ones(1, 3)).sum().backward()
    assert len(seen) == 1


def test_forward_pre_hook_with_kwargs_can_rewrite_arguments():
    layer = nn.Linear(3, 2)
    layer.register_forward_pre_hook(lambda m, args, kwargs: ((args[0] * 0,), kwargs), with_kwargs=True)
    np.testing.assert_allclose(layer(ember.ones(1, 3)).detach().numpy(), layer.bias.detach().numpy()[None])


def test_lazy_state_dict_shows_placeholders_and_loading_then_calling_sets_the_sizes():
    layer = nn.LazyLinear(2).double()
    assert [repr(v) for v in layer.state_dict().values()] == ["<UninitializedParameter>"] * 2
    layer.load_state_dict(nn.Linear(3, 2).state_dict())
    assert layer.weight.shape == (2, 3) and type(layer) is nn.LazyLinear
    layer(ember.ones(1, 3, dtype=ember.float64))
    assert repr(layer) == "Linear(in_features=3, out_features=2, bias=True)"


def test_instance_norm_without_running_stats_rejects_them_in_a_checkpoint():
    with pytest.raises(RuntimeError, match="Unexpected running stats buffer"):
        nn.InstanceNorm1d(3).load_state_dict({"running_mean": ember.zeros(3), "running_var": ember.ones(3)})


@pytest.mark.parametrize("kind,dims", [("BatchNorm", 1), ("BatchNorm", 2), ("BatchNorm", 3), ("InstanceNorm", 1)])
def test_lazy_norms_read_num_features_and_keep_placeholders_through_casts(kind, dims):
    layer = getattr(nn, f"Lazy{kind}{dims}d")().double()
    assert [repr(v) for k, v in layer.state_dict().items() if k != "num_batches_tracked"] == [
        "<UninitializedParameter>",
        "<UninitializedParameter>",
        "<UninitializedBuffer>",
        "<UninitializedBuffer>",
    ]
    x = rng.standard_normal((2, 3) + (4,) * dims)
    out = layer(t(x))
    assert type(layer) is getattr(nn, f"{kind}{dims}d") and layer.num_features == 3
    assert layer.running_mean.dtype == ember.float64 and layer.weight.shape == (3,)
    axes = (0, *range(2, x.ndim)) if kind == "BatchNorm" else tuple(range(2, x.ndim))
    close(out, (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + 1e-5))


def test_gumbel_softmax_samples_the_softmax_and_keeps_the_soft_gradient():
    ember.manual_seed(1)
    logits = ember.tensor(np.log([0.1, 0.2, 0.7]), dtype=ember.float64).expand(20000, 3).contiguous()
    hard = F.gumbel_softmax(logits, hard=True)
    assert set(np.unique(hard.numpy())) == {0.0, 1.0}
    np.testing.assert_allclose(hard.numpy().mean(0), [0.1, 0.2, 0.7], atol=0.015)
    soft = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(soft.numpy().sum(1), 1.0)
    with pytest.warns(FutureWarning, match="NLLLoss2d"):
        assert repr(nn.NLLLoss2d()) == "NLLLoss2d()"


def test_hard_gumbel_softmax_passes_the_soft_gradient():
    logits = ember.tensor(rng.standard_normal((4, 5)), requires_grad=True)
    weights = ember.tensor(rng.standard_normal((4, 5)))
    grads = []
    for hard in (True, False):
        ember.manual_seed(7)
        (F.gumbel_softmax(logits, tau=0.5, hard=hard) * weights).sum().backward()
        grads.append(logits.grad.numpy().copy())
        logits.grad = None
    np.testing.assert_allclose(grads[0], grads[1])


def test_modules_pickled_without_backward_hook_registries_still_run():
    import pickle

    layer = nn.Linear(2, 2)
    state = dict(layer.__dict__)
    del state["_backward_hooks"], state["_backward_pre_hooks"]
    restored = nn.Linear.__new__(nn.Linear)
    restored.__setstate__(state)
    assert restored(ember.ones(1, 2)).shape == (1, 2)
    assert pickle.loads(pickle.dumps(layer))(ember.ones(1, 2)).shape == (1, 2)


def test_pdist_lists_each_pair_once():
    x = rng.standard_normal((4, 3))
    expected = [np.linalg.norm(x[i] - x[j]) for i in range(4) for j in range(i + 1, 4)]
    close(F.pdist(t(x)), expected)


def test_adaptive_log_softmax_is_a_normalised_distribution_over_all_classes():
    layer = nn.AdaptiveLogSoftmaxWithLoss(6, 9, [3, 6], div_value=2.0).double()
    assert list(layer.state_dict()) == [
        "head.weight",
        "tail.0.0.weight",
        "tail.0.1.weight",
        "tail.1.0.weight",
        "tail.1.1.weight",
    ]
    x = t(rng.standard_normal((5, 6)))
    log_prob = layer.log_prob(x).detach().numpy()
    np.testing.assert_allclose(np.exp(log_prob).sum(1), 1.0)
    labels = np.array([0, 4, 8, 2, 6])
    output, loss = layer(x, t(labels))
    close(output, log_prob[np.arange(5), labels])
    close(loss, -log_prob[np.arange(5), labels].mean())
    np.testing.assert_array_equal(layer.predict(x).numpy(), log_prob.argmax(1))
    with pytest.raises(RuntimeError, match=r"Target values should be in \[0, 8\]"):
        layer(x, t(np.array([0, 1, 2, 3, 9])))
    with pytest.raises(ValueError, match="cutoffs should be a sequence of unique"):
        nn.AdaptiveLogSoftmaxWithLoss(6, 9, [3, 3])


def test_deprecated_container_holds_its_keyword_modules():
    with pytest.warns(FutureWarning, match="nn.Container"):
        holder = nn.Container(a=nn.Linear(1, 2))
    assert list(holder.state_dict()) == ["a.weight", "a.bias"]


def test_lazy_transposed_convolutions_take_pytorchs_argument_order_and_weight_layout():
    from ember.nn.modules.lazy import _LazyConvTransposeMixin

    class TransposedStandIn(nn.Conv2d):
        """ConvTranspose2d's arguments and weight layout (only what the lazy mixin relies on)."""

        def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                     bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):  # fmt: skip
            super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias)
            self.transposed = True
            self.output_padding = (output_padding,) * 2

    class LazyStandIn(_LazyConvTransposeMixin, TransposedStandIn):
        cls_to_become = TransposedStandIn

    layer = LazyStandIn(4, 3, 2, 1, 1, 2, dilation=2)
    assert (layer.stride, layer.padding, layer.output_padding, layer.groups, layer.dilation) == (
        (2, 2),
        (1, 1),
        (1, 1),
        2,
        (2, 2),
    )
    layer.initialize_parameters(ember.randn(1, 6, 5, 5))
    assert layer.weight.shape == (6, 2, 3, 3) and layer.bias.shape == (4,)
