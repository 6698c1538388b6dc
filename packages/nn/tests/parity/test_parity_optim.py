"""ember.optim against torch.optim: parameter trajectories, state dicts and learning-rate schedules."""

import math

import ember
import ember.optim
import numpy as np
import pytest

torch = pytest.importorskip("torch")

STEPS = 20


def initial_weights(seed=0):
    rng = np.random.default_rng(seed)
    shapes = [(4, 8), (8,), (8, 3), (3,)]
    return [(rng.standard_normal(shape) * 0.5).astype(np.float32) for shape in shapes]


def batch(seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((16, 4)).astype(np.float32), rng.standard_normal((16, 3)).astype(np.float32)


def mlp_loss(params, x, target):
    w1, b1, w2, b2 = params
    hidden = (x @ w1 + b1).tanh()
    return ((hidden @ w2 + b2 - target) ** 2).mean()


class Run:
    """One library's side of a comparison: leaf parameters, an optimizer, data, and a step."""

    def __init__(self, lib, name, options, weights, groups=None):
        self.lib = lib
        self.params = [lib.tensor(w.copy(), requires_grad=True) for w in weights]
        x, target = batch()
        self.x, self.target = lib.tensor(x.astype(weights[0].dtype)), lib.tensor(target.astype(weights[0].dtype))
        opt_class = getattr(lib.optim, name)
        if groups is None:
            self.opt = opt_class(self.params, **options)
        else:
            self.opt = opt_class(
                [{"params": [self.params[i] for i in idx], **extra} for idx, extra in groups], **options
            )

    def step(self):
        self.opt.zero_grad()
        mlp_loss(self.params, self.x, self.target).backward()
        self.opt.step()

    def values(self):
        return [p.detach().numpy().copy() for p in self.params]


def assert_same_trajectory(mine, theirs, steps=STEPS, rtol=2e-5, atol=2e-6):
    for step in range(steps):
        mine.step()
        theirs.step()
        for ours, reference in zip(mine.values(), theirs.values()):
            assert ours.dtype == reference.dtype
            np.testing.assert_allclose(ours, reference, rtol=rtol, atol=atol, err_msg=f"after step {step + 1}")


CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.2, "weight_decay": 1e-2}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-3}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "maximize": True}),
    ("Adam", {}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "maximize": True, "eps": 1e-6}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.01, "centered": True, "alpha": 0.9, "weight_decay": 1e-2}),
    ("RMSprop", {"lr": 0.003, "centered": True, "momentum": 0.5, "alpha": 0.6}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 1e-2, "initial_accumulator_value": 0.1, "eps": 1e-8}),
    ("NAdam", {}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "maximize": True, "momentum_decay": 0.01}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", {}),
    ("RAdam", {"lr": 0.01, "weight_decay": 0.1}),
    ("RAdam", {"lr": 0.01, "betas": (0.9, 0.9), "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("Adamax", {}),
    ("Adamax", {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.1, "maximize": True}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-5, "weight_decay": 0.1}),
    ("Rprop", {}),
    ("Rprop", {"lr": 0.001, "etas": (0.3, 1.5), "step_sizes": (1e-4, 0.01), "maximize": True}),
    ("ASGD", {}),
    ("ASGD", {"lr": 0.05, "lambd": 1e-2, "alpha": 0.5, "t0": 5, "weight_decay": 0.01}),
]


def case_id(case):
    name, options = case
    return name + "".join(f"-{k}={v}" for k, v in options.items())


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_trajectory_matches_torch_for_20_steps(case):
    name, options = case
    weights = initial_weights()
    assert_same_trajectory(Run(ember, name, options, weights), Run(torch, name, options, weights))


