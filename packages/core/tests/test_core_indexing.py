"""Indexing and assignment against NumPy, PyTorch's rules where they differ, and the index ops."""

import itertools
import warnings

import ember
import numpy as np
import pytest

A = np.arange(24, dtype=np.float32).reshape(2, 3, 4)


def _t(array=A, **kwargs):
    return ember.tensor(array, **kwargs)


def _equal(tensor, expected):
    assert tuple(tensor.shape) == np.shape(expected)
    np.testing.assert_array_equal(tensor.detach().numpy(), expected)


# --- reading ----------------------------------------------------------------------------------

KEYS = [
    1,
    -1,
    (0, 1),
    (1, -1, -2),
    slice(None),
    slice(1, None),
    (slice(None), slice(None, None, 2)),
    (slice(None), slice(-2, None), slice(None, -1)),
    (slice(5, 10),),
    (Ellipsis, 1),
    (0, Ellipsis, 1),
    (None, slice(None), None),
    (Ellipsis, None),
    (1, None, slice(1, 3)),
    ([0, 1],),
    ([1, 0], [2, 0]),
    ([[0], [1]], [1, 2]),
    (slice(None), [0, 2], [1, 3]),
    ([0, 1], slice(None), [1, 2]),
    (slice(1, None), [0, 2]),
    (Ellipsis, [0, 3]),
    (np.array([1, 0]),),
    (range(2),),
    (slice(None), np.array([True, False, True])),
    (A > 10,),
    (A[:, :, 0] > 5,),
]


@pytest.mark.parametrize("key", KEYS, ids=[repr(k)[:40] for k in KEYS])
def test_getitem_matches_numpy(key):
    expected = A[key]
    _equal(_t()[key], expected)


@pytest.mark.parametrize(
    "key",
    [
        [0, 1],
        [[0, 1], [1, 0]],
        [True, False],
        [-1],
    ],
)
def test_tensor_keys_match_list_keys(key):
    index = ember.tensor(key)
    _equal(_t()[index], A[np.array(key)])


def test_ints_apply_before_advanced_indices():
    # NumPy would put the advanced dims first ((2, 3)); PyTorch indexes the int first.
    _equal(_t()[1, :, [0, 3]], A[1][:, [0, 3]])
    _equal(_t()[:, 1, [0, 3]], A[:, 1][:, [0, 3]])
    _equal(_t()[[0, 1], 1], A[[0, 1], 1])
    _equal(_t()[1, [0, 2], [1, 3]], A[1][[0, 2], [1, 3]])


def test_an_ellipsis_standing_for_no_dims_keeps_advanced_indices_adjacent():
    t = ember.arange(6.0).reshape(1, 2, 3)
    # NumPy moves the advanced dims first when an ellipsis separates them; PyTorch does not.
    assert t[0, [1, 0], ..., [2, 2]].shape == (2,)
    assert t[:, [1, 0], ..., [2, 2]].shape == (1, 2)
    _equal(t[:, [1, 0], ..., [2, 2]], np.arange(6.0, dtype=np.float32).reshape(1, 2, 3)[:, [1, 0], [2, 2]])


def test_none_and_bools_with_advanced_indices():
    _equal(_t()[None, [0, 1]], A[None, [0, 1]])
    _equal(_t()[[0, 1], None, 2], A[[0, 1]][:, None, 2])
    assert _t()[True].shape == (1, 2, 3, 4)
    assert _t()[False].shape == (0, 2, 3, 4)
    assert ember.tensor(5.0)[ember.tensor(True)].tolist() == [5.0]


def test_zero_dim_results_are_views():
    t = ember.zeros(3)
    element = t[1]
    assert element.shape == ()
    element.add_(4)
    assert t.tolist() == [0.0, 4.0, 0.0]
    scalar = ember.tensor(5.0)
    assert scalar[()].item() == 5.0 and scalar[...].shape == () and scalar[None].shape == (1,)


