"""lgamma, digamma, polygamma, igamma/igammac and erfinv against SciPy, with PyTorch's values at the poles and edges."""

import math

import ember
import numpy as np
import pytest
from scipy import special

POINTS = np.concatenate([np.linspace(-7.9, 40.0, 997), [1e-8, 0.5, 1.0, 2.0, 1e5, 1e10, -0.5, -2.5]])


def _close(got, want, tolerance=1e-12):
    error = np.abs(got - want) / np.maximum(1.0, np.abs(want))
    assert np.nanmax(error) < tolerance
    assert np.array_equal(np.isnan(got), np.isnan(want))


def test_lgamma_matches_scipy():
    _close(ember.lgamma(ember.tensor(POINTS, dtype=ember.float64)).numpy(), special.gammaln(POINTS))


def test_digamma_matches_scipy():
    _close(ember.digamma(ember.tensor(POINTS, dtype=ember.float64)).numpy(), special.digamma(POINTS))


@pytest.mark.parametrize("n", [0, 1, 2, 3, 6])
def test_polygamma_matches_scipy(n):
    x = POINTS[POINTS > -3]
    got = ember.tensor(x, dtype=ember.float64).polygamma(n).numpy()
    _close(got, special.polygamma(n, x), tolerance=1e-11)


def test_poles_give_pytorchs_values():
    poles = ember.tensor([0.0, -1.0, -2.0])
    assert ember.lgamma(poles).tolist() == [math.inf] * 3
    assert ember.digamma(poles)[0].item() == -math.inf
    assert all(math.isnan(v) for v in ember.digamma(poles)[1:].tolist())
    assert ember.polygamma(1, poles).tolist() == [math.inf] * 3
    assert ember.polygamma(2, poles).tolist() == [-math.inf] * 3


def test_dtypes_follow_the_input_and_integers_become_float():
    assert ember.lgamma(ember.tensor([1.5], dtype=ember.float32)).dtype is ember.float32
    assert ember.digamma(ember.tensor([3])).dtype is ember.float32
    assert ember.lgamma(ember.tensor([4])).item() == pytest.approx(math.log(6))


def test_in_place_forms():
    x = ember.tensor([2.5, 4.0])
    x.lgamma_()
    _close(x.numpy(), special.gammaln([2.5, 4.0]).astype(np.float32), tolerance=1e-6)
    y = ember.tensor([2.5])
    y.polygamma_(1)
    assert y.item() == pytest.approx(special.polygamma(1, 2.5), rel=1e-6)


def test_polygamma_refuses_a_negative_order():
    with pytest.raises(RuntimeError, match="polygamma"):
        ember.polygamma(-1, ember.tensor([1.0]))


def test_erfinv_matches_scipy():
    x = np.concatenate([np.linspace(-0.9999, 0.9999, 2001), [1e-300, -1e-10, 0.5]])
    got = ember.erfinv(ember.tensor(x, dtype=ember.float64)).numpy()
    np.testing.assert_allclose(got, special.erfinv(x), rtol=1e-12, atol=0)
    tails = np.array([1 - 1e-9, -(1 - 1e-11)])
    np.testing.assert_allclose(
        ember.erfinv(ember.tensor(tails, dtype=ember.float64)).numpy(), special.erfinv(tails), rtol=1e-6
    )


def test_erfinv_edges_and_dtype():
    edges = ember.erfinv(ember.tensor([1.0, -1.0, 1.5, -2.0])).tolist()
    assert edges[:2] == [math.inf, -math.inf] and all(math.isnan(v) for v in edges[2:])
    assert ember.tensor([0.25]).erfinv().dtype is ember.float32
    assert ember.erfinv(ember.tensor([0])).dtype is ember.float32


def test_igamma_and_igammac_match_scipy():
    a, x = np.meshgrid(
        [0.1, 0.5, 1.0, 2.5, 10.0, 100.0, 1000.0, 3e4], [0.0, 0.01, 0.5, 1.0, 3.0, 10.0, 200.0, 1100.0, np.inf]
    )
    lower = ember.igamma(ember.tensor(a, dtype=ember.float64), ember.tensor(x, dtype=ember.float64)).numpy()
    upper = ember.tensor(a, dtype=ember.float64).igammac(ember.tensor(x, dtype=ember.float64)).numpy()
    np.testing.assert_allclose(lower, special.gammainc(a, x), rtol=1e-11, atol=1e-14)
    want = special.gammaincc(a, x)
    np.testing.assert_allclose(upper, want, rtol=1e-10, atol=1e-300)
    assert np.isnan(ember.igamma(ember.tensor([-1.0, 1.0]), ember.tensor([1.0, -1.0])).numpy()).all()


def test_igamma_gradient_with_respect_to_a_is_refused_as_in_pytorch():
    a = ember.tensor([1.5], requires_grad=True)
    with pytest.raises(NotImplementedError, match="first argument"):
        ember.igamma(a, ember.tensor([2.0])).backward()
