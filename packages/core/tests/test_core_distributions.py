"""ember.distributions against SciPy: log_prob, cdf, entropy and moments, and sampling statistics."""

import ember
import ember.distributions as D
import numpy as np
import pytest
from scipy import stats

RNG = np.random.default_rng(3)
POSITIVE = RNG.uniform(0.5, 3.0, (3,))
OTHER = RNG.uniform(0.5, 3.0, (3,))
REAL = RNG.normal(size=(3,))
PROBS = RNG.uniform(0.1, 0.9, (3,))
SPD = np.array([[2.0, 0.4, 0.1], [0.4, 1.5, -0.3], [0.1, -0.3, 1.0]])


def t(values):
    return ember.tensor(np.asarray(values), dtype=ember.float64)


def close(got, want, rtol=1e-10):
    np.testing.assert_allclose(got.detach().numpy(), np.asarray(want, dtype=np.float64), rtol=rtol, atol=rtol)


# name: (ember distribution, frozen SciPy distribution, points for log_prob, discrete)
CASES = {
    "normal": (lambda: D.Normal(t(REAL), t(POSITIVE)), stats.norm(REAL, POSITIVE), RNG.normal(size=(4, 3)), False),
    "laplace": (lambda: D.Laplace(t(REAL), t(POSITIVE)), stats.laplace(REAL, POSITIVE), RNG.normal(size=(4, 3)), False),
    "log_normal": (
        lambda: D.LogNormal(t(REAL), t(POSITIVE)),
        stats.lognorm(POSITIVE, scale=np.exp(REAL)),
        RNG.uniform(0.1, 4, (4, 3)),
        False,
    ),
    "exponential": (
        lambda: D.Exponential(t(POSITIVE)),
        stats.expon(scale=1 / POSITIVE),
        RNG.uniform(0, 3, (4, 3)),
        False,
    ),
    "gamma": (
        lambda: D.Gamma(t(POSITIVE), t(OTHER)),
        stats.gamma(POSITIVE, scale=1 / OTHER),
        RNG.uniform(0.1, 3, (4, 3)),
        False,
    ),
    "beta": (
        lambda: D.Beta(t(POSITIVE), t(OTHER)),
        stats.beta(POSITIVE, OTHER),
        RNG.uniform(0.05, 0.95, (4, 3)),
        False,
    ),
    "uniform": (
        lambda: D.Uniform(t(REAL - 1), t(REAL + 2)),
        stats.uniform(REAL - 1, 3),
        REAL + RNG.uniform(-0.9, 1.9, (4, 3)),
        False,
    ),
    "bernoulli": (
        lambda: D.Bernoulli(t(PROBS)),
        stats.bernoulli(PROBS),
        RNG.integers(0, 2, (4, 3)).astype(float),
        True,
    ),
    "bernoulli_logits": (
        lambda: D.Bernoulli(logits=t(np.log(PROBS / (1 - PROBS)))),
        stats.bernoulli(PROBS),
        RNG.integers(0, 2, (4, 3)).astype(float),
        True,
    ),
    "binomial": (
        lambda: D.Binomial(7, t(PROBS)),
        stats.binom(7, PROBS),
        RNG.integers(0, 8, (4, 3)).astype(float),
        True,
    ),
    "poisson": (
        lambda: D.Poisson(t(POSITIVE)),
        stats.poisson(POSITIVE),
        RNG.integers(0, 6, (4, 3)).astype(float),
        True,
    ),
    "half_normal": (
        lambda: D.HalfNormal(t(POSITIVE)),
        stats.halfnorm(scale=POSITIVE),
        RNG.uniform(0, 3, (4, 3)),
        False,
    ),
    "gumbel": (lambda: D.Gumbel(t(REAL), t(POSITIVE)), stats.gumbel_r(REAL, POSITIVE), RNG.normal(size=(4, 3)), False),
    "geometric": (
        lambda: D.Geometric(t(PROBS)),
        stats.geom(PROBS, loc=-1),
        RNG.integers(0, 6, (4, 3)).astype(float),
        True,
    ),
    "chi2": (lambda: D.Chi2(t(POSITIVE * 3)), stats.chi2(POSITIVE * 3), RNG.uniform(0.1, 5, (4, 3)), False),
    "negative_binomial": (
        lambda: D.NegativeBinomial(t(POSITIVE * 2), t(PROBS)),
        stats.nbinom(POSITIVE * 2, 1 - PROBS),
        RNG.integers(0, 8, (4, 3)).astype(float),
        True,
    ),
    "pareto": (
        lambda: D.Pareto(t(POSITIVE), t(OTHER + 2)),
        stats.pareto(OTHER + 2, scale=POSITIVE),
        POSITIVE * RNG.uniform(1, 4, (4, 3)),
        False,
    ),
    "inverse_gamma": (
        lambda: D.InverseGamma(t(POSITIVE + 2.5), t(OTHER)),
        stats.invgamma(POSITIVE + 2.5, scale=OTHER),
        RNG.uniform(0.1, 3, (4, 3)),
        False,
    ),
    "fisher_snedecor": (
        lambda: D.FisherSnedecor(t(POSITIVE * 3), t(OTHER * 3 + 5)),
        stats.f(POSITIVE * 3, OTHER * 3 + 5),
        RNG.uniform(0.1, 3, (4, 3)),
        False,
    ),
    "weibull": (
        lambda: D.Weibull(t(POSITIVE), t(OTHER)),
        stats.weibull_min(OTHER, scale=POSITIVE),
        RNG.uniform(0.1, 3, (4, 3)),
        False,
    ),
    "student_t": (
        lambda: D.StudentT(t(POSITIVE + 4), t(REAL), t(OTHER)),
        stats.t(POSITIVE + 4, REAL, OTHER),
        RNG.normal(size=(4, 3)),
        False,
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_log_prob_matches_scipy(case):
    make, reference, points, discrete = CASES[case]
    want = reference.logpmf(points) if discrete else reference.logpdf(points)
    close(make().log_prob(t(points)), want, rtol=1e-9)


@pytest.mark.parametrize("case", sorted(set(CASES) - {"poisson", "negative_binomial", "fisher_snedecor"}))
def test_entropy_matches_scipy(case):
    make, reference, _, _ = CASES[case]
    close(make().entropy(), reference.entropy(), rtol=1e-9)


@pytest.mark.parametrize("case", sorted(CASES))
def test_mean_variance_and_stddev_match_scipy(case):
    make, reference, _, _ = CASES[case]
    distribution = make()
    close(distribution.mean, reference.mean())
    close(distribution.variance, reference.var())
    close(distribution.stddev, reference.std())


@pytest.mark.parametrize(
    "case", ["normal", "laplace", "exponential", "uniform", "log_normal", "gamma", "half_normal", "gumbel"]
)
def test_cdf_matches_scipy(case):
    make, reference, points, _ = CASES[case]
    close(make().cdf(t(points)), reference.cdf(points), rtol=1e-9)


@pytest.mark.parametrize("case", ["normal", "laplace", "exponential", "uniform", "log_normal", "half_normal", "gumbel"])
def test_icdf_matches_scipy(case):
    make, reference, _, _ = CASES[case]
    q = RNG.uniform(0.05, 0.95, (4, 3))
    close(make().icdf(t(q)), reference.ppf(q), rtol=1e-9)


def test_categorical_and_one_hot_match_numpy():
    probs = RNG.dirichlet(np.ones(5), size=3)
    categorical = D.Categorical(t(probs))
    indices = np.array([[0, 4, 2], [1, 1, 3]])
    close(categorical.log_prob(ember.tensor(indices)), np.log(probs[np.arange(3), indices]))
    close(categorical.entropy(), -(probs * np.log(probs)).sum(-1))
    one_hot = D.OneHotCategorical(t(probs))
    close(one_hot.log_prob(t(np.eye(5)[indices])), np.log(probs[np.arange(3), indices]))
    close(one_hot.mean, probs)
    close(one_hot.variance, probs * (1 - probs))
    assert one_hot.event_shape == (5,) and one_hot.batch_shape == (3,)
    logits = D.Categorical(logits=t(np.log(probs) + 2.0))
    close(logits.probs, probs)


def test_cauchy_matches_scipy():
    cauchy, reference = D.Cauchy(t(REAL), t(POSITIVE)), stats.cauchy(REAL, POSITIVE)
    points = RNG.normal(size=(4, 3)) * 3
    close(cauchy.log_prob(t(points)), reference.logpdf(points), rtol=1e-9)
    close(cauchy.cdf(t(points)), reference.cdf(points), rtol=1e-9)
    close(cauchy.entropy(), reference.entropy(), rtol=1e-9)
    ember.manual_seed(3)
    samples = cauchy.sample((DRAWS,)).numpy()
    np.testing.assert_allclose(np.median(samples, 0), REAL, atol=0.05 * POSITIVE.max())


def test_multinomial_matches_scipy():
    probs = RNG.dirichlet(np.ones(4), size=2)
    multinomial = D.Multinomial(6, t(probs))
    counts = np.array([[1.0, 2.0, 0.0, 3.0], [0.0, 0.0, 6.0, 0.0]])
    close(
        multinomial.log_prob(t(counts)), [stats.multinomial(6, p).logpmf(c) for p, c in zip(probs, counts)], rtol=1e-9
    )
    close(multinomial.entropy(), [stats.multinomial(6, p).entropy() for p in probs], rtol=1e-9)
    ember.manual_seed(8)
    samples = multinomial.sample((DRAWS,)).numpy()
    assert samples.shape == (DRAWS, 2, 4) and (samples.sum(-1) == 6).all()
    np.testing.assert_allclose(samples.mean(0), 6 * probs, atol=0.05)


def test_dirichlet_matches_scipy():
    alpha = RNG.uniform(0.5, 3, 4)
    points = RNG.dirichlet(np.ones(4), size=5)
    dirichlet = D.Dirichlet(t(alpha))
    close(dirichlet.log_prob(t(points)), [stats.dirichlet.logpdf(p, alpha) for p in points], rtol=1e-9)
    close(dirichlet.entropy(), stats.dirichlet.entropy(alpha), rtol=1e-9)
    close(dirichlet.mean, stats.dirichlet.mean(alpha))
    close(dirichlet.variance, stats.dirichlet.var(alpha))


@pytest.mark.parametrize("parameter", ["covariance_matrix", "precision_matrix", "scale_tril"])
def test_multivariate_normal_matches_scipy(parameter):
    given = {"covariance_matrix": SPD, "precision_matrix": np.linalg.inv(SPD), "scale_tril": np.linalg.cholesky(SPD)}
    mvn = D.MultivariateNormal(t(REAL), **{parameter: t(given[parameter])})
    reference = stats.multivariate_normal(REAL, SPD)
    points = RNG.normal(size=(4, 3))
    close(mvn.log_prob(t(points)), reference.logpdf(points), rtol=1e-9)
    close(mvn.entropy(), reference.entropy(), rtol=1e-9)
    close(mvn.covariance_matrix, SPD, rtol=1e-9)
    close(mvn.precision_matrix, np.linalg.inv(SPD), rtol=1e-9)
    close(mvn.scale_tril, np.linalg.cholesky(SPD), rtol=1e-9)
    close(mvn.variance, np.diag(SPD), rtol=1e-9)


def test_independent_sums_the_reinterpreted_dims():
    loc, scale = RNG.normal(size=(2, 3)), RNG.uniform(0.5, 2, (2, 3))
    independent = D.Independent(D.Normal(t(loc), t(scale)), 1)
    assert independent.batch_shape == (2,) and independent.event_shape == (3,)
    points = RNG.normal(size=(5, 2, 3))
    close(independent.log_prob(t(points)), stats.norm(loc, scale).logpdf(points).sum(-1))
    close(independent.entropy(), stats.norm(loc, scale).entropy().sum(-1))
    assert independent.sample((4,)).shape == (4, 2, 3)


# --- sampling ---------------------------------------------------------------------------------

SAMPLED = {
    "normal": lambda: D.Normal(t(REAL), t(POSITIVE)),
    "laplace": lambda: D.Laplace(t(REAL), t(POSITIVE)),
    "log_normal": lambda: D.LogNormal(t(REAL * 0.3), t(POSITIVE * 0.2)),
    "exponential": lambda: D.Exponential(t(POSITIVE)),
    "gamma": lambda: D.Gamma(t(np.array([0.3, 1.0, 4.5])), t(OTHER)),
    "beta": lambda: D.Beta(t(np.array([0.4, 2.0, 5.0])), t(OTHER)),
    "uniform": lambda: D.Uniform(t(REAL - 1), t(REAL + 2)),
    "bernoulli": lambda: D.Bernoulli(t(PROBS)),
    "binomial": lambda: D.Binomial(t(np.array([3.0, 7.0, 10.0])), t(PROBS)),
    "poisson": lambda: D.Poisson(t(POSITIVE)),
    "dirichlet": lambda: D.Dirichlet(t(np.array([0.5, 2.0, 3.0]))),
    "categorical": lambda: D.OneHotCategorical(t(np.array([0.2, 0.5, 0.3]))),
    "mvn": lambda: D.MultivariateNormal(t(REAL), t(SPD)),
    "half_normal": lambda: D.HalfNormal(t(POSITIVE)),
    "gumbel": lambda: D.Gumbel(t(REAL), t(POSITIVE)),
    "geometric": lambda: D.Geometric(t(PROBS)),
    "chi2": lambda: D.Chi2(t(POSITIVE * 3)),
    "student_t": lambda: D.StudentT(t(np.array([12.0, 20.0, 30.0])), t(REAL), t(OTHER)),
    "negative_binomial": lambda: D.NegativeBinomial(t(np.array([1.5, 4.0, 10.0])), t(np.array([0.2, 0.5, 0.3]))),
    "pareto": lambda: D.Pareto(t(POSITIVE), t(np.array([6.0, 8.0, 12.0]))),
    "weibull": lambda: D.Weibull(t(POSITIVE), t(OTHER + 0.5)),
    "inverse_gamma": lambda: D.InverseGamma(t(np.array([6.0, 8.0, 12.0])), t(OTHER)),
    "fisher_snedecor": lambda: D.FisherSnedecor(t(np.array([5.0, 10.0, 20.0])), t(np.array([12.0, 20.0, 30.0]))),
}
DRAWS = 40000


@pytest.mark.parametrize("case", sorted(SAMPLED))
def test_sample_moments_match_the_distribution(case):
    ember.manual_seed(1)
    distribution = SAMPLED[case]()
    samples = distribution.sample((DRAWS,)).numpy()
    assert samples.shape == (DRAWS, *distribution.batch_shape, *distribution.event_shape)
    mean, variance = distribution.mean.numpy(), distribution.variance.numpy()
    standard_error = np.sqrt(variance / DRAWS)
    assert np.all(np.abs(samples.mean(0) - mean) < 5 * standard_error + 1e-12), (samples.mean(0), mean)
    np.testing.assert_allclose(samples.var(0), variance, rtol=0.06)
    assert distribution.support.check(ember.tensor(samples)).all()


def test_categorical_sample_frequencies():
    ember.manual_seed(2)
    probs = np.array([[0.1, 0.6, 0.3], [0.5, 0.25, 0.25]])
    samples = D.Categorical(t(probs)).sample((DRAWS,)).numpy()
    assert samples.shape == (DRAWS, 2) and samples.dtype == np.int64
    frequencies = np.stack([(samples == k).mean(0) for k in range(3)], -1)
    np.testing.assert_allclose(frequencies, probs, atol=0.01)


def test_sampling_honours_manual_seed_and_sample_shape():
    distribution = D.Normal(t(REAL), t(POSITIVE))
    ember.manual_seed(5)
    first = distribution.sample((2, 4))
    ember.manual_seed(5)
    assert ember.equal(first, distribution.sample((2, 4)))
    assert first.shape == (2, 4, 3)
    assert D.Normal(0.0, 1.0).sample().shape == ()
    assert D.Gamma(1.0, 1.0).sample((3,)).dtype is ember.float32


def test_sample_has_no_gradient_and_rsample_has_one():
    loc = t(REAL).requires_grad_()
    distribution = D.Normal(loc, t(POSITIVE))
    assert not distribution.sample().requires_grad
    assert distribution.rsample().requires_grad
    assert not D.Gamma(t(POSITIVE).requires_grad_(), 1.0).sample().requires_grad
    with pytest.raises(NotImplementedError, match="rsample"):
        D.Bernoulli(t(PROBS)).rsample()


def test_gamma_rsample_gradients_match_the_derivatives_of_the_moments():
    ember.manual_seed(4)
    alpha = t([0.4, 2.0, 7.0]).requires_grad_()
    rate = t([1.5, 0.5, 2.0]).requires_grad_()
    draws = D.Gamma(alpha, rate).rsample((DRAWS,))
    grad_alpha, grad_rate = ember.autograd.grad(draws.mean(0).sum(), [alpha, rate])
    a, r = alpha.detach().numpy(), rate.detach().numpy()
    np.testing.assert_allclose(grad_alpha.numpy(), 1 / r, rtol=0.02)  # d/da of a / r
    np.testing.assert_allclose(grad_rate.numpy(), -a / r**2, rtol=0.02)


def test_beta_and_dirichlet_rsample_gradients_match_the_derivatives_of_the_means():
    ember.manual_seed(6)
    a, b = t([0.4, 2.0, 7.0]).requires_grad_(), t([1.5, 0.5, 2.0]).requires_grad_()
    (grad_a,) = ember.autograd.grad(D.Beta(a, b).rsample((DRAWS,)).mean(0).sum(), [a])
    a_, b_ = a.detach().numpy(), b.detach().numpy()
    np.testing.assert_allclose(grad_a.numpy(), b_ / (a_ + b_) ** 2, rtol=0.03)
    concentration = t([0.7, 2.0, 3.0]).requires_grad_()
    (grad,) = ember.autograd.grad(D.Dirichlet(concentration).rsample((DRAWS,)).mean(0)[0], [concentration])
    c = concentration.detach().numpy()
    expected = -c[0] / c.sum() ** 2 + np.eye(3)[0] / c.sum()  # d/dc of c_0 / sum(c)
    np.testing.assert_allclose(grad.numpy(), expected, rtol=0.03, atol=3e-3)


def test_implicit_gamma_gradient_matches_quantile_differences():
    from ember.distributions._gamma_sampling import standard_gamma_grad

    alpha = np.array([0.05, 0.3, 1.0, 2.5, 10.0, 150.0, 2000.0])
    for q in (0.01, 0.5, 0.99):
        z = stats.gamma(alpha).ppf(q)
        step = 1e-6 * alpha
        want = (stats.gamma(alpha + step).ppf(q) - stats.gamma(alpha - step).ppf(q)) / (2 * step)
        np.testing.assert_allclose(standard_gamma_grad(t(alpha), t(z)).numpy(), want, rtol=1e-6)


def test_mixture_same_family_matches_numpy():
    weights = np.array([0.2, 0.5, 0.3])
    loc, scale = np.array([-2.0, 0.0, 3.0]), np.array([0.5, 1.0, 0.8])
    mixture = D.MixtureSameFamily(D.Categorical(t(weights)), D.Normal(t(loc), t(scale)))
    points = RNG.normal(size=7) * 2
    want = np.log((weights * stats.norm(loc, scale).pdf(points[:, None])).sum(-1))
    close(mixture.log_prob(t(points)), want, rtol=1e-10)
    close(mixture.mean, (weights * loc).sum())
    close(mixture.variance, (weights * (scale**2 + loc**2)).sum() - (weights * loc).sum() ** 2)
    ember.manual_seed(9)
    samples = mixture.sample((DRAWS,)).numpy()
    assert samples.shape == (DRAWS,)
    assert abs(samples.mean() - (weights * loc).sum()) < 0.05
    with pytest.raises(ValueError, match="does not equal"):
        D.MixtureSameFamily(D.Categorical(t([0.5, 0.5])), D.Normal(t(loc), t(scale)))


def test_relaxed_distributions_sample_inside_their_support_and_sharpen_as_temperature_falls():
    ember.manual_seed(10)
    probs = t([0.2, 0.7])
    relaxed = D.RelaxedBernoulli(t(0.05), probs=probs).rsample((DRAWS,)).numpy()
    assert ((relaxed > 0) & (relaxed < 1)).all()
    np.testing.assert_allclose((relaxed > 0.5).mean(0), [0.2, 0.7], atol=0.015)
    categorical = D.RelaxedOneHotCategorical(t(0.05), probs=t([0.1, 0.6, 0.3])).rsample((DRAWS,)).numpy()
    np.testing.assert_allclose(categorical.sum(-1), 1.0, rtol=1e-9)
    np.testing.assert_allclose(np.bincount(categorical.argmax(-1), minlength=3) / DRAWS, [0.1, 0.6, 0.3], atol=0.015)
    straight = D.OneHotCategoricalStraightThrough(t([0.1, 0.6, 0.3]).requires_grad_()).rsample((4,))
    assert straight.requires_grad and set(np.unique(straight.detach().numpy())) <= {0.0, 1.0}


def test_lowrank_multivariate_normal_matches_scipy():
    factor, diag = RNG.normal(size=(3, 2)), RNG.uniform(0.5, 1.5, 3)
    covariance = factor @ factor.T + np.diag(diag)
    lowrank = D.LowRankMultivariateNormal(t(REAL), t(factor), t(diag))
    reference = stats.multivariate_normal(REAL, covariance)
    points = RNG.normal(size=(5, 3))
    close(lowrank.log_prob(t(points)), reference.logpdf(points), rtol=1e-9)
    close(lowrank.entropy(), reference.entropy(), rtol=1e-9)
    close(lowrank.covariance_matrix, covariance, rtol=1e-9)
    close(lowrank.precision_matrix, np.linalg.inv(covariance), rtol=1e-9)
    close(lowrank.scale_tril, np.linalg.cholesky(covariance), rtol=1e-9)
    ember.manual_seed(12)
    samples = lowrank.sample((DRAWS,)).numpy()
    np.testing.assert_allclose(np.cov(samples.T), covariance, atol=0.1)


def test_kumaraswamy_matches_numerical_integration():
    a, b = np.array([0.5, 2.0, 3.0]), np.array([2.0, 0.7, 4.0])
    kumaraswamy = D.Kumaraswamy(t(a), t(b))
    grid = np.linspace(1e-6, 1 - 1e-6, 200001)[:, None]
    density = a * b * grid ** (a - 1) * (1 - grid**a) ** (b - 1)
    points = np.array([[0.05], [0.3], [0.6], [0.9]])
    want = np.log(a * b * points ** (a - 1) * (1 - points**a) ** (b - 1))
    close(kumaraswamy.log_prob(t(points)), want, rtol=1e-9)
    close(kumaraswamy.mean, np.trapezoid(grid * density, grid, axis=0), rtol=2e-3)
    close(kumaraswamy.entropy(), -np.trapezoid(density * np.log(density), grid, axis=0), rtol=2e-2)
    close(kumaraswamy.mode[2:], [(2.0 / 11.0) ** (1 / 3.0)])  # ((a - 1) / (a b - 1)) ** (1 / a)
    ember.manual_seed(13)
    samples = kumaraswamy.sample((DRAWS,)).numpy()
    np.testing.assert_allclose(samples.mean(0), kumaraswamy.mean.numpy(), rtol=0.02)


def test_continuous_bernoulli_matches_numerical_integration():
    probs = np.array([0.1, 0.4995, 0.8])
    bernoulli = D.ContinuousBernoulli(t(probs))
    grid = np.linspace(0, 1, 200001)[:, None]
    density = np.exp(bernoulli.log_prob(t(np.broadcast_to(grid, (len(grid), 3)))).numpy())
    np.testing.assert_allclose(np.trapezoid(density, grid, axis=0), 1.0, rtol=1e-8)
    close(bernoulli.mean, np.trapezoid(grid * density, grid, axis=0), rtol=1e-7)
    close(bernoulli.variance, np.trapezoid((grid - bernoulli.mean.numpy()) ** 2 * density, grid, axis=0), rtol=1e-6)
    close(bernoulli.entropy(), -np.trapezoid(density * np.log(density), grid, axis=0), rtol=1e-6)
    q = np.array([0.2, 0.5, 0.9])
    close(bernoulli.cdf(bernoulli.icdf(t(q))), q, rtol=1e-9)
    ember.manual_seed(14)
    samples = bernoulli.sample((DRAWS,)).numpy()
    np.testing.assert_allclose(samples.mean(0), bernoulli.mean.numpy(), atol=0.01)
