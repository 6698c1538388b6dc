"""The layers and functional ops added for PyTorch breadth, against PyTorch: values, input and parameter
gradients, reprs and state_dict layouts."""

import itertools

import ember
import ember.nn.functional as EF
import numpy as np
import pytest
from ember import nn as enn

torch = pytest.importorskip("torch")
TF = torch.nn.functional
tnn = torch.nn

rng = np.random.default_rng(21)


def both(array, grad):
    return ember.tensor(array, requires_grad=grad), torch.tensor(array, requires_grad=grad)


def check(ember_fn, torch_fn, arrays, tol=1e-6, constant=()):
    """Same output and the same gradient of every float input (but those in constant) under a random upstream."""
    pairs = [both(a, np.asarray(a).dtype.kind == "f" and i not in constant) for i, a in enumerate(arrays)]
    e_out, t_out = ember_fn(*(e for e, _ in pairs)), torch_fn(*(p for _, p in pairs))
    assert tuple(e_out.shape) == tuple(t_out.shape)
    np.testing.assert_allclose(e_out.detach().numpy(), t_out.detach().numpy(), rtol=tol, atol=tol)
    upstream = rng.standard_normal(tuple(t_out.shape))
    e_out.backward(ember.tensor(upstream))
    t_out.backward(torch.tensor(upstream))
    for e, p in pairs:
        if p.requires_grad:
            np.testing.assert_allclose(e.grad.numpy(), p.grad.numpy(), rtol=tol, atol=tol)


X = rng.standard_normal((3, 4, 5))
INTS = np.array([[1, 2, 2], [3, 1, 0]])

