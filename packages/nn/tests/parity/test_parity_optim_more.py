"""Adafactor, Muon and swa_utils against PyTorch: trajectories, state dicts, averages, schedules, BatchNorm."""

import math

import ember
import ember.optim
import numpy as np
import pytest
from ember.optim import swa_utils

torch = pytest.importorskip("torch")

STEPS = 40
SHAPES = [(4, 8), (8,), (3, 5, 2), ()]
TOLERANCE = {np.float32: 1e-6, np.float64: 1e-12}


def twin_params(shapes, dtype, seed=0):
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal(shape).astype(dtype) for shape in shapes]
    return [torch.tensor(w.copy(), requires_grad=True) for w in weights], [
        ember.tensor(w.copy(), requires_grad=True) for w in weights
    ]


def give_same_grads(rng, theirs, mine):
    for t, e in zip(theirs, mine):
        g = rng.standard_normal(tuple(t.shape)).astype(t.detach().numpy().dtype)
        t.grad, e.grad = torch.tensor(g), ember.tensor(g)


def assert_same_state_dict_layout(theirs, mine):
    reference, ours = theirs.state_dict(), mine.state_dict()
    assert list(ours["state"]) == list(reference["state"])
    for key, values in reference["state"].items():
        assert list(ours["state"][key]) == list(values)
        for name, value in values.items():
            assert tuple(ours["state"][key][name].shape) == tuple(value.shape), name
            np.testing.assert_allclose(ours["state"][key][name].numpy(), value.numpy(), rtol=1e-5, atol=1e-6)
    assert ours["param_groups"] == reference["param_groups"]


ADAFACTOR_CASES = [
    {},
    {"lr": 0.05, "weight_decay": 0.1},
    {"maximize": True, "d": 2.0},
    {"eps": (1e-4, 1e-2), "beta2_decay": -0.5},
    {"lr": 0.001, "eps": (None, 0.0)},
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("options", ADAFACTOR_CASES)
def test_adafactor_trajectory(options, dtype):
    rng = np.random.default_rng(1)
    theirs, mine = twin_params(SHAPES, dtype)
    reference, ours = torch.optim.Adafactor(theirs, **options), ember.optim.Adafactor(mine, **options)
    for step in range(STEPS):
        give_same_grads(rng, theirs, mine)
        reference.step()
        ours.step()
        for t, e in zip(theirs, mine):
            expected = t.detach().numpy()
            np.testing.assert_allclose(
                e.detach().numpy(), expected, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype], err_msg=f"step {step}"
            )
    assert_same_state_dict_layout(reference, ours)


def test_adafactor_tensor_lr():
    rng = np.random.default_rng(6)
    theirs, mine = twin_params(SHAPES, np.float32)
    reference = torch.optim.Adafactor(theirs, lr=torch.tensor(0.02))
    ours = ember.optim.Adafactor(mine, lr=ember.tensor(0.02))
    for _ in range(10):
        give_same_grads(rng, theirs, mine)
        reference.step()
        ours.step()
    for t, e in zip(theirs, mine):
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-6, atol=1e-6)


def test_adafactor_param_groups_and_resume():
    rng = np.random.default_rng(2)
    theirs, mine = twin_params(SHAPES, np.float32)
    reference = torch.optim.Adafactor([{"params": theirs[:2]}, {"params": theirs[2:], "lr": 0.1}], weight_decay=0.01)
    ours = ember.optim.Adafactor([{"params": mine[:2]}, {"params": mine[2:], "lr": 0.1}], weight_decay=0.01)
    for _ in range(5):
        give_same_grads(rng, theirs, mine)
        reference.step()
        ours.step()
    resumed = ember.optim.Adafactor([{"params": mine[:2]}, {"params": mine[2:], "lr": 0.1}], weight_decay=0.01)
    resumed.load_state_dict(ours.state_dict())
    for _ in range(5):
        give_same_grads(rng, theirs, mine)
        reference.step()
        resumed.step()
    for t, e in zip(theirs, mine):
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-6, atol=1e-6)
    assert_same_state_dict_layout(reference, resumed)