def test_centered_rmsprop_with_small_alpha_matches_torch_in_float64():
    # NOTE: square_avg - grad_avg**2 cancels badly here; float32 rounding alone moves the trajectory by 1e-5.
    options = {"lr": 0.003, "centered": True, "momentum": 0.5, "alpha": 0.3}
    weights = [w.astype(np.float64) for w in initial_weights()]
    mine, theirs = Run(ember, "RMSprop", options, weights), Run(torch, "RMSprop", options, weights)
    assert_same_trajectory(mine, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_param_groups_with_their_own_options_match_torch(name):
    groups = [([0, 1], {"lr": 0.02}), ([2, 3], {"lr": 0.005, "weight_decay": 0.1})]
    options = {"lr": 0.01, "momentum": 0.9} if name != "Adam" else {"lr": 0.01}
    weights = initial_weights(3)
    assert_same_trajectory(
        Run(ember, name, options, weights, groups), Run(torch, name, options, weights, groups), steps=10
    )


def to_numpy_tree(value):
    if hasattr(value, "detach"):
        return value.detach().numpy()
    if isinstance(value, dict):
        return {k: to_numpy_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(to_numpy_tree(v) for v in value)
    return value


def assert_same_tree(ours, theirs, where="state_dict"):
    assert type(ours) is type(theirs), where
    if isinstance(theirs, dict):
        assert list(ours) == list(theirs), where
        for key in theirs:
            assert_same_tree(ours[key], theirs[key], f"{where}[{key!r}]")
    elif isinstance(theirs, (list, tuple)):
        assert len(ours) == len(theirs), where
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_same_tree(a, b, f"{where}[{i}]")
    elif isinstance(theirs, np.ndarray):
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape, where
        np.testing.assert_allclose(ours, theirs, rtol=2e-5, atol=2e-6, err_msg=where)
    else:
        assert ours == theirs, where


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_state_dict_has_torch_layout_and_values(case):
    name, options = case
    weights = initial_weights()
    mine, theirs = Run(ember, name, options, weights), Run(torch, name, options, weights)
    for _ in range(3):
        mine.step()
        theirs.step()
    assert_same_tree(to_numpy_tree(mine.opt.state_dict()), to_numpy_tree(theirs.opt.state_dict()))


def torch_state_as_ember(state_dict):
    def convert(value):
        if isinstance(value, torch.Tensor):
            return ember.from_numpy(value.detach().numpy().copy())
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(v) for v in value]
        return value

    return convert(state_dict)


@pytest.mark.parametrize(
    "name, options",
    [
        ("SGD", {"lr": 0.05, "momentum": 0.9}),
        ("Adam", {"amsgrad": True}),
        ("RMSprop", {"centered": True, "momentum": 0.3}),
    ],
)
def test_resuming_from_torch_state_continues_torch_trajectory(name, options):
    theirs = Run(torch, name, options, initial_weights())
    for _ in range(10):
        theirs.step()
    mine = Run(ember, name, options, theirs.values())
    mine.opt.load_state_dict(torch_state_as_ember(theirs.opt.state_dict()))
    assert_same_trajectory(mine, theirs, steps=10)


def test_repr_matches_torch():
    for name, options in CASES:
        weights = initial_weights()
        ours = repr(Run(ember, name, options, weights).opt)
        assert ours == repr(Run(torch, name, options, weights).opt), name


# --- schedulers --------------------------------------------------------------------------------

SCHEDULES = [
    ("StepLR", {"step_size": 3}),
    ("StepLR", {"step_size": 2, "gamma": 0.7}),
    ("MultiStepLR", {"milestones": [2, 5, 5, 9], "gamma": 0.3}),
    ("ExponentialLR", {"gamma": 0.93}),
    ("CosineAnnealingLR", {"T_max": 7}),
    ("CosineAnnealingLR", {"T_max": 10, "eta_min": 0.01}),
    ("LambdaLR", {"lr_lambda": lambda epoch: 0.95**epoch / (1 + epoch % 3)}),
    ("MultiplicativeLR", {"lr_lambda": lambda epoch: 0.9 + 0.05 * (epoch % 3)}),
    ("ConstantLR", {}),
    ("ConstantLR", {"factor": 0.5, "total_iters": 7}),
    ("LinearLR", {}),
    ("LinearLR", {"start_factor": 0.1, "end_factor": 0.9, "total_iters": 12}),
    ("PolynomialLR", {}),
    ("PolynomialLR", {"total_iters": 15, "power": 2.0}),
    ("CosineAnnealingWarmRestarts", {"T_0": 4}),
    ("CosineAnnealingWarmRestarts", {"T_0": 3, "T_mult": 2, "eta_min": 0.001}),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4}),
    (
        "CyclicLR",
        {"base_lr": [0.01, 0.02], "max_lr": 0.1, "step_size_up": 3, "step_size_down": 5, "mode": "triangular2"},
    ),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4, "mode": "exp_range", "gamma": 0.9}),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "scale_fn": lambda x: 0.8**x, "scale_mode": "iterations"}),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 30}),
    ("OneCycleLR", {"max_lr": [0.1, 0.2], "epochs": 3, "steps_per_epoch": 10, "anneal_strategy": "linear"}),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 35, "pct_start": 0.4, "three_phase": True, "cycle_momentum": False}),
]