def test_index_with_zero_dim_integer_tensors_and_numpy_ints():
    _equal(_t()[ember.tensor(1)], A[1])
    _equal(_t()[np.int64(1), ember.tensor(2)], A[1, 2])
    _equal(_t()[0, slice(ember.tensor(1), ember.tensor(3))], A[0, 1:3])
    with pytest.warns(UserWarning, match="non-tuple sequence"):
        _equal(_t()[[ember.tensor(1), 0]], A[1, 0])


def test_uint8_masks_are_masks_with_a_warning():
    with pytest.warns(UserWarning, match="indexing with dtype ember.uint8 is now deprecated"):
        picked = ember.arange(3.0)[ember.tensor([1, 0, 1], dtype=ember.uint8)]
    assert picked.tolist() == [0.0, 2.0]


def test_sequence_of_sequences_is_read_as_a_tuple():
    with pytest.warns(UserWarning, match="non-tuple sequence for multidimensional indexing"):
        picked = _t()[0][[[0, 1], [1, 2]]]
    _equal(picked, A[0][[0, 1], [1, 2]])
    assert _t()[[0, 1]].shape == (2, 3, 4)


def test_empty_index_lists():
    assert _t()[[]].shape == (0, 3, 4)
    assert _t()[ember.tensor([], dtype=ember.int64)].shape == (0, 3, 4)


@pytest.mark.parametrize(
    ("key", "error", "message"),
    [
        (2, IndexError, "index 2 is out of bounds for dimension 0 with size 2"),
        ((0, -5), IndexError, "index -5 is out of bounds for dimension 1 with size 3"),
        ((0, 0, 0, 0), IndexError, "too many indices for tensor of dimension 3"),
        ([0, 7], IndexError, "index 7 is out of bounds for dimension 0 with size 2"),
        (([0], [5]), IndexError, "index 5 is out of bounds for dimension 1 with size 3"),
        (1.5, IndexError, "only integers, slices"),
        ("a", IndexError, "only integers, slices"),
        (slice(None, None, 0), ValueError, "slice step cannot be zero"),
        (slice(None, None, -1), ValueError, "step must be greater than zero"),
        ((Ellipsis, Ellipsis), IndexError, "an index can only have a single ellipsis"),
        (([0, 1], [0, 1, 2]), IndexError, r"shape mismatch: indexing tensors could not be broadcast together"),
    ],
)
def test_getitem_errors(key, error, message):
    with pytest.raises(error, match=message):
        _t()[key]


def test_getitem_errors_with_tensor_keys():
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 5"):
        ember.arange(5)[ember.tensor([5])]
    with pytest.raises(IndexError, match="tensors used as indices must be long, int, byte or bool tensors"):
        ember.arange(5)[ember.tensor([1.0])]
    with pytest.raises(
        IndexError,
        match=r"The shape of the mask \[3\] at index 0 does not match the shape of the indexed tensor \[2, 3, 4\]",
    ):
        _t()[ember.tensor([True, False, True])]
    with pytest.raises(IndexError, match="invalid index of a 0-dim tensor"):
        ember.tensor(5.0)[0]


def test_negative_tensor_indices_wrap():
    _equal(ember.arange(5.0)[ember.tensor([-1, -5])], np.array([4.0, 0.0], np.float32))


def test_iteration_and_len():
    rows = list(_t())
    assert len(rows) == 2 and len(_t()) == 2
    _equal(rows[1], A[1])


# --- writing ----------------------------------------------------------------------------------

SET_KEYS = [
    (1, 0.5),
    ((0, 1, 2), -1.0),
    ((slice(None), 1), np.arange(4, dtype=np.float32)),
    ((Ellipsis, 0), np.float32(7)),
    ([0, 1], np.ones((3, 4), np.float32)),
    (([0, 1], [2, 0]), np.array([[1.0, 2.0, 3.0, 4.0]], np.float32)),
    ((slice(None), [0, 2], [1, 3]), 9.0),
    (A > 12, 0.0),
    ((0, A[0] > 5), -3.0),
]


