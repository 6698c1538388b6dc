"""Warm-up, polynomial, cyclic, one-cycle, warm-restart and composed schedulers against their closed forms."""

import math

import ember
import pytest
from ember import optim
from ember.optim import lr_scheduler


def make_optimizer(lr=1.0, opt_class=optim.SGD, **options):
    return opt_class([ember.zeros(1, requires_grad=True)], lr=lr, **options)


def lrs_over(scheduler, epochs, key="lr"):
    seen = []
    for _ in range(epochs):
        seen.append(scheduler.optimizer.param_groups[0][key])
        scheduler.optimizer.step()
        scheduler.step()
    return seen


def test_multiplicative_lr_multiplies_the_current_lr():
    scheduler = lr_scheduler.MultiplicativeLR(make_optimizer(2.0), lambda epoch: 0.5 if epoch % 2 else 1.0)
    assert lrs_over(scheduler, 6) == pytest.approx([2.0, 1.0, 1.0, 0.5, 0.5, 0.25])


def test_constant_lr_scales_then_restores():
    scheduler = lr_scheduler.ConstantLR(make_optimizer(0.6), factor=0.5, total_iters=3)
    assert lrs_over(scheduler, 6) == pytest.approx([0.3, 0.3, 0.3, 0.6, 0.6, 0.6], rel=1e-12)


def test_linear_lr_ramps_from_start_to_end_factor():
    scheduler = lr_scheduler.LinearLR(make_optimizer(0.8), start_factor=0.25, end_factor=1.0, total_iters=4)
    expected = [0.8 * (0.25 + 0.75 * min(e, 4) / 4) for e in range(8)]
    assert lrs_over(scheduler, 8) == pytest.approx(expected, rel=1e-12)


def test_polynomial_lr_decays_to_zero():
    scheduler = lr_scheduler.PolynomialLR(make_optimizer(0.5), total_iters=5, power=2.0)
    expected = [0.5 * (1 - min(e, 5) / 5) ** 2 for e in range(8)]
    assert lrs_over(scheduler, 8) == pytest.approx(expected, rel=1e-9, abs=1e-15)


def test_cosine_warm_restarts_restart_after_growing_periods():
    base, low = 0.1, 0.01
    scheduler = lr_scheduler.CosineAnnealingWarmRestarts(make_optimizer(base), T_0=2, T_mult=2, eta_min=low)
    positions = [(0, 2), (1, 2), (0, 4), (1, 4), (2, 4), (3, 4), (0, 8)]
    expected = [low + (base - low) * (1 + math.cos(math.pi * cur / period)) / 2 for cur, period in positions]
    assert lrs_over(scheduler, 7) == pytest.approx(expected, rel=1e-12)


def test_cyclic_lr_triangle_and_momentum_moving_the_other_way():
    opt = make_optimizer(1.0, momentum=0.9)
    scheduler = lr_scheduler.CyclicLR(opt, base_lr=0.1, max_lr=0.5, step_size_up=2, base_momentum=0.8)
    expected = [0.1, 0.3, 0.5, 0.3, 0.1, 0.3]
    momentums = []
    lrs = []
    for _ in range(6):
        lrs.append(opt.param_groups[0]["lr"])
        momentums.append(opt.param_groups[0]["momentum"])
        opt.step()
        scheduler.step()
    assert lrs == pytest.approx(expected, rel=1e-12)
    assert momentums == pytest.approx([0.9, 0.85, 0.8, 0.85, 0.9, 0.85], rel=1e-12)


def test_cyclic_lr_triangular2_halves_the_amplitude_each_cycle():
    scheduler = lr_scheduler.CyclicLR(
        make_optimizer(momentum=0.9), base_lr=0.0, max_lr=1.0, step_size_up=1, mode="triangular2"
    )
    assert lrs_over(scheduler, 6) == pytest.approx([0.0, 1.0, 0.0, 0.5, 0.0, 0.25])