def lr_sequences(lib, name, options, epochs=30, groups=(0.1, 0.03)):
    """Per epoch: each group's lr and momentum, and get_last_lr(); then the scheduler's state-dict keys."""
    params = [lib.zeros(1, requires_grad=True) for _ in groups]
    opt = lib.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, groups)], lr=1.0, momentum=0.9)
    scheduler = getattr(lib.optim.lr_scheduler, name)(opt, **options)
    seen = []
    for _ in range(epochs):
        seen.append(([g["lr"] for g in opt.param_groups], list(scheduler.get_last_lr())))
        seen.append(([g["momentum"] for g in opt.param_groups], []))
        opt.step()
        scheduler.step()
    return seen, list(scheduler.state_dict())


@pytest.mark.parametrize("schedule", SCHEDULES, ids=[s[0] + str(i) for i, s in enumerate(SCHEDULES)])
def test_schedules_produce_torch_learning_rates(schedule):
    name, options = schedule
    (ours, our_keys), (theirs, their_keys) = lr_sequences(ember, name, options), lr_sequences(torch, name, options)
    for epoch, ((lrs, last), (torch_lrs, torch_last)) in enumerate(zip(ours, theirs)):
        assert lrs == pytest.approx(torch_lrs, rel=1e-14, abs=1e-300), f"epoch {epoch // 2}"
        assert last == pytest.approx(torch_last, rel=1e-14, abs=1e-300), f"epoch {epoch // 2}"
    assert our_keys == their_keys


def composed_schedule(lib, kind):
    opt = lib.optim.Adam([lib.zeros(1, requires_grad=True)], lr=0.1)
    schedules = lib.optim.lr_scheduler
    warm_up = schedules.LinearLR(opt, start_factor=0.1, total_iters=4)
    decay = schedules.ExponentialLR(opt, gamma=0.9)
    if kind == "sequential":
        cosine = schedules.CosineAnnealingLR(opt, T_max=6)
        return opt, schedules.SequentialLR(opt, [warm_up, decay, cosine], milestones=[5, 12])
    if kind == "sequential-nested":
        inner = schedules.ChainedScheduler([warm_up, decay])
        return opt, schedules.SequentialLR(opt, [inner, schedules.ConstantLR(opt, factor=0.5)], milestones=[6])
    return opt, schedules.ChainedScheduler([warm_up, decay, schedules.MultiplicativeLR(opt, lambda e: 0.99)])


