"""Random numbers: seeding, generators, sampling ranges and dtypes, in-place samplers, errors."""

import ember
import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _restore_seed():
    yield
    ember.manual_seed(0)


def test_manual_seed_makes_every_sampler_repeat():
    draws = []
    for _ in range(2):
        ember.manual_seed(123)
        draws.append(
            (
                ember.rand(3).tolist(),
                ember.randn(2, 2).tolist(),
                ember.randint(0, 10, (4,)).tolist(),
                ember.randperm(6).tolist(),
                ember.empty(3).uniform_().tolist(),
                ember.empty(3).normal_().tolist(),
            )
        )
    assert draws[0] == draws[1]
    ember.manual_seed(124)
    assert ember.rand(3).tolist() != draws[0][0]


def test_manual_seed_returns_the_default_generator_and_records_the_seed():
    generator = ember.manual_seed(42)
    assert isinstance(generator, ember.Generator)
    assert generator is ember.default_generator
    assert ember.initial_seed() == 42


def test_generators_are_independent_streams():
    first = ember.Generator().manual_seed(7)
    second = ember.Generator().manual_seed(7)
    assert ember.rand(4, generator=first).tolist() == ember.rand(4, generator=second).tolist()
    ember.manual_seed(0)
    expected = ember.rand(3).tolist()
    ember.manual_seed(0)
    ember.rand(5, generator=ember.Generator().manual_seed(1))
    assert ember.rand(3).tolist() == expected
    assert ember.Generator().manual_seed(3).initial_seed() == 3


def test_generator_argument_on_every_sampler():
    for sample in (
        lambda g: ember.rand(3, generator=g),
        lambda g: ember.randn(3, generator=g),
        lambda g: ember.randint(0, 100, (3,), generator=g),
        lambda g: ember.randperm(5, generator=g),
        lambda g: ember.normal(0.0, 1.0, size=(3,), generator=g),
        lambda g: ember.empty(3).uniform_(generator=g),
        lambda g: ember.empty(3).normal_(generator=g),
        lambda g: ember.multinomial(ember.ones(4), 2, generator=g),
    ):
        assert sample(ember.Generator().manual_seed(5)).tolist() == sample(ember.Generator().manual_seed(5)).tolist()


def test_rng_state_round_trip():
    state = ember.get_rng_state()
    first = ember.rand(3).tolist()
    ember.set_rng_state(state)
    assert ember.rand(3).tolist() == first
    generator = ember.Generator().manual_seed(9)
    saved = generator.get_state()
    again = ember.rand(2, generator=generator).tolist()
    generator.set_state(saved)
    assert ember.rand(2, generator=generator).tolist() == again


def test_sample_ranges_and_moments():
    ember.manual_seed(1)
    uniform = ember.rand(20000).numpy()
    assert uniform.dtype == np.float32 and uniform.min() >= 0 and uniform.max() < 1
    assert abs(uniform.mean() - 0.5) < 0.02
    normal = ember.randn(20000, dtype=ember.float64).numpy()
    assert normal.dtype == np.float64
    assert abs(normal.mean()) < 0.03 and abs(normal.std() - 1) < 0.03
    shifted = ember.normal(2.0, 3.0, size=(20000,)).numpy()
    assert abs(shifted.mean() - 2) < 0.1 and abs(shifted.std() - 3) < 0.1
    ints = ember.randint(3, 7, (2000,))
    assert ints.dtype is ember.int64
    assert set(ints.tolist()) == {3, 4, 5, 6}
    assert set(ember.randint(2, (500,)).tolist()) == {0, 1}


def test_randint_forms():
    assert ember.randint(10, (3,)).shape == (3,)
    assert ember.randint(3, 10, size=(2, 2)).shape == (2, 2)
    assert ember.randint(0, 10, [2, 3]).shape == (2, 3)
    assert ember.randint(0, 10, (3,), dtype=ember.float32).dtype is ember.float32
    assert ember.randint(low=2, high=4, size=(5,)).min().item() >= 2
    assert ember.randint_like(ember.zeros(3), 5).dtype is ember.float32


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: ember.randint(3, 2, (2,)), RuntimeError, "expects 'from' to be less than 'to'"),
        (lambda: ember.randint(0, 5.5, (2,)), TypeError, "argument 'high' must be int"),
        (lambda: ember.randint(0, 5, 3), TypeError, "size must be a tuple"),
        (lambda: ember.rand(2, dtype=ember.int64), NotImplementedError, "not implemented for ember.int64"),
        (lambda: ember.randn(2, dtype=ember.bool), NotImplementedError, "randn"),
        (lambda: ember.rand_like(ember.ones(2, dtype=ember.int64)), NotImplementedError, "rand"),
        (lambda: ember.randn(-1), RuntimeError, "negative dimension"),
    ],
)
def test_sampling_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_randperm_is_a_permutation():
    perm = ember.randperm(50)
    assert perm.dtype is ember.int64
    assert sorted(perm.tolist()) == list(range(50))
    assert ember.randperm(4, dtype=ember.int32).dtype is ember.int32


def test_in_place_samplers_fill_and_bump_the_version():
    t = ember.empty(1000)
    assert t.uniform_(2, 3) is t
    values = t.numpy()
    assert values.min() >= 2 and values.max() < 3
    before = t._version[0]
    t.normal_(5, 0.1)
    assert t._version[0] == before + 1
    assert abs(t.mean().item() - 5) < 0.05
    ints = ember.empty(500).random_(0, 5)
    assert set(ints.tolist()) <= {0.0, 1.0, 2.0, 3.0, 4.0}
    coins = ember.empty(1000).bernoulli_(0.3)
    assert set(coins.tolist()) <= {0.0, 1.0} and 0.2 < coins.mean().item() < 0.4
    assert (ember.empty(100).exponential_() > 0).all()


def test_in_place_sampling_refuses_leaves_that_require_grad():
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        ember.zeros(3, requires_grad=True).uniform_()
    with ember.no_grad():
        ember.zeros(3, requires_grad=True).uniform_()


def test_bernoulli_and_multinomial():
    probabilities = ember.tensor([0.0, 1.0, 0.0, 1.0])
    assert ember.bernoulli(probabilities).tolist() == [0.0, 1.0, 0.0, 1.0]
    picks = ember.multinomial(ember.tensor([0.0, 1.0, 0.0]), 5, replacement=True)
    assert picks.dtype is ember.int64 and picks.tolist() == [1] * 5
    distinct = ember.multinomial(ember.tensor([1.0, 1.0, 1.0, 0.0]), 3)
    assert sorted(distinct.tolist()) == [0, 1, 2]
    assert sorted(ember.multinomial(ember.tensor([1.0, 0.0]), 2).tolist()) == [0, 1]
    with pytest.raises(RuntimeError, match="without replacement"):
        ember.multinomial(ember.tensor([1.0, 0.0]), 3)


@pytest.mark.needs_dtype("float16")
def test_rand_takes_float16():
    assert ember.rand(2, dtype=ember.float16).dtype is ember.float16


def test_rand_requires_grad_and_dtypes():
    t = ember.rand(2, requires_grad=True)
    assert t.requires_grad and t.is_leaf
    assert ember.rand(()).shape == ()
    out = ember.empty(2, 2)
    assert ember.randn(2, 2, out=out) is out
