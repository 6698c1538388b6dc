"""Every loss, with every reduction, against PyTorch: values, gradients and grad_fn names."""

import warnings

import ember
import numpy as np
import pytest
from ember import nn as enn

torch = pytest.importorskip("torch")
tnn = torch.nn

rng = np.random.default_rng(99)


def arrays():
    x = rng.standard_normal((6, 4)).astype(np.float32) * 2
    probs = rng.uniform(0.02, 0.98, (6, 4)).astype(np.float32)
    soft = probs / probs.sum(1, keepdims=True)
    return {
        "x": x,
        "y": rng.standard_normal((6, 4)).astype(np.float32),
        "labels": np.array([0, 3, 1, 1, 2, 3]),
        "labels_ignored": np.array([0, 3, -100, 1, 2, -100]),
        "probs": probs,
        "soft": soft,
        "log_soft": np.log(soft),
        "targets01": rng.uniform(0, 1, (6, 4)).astype(np.float32),
        "weight4": np.array([0.2, 1.0, 2.5, 0.7], dtype=np.float32),
        "x4d": rng.standard_normal((2, 3, 2, 2)).astype(np.float32),
        "labels4d": rng.integers(0, 3, (2, 2, 2)),
    }


# name: (class, kwargs (arrays by key via "@key"), input key, target key, target differentiable)
CASES = {
    "MSELoss": ("MSELoss", {}, "x", "y", True),
    "L1Loss": ("L1Loss", {}, "x", "y", True),
    "SmoothL1Loss": ("SmoothL1Loss", {"beta": 0.7}, "x", "y", True),
    "SmoothL1Loss-beta0": ("SmoothL1Loss", {"beta": 0.0}, "x", "y", True),
    "HuberLoss": ("HuberLoss", {"delta": 1.3}, "x", "y", True),
    "CrossEntropyLoss": ("CrossEntropyLoss", {}, "x", "labels", False),
    "CrossEntropyLoss-weight": ("CrossEntropyLoss", {"weight": "@weight4"}, "x", "labels", False),
    "CrossEntropyLoss-ignore": ("CrossEntropyLoss", {"weight": "@weight4"}, "x", "labels_ignored", False),
    "CrossEntropyLoss-ignore-custom": ("CrossEntropyLoss", {"ignore_index": 3}, "x", "labels", False),
    "CrossEntropyLoss-smoothing": ("CrossEntropyLoss", {"label_smoothing": 0.15}, "x", "labels_ignored", False),
    "CrossEntropyLoss-smoothing-weight": (
        "CrossEntropyLoss",
        {"label_smoothing": 0.15, "weight": "@weight4"},
        "x",
        "labels_ignored",
        False,
    ),
    "CrossEntropyLoss-probabilities": ("CrossEntropyLoss", {}, "x", "soft", True),
    "CrossEntropyLoss-probabilities-smoothing": (
        "CrossEntropyLoss",
        {"label_smoothing": 0.2, "weight": "@weight4"},
        "x",
        "soft",
        True,
    ),
    "CrossEntropyLoss-spatial": ("CrossEntropyLoss", {}, "x4d", "labels4d", False),
    "NLLLoss": ("NLLLoss", {}, "log_soft", "labels", False),
    "NLLLoss-weight-ignore": ("NLLLoss", {"weight": "@weight4"}, "log_soft", "labels_ignored", False),
    "BCELoss": ("BCELoss", {}, "probs", "targets01", True),
    "BCELoss-weight": ("BCELoss", {"weight": "@weight4"}, "probs", "targets01", True),
    "BCEWithLogitsLoss": ("BCEWithLogitsLoss", {}, "x", "targets01", True),
    "BCEWithLogitsLoss-pos_weight": (
        "BCEWithLogitsLoss",
        {"pos_weight": "@weight4", "weight": "@weight4"},
        "x",
        "targets01",
        True,
    ),
    "KLDivLoss": ("KLDivLoss", {}, "log_soft", "soft", True),
    "KLDivLoss-log_target": ("KLDivLoss", {"log_target": True}, "log_soft", "log_soft", True),
}