FUNCTIONAL = {
    "celu": (lambda F, x: F.celu(x, 0.6), [X]),
    "selu": (lambda F, x: F.selu(x), [X]),
    "threshold": (lambda F, x: F.threshold(x, 0.2, -1.5), [X]),
    "rrelu-eval": (lambda F, x: F.rrelu(x, 0.2, 0.4), [X]),
    "prelu": (lambda F, x, w: F.prelu(x, w), [X, rng.random(4)]),
    "glu": (lambda F, x: F.glu(x, 1), [X]),
    "softshrink": (lambda F, x: F.softshrink(x, 0.3), [X]),
    "hardshrink": (lambda F, x: F.hardshrink(x, 0.3), [X]),
    "instance_norm": (lambda F, x, w, b: F.instance_norm(x, weight=w, bias=b), [X, rng.random(4), rng.random(4)]),
    "rms_norm": (lambda F, x, w: F.rms_norm(x, (4, 5), w, 1e-3), [X, rng.random((4, 5))]),
    "local_response_norm": (lambda F, x: F.local_response_norm(x, 3, 0.2, 0.7, 1.3), [X]),
    "local_response_norm-4d": (lambda F, x: F.local_response_norm(x, 2), [X[None]]),
    "pairwise_distance": (lambda F, a, b: F.pairwise_distance(a, b, 1.5, keepdim=True), [X, X[::-1].copy()]),
    "channel_shuffle": (lambda F, x: F.channel_shuffle(x, 2), [X]),
    "pdist": (lambda F, x: F.pdist(x, 1.5), [X[0]]),
    "margin_ranking_loss": (
        lambda F, a, b, y: F.margin_ranking_loss(a, b, y, 0.2),
        [X[0, 0], X[1, 0], np.sign(X[2, 0])],
    ),
    "hinge_embedding_loss": (lambda F, x, y: F.hinge_embedding_loss(x, y, 0.4), [X, np.sign(X[::-1])]),
    "cosine_embedding_loss": (
        lambda F, a, b, y: F.cosine_embedding_loss(a, b, y, 0.1, reduction="sum"),
        [X[0], X[1], np.array([1.0, -1.0, -1.0, 1.0])],
    ),
    "soft_margin_loss": (lambda F, x, y: F.soft_margin_loss(x, y), [X, np.sign(X[::-1])]),
    "multilabel_soft_margin_loss": (
        lambda F, x, y, w: F.multilabel_soft_margin_loss(x, y, w),
        [X[0], (X[1] > 0) * 1.0, rng.random(5)],
    ),
    "multi_margin_loss": (
        lambda F, x, y, w: F.multi_margin_loss(x, y, 2, 0.8, w, reduction="none"),
        [X[0], np.array([4, 0, 2, 2]), rng.random(5)],
    ),
    "multi_margin_loss-unbatched": (lambda F, x, y: F.multi_margin_loss(x, y), [X[0, 0], np.array([3])]),
    "multilabel_margin_loss": (
        lambda F, x, y: F.multilabel_margin_loss(x, y, reduction="none"),
        [X[0, :3], np.array([[3, 0, -1, 1, 1], [1, 2, 3, 4, 0], [4, 4, -1, 0, 0]])],
    ),
    "triplet_margin_loss": (
        lambda F, a, p, n: F.triplet_margin_loss(a, p, n, 0.5, 1.0, swap=True),
        [X[0], X[1], X[2]],
    ),
    "triplet_margin_with_distance_loss": (
        lambda F, a, p, n: F.triplet_margin_with_distance_loss(
            a, p, n, distance_function=lambda u, v: 1 - F.cosine_similarity(u, v), margin=0.3, reduction="sum"
        ),
        [X[0], X[1], X[2]],
    ),
    "poisson_nll_loss": (lambda F, x, y: F.poisson_nll_loss(x, y, full=True), [X, 3 * np.abs(X[::-1])]),
    "poisson_nll_loss-rates": (
        lambda F, x, y: F.poisson_nll_loss(x, y, log_input=False, reduction="none"),
        [np.abs(X), 3 * np.abs(X[::-1])],
    ),
    "gaussian_nll_loss": (
        lambda F, x, y, v: F.gaussian_nll_loss(x, y, v, full=True, eps=0.05),
        [X, X[::-1].copy(), np.abs(X[:, :, 0])],
    ),
    "gaussian_nll_loss-heteroscedastic": (
        lambda F, x, y, v: F.gaussian_nll_loss(x, y, v, reduction="none"),
        [X, X[::-1].copy(), np.abs(X[:, :1, :])],
    ),
    "embedding_bag-max-offsets": (
        lambda F, w, i, o: F.embedding_bag(i, w, o, mode="max"),
        [rng.standard_normal((6, 3)), np.array([1, 2, 4, 5, 4, 3]), np.array([0, 2, 2, 5])],
    ),
    "embedding_bag-mean-padding": (
        lambda F, w, i: F.embedding_bag(i, w, padding_idx=2),
        [rng.standard_normal((6, 3)), INTS],
    ),
    "embedding_bag-sum-weights-last-offset": (
        lambda F, w, i, o, s: F.embedding_bag(i, w, o, mode="sum", per_sample_weights=s, include_last_offset=True),
        [rng.standard_normal((6, 3)), np.array([1, 2, 4, 5]), np.array([0, 1, 4]), rng.random(4)],
    ),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONAL))
def test_functional(name):
    function, arrays = FUNCTIONAL[name]
    constant = (len(arrays) - 1,) if "loss" in name and "triplet" not in name else ()  # targets and class weights
    if name in ("margin_ranking_loss", "cosine_embedding_loss"):
        constant = (2,)
    if name.startswith("gaussian"):
        constant = (1,)
    check(lambda *a: function(EF, *a), lambda *a: function(TF, *a), arrays, constant=constant)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular", "constant"])
