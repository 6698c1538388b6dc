"""cummax, cummin, logcumsumexp, diff and the trapezoid rules against NumPy."""

import ember
import numpy as np
import pytest

RNG = np.random.default_rng(11)
DATA = RNG.uniform(-3, 3, (3, 4, 5))


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize(("name", "accumulate"), [("cummax", np.maximum.accumulate), ("cummin", np.minimum.accumulate)])
def test_running_extremes_match_numpy_and_index_their_values(name, accumulate, dim):
    x = ember.tensor(DATA)
    values, indices = getattr(ember, name)(x, dim)
    np.testing.assert_array_equal(values.numpy(), accumulate(DATA, axis=dim))
    assert indices.dtype is ember.int64
    np.testing.assert_array_equal(np.take_along_axis(DATA, indices.numpy(), dim), values.numpy())


def test_running_max_takes_the_latest_tie_and_nan_wins():
    result = ember.cummax(ember.tensor([1.0, 3, 3, 2, float("nan"), 5, float("nan")]), 0)
    assert type(result).__name__ == "cummax"
    assert result.indices.tolist() == [0, 1, 2, 2, 4, 4, 6]
    np.testing.assert_array_equal(result.values.numpy(), [1, 3, 3, 3, np.nan, np.nan, np.nan])
    assert ember.tensor([3, 1, 1, 2]).cummin(0).indices.tolist() == [0, 1, 2, 2]
    assert ember.cummax(ember.tensor([True, False, True]), 0).indices.tolist() == [0, 0, 2]
    scalar = ember.cummax(ember.tensor(2.0), 0)
    assert scalar.values.item() == 2.0 and scalar.indices.item() == 0


def test_running_max_sends_each_gradient_to_the_element_it_picked():
    x = ember.tensor([[1.0, 3, 2], [0, -1, 4]], requires_grad=True)
    x.cummax(1).values.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1, 2, 0], [2, 0, 1]])


@pytest.mark.parametrize("dim", [0, 2])
def test_logcumsumexp_matches_numpy(dim):
    result = ember.logcumsumexp(ember.tensor(DATA), dim)
    np.testing.assert_allclose(result.numpy(), np.log(np.cumsum(np.exp(DATA), axis=dim)), rtol=1e-12)


def test_logcumsumexp_is_exact_far_from_the_largest_value_and_refuses_integers():
    result = ember.tensor([-1000.0, 0.0, 1.0]).logcumsumexp(0)
    np.testing.assert_allclose(result.numpy(), [-1000.0, 0.0, np.logaddexp(0.0, 1.0)], rtol=1e-6)
    with pytest.raises(NotImplementedError, match="Long"):
        ember.logcumsumexp(ember.tensor([1, 2]), 0)


def test_logcumsumexp_gradient_is_finite_at_minus_infinity():
    x = ember.tensor([-float("inf"), 0.0, 1.0], requires_grad=True)
    (x.logcumsumexp(0) * ember.tensor([1.0, -2.0, 3.0])).sum().backward()
    assert np.isfinite(x.grad.numpy()).all() and x.grad[0].item() == 0


@pytest.mark.parametrize(("n", "dim"), [(1, -1), (2, 0), (3, 1), (0, -1), (9, -1)])
def test_diff_matches_numpy(n, dim):
    np.testing.assert_allclose(ember.diff(ember.tensor(DATA), n, dim).numpy(), np.diff(DATA, n, axis=dim))


def test_diff_joins_prepend_and_append_and_xors_bools():
    x, before, after = DATA[0], DATA[1, :1], DATA[2, :2]
    result = ember.tensor(x).diff(dim=0, prepend=ember.tensor(before), append=ember.tensor(after))
    np.testing.assert_allclose(result.numpy(), np.diff(x, axis=0, prepend=before, append=after))
    assert ember.diff(ember.tensor([True, False, False])).tolist() == [True, False]
    assert ember.diff(ember.tensor([1, 2, 2, 5])).tolist() == [1, 0, 3]


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: ember.diff(ember.tensor(1.0)), "at least one-dimensional"),
        (lambda: ember.diff(ember.ones(3), -1), "non-negative"),
        (lambda: ember.diff(ember.ones(3), append=ember.tensor(1.0)), "same dimension"),
    ],
)
def test_diff_errors(call, words):
    with pytest.raises(RuntimeError, match=words):
        call()


@pytest.mark.parametrize("dim", [0, -1])
def test_trapezoid_matches_numpy(dim):
    points = np.sort(RNG.uniform(0, 4, DATA.shape[dim]))
    y = ember.tensor(DATA)
    np.testing.assert_allclose(ember.trapezoid(y, dim=dim).numpy(), np.trapezoid(DATA, axis=dim))
    np.testing.assert_allclose(ember.trapezoid(y, dx=0.25, dim=dim).numpy(), np.trapezoid(DATA, dx=0.25, axis=dim))
    expected = np.trapezoid(DATA, points, axis=dim)
    np.testing.assert_allclose(ember.trapezoid(y, ember.tensor(points), dim=dim).numpy(), expected)
    np.testing.assert_allclose(ember.trapz(y, ember.tensor(points), dim=dim).numpy(), expected)


def test_trapezoid_with_full_sample_points_and_integer_samples():
    x = np.cumsum(RNG.uniform(0.1, 1, DATA.shape), axis=-1)
    np.testing.assert_allclose(ember.trapezoid(ember.tensor(DATA), ember.tensor(x)).numpy(), np.trapezoid(DATA, x))
    result = ember.trapezoid(ember.tensor([1, 2, 4]))
    assert result.dtype is ember.float32 and result.item() == 4.5
    assert ember.trapezoid(ember.tensor([])).item() == 0


def test_cumulative_trapezoid_is_the_running_trapezoid():
    points = np.sort(RNG.uniform(0, 4, 5))
    result = ember.cumulative_trapezoid(ember.tensor(DATA), ember.tensor(points))
    widths = np.diff(points)
    expected = np.cumsum((DATA[..., 1:] + DATA[..., :-1]) * widths / 2, axis=-1)
    np.testing.assert_allclose(result.numpy(), expected)
    assert ember.cumulative_trapezoid(ember.tensor([1, 2, 4])).tolist() == [1.5, 4.5]


def test_trapezoid_errors():
    with pytest.raises(RuntimeError, match="one `x` value for each sample point"):
        ember.trapezoid(ember.ones(2), ember.ones(3))
    with pytest.raises(TypeError, match="not both"):
        ember.trapezoid(ember.ones(2), ember.ones(2), dx=1)
    with pytest.raises(TypeError, match="must be Tensor"):
        ember.trapezoid(ember.ones(2), 2.0)


def test_numpy_keywords_are_aliases_of_dim():
    x = ember.tensor(DATA)
    np.testing.assert_array_equal(x.cummax(axis=1).values.numpy(), np.maximum.accumulate(DATA, axis=1))
    np.testing.assert_array_equal(ember.cummin(x, axis=0).indices.numpy(), ember.cummin(x, 0).indices.numpy())
    np.testing.assert_allclose(ember.logcumsumexp(x, axis=2).numpy(), np.logaddexp.accumulate(DATA, axis=2))
    np.testing.assert_allclose(x.diff(axis=0).numpy(), np.diff(DATA, axis=0))
    np.testing.assert_allclose(ember.trapezoid(x, axis=1).numpy(), np.trapezoid(DATA, axis=1))
    with pytest.raises(TypeError, match="missing 1 required positional"):
        ember.cummax(x)
