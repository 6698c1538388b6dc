"""ember.distributions against torch.distributions 2.13: log_prob, entropy, moments, cdf, kl_divergence, gradients."""

import ember
import numpy as np
import pytest

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(11)
POSITIVE = RNG.uniform(0.5, 3.0, (3,))
OTHER_POSITIVE = RNG.uniform(0.5, 3.0, (3,))
REAL = RNG.normal(size=(3,))
PROBS = RNG.uniform(0.1, 0.9, (3,))
SIMPLEX = RNG.dirichlet(np.ones(4), size=2)
SPD = np.array([[2.0, 0.4, 0.1], [0.4, 1.5, -0.3], [0.1, -0.3, 1.0]])
TRIL = np.linalg.cholesky(SPD)


def _tensors(module, values: dict, grad: tuple) -> dict:
    made = {}
    for key, value in values.items():
        if isinstance(value, int):
            made[key] = value
            continue
        tensor = module.tensor(value)
        if key in grad:
            tensor.requires_grad_(True)
        made[key] = tensor
    return made


# name: (class name, parameters, names with gradients, sample value for log_prob, statistics torch has)
CASES = {
    "normal": ("Normal", {"loc": REAL, "scale": POSITIVE}, ("loc", "scale"), RNG.normal(size=(2, 3))),
    "laplace": ("Laplace", {"loc": REAL, "scale": POSITIVE}, ("loc", "scale"), RNG.normal(size=(2, 3))),
    "log_normal": ("LogNormal", {"loc": REAL, "scale": POSITIVE}, ("loc", "scale"), RNG.uniform(0.2, 3, (2, 3))),
    "exponential": ("Exponential", {"rate": POSITIVE}, ("rate",), RNG.uniform(0.1, 3, (2, 3))),
    "gamma": (
        "Gamma",
        {"concentration": POSITIVE, "rate": OTHER_POSITIVE},
        ("concentration", "rate"),
        RNG.uniform(0.1, 3, (2, 3)),
    ),
    "beta": (
        "Beta",
        {"concentration1": POSITIVE, "concentration0": OTHER_POSITIVE},
        ("concentration1", "concentration0"),
        RNG.uniform(0.05, 0.95, (2, 3)),
    ),
    "dirichlet": ("Dirichlet", {"concentration": RNG.uniform(0.5, 3, (2, 4))}, ("concentration",), SIMPLEX),
    "uniform": ("Uniform", {"low": REAL - 2, "high": REAL + 1}, ("low", "high"), REAL - 0.5),
    "bernoulli_probs": ("Bernoulli", {"probs": PROBS}, ("probs",), np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]])),
    "bernoulli_logits": ("Bernoulli", {"logits": REAL}, ("logits",), np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]])),
    "categorical_probs": ("Categorical", {"probs": SIMPLEX}, ("probs",), np.array([[0, 3], [2, 1]])),
    "categorical_logits": ("Categorical", {"logits": RNG.normal(size=(2, 4))}, ("logits",), np.array([[0, 3], [2, 1]])),
    "one_hot_categorical": ("OneHotCategorical", {"probs": SIMPLEX}, ("probs",), np.eye(4)[[1, 3]]),
    "binomial": (
        "Binomial",
        {"total_count": np.array([5.0, 5.0, 5.0]), "probs": PROBS},
        ("probs",),
        np.array([[0.0, 2.0, 5.0], [3.0, 1.0, 4.0]]),
    ),
    "binomial_logits": (
        "Binomial",
        {"total_count": np.array([4.0, 7.0, 2.0]), "logits": REAL},
        ("logits",),
        np.array([[0.0, 2.0, 2.0], [3.0, 1.0, 1.0]]),
    ),
    "poisson": ("Poisson", {"rate": POSITIVE}, ("rate",), np.array([[0.0, 2.0, 5.0], [3.0, 1.0, 4.0]])),
    "cauchy": ("Cauchy", {"loc": REAL, "scale": POSITIVE}, ("loc", "scale"), RNG.normal(size=(2, 3))),
    "half_cauchy": ("HalfCauchy", {"scale": POSITIVE}, ("scale",), RNG.uniform(0.0, 3, (2, 3))),
    "half_normal": ("HalfNormal", {"scale": POSITIVE}, ("scale",), RNG.uniform(0.0, 3, (2, 3))),
    "gumbel": ("Gumbel", {"loc": REAL, "scale": POSITIVE}, ("loc", "scale"), RNG.normal(size=(2, 3))),
    "geometric": ("Geometric", {"probs": PROBS}, ("probs",), np.array([[0.0, 2.0, 5.0], [3.0, 1.0, 4.0]])),
    "geometric_logits": ("Geometric", {"logits": REAL}, ("logits",), np.array([[0.0, 2.0, 5.0], [3.0, 1.0, 4.0]])),
    "chi2": ("Chi2", {"df": POSITIVE * 2}, ("df",), RNG.uniform(0.1, 3, (2, 3))),
    "student_t": (
        "StudentT",
        {"df": POSITIVE * 2, "loc": REAL, "scale": OTHER_POSITIVE},
        ("df", "loc", "scale"),
        RNG.normal(size=(2, 3)),
    ),
    "student_t_low_df": ("StudentT", {"df": np.array([0.5, 1.5, 3.0])}, ("df",), RNG.normal(size=(2, 3))),
    "multinomial": (
        "Multinomial",
        {"total_count": 6, "probs": SIMPLEX},
        ("probs",),
        np.array([[1.0, 2.0, 0.0, 3.0], [0.0, 0.0, 6.0, 0.0]]),
    ),
    "negative_binomial": (
        "NegativeBinomial",
        {"total_count": POSITIVE * 2, "probs": PROBS},
        ("total_count", "probs"),
        np.array([[0.0, 2.0, 5.0], [3.0, 1.0, 4.0]]),
    ),
    "pareto": (
        "Pareto",
        {"scale": POSITIVE, "alpha": OTHER_POSITIVE + 1},
        ("scale", "alpha"),
        POSITIVE * RNG.uniform(1, 4, (2, 3)),
    ),
    "weibull": (
        "Weibull",
        {"scale": POSITIVE, "concentration": OTHER_POSITIVE},
        ("scale", "concentration"),
        RNG.uniform(0.1, 3, (2, 3)),
    ),
    "relaxed_bernoulli": (
        "RelaxedBernoulli",
        {"temperature": np.array(0.7), "probs": PROBS},
        ("temperature", "probs"),
        RNG.uniform(0.05, 0.95, (2, 3)),
    ),
    "relaxed_one_hot": (
        "RelaxedOneHotCategorical",
        {"temperature": np.array(0.5), "logits": RNG.normal(size=(2, 4))},
        ("temperature", "logits"),
        RNG.dirichlet(np.ones(4), size=2),
    ),
    "kumaraswamy": (
        "Kumaraswamy",
        {"concentration1": POSITIVE, "concentration0": OTHER_POSITIVE},
        ("concentration1", "concentration0"),
        RNG.uniform(0.05, 0.95, (2, 3)),
    ),
    "lowrank_mvn": (
        "LowRankMultivariateNormal",
        {
            "loc": RNG.normal(size=(2, 4)),
            "cov_factor": RNG.normal(size=(2, 4, 2)),
            "cov_diag": RNG.uniform(0.5, 1.5, (2, 4)),
        },
        ("loc", "cov_factor", "cov_diag"),
        RNG.normal(size=(3, 2, 4)),
    ),
    "continuous_bernoulli": (
        "ContinuousBernoulli",
        {"probs": np.array([0.1, 0.4995, 0.8])},
        ("probs",),
        RNG.uniform(0.01, 0.99, (2, 3)),
    ),
    "continuous_bernoulli_logits": (
        "ContinuousBernoulli",
        {"logits": REAL},
        ("logits",),
        RNG.uniform(0.01, 0.99, (2, 3)),
    ),
    "mvn_covariance": (
        "MultivariateNormal",
        {"loc": REAL, "covariance_matrix": SPD},
        ("loc", "covariance_matrix"),
        RNG.normal(size=(2, 3)),
    ),
    "mvn_precision": (
        "MultivariateNormal",
        {"loc": REAL, "precision_matrix": SPD},
        ("loc", "precision_matrix"),
        RNG.normal(size=(2, 3)),
    ),
    "mvn_scale_tril": (
        "MultivariateNormal",
        {"loc": REAL, "scale_tril": TRIL},
        ("loc", "scale_tril"),
        RNG.normal(size=(2, 3)),
    ),
    "mvn_batched": (
        "MultivariateNormal",
        {"loc": RNG.normal(size=(2, 3)), "scale_tril": np.stack([TRIL, TRIL * 0.5])},
        ("loc", "scale_tril"),
        RNG.normal(size=(4, 2, 3)),
    ),
}
NO_ENTROPY = {
    "fisher_snedecor",
    "poisson",
    "binomial_logits",
    "negative_binomial",
    "relaxed_bernoulli",
    "relaxed_one_hot",
}
# NOTE: torch's Multinomial.entropy takes lgamma(total_count + 1) of an integer tensor, in float32
ENTROPY_RTOL = {"multinomial": 1e-7}
STATISTICS = ("mean", "variance", "stddev", "mode")