@pytest.mark.parametrize(("key", "value"), SET_KEYS, ids=[repr(k)[:30] for k, _ in SET_KEYS])
def test_setitem_matches_numpy(key, value):
    expected = A.copy()
    expected[key] = value
    t = _t()
    t[key] = ember.tensor(value) if isinstance(value, np.ndarray) else value
    _equal(t, expected)
    assert t._version[0] == 1


def test_setitem_with_ints_before_advanced():
    t = _t()
    t[1, :, [0, 3]] = ember.tensor([[-1.0, -2.0]] * 3)
    expected = A.copy()
    expected[1][:, [0, 3]] = [[-1.0, -2.0]] * 3
    _equal(t, expected)


def test_setitem_with_masks_and_tensors():
    t = ember.arange(4.0).reshape(2, 2)
    t[t > 1] = ember.tensor([7.0, 8.0])
    assert t.tolist() == [[0.0, 1.0], [7.0, 8.0]]
    t[ember.tensor([0])] = 5
    assert t.tolist() == [[5.0, 5.0], [7.0, 8.0]]
    duplicates = ember.zeros(4)
    duplicates[[0, 0]] = ember.tensor([1.0, 2.0])
    assert duplicates[0].item() in (1.0, 2.0)


def test_setitem_converts_values_for_basic_keys():
    floats = ember.arange(3.0)
    floats[0] = ember.tensor(2)
    floats[1] = True
    assert floats.tolist() == [2.0, 1.0, 2.0]
    ints = ember.arange(3)
    ints[0] = 2.7
    ints[1:] = ember.tensor([-1.5, 4.2])
    assert ints.tolist() == [2, -1, 4]


@pytest.mark.parametrize(
    ("write", "error", "message"),
    [
        (
            lambda t: t.__setitem__(0, ember.tensor([1.0, 2.0])),
            RuntimeError,
            r"shape mismatch: value tensor of shape \[2\] cannot be broadcast to indexing result of shape \[3, 4\]",
        ),
        (
            lambda t: t.__setitem__([0, 1], ember.tensor([1, 2])),
            RuntimeError,
            "Index put requires the source and destination dtypes match, got Float for the destination and Long",
        ),
        (lambda t: t.__setitem__(slice(None), [1, 2]), TypeError, "can't assign a list to a ember.FloatTensor"),
        (lambda t: t.__setitem__(5, 1.0), IndexError, "index 5 is out of bounds for dimension 0 with size 2"),
        (lambda t: t.__setitem__([5], 1.0), IndexError, "index 5 is out of bounds for dimension 0 with size 2"),
    ],
)
def test_setitem_errors(write, error, message):
    with pytest.raises(error, match=message):
        write(_t())


def test_setitem_overflow_error():
    with pytest.raises(RuntimeError, match="value cannot be converted to type int64 without overflow"):
        ember.zeros(2, dtype=ember.int64)[0] = float("inf")


def test_setitem_records_copy_slices():
    x = ember.ones(2, 2, requires_grad=True)
    value = ember.tensor([3.0, 4.0], requires_grad=True)
    y = x * 2
    y[0] = value * value
    assert type(y.grad_fn).__name__ == "CopySlices"
    y.sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0], [2.0, 2.0]]
    assert value.grad.tolist() == [6.0, 8.0]
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x[0] = 1.0


def test_setitem_on_a_plain_tensor_with_a_value_that_requires_grad():
    value = ember.tensor(2.0, requires_grad=True)
    t = ember.zeros(3)
    t[1] = value
    assert t.requires_grad
    (t * ember.tensor([1.0, 5.0, 1.0])).sum().backward()
    assert value.grad.item() == 5.0


# --- index_put ---------------------------------------------------------------------------------


