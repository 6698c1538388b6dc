"""linear_cross_entropy, LinearCrossEntropyLoss and LinearCrossEntropyOptions against torch 2.13."""

from __future__ import annotations

import warnings

import ember
import numpy as np
import pytest

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(3)
X = RNG.normal(size=(29, 6))
W = RNG.normal(size=(9, 6))
B = RNG.normal(size=9)
T = RNG.integers(0, 9, 29)
T[[2, 11]] = -100
CW = RNG.random(9) + 0.1

CASES = {
    "mean": dict(),
    "sum-weighted": dict(reduction="sum", weight=True),
    "none-ignore-7": dict(reduction="none", ignore_index=7),
    "smoothing": dict(label_smoothing=0.2),
}
OPTIONS = {"reference": None, "chunked": dict(batch_chunk_size=4, chunking_method=None), "auto": dict()}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("options", list(OPTIONS))
def test_values_and_gradients(case, options):
    results = {}
    for fw in (ember, torch):
        x, w, b = (fw.tensor(a, requires_grad=True) for a in (X, W, B))
        kwargs = dict(CASES[case])
        target = np.where(T == -100, kwargs.get("ignore_index", -100), T)
        if kwargs.pop("weight", False):
            kwargs["weight"] = fw.tensor(CW)
        chosen = OPTIONS[options]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loss = fw.nn.functional.linear_cross_entropy(
                x, w, fw.tensor(target), linear_bias=b,
                options=None if chosen is None else fw.nn.LinearCrossEntropyOptions(**chosen), **kwargs,
            )  # fmt: skip
        loss.sum().backward()
        results[fw.__name__] = [loss.detach().numpy(), x.grad.numpy(), w.grad.numpy(), b.grad.numpy()]
    for got, expected in zip(results["ember"], results["torch"]):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_probability_targets_and_k_dimensional_loss():
    probabilities = RNG.dirichlet(np.ones(9), size=29)
    w3, t3 = RNG.normal(size=(9, 2, 6)), RNG.integers(0, 9, (29, 2))
    for weight, target in ((W, probabilities), (w3, t3)):
        got = ember.nn.functional.linear_cross_entropy(ember.tensor(X), ember.tensor(weight), ember.tensor(target))
        expected = torch.nn.functional.linear_cross_entropy(torch.tensor(X), torch.tensor(weight), torch.tensor(target))
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-12)


def test_the_module_prints_and_names_its_parameters_as_pytorchs():
    for kwargs in (dict(), dict(out_features=(3,), bias=True, reduction="sum", label_smoothing=0.1)):
        e = ember.nn.LinearCrossEntropyLoss(6, 9, **kwargs)
        t = torch.nn.LinearCrossEntropyLoss(6, 9, **kwargs)
        assert repr(e) == repr(t).replace("torch.", "ember.")
        assert [(n, tuple(p.shape)) for n, p in e.named_parameters()] == [
            (n, tuple(p.shape)) for n, p in t.named_parameters()
        ]
        assert list(e.state_dict()) == list(t.state_dict())


@pytest.mark.parametrize(
    "call",
    [
        lambda fw: fw.nn.functional.linear_cross_entropy(fw.ones(2, 3, 6), fw.ones(9, 6), fw.zeros(2, 3).long()),
        lambda fw: fw.nn.functional.linear_cross_entropy(fw.ones(3, 6), fw.ones(9, 4), fw.zeros(3).long()),
        lambda fw: fw.nn.functional.linear_cross_entropy(
            fw.ones(3, 6), fw.ones(9, 6), fw.zeros(3).long(), linear_bias=fw.ones(4)
        ),
        lambda fw: fw.nn.functional.linear_cross_entropy(
            fw.ones(3, 6), fw.ones(9, 6), fw.zeros(3).long(), reduction="x"
        ),
        lambda fw: fw.nn.LinearCrossEntropyOptions(acc_policy="fast"),
        lambda fw: fw.nn.LinearCrossEntropyOptions(chunking_method="rows:4"),
    ],
)
def test_errors_have_pytorchs_types_and_messages(call):
    caught = []
    for fw in (ember, torch):
        with pytest.raises(Exception) as info:
            call(fw)
        caught.append(info.value)
    assert type(caught[0]) is type(caught[1])
    assert str(caught[1]).split(",")[0] in str(caught[0])
