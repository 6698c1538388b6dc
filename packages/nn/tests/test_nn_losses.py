"""Losses against NumPy formulas for every reduction, and their errors."""

import math
import warnings

import ember
import ember.nn.functional as F
import numpy as np
import pytest
from ember import nn

rng = np.random.default_rng(3)
X = rng.standard_normal((5, 4))
Y = rng.standard_normal((5, 4))
LABELS = np.array([0, 3, 1, 1, 2])
PROBS = rng.uniform(0.05, 0.95, (5, 4))
TARGETS01 = rng.uniform(0, 1, (5, 4))


def reduce(values, reduction):
    return {"mean": values.mean(), "sum": values.sum(), "none": values}[reduction]


def log_softmax(x, axis=1):
    shifted = x - x.max(axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis, keepdims=True))


def run(loss, *arrays):
    tensors = [ember.tensor(a) if isinstance(a, np.ndarray) else a for a in arrays]
    return loss(*tensors).detach().numpy()


REDUCTIONS = ["mean", "sum", "none"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses(reduction):
    d = X - Y
    np.testing.assert_allclose(run(nn.MSELoss(reduction=reduction), X, Y), reduce(d**2, reduction))
    np.testing.assert_allclose(run(nn.L1Loss(reduction=reduction), X, Y), reduce(np.abs(d), reduction))
    smooth = np.where(np.abs(d) < 0.5, 0.5 * d**2 / 0.5, np.abs(d) - 0.25)
    np.testing.assert_allclose(run(nn.SmoothL1Loss(reduction=reduction, beta=0.5), X, Y), reduce(smooth, reduction))
    huber = np.where(np.abs(d) < 0.8, 0.5 * d**2, 0.8 * (np.abs(d) - 0.4))
    np.testing.assert_allclose(run(nn.HuberLoss(reduction=reduction, delta=0.8), X, Y), reduce(huber, reduction))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_and_nll(reduction):
    logp = log_softmax(X)
    picked = -logp[np.arange(5), LABELS]
    np.testing.assert_allclose(
        run(nn.CrossEntropyLoss(reduction=reduction), X, ember.tensor(LABELS)), reduce(picked, reduction)
    )
    np.testing.assert_allclose(
        run(nn.NLLLoss(reduction=reduction), logp, ember.tensor(LABELS)), reduce(picked, reduction)
    )
    weight = np.array([0.5, 1.0, 2.0, 4.0])
    weighted = picked * weight[LABELS]
    expected = weighted.sum() / weight[LABELS].sum() if reduction == "mean" else reduce(weighted, reduction)
    loss = nn.CrossEntropyLoss(weight=ember.tensor(weight), reduction=reduction)
    np.testing.assert_allclose(run(loss, X, ember.tensor(LABELS)), expected)


def test_cross_entropy_ignore_index_and_label_smoothing():
    labels = LABELS.copy()
    labels[1] = -100
    logp = log_softmax(X)
    kept = labels != -100
    picked = -logp[np.arange(5)[kept], labels[kept]]
    np.testing.assert_allclose(run(F.cross_entropy, X, ember.tensor(labels)), picked.mean())
    smoothed = run(lambda a, b: F.cross_entropy(a, b, label_smoothing=0.3), X, ember.tensor(LABELS))
    target = np.full((5, 4), 0.3 / 4) + 0.7 * np.eye(4)[LABELS]
    np.testing.assert_allclose(smoothed, -(target * logp).sum(1).mean())


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_with_probabilities(reduction):
    target = PROBS / PROBS.sum(1, keepdims=True)
    expected = -(target * log_softmax(X)).sum(1)
    np.testing.assert_allclose(
        run(lambda a, b: F.cross_entropy(a, b, reduction=reduction), X, target), reduce(expected, reduction)
    )


def test_cross_entropy_spatial_and_unbatched():
    x = rng.standard_normal((2, 3, 4))
    labels = rng.integers(0, 3, (2, 4))
    logp = log_softmax(x, 1)
    expected = -np.take_along_axis(logp, labels[:, None], 1)[:, 0]
    np.testing.assert_allclose(
        run(lambda a, b: F.cross_entropy(a, b, reduction="none"), x, ember.tensor(labels)), expected
    )
    single = run(F.cross_entropy, X[0], ember.tensor(2))
    np.testing.assert_allclose(single, -log_softmax(X[:1])[0, 2])


def test_cross_entropy_is_stable_for_huge_logits():
    loss = F.cross_entropy(ember.tensor([[1e4, 0.0, -1e4]]), ember.tensor([1]))
    assert loss.item() == pytest.approx(1e4)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_forms(reduction):
    bce = -(TARGETS01 * np.log(PROBS) + (1 - TARGETS01) * np.log(1 - PROBS))
    np.testing.assert_allclose(run(nn.BCELoss(reduction=reduction), PROBS, TARGETS01), reduce(bce, reduction))
    sig = 1 / (1 + np.exp(-X))
    logits = -(TARGETS01 * np.log(sig) + (1 - TARGETS01) * np.log(1 - sig))
    np.testing.assert_allclose(run(nn.BCEWithLogitsLoss(reduction=reduction), X, TARGETS01), reduce(logits, reduction))
    pos = np.array([1.0, 2.0, 3.0, 0.5])
    weighted = -(pos * TARGETS01 * np.log(sig) + (1 - TARGETS01) * np.log(1 - sig))
    loss = nn.BCEWithLogitsLoss(pos_weight=ember.tensor(pos), reduction=reduction)
    np.testing.assert_allclose(run(loss, X, TARGETS01), reduce(weighted, reduction))


def test_binary_cross_entropy_clamps_log_and_logits_are_stable():
    assert F.binary_cross_entropy(ember.tensor([0.0]), ember.tensor([1.0])).item() == pytest.approx(100.0)
    assert F.binary_cross_entropy_with_logits(ember.tensor([-500.0]), ember.tensor([1.0])).item() == pytest.approx(
        500.0
    )


@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
def test_kl_div(reduction):
    logq = log_softmax(X)
    p = PROBS / PROBS.sum(1, keepdims=True)
    pointwise = p * (np.log(p) - logq)
    expected = pointwise.sum() / 5 if reduction == "batchmean" else reduce(pointwise, reduction)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(run(nn.KLDivLoss(reduction=reduction), logq, p), expected)
        np.testing.assert_allclose(run(nn.KLDivLoss(reduction=reduction, log_target=True), logq, np.log(p)), expected)
    zero_target = F.kl_div(ember.tensor([math.log(0.5)]), ember.tensor([0.0]), reduction="sum")
    assert zero_target.item() == 0.0


def test_mse_warns_on_broadcasting_target_and_errors_when_impossible():
    with pytest.warns(UserWarning, match=r"Using a target size \(ember.Size\(\[3, 1\]\)\) that is different"):
        out = F.mse_loss(ember.zeros(3), ember.ones(3, 1))
    assert out.item() == 1.0
    with pytest.raises(RuntimeError, match="cannot be broadcast"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            F.mse_loss(ember.zeros(3), ember.ones(4))


def test_loss_errors():
    with pytest.raises(ValueError, match="invalid is not a valid value for reduction"):
        F.mse_loss(ember.zeros(2), ember.zeros(2), reduction="invalid")
    with pytest.raises(ValueError, match=r"Expected input batch_size \(5\) to match target batch_size \(3\)"):
        F.cross_entropy(ember.tensor(X), ember.tensor([0, 1, 2]))
    with pytest.raises(IndexError, match="Target 7 is out of bounds."):
        F.cross_entropy(ember.tensor(X), ember.tensor([0, 1, 2, 7, 0]))
    with pytest.raises(RuntimeError, match="expected scalar type Long but found Float"):
        F.nll_loss(ember.tensor(X), ember.tensor([0.0, 1.0, 2.0, 3.0, 0.0]))
    with pytest.raises(ValueError, match="must be the same as input size"):
        F.binary_cross_entropy_with_logits(ember.zeros(3), ember.zeros(3, 1))
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(ember.tensor([1.5]), ember.tensor([1.0]))


def test_loss_grad_fn_names_follow_pytorch():
    x = ember.tensor(X, requires_grad=True)
    names = {
        "mse": F.mse_loss(x, ember.tensor(Y)),
        "l1": F.l1_loss(x, ember.tensor(Y)),
        "ce": F.cross_entropy(x, ember.tensor(LABELS)),
        "bce": F.binary_cross_entropy(x.sigmoid(), ember.tensor(TARGETS01)),
        "bcel": F.binary_cross_entropy_with_logits(x, ember.tensor(TARGETS01)),
    }
    assert {k: type(v.grad_fn).__name__ for k, v in names.items()} == {
        "mse": "MseLossBackward0",
        "l1": "MeanBackward0",
        "ce": "NllLossBackward0",
        "bce": "BinaryCrossEntropyBackward0",
        "bcel": "BinaryCrossEntropyWithLogitsBackward0",
    }
    assert type(names["ce"].grad_fn.next_functions[0][0]).__name__ == "LogSoftmaxBackward0"


@pytest.mark.parametrize("size", [50, 40_000])  # a dot product of the differences below 2**14 elements
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_mse_matches_float64_numpy_at_every_size(size, reduction):
    rng = np.random.default_rng(size)
    x, t = rng.standard_normal((2, size)).astype(np.float32)
    squares = (x.astype(np.float64) - t) ** 2
    expected = squares.mean() if reduction == "mean" else squares.sum()
    got = F.mse_loss(ember.tensor(x), ember.tensor(t), reduction=reduction)
    assert got.dtype is ember.float32 and got.shape == ()
    np.testing.assert_allclose(got.item(), expected, rtol=2e-6)


@pytest.mark.parametrize(("name", "kernel"), [("mse_loss", "mse_cpu"), ("huber_loss", "huber_cpu")])
@pytest.mark.parametrize(("dtype", "word"), [(ember.int64, "Long"), (ember.bool, "Bool")])
def test_regression_losses_refuse_integer_tensors_instead_of_truncating(name, kernel, dtype, word):
    a, b = ember.tensor([0, 1], dtype=dtype), ember.tensor([1, 1], dtype=dtype)
    with pytest.raises(NotImplementedError, match=rf"\"{kernel}\" not implemented for '{word}'; convert .*float"):
        getattr(F, name)(a, b)


def test_mse_loss_of_an_integer_and_a_floating_tensor_promotes():
    assert F.mse_loss(ember.tensor([0, 1]), ember.tensor([1.0, 1.0])).item() == 0.5


@pytest.mark.parametrize("loss", [F.mse_loss, F.huber_loss, F.smooth_l1_loss])
def test_difference_losses_keep_their_difference_for_backward(loss):
    """The rule reads the forward's input - target; retain_graph runs it twice, and the inputs still guard it."""
    rng = np.random.default_rng(0)
    x = ember.tensor(rng.normal(size=(5, 3)), requires_grad=True)
    t = ember.tensor(rng.normal(size=(3,)), requires_grad=True)  # broadcast against x
    out = loss(x * 2, t)
    out.backward(retain_graph=True)
    first = (x.grad.numpy().copy(), t.grad.numpy().copy())
    x.grad = t.grad = None
    out.backward()
    np.testing.assert_array_equal(x.grad.numpy(), first[0])
    np.testing.assert_array_equal(t.grad.numpy(), first[1])
    d = 2 * x.detach().numpy() - t.detach().numpy()
    if loss is F.mse_loss:
        np.testing.assert_allclose(first[0], 2 * 2 * d / d.size)
        np.testing.assert_allclose(first[1], -(2 * d / d.size).sum(0))
    with pytest.raises(RuntimeError, match="freed"):
        out.backward()


@pytest.mark.parametrize("changed", ["input", "target"])
def test_difference_loss_backward_refuses_inputs_changed_in_place(changed):
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    t = ember.tensor([0.5, 0.5])
    out = F.mse_loss(y, t)
    (y if changed == "input" else t).add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.backward()