def test_index_put():
    t = ember.arange(3.0)
    _equal(t.index_put((ember.tensor([0, 2]),), ember.tensor([9.0, 8.0])), np.array([9.0, 1.0, 8.0], np.float32))
    _equal(t.index_put((ember.tensor([0, 0]),), ember.tensor([9.0, 8.0]), accumulate=True), [17.0, 1.0, 2.0])
    assert t.tolist() == [0.0, 1.0, 2.0]
    assert t.index_put_((ember.tensor([1, 1]),), ember.tensor(1.0), accumulate=True) is t
    assert t.tolist() == [0.0, 3.0, 2.0]
    grid = ember.zeros(3, 3)
    grid.index_put_((ember.tensor([0, 1]), ember.tensor([2, 2])), ember.tensor(-1.0))
    assert grid[:, 2].tolist() == [-1.0, -1.0, 0.0]
    rows = ember.zeros(2, 2).index_put((None, ember.tensor([1])), ember.tensor(5.0))
    assert rows.tolist() == [[0.0, 5.0], [0.0, 5.0]]
    x = ember.arange(3.0, requires_grad=True)
    assert type(x.index_put((ember.tensor([0]),), ember.tensor(1.0)).grad_fn).__name__ == "IndexPutBackward0"
    with pytest.raises(TypeError, match="indices must be a tuple of Tensors"):
        t.index_put(ember.tensor([0]), ember.tensor(1.0))


# --- gather and scatter -------------------------------------------------------------------------

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4)).astype(np.float32)


def _gather_reference(x, dim, index):
    out = np.empty(index.shape, x.dtype)
    for position in itertools.product(*map(range, index.shape)):
        source = list(position)
        source[dim] = index[position]
        out[position] = x[tuple(source)]
    return out


def _scatter_reference(x, dim, index, src, combine):
    out = x.copy()
    for position in itertools.product(*map(range, index.shape)):
        target = list(position)
        target[dim] = index[position]
        value = src[position] if np.ndim(src) else src
        out[tuple(target)] = combine(out[tuple(target)], value)
    return out


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_gather_matches_reference(dim):
    index = RNG.integers(0, X.shape[dim], (2, 3))
    _equal(_t(X).gather(dim, ember.tensor(index)), _gather_reference(X, dim % 2, index))
    _equal(ember.gather(_t(X), dim, ember.tensor(index, dtype=ember.int32)), _gather_reference(X, dim % 2, index))


def test_take_along_dim_broadcasts_and_flattens():
    index = ember.tensor([[0], [2], [1]])
    _equal(_t(X).take_along_dim(index, 1), np.take_along_axis(X, index.numpy(), 1))
    _equal(_t(X).take_along_dim(ember.tensor([0, 5])), X.reshape(-1)[[0, 5]])
    _equal(_t(X).take_along_dim(ember.tensor([[1, 0, 2, 1]]), 0), np.take_along_axis(X, np.array([[1, 0, 2, 1]]), 0))
    _equal(_t(X).take_along_dim(ember.tensor([[3, 0]]), 1), np.take_along_axis(X, np.array([[3, 0]] * 3), 1))


@pytest.mark.parametrize("dim", [0, 1])
def test_scatter_family_matches_reference(dim):
    index = np.array([[0, 1, 2, 0], [2, 0, 0, 1]]) if dim == 0 else np.array([[0, 1], [3, 3], [1, 1]])
    src = RNG.standard_normal(index.shape).astype(np.float32)
    base, tindex, tsrc = _t(X), ember.tensor(index), ember.tensor(src)
    added = base.scatter_add(dim, tindex, tsrc)
    np.testing.assert_allclose(added.numpy(), _scatter_reference(X, dim, index, src, np.add), rtol=1e-6)
    multiplied = base.scatter(dim, tindex, 2.5, reduce="multiply")
    np.testing.assert_allclose(multiplied.numpy(), _scatter_reference(X, dim, index, 2.5, np.multiply), rtol=1e-6)
    _equal(base.scatter(dim, tindex, 1.5), _scatter_reference(X, dim, index, 1.5, lambda old, new: new))
    _equal(base, X)


def test_scatter_writes_src_at_distinct_positions():
    index = np.array([[2, 0, 1, 1], [0, 2, 0, 2]])
    src = RNG.standard_normal(index.shape).astype(np.float32)
    expected = _scatter_reference(X, 0, index, src, lambda old, new: new)
    _equal(_t(X).scatter(0, ember.tensor(index), ember.tensor(src)), expected)
    _equal(ember.scatter(_t(X), 0, ember.tensor(index), ember.tensor(src)), expected)