@pytest.mark.parametrize("dims", [1, 2, 3])
def test_pad_modes(mode, dims):
    x = rng.standard_normal((2, 2) + (4,) * dims)
    padding = tuple(itertools.islice(itertools.cycle([2, 1, 3]), 2 * dims))
    check(lambda a: EF.pad(a, padding, mode), lambda a: TF.pad(a, padding, mode), [x])


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_ctc_loss_through_log_softmax(reduction, zero_infinity):
    """PyTorch's ctc gradient is exact only through a log_softmax; compare gradients of the logits."""
    logits = rng.standard_normal((7, 3, 5))
    targets = np.array([[1, 2, 2, 4], [3, 3, 0, 0], [1, 4, 4, 4]])
    input_lengths, target_lengths = np.array([7, 5, 4]), np.array([3, 2, 4])  # the last cannot be aligned
    e_logits, t_logits = both(logits, True)
    e_loss, t_loss = (
        functional.ctc_loss(
            lib_logits.log_softmax(2),
            lib.tensor(targets),
            lib.tensor(input_lengths),
            lib.tensor(target_lengths),
            blank=0,
            reduction=reduction,
            zero_infinity=zero_infinity,
        )
        for functional, lib, lib_logits in ((EF, ember, e_logits), (TF, torch, t_logits))
    )
    np.testing.assert_allclose(e_loss.detach().numpy(), t_loss.detach().numpy(), rtol=1e-6)
    if zero_infinity:
        e_loss.sum().backward()
        t_loss.sum().backward()
        np.testing.assert_allclose(e_logits.grad.numpy(), t_logits.grad.numpy(), rtol=1e-6, atol=1e-9)


def _same_parameters(e_layer, t_layer):
    with torch.no_grad():
        for (name, p), (_, q) in zip(e_layer.named_parameters(), t_layer.named_parameters()):
            q.copy_(torch.tensor(p.detach().numpy()))


LAYERS = {
    "PReLU": (lambda nn: nn.PReLU(4, 0.3), X),
    "InstanceNorm1d": (lambda nn: nn.InstanceNorm1d(4, affine=True, track_running_stats=True), X),
    "InstanceNorm2d": (lambda nn: nn.InstanceNorm2d(3), X),
    "GroupNorm": (lambda nn: nn.GroupNorm(2, 4), X),
    "BatchNorm3d": (lambda nn: nn.BatchNorm3d(4), X[:, :, None, None, :]),
    "RMSNorm": (lambda nn: nn.RMSNorm([5]), X),
    "LocalResponseNorm": (lambda nn: nn.LocalResponseNorm(3), X),
    "Softmax2d": (lambda nn: nn.Softmax2d(), X),
    "CELU": (lambda nn: nn.CELU(), X),
    "ReplicationPad2d": (lambda nn: nn.ReplicationPad2d((1, 2, 0, 3)), X),
    "CircularPad1d": (lambda nn: nn.CircularPad1d(2), X),
    "ZeroPad3d": (lambda nn: nn.ZeroPad3d(1), X),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_values_gradients_repr_and_state_dict(name):
    build, x = LAYERS[name]
    e_layer, t_layer = build(enn).double(), build(tnn).double()
    _same_parameters(e_layer, t_layer)
    check(e_layer, t_layer, [x])
    assert repr(e_layer) == repr(t_layer)
    assert list(e_layer.state_dict()) == list(t_layer.state_dict())
    for (name_, p), (_, q) in zip(e_layer.named_parameters(), t_layer.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-6, atol=1e-6, err_msg=name_)
    for (name_, b), (_, c) in zip(e_layer.state_dict().items(), t_layer.state_dict().items()):
        np.testing.assert_allclose(b.numpy(), c.numpy(), rtol=1e-6, atol=1e-6, err_msg=name_)


REPRS = [
    "CosineEmbeddingLoss()",
    "MarginRankingLoss(margin=0.5)",
    "HingeEmbeddingLoss()",
    "PoissonNLLLoss()",
    "GaussianNLLLoss()",
    "CTCLoss()",
    "MultiMarginLoss()",
    "MultiLabelSoftMarginLoss()",
    "MultiLabelMarginLoss()",
    "TripletMarginLoss()",
    "TripletMarginWithDistanceLoss()",
    "SoftMarginLoss()",
    "CosineSimilarity()",
    "PairwiseDistance()",
    "EmbeddingBag(5, 3)",
    "EmbeddingBag(5, 3, mode='max', padding_idx=0)",
    "ChannelShuffle(2)",
    "AlphaDropout()",
    "FeatureAlphaDropout(0.2)",
    "Dropout3d()",
    "GLU()",
    "RReLU()",
    "Threshold(0.1, 20)",
    "Softshrink()",
    "Hardshrink(0.2)",
    "ConstantPad2d((1, 2, 3, 4), 1.5)",
    "ReflectionPad3d(1)",
    "LazyLinear(3)",
    "LazyConv1d(4, 3, padding=1)",
    "InstanceNorm3d(3, affine=True)",
    "BatchNorm3d(2)",
    "LazyBatchNorm2d()",
    "LazyInstanceNorm1d(affine=False)",
    "LazyBatchNorm1d(track_running_stats=False)",
]


@pytest.mark.parametrize("expression", REPRS)
def test_reprs(expression):
    assert repr(eval(f"enn.{expression}")) == repr(eval(f"tnn.{expression}"))


def test_lazy_linear_state_dict_round_trip():
    t_layer = tnn.Linear(3, 2).double()
    e_layer = enn.LazyLinear(2).double()
    e_layer.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t_layer.state_dict().items()})
    x = rng.standard_normal((4, 3))
    np.testing.assert_allclose(e_layer(ember.tensor(x)).detach().numpy(), t_layer(torch.tensor(x)).detach().numpy())


