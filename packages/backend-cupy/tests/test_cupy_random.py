"""Random numbers on (simulated) GPUs: one seeded stream per device, reproducible."""

import ember
import numpy as np
import pytest


def draws(device, n=4):
    return ember.randn(n, device=device).cpu().numpy()


def test_manual_seed_repeats_draws_on_each_device(sim):
    ember.manual_seed(0)
    first = [draws("cuda:0"), draws("cuda:1"), ember.rand(3, device="cuda:1").cpu().numpy()]
    ember.manual_seed(0)
    again = [draws("cuda:0"), draws("cuda:1"), ember.rand(3, device="cuda:1").cpu().numpy()]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], draws("cuda:0")), "the stream moves on"


def test_gpu_draws_leave_the_cpu_stream_alone(sim):
    ember.manual_seed(1)
    expected = ember.randn(5)
    ember.manual_seed(1)
    draws("cuda:0")
    draws("cuda:1")
    np.testing.assert_array_equal(ember.randn(5).numpy(), expected.numpy())


def test_cuda_manual_seed_seeds_the_current_device_only(sim):
    ember.cuda.manual_seed_all(3)
    zero, one = draws("cuda:0"), draws("cuda:1")
    np.testing.assert_array_equal(zero, one)  # the same seed gives the same stream on every device
    ember.cuda.manual_seed(3)
    np.testing.assert_array_equal(draws("cuda:0"), zero)
    assert not np.array_equal(draws("cuda:1"), one), "cuda:1 was not reseeded"
    with ember.cuda.device(1):
        ember.cuda.manual_seed(3)
        assert ember.cuda.initial_seed() == 3
    np.testing.assert_array_equal(draws("cuda:1"), one)


def test_draws_are_made_on_their_device(sim):
    for make in (
        lambda: ember.rand(2, 3, device="cuda:1"),
        lambda: ember.randn(2, device="cuda:1", dtype=ember.float64),
        lambda: ember.randint(0, 5, (6,), device="cuda:1"),
        lambda: ember.randperm(6, device="cuda:1"),
        lambda: ember.normal(2.0, 0.5, (3,), device="cuda:1"),
        lambda: ember.empty(4, device="cuda:1").uniform_(-1, 1),
        lambda: ember.empty(4, device="cuda:1").normal_(),
    ):
        x = make()
        assert x.device == "cuda:1" and sim.device_index(x._data) == 1


def test_values_have_the_right_distribution(sim):
    ember.manual_seed(2)
    u = ember.rand(4000, device="cuda").cpu().numpy()
    assert u.dtype == np.float32 and 0 <= u.min() and u.max() < 1 and abs(u.mean() - 0.5) < 0.03
    n = ember.randn(4000, device="cuda", dtype=ember.float64).cpu().numpy()
    assert n.dtype == np.float64 and abs(n.mean()) < 0.1 and abs(n.std() - 1) < 0.1
    k = ember.randint(3, 7, (1000,), device="cuda")
    assert k.dtype is ember.int64 and set(k.cpu().tolist()) == {3, 4, 5, 6}
    assert sorted(ember.randperm(10, device="cuda").cpu().tolist()) == list(range(10))
    b = ember.bernoulli(ember.full((1000,), 0.25, device="cuda"))
    assert b.device == "cuda:0" and abs(b.float().mean().item() - 0.25) < 0.05
    m = ember.multinomial(ember.tensor([0.0, 1.0, 0.0, 1.0], device="cuda"), 2)
    assert m.device == "cuda:0" and sorted(m.cpu().tolist()) == [1, 3]


def test_a_user_generator_on_a_gpu(sim):
    generator = ember.Generator(device="cuda:1").manual_seed(4)
    first = ember.rand(3, generator=generator, device="cuda:1").cpu().numpy()
    generator.manual_seed(4)
    np.testing.assert_array_equal(ember.rand(3, generator=generator, device="cuda:1").cpu().numpy(), first)
    state = generator.get_state()
    ahead = ember.randn(5, generator=generator, device="cuda:1").cpu().numpy()
    generator.set_state(state)
    np.testing.assert_array_equal(ember.randn(5, generator=generator, device="cuda:1").cpu().numpy(), ahead)


def test_seeding_without_cuda_is_harmless():
    ember.cuda.manual_seed(0)
    ember.cuda.manual_seed_all(0)
    if not ember.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            ember.cuda.initial_seed()