MUON_SHAPES = [(4, 8), (8, 3), (5, 5)]
MUON_CASES = [
    {},
    {"lr": 0.02, "weight_decay": 0.01, "nesterov": False},
    {"adjust_lr_fn": "match_rms_adamw", "momentum": 0.3},
    {"lr": 0.01, "ns_steps": 3, "ns_coefficients": (2.0, -1.5, 0.5)},
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("options", MUON_CASES)
def test_muon_steps(options, dtype):
    """Each step from the same values: equal but for rare one-ulp bfloat16 flips (BLAS summation order)."""
    rng = np.random.default_rng(3)
    theirs, mine = twin_params(MUON_SHAPES, dtype)
    reference, ours = torch.optim.Muon(theirs, **options), ember.optim.Muon(mine, **options)
    lr = options.get("lr", 1e-3)
    mismatched = total = 0
    for step in range(STEPS):
        give_same_grads(rng, theirs, mine)
        reference.step()
        ours.step()
        for t, e in zip(theirs, mine):
            expected = t.detach().numpy()
            scale = ember.optim.muon._adjusted_lr(lr, options.get("adjust_lr_fn"), tuple(t.shape))
            gap = np.abs(e.detach().numpy() - expected)
            assert gap.max() <= scale * 2**-6, f"step {step}"
            mismatched += int((gap > TOLERANCE[dtype] * (1 + np.abs(expected))).sum())
            total += gap.size
            e._data[...] = expected  # continue from PyTorch's values so flips do not compound
        assert_same_state_dict_layout(reference, ours)
    assert mismatched <= 0.01 * total


def test_muon_rejects_non_matrices_like_torch():
    with pytest.raises(ValueError, match="Muon only supports 2D parameters") as ours:
        ember.optim.Muon([ember.zeros(3, requires_grad=True)])
    with pytest.raises(ValueError, match="Muon only supports 2D parameters") as theirs:
        torch.optim.Muon([torch.zeros(3, requires_grad=True)])
    assert str(theirs.value).replace("torch", "ember") in str(ours.value)


def test_defaults_match_torch():
    import inspect

    for name in ("Adafactor", "Muon"):
        ours = inspect.signature(getattr(ember.optim, name)).parameters
        reference = inspect.signature(getattr(torch.optim, name)).parameters
        assert list(ours) == list(reference)
        for key, parameter in reference.items():
            assert ours[key].default == parameter.default, (name, key)
            assert ours[key].kind == parameter.kind, (name, key)


def twin_models(seed=0):
    torch.manual_seed(seed)
    reference = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 2))
    mine = ember.nn.Sequential(ember.nn.Linear(3, 4), ember.nn.BatchNorm1d(4), ember.nn.Linear(4, 2))
    mine.load_state_dict({k: ember.tensor(v.numpy()) for k, v in reference.state_dict().items()})
    return reference, mine


def perturb(rng, reference, mine):
    """Change both models the same way: new weights and a training forward pass (moving BatchNorm stats)."""
    with torch.no_grad():
        for t, e in zip(reference.parameters(), mine.parameters()):
            value = rng.standard_normal(tuple(t.shape)).astype(np.float32)
            t.copy_(torch.tensor(value))
            e._data[...] = value
    x = rng.standard_normal((6, 3)).astype(np.float32)
    reference(torch.tensor(x))
    mine(ember.tensor(x))


AVERAGING = [
    ("swa", {}),
    ("swa buffers", {"use_buffers": True}),
    ("ema", {"avg_fn": "ema"}),
    ("ema multi buffers", {"multi_avg_fn": "ema_multi", "use_buffers": True}),
    ("swa multi", {"multi_avg_fn": "swa_multi"}),
]


def averaging_options(lib, options):
    makers = {
        "ema": lambda: lib.get_ema_avg_fn(0.9),
        "ema_multi": lambda: lib.get_ema_multi_avg_fn(0.8),
        "swa_multi": lib.get_swa_multi_avg_fn,
    }
    return {key: makers[value]() if isinstance(value, str) else value for key, value in options.items()}