def test_full_backward_hooks_match():
    log = {}
    for lib, nn_ in (("ember", enn), ("torch", tnn)):
        module = ember if lib == "ember" else torch
        layer = nn_.Linear(3, 2).double()
        with module.no_grad():
            layer.weight.copy_(module.tensor(np.arange(6.0).reshape(2, 3)))
            layer.bias.copy_(module.tensor([0.5, -1.0]))
        calls = log[lib] = []
        layer.register_full_backward_pre_hook(lambda m, go, calls=calls: calls.append(("pre", go[0].tolist())))
        layer.register_full_backward_hook(
            lambda m, gi, go, calls=calls: (
                calls.append(("full", [g.tolist() for g in gi], go[0].tolist())) or (gi[0] * 3,)
            )
        )
        x = module.ones(2, 3, dtype=module.float64, requires_grad=True)
        layer(x).pow(2).sum().backward()
        calls.append(x.grad.tolist())
    assert log["ember"] == log["torch"]


@pytest.mark.parametrize("name", ["LazyBatchNorm2d", "LazyInstanceNorm2d", "LazyConv2d"])
def test_lazy_layers_become_the_same_layer(name):
    args = (4, 3) if name == "LazyConv2d" else ()
    e_layer, t_layer = getattr(enn, name)(*args).double(), getattr(tnn, name)(*args).double()
    assert [repr(v) for v in e_layer.state_dict().values()] == [repr(v) for v in t_layer.state_dict().values()]
    x = rng.standard_normal((2, 3, 5, 5))
    e_layer(ember.tensor(x)), t_layer(torch.tensor(x))
    assert repr(e_layer) == repr(t_layer) and type(e_layer).__name__ == type(t_layer).__name__
    assert list(e_layer.state_dict()) == list(t_layer.state_dict())
    _same_parameters(e_layer, t_layer)
    check(e_layer, t_layer, [x])


INPLACE = {
    "celu_": lambda F, x: F.celu_(x, 0.8),
    "selu_": lambda F, x: F.selu_(x),
    "threshold_": lambda F, x: F.threshold_(x, 0.3, 2.0),
    "hardtanh_": lambda F, x: F.hardtanh_(x, -0.5, 0.7),
    "rrelu_": lambda F, x: F.rrelu_(x, 0.1, 0.2),
}


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_variants(name):
    function = INPLACE[name]
    check(lambda x: function(EF, x.clone()), lambda x: function(TF, x.clone()), [X])


def test_ctc_loss_with_another_blank_and_concatenated_targets():
    logits = rng.standard_normal((6, 2, 4))
    targets, input_lengths, target_lengths = np.array([0, 2, 2, 1]), (6, 5), (3, 1)
    check(
        lambda x: EF.ctc_loss(x.log_softmax(2), ember.tensor(targets), input_lengths, target_lengths, blank=3),
        lambda x: TF.ctc_loss(x.log_softmax(2), torch.tensor(targets), input_lengths, target_lengths, blank=3),
        [logits],
    )