def test_scatter_uses_the_leading_part_of_a_larger_src():
    out = ember.zeros(3, 4).scatter(1, ember.tensor([[0], [1]]), ember.arange(1.0, 13.0).reshape(3, 4))
    assert out.tolist() == [[1.0, 0, 0, 0], [0, 5.0, 0, 0], [0, 0, 0, 0]]


def test_scatter_in_place_forms():
    t = ember.zeros(2, 4)
    assert t.scatter_add_(0, ember.tensor([[0, 1, 0, 1], [0, 0, 0, 0]]), ember.ones(2, 4)) is t
    assert t.tolist() == [[2.0, 1.0, 2.0, 1.0], [0.0, 1.0, 0.0, 1.0]]
    t.scatter_(1, ember.tensor([[0], [3]]), 9.0)
    assert t[:, 0].tolist() == [9.0, 0.0] and t[1, 3].item() == 9.0
    assert t._version[0] == 2


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_matches_reference(reduce, include_self):
    index = np.array([[0, 0, 2], [1, 1, 1]])
    src = np.array([[1.0, 5.0, -2.0], [3.0, 4.0, 2.0]], np.float32)
    base = np.array([[10.0, -1.0, 0.5, 2.0], [1.0, 1.0, 1.0, 1.0]], np.float32)
    groups: dict = {}
    for row in range(2):
        for col in range(3):
            groups.setdefault((row, index[row, col]), []).append(src[row, col])
    expected = base.copy()
    combine = {"sum": np.sum, "prod": np.prod, "mean": np.mean, "amax": np.max, "amin": np.min}[reduce]
    for (row, col), values in groups.items():
        values = values + ([base[row, col]] if include_self else [])
        expected[row, col] = combine(values)
    result = ember.tensor(base).scatter_reduce(
        1, ember.tensor(index), ember.tensor(src), reduce, include_self=include_self
    )
    np.testing.assert_allclose(result.numpy(), expected, rtol=1e-6)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: _t(X).gather(1, ember.tensor([[4]])),
            RuntimeError,
            "index 4 is out of bounds for dimension 1 with size 4",
        ),
        (
            lambda: _t(X).gather(1, ember.tensor([[-1]])),
            RuntimeError,
            "index -1 is out of bounds for dimension 1 with size 4",
        ),
        (lambda: _t(X).gather(1, ember.tensor([[0.0]])), RuntimeError, "Expected dtype int32/int64 for index"),
        (
            lambda: _t(X).gather(1, ember.tensor([0])),
            RuntimeError,
            "Index tensor must have the same number of dimensions as input tensor",
        ),
        (
            lambda: _t(X).gather(1, ember.zeros(4, 1, dtype=ember.int64)),
            RuntimeError,
            r"Size does not match at dimension 0 expected index \[4, 1\] to be no larger than self \[3, 4\]",
        ),
        (lambda: _t(X).gather(1, [[0]]), TypeError, "argument 'index' must be Tensor"),
        (
            lambda: _t(X).scatter(1, ember.tensor([[0, 1, 2, 3, 0]]), ember.ones(1, 4)),
            RuntimeError,
            r"Expected index \[1, 5\] to be no larger than self \[3, 4\] apart from dimension 1 and to be no larger ",
        ),
        (
            lambda: _t(X).scatter(1, ember.tensor([[0]]), ember.ones(1, 1, dtype=ember.float64)),
            RuntimeError,
            "Expected self.dtype to be equal to src.dtype",
        ),
        (
            lambda: _t(X).scatter(1, ember.tensor([[4]]), 1.0),
            RuntimeError,
            "index 4 is out of bounds for dimension 1 with size 4",
        ),
        (
            lambda: _t(X).scatter(1, ember.tensor([[0]]), 1.0, reduce="max"),
            RuntimeError,
            "reduce argument must be either add or multiply",
        ),
        (
            lambda: _t(X).scatter_reduce(1, ember.tensor([[0]]), _t(X), "max"),
            RuntimeError,
            "reduce argument must be either sum, prod, mean, amax or amin",
        ),
    ],
)
def test_gather_scatter_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_scatter_reduce_argument_on_tensor_src_warns():
    with pytest.warns(UserWarning, match="The reduce argument of torch.scatter with Tensor src is deprecated"):
        out = ember.zeros(1, 2).scatter(1, ember.tensor([[0, 0]]), ember.ones(1, 2), reduce="add")
    assert out.tolist() == [[2.0, 0.0]]


