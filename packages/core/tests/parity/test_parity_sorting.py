"""Sorting and searching ops against torch==2.13: values, indices (where ties cannot differ), gradients, nodes."""

import warnings

import ember
import numpy as np
import pytest

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)
DISTINCT = RNG.permutation(60).reshape(3, 5, 4).astype(np.float64) / 7
TIES = np.array([[2.0, 1.0, 2.0, 3.0, 1.0, 2.0], [0.0, 0.0, 5.0, 5.0, 4.0, 4.0]])
NAN = np.array([[3.0, np.nan, 1.0, np.nan, 2.0], [4.0, 1.0, 2.0, 3.0, 0.0]])


def _both(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(torch), fn(ember)


def _same(expected, got, what=""):
    expected, got = np.asarray(expected), np.asarray(got)
    assert got.dtype == expected.dtype, what
    np.testing.assert_array_equal(got, expected, err_msg=what)


# each case: (name, fn(module, x) -> a return type, input); indices are compared too
SELECTIONS = [
    ("sort", lambda m, x: m.sort(x, 1), DISTINCT),
    ("sort_descending", lambda m, x: x.sort(dim=0, descending=True), DISTINCT),
    ("sort_stable_ties", lambda m, x: m.sort(x, stable=True), TIES),
    ("sort_stable_ties_descending", lambda m, x: m.sort(x, descending=True, stable=True), TIES),
    ("sort_nan", lambda m, x: m.sort(x), NAN),
    ("sort_nan_descending", lambda m, x: m.sort(x, descending=True), NAN),
    ("topk", lambda m, x: m.topk(x, 2), DISTINCT),
    ("topk_dim_smallest", lambda m, x: x.topk(3, dim=1, largest=False), DISTINCT),
    ("kthvalue", lambda m, x: m.kthvalue(x, 3, 1), DISTINCT),
    ("kthvalue_keepdim", lambda m, x: x.kthvalue(2, dim=0, keepdim=True), DISTINCT),
    ("median_dim", lambda m, x: m.median(x, 2), DISTINCT),
    ("median_keepdim", lambda m, x: x.median(dim=1, keepdim=True), DISTINCT),
    ("median_nan", lambda m, x: m.median(x, 1), NAN),
    ("mode", lambda m, x: m.mode(x), TIES),
    ("mode_dim0", lambda m, x: x.mode(0, keepdim=True), np.array([[1.0, 2.0], [1.0, 3.0], [2.0, 3.0]])),
]


@pytest.mark.parametrize(("name", "fn", "data"), SELECTIONS, ids=[c[0] for c in SELECTIONS])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_selection_values_indices_and_gradients(name, fn, data, dtype):
    def run(m):
        x = m.tensor(data, dtype=getattr(m, dtype), requires_grad=True)
        result = fn(m, x)
        weights = m.tensor(np.arange(result.values.numel(), dtype=np.float64).reshape(tuple(result.values.shape)))
        (result.values * weights.to(x.dtype)).nansum().backward()
        return type(result).__name__, result.values.detach().numpy(), result.indices.numpy(), x.grad.numpy()

    (t_kind, t_values, t_indices, t_grad), (e_kind, e_values, e_indices, e_grad) = _both(run)
    assert e_kind == t_kind
    _same(t_values, e_values, "values")
    _same(t_indices, e_indices, "indices")
    _same(t_grad, e_grad, "gradient")


def test_grad_fn_names():
    def nodes(m):
        x = m.tensor(DISTINCT, requires_grad=True)
        results = [x.sort().values, x.topk(2).values, x.kthvalue(1).values, x.median(), x.median(0).values]
        return [type(r.grad_fn).__name__ for r in (*results, x.mode().values)]

    expected, got = _both(nodes)
    assert got == expected


def test_global_median_shares_the_gradient_among_ties():
    def run(m):
        x = m.tensor([[1.0, 2.0, 2.0], [0.0, 3.0, 2.0]], requires_grad=True)
        value = x.median()
        value.backward()
        return value.item(), x.grad.numpy()

    (t_value, t_grad), (e_value, e_grad) = _both(run)
    assert e_value == t_value
    _same(t_grad, e_grad)


@pytest.mark.parametrize("data", [DISTINCT, NAN, np.array([1, 4, 2, 3]), np.zeros((0,))])
def test_global_median_value(data):
    expected, got = _both(lambda m: m.median(m.tensor(data)).numpy())
    _same(expected, got)


def test_argsort_stable():
    expected, got = _both(
        lambda m: [
            m.argsort(m.tensor(TIES), stable=True).numpy(),
            m.tensor(TIES).argsort(dim=0, descending=True, stable=True).numpy(),
        ]
    )
    for e, g in zip(expected, got):
        _same(e, g)


INTEGER_TIES = np.array([1, 1, 1, 0, 0, 0, 1, 1] * 3)


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_sort_integer_dtypes_stable(dtype):
    def run(m):
        values, indices = m.tensor(INTEGER_TIES, dtype=getattr(m, dtype)).sort(descending=True, stable=True)
        return values.numpy(), indices.numpy()

    expected, got = _both(run)
    for e, g in zip(expected, got):
        _same(e, g)


SEARCHES = [
    ("left", lambda m: m.searchsorted(m.tensor([1.0, 3.0, 3.0, 5.0]), m.tensor([[0.0, 3.0], [4.0, 9.0]]))),
    ("right", lambda m: m.searchsorted(m.tensor([1, 3, 3, 5]), m.tensor([3, 5, 6]), right=True)),
    ("side", lambda m: m.searchsorted(m.tensor([1, 3, 3, 5]), m.tensor([3, 5, 6]), side="right")),
    ("int32", lambda m: m.searchsorted(m.tensor([1, 3, 5]), m.tensor([2, 6]), out_int32=True)),
    ("scalar", lambda m: m.searchsorted(m.tensor([1, 3, 5]), 3)),
    ("rows", lambda m: m.searchsorted(m.tensor([[1, 3, 5], [2, 4, 6]]), m.tensor([[3, 6], [1, 7]]), right=True)),
    ("sorter", lambda m: m.searchsorted(m.tensor([5.0, 1.0, 3.0]), m.tensor([2.0, 4.0]), sorter=m.tensor([1, 2, 0]))),
    ("mixed_dtypes", lambda m: m.searchsorted(m.tensor([1.0, 3.0]), m.tensor([2]))),
    ("bucketize", lambda m: m.bucketize(m.tensor([[1, 3], [5, 9]]), m.tensor([1, 3, 5]))),
    ("bucketize_right", lambda m: m.bucketize(m.tensor([[1, 3], [5, 9]]), m.tensor([1, 3, 5]), right=True)),
    ("bucketize_scalar", lambda m: m.bucketize(3, m.tensor([1, 3, 5]), out_int32=True)),
]


@pytest.mark.parametrize(("name", "fn"), SEARCHES, ids=[c[0] for c in SEARCHES])
def test_searches(name, fn):
    expected, got = _both(lambda m: fn(m).numpy())
    _same(expected, got)


UNIQUES = [
    ("plain", lambda m, x: m.unique(x), np.array([[3, 1], [2, 3]])),
    ("inverse", lambda m, x: m.unique(x, return_inverse=True), np.array([[3, 1], [2, 3]])),
    ("counts", lambda m, x: x.unique(return_counts=True), np.array([3.0, 1.0, 3.0, 0.5])),
    ("both", lambda m, x: x.unique(sorted=True, return_inverse=True, return_counts=True), np.array([3, 1, 2, 3, 1])),
    ("nan", lambda m, x: m.unique(x, return_counts=True), np.array([3.0, 1.0, np.nan, 3.0, np.nan])),
    ("scalar", lambda m, x: m.unique(x, return_inverse=True, return_counts=True), np.array(3.0)),
    (
        "dim",
        lambda m, x: m.unique(x, dim=0, return_inverse=True, return_counts=True),
        np.array([[1, 2], [0, 5], [1, 2]]),
    ),
]


@pytest.mark.parametrize(("name", "fn", "data"), UNIQUES, ids=[c[0] for c in UNIQUES])
def test_unique(name, fn, data):
    def run(m):
        result = fn(m, m.tensor(data))
        return [r.numpy() for r in (result if isinstance(result, tuple) else (result,))]

    expected, got = _both(run)
    assert len(got) == len(expected)
    for e, g in zip(expected, got):
        _same(e, g)


ERRORS = [
    ("topk_k", lambda m: m.zeros(2, 3).topk(4)),
    ("topk_bool", lambda m: m.tensor([True, False]).topk(1)),
    ("kthvalue_k", lambda m: m.zeros(2, 3).kthvalue(0)),
    ("sort_dim", lambda m: m.zeros(2, 3).sort(2)),
    ("median_empty_dim", lambda m: m.zeros(0, 3).median(0)),
    ("median_keepdim_without_dim", lambda m: m.zeros(2).median(keepdim=True)),
    ("mode_empty_dim", lambda m: m.zeros(0, 3).mode(0)),
    ("side_and_right", lambda m: m.searchsorted(m.tensor([1, 3]), m.tensor([1]), side="left", right=True)),
    ("side_word", lambda m: m.searchsorted(m.tensor([1, 3]), m.tensor([1]), side="middle")),
    ("rows_mismatch", lambda m: m.searchsorted(m.tensor([[1, 3], [2, 4]]), m.tensor([[1], [2], [3]]))),
    ("zero_dim_boundaries", lambda m: m.searchsorted(m.tensor(1), m.tensor([2]))),
    ("sorter_size", lambda m: m.searchsorted(m.tensor([3, 1]), m.tensor([2]), sorter=m.tensor([1]))),
    ("bucketize_2d", lambda m: m.bucketize(m.tensor([1]), m.tensor([[1, 3]]))),
]


@pytest.mark.parametrize(("name", "fn"), ERRORS, ids=[c[0] for c in ERRORS])
def test_errors(name, fn):
    with pytest.raises(Exception) as expected:
        fn(torch)
    with pytest.raises(type(expected.value)) as got:
        fn(ember)
    head = str(expected.value).split(",")[0].split(":")[0]
    assert head in str(got.value)


def test_method_and_function_names_match():
    for name in ("sort", "argsort", "topk", "kthvalue", "median", "mode", "unique", "searchsorted", "bucketize"):
        assert hasattr(ember, name)
        assert hasattr(ember.Tensor, name) == hasattr(torch.Tensor, name), name
