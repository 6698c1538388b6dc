"""ember.distributions: argument and sample validation, shapes, constraints, KL divergence, and gradchecks."""

import math

import ember
import ember.distributions as D
import numpy as np
import pytest
from ember.autograd import gradcheck, gradgradcheck
from ember.distributions import constraints

RNG = np.random.default_rng(5)


def t(values, grad=False):
    return ember.tensor(np.asarray(values, dtype=np.float64), requires_grad=grad)


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: D.Normal(t([0.0]), t([-1.0])),
        lambda: D.Normal(t([math.nan]), t([1.0])),
        lambda: D.Bernoulli(t([1.5])),
        lambda: D.Categorical(t([0.5, -0.1, 0.6])),
        lambda: D.Exponential(t([0.0])),
        lambda: D.Gamma(t([1.0]), t([-2.0])),
        lambda: D.Beta(t([0.0]), t([1.0])),
        lambda: D.Dirichlet(t([1.0, -1.0])),
        lambda: D.Uniform(t([1.0]), t([0.0])),
        lambda: D.Poisson(t([-1.0])),
        lambda: D.Binomial(t([2.5]), t([0.5])),
        lambda: D.MultivariateNormal(t([0.0, 0.0]), scale_tril=t([[1.0, 1.0], [0.0, 1.0]])),
        lambda: D.MultivariateNormal(t([0.0, 0.0]), covariance_matrix=t([[1.0, 2.0], [2.0, 1.0]])),
    ],
)
def test_invalid_parameters_raise_value_error(make):
    with pytest.raises(ValueError, match="constraint|Uniform"):
        make()


def test_geometric_refuses_a_zero_probability():
    with pytest.raises(ValueError, match="positive"):
        D.Geometric(t([0.0, 0.5]))


