"""bincount, histc and isin against NumPy: values, dtypes and errors."""

import ember
import numpy as np
import pytest

RNG = np.random.default_rng(3)
COUNTS = RNG.integers(0, 7, 40)


@pytest.mark.parametrize("minlength", [0, 3, 12])
def test_bincount_counts_as_numpy_in_int64(minlength):
    result = ember.bincount(ember.tensor(COUNTS), minlength=minlength)
    assert result.dtype is ember.int64
    np.testing.assert_array_equal(result.numpy(), np.bincount(COUNTS, minlength=minlength))
    np.testing.assert_array_equal(ember.tensor(COUNTS).bincount().numpy(), np.bincount(COUNTS))


@pytest.mark.parametrize(
    ("weights_dtype", "result_dtype"),
    [(ember.float32, ember.float32), (ember.float64, ember.float64), (ember.int32, ember.float64)],
)
def test_bincount_sums_weights(weights_dtype, result_dtype):
    weights = RNG.integers(0, 5, COUNTS.shape)
    result = ember.bincount(ember.tensor(COUNTS), ember.tensor(weights, dtype=weights_dtype))
    assert result.dtype is result_dtype
    np.testing.assert_allclose(result.numpy(), np.bincount(COUNTS, weights))


def test_bincount_of_nothing_is_empty():
    assert ember.bincount(ember.tensor([], dtype=ember.int64)).shape == (0,)


@pytest.mark.parametrize(
    ("args", "error", "words"),
    [
        ((ember.tensor([1, -1]),), RuntimeError, "non-negative"),
        ((ember.ones(2, 2, dtype=ember.int64),), RuntimeError, "1-d"),
        ((ember.tensor([1.0]),), NotImplementedError, "Float"),
        ((ember.tensor([True]),), NotImplementedError, "Bool"),
        ((ember.tensor([1, 2]), ember.tensor([1.0])), RuntimeError, "same length"),
    ],
)
def test_bincount_refuses_bad_input(args, error, words):
    with pytest.raises(error, match=words):
        ember.bincount(*args)


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
@pytest.mark.parametrize(("bins", "low", "high"), [(5, 0.0, 1.0), (7, -0.5, 0.5), (4, 0, 0)])
def test_histc_matches_numpy_histogram(dtype, bins, low, high):
    data = RNG.uniform(-1, 1.5, 200)
    result = ember.histc(ember.tensor(data, dtype=dtype), bins, low, high)
    assert result.dtype is dtype
    value_range = (data.min(), data.max()) if low == high else (low, high)
    expected, _ = np.histogram(data, bins, range=value_range)
    np.testing.assert_array_equal(result.numpy(), expected)


def test_histc_puts_the_top_edge_in_the_last_bin_and_widens_a_single_point():
    np.testing.assert_array_equal(ember.histc(ember.tensor([0.0, 1, 2, 3, 3]), 3, 0, 3).numpy(), [1, 1, 3])
    np.testing.assert_array_equal(ember.tensor([1.0, 1.0, 1.0]).histc(3).numpy(), [0, 3, 0])
    np.testing.assert_array_equal(ember.histc(ember.tensor([]), 2).numpy(), [0, 0])


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: ember.histc(ember.tensor([1, 2]), 3), NotImplementedError, "Long"),
        (lambda: ember.histc(ember.tensor([1.0]), 0), RuntimeError, "bins must be > 0"),
        (lambda: ember.histc(ember.tensor([1.0]), 2.5), TypeError, "must be int"),
        (lambda: ember.histc(ember.tensor([1.0]), 3, 3, 1), RuntimeError, "max must be larger than min"),
        (lambda: ember.histc(ember.tensor([1.0, float("nan")]), 3), RuntimeError, "not finite"),
    ],
)
def test_histc_refuses_bad_input(call, error, words):
    with pytest.raises(error, match=words):
        call()


@pytest.mark.parametrize("invert", [False, True])
def test_isin_matches_numpy(invert):
    elements, tests = RNG.integers(0, 9, (3, 4)), RNG.integers(0, 9, 5)
    result = ember.isin(ember.tensor(elements), ember.tensor(tests), invert=invert)
    assert result.dtype is ember.bool
    np.testing.assert_array_equal(result.numpy(), np.isin(elements, tests, invert=invert))


def test_isin_takes_a_number_on_either_side_and_mixed_dtypes():
    values = ember.tensor([1, 2, 2, 5])
    np.testing.assert_array_equal(ember.isin(values, 2).numpy(), [False, True, True, False])
    assert ember.isin(2, values).item() is True
    np.testing.assert_array_equal(ember.isin(ember.tensor([1.0, 2, 3]), values).numpy(), [True, True, False])
