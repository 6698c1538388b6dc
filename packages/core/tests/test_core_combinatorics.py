"""cartesian_prod, combinations, block_diag, vander, tril_indices and triu_indices against
itertools, NumPy and SciPy."""

import itertools

import ember
import numpy as np
import pytest
from scipy.linalg import block_diag as scipy_block_diag

RNG = np.random.default_rng(19)


def test_cartesian_prod_matches_itertools_product():
    a, b, c = [1, 2], [3, 4, 5], [6, 7]
    result = ember.cartesian_prod(ember.tensor(a), ember.tensor(b), ember.tensor(c))
    assert result.tolist() == [list(p) for p in itertools.product(a, b, c)]
    assert ember.cartesian_prod(ember.tensor(a)).tolist() == a


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: ember.cartesian_prod(), "non-empty"),
        (lambda: ember.cartesian_prod(ember.ones(2, 2)), "Expect a 1D vector, but got shape"),
        (lambda: ember.cartesian_prod(ember.tensor([1, 2]), ember.tensor([3.0])), "same dtype"),
    ],
)
def test_cartesian_prod_errors(call, words):
    with pytest.raises(RuntimeError, match=words):
        call()


@pytest.mark.parametrize("r", [1, 2, 3, 5])
@pytest.mark.parametrize("with_replacement", [False, True])
def test_combinations_match_itertools(r, with_replacement):
    values = [4.0, 1.0, 7.0, 2.0]
    choose = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    expected = [list(c) for c in choose(values, r)]
    result = ember.combinations(ember.tensor(values), r, with_replacement)
    assert result.shape == (len(expected), r)
    assert result.tolist() == expected


def test_combinations_edges_and_errors():
    assert ember.combinations(ember.tensor([1, 2, 3]), r=0).shape == (0,)
    assert ember.combinations(ember.tensor([]), r=2).shape == (0, 2)
    with pytest.raises(RuntimeError, match="non-negative"):
        ember.combinations(ember.tensor([1, 2]), r=-1)
    with pytest.raises(RuntimeError, match="1D vector"):
        ember.combinations(ember.ones(2, 2))


def test_block_diag_matches_scipy_and_promotes():
    a, b, c = RNG.uniform(size=(2, 3)), RNG.uniform(size=(1, 2)), RNG.uniform(size=(3, 1))
    result = ember.block_diag(ember.tensor(a), ember.tensor(b), ember.tensor(c))
    np.testing.assert_array_equal(result.numpy(), scipy_block_diag(a, b, c))
    mixed = ember.block_diag(ember.ones(2, 2, dtype=ember.int64), ember.tensor([1.5, 2]), ember.tensor(3))
    assert mixed.dtype is ember.float32 and mixed.shape == (4, 5)
    assert mixed[3, 4].item() == 3 and mixed[2, 2].item() == 1.5


def test_block_diag_edges_and_errors():
    assert ember.block_diag().shape == (1, 0)
    assert ember.block_diag(ember.ones(0, 2), ember.ones(1, 1)).tolist() == [[0.0, 0.0, 1.0]]
    with pytest.raises(RuntimeError, match="2 or fewer dimensions. Input 0 has 3"):
        ember.block_diag(ember.ones(2, 2, 2))


@pytest.mark.parametrize("n", [None, 0, 1, 4])
@pytest.mark.parametrize("increasing", [False, True])
def test_vander_matches_numpy(n, increasing):
    x = RNG.uniform(-2, 2, 3)
    np.testing.assert_allclose(ember.vander(ember.tensor(x), n, increasing).numpy(), np.vander(x, n, increasing))


def test_vander_of_integers_is_int64_and_errors():
    result = ember.vander(ember.tensor([1, 2, 3], dtype=ember.int32))
    assert result.dtype is ember.int64 and result.tolist() == np.vander([1, 2, 3]).tolist()
    with pytest.raises(RuntimeError, match="one-dimensional"):
        ember.vander(ember.ones(2, 2))
    with pytest.raises(RuntimeError, match="non-negative"):
        ember.vander(ember.ones(2), N=-1)


@pytest.mark.parametrize(("row", "col", "offset"), [(3, 3, 0), (3, 4, 1), (4, 2, -1), (0, 3, 0), (3, 5, -5)])
def test_triangle_indices_match_numpy(row, col, offset):
    lower = ember.tril_indices(row, col, offset)
    assert lower.dtype is ember.int64 and lower.shape[0] == 2
    np.testing.assert_array_equal(lower.numpy(), np.stack(np.tril_indices(row, offset, col)))
    upper = ember.triu_indices(row, col, offset, dtype=ember.int32)
    assert upper.dtype is ember.int32
    np.testing.assert_array_equal(upper.numpy(), np.stack(np.triu_indices(row, offset, col)))


def test_triangle_indices_errors():
    with pytest.raises(RuntimeError, match="row must be non-negative"):
        ember.tril_indices(-1, 3)
    with pytest.raises(NotImplementedError, match="Float"):
        ember.triu_indices(3, 3, dtype=ember.float32)
