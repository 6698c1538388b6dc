"""swa_utils: averaged weights against NumPy means, SWALR's annealing, update_bn's statistics."""

import math

import ember
import numpy as np
import pytest
from ember import nn, optim
from ember.optim import swa_utils


def model_with_batchnorm():
    ember.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))


def snapshots(model, count, seed=0):
    """Give `model` `count` random weight sets (and training passes); yield after each."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        with ember.no_grad():
            for p in model.parameters():
                p.copy_(ember.from_numpy(rng.standard_normal(tuple(p.shape)).astype(np.float32)))
        model(ember.tensor(rng.standard_normal((5, 3)).astype(np.float32)))
        yield {k: v.numpy().copy() for k, v in model.state_dict().items()}


def test_swa_is_the_mean_of_the_snapshots():
    model = model_with_batchnorm()
    averaged = swa_utils.AveragedModel(model)
    history = []
    for state in snapshots(model, 5):
        averaged.update_parameters(model)
        history.append(state)
    assert averaged.module is not model and isinstance(averaged.module, nn.Sequential)
    assert averaged.n_averaged.dtype is ember.int64 and int(averaged.n_averaged) == 5
    got = averaged.state_dict()
    assert list(got) == ["n_averaged"] + [f"module.{k}" for k in model.state_dict()]
    for name, _ in model.named_parameters():
        mean = np.mean([state[name] for state in history], axis=0)
        np.testing.assert_allclose(got[f"module.{name}"].numpy(), mean, rtol=1e-6, atol=1e-6)
    for name, _ in model.named_buffers():  # buffers are copied, not averaged
        np.testing.assert_array_equal(got[f"module.{name}"].numpy(), history[-1][name])


@pytest.mark.parametrize("multi", [False, True])
def test_ema_with_buffers(multi):
    model = model_with_batchnorm()
    decay = 0.75
    options = {"multi_avg_fn": swa_utils.get_ema_multi_avg_fn(decay)} if multi else {}
    if not multi:
        options["avg_fn"] = swa_utils.get_ema_avg_fn(decay)
    averaged = swa_utils.AveragedModel(model, use_buffers=True, **options)
    expected = None
    for state in snapshots(model, 4):
        averaged.update_parameters(model)
        if expected is None:
            expected = {k: v.astype(np.float64) for k, v in state.items()}
        else:
            expected = {k: decay * expected[k] + (1 - decay) * v for k, v in state.items()}
    got = averaged.state_dict()
    for name, value in expected.items():
        if name.endswith("num_batches_tracked"):
            continue
        np.testing.assert_allclose(got[f"module.{name}"].numpy(), value, rtol=1e-5, atol=1e-6, err_msg=name)


def test_averaged_model_forward_and_errors():
    model = model_with_batchnorm().eval()
    averaged = swa_utils.AveragedModel(model).eval()
    averaged.update_parameters(model)
    x = ember.randn(2, 3)
    np.testing.assert_array_equal(averaged(x).detach().numpy(), model(x).detach().numpy())
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
        swa_utils.AveragedModel(model, avg_fn=swa_utils.get_swa_avg_fn(), multi_avg_fn=swa_utils.get_swa_multi_avg_fn())
    with pytest.raises(ValueError, match=r"Invalid decay value 1.5 provided. Please provide a value in \[0,1\] range."):
        swa_utils.get_ema_avg_fn(1.5)
    with pytest.raises(ValueError, match="Invalid decay value -0.5"):
        swa_utils.get_ema_multi_avg_fn(-0.5)


def test_swa_avg_fns_agree():
    a, b = ember.tensor([1.0, 2.0]), ember.tensor([4.0, -1.0])
    np.testing.assert_allclose(swa_utils.get_swa_avg_fn()(a, b, 2).numpy(), [2.0, 1.0])
    swa_utils.get_swa_multi_avg_fn()([a], [b], ember.tensor(2))
    np.testing.assert_allclose(a.numpy(), [2.0, 1.0])


def swalr_reference(lr, swa_lr, epochs, anneal, steps):
    """The lr SWALR sets after each step, from its recursive rule."""
    anneal_fn = (lambda t: (1 - math.cos(math.pi * t)) / 2) if anneal == "cos" else (lambda t: t)
    lrs, current = [], lr
    for count in range(1, steps + 1):
        step = max(1, count - 1) if epochs == 0 else count - 1
        previous = anneal_fn(max(0, min(1, (step - 1) / max(1, epochs))))
        alpha = anneal_fn(max(0, min(1, step / max(1, epochs))))
        start = swa_lr if previous == 1 else (current - previous * swa_lr) / (1 - previous)
        current = swa_lr * alpha + start * (1 - alpha)
        lrs.append(current)
    return lrs


@pytest.mark.parametrize("anneal", ["cos", "linear"])
@pytest.mark.parametrize("epochs", [0, 3])
def test_swalr_anneals_to_swa_lr(anneal, epochs):
    opt = optim.SGD([ember.zeros(1, requires_grad=True)], lr=0.5)
    scheduler = swa_utils.SWALR(opt, swa_lr=0.05, anneal_epochs=epochs, anneal_strategy=anneal)
    seen = [scheduler.get_last_lr()[0]]
    for _ in range(7):
        opt.step()
        scheduler.step()
        seen.append(scheduler.get_last_lr()[0])
    assert seen == pytest.approx(swalr_reference(0.5, 0.05, epochs, anneal, 8), rel=1e-12)
    assert seen[-1] == pytest.approx(0.05) and opt.param_groups[0]["swa_lr"] == 0.05


def test_swalr_state_dict_and_errors():
    opt = optim.SGD([ember.zeros(1, requires_grad=True)], lr=0.5)
    scheduler = swa_utils.SWALR(opt, swa_lr=0.05, anneal_strategy="linear")
    state = scheduler.state_dict()
    assert "optimizer" not in state and "anneal_func" not in state and state["_anneal_strategy"] == "linear"
    other = swa_utils.SWALR(opt, swa_lr=0.05)
    other.load_state_dict(state)
    assert other.anneal_func(0.3) == 0.3
    with pytest.raises(ValueError, match="anneal_strategy must be one of 'cos' or 'linear', instead got exp"):
        swa_utils.SWALR(opt, swa_lr=0.1, anneal_strategy="exp")
    with pytest.raises(ValueError, match="anneal_epochs must be equal or greater than 0, got 1.5"):
        swa_utils.SWALR(opt, swa_lr=0.1, anneal_epochs=1.5)


def test_update_bn_recomputes_the_statistics():
    model = model_with_batchnorm()
    rng = np.random.default_rng(3)
    batches = [rng.standard_normal((n, 3)).astype(np.float32) for n in (4, 6)]
    model.eval()
    bn = model[1]
    bn.running_mean.fill_(7.0)
    swa_utils.update_bn([(ember.tensor(b), None) for b in batches], model)
    assert not model.training and bn.momentum == 0.1 and int(bn.num_batches_tracked) == 2
    hidden = [model[0](ember.tensor(b)).detach().numpy().astype(np.float64) for b in batches]
    np.testing.assert_allclose(bn.running_mean.numpy(), np.mean([h.mean(0) for h in hidden], axis=0), rtol=1e-5)
    np.testing.assert_allclose(bn.running_var.numpy(), np.mean([h.var(0, ddof=1) for h in hidden], axis=0), rtol=1e-5)
    swa_utils.update_bn([ember.ones(2, 3)], nn.Linear(3, 2))  # no BatchNorm: nothing to do