def test_embedding_bag_with_max_norm_renormalises_the_rows_it_reads():
    weight = 3 * rng.standard_normal((5, 3))
    indices, offsets = np.array([0, 2, 2, 4]), np.array([0, 1])
    e_weight, t_weight = ember.tensor(weight), torch.tensor(weight)
    e_out = EF.embedding_bag(ember.tensor(indices), e_weight, ember.tensor(offsets), max_norm=1.0, mode="sum")
    t_out = TF.embedding_bag(torch.tensor(indices), t_weight, torch.tensor(offsets), max_norm=1.0, mode="sum")
    np.testing.assert_allclose(e_out.numpy(), t_out.numpy(), rtol=1e-6)
    np.testing.assert_allclose(e_weight.numpy(), t_weight.numpy(), rtol=1e-6)


ERRORS = {
    "glu-odd-dim": lambda F, T: F.glu(T(X), -1),
    "softshrink-negative": lambda F, T: F.softshrink(T(X), -1.0),
    "prelu-channels": lambda F, T: F.prelu(T(X), T(np.ones(3))),
    "multi_margin-p": lambda F, T: F.multi_margin_loss(T(X[0]), T(np.array([0, 1, 2])), p=3),
    "embedding_bag-mode": lambda F, T: F.embedding_bag(T(np.array([[1]])), T(X[0]), mode="min"),
    "embedding_bag-weights-mean": lambda F, T: F.embedding_bag(
        T(np.array([[1]])), T(X[0]), per_sample_weights=T(np.ones((1, 1)))
    ),
    "embedding_bag-offsets": lambda F, T: F.embedding_bag(T(np.array([1, 2])), T(X[0]), T(np.array([1]))),
    "local_response_norm-2d": lambda F, T: F.local_response_norm(T(X[0]), 2),
    "rms_norm-shape": lambda F, T: F.rms_norm(T(X), (4,)),
    "instance_norm-one-element": lambda F, T: F.instance_norm(T(X[:, :, :1])),
    "gaussian_nll-var-size": lambda F, T: F.gaussian_nll_loss(T(X), T(X), T(np.ones(7))),
    "triplet-dims": lambda F, T: F.triplet_margin_loss(T(X), T(X), T(X[0])),
    "margin_ranking-dims": lambda F, T: F.margin_ranking_loss(T(X), T(X), T(X[0])),
    "ctc-lengths": lambda F, T: F.ctc_loss(T(X).log_softmax(2), T(np.array([[1]])), (3, 3), (1, 1)),
    "channel_shuffle-groups": lambda F, T: F.channel_shuffle(T(X), 3),
    "cosine_embedding-target": lambda F, T: F.cosine_embedding_loss(T(X), T(X), T(X[0])),
    "reduction": lambda F, T: F.soft_margin_loss(T(X), T(X), reduction="bad"),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_bad_arguments_raise_the_same_error_type(name):
    with pytest.raises(Exception) as from_torch:
        ERRORS[name](TF, torch.tensor)
    with pytest.raises(from_torch.type):
        ERRORS[name](EF, ember.tensor)


def test_adaptive_log_softmax_with_loss():
    e_layer = enn.AdaptiveLogSoftmaxWithLoss(8, 10, [4, 7], div_value=2.0, head_bias=True).double()
    t_layer = tnn.AdaptiveLogSoftmaxWithLoss(8, 10, [4, 7], div_value=2.0, head_bias=True).double()
    assert repr(e_layer) == repr(t_layer) and list(e_layer.state_dict()) == list(t_layer.state_dict())
    _same_parameters(e_layer, t_layer)
    labels = np.array([1, 5, 9, 3, 7, 8])
    check(
        lambda x: e_layer(x, ember.tensor(labels)).output,
        lambda x: t_layer(x, torch.tensor(labels)).output,
        [rng.standard_normal((6, 8))],
    )
    for p, q in zip(e_layer.parameters(), t_layer.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-6, atol=1e-9)
    check(e_layer.log_prob, t_layer.log_prob, [rng.standard_normal((3, 8))])
    x = rng.standard_normal(8)
    np.testing.assert_allclose(
        e_layer(ember.tensor(x), ember.tensor(6)).loss.item(), t_layer(torch.tensor(x), torch.tensor(6)).loss.item()
    )