def test_error_names_the_parameter_the_distribution_and_the_constraint():
    with pytest.raises(ValueError) as caught:
        D.Normal(t([0.0]), t([-1.0]))
    message = str(caught.value)
    assert "Expected parameter scale" in message and "GreaterThan(lower_bound=0.0)" in message and "Normal" in message


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: D.Bernoulli(), "Either `probs` or `logits`"),
        (lambda: D.Bernoulli(0.5, 0.0), "Either `probs` or `logits`"),
        (lambda: D.Categorical(t(0.5)), "at least one-dimensional"),
        (lambda: D.Dirichlet(t(2.0)), "at least one-dimensional"),
        (lambda: D.MultivariateNormal(t(0.0), t([[1.0]])), "at least one-dimensional"),
        (lambda: D.MultivariateNormal(t([0.0])), "Exactly one of"),
        (lambda: D.MultivariateNormal(t([0.0]), scale_tril=t([1.0])), "at least two-dimensional"),
        (lambda: D.Independent(D.Normal(t([0.0]), t([1.0])), 2), "reinterpreted_batch_ndims"),
        (lambda: D.Normal("a", 1.0), "numbers.Number or ember.Tensor"),
    ],
)
def test_malformed_arguments_raise_value_error(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize(
    ("distribution", "value", "match"),
    [
        (D.Exponential(t([1.0, 2.0])), t([-1.0, 1.0]), "support"),
        (D.Bernoulli(t([0.3])), t([0.5]), "support"),
        (D.Categorical(t([0.3, 0.7])), ember.tensor([2]), "support"),
        (D.Beta(t([2.0]), t([2.0])), t([1.5]), "support"),
        (D.Uniform(t([0.0]), t([1.0])), t([2.0]), "support"),
        (D.Normal(t([0.0, 1.0]), t([1.0, 1.0])), t([0.0, 1.0, 2.0]), "broadcastable"),
        (D.MultivariateNormal(t([0.0, 0.0]), t(np.eye(2))), t([0.0, 1.0, 2.0]), "event_shape"),
        (D.Normal(t([0.0]), t([1.0])), [0.0], "must be a Tensor"),
    ],
)
def test_log_prob_validates_its_value(distribution, value, match):
    with pytest.raises(ValueError, match=match):
        distribution.log_prob(value)


def test_validate_args_false_and_the_default_switch():
    assert D.Normal(t([0.0]), t([-1.0]), validate_args=False).scale.item() == -1.0
    assert D.Exponential(t([1.0]), validate_args=False).log_prob(t([-1.0])).item() == 1.0
    D.Distribution.set_default_validate_args(False)
    try:
        D.Normal(t([0.0]), t([-1.0]))
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        D.Normal(t([0.0]), t([-1.0]))
    with pytest.raises(ValueError):
        D.Distribution.set_default_validate_args("yes")


# --- shapes, expand, enumerate_support ----------------------------------------------------------


def test_numbers_give_an_empty_batch_shape_in_the_default_dtype():
    normal = D.Normal(0.0, 1.0)
    assert normal.batch_shape == () and normal.loc.dtype is ember.float32
    assert D.Normal(t([0.0, 1.0]), 1.0).scale.dtype is ember.float64
    assert D.Normal(t([[0.0], [1.0]]), t([1.0, 2.0, 3.0])).batch_shape == (2, 3)


def test_expand_broadcasts_parameters_and_keeps_values():
    normal = D.Normal(t([0.0, 1.0]), t([1.0, 2.0])).expand((4, 2))
    assert normal.batch_shape == (4, 2) and normal.sample((3,)).shape == (3, 4, 2)
    mvn = D.MultivariateNormal(t([0.0, 1.0]), t([[2.0, 0.5], [0.5, 1.0]])).expand((3,))
    assert mvn.batch_shape == (3,) and mvn.log_prob(t([0.5, 0.5])).shape == (3,)
    assert mvn.sample((2,)).shape == (2, 3, 2)
    independent = D.Independent(D.Normal(t(np.zeros((2, 3))), 1.0), 1).expand((5, 2))
    assert independent.batch_shape == (5, 2) and independent.event_shape == (3,)
    assert independent.base_dist.batch_shape == (5, 2, 3)
    beta = D.Beta(t([2.0]), t([3.0])).expand((4,))
    assert beta.batch_shape == (4,) and beta.sample().shape == (4,)


def test_enumerate_support():
    bernoulli = D.Bernoulli(t([0.2, 0.7]))
    assert bernoulli.enumerate_support().tolist() == [[0.0, 0.0], [1.0, 1.0]]
    assert bernoulli.enumerate_support(expand=False).shape == (2, 1)
    categorical = D.Categorical(t([[0.2, 0.3, 0.5]]))
    assert categorical.enumerate_support().tolist() == [[0], [1], [2]]
    assert D.OneHotCategorical(t([0.5, 0.5])).enumerate_support().tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert D.Binomial(3, t([0.5])).enumerate_support().shape == (4, 1)


def test_constraints_have_pytorchs_names_and_checks():
    assert repr(constraints.positive) == "GreaterThan(lower_bound=0.0)"
    assert repr(constraints.unit_interval) == "Interval(lower_bound=0.0, upper_bound=1.0)"
    assert repr(constraints.real) == "Real()" and repr(constraints.simplex) == "Simplex()"
    assert constraints.simplex.check(t([[0.2, 0.8], [0.5, 0.6]])).tolist() == [True, False]
    assert constraints.real_vector.check(t([[0.0, math.nan], [1.0, 2.0]])).tolist() == [False, True]
    assert constraints.lower_cholesky.check(t([[1.0, 0.0], [3.0, 2.0]])).item()
    assert not constraints.positive_definite.check(t([[1.0, 2.0], [2.0, 1.0]])).item()
    assert constraints.integer_interval(0, 3).check(t([0.0, 3.0, 1.5, 4.0])).tolist() == [True, True, False, False]
    assert constraints.one_hot.check(t([[0.0, 1.0], [1.0, 1.0]])).tolist() == [True, False]
    assert constraints.is_dependent(D.Uniform.arg_constraints["low"])
    with pytest.raises(ValueError, match="dependent"):
        constraints.dependent.check(t([1.0]))
    assert D.Uniform(t([0.0]), t([2.0])).support.check(t([1.0])).item()


# --- KL divergence ------------------------------------------------------------------------------

PAIRS = [
    (D.Normal(t([0.3, -1.0]), t([1.2, 0.5])), D.Normal(t([0.0, 1.0]), t([0.7, 2.0]))),
    (D.Laplace(t([0.3]), t([1.2])), D.Laplace(t([-0.5]), t([0.8]))),
    (D.Exponential(t([0.7, 2.0])), D.Exponential(t([1.5, 0.4]))),
    (D.Gamma(t([2.0, 0.8]), t([1.5, 2.0])), D.Gamma(t([1.2, 1.5]), t([0.9, 3.0]))),
    (D.Beta(t([2.0, 0.9]), t([3.0, 1.5])), D.Beta(t([1.5, 2.5]), t([2.0, 1.0]))),
    (D.Bernoulli(t([0.3, 0.8])), D.Bernoulli(t([0.6, 0.1]))),
    (D.Categorical(t([0.2, 0.3, 0.5])), D.Categorical(t([0.4, 0.4, 0.2]))),
    (D.Uniform(t([0.0]), t([1.0])), D.Uniform(t([-1.0]), t([2.0]))),
    (D.Poisson(t([2.0])), D.Poisson(t([3.5]))),
    (
        D.MultivariateNormal(t([0.0, 1.0]), t([[2.0, 0.3], [0.3, 1.0]])),
        D.MultivariateNormal(t([1.0, 0.0]), t(np.eye(2))),
    ),
    (D.Dirichlet(t([1.5, 2.0, 0.8])), D.Dirichlet(t([1.0, 1.0, 1.0]))),
    (D.Gumbel(t([0.3]), t([1.2])), D.Gumbel(t([-0.5]), t([0.8]))),
    (D.Geometric(t([0.3])), D.Geometric(t([0.6]))),
    (D.HalfNormal(t([1.3])), D.HalfNormal(t([0.6]))),
]


@pytest.mark.parametrize(("p", "q"), PAIRS, ids=[type(p).__name__ for p, _ in PAIRS])
def test_kl_divergence_matches_a_monte_carlo_estimate(p, q):
    ember.manual_seed(0)
    samples = p.sample((60000,))
    estimate = (p.log_prob(samples) - q.log_prob(samples)).mean(0).numpy()
    np.testing.assert_allclose(D.kl_divergence(p, q).numpy(), estimate, atol=0.03, rtol=0.03)
    np.testing.assert_allclose(D.kl_divergence(p, p).numpy(), 0.0, atol=1e-12)


def test_kl_divergence_is_infinite_outside_the_support():
    assert D.kl_divergence(D.Uniform(t([-1.0]), t([2.0])), D.Uniform(t([0.0]), t([1.0]))).item() == math.inf
    assert D.kl_divergence(D.Bernoulli(t([0.5])), D.Bernoulli(t([0.0]))).item() == math.inf


def test_kl_divergence_of_independent_and_one_hot():
    p = D.Independent(D.Normal(t(np.zeros((2, 3))), 1.0), 1)
    q = D.Independent(D.Normal(t(np.ones((2, 3))), 1.0), 1)
    assert D.kl_divergence(p, q).tolist() == [1.5, 1.5]
    a, b = t([0.2, 0.8]), t([0.5, 0.5])
    assert D.kl_divergence(D.OneHotCategorical(a), D.OneHotCategorical(b)).item() == pytest.approx(
        D.kl_divergence(D.Categorical(a), D.Categorical(b)).item()
    )


def test_kl_divergence_without_a_rule_and_register_kl():
    with pytest.raises(NotImplementedError, match="No KL\\(p \\|\\| q\\) is implemented for p of type Normal"):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Exponential(1.0))

    class Shifted(D.Normal):
        pass

    @D.register_kl(Shifted, D.Exponential)
    def _kl(p, q):
        return p.loc * 0 + 7.0

    assert D.kl_divergence(Shifted(0.0, 1.0), D.Exponential(1.0)).item() == 7.0
    assert D.kl_divergence(Shifted(0.0, 1.0), D.Normal(0.0, 1.0)).item() == 0.0  # the Normal pair's rule
    with pytest.raises(TypeError):
        D.register_kl(int, D.Normal)


