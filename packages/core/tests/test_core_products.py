"""kron, cdist and cross against NumPy and SciPy: values, shapes, dtypes and errors."""

import math
import warnings

import ember
import numpy as np
import pytest
from scipy.spatial.distance import cdist as scipy_cdist

RNG = np.random.default_rng(13)


@pytest.mark.parametrize(("a_shape", "b_shape"), [((2, 3), (4, 2)), ((3,), (2, 2)), ((2, 1, 2), (3, 2)), ((), (3,))])
def test_kron_matches_numpy(a_shape, b_shape):
    a, b = RNG.uniform(-2, 2, a_shape), RNG.uniform(-2, 2, b_shape)
    np.testing.assert_allclose(ember.kron(ember.tensor(a), ember.tensor(b)).numpy(), np.kron(a, b))


def test_kron_promotes_like_multiplication():
    assert ember.tensor([1, 2]).kron(ember.tensor([True, False])).tolist() == [1, 0, 2, 0]
    assert ember.kron(ember.tensor([1, 2]), ember.tensor([1.0])).dtype is ember.float32


@pytest.mark.parametrize("rows", [5, 40])
@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 0.5, math.inf, 0.0])
def test_cdist_matches_scipy(p, rows):
    a, b = RNG.uniform(-2, 2, (rows, 3)), RNG.uniform(-2, 2, (4, 3))
    result = ember.cdist(ember.tensor(a), ember.tensor(b), p=p)
    if p == math.inf:
        expected = scipy_cdist(a, b, "chebyshev")
    elif p == 0:
        expected = scipy_cdist(a, b, "hamming") * a.shape[1]
    else:
        expected = scipy_cdist(a, b, "minkowski", p=p)
    np.testing.assert_allclose(result.numpy(), expected, rtol=1e-10)


def test_cdist_broadcasts_batches_and_its_gradient_is_zero_at_zero_distance():
    a, b = RNG.uniform(-2, 2, (1, 2, 3)), RNG.uniform(-2, 2, (3, 4, 3))
    result = ember.cdist(ember.tensor(a, dtype=ember.float32), ember.tensor(b, dtype=ember.float32))
    assert result.shape == (3, 2, 4) and result.dtype is ember.float32
    np.testing.assert_allclose(result.numpy()[2], scipy_cdist(a[0], b[2]), rtol=1e-5)
    for mode in ("donot_use_mm_for_euclid_dist", "use_mm_for_euclid_dist"):
        x = ember.tensor([[0.0, 0.0], [1.0, 1.0]], requires_grad=True)
        ember.cdist(x, ember.tensor([[0.0, 0.0]]), compute_mode=mode).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), [[0, 0], [math.sqrt(0.5), math.sqrt(0.5)]])
        assert x.grad.isfinite().all().item()


def test_cdist_refuses_an_unknown_compute_mode():
    with pytest.raises(ValueError, match="compute_mode"):
        ember.cdist(ember.ones(2, 2), ember.ones(2, 2), compute_mode="fast")


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (
            lambda: ember.cdist(ember.ones(2, 3, dtype=ember.int64), ember.zeros(4, 3)),
            "floating-point dtypes, X1 got: Long",
        ),
        (lambda: ember.cdist(ember.ones(3), ember.zeros(4, 3)), "at least 2D tensors, X1 got: 1D"),
        (lambda: ember.cdist(ember.ones(2, 3), ember.zeros(4, 2)), "same number of columns. X1: 3 X2: 2"),
        (lambda: ember.cdist(ember.ones(2, 3), ember.zeros(4, 3), p=-1), "non-negative p"),
        (lambda: ember.cdist(ember.ones(2, 3), ember.zeros(4, 3, dtype=ember.float64)), "expected scalar type Float"),
        (lambda: ember.cdist(ember.ones(2, 2, 3), ember.zeros(3, 4, 3)), "must match the size of tensor b"),
    ],
)
def test_cdist_errors(call, words):
    with pytest.raises(RuntimeError, match=words):
        call()


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cross_matches_numpy(dim):
    shape = [2, 2, 2]
    shape[dim] = 3
    a, b = RNG.uniform(-2, 2, shape), RNG.uniform(-2, 2, shape)
    result = ember.cross(ember.tensor(a), ember.tensor(b), dim=dim)
    np.testing.assert_allclose(result.numpy(), np.cross(a, b, axis=dim))


def test_cross_broadcasts_and_defaults_to_the_first_dim_of_size_three_with_a_warning():
    a, b = RNG.uniform(-2, 2, (1, 3)), RNG.uniform(-2, 2, (4, 3))
    np.testing.assert_allclose(ember.tensor(a).cross(ember.tensor(b), dim=1).numpy(), np.cross(a, b))
    c = RNG.uniform(-2, 2, (3, 3))
    with pytest.warns(UserWarning, match="without specifying the dim"):
        result = ember.cross(ember.tensor(c), ember.tensor(c[::-1].copy()))
    np.testing.assert_allclose(result.numpy(), np.cross(c, c[::-1], axis=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert ember.cross(ember.tensor([1, 0, 0]), ember.tensor([0, 1, 0])).tolist() == [0, 0, 1]


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: ember.cross(ember.ones(2, 4), ember.ones(2, 4)), "no dimension of size 3"),
        (lambda: ember.cross(ember.ones(2, 3), ember.ones(2, 3), dim=0), "dimension 0 must have length 3"),
        (lambda: ember.cross(ember.ones(3, dtype=ember.int64), ember.ones(3), dim=0), "expected scalar type Long"),
        (lambda: ember.cross(ember.ones(3), ember.ones(1, 3), dim=-1), "same number of dimensions"),
    ],
)
def test_cross_errors(call, words):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match=words):
            call()
