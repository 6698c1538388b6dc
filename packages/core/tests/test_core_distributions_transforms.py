"""Transforms and TransformedDistribution: values against NumPy/SciPy, log-Jacobians against finite differences."""

import math

import ember
import ember.distributions as D
import numpy as np
import pytest
from ember.autograd import gradcheck
from scipy import stats

RNG = np.random.default_rng(29)
X = RNG.normal(size=(2, 3))


def t(values, grad=False):
    return ember.tensor(np.asarray(values, dtype=np.float64), requires_grad=grad)


# name: (transform, NumPy forward, inputs)
ELEMENTWISE = {
    "exp": (D.ExpTransform(), np.exp, X),
    "sigmoid": (D.SigmoidTransform(), lambda x: 1 / (1 + np.exp(-x)), X),
    "tanh": (D.TanhTransform(), np.tanh, X * 0.7),
    "affine": (D.AffineTransform(1.5, -2.0), lambda x: 1.5 - 2.0 * x, X),
    "power": (D.PowerTransform(1.7), lambda x: x**1.7, np.abs(X) + 0.3),
    "softplus": (D.SoftplusTransform(), lambda x: np.log1p(np.exp(x)), X),
    "compose": (D.ComposeTransform([D.ExpTransform(), D.AffineTransform(1.0, 3.0)]), lambda x: 1 + 3 * np.exp(x), X),
}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_forward_inverse_and_log_jacobian(name):
    transform, forward, x = ELEMENTWISE[name]
    y = transform(t(x))
    np.testing.assert_allclose(y.numpy(), forward(x), rtol=1e-12)
    np.testing.assert_allclose(transform.inv(y).numpy(), x, rtol=1e-9, atol=1e-12)
    step = 1e-6
    slope = (forward(x + step) - forward(x - step)) / (2 * step)
    np.testing.assert_allclose(
        transform.log_abs_det_jacobian(t(x), y).numpy(), np.log(np.abs(slope)), rtol=1e-7, atol=1e-8
    )
    assert transform.bijective
    if name != "compose":  # NOTE: a composition's inverse is a new composition of the parts' inverses
        assert transform.inv.inv is transform


def test_cache_returns_the_same_tensor_and_abs_and_softmax_are_not_bijective():
    transform = D.ExpTransform().with_cache(1)
    x = t(X)
    assert transform.inv(transform(x)) is x
    assert not D.AbsTransform().bijective and not D.SoftmaxTransform().bijective
    np.testing.assert_allclose(D.AbsTransform()(t(X)).numpy(), np.abs(X))
    simplex = D.SoftmaxTransform()(t(X)).numpy()
    np.testing.assert_allclose(simplex, np.exp(X) / np.exp(X).sum(-1, keepdims=True), rtol=1e-12)
    with pytest.raises(ValueError, match="cache_size"):
        D.ExpTransform(cache_size=2)


def test_exp_of_a_normal_is_scipys_log_normal():
    loc, scale = RNG.normal(size=3) * 0.3, RNG.uniform(0.3, 1.0, 3)
    distribution = D.TransformedDistribution(D.Normal(t(loc), t(scale)), D.ExpTransform())
    reference = stats.lognorm(scale, scale=np.exp(loc))
    points = RNG.uniform(0.1, 4, (5, 3))
    np.testing.assert_allclose(distribution.log_prob(t(points)).numpy(), reference.logpdf(points), rtol=1e-10)
    np.testing.assert_allclose(distribution.cdf(t(points)).numpy(), reference.cdf(points), rtol=1e-10)
    np.testing.assert_allclose(distribution.icdf(t([0.2, 0.5, 0.9])).numpy(), reference.ppf([0.2, 0.5, 0.9]), rtol=1e-9)
    ember.manual_seed(0)
    samples = distribution.sample((40000,)).numpy()
    assert samples.shape == (40000, 3) and (samples > 0).all()
    np.testing.assert_allclose(np.median(samples, 0), np.exp(loc), rtol=0.03)
    assert distribution.has_rsample and distribution.support.check(t(points)).all()


def test_a_decreasing_transform_flips_the_cdf():
    distribution = D.TransformedDistribution(D.Normal(t([0.0]), t([1.0])), D.AffineTransform(0.0, -1.0))
    assert distribution.cdf(t([1.0])).item() == pytest.approx(stats.norm.cdf(1.0))
    assert distribution.icdf(t([0.25])).item() == pytest.approx(stats.norm.ppf(0.25))


def test_gradcheck_squashed_normal_log_prob_and_rsample():
    value = t([[0.3, -0.8], [0.95, 0.1]])

    def log_prob(loc, scale):
        squashed = D.TransformedDistribution(D.Normal(loc, scale), [D.TanhTransform(), D.AffineTransform(0.0, 2.0)])
        return squashed.log_prob(value * 2)

    def draw(loc, scale):
        ember.manual_seed(3)
        return D.TransformedDistribution(D.Normal(loc, scale), [D.SigmoidTransform()]).rsample((3,))

    inputs = (t([0.2, -0.5], grad=True), t([0.8, 1.3], grad=True))
    assert gradcheck(log_prob, inputs)
    assert gradcheck(draw, inputs)


def test_transform_registries():
    to_interval = D.transform_to(D.constraints.interval(-1.0, 3.0))
    y = to_interval(t(X)).numpy()
    assert ((y > -1) & (y < 3)).all()
    assert (D.biject_to(D.constraints.positive)(t(X)).numpy() > 0).all()
    np.testing.assert_allclose(D.transform_to(D.constraints.real)(t(X)).numpy(), X)
    simplex = D.biject_to(D.constraints.simplex)(t(X)).numpy()
    assert simplex.shape == (2, 4) and (simplex > 0).all()
    np.testing.assert_allclose(simplex.sum(-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(D.biject_to(D.constraints.simplex).inv(t(simplex)).numpy(), X, rtol=1e-9)
    with pytest.raises(NotImplementedError, match="Cannot transform"):
        D.biject_to(D.constraints.lower_cholesky)
    lower = D.transform_to(D.constraints.lower_cholesky)(t(RNG.normal(size=(2, 3, 3))))
    assert D.constraints.lower_cholesky.check(lower).all()


def test_transformed_distribution_refuses_what_is_not_a_transform():
    with pytest.raises(ValueError, match="transforms must be a Transform"):
        D.TransformedDistribution(D.Normal(0.0, 1.0), [math.exp])
