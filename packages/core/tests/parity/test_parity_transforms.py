"""ember.distributions transforms and TransformedDistribution against torch 2.13: values, log-Jacobians, gradients."""

import ember
import numpy as np
import pytest

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(23)
X = RNG.normal(size=(2, 3))
POSITIVE_X = RNG.uniform(0.3, 2.5, (2, 3))

# name: (make(module) -> transform, input domain)
TRANSFORMS = {
    "exp": (lambda m: m.distributions.ExpTransform(), X),
    "sigmoid": (lambda m: m.distributions.SigmoidTransform(), X),
    "tanh": (lambda m: m.distributions.TanhTransform(), X * 0.7),
    "affine": (lambda m: m.distributions.AffineTransform(1.5, -2.0), X),
    "affine_tensor": (
        lambda m: m.distributions.AffineTransform(m.tensor([0.5, 1.0, -1.0]), m.tensor([2.0, 0.5, 3.0])),
        X,
    ),
    "power": (lambda m: m.distributions.PowerTransform(m.tensor(1.7)), POSITIVE_X),
    "compose": (
        lambda m: m.distributions.ComposeTransform(
            [m.distributions.ExpTransform(), m.distributions.AffineTransform(1.0, 3.0)]
        ),
        X,
    ),
    "softplus": (lambda m: m.distributions.SoftplusTransform(), X),
    "independent_exp": (lambda m: m.distributions.IndependentTransform(m.distributions.ExpTransform(), 1), X),
    "stick_breaking": (lambda m: m.distributions.StickBreakingTransform(), X),
    "inverse_sigmoid": (lambda m: m.distributions.SigmoidTransform().inv, 1 / (1 + np.exp(-X))),
}


def _apply(module, name):
    make, values = TRANSFORMS[name]
    transform = make(module)
    x = module.tensor(values, requires_grad=True)
    y = transform(x)
    ladj = transform.log_abs_det_jacobian(x, y)
    back = transform.inv(y)
    (grad,) = module.autograd.grad((y.sum() + ladj.sum()), x)
    return y, ladj, back, grad


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_transform_values_log_jacobians_inverses_and_gradients(name):
    expected = [t.detach().numpy() for t in _apply(torch, name)]
    got = [t.detach().numpy() for t in _apply(ember, name)]
    for what, e, g in zip(("y", "log_abs_det_jacobian", "inverse", "gradient"), expected, got):
        np.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-12, err_msg=what)


CHAINS = {
    "log_normal": (lambda D: [D.ExpTransform()], RNG.uniform(0.2, 3, (4, 3))),
    "squashed": (lambda D: [D.TanhTransform(), D.AffineTransform(2.0, 3.0)], RNG.uniform(-0.9, 4.9, (4, 3))),
    "logit_normal": (lambda D: [D.SigmoidTransform()], RNG.uniform(0.05, 0.95, (4, 3))),
    "reflected": (lambda D: [D.AffineTransform(1.0, -2.0)], RNG.normal(size=(4, 3))),
}


def _chain(module, name):
    make, value = CHAINS[name]
    D = module.distributions
    loc = module.tensor(RNG_LOC, requires_grad=True)
    scale = module.tensor(RNG_SCALE, requires_grad=True)
    distribution = D.TransformedDistribution(D.Normal(loc, scale), make(D))
    log_prob = distribution.log_prob(module.tensor(value))
    grads = module.autograd.grad(log_prob.sum(), [loc, scale])
    return distribution, log_prob, grads


RNG_LOC = RNG.normal(size=3) * 0.5
RNG_SCALE = RNG.uniform(0.5, 1.5, 3)


