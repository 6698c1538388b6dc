"""linear_cross_entropy and LinearCrossEntropyLoss: the reference path against NumPy, the chunked path against the
reference path (values and gradients, every reduction, class weights, ignored targets), options, and gradcheck."""

from __future__ import annotations

import warnings

import ember
import numpy as np
import pytest
from ember import nn
from ember.autograd import gradcheck, gradgradcheck
from ember.nn import functional as F

RNG = np.random.default_rng(0)
X = RNG.normal(size=(23, 5))
W = RNG.normal(size=(7, 5))
B = RNG.normal(size=7)
T = RNG.integers(0, 7, 23)
T[4] = -100
CLASS_WEIGHTS = RNG.random(7) + 0.2


def numpy_loss(x, w, b, t, class_weights=None, reduction="mean"):
    logits = x @ w.T + b
    logp = (
        logits
        - np.log(np.exp(logits - logits.max(1, keepdims=True)).sum(1, keepdims=True))
        - logits.max(1, keepdims=True)
    )
    kept = t != -100
    safe = np.where(kept, t, 0)
    weights = (np.ones(7) if class_weights is None else class_weights)[safe] * kept
    losses = -logp[np.arange(len(t)), safe] * weights
    if reduction == "none":
        return losses
    return losses.sum() / weights.sum() if reduction == "mean" else losses.sum()


def run(options, reduction="mean", class_weights=None):
    x, w, b = (ember.tensor(a, requires_grad=True) for a in (X, W, B))
    weight = None if class_weights is None else ember.tensor(class_weights)
    loss = F.linear_cross_entropy(
        x, w, ember.tensor(T), linear_bias=b, weight=weight, reduction=reduction, options=options
    )
    (loss * ember.tensor(np.linspace(1, 2, loss.numel()).reshape(tuple(loss.shape)))).sum().backward()
    return loss.detach().numpy(), x.grad.numpy(), w.grad.numpy(), b.grad.numpy()


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("class_weights", [None, CLASS_WEIGHTS], ids=["unweighted", "weighted"])
def test_reference_path_matches_numpy(reduction, class_weights):
    got = run(None, reduction, class_weights)[0]
    np.testing.assert_allclose(got, numpy_loss(X, W, B, T, class_weights, reduction), rtol=1e-12)


OPTIONS = {
    "one-chunk": dict(chunking_method=None),
    "chunks-of-4": dict(batch_chunk_size=4, chunking_method=None),
    "auto": dict(),
    "aspect_ratio:8": dict(chunking_method="aspect_ratio:8"),
}


@pytest.mark.parametrize("name", list(OPTIONS))
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("class_weights", [None, CLASS_WEIGHTS], ids=["unweighted", "weighted"])
def test_the_chunked_path_gives_the_reference_values_and_gradients(name, reduction, class_weights):
    expected = run(None, reduction, class_weights)
    got = run(nn.LinearCrossEntropyOptions(**OPTIONS[name]), reduction, class_weights)
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_chunk_sizes():
    options = nn.LinearCrossEntropyOptions(chunking_method="aspect_ratio")
    assert options.chunk_rows(1000, 50, 10) == 256  # next_pow2(ceil(1000 / ceil(50 / 10)))
    assert nn.LinearCrossEntropyOptions().chunk_rows(1000, 50, 10) == 128  # "auto": aspect_ratio:2
    assert nn.LinearCrossEntropyOptions(chunking_method="aspect_ratio:4").chunk_rows(1000, 50, 10) == 64
    assert nn.LinearCrossEntropyOptions(chunking_method=None, batch_chunk_size=7).chunk_rows(1000, 50, 10) == 7
    with pytest.raises(ValueError, match="disagree"):
        nn.LinearCrossEntropyOptions(batch_chunk_size=7).chunk_rows(1000, 50, 10)
    with pytest.raises(ValueError, match="invalid chunking_method: 'num_chunks:3'"):
        nn.LinearCrossEntropyOptions(chunking_method="num_chunks:3")
    with pytest.raises(ValueError, match="invalid acc_policy: 'bad'"):
        nn.LinearCrossEntropyOptions(acc_policy="bad")