def test_cyclic_lr_cycles_adams_beta1_and_rejects_optimizers_without_momentum():
    opt = make_optimizer(opt_class=optim.Adam)
    lr_scheduler.CyclicLR(opt, base_lr=0.1, max_lr=0.2, step_size_up=2, base_momentum=0.7, max_momentum=0.95)
    assert opt.param_groups[0]["betas"] == (0.95, 0.999)
    with pytest.raises(ValueError, match="must support momentum or beta1"):
        lr_scheduler.CyclicLR(make_optimizer(opt_class=optim.Rprop), base_lr=0.1, max_lr=0.2)
    with pytest.raises(ValueError, match="mode is invalid and scale_fn is None"):
        lr_scheduler.CyclicLR(make_optimizer(momentum=0.9), base_lr=0.1, max_lr=0.2, mode="square")


def test_one_cycle_warms_up_then_anneals_below_the_initial_lr():
    opt = make_optimizer(momentum=0.9)
    scheduler = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10, pct_start=0.3, anneal_strategy="linear")
    initial, final = 1.0 / 25, 1.0 / 25 / 1e4
    warm = [initial + (1.0 - initial) * e / 2 for e in range(3)]
    down = [1.0 + (final - 1.0) * (e - 2) / 7 for e in range(3, 10)]
    assert lrs_over(scheduler, 10) == pytest.approx(warm + down, rel=1e-12)
    with pytest.raises(ValueError, match="Tried to step 11 times"):
        opt.step()
        scheduler.step()


def test_one_cycle_argument_errors():
    with pytest.raises(ValueError, match="either total_steps OR"):
        lr_scheduler.OneCycleLR(make_optimizer(momentum=0.9), max_lr=1.0)
    with pytest.raises(ValueError, match="Expected float between 0 and 1 pct_start"):
        lr_scheduler.OneCycleLR(make_optimizer(momentum=0.9), max_lr=1.0, total_steps=5, pct_start=2.0)
    with pytest.raises(ValueError, match="anneal_strategy must be one of 'cos' or 'linear'"):
        lr_scheduler.OneCycleLR(make_optimizer(momentum=0.9), max_lr=1.0, total_steps=5, anneal_strategy="exp")


def test_factor_argument_errors():
    with pytest.raises(ValueError, match="Constant multiplicative factor"):
        lr_scheduler.ConstantLR(make_optimizer(), factor=1.5)
    with pytest.raises(ValueError, match="Starting multiplicative factor"):
        lr_scheduler.LinearLR(make_optimizer(), start_factor=0)
    with pytest.raises(ValueError, match="Expected positive integer T_0"):
        lr_scheduler.CosineAnnealingWarmRestarts(make_optimizer(), T_0=0)
    with pytest.raises(TypeError, match="lr_lambda should be a function"):
        lr_scheduler.MultiplicativeLR(make_optimizer(), 0.5)


def test_sequential_lr_switches_schedulers_at_milestones():
    opt = make_optimizer(1.0)
    warm = lr_scheduler.ConstantLR(opt, factor=0.1, total_iters=10)
    decay = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    scheduler = lr_scheduler.SequentialLR(opt, [warm, decay], milestones=[2])
    assert lrs_over(scheduler, 5) == pytest.approx([0.1, 0.1, 1.0, 0.5, 0.25])
    assert set(scheduler.state_dict()) >= {"_milestones", "_schedulers", "last_epoch"}
    with pytest.raises(ValueError, match="one more than the number of milestone points"):
        lr_scheduler.SequentialLR(opt, [warm, decay], milestones=[2, 3])


def test_chained_scheduler_multiplies_its_schedulers_factors():
    opt = make_optimizer(1.0)
    scheduler = lr_scheduler.ChainedScheduler(
        [lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=2), lr_scheduler.ExponentialLR(opt, gamma=0.9)]
    )
    assert lrs_over(scheduler, 4) == pytest.approx([0.5, 0.45, 0.81, 0.729])
    saved = scheduler.state_dict()
    assert [type(s) for s in saved["_schedulers"]] == [dict, dict]
    with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau`"):
        lr_scheduler.ChainedScheduler([lr_scheduler.ReduceLROnPlateau(opt)])
