"""Grad mode, inference mode and anomaly mode belong to the thread that sets them, as in PyTorch.

The tests run real threads with a tiny switch interval, so that they interleave many times
within each step; a failed assertion in any thread fails the test.
"""

import random
import sys
import threading
import time

import ember
import pytest
from ember import nn, optim
from ember._autograd import _anomaly

JOIN_TIMEOUT = 10


@pytest.fixture(autouse=True)
def frequent_thread_switches():
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(previous)


def run_threads(*targets):
    """Start one thread per target, join them, and re-raise the first error any of them hit."""
    errors = []

    def guarded(target):
        try:
            target()
        except BaseException as error:  # noqa: BLE001 - handed to the main thread below
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(t,), daemon=True) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish in time"
    if errors:
        raise errors[0]


def mode() -> tuple[bool, bool]:
    return ember.is_grad_enabled(), ember.is_inference_mode_enabled()


# --- training next to other threads --------------------------------------------------------


def let_other_threads_run() -> None:
    time.sleep(0.0002)  # a pause that hands over the interpreter for a moment


class Problem:
    """A model, its optimizer and fixed data, all built from one seed.

    Every backward pauses halfway (a gradient hook on the hidden layer), so that a thread
    training next to it runs forward passes while this one is inside backward.
    """

    def __init__(self, seed: int) -> None:
        ember.manual_seed(seed)
        self.model = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 1))
        self.model[1].register_forward_hook(self._pause_in_backward)
        self.optimizer = optim.Adam(self.model.parameters(), lr=0.01)
        generator = ember.Generator().manual_seed(seed + 1)
        self.x = ember.randn(32, 6, generator=generator)
        self.y = ember.randn(32, 1, generator=generator)
        self.losses = []
        self.gradients = []

    def train(self, steps: int = 60, before_step=lambda: None) -> None:
        for _ in range(steps):
            before_step()
            self.optimizer.zero_grad()
            loss = nn.functional.mse_loss(self.model(self.x), self.y)
            loss.backward()
            self.losses.append(loss.item())
            self.gradients.append([p.grad.numpy().copy() for p in self.model.parameters()])
            self.optimizer.step()

    @staticmethod
    def _pause_in_backward(module, inputs, out) -> None:
        if out.requires_grad:
            out.register_hook(lambda grad: let_other_threads_run())

    def weights(self) -> list:
        return [p.detach().numpy().copy() for p in self.model.parameters()]


def assert_same_run(concurrent: Problem, sequential: Problem) -> None:
    assert concurrent.losses == sequential.losses
    for got, want in zip(concurrent.gradients, sequential.gradients, strict=True):
        for g, w in zip(got, want, strict=True):
            assert g.tobytes() == w.tobytes()
    for g, w in zip(concurrent.weights(), sequential.weights(), strict=True):
        assert g.tobytes() == w.tobytes()


def test_training_while_another_thread_evaluates_under_no_grad_matches_a_sequential_run():
    sequential = Problem(seed=3)
    sequential.train()
    trainer = Problem(seed=3)
    probe = ember.randn(8, 6)
    evaluated = threading.Event()  # each training step waits for one more evaluation: they interleave
    done = threading.Event()

    evaluator_stopped = threading.Event()

    def evaluate():
        try:
            while not done.is_set():
                with ember.no_grad():
                    out = trainer.model(probe)
                    assert not out.requires_grad and out.grad_fn is None
                    assert not ember.is_grad_enabled()
                evaluated.set()
            assert ember.is_grad_enabled()
        finally:
            evaluator_stopped.set()
            evaluated.set()

    def after_an_evaluation():
        assert evaluated.wait(JOIN_TIMEOUT)
        evaluated.clear()
        assert not evaluator_stopped.is_set(), "the evaluator stopped early"

    def train():
        try:
            trainer.train(before_step=after_an_evaluation)
        finally:
            done.set()

    run_threads(evaluate, train)
    assert_same_run(trainer, sequential)


def test_two_threads_training_two_models_match_sequential_runs_bit_for_bit():
    sequential = [Problem(seed=10), Problem(seed=20)]
    for problem in sequential:
        problem.train()
    concurrent = [Problem(seed=10), Problem(seed=20)]
    in_step = threading.Barrier(2, timeout=JOIN_TIMEOUT)  # keeps the threads within one step of each other

    def train(problem):
        try:
            problem.train(before_step=in_step.wait)
        except BaseException:
            in_step.abort()
            raise

    run_threads(*[lambda p=p: train(p) for p in concurrent])

    for got, want in zip(concurrent, sequential, strict=True):
        assert_same_run(got, want)


# --- the modes themselves --------------------------------------------------------------------