def resolve(kwargs: dict, data: dict, make):
    return {k: make(data[v[1:]]) if isinstance(v, str) and v.startswith("@") else v for k, v in kwargs.items()}


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", CASES)
def test_loss_matches_pytorch(name, reduction):
    cls, kwargs, input_key, target_key, target_grad = CASES[name]
    data = arrays()
    torch_loss = getattr(tnn, cls)(reduction=reduction, **resolve(kwargs, data, torch.tensor))
    ember_loss = getattr(enn, cls)(reduction=reduction, **resolve(kwargs, data, ember.tensor))
    floating = data[target_key].dtype.kind == "f"
    t_input = torch.tensor(data[input_key], requires_grad=True)
    e_input = ember.tensor(data[input_key], requires_grad=True)
    t_target = torch.tensor(data[target_key], requires_grad=floating and target_grad)
    e_target = ember.tensor(data[target_key], requires_grad=floating and target_grad)
    t_out = torch_loss(t_input, t_target)
    e_out = ember_loss(e_input, e_target)
    assert e_out.shape == tuple(t_out.shape)
    np.testing.assert_allclose(e_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-5, atol=1e-6)
    upstream = rng.standard_normal(tuple(t_out.shape)).astype(np.float32)
    t_out.backward(torch.tensor(upstream))
    e_out.backward(ember.tensor(upstream))
    np.testing.assert_allclose(e_input.grad.numpy(), t_input.grad.numpy(), rtol=1e-4, atol=1e-6)
    if t_target.requires_grad:
        np.testing.assert_allclose(e_target.grad.numpy(), t_target.grad.numpy(), rtol=1e-4, atol=1e-6)
    if not name.startswith("CrossEntropyLoss-probabilities") or reduction != "mean":
        assert type(e_out.grad_fn).__name__ == type(t_out.grad_fn).__name__
    assert repr(ember_loss) == repr(torch_loss)


def test_batchmean_and_legacy_flags_match():
    data = arrays()
    target = data["targets01"] / data["targets01"].sum(1, keepdims=True)
    t = tnn.functional.kl_div(torch.tensor(data["log_soft"]), torch.tensor(target), reduction="batchmean")
    e = enn.functional.kl_div(ember.tensor(data["log_soft"]), ember.tensor(target), reduction="batchmean")
    assert e.item() == pytest.approx(t.item(), rel=1e-5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for size_average, reduce in [(False, None), (None, False), (True, True)]:
            assert enn.L1Loss(size_average, reduce).reduction == tnn.L1Loss(size_average, reduce).reduction


def test_size_mismatch_warning_and_errors_match():
    with warnings.catch_warnings(record=True) as torch_caught:
        warnings.simplefilter("always")
        tnn.functional.mse_loss(torch.zeros(3), torch.zeros(3, 1))
    with warnings.catch_warnings(record=True) as ember_caught:
        warnings.simplefilter("always")
        enn.functional.mse_loss(ember.zeros(3), ember.zeros(3, 1))
    assert str(ember_caught[0].message) == str(torch_caught[0].message).replace("torch.", "ember.")
    cases = [
        (lambda F, m: F.cross_entropy(m.zeros(4, 3), m.tensor([0, 1])), ValueError),
        (lambda F, m: F.binary_cross_entropy(m.full((3,), 0.5), m.zeros(3, 1)), ValueError),
        (lambda F, m: F.binary_cross_entropy_with_logits(m.zeros(3), m.zeros(3, 1)), ValueError),
        (lambda F, m: F.mse_loss(m.zeros(2), m.zeros(2), reduction="bad"), ValueError),
    ]
    for call, error in cases:
        with pytest.raises(error) as torch_error:
            call(tnn.functional, torch)
        with pytest.raises(error) as ember_error:
            call(enn.functional, ember)
        assert str(ember_error.value) == str(torch_error.value).replace("torch.", "ember.")


INTEGER_LOSS_CALLS = {
    "mse_loss": lambda F, a, b: F.mse_loss(a, b),
    "mse_loss none": lambda F, a, b: F.mse_loss(a, b, reduction="none"),
    "huber_loss": lambda F, a, b: F.huber_loss(a, b),
    "smooth_l1_loss": lambda F, a, b: F.smooth_l1_loss(a, b),
}


@pytest.mark.parametrize("name", INTEGER_LOSS_CALLS)
@pytest.mark.parametrize("dtype", ["int64", "bool"])
def test_regression_losses_refuse_non_floating_tensors_as_torch_does(name, dtype):
    values = np.array([0, 1]).astype(dtype), np.array([1, 1]).astype(dtype)
    with pytest.raises(NotImplementedError) as expected:
        INTEGER_LOSS_CALLS[name](torch.nn.functional, *(torch.from_numpy(v) for v in values))
    with pytest.raises(NotImplementedError) as got:
        INTEGER_LOSS_CALLS[name](enn.functional, *(ember.from_numpy(v) for v in values))
    assert str(got.value).split(";")[0] == str(expected.value)
