"""quantile, nanquantile, nanmean, cov, corrcoef and aminmax against NumPy."""

import warnings

import ember
import numpy as np
import pytest

RNG = np.random.default_rng(17)
DATA = RNG.uniform(-3, 3, (3, 4, 5))
WITH_NAN = DATA.copy()
WITH_NAN[0, 1, 2] = WITH_NAN[2, 3, 0] = WITH_NAN[1, 0, :] = np.nan


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize(("dim", "keepdim"), [(None, False), (None, True), (1, False), (-1, True)])
def test_quantile_matches_numpy(interpolation, dim, keepdim):
    q = np.array([0.0, 0.25, 0.5, 0.8, 1.0])
    result = ember.quantile(ember.tensor(DATA), ember.tensor(q), dim, keepdim, interpolation=interpolation)
    expected = np.quantile(DATA, q, axis=dim, keepdims=keepdim, method=interpolation)
    assert result.shape == expected.shape
    np.testing.assert_allclose(result.numpy(), expected, rtol=1e-12)
    scalar = ember.tensor(DATA).quantile(0.3, dim=dim, keepdim=keepdim, interpolation=interpolation)
    np.testing.assert_allclose(scalar.numpy(), np.quantile(DATA, 0.3, axis=dim, keepdims=keepdim, method=interpolation))


@pytest.mark.parametrize("dim", [None, 0, 2])
def test_quantile_is_nan_where_a_slice_holds_nan_and_nanquantile_skips_it(dim):
    q = ember.tensor([0.1, 0.5, 0.9], dtype=ember.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        np.testing.assert_allclose(
            ember.quantile(ember.tensor(WITH_NAN), q, dim).numpy(), np.quantile(WITH_NAN, q.numpy(), axis=dim)
        )
        np.testing.assert_allclose(
            ember.tensor(WITH_NAN).nanquantile(q, dim).numpy(), np.nanquantile(WITH_NAN, q.numpy(), axis=dim)
        )


def test_quantile_of_a_scalar_and_of_float32():
    assert ember.quantile(ember.tensor(3.0), 0.5, dim=0).item() == 3.0
    result = ember.quantile(ember.tensor([1.0, 2, 3, 4]), ember.tensor(0.5))
    assert result.shape == () and result.dtype is ember.float32 and result.item() == 2.5


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: ember.quantile(ember.ones(3), 1.5), RuntimeError, r"range \[0, 1\] but got 1.5"),
        (lambda: ember.quantile(ember.ones(3), ember.tensor([0.5, 2.0])), RuntimeError, r"values must be in the range"),
        (lambda: ember.quantile(ember.tensor([1, 2]), 0.5), RuntimeError, "float or double"),
        (lambda: ember.quantile(ember.ones(3), ember.tensor([0.5], dtype=ember.float64)), RuntimeError, "same dtype"),
        (lambda: ember.quantile(ember.ones(3), ember.ones(1, 1) / 2), RuntimeError, "scalar or 1D"),
        (lambda: ember.quantile(ember.ones(0), 0.5), RuntimeError, "non-empty"),
        (lambda: ember.quantile(ember.ones(3), 0.5, interpolation="cubic"), RuntimeError, "but got cubic"),
        (lambda: ember.nanquantile(ember.ones(3), [0.5]), TypeError, "'q'"),
    ],
)
def test_quantile_errors(call, error, words):
    with pytest.raises(error, match=words):
        call()


@pytest.mark.parametrize(("dim", "keepdim"), [(None, False), (1, True), ((0, 2), False)])
def test_nanmean_matches_numpy(dim, keepdim):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.nanmean(WITH_NAN, axis=dim, keepdims=keepdim)
    np.testing.assert_allclose(ember.nanmean(ember.tensor(WITH_NAN), dim, keepdim).numpy(), expected)


def test_nanmean_dtype_and_errors():
    assert ember.nanmean(ember.ones(2), dtype=ember.float64).dtype is ember.float64
    assert ember.tensor([float("nan")]).nanmean().isnan().item()
    with pytest.raises(RuntimeError, match="floating point or complex dtype but got Long"):
        ember.nanmean(ember.tensor([1, 2]))


@pytest.mark.parametrize("correction", [0, 1, 2])
def test_cov_matches_numpy(correction):
    x = RNG.uniform(-2, 2, (3, 6))
    np.testing.assert_allclose(ember.cov(ember.tensor(x), correction=correction).numpy(), np.cov(x, ddof=correction))
    np.testing.assert_allclose(ember.tensor(x[0]).cov(correction=correction).numpy(), np.cov(x[0], ddof=correction))


