"""Reductions and scans take NumPy's axis= and keepdims= as PyTorch does, as aliases of dim= and keepdim=."""

from __future__ import annotations

import ember
import numpy as np
import pytest

DATA = np.arange(1.0, 25.0).reshape(2, 3, 4) / 7


def tensor():
    return ember.tensor(DATA)


REDUCTIONS = {
    "sum": np.sum,
    "nansum": np.nansum,
    "mean": np.mean,
    "prod": np.prod,
    "amax": np.amax,
    "amin": np.amin,
    "std": lambda x, axis, keepdims: np.std(x, axis=axis, keepdims=keepdims, ddof=1),
    "var": lambda x, axis, keepdims: np.var(x, axis=axis, keepdims=keepdims, ddof=1),
    "argmax": np.argmax,
    "argmin": np.argmin,
    "all": lambda x, axis, keepdims: np.all(x > 0.5, axis=axis, keepdims=keepdims),
    "any": lambda x, axis, keepdims: np.any(x > 3, axis=axis, keepdims=keepdims),
    "logsumexp": lambda x, axis, keepdims: np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims)),
}


def _input(name):
    x = tensor()
    return x > 0.5 if name == "all" else x > 3 if name == "any" else x


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@pytest.mark.parametrize("keywords", [{"axis": 1}, {"axis": 1, "keepdims": True}, {"dim": 1, "keepdims": True}])
def test_reductions_take_numpy_keywords(name, keywords):
    keepdims = keywords.get("keepdims", False)
    expected = REDUCTIONS[name](DATA, axis=1, keepdims=keepdims)
    for result in (getattr(_input(name), name)(**keywords), getattr(ember, name)(_input(name), **keywords)):
        np.testing.assert_allclose(result.numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_and_min_along_an_axis_give_values_and_indices(name):
    values, indices = getattr(tensor(), name)(axis=2, keepdims=True)
    np.testing.assert_array_equal(values.numpy(), getattr(np, "a" + name)(DATA, axis=2, keepdims=True))
    np.testing.assert_array_equal(indices.numpy(), getattr(np, "arg" + name)(DATA, axis=2, keepdims=True))


def test_a_tuple_of_axes_and_the_pairs_with_mean():
    np.testing.assert_allclose(tensor().sum(axis=(0, 2)).numpy(), DATA.sum(axis=(0, 2)))
    var, mean = ember.var_mean(tensor(), axis=0, keepdims=True)
    np.testing.assert_allclose(var.numpy(), DATA.var(axis=0, ddof=1, keepdims=True))
    np.testing.assert_allclose(mean.numpy(), DATA.mean(axis=0, keepdims=True))
    np.testing.assert_array_equal(ember.count_nonzero(ember.tensor([[0, 1], [2, 3]]), axis=0).numpy(), [1, 2])


@pytest.mark.parametrize(("name", "expected"), [("cumsum", np.cumsum), ("cumprod", np.cumprod)])
def test_scans_take_axis(name, expected):
    np.testing.assert_allclose(getattr(tensor(), name)(axis=2).numpy(), expected(DATA, axis=2))
    np.testing.assert_allclose(getattr(ember, name)(tensor(), axis=0).numpy(), expected(DATA, axis=0))


def test_cumsum_in_place_and_softmax_take_axis():
    x = tensor()
    x.cumsum_(axis=1)
    np.testing.assert_allclose(x.numpy(), np.cumsum(DATA, axis=1))
    shifted = np.exp(DATA - DATA.max(axis=1, keepdims=True))
    np.testing.assert_allclose(tensor().softmax(axis=1).numpy(), shifted / shifted.sum(axis=1, keepdims=True))


def test_gradients_flow_through_the_aliases():
    x = ember.tensor(DATA, requires_grad=True)
    x.sum(axis=1, keepdims=True).mean(axis=0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full(DATA.shape, 0.5))


@pytest.mark.parametrize(
    ("call", "word"),
    [
        (lambda x: x.sum(0, axis=1), "axis"),
        (lambda x: x.sum(dim=0, keepdim=True, keepdims=True), "keepdims"),
        (lambda x: x.amax(axis=0, dim=1), "axis"),
        (lambda x: x.cumsum(axis=0, keepdims=True), "axis"),
        (lambda x: x.softmax(0, axis=1), "axis"),
        (lambda x: x.sum(axes=0), "axes"),
    ],
)
def test_naming_a_dim_twice_or_an_unknown_keyword_is_a_type_error(call, word):
    with pytest.raises(TypeError, match=f"got an unexpected keyword argument '{word}'"):
        call(tensor())


@pytest.mark.parametrize("name", ["cumsum", "cumprod", "logsumexp"])
def test_a_required_dim_stays_required(name):
    with pytest.raises(TypeError, match=f'{name}\\(\\) missing 1 required positional arguments: "dim"'):
        getattr(tensor(), name)()