def test_unsupported_configurations_fall_back_with_a_warning():
    x, w = ember.tensor(X), ember.tensor(W)
    with pytest.warns(UserWarning, match=r"``options`` ignored; chunked path needs .* label_smoothing=0.1"):
        smoothed = F.linear_cross_entropy(
            x, w, ember.tensor(T), label_smoothing=0.1, options=nn.LinearCrossEntropyOptions()
        )
    np.testing.assert_array_equal(
        smoothed.numpy(), F.linear_cross_entropy(x, w, ember.tensor(T), label_smoothing=0.1).numpy()
    )


def test_a_second_backward_needs_allow_retain_graph():
    for allow in (False, True):
        x = ember.tensor(X, requires_grad=True)
        loss = F.linear_cross_entropy(
            x, ember.tensor(W), ember.tensor(T), options=nn.LinearCrossEntropyOptions(allow_retain_graph=allow)
        )
        loss.backward(retain_graph=True)
        if allow:
            loss.backward()
            np.testing.assert_allclose(x.grad.numpy(), 2 * _plain_input_grad(), rtol=1e-12)
        else:
            with pytest.raises(RuntimeError, match="allow_retain_graph=True"):
                loss.backward()


def _plain_input_grad() -> np.ndarray:
    x = ember.tensor(X, requires_grad=True)
    F.linear_cross_entropy(x, ember.tensor(W), ember.tensor(T)).backward()
    return x.grad.numpy()


def test_k_dimensional_loss_and_one_sample():
    w3 = RNG.normal(size=(7, 3, 5))
    t3 = RNG.integers(0, 7, (23, 3))
    got = F.linear_cross_entropy(ember.tensor(X), ember.tensor(w3), ember.tensor(t3), reduction="none")
    logits = np.einsum("ni,cki->nck", X, w3)
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    expected = -np.take_along_axis(logp, t3[:, None, :], 1)[:, 0]
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)
    one = F.linear_cross_entropy(
        ember.tensor(X[0]), ember.tensor(W), ember.tensor(T[1]), options=nn.LinearCrossEntropyOptions()
    )
    np.testing.assert_allclose(one.numpy(), numpy_loss(X[:1], W, np.zeros(7), T[1:2]), rtol=1e-12)


def test_errors():
    x, w, t = ember.tensor(X), ember.tensor(W), ember.tensor(T)
    with pytest.raises(RuntimeError, match="expected input with dimensionality 1 or 2, got 3"):
        F.linear_cross_entropy(x.reshape(1, 23, 5), w, t)
    with pytest.raises(RuntimeError, match="expected equal input and linear_weight last dimensions"):
        F.linear_cross_entropy(x, w[:, :3], t)
    with pytest.raises(RuntimeError, match=r"expected linear_bias shape \(7,\), got \(4,\)"):
        F.linear_cross_entropy(x, w, t, linear_bias=ember.ones(4))


def test_the_module_owns_a_flat_linear_layer():
    loss = nn.LinearCrossEntropyLoss(5, 7, out_features=(3,), bias=True)
    assert [(n, tuple(p.shape)) for n, p in loss.named_parameters()] == [
        ("linear.weight", (21, 5)),
        ("linear.bias", (21,)),
    ]
    x, t = ember.tensor(X, dtype=ember.float32), ember.tensor(RNG.integers(0, 7, (23, 3)))
    expected = F.linear_cross_entropy(
        x, loss.linear.weight.reshape(7, 3, 5), t, linear_bias=loss.linear.bias.reshape(7, 3)
    )
    np.testing.assert_array_equal(loss(x, t).detach().numpy(), expected.detach().numpy())


def _inputs():
    return (
        ember.tensor(RNG.normal(size=(9, 4)), requires_grad=True),
        ember.tensor(RNG.normal(size=(6, 4)), requires_grad=True),
        ember.tensor(RNG.normal(size=6), requires_grad=True),
    )


TARGET = ember.tensor(RNG.integers(0, 6, 9))


def test_gradcheck_of_both_paths():
    reference = lambda x, w, b: F.linear_cross_entropy(x, w, TARGET, linear_bias=b)  # noqa: E731
    assert gradcheck(reference, _inputs())
    assert gradgradcheck(reference, _inputs())
    options = nn.LinearCrossEntropyOptions(batch_chunk_size=2, chunking_method=None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chunked = lambda x, w, b: F.linear_cross_entropy(x, w, TARGET, linear_bias=b, options=options, reduction="none")  # noqa: E731
        assert gradcheck(chunked, _inputs())