def random_mode_walk(seed: int, steps: int = 300) -> None:
    """Enter and leave nested modes at random, checking after every change that this thread's
    mode is the one it set, and that an op records a graph exactly when grad mode says so."""
    rng = random.Random(seed)
    leaf = ember.ones(2, requires_grad=True)
    assert mode() == (True, False), "a new thread starts with grad enabled and inference off"

    def check(expected: tuple[bool, bool]) -> None:
        assert mode() == expected
        assert (leaf * 2).requires_grad == expected[0]

    def walk(expected: tuple[bool, bool], depth: int) -> None:
        check(expected)
        for _ in range(rng.randint(1, 3) if depth < 4 else 0):
            choice = rng.randrange(5)
            if choice == 0:
                context, inner = ember.no_grad(), (False, expected[1])
            elif choice == 1:
                context, inner = ember.enable_grad(), (True, expected[1])
            elif choice == 2:
                flag = rng.random() < 0.5
                context, inner = ember.set_grad_enabled(flag), (flag, expected[1])
            elif choice == 3:
                flag = rng.random() < 0.5
                context, inner = ember.inference_mode(flag), (not flag, flag)
            else:
                flag = rng.random() < 0.5
                ember.set_grad_enabled(flag)  # the function form: set now, restore by hand
                walk((flag, expected[1]), depth + 1)
                ember.set_grad_enabled(expected[0])
                check(expected)
                continue
            with context:
                walk(inner, depth + 1)
            check(expected)

    for _ in range(steps // 10):
        walk((True, False), 0)
    assert mode() == (True, False)


def test_nested_modes_in_eight_threads_stay_each_threads_own():
    main_saw = []

    def main_thread_mode_during_the_walks():
        main_saw.append(mode())

    with ember.no_grad():
        threads_mode = mode()
        run_threads(*[lambda seed=seed: random_mode_walk(seed) for seed in range(8)])
        main_thread_mode_during_the_walks()
    assert threads_mode == main_saw[0] == (False, False)
    assert mode() == (True, False)


def test_inference_mode_in_the_main_thread_does_not_reach_new_threads():
    seen = []
    with ember.inference_mode():
        run_threads(lambda: seen.append(mode()))
        assert mode() == (False, True)
    assert seen == [(True, False)]
    assert mode() == (True, False)


class HoldsBackward(ember.autograd.Function):
    """Identity whose backward waits until another thread has checked its own grad mode."""

    inside = threading.Event()
    checked = threading.Event()

    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, grad):
        HoldsBackward.inside.set()
        assert HoldsBackward.checked.wait(JOIN_TIMEOUT)
        assert not ember.is_grad_enabled(), "backward runs with grad mode off in its own thread"
        return grad


def test_backward_in_one_thread_does_not_turn_grad_mode_off_in_another():
    HoldsBackward.inside.clear()
    HoldsBackward.checked.clear()
    x = ember.ones(3, requires_grad=True)
    recorded = []

    def backward():
        HoldsBackward.apply(x * 2).sum().backward()

    def record_while_the_other_runs_backward():
        assert HoldsBackward.inside.wait(JOIN_TIMEOUT)
        try:
            w = ember.ones(3, requires_grad=True)
            out = (w * 3).sum()
            recorded.append((ember.is_grad_enabled(), out.requires_grad, out.grad_fn is not None))
            out.backward()
            recorded.append(w.grad.tolist())
        finally:
            HoldsBackward.checked.set()

    run_threads(backward, record_while_the_other_runs_backward)
    assert recorded == [(True, True, True), [3.0, 3.0, 3.0]]
    assert x.grad.tolist() == [2.0, 2.0, 2.0]
    assert mode() == (True, False)


def nan_gradient_graph():
    x = ember.zeros(1, requires_grad=True)
    return (x.sqrt() * 0).sum()  # d/dx sqrt(x) at 0 is inf, times 0 gives NaN


@pytest.mark.filterwarnings("ignore:Anomaly Detection has been enabled")
@pytest.mark.filterwarnings("ignore:Error detected in")
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's warnings about the NaN made on purpose
def test_anomaly_mode_set_in_one_thread_is_not_seen_in_another():
    entered = threading.Event()
    checked = threading.Event()
    seen = {}

    def detect():
        with ember.autograd.detect_anomaly():
            entered.set()
            assert checked.wait(JOIN_TIMEOUT)
            seen["detecting"] = ember.is_anomaly_enabled()
            with pytest.raises(RuntimeError, match="returned nan values"):
                nan_gradient_graph().backward()
        seen["after"] = ember.is_anomaly_enabled()

    def other():
        assert entered.wait(JOIN_TIMEOUT)
        try:
            seen["other"] = (ember.is_anomaly_enabled(), ember.autograd.is_anomaly_check_nan_enabled())
            nan_gradient_graph().backward()  # no anomaly mode here: NaN passes without an error
        finally:
            checked.set()

    run_threads(detect, other)
    assert seen == {"detecting": True, "after": False, "other": (False, True)}
    assert not ember.is_anomaly_enabled()


@pytest.mark.filterwarnings("ignore:Anomaly Detection has been enabled")
def test_a_thread_that_ends_with_anomaly_mode_on_leaves_it_off_everywhere():
    seen = []

    def leave_it_on():
        ember.autograd.set_detect_anomaly(True, check_nan=False)
        seen.append((ember.is_anomaly_enabled(), ember.autograd.is_anomaly_check_nan_enabled()))

    run_threads(leave_it_on, leave_it_on)
    assert seen == [(True, False), (True, False)]
    assert (ember.is_anomaly_enabled(), ember.autograd.is_anomaly_check_nan_enabled()) == (False, True)
    assert _anomaly._changed_threads == 0, "the ended threads still count as having anomaly mode on"
