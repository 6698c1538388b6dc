"""ember.conv2d, ember.dropout, ember.batch_norm, ...: torch's top-level forms of nn.functional's functions,
which ember-nn hands to `ember` through its `ember.functions` entry points."""

from importlib import metadata

import ember
import ember.nn.functional as F
import numpy as np
import pytest
from ember.nn.functional import _top_level

ENTRY_POINTS = sorted(metadata.entry_points(group="ember.functions"), key=lambda entry: entry.name)


@pytest.mark.parametrize("entry", ENTRY_POINTS, ids=[entry.name for entry in ENTRY_POINTS])
def test_every_entry_point_is_an_ember_attribute(entry):
    function = getattr(ember, entry.name)
    assert function is entry.load()
    assert callable(function) and function.__doc__
    assert entry.name in vars(ember)  # loaded once, then an ordinary attribute


def test_same_signature_functions_are_nn_functionals():
    assert ember.conv2d is F.conv2d and ember.selu is F.selu and ember.pdist is F.pdist


def test_missing_ember_nn_names_the_package(monkeypatch):
    monkeypatch.setattr(ember, "_provided", {})
    monkeypatch.delitem(vars(ember), "hinge_embedding_loss", raising=False)
    with pytest.raises(AttributeError, match="come with ember-nn: pip install ember-nn"):
        ember.hinge_embedding_loss  # noqa: B018
    assert not hasattr(ember, "_no_such_private_name")


def test_unknown_names_are_still_attribute_errors():
    with pytest.raises(AttributeError, match="module 'ember' has no attribute 'no_such_function'$"):
        ember.no_such_function  # noqa: B018


def _rng(seed=0):
    return np.random.default_rng(seed)


def test_batch_and_instance_norm_take_atens_order():
    x = ember.tensor(_rng().normal(size=(4, 3, 5)))
    w, b = ember.tensor([1.0, 2.0, 0.5], dtype=ember.float64), ember.tensor([0.0, 1.0, -1.0], dtype=ember.float64)
    mean, var = ember.zeros(3, dtype=ember.float64), ember.ones(3, dtype=ember.float64)
    got = ember.batch_norm(x, w, b, mean, var, True, 0.1, 1e-5, False)
    data = x.numpy()
    expected = (data - data.mean((0, 2), keepdims=True)) / np.sqrt(data.var((0, 2), keepdims=True) + 1e-5)
    np.testing.assert_allclose(got.numpy(), expected * w.numpy()[:, None] + b.numpy()[:, None], rtol=1e-10)
    np.testing.assert_allclose(mean.numpy(), 0.1 * data.mean((0, 2)), rtol=1e-10)
    got = ember.instance_norm(x, w, b, None, None, True, 0.1, 1e-5, False)
    expected = (data - data.mean(2, keepdims=True)) / np.sqrt(data.var(2, keepdims=True) + 1e-5)
    np.testing.assert_allclose(got.numpy(), expected * w.numpy()[:, None] + b.numpy()[:, None], rtol=1e-10)


def test_embedding_takes_the_weight_first():
    weight = ember.tensor(_rng().normal(size=(5, 2)))
    indices = ember.tensor([[0, 4], [2, 2]])
    np.testing.assert_array_equal(ember.embedding(weight, indices).numpy(), weight.numpy()[indices.numpy()])
    weight.requires_grad_()
    ember.embedding(weight, indices, 2).sum().backward()
    np.testing.assert_array_equal(weight.grad.numpy()[:, 0], [1, 0, 0, 0, 1])


