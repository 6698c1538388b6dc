"""Sorting and searching ops against NumPy: values, indices, ties, NaN, dtypes, errors and gradients."""

import ember
import numpy as np
import pytest
from ember.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(0)
X = RNG.normal(size=(3, 5, 4))
TIES = np.array([[2.0, 1.0, 2.0, 3.0, 1.0, 2.0], [0.0, 0.0, 5.0, 5.0, 4.0, 4.0]])


def _np(t):
    return t.numpy()


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_matches_numpy(dim, descending):
    result = ember.sort(ember.tensor(X), dim=dim, descending=descending)
    expected = np.sort(X, axis=dim)
    if descending:
        expected = np.flip(expected, axis=dim)
    assert type(result).__name__ == "sort"
    np.testing.assert_array_equal(_np(result.values), expected)
    np.testing.assert_array_equal(np.take_along_axis(X, _np(result.indices), dim), expected)
    assert result.indices.dtype is ember.int64


def test_sort_is_stable_both_ways_and_puts_nan_highest():
    x = ember.tensor([2.0, 1.0, 2.0, float("nan"), 1.0, 3.0, 2.0])
    assert x.sort().indices.tolist() == [1, 4, 0, 2, 6, 5, 3]
    assert x.sort(descending=True).indices.tolist() == [3, 5, 0, 2, 6, 1, 4]
    assert ember.argsort(x, descending=True, stable=True).tolist() == [3, 5, 0, 2, 6, 1, 4]


def test_sort_keeps_integer_and_bool_dtypes():
    values, indices = ember.tensor([True, False, True]).sort()
    assert values.tolist() == [False, True, True] and indices.tolist() == [1, 0, 2]
    assert ember.tensor([3, 1, 2], dtype=ember.int32).sort().values.dtype is ember.int32


def test_argsort_matches_numpy_stable_argsort():
    x = RNG.integers(0, 3, size=(4, 7))
    np.testing.assert_array_equal(_np(ember.tensor(x).argsort(dim=1)), np.argsort(x, axis=1, kind="stable"))


def test_zero_dim_inputs_select_themselves():
    x = ember.tensor(5.0)
    for result in (x.sort(), x.topk(1), x.kthvalue(1), x.median(0), x.mode()):
        assert result.values.item() == 5.0 and result.indices.item() == 0 and result.indices.shape == ()
    assert ember.argsort(x).item() == 0


@pytest.mark.parametrize("largest", [True, False])
def test_topk_matches_numpy(largest):
    result = ember.topk(ember.tensor(X), 3, dim=1, largest=largest)
    ordered = np.sort(X, axis=1)
    expected = np.flip(ordered, axis=1)[:, :3] if largest else ordered[:, :3]
    np.testing.assert_array_equal(_np(result.values), expected)
    np.testing.assert_array_equal(np.take_along_axis(X, _np(result.indices), 1), expected)
    assert ember.tensor(X).topk(2).values.shape == (3, 5, 2)


def test_topk_checks_k_and_dtype():
    with pytest.raises(RuntimeError, match="selected index k out of range"):
        ember.zeros(2, 3).topk(4)
    with pytest.raises(RuntimeError, match="selected index k out of range"):
        ember.zeros(2, 3).topk(-1)
    assert ember.zeros(2, 3).topk(0).values.shape == (2, 0)
    with pytest.raises(RuntimeError, match="bool"):
        ember.tensor([True, False]).topk(1)


@pytest.mark.parametrize("keepdim", [False, True])
def test_kthvalue_matches_numpy(keepdim):
    values, indices = ember.kthvalue(ember.tensor(X), 2, dim=1, keepdim=keepdim)
    expected = np.sort(X, axis=1)[:, 1:2]
    np.testing.assert_array_equal(_np(values), expected if keepdim else expected[:, 0])
    picked = np.take_along_axis(X, _np(indices) if keepdim else _np(indices)[:, None], 1)
    np.testing.assert_array_equal(picked, expected)
    with pytest.raises(RuntimeError, match="kthvalue\\(\\): selected number k out of range for dimension 1"):
        ember.tensor(X).kthvalue(6, 1)


def test_median_is_the_lower_median():
    even = RNG.normal(size=(4, 6))
    assert ember.tensor(even).median().item() == np.sort(even.reshape(-1))[11]
    values, indices = ember.tensor(even).median(dim=1)
    np.testing.assert_array_equal(_np(values), np.sort(even, axis=1)[:, 2])
    np.testing.assert_array_equal(even[np.arange(4), _np(indices)], _np(values))
    assert ember.tensor([1, 2, 3, 4]).median().item() == 2