# --- index_select, index_add, index_fill, index_copy ---------------------------------------------


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_index_select_matches_numpy(dim):
    index = [1, 0, 1] if dim == 0 else [2, 0, 2]
    _equal(_t().index_select(dim, ember.tensor(index)), np.take(A, index, axis=dim))
    _equal(ember.index_select(_t(), dim, ember.tensor(index, dtype=ember.int32)), np.take(A, index, axis=dim))
    _equal(_t().index_select(dim, ember.tensor(1)), np.take(A, [1], axis=dim))


def test_index_add_fill_copy_match_numpy():
    base = np.ones((5, 3), np.float32)
    source = np.arange(12, dtype=np.float32).reshape(4, 3)
    index = np.array([0, 4, 2, 0])
    expected = base.copy()
    np.add.at(expected, index, source)
    _equal(ember.tensor(base).index_add(0, ember.tensor(index), ember.tensor(source)), expected)
    expected_alpha = base.copy()
    np.add.at(expected_alpha, index, 2 * source)
    _equal(ember.tensor(base).index_add(0, ember.tensor(index), ember.tensor(source), alpha=2), expected_alpha)
    columns = ember.ones(2, 3).index_add(1, ember.tensor([2, 2]), ember.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert columns.tolist() == [[1.0, 1.0, 4.0], [1.0, 1.0, 8.0]]
    filled = ember.tensor(A[0]).index_fill(1, ember.tensor([0, 2]), -1)
    expected_fill = A[0].copy()
    expected_fill[:, [0, 2]] = -1
    _equal(filled, expected_fill)
    copied = ember.zeros(3, 2).index_copy(0, ember.tensor([2, 0]), ember.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert copied.tolist() == [[3.0, 4.0], [0.0, 0.0], [1.0, 2.0]]


def test_index_in_place_forms():
    t = ember.ones(3, 2)
    assert t.index_add_(0, ember.tensor([0, 0]), ember.ones(2, 2)) is t
    assert t[0].tolist() == [3.0, 3.0]
    assert t.index_fill_(1, ember.tensor([1]), 0.0) is t and t[:, 1].tolist() == [0.0, 0.0, 0.0]
    assert t.index_copy_(0, ember.tensor([2]), ember.tensor([[7.0, 8.0]])) is t and t[2].tolist() == [7.0, 8.0]
    assert t._version[0] == 3


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: _t().index_select(0, ember.tensor([2])), IndexError, "index out of range in self"),
        (lambda: _t().index_select(0, ember.tensor([-1])), IndexError, "index out of range in self"),
        (lambda: _t().index_select(0, ember.tensor([[0]])), IndexError, "Index is supposed to be a vector"),
        (lambda: _t().index_select(0, ember.tensor([0.0])), RuntimeError, "Expected dtype int32 or int64 for index"),
        (lambda: _t().index_select(0, [0]), TypeError, "argument 'index' must be Tensor, not list"),
        (
            lambda: ember.zeros(3, 4).index_add(1, ember.tensor([0]), ember.ones(3, 1, dtype=ember.float64)),
            RuntimeError,
            r"self \(Float\) and source \(Double\) must have the same scalar type",
        ),
        (
            lambda: ember.zeros(3, 4).index_add(1, ember.tensor([5]), ember.ones(3, 1)),
            IndexError,
            "index out of range in self",
        ),
        (
            lambda: ember.zeros(3, 4).index_add(1, ember.tensor([0, 1]), ember.ones(3, 1)),
            RuntimeError,
            r"Number of indices \(2\) should be equal to source.size\(dim\): \(1\)",
        ),
        (
            lambda: ember.zeros(3).index_fill(0, ember.tensor([0]), ember.ones(2)),
            RuntimeError,
            "index_fill_ only supports a 0-dimensional value tensor",
        ),
    ],
)
def test_index_op_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --- masks, nonzero, take --------------------------------------------------------------------------


