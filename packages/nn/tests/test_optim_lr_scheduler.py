"""ember.optim.lr_scheduler: learning-rate sequences against their closed forms, state dicts, warnings."""

import io
import math
import warnings

import ember
import pytest
from ember import optim
from ember.optim import lr_scheduler


def make_optimizer(lr=1.0, groups=1):
    return optim.SGD([{"params": [ember.zeros(1, requires_grad=True)]} for _ in range(groups)], lr=lr)


def lrs_over(scheduler, epochs):
    """lr of group 0 before each epoch's steps, stepping the optimizer first as PyTorch asks."""
    seen = []
    for _ in range(epochs):
        seen.append(scheduler.optimizer.param_groups[0]["lr"])
        scheduler.optimizer.step()
        scheduler.step()
    return seen


def test_step_lr_multiplies_every_step_size_epochs():
    scheduler = lr_scheduler.StepLR(make_optimizer(0.8), step_size=3, gamma=0.5)
    assert lrs_over(scheduler, 10) == pytest.approx([0.8 * 0.5 ** (e // 3) for e in range(10)], rel=1e-15)
    assert scheduler.get_last_lr() == [pytest.approx(0.8 * 0.5**3)]
    assert scheduler.last_epoch == 10


def test_multistep_lr_counts_repeated_milestones():
    scheduler = lr_scheduler.MultiStepLR(make_optimizer(1.0), milestones=[2, 5, 5], gamma=0.1)
    expected = [1.0, 1.0, 0.1, 0.1, 0.1, 0.001, 0.001, 0.001]
    assert lrs_over(scheduler, 8) == pytest.approx(expected, rel=1e-12)


def test_exponential_lr():
    scheduler = lr_scheduler.ExponentialLR(make_optimizer(0.5), gamma=0.9)
    assert lrs_over(scheduler, 12) == pytest.approx([0.5 * 0.9**e for e in range(12)], rel=1e-12)


def test_cosine_annealing_follows_the_cosine_down_and_back_up():
    base, low, period = 0.1, 0.001, 10
    scheduler = lr_scheduler.CosineAnnealingLR(make_optimizer(base), T_max=period, eta_min=low)
    expected = [low + (base - low) * (1 + math.cos(math.pi * e / period)) / 2 for e in range(3 * period)]
    assert lrs_over(scheduler, 3 * period) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_lambda_lr_one_function_per_group():
    opt = make_optimizer(1.0, groups=2)
    opt.param_groups[1]["lr"] = 2.0
    scheduler = lr_scheduler.LambdaLR(opt, [lambda e: 0.5**e, lambda e: 1 / (e + 1)])
    for epoch in range(5):
        assert [g["lr"] for g in opt.param_groups] == pytest.approx([0.5**epoch, 2.0 / (epoch + 1)])
        opt.step()
        scheduler.step()
    assert [g["initial_lr"] for g in opt.param_groups] == [1.0, 2.0]
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        lr_scheduler.LambdaLR(opt, [lambda e: 1.0])


def test_reduce_on_plateau_waits_for_patience_then_cools_down():
    opt = make_optimizer(1.0)
    scheduler = lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1, cooldown=1, min_lr=0.2)
    metrics = [10, 9, 9, 9, 9, 9, 9, 9, 9]
    seen = []
    for metric in metrics:
        scheduler.step(metric)
        seen.append(opt.param_groups[0]["lr"])
    # bad epochs counted from the 3rd value; 2 bad epochs > patience 1 reduce; cooldown skips one epoch
    assert seen == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]
    for _ in range(6):
        scheduler.step(9)
    assert opt.param_groups[0]["lr"] == 0.2 and scheduler.get_last_lr() == [0.2]


def test_reduce_on_plateau_max_mode_and_thresholds():
    opt = make_optimizer(1.0)
    scheduler = lr_scheduler.ReduceLROnPlateau(opt, mode="max", patience=0, threshold=0.5, threshold_mode="abs")
    scheduler.step(1.0)
    scheduler.step(1.4)  # not better than 1.0 + 0.5
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1)
    scheduler.step(2.0)
    assert scheduler.best == 2.0 and opt.param_groups[0]["lr"] == pytest.approx(0.1)
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        lr_scheduler.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode sideways is unknown"):
        lr_scheduler.ReduceLROnPlateau(opt, mode="sideways")


def test_warns_when_the_scheduler_steps_before_the_optimizer():
    scheduler = lr_scheduler.StepLR(make_optimizer(), step_size=1)
    with pytest.warns(UserWarning, match=r"lr_scheduler.step\(\)` before `optimizer.step\(\)"):
        scheduler.step()
    ordered = lr_scheduler.StepLR(make_optimizer(), step_size=1)
    ordered.optimizer.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ordered.step()


def test_resuming_needs_initial_lr_and_rejects_non_optimizers():
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(make_optimizer(), step_size=2, last_epoch=3)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        lr_scheduler.StepLR(object(), step_size=2)


@pytest.mark.parametrize(
    "make",
    [
        lambda opt: lr_scheduler.StepLR(opt, step_size=2, gamma=0.5),
        lambda opt: lr_scheduler.MultiStepLR(opt, milestones=[1, 3, 3], gamma=0.5),
        lambda opt: lr_scheduler.ExponentialLR(opt, gamma=0.7),
        lambda opt: lr_scheduler.CosineAnnealingLR(opt, T_max=4, eta_min=0.01),
        lambda opt: lr_scheduler.LambdaLR(opt, lambda e: 1 / (1 + e)),
    ],
)
def test_state_dict_round_trips_through_a_checkpoint_and_resumes(make):
    opt = make_optimizer(0.5)
    scheduler = make(opt)
    lrs_over(scheduler, 3)
    buffer = io.BytesIO()
    ember.save({"optimizer": opt.state_dict(), "scheduler": scheduler.state_dict()}, buffer)
    expected = lrs_over(scheduler, 4)

    restored_opt = make_optimizer(123.0)
    restored = make(restored_opt)
    buffer.seek(0)
    checkpoint = ember.load(buffer)
    restored_opt.load_state_dict(checkpoint["optimizer"])
    restored.load_state_dict(checkpoint["scheduler"])
    assert lrs_over(restored, 4) == expected
    assert "optimizer" not in scheduler.state_dict()


def test_reduce_on_plateau_state_dict_keeps_infinite_best():
    scheduler = lr_scheduler.ReduceLROnPlateau(make_optimizer())
    buffer = io.BytesIO()
    ember.save(scheduler.state_dict(), buffer)
    buffer.seek(0)
    state = ember.load(buffer)
    assert state["best"] == math.inf and state["mode"] == "min"
    other = lr_scheduler.ReduceLROnPlateau(make_optimizer(), mode="max")
    other.load_state_dict(state)
    assert other.mode == "min" and other.is_better(1.0, other.best)