# --- gradients ----------------------------------------------------------------------------------

POS = RNG.uniform(0.6, 2.0, 3)
POS2 = RNG.uniform(0.6, 2.0, 3)
REAL = RNG.normal(size=3)
SPD = np.array([[2.0, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 1.5]])
UNIT = RNG.uniform(0.2, 0.8, 3)

LOG_PROBS = [
    ("normal", lambda a, b: D.Normal(a, b).log_prob(t(UNIT)), (REAL, POS)),
    ("laplace", lambda a, b: D.Laplace(a, b).log_prob(t(REAL + 0.5)), (REAL, POS)),
    ("gamma", lambda a, b: D.Gamma(a, b).log_prob(t(UNIT)) + D.Gamma(a, b).entropy(), (POS, POS2)),
    ("beta", lambda a, b: D.Beta(a, b).log_prob(t(UNIT)) + D.Beta(a, b).entropy(), (POS, POS2)),
    ("dirichlet", lambda a: D.Dirichlet(a).log_prob(t(UNIT / UNIT.sum())), (POS,)),
    ("bernoulli", lambda p: D.Bernoulli(p).log_prob(t([0.0, 1.0, 1.0])) + D.Bernoulli(p).entropy(), (UNIT,)),
    ("categorical", lambda logits: D.Categorical(logits=logits).log_prob(ember.tensor([0, 2])), (REAL,)),
    ("binomial", lambda p: D.Binomial(5, p).log_prob(t([0.0, 3.0, 5.0])), (UNIT,)),
    ("poisson", lambda rate: D.Poisson(rate).log_prob(t([0.0, 3.0, 5.0])), (POS,)),
    (
        "mvn_covariance",
        lambda loc, cov: D.MultivariateNormal(loc, (cov + cov.mT) / 2).log_prob(t(UNIT)),
        (REAL, SPD),
    ),
    (
        "mvn_precision",
        lambda loc, prec: D.MultivariateNormal(loc, precision_matrix=(prec + prec.mT) / 2).entropy(),
        (REAL, SPD),
    ),
    (
        "kl_mvn",
        lambda tril: D.kl_divergence(
            D.MultivariateNormal(t(REAL), scale_tril=tril.tril()), D.MultivariateNormal(t(UNIT), t(SPD))
        ),
        (np.linalg.cholesky(SPD),),
    ),
    ("kl_gamma", lambda a, b: D.kl_divergence(D.Gamma(a, b), D.Gamma(b, a)), (POS, POS2)),
]


