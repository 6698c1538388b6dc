"""Float64 first and second derivatives of the functional ops added for PyTorch breadth (activations,
normalisations, padding, distances, margin and likelihood losses, CTC, embedding_bag)."""

import ember
import ember.nn.functional as F
import numpy as np
import pytest
from ember import nn
from ember.autograd import gradcheck, gradgradcheck

rng = np.random.default_rng(12)


def leaf(*shape, low=None, high=None):
    data = rng.standard_normal(shape) if low is None else rng.uniform(low, high, shape)
    return ember.tensor(data, dtype=ember.float64, requires_grad=True)


def away_from(values, points, gap=0.1):
    """values nudged so that none lies within gap of a kink at one of points (finite differences need it)."""
    data = values.detach().numpy().copy()
    for p in points:
        near = np.abs(data - p) < gap
        data[near] += 2 * gap
    return ember.tensor(data, dtype=ember.float64, requires_grad=True)


def seeded(function):
    """function with ember's random stream reset before each call, so that every call draws the same mask."""

    def run(*inputs):
        ember.manual_seed(5)
        return function(*inputs)

    return run


SIGNS = ember.tensor([1.0, -1.0, -1.0, 1.0, -1.0, 1.0], dtype=ember.float64)


CASES = {
    "celu": lambda: (lambda x: F.celu(x, 0.7), away_from(leaf(3, 4), [0])),
    "selu": lambda: (F.selu, away_from(leaf(3, 4), [0])),
    "threshold": lambda: (lambda x: F.threshold(x, 0.1, -2.0), away_from(leaf(3, 4), [0.1])),
    "rrelu-eval": lambda: (lambda x: F.rrelu(x), away_from(leaf(3, 4), [0])),
    "prelu": lambda: (F.prelu, away_from(leaf(2, 3, 4), [0]), leaf(3)),
    "prelu-shared": lambda: (F.prelu, away_from(leaf(2, 3), [0]), leaf(1)),
    "glu": lambda: (lambda x: F.glu(x, 1), leaf(2, 4, 3)),
    "softshrink": lambda: (lambda x: F.softshrink(x, 0.3), away_from(leaf(3, 4), [-0.3, 0.3])),
    "hardshrink": lambda: (lambda x: F.hardshrink(x, 0.3), away_from(leaf(3, 4), [-0.3, 0.3])),
    "instance_norm": lambda: (lambda x, w, b: F.instance_norm(x, weight=w, bias=b), leaf(2, 3, 5), leaf(3), leaf(3)),
    "rms_norm": lambda: (lambda x, w: F.rms_norm(x, (4,), w), leaf(3, 4), leaf(4)),
    "local_response_norm": lambda: (lambda x: F.local_response_norm(x, 3, alpha=0.5, k=2.0), leaf(2, 5, 3)),
    "pad-reflect": lambda: (lambda x: F.pad(x, (2, 1, 1, 2), mode="reflect"), leaf(1, 2, 4, 4)),
    "pad-circular": lambda: (lambda x: F.pad(x, (1, 2), mode="circular"), leaf(2, 2, 4)),
    "pairwise_distance": lambda: (lambda a, b: F.pairwise_distance(a, b, 3.0), leaf(3, 4), leaf(3, 4)),
    "margin_ranking_loss": lambda: (
        lambda a, b: F.margin_ranking_loss(a, b, SIGNS[:5], margin=0.2),
        leaf(5),
        leaf(5),
    ),
    "hinge_embedding_loss": lambda: (
        lambda x: F.hinge_embedding_loss(x, ember.tensor([[1.0, -1.0, -1.0], [-1.0, 1.0, -1.0]]), 1.3),
        away_from(leaf(2, 3), [1.3]),
    ),
    "cosine_embedding_loss": lambda: (
        lambda a, b: F.cosine_embedding_loss(a, b, ember.tensor([1.0, -1.0, -1.0]), margin=-0.5),
        leaf(3, 4),
        leaf(3, 4),
    ),
    "soft_margin_loss": lambda: (lambda x: F.soft_margin_loss(x, SIGNS.reshape(2, 3)), leaf(2, 3)),
    "multilabel_soft_margin_loss": lambda: (
        lambda x: F.multilabel_soft_margin_loss(x, ember.tensor([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])),
        leaf(2, 3),
    ),
    "multi_margin_loss-p2": lambda: (
        lambda x: F.multi_margin_loss(
            x, ember.tensor([2, 0, 1]), p=2, margin=3.0, weight=ember.tensor([1.0, 2.0, 0.5, 1.0], dtype=ember.float64)
        ),
        leaf(3, 4),
    ),
    "multilabel_margin_loss": lambda: (
        lambda x: F.multilabel_margin_loss(x, ember.tensor([[2, 0, -1, 1], [3, -1, 0, 0]])),
        leaf(2, 4, low=-0.2, high=0.2),
    ),
    "triplet_margin_loss-swap": lambda: (
        lambda a, p, n: F.triplet_margin_loss(a, p, n, margin=3.0, swap=True),
        leaf(3, 4),
        leaf(3, 4),
        leaf(3, 4),
    ),
    "poisson_nll_loss-full": lambda: (
        lambda x: F.poisson_nll_loss(
            x, ember.tensor([[0.0, 2.0, 3.5], [1.0, 4.0, 0.5]], dtype=ember.float64), full=True
        ),
        leaf(2, 3),
    ),
    "poisson_nll_loss-rates": lambda: (
        lambda x: F.poisson_nll_loss(x, ember.tensor([[0.0, 2.0, 3.5]], dtype=ember.float64), log_input=False),
        leaf(1, 3, low=0.5, high=2.0),
    ),
    "gaussian_nll_loss": lambda: (
        lambda x, v: F.gaussian_nll_loss(x, ember.zeros(3, 2, dtype=ember.float64), v, full=True),
        leaf(3, 2),
        leaf(3, 1, low=0.5, high=2.0),
    ),
    "ctc_loss": lambda: (
        lambda x: F.ctc_loss(x.log_softmax(2), ember.tensor([[1, 2, 2], [3, 1, 0]]), [5, 4], [3, 2]),
        leaf(5, 2, 4),
    ),
    "embedding_bag-mean": lambda: (
        lambda w: F.embedding_bag(ember.tensor([1, 2, 4, 0, 3]), w, ember.tensor([0, 2, 2]), padding_idx=0),
        leaf(5, 3),
    ),
    "embedding_bag-sum-weighted": lambda: (
        lambda w, s: F.embedding_bag(ember.tensor([[1, 2], [4, 4]]), w, mode="sum", per_sample_weights=s),
        leaf(5, 3),
        leaf(2, 2),
    ),
    "embedding_bag-max": lambda: (
        lambda w: F.embedding_bag(ember.tensor([[1, 2], [4, 3]]), w, mode="max"),
        leaf(5, 3),
    ),
    "gumbel_softmax": lambda: (
        seeded(lambda x: F.gumbel_softmax(x, tau=0.7)),
        leaf(3, 4),
    ),
    "pdist": lambda: (lambda x: F.pdist(x, 3.0), leaf(4, 3)),
    "AdaptiveLogSoftmaxWithLoss": lambda: (
        lambda x, layer=nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2, 4], div_value=2.0).double(): (
            layer(x, ember.tensor([0, 3, 5])).output
        ),
        leaf(3, 4),
    ),
    "rrelu-training": lambda: (seeded(lambda x: F.rrelu(x, 0.1, 0.4, training=True)), away_from(leaf(3, 4), [0])),
    "alpha_dropout": lambda: (seeded(lambda x: F.alpha_dropout(x, 0.4, training=True)), leaf(3, 4)),
    "feature_alpha_dropout": lambda: (seeded(lambda x: F.feature_alpha_dropout(x, 0.4, training=True)), leaf(3, 4, 2)),
    "dropout3d": lambda: (seeded(lambda x: F.dropout3d(x, 0.4)), leaf(2, 3, 2, 2, 2)),
    "channel_shuffle": lambda: (lambda x: F.channel_shuffle(x, 2), leaf(1, 4, 3)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_first_and_second_derivatives(name):
    function, *inputs = CASES[name]()
    assert gradcheck(function, tuple(inputs))
    assert gradgradcheck(function, tuple(inputs))