@pytest.mark.parametrize("label, options", AVERAGING)
def test_averaged_model(label, options):
    rng = np.random.default_rng(4)
    reference, mine = twin_models()
    theirs_avg = torch.optim.swa_utils.AveragedModel(reference, **averaging_options(torch.optim.swa_utils, options))
    ours_avg = swa_utils.AveragedModel(mine, **averaging_options(swa_utils, options))
    for _ in range(6):
        perturb(rng, reference, mine)
        theirs_avg.update_parameters(reference)
        ours_avg.update_parameters(mine)
    expected, got = theirs_avg.state_dict(), ours_avg.state_dict()
    assert list(got) == list(expected)
    for key, value in expected.items():
        assert got[key].dtype.itemsize == value.dtype.itemsize, key
        np.testing.assert_allclose(got[key].numpy(), value.numpy(), rtol=1e-6, atol=1e-6, err_msg=key)
    x = rng.standard_normal((5, 3)).astype(np.float32)
    theirs_avg.eval()
    ours_avg.eval()
    np.testing.assert_allclose(
        ours_avg(ember.tensor(x)).detach().numpy(), theirs_avg(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6
    )


@pytest.mark.parametrize("strategy", ["cos", "linear"])
@pytest.mark.parametrize("anneal_epochs", [0, 1, 5])
def test_swalr_schedule(strategy, anneal_epochs):
    def make(lib):
        first, second = lib.zeros(1, requires_grad=True), lib.zeros(1, requires_grad=True)
        opt = lib.optim.SGD([{"params": [first]}, {"params": [second], "lr": 0.3}], lr=0.1)
        return opt, lib.optim.swa_utils.SWALR(
            opt, swa_lr=[0.05, 0.01], anneal_epochs=anneal_epochs, anneal_strategy=strategy
        )

    t_opt, t_sched = make(torch)
    e_opt, e_sched = make(ember)
    for epoch in range(12):
        assert e_sched.get_last_lr() == pytest.approx(t_sched.get_last_lr(), rel=1e-12, abs=1e-15), epoch
        t_opt.step()
        e_opt.step()
        t_sched.step()
        e_sched.step()
    ours, reference = e_sched.state_dict(), t_sched.state_dict()
    assert list(ours) == list(reference)
    for key, value in reference.items():
        assert ours[key] == (pytest.approx(value, rel=1e-12) if isinstance(value, list) else value), key
    assert repr(ember.optim.swa_utils.AveragedModel(ember.nn.Linear(2, 3))) == repr(
        torch.optim.swa_utils.AveragedModel(torch.nn.Linear(2, 3))
    )


def test_swalr_errors_like_torch():
    for lib in (torch, ember):
        opt = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1)
        with pytest.raises(ValueError, match="anneal_strategy must be one of 'cos' or 'linear'"):
            lib.optim.swa_utils.SWALR(opt, swa_lr=0.1, anneal_strategy="exp")
        with pytest.raises(ValueError, match="anneal_epochs must be equal or greater than 0"):
            lib.optim.swa_utils.SWALR(opt, swa_lr=0.1, anneal_epochs=-1)
        with pytest.raises(ValueError, match="swa_lr must have the same length"):
            lib.optim.swa_utils.SWALR(opt, swa_lr=[0.1, 0.2])


def test_update_bn_recomputes_batchnorm_statistics():
    rng = np.random.default_rng(5)
    reference, mine = twin_models(seed=1)
    batches = [rng.standard_normal((n, 3)).astype(np.float32) for n in (4, 7, 5)]
    reference.eval()
    mine.eval()
    torch.optim.swa_utils.update_bn([(torch.tensor(b), 0) for b in batches], reference)
    swa_utils.update_bn([ember.tensor(b) for b in batches], mine)
    assert not mine.training and mine[1].momentum == reference[1].momentum
    for key, value in reference.state_dict().items():
        np.testing.assert_allclose(mine.state_dict()[key].numpy(), value.numpy(), rtol=1e-5, atol=1e-6, err_msg=key)
    assert math.isclose(float(mine[1].num_batches_tracked), 3)


def test_swap_in_optimizer_params_and_state_matches_pytorch():
    results = []
    for fw in (ember, torch):
        fw.manual_seed(0)
        model = fw.nn.Linear(3, 2)
        with fw.no_grad():
            model.weight.copy_(fw.tensor([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]))
            model.bias.copy_(fw.tensor([0.05, -0.05]))
        opt = fw.optim.AdamW(model.parameters(), lr=0.1, weight_decay=0.01)
        model(fw.ones(1, 3)).sum().backward()
        opt.step()
        osd = opt.state_dict()
        swapped = {n: p.detach().clone() for n, p in model.named_parameters()}
        for p in swapped.values():
            p.grad = fw.full_like(p, 0.5)
        with fw.optim.swap_in_optimizer_params_and_state(opt, swapped, osd):
            opt.step()
        results.append(
            [p.detach().numpy().copy() for p in swapped.values()]
            + [p.detach().numpy().copy() for p in model.parameters()]
            + [opt.state[model.weight]["exp_avg"].numpy().copy()]
        )
    for got, expected in zip(*results):
        np.testing.assert_allclose(got, expected, rtol=1e-6)