@pytest.mark.parametrize(("name", "function", "inputs"), LOG_PROBS, ids=[n for n, *_ in LOG_PROBS])
def test_gradcheck_log_prob_entropy_and_kl(name, function, inputs):
    tensors = tuple(t(x, grad=True) for x in inputs)
    assert gradcheck(function, tensors)
    assert gradgradcheck(function, tensors)


def _seeded(make):
    def draw(*params):
        ember.manual_seed(123)
        return make(*params).rsample((4,))

    return draw


RSAMPLES = [
    ("normal", _seeded(D.Normal), (REAL, POS)),
    ("laplace", _seeded(D.Laplace), (REAL, POS)),
    ("log_normal", _seeded(D.LogNormal), (REAL, POS)),
    ("uniform", _seeded(lambda a, b: D.Uniform(a, a + b)), (REAL, POS)),
    ("exponential", _seeded(D.Exponential), (POS,)),
    (
        "mvn_scale_tril",
        _seeded(lambda loc, tril: D.MultivariateNormal(loc, scale_tril=tril.tril())),
        (REAL, np.linalg.cholesky(SPD)),
    ),
]


@pytest.mark.parametrize(("name", "function", "inputs"), RSAMPLES, ids=[n for n, *_ in RSAMPLES])
def test_gradcheck_rsample_with_a_fixed_seed(name, function, inputs):
    tensors = tuple(t(x, grad=True) for x in inputs)
    assert gradcheck(function, tensors)
