"""ember.bfloat16 on the NumPy backend (ml_dtypes' bfloat16), checked against ml_dtypes and NumPy."""

import ember
import numpy as np
import pytest

ml_dtypes = pytest.importorskip("ml_dtypes")
BF16 = np.dtype(ml_dtypes.bfloat16)


@pytest.mark.needs_dtype("bfloat16")
def test_the_dtype():
    assert ember.bfloat16.is_floating_point and ember.bfloat16.itemsize == 2
    assert repr(ember.bfloat16) == "ember.bfloat16" and ember.bfloat16.numpy == BF16
    assert ember.ones(2).bfloat16()._data.dtype == BF16
    assert ember.promote_types(ember.bfloat16, ember.float16) is ember.float32
    assert ember.promote_types(ember.bfloat16, ember.float32) is ember.float32
    assert ember.promote_types(ember.bfloat16, ember.int64) is ember.bfloat16
    assert (ember.ones(2, dtype=ember.bfloat16) + 1.5).dtype is ember.bfloat16
    assert ember.from_numpy(np.ones(2, BF16)).dtype is ember.bfloat16


def test_finfo_agrees_with_ml_dtypes():
    theirs, mine = ml_dtypes.finfo(BF16), ember.finfo(ember.bfloat16)
    assert (mine.eps, mine.max, mine.tiny, mine.bits) == (float(theirs.eps), float(theirs.max), float(theirs.tiny), 16)
    for name in ("float16", "float32", "float64"):
        assert ember.finfo(getattr(ember, name)).eps == float(np.finfo(name).eps)
    assert ember.iinfo(ember.int16).max == np.iinfo(np.int16).max
    with pytest.raises(TypeError, match="floating point"):
        ember.finfo(ember.int32)


@pytest.mark.skipif(
    ember.zeros(1)._backend.name != "numpy",
    reason="float32 accumulation of bfloat16 is ember-numpy's; this run's CPU backend is another",
)
def test_sums_and_products_accumulate_in_float32():
    values = np.full(4096, 0.1, dtype=np.float32).astype(BF16)
    x = ember.from_numpy(values)
    assert x.sum().item() == float(values.astype(np.float32).sum().astype(BF16))
    assert x.mean().item() == float(values.astype(np.float32).mean().astype(BF16))
    a = np.random.default_rng(0).normal(size=(5, 40)).astype(BF16)
    product = ember.from_numpy(a) @ ember.from_numpy(a.T)
    assert product.dtype is ember.bfloat16
    np.testing.assert_array_equal(product.numpy(), (a.astype(np.float32) @ a.T.astype(np.float32)).astype(BF16))


@pytest.mark.needs_dtype("bfloat16")
def test_printing_shows_the_dtype():
    assert repr(ember.tensor([1.1, 2.3], dtype=ember.bfloat16)) == "tensor([1.1016, 2.2969], dtype=ember.bfloat16)"


@pytest.mark.needs_dtype("bfloat16")
def test_gradients_keep_bfloat16():
    x = ember.tensor([1.0, 2.0], dtype=ember.bfloat16, requires_grad=True)
    (x * x).sum().backward()
    assert x.grad.dtype is ember.bfloat16 and x.grad.tolist() == [2.0, 4.0]


@pytest.mark.parametrize("dims", [0, 1, 2, ([0, 2], [2, 0]), ([1], [1])])
def test_tensordot_is_numpys(dims):
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(2, 3, 2)), rng.normal(size=(2, 3, 2))
    if dims == 2:
        b = rng.normal(size=(3, 2, 4))
    np.testing.assert_allclose(
        ember.tensordot(ember.tensor(a), ember.tensor(b), dims).numpy(), np.tensordot(a, b, dims)
    )


def test_linalg_cross_is_numpys():
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(4, 3)), rng.normal(size=(1, 3))
    np.testing.assert_allclose(ember.linalg.cross(ember.tensor(a), ember.tensor(b)).numpy(), np.cross(a, b))