def _build(module, case: str):
    name, values, grad, _ = CASES[case]
    params = _tensors(module, values, grad)
    return getattr(module.distributions, name)(**params), params, grad


def _numpy(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def _close(got, want, what, rtol=1e-9):
    np.testing.assert_allclose(_numpy(got), _numpy(want), rtol=rtol, atol=rtol / 10, err_msg=what, equal_nan=True)


@pytest.mark.parametrize("case", sorted(CASES))
def test_log_prob_entropy_and_their_gradients(case):
    value = CASES[case][3]
    results = {}
    for module in (torch, ember):
        distribution, params, grad = _build(module, case)
        log_prob = distribution.log_prob(module.tensor(value))
        total = log_prob.sum()
        entropy = None
        if case not in NO_ENTROPY:
            entropy = distribution.entropy()
            total = total + entropy.sum()
        gradients = module.autograd.grad(total, [params[k] for k in grad])
        results[module] = (log_prob, entropy, gradients, distribution.batch_shape, distribution.event_shape)
    (t_lp, t_h, t_g, t_batch, t_event), (e_lp, e_h, e_g, e_batch, e_event) = results[torch], results[ember]
    assert tuple(e_batch) == tuple(t_batch) and tuple(e_event) == tuple(t_event)
    _close(e_lp, t_lp, "log_prob")
    if t_h is not None:
        _close(e_h, t_h, "entropy", rtol=ENTROPY_RTOL.get(case, 1e-9))
    for got, want in zip(e_g, t_g):
        _close(got, want, "gradient", rtol=1e-6)  # NOTE: torch's polygamma is less accurate than ember's


# NOTE: torch 2.13's Kumaraswamy.mode is nan wherever concentration0 > 1; ember's is the mode
MODE_DIFFERS = {"kumaraswamy"}


@pytest.mark.parametrize("case", sorted(CASES))
def test_moments(case):
    t_dist, e_dist = _build(torch, case)[0], _build(ember, case)[0]
    for statistic in STATISTICS:
        if statistic == "mode" and case in MODE_DIFFERS:
            continue
        try:
            want = getattr(t_dist, statistic)
        except NotImplementedError:
            continue
        _close(getattr(e_dist, statistic), want, statistic)


CDF_CASES = [
    ("normal", RNG.normal(size=(2, 3))),
    ("laplace", RNG.normal(size=(2, 3))),
    ("exponential", RNG.uniform(0.1, 3, (2, 3))),
    ("uniform", REAL - 0.5),
    ("log_normal", RNG.uniform(0.2, 3, (2, 3))),
    ("gamma", RNG.uniform(0.1, 3, (2, 3))),
    ("cauchy", RNG.normal(size=(2, 3))),
    ("half_normal", RNG.uniform(0.0, 3, (2, 3))),
    ("half_cauchy", RNG.uniform(0.0, 3, (2, 3))),
    ("gumbel", RNG.normal(size=(2, 3))),
    ("continuous_bernoulli", RNG.uniform(0.01, 0.99, (2, 3))),
]


@pytest.mark.parametrize(("case", "value"), CDF_CASES, ids=[c for c, _ in CDF_CASES])
def test_cdf_and_icdf(case, value):
    t_dist, e_dist = _build(torch, case)[0], _build(ember, case)[0]
    _close(e_dist.cdf(ember.tensor(value)), t_dist.cdf(torch.tensor(value)), "cdf")
    if case not in ("log_normal", "gamma", "gumbel"):
        q = np.array([0.1, 0.5, 0.9])
        _close(e_dist.icdf(ember.tensor(q)), t_dist.icdf(torch.tensor(q)), "icdf")


KL_PAIRS = [
    ("normal", {"loc": REAL, "scale": POSITIVE}, {"loc": REAL[::-1].copy(), "scale": OTHER_POSITIVE}),
    ("laplace", {"loc": REAL, "scale": POSITIVE}, {"loc": REAL[::-1].copy(), "scale": OTHER_POSITIVE}),
    ("exponential", {"rate": POSITIVE}, {"rate": OTHER_POSITIVE}),
    ("gamma", {"concentration": POSITIVE, "rate": OTHER_POSITIVE}, {"concentration": OTHER_POSITIVE, "rate": POSITIVE}),
    (
        "beta",
        {"concentration1": POSITIVE, "concentration0": OTHER_POSITIVE},
        {"concentration1": OTHER_POSITIVE, "concentration0": POSITIVE},
    ),
    ("dirichlet", {"concentration": SIMPLEX * 3 + 0.5}, {"concentration": SIMPLEX[::-1].copy() * 2 + 1}),
    ("uniform", {"low": REAL - 1, "high": REAL + 1}, {"low": REAL - 2, "high": REAL + 3}),
    ("bernoulli_probs", {"probs": PROBS}, {"probs": PROBS[::-1].copy()}),
    ("categorical_probs", {"probs": SIMPLEX}, {"probs": SIMPLEX[::-1].copy()}),
    ("one_hot_categorical", {"probs": SIMPLEX}, {"probs": SIMPLEX[::-1].copy()}),
    ("poisson", {"rate": POSITIVE}, {"rate": OTHER_POSITIVE}),
    (
        "binomial",
        {"total_count": np.full(3, 6.0), "probs": PROBS},
        {"total_count": np.full(3, 6.0), "probs": PROBS[::-1].copy()},
    ),
    (
        "mvn_covariance",
        {"loc": REAL, "covariance_matrix": SPD},
        {"loc": REAL * 2, "covariance_matrix": SPD + np.eye(3)},
    ),
    ("mvn_scale_tril", {"loc": REAL, "scale_tril": TRIL}, {"loc": REAL[::-1].copy(), "scale_tril": TRIL * 0.7}),
    ("log_normal", {"loc": REAL, "scale": POSITIVE}, {"loc": REAL[::-1].copy(), "scale": OTHER_POSITIVE}),
    ("cauchy", {"loc": REAL, "scale": POSITIVE}, {"loc": REAL[::-1].copy(), "scale": OTHER_POSITIVE}),
    ("half_normal", {"scale": POSITIVE}, {"scale": OTHER_POSITIVE}),
    ("gumbel", {"loc": REAL, "scale": POSITIVE}, {"loc": REAL[::-1].copy(), "scale": OTHER_POSITIVE}),
    ("geometric", {"probs": PROBS}, {"probs": PROBS[::-1].copy()}),
]


def _kl(module, case, p_values, q_values):
    name, _, grad, _ = CASES[case]
    p_params, q_params = _tensors(module, p_values, grad), _tensors(module, q_values, grad)
    cls = getattr(module.distributions, name)
    kl = module.distributions.kl_divergence(cls(**p_params), cls(**q_params))
    wrt = [params[k] for params in (p_params, q_params) for k in grad]
    return kl, module.autograd.grad(kl.sum(), wrt)


@pytest.mark.parametrize(("case", "p_values", "q_values"), KL_PAIRS, ids=[c for c, *_ in KL_PAIRS])
def test_kl_divergence_and_its_gradients(case, p_values, q_values):
    t_kl, t_grads = _kl(torch, case, p_values, q_values)
    e_kl, e_grads = _kl(ember, case, p_values, q_values)
    _close(e_kl, t_kl, "kl")
    for got, want in zip(e_grads, t_grads):
        _close(got, want, "kl gradient", rtol=1e-6)


INDEPENDENT_LOC = RNG.normal(size=(2, 3))


def test_kl_of_independent_normals_sums_the_reinterpreted_dims():
    def kl(module):
        loc = module.tensor(INDEPENDENT_LOC, requires_grad=True)
        p = module.distributions.Independent(module.distributions.Normal(loc, module.tensor(2.0)), 1)
        q = module.distributions.Independent(module.distributions.Normal(module.zeros(2, 3).double(), 1.5), 1)
        value = module.distributions.kl_divergence(p, q)
        return value, module.autograd.grad(value.sum(), loc)[0]

    t_value, t_grad = kl(torch)
    e_value, e_grad = kl(ember)
    assert tuple(e_value.shape) == tuple(t_value.shape) == (2,)
    _close(e_value, t_value, "kl")
    _close(e_grad, t_grad, "kl gradient")


def test_independent_shapes_log_prob_and_entropy():
    def run(module):
        base = module.distributions.Normal(module.tensor(INDEPENDENT_LOC), module.tensor(POSITIVE))
        dist = module.distributions.Independent(base, 1)
        return dist.batch_shape, dist.event_shape, dist.log_prob(module.tensor(INDEPENDENT_LOC * 0.5)), dist.entropy()

    t_batch, t_event, t_lp, t_h = run(torch)
    e_batch, e_event, e_lp, e_h = run(ember)
    assert (tuple(e_batch), tuple(e_event)) == (tuple(t_batch), tuple(t_event))
    _close(e_lp, t_lp, "log_prob")
    _close(e_h, t_h, "entropy")


@pytest.mark.parametrize("case", ["normal", "categorical_probs", "mvn_scale_tril", "beta", "bernoulli_logits"])
def test_expand_gives_torchs_shapes_and_values(case):
    value = CASES[case][3]
    results = []
    for module in (torch, ember):
        distribution = _build(module, case)[0].expand((5,) + tuple(_build(module, case)[0].batch_shape))
        results.append(
            (tuple(distribution.batch_shape), distribution.log_prob(module.tensor(value[:1])), distribution.mean)
        )
    (t_batch, t_lp, t_mean), (e_batch, e_lp, e_mean) = results
    assert e_batch == t_batch
    _close(e_lp, t_lp, "log_prob")
    _close(e_mean, t_mean, "mean")


@pytest.mark.parametrize(
    ("case", "values"),
    [
        ("normal", {"loc": REAL, "scale": -POSITIVE}),
        ("bernoulli_probs", {"probs": PROBS + 1}),
        ("categorical_probs", {"probs": np.array([[0.5, -0.1, 0.6]])}),
        ("gamma", {"concentration": -POSITIVE, "rate": POSITIVE}),
        ("mvn_scale_tril", {"loc": REAL, "scale_tril": TRIL.T.copy()}),
        ("mvn_covariance", {"loc": REAL, "covariance_matrix": -SPD}),
        ("uniform", {"low": REAL + 1, "high": REAL}),
        ("half_normal", {"scale": -POSITIVE}),
        ("log_normal", {"loc": REAL, "scale": -POSITIVE}),
    ],
)
def test_invalid_parameters_raise_value_error_in_both(case, values):
    name = CASES[case][0]
    for module in (torch, ember):
        params = {k: module.tensor(v) for k, v in values.items()}
        with pytest.raises(ValueError):
            getattr(module.distributions, name)(**params)


def test_repr_matches():
    for make in (
        lambda m: m.distributions.Normal(m.tensor(0.0), m.tensor(1.0)),
        lambda m: m.distributions.Normal(m.zeros(3), m.ones(3)),
        lambda m: m.distributions.Categorical(probs=m.tensor([0.25, 0.75])),
        lambda m: m.distributions.Bernoulli(logits=m.zeros(2, 2)),
    ):
        assert repr(make(ember)).replace("ember.Size", "torch.Size") == repr(make(torch))


def _mixture(module):
    D = module.distributions
    weights = module.tensor(MIXTURE_LOGITS, requires_grad=True)
    loc = module.tensor(MIXTURE_LOC, requires_grad=True)
    mixture = D.MixtureSameFamily(D.Categorical(logits=weights), D.Normal(loc, module.tensor(MIXTURE_SCALE)))
    value = module.tensor(MIXTURE_VALUE)
    log_prob = mixture.log_prob(value)
    grads = module.autograd.grad(log_prob.sum(), [weights, loc])
    return mixture, log_prob, grads, mixture.cdf(value)


MIXTURE_LOGITS = RNG.normal(size=(2, 3))
MIXTURE_LOC = RNG.normal(size=(2, 3)) * 2
MIXTURE_SCALE = RNG.uniform(0.5, 1.5, (2, 3))
MIXTURE_VALUE = RNG.normal(size=(4, 2))


def test_mixture_same_family_matches_torch():
    (t_mix, t_lp, t_grads, t_cdf), (e_mix, e_lp, e_grads, e_cdf) = _mixture(torch), _mixture(ember)
    assert tuple(e_mix.batch_shape) == tuple(t_mix.batch_shape) == (2,)
    _close(e_lp, t_lp, "log_prob")
    _close(e_cdf, t_cdf, "cdf")
    _close(e_mix.mean, t_mix.mean, "mean")
    _close(e_mix.variance, t_mix.variance, "variance")
    for got, want in zip(e_grads, t_grads):
        _close(got, want, "gradient")


def test_mixture_of_multivariate_normals_matches_torch():
    def run(module):
        D = module.distributions
        components = D.Independent(
            D.Normal(module.tensor(MIXTURE_LOC.T.copy()), module.tensor(MIXTURE_SCALE.T.copy())), 1
        )
        mixture = D.MixtureSameFamily(D.Categorical(logits=module.tensor(MIXTURE_LOGITS[0])), components)
        return mixture.log_prob(module.tensor(MIXTURE_VALUE)), mixture.mean, mixture.variance

    for got, want in zip(run(ember), run(torch)):
        _close(got, want, "mixture of independent normals")


def test_straight_through_rsample_passes_the_gradient_to_probs():
    results = []
    for module in (torch, ember):
        probs = module.tensor(SIMPLEX, requires_grad=True)
        draws = module.distributions.OneHotCategoricalStraightThrough(probs).rsample((5,))
        weights = module.tensor(np.arange(8.0).reshape(2, 4))
        (grad,) = module.autograd.grad((draws * weights).sum(), probs)
        results.append(grad.numpy())
    _close(results[1], results[0], "straight-through gradient")


def test_the_transformed_families_are_transformed_distributions_as_in_torch():
    for name in (
        "LogNormal",
        "HalfNormal",
        "HalfCauchy",
        "Pareto",
        "Weibull",
        "RelaxedBernoulli",
        "RelaxedOneHotCategorical",
    ):
        expected = issubclass(getattr(torch.distributions, name), torch.distributions.TransformedDistribution)
        assert (
            issubclass(getattr(ember.distributions, name), ember.distributions.TransformedDistribution) == expected
        ), name


@pytest.mark.parametrize("name", ["scale_tril", "covariance_matrix", "precision_matrix"])
def test_lowrank_multivariate_normal_matrices(name):
    got = getattr(_build(ember, "lowrank_mvn")[0], name)
    want = getattr(_build(torch, "lowrank_mvn")[0], name)
    _close(got, want, name)