@pytest.mark.parametrize("correction", [0, 1])
def test_cov_with_frequency_and_observation_weights_matches_numpy(correction):
    x = RNG.uniform(-2, 2, (2, 5))
    frequency, observation = RNG.integers(1, 4, 5), RNG.uniform(0.2, 1.5, 5)
    result = ember.cov(
        ember.tensor(x), correction=correction, fweights=ember.tensor(frequency), aweights=ember.tensor(observation)
    )
    expected = np.cov(x, ddof=correction, fweights=frequency, aweights=observation)
    np.testing.assert_allclose(result.numpy(), expected)
    np.testing.assert_allclose(
        ember.cov(ember.tensor(x), fweights=ember.tensor(frequency)).numpy(), np.cov(x, fweights=frequency)
    )


def test_cov_of_integers_is_floating_and_too_few_observations_warn():
    result = ember.cov(ember.tensor([[1, 2, 3], [2, 2, 5]]))
    assert result.dtype is ember.float32
    np.testing.assert_allclose(result.numpy(), [[1.0, 1.5], [1.5, 3.0]])
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        assert ember.cov(ember.ones(2, 1)).isnan().all().item()


@pytest.mark.parametrize(
    ("keywords", "words"),
    [
        ({"fweights": ember.tensor([1.0, 2, 1])}, "fweights to have integral dtype"),
        ({"fweights": ember.tensor([1, -2, 1])}, "fweights cannot be negative"),
        ({"fweights": ember.tensor([[1, 2, 1]])}, "one or fewer dimensions"),
        ({"aweights": ember.tensor([1, 2, 1])}, "aweights to have floating point dtype"),
        ({"aweights": ember.tensor([1.0, 2])}, "2 != 3"),
        ({"aweights": ember.tensor([-1.0, 2, 1])}, "aweights cannot be negative"),
    ],
)
def test_cov_weight_errors(keywords, words):
    with pytest.raises(RuntimeError, match=words):
        ember.cov(ember.ones(2, 3), **keywords)


def test_cov_input_errors():
    with pytest.raises(RuntimeError, match="two or fewer dimensions"):
        ember.cov(ember.ones(2, 2, 2))
    with pytest.raises(RuntimeError, match="bool dtype"):
        ember.cov(ember.tensor([[True, False]]))


def test_corrcoef_matches_numpy():
    x = RNG.uniform(-2, 2, (4, 7))
    np.testing.assert_allclose(ember.corrcoef(ember.tensor(x)).numpy(), np.corrcoef(x))
    assert ember.tensor([1.0, 2, 4]).corrcoef().item() == pytest.approx(1.0)
    constant = ember.corrcoef(ember.tensor([[1.0, 2, 4], [1, 1, 1]]))
    assert constant[1].isnan().all().item() and constant[0, 0].item() == pytest.approx(1.0)


@pytest.mark.parametrize(("dim", "keepdim"), [(None, False), (None, True), (1, False), (-1, True)])
def test_aminmax_matches_numpy(dim, keepdim):
    result = ember.tensor(DATA).aminmax(dim=dim, keepdim=keepdim)
    assert type(result).__name__ == "aminmax"
    low, high = result
    np.testing.assert_array_equal(result.min.numpy(), DATA.min(axis=dim, keepdims=keepdim))
    np.testing.assert_array_equal(high.numpy(), DATA.max(axis=dim, keepdims=keepdim))
    assert "min=" in repr(result) and low is result.min


def test_aminmax_refuses_an_empty_extent():
    with pytest.raises(RuntimeError, match="empty dimension"):
        ember.aminmax(ember.ones(0))
    with pytest.raises(TypeError):
        ember.aminmax(ember.ones(2, 2), 1)


def test_numpy_keywords_are_aliases_of_dim_and_keepdim():
    x = ember.tensor(DATA)
    np.testing.assert_allclose(x.quantile(0.3, axis=1, keepdims=True).numpy(), np.quantile(DATA, 0.3, 1, keepdims=True))
    np.testing.assert_allclose(ember.nanmean(ember.tensor(WITH_NAN), axis=(0, 2)).numpy(), np.nanmean(WITH_NAN, (0, 2)))
    np.testing.assert_array_equal(ember.aminmax(x, axis=0).max.numpy(), DATA.max(0))
    with pytest.raises(TypeError, match="unexpected keyword argument 'axes'"):
        ember.nanquantile(x, 0.5, axes=1)