def test_median_propagates_nan_and_picks_the_first_nan():
    x = ember.tensor([[3.0, float("nan"), 1.0, float("nan")], [4.0, 1.0, 2.0, 3.0]])
    values, indices = x.median(1)
    assert np.isnan(values[0].item()) and indices.tolist() == [1, 2]
    assert np.isnan(x.median().item())
    assert np.isnan(ember.tensor([]).median().item())


def test_median_errors():
    with pytest.raises(TypeError, match="dim"):
        ember.ones(2, 2).median(keepdim=True)
    with pytest.raises(IndexError, match="median\\(\\): Expected reduction dim 0 to have non-zero size"):
        ember.zeros(0, 3).median(0)


def test_mode_is_the_smallest_most_frequent_value_at_its_last_index():
    values, indices = ember.tensor(TIES).mode()
    assert values.tolist() == [2.0, 0.0] and indices.tolist() == [5, 1]
    values, indices = ember.tensor(TIES).mode(1, keepdim=True)
    assert values.shape == (2, 1) and indices.shape == (2, 1)
    counts = RNG.integers(0, 4, size=(6, 9))
    values, _ = ember.tensor(counts).mode(0)
    for column in range(9):
        found, tally = np.unique(counts[:, column], return_counts=True)
        assert values[column].item() == found[np.argmax(tally)]
    with pytest.raises(IndexError, match="mode\\(\\)"):
        ember.zeros(0, 3).mode(0)


@pytest.mark.parametrize("right", [False, True])
def test_searchsorted_matches_numpy(right):
    sequence = np.array([1.0, 3.0, 3.0, 5.0, 9.0])
    values = np.array([[0.0, 3.0, 4.0], [9.0, 10.0, 1.0]])
    found = ember.searchsorted(ember.tensor(sequence), ember.tensor(values), right=right)
    np.testing.assert_array_equal(_np(found), np.searchsorted(sequence, values, side="right" if right else "left"))
    assert found.dtype is ember.int64
    side = ember.searchsorted(ember.tensor(sequence), ember.tensor(values), side="right" if right else "left")
    np.testing.assert_array_equal(_np(side), _np(found))


def test_searchsorted_rows_scalars_sorter_and_int32():
    rows = ember.tensor([[1, 3, 5], [2, 4, 6]])
    assert ember.searchsorted(rows, ember.tensor([[3, 6], [1, 7]]), right=True).tolist() == [[2, 3], [0, 3]]
    found = ember.searchsorted(ember.tensor([1, 3, 5]), 3, out_int32=True)
    assert found.item() == 1 and found.shape == () and found.dtype is ember.int32
    unsorted = ember.tensor([5.0, 1.0, 3.0])
    assert ember.searchsorted(unsorted, ember.tensor([2.0, 4.0]), sorter=unsorted.argsort()).tolist() == [1, 2]


def test_searchsorted_errors():
    sequence = ember.tensor([1, 3])
    with pytest.raises(RuntimeError, match="side and right can't be set to opposites"):
        ember.searchsorted(sequence, ember.tensor([1]), side="left", right=True)
    with pytest.raises(RuntimeError, match="side can only be 'left' or 'right' but got middle"):
        ember.searchsorted(sequence, ember.tensor([1]), side="middle")
    with pytest.raises(RuntimeError, match="first N-1 dimensions"):
        ember.searchsorted(ember.tensor([[1, 3], [2, 4]]), ember.tensor([[1], [2], [3]]))
    with pytest.raises(RuntimeError, match="positive dimension"):
        ember.searchsorted(ember.tensor(1), ember.tensor([2]))
    with pytest.raises(RuntimeError, match="same size"):
        ember.searchsorted(sequence, ember.tensor([2]), sorter=ember.tensor([0]))