def test_masked_fill_matches_numpy():
    matrix = A[0]
    mask = matrix > 5
    _equal(ember.tensor(matrix).masked_fill(ember.tensor(mask), -1.0), np.where(mask, -1.0, matrix))
    row_mask = np.array([True, False, True, False])
    _equal(ember.tensor(matrix).masked_fill(ember.tensor(row_mask), 9), np.where(row_mask, 9, matrix))
    _equal(ember.tensor(matrix).masked_fill(ember.tensor(mask), ember.tensor(7)), np.where(mask, 7.0, matrix))
    _equal(ember.tensor(matrix).masked_fill(ember.tensor(mask), float("-inf")), np.where(mask, -np.inf, matrix))
    ints = ember.arange(4).masked_fill(ember.tensor([True, False, True, False]), 2.7)
    assert ints.dtype is ember.int64 and ints.tolist() == [2, 1, 2, 3]
    grown = ember.zeros(3).masked_fill(ember.ones(2, 3, dtype=ember.bool), 1.0)
    assert grown.shape == (2, 3)
    t = ember.tensor(matrix)
    assert t.masked_fill_(ember.tensor(mask), 0.0) is t and t.numpy()[mask].sum() == 0


def test_masked_fill_errors():
    with pytest.raises(RuntimeError, match="masked_fill_ only supports boolean masks"):
        ember.zeros(3).masked_fill(ember.tensor([1, 0, 1]), 1.0)
    with pytest.raises(RuntimeError, match="only supports a 0-dimensional value tensor"):
        ember.zeros(3).masked_fill(ember.tensor([True, False, True]), ember.ones(3))
    with pytest.raises(RuntimeError, match="without overflow"):
        ember.zeros(3, dtype=ember.int64).masked_fill(ember.tensor([True, False, True]), float("inf"))


def test_masked_select_nonzero_argwhere_take():
    matrix = A[0]
    _equal(ember.tensor(matrix).masked_select(ember.tensor(matrix > 5)), matrix[matrix > 5])
    row_mask = np.array([True, False, True, False])
    _equal(ember.tensor(matrix).masked_select(ember.tensor(row_mask)), matrix[:, row_mask].reshape(-1))
    values = np.array([[0, 1], [2, 0]])
    _equal(ember.tensor(values).nonzero(), np.argwhere(values))
    _equal(ember.argwhere(ember.tensor(values)), np.argwhere(values))
    rows, cols = ember.tensor(values).nonzero(as_tuple=True)
    _equal(rows, np.nonzero(values)[0])
    _equal(cols, np.nonzero(values)[1])
    assert ember.nonzero(ember.tensor(values)).dtype is ember.int64
    assert ember.zeros(3, 2).nonzero().shape == (0, 2)
    assert ember.tensor(3).nonzero().shape == (1, 0)
    assert ember.tensor(0).nonzero().shape == (0, 0)
    assert [t.tolist() for t in ember.tensor(3).nonzero(as_tuple=True)] == [[0]]
    _equal(ember.tensor(matrix).take(ember.tensor([0, 5, 11])), matrix.reshape(-1)[[0, 5, 11]])
    _equal(ember.take(ember.tensor(matrix), ember.tensor([[1, 2]])), matrix.reshape(-1)[[[1, 2]]])


def test_index_results_do_not_track_integer_outputs():
    x = ember.arange(4.0, requires_grad=True)
    assert not x.nonzero().requires_grad
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert x[ember.tensor([0, 1])].requires_grad