@pytest.mark.parametrize("kind", ["sequential", "sequential-nested", "chained"])
def test_composed_schedules_match_torch(kind):
    def run(lib):
        opt, scheduler = composed_schedule(lib, kind)
        seen = []
        for _ in range(25):
            seen.append((opt.param_groups[0]["lr"], scheduler.get_last_lr()[0]))
            opt.step()
            scheduler.step()
        return seen, sorted(scheduler.state_dict())

    (ours, our_keys), (theirs, their_keys) = run(ember), run(torch)
    for epoch, (mine, reference) in enumerate(zip(ours, theirs)):
        assert mine == pytest.approx(reference, rel=1e-14, abs=1e-300), f"epoch {epoch}"
    assert our_keys == their_keys


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"mode": "max", "factor": 0.5, "patience": 2, "threshold": 0.05},
        {"patience": 1, "cooldown": 2, "threshold_mode": "abs", "threshold": 0.1, "min_lr": [0.05, 0.0]},
    ],
)
def test_reduce_on_plateau_matches_torch(options):
    metrics = [1.0, 0.9, 0.95, 0.9, 0.91, 0.92, 0.5, 0.5, 0.5, 0.49, 0.6, 0.7, 0.8, 0.8, 0.8] * 3

    def run(lib):
        params = [lib.zeros(1, requires_grad=True) for _ in range(2)]
        opt = lib.optim.SGD([{"params": [params[0]], "lr": 1.0}, {"params": [params[1]], "lr": 0.2}], lr=1.0)
        scheduler = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **options)
        seen = []
        for metric in metrics:
            scheduler.step(metric)
            seen.append((scheduler.get_last_lr(), scheduler.num_bad_epochs, scheduler.best))
        return seen

    assert run(ember) == run(torch)


def test_closed_form_epoch_argument_matches_torch():
    def run(lib):
        opt = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.5)
        scheduler = lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=8)
        with pytest.warns(UserWarning):
            for epoch in (3, 7, 2):
                opt.step()
                scheduler.step(epoch)
        return opt.param_groups[0]["lr"]

    assert math.isclose(run(ember), run(torch), rel_tol=1e-14)


# --- LBFGS ---------------------------------------------------------------------------------------

LBFGS_CASES = [
    {},
    {"line_search_fn": "strong_wolfe"},
    {"lr": 0.5, "max_iter": 5, "history_size": 3},
    {"line_search_fn": "strong_wolfe", "max_iter": 4, "history_size": 2},
]


def lbfgs_step(run):
    def closure():
        run.opt.zero_grad()
        loss = mlp_loss(run.params, run.x, run.target)
        loss.backward()
        return loss

    return float(run.opt.step(closure))


@pytest.mark.parametrize("options", LBFGS_CASES, ids=[case_id(("LBFGS", o)) for o in LBFGS_CASES])
def test_lbfgs_matches_torch_for_20_steps_in_float64(options):
    # NOTE: float64 because L-BFGS amplifies the two libraries' last-bit differences in loss and gradient
    # (about 1e-16 at the start, up to 1e-6 relative after 100 inner iterations)
    weights = [w.astype(np.float64) for w in initial_weights()]
    mine, theirs = Run(ember, "LBFGS", options, weights), Run(torch, "LBFGS", options, weights)
    for step in range(STEPS):
        assert lbfgs_step(mine) == pytest.approx(lbfgs_step(theirs), rel=1e-5), f"step {step + 1}"
        for ours, reference in zip(mine.values(), theirs.values()):
            np.testing.assert_allclose(ours, reference, rtol=1e-5, atol=1e-6, err_msg=f"after step {step + 1}")
        if step == 2:
            ours, reference = to_numpy_tree(mine.opt.state_dict()), to_numpy_tree(theirs.opt.state_dict())
            assert ours["state"][0].pop("prev_loss") == pytest.approx(reference["state"][0].pop("prev_loss"))
            assert_same_tree(ours, reference)


@pytest.mark.parametrize("options", LBFGS_CASES, ids=[case_id(("LBFGS", o)) for o in LBFGS_CASES])
def test_lbfgs_first_steps_match_torch_in_float32(options):
    weights = initial_weights()
    mine, theirs = (
        Run(ember, "LBFGS", options | {"max_iter": 3}, weights),
        Run(torch, "LBFGS", options | {"max_iter": 3}, weights),
    )
    for step in range(3):
        assert lbfgs_step(mine) == pytest.approx(lbfgs_step(theirs), rel=1e-5)
        for ours, reference in zip(mine.values(), theirs.values()):
            assert ours.dtype == reference.dtype
            np.testing.assert_allclose(ours, reference, rtol=2e-5, atol=2e-6, err_msg=f"after step {step + 1}")
    assert repr(mine.opt) == repr(theirs.opt)