@pytest.mark.parametrize(("reduction", "reduce"), [(0, lambda a: a), (1, np.mean), (2, np.sum), ("sum", np.sum)])
def test_losses_take_the_reduction_as_a_number(reduction, reduce):
    x1, x2 = (ember.tensor(_rng(s).normal(size=6)) for s in (1, 2))
    y = ember.tensor([1.0, -1, 1, 1, -1, -1], dtype=ember.float64)
    np.testing.assert_allclose(ember.margin_ranking_loss(x1, x2, y, 0.2, reduction).numpy(),
                               reduce(np.maximum(0, -y.numpy() * (x1.numpy() - x2.numpy()) + 0.2)))  # fmt: skip
    np.testing.assert_allclose(ember.hinge_embedding_loss(x1, y, 1.0, reduction).numpy(),
                               reduce(np.where(y.numpy() == 1, x1.numpy(), np.maximum(0, 1 - x1.numpy()))))  # fmt: skip
    p = ember.tensor(_rng(3).uniform(0.1, 0.9, 6))
    np.testing.assert_allclose(ember.kl_div(x1, p, reduction).numpy(), reduce(p.numpy() * (np.log(p.numpy()) - x1.numpy())))  # fmt: skip
    logits = x1.numpy()
    bce = np.maximum(logits, 0) - logits * p.numpy() + np.log1p(np.exp(-np.abs(logits)))
    np.testing.assert_allclose(ember.binary_cross_entropy_with_logits(x1, p, None, None, reduction).numpy(), reduce(bce))  # fmt: skip
    np.testing.assert_allclose(ember.poisson_nll_loss(x1, p, True, False, 1e-8, reduction).numpy(),
                               reduce(np.exp(logits) - p.numpy() * logits))  # fmt: skip


def test_cosine_triplet_and_ctc_losses_agree_with_nn_functional():
    a, b, c = (ember.tensor(_rng(s).normal(size=(3, 4))) for s in (4, 5, 6))
    y = ember.tensor([1, -1, 1])
    assert ember.cosine_embedding_loss(a, b, y, 0.1, 2).item() == F.cosine_embedding_loss(a, b, y, 0.1, reduction="sum").item()  # fmt: skip
    assert ember.triplet_margin_loss(a, b, c, 1.0, 2.0, 1e-6, False, 0).tolist() == F.triplet_margin_loss(a, b, c, reduction="none").tolist()  # fmt: skip
    log_probs = ember.tensor(_rng(7).normal(size=(6, 2, 4))).log_softmax(2)
    targets, lengths, target_lengths = ember.tensor([[1, 2], [3, 3]]), [6, 5], [2, 2]
    assert ember.ctc_loss(log_probs, targets, lengths, target_lengths, 0, 2).item() == pytest.approx(
        F.ctc_loss(log_probs, targets, lengths, target_lengths, reduction="sum").item()
    )


def test_dropouts_take_a_required_train_flag():
    x = ember.ones(50, 8, 3)
    assert ember.dropout(x, 0.5, False) is x
    for name in ("dropout", "alpha_dropout", "feature_dropout", "feature_alpha_dropout"):
        assert getattr(ember, name)(x, 0.3, False) is x
        assert getattr(ember, name)(x, 0.3, True).shape == x.shape
    dropped = ember.feature_dropout(x, 0.5, True).numpy()
    assert set(np.unique(dropped)) <= {0.0, 2.0}
    assert (dropped == dropped[:, :, :1]).all()  # whole channels: one draw per (n, c)
    y = ember.ones(100, 4)
    assert ember.dropout_(y, 0.5, True) is y and set(np.unique(y.numpy())) <= {0.0, 2.0}
    z = ember.ones(10, 4, 2)
    assert ember.feature_dropout_(z, 0.5, True) is z and (z.numpy() == z.numpy()[:, :, :1]).all()
    with pytest.raises(RuntimeError, match="Feature dropout requires at least 2 dimensions"):
        ember.feature_dropout(ember.ones(3), 0.5, True)


def test_adaptive_max_pool1d_returns_values_and_indices():
    x = ember.tensor([[[1.0, 5.0, 2.0, 0.0, 7.0, 3.0]]])
    values, indices = ember.adaptive_max_pool1d(x, 2)
    assert values.tolist() == [[[5.0, 7.0]]] and indices.tolist() == [[[1, 4]]]


def test_adapters_are_documented():
    for name in dir(_top_level):
        if not name.startswith("_") and callable(getattr(_top_level, name)) and name != "Tensor":
            assert getattr(_top_level, name).__doc__