def test_bucketize_matches_numpy_digitize():
    boundaries = np.array([1.0, 3.0, 5.0])
    x = np.array([[0.0, 1.0, 3.0], [4.0, 5.0, 6.0]])
    for right in (False, True):
        found = ember.bucketize(ember.tensor(x), ember.tensor(boundaries), right=right)
        np.testing.assert_array_equal(_np(found), np.digitize(x, boundaries, right=not right))
    assert ember.bucketize(3, ember.tensor([1, 3, 5])).item() == 1
    with pytest.raises(RuntimeError, match="boundaries tensor must be 1 dimension, but got dim\\(2\\)"):
        ember.bucketize(ember.tensor([1]), ember.tensor([[1, 3]]))
    assert not hasattr(ember.Tensor, "bucketize") and not hasattr(ember.Tensor, "searchsorted")


def test_unique_matches_numpy():
    x = RNG.integers(0, 5, size=(3, 4))
    output, inverse, counts = ember.tensor(x).unique(return_inverse=True, return_counts=True)
    expected, expected_inverse, expected_counts = np.unique(x, return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(_np(output), expected)
    np.testing.assert_array_equal(_np(inverse), expected_inverse.reshape(x.shape))
    np.testing.assert_array_equal(_np(counts), expected_counts)
    assert inverse.dtype is ember.int64 and counts.dtype is ember.int64
    assert isinstance(ember.unique(ember.tensor(x)), ember.Tensor)
    assert len(ember.unique(ember.tensor(x), return_counts=True)) == 2


def test_unique_keeps_each_nan_and_takes_a_dim():
    output, counts = ember.tensor([3.0, 1.0, float("nan"), 3.0, float("nan")]).unique(return_counts=True)
    assert output.tolist()[:2] == [1.0, 3.0] and np.isnan(output.tolist()[2:]).all() and counts.tolist() == [1, 2, 1, 1]
    rows = ember.tensor([[1, 2], [0, 5], [1, 2]])
    output, inverse = ember.unique(rows, dim=0, return_inverse=True)
    assert output.tolist() == [[0, 5], [1, 2]] and inverse.tolist() == [1, 0, 1]


def test_out_arguments_write_both_results():
    values, indices = ember.empty(0), ember.empty(0, dtype=ember.int64)
    result = ember.sort(ember.tensor([3.0, 1.0, 2.0]), out=(values, indices))
    assert values.tolist() == [1.0, 2.0, 3.0] and indices.tolist() == [1, 2, 0] and result.values is values


def test_gradient_flows_to_the_picked_elements():
    x = ember.tensor([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]], requires_grad=True)
    (x.sort(1).values * ember.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad.tolist() == [[3.0, 1.0, 2.0], [1.0, 3.0, 2.0]]
    tied = ember.tensor([1.0, 2.0, 2.0, 0.0, 3.0], requires_grad=True)
    tied.median().backward()  # NOTE: the global median shares its gradient among equal elements
    assert tied.grad.tolist() == [0.0, 0.5, 0.5, 0.0, 0.0]


def test_integer_results_need_no_grad():
    x = ember.tensor([3.0, 1.0], requires_grad=True)
    assert x.sort().values.requires_grad and not x.sort().indices.requires_grad
    assert not ember.tensor([3, 1]).sort().values.requires_grad


M, C = (4, 5), (2, 3, 4)

GRAD_CASES = [
    ("sort", lambda x: x.sort(1).values, [M]),
    ("sort_descending", lambda x: x.sort(0, descending=True).values, [C]),
    ("topk", lambda x: x.topk(2, dim=1).values, [C]),
    ("topk_smallest", lambda x: x.topk(3, largest=False).values, [M]),
    ("kthvalue", lambda x: x.kthvalue(2, 0).values, [M]),
    ("kthvalue_keepdim", lambda x: x.kthvalue(3, -1, keepdim=True).values, [C]),
    ("median", lambda x: x.median(), [M]),
    ("median_dim", lambda x: x.median(1).values, [C]),
    ("median_keepdim", lambda x: x.median(0, keepdim=True).values, [M]),
    ("mode", lambda x: x.mode(1).values, [M]),
    ("mode_keepdim", lambda x: x.mode(0, keepdim=True).values, [C]),
]


def _inputs(shapes, seed: int):
    rng = np.random.default_rng(seed)
    return tuple(ember.tensor(rng.uniform(-2, 2, shape), dtype=ember.float64, requires_grad=True) for shape in shapes)


@pytest.mark.parametrize(("name", "function", "shapes"), GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradcheck(name, function, shapes):
    assert gradcheck(function, _inputs(shapes, 1))


@pytest.mark.parametrize(("name", "function", "shapes"), GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradgradcheck(name, function, shapes):
    assert gradgradcheck(function, _inputs(shapes, 2))