@pytest.mark.parametrize("name", sorted(CHAINS))
def test_transformed_distribution_log_prob_and_gradients(name):
    t_dist, t_lp, t_grads = _chain(torch, name)
    e_dist, e_lp, e_grads = _chain(ember, name)
    assert tuple(e_dist.batch_shape) == tuple(t_dist.batch_shape)
    assert tuple(e_dist.event_shape) == tuple(t_dist.event_shape)
    assert repr(e_dist.support) == repr(t_dist.support)
    np.testing.assert_allclose(e_lp.detach().numpy(), t_lp.detach().numpy(), rtol=1e-9)
    for got, want in zip(e_grads, t_grads):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", ["log_normal", "reflected", "logit_normal"])
def test_transformed_distribution_cdf_and_icdf(name):
    results = []
    for module in (torch, ember):
        distribution = _chain(module, name)[0]
        value = module.tensor(CHAINS[name][1])
        q = module.tensor(np.array([0.1, 0.5, 0.8]))
        results.append((distribution.cdf(value).detach().numpy(), distribution.icdf(q).detach().numpy()))
    for got, want in zip(results[1], results[0]):
        np.testing.assert_allclose(got, want, rtol=1e-9)


def test_transformed_distribution_over_an_event_transform():
    results = []
    for module in (torch, ember):
        D = module.distributions
        base = D.Normal(module.tensor(X), module.tensor(POSITIVE_X))
        distribution = D.TransformedDistribution(base, [D.AffineTransform(0.5, 2.0, event_dim=1)])
        results.append(
            (
                tuple(distribution.batch_shape),
                tuple(distribution.event_shape),
                distribution.log_prob(module.tensor(X * 0.3)).numpy(),
            )
        )
    assert results[1][:2] == results[0][:2]
    np.testing.assert_allclose(results[1][2], results[0][2], rtol=1e-9)


@pytest.mark.parametrize(
    "make",
    [
        lambda c: c.real,
        lambda c: c.positive,
        lambda c: c.greater_than(-1.5),
        lambda c: c.less_than(2.0),
        lambda c: c.unit_interval,
        lambda c: c.interval(-1.0, 3.0),
    ],
)
def test_transform_to_and_biject_to_map_reals_into_the_constraint(make):
    for registry in ("transform_to", "biject_to"):
        results = []
        for module in (torch, ember):
            transform = getattr(module.distributions, registry)(make(module.distributions.constraints))
            x = module.tensor(X)
            results.append((transform(x).numpy(), transform.log_abs_det_jacobian(x, transform(x)).numpy()))
        for got, want in zip(results[1], results[0]):
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


def test_softmax_transform_to_the_simplex():
    got = ember.distributions.transform_to(ember.distributions.constraints.simplex)(ember.tensor(X)).numpy()
    want = torch.distributions.transform_to(torch.distributions.constraints.simplex)(torch.tensor(X)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_lower_cholesky_transform_matches_torch():
    x = RNG.normal(size=(2, 3, 3))
    for direction in ("forward", "inverse"):
        results = []
        for module in (torch, ember):
            transform = module.distributions.LowerCholeskyTransform()
            y = transform(module.tensor(x))
            results.append((y if direction == "forward" else transform.inv(y)).numpy())
        np.testing.assert_allclose(results[1], results[0], rtol=1e-12)


def test_a_normal_pushed_onto_the_simplex_matches_torch():
    results = []
    for module in (torch, ember):
        D = module.distributions
        loc = module.tensor(X, requires_grad=True)
        distribution = D.TransformedDistribution(D.Independent(D.Normal(loc, 1.0), 1), D.StickBreakingTransform())
        value = module.tensor(RNG_SIMPLEX)
        log_prob = distribution.log_prob(value)
        (grad,) = module.autograd.grad(log_prob.sum(), loc)
        results.append((tuple(distribution.event_shape), log_prob.detach().numpy(), grad.numpy()))
    assert results[1][0] == results[0][0] == (4,)
    for got, want in zip(results[1][1:], results[0][1:]):
        np.testing.assert_allclose(got, want, rtol=1e-9)


RNG_SIMPLEX = RNG.dirichlet(np.ones(4), size=2)
