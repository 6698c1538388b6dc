"""Reductions: values against NumPy over dims and keepdim, dtypes, ties, empty and 0-d inputs, errors."""

import math
import warnings

import ember
import numpy as np
import pytest

RNG = np.random.default_rng(11)
X = RNG.standard_normal((3, 4, 5)).astype(np.float32)
DIMS = [None, 0, -1, (0, 2), (1,), (-1, 0, 1)]


def _axis(dim):
    return tuple(dim) if isinstance(dim, tuple) else dim


def _close(tensor, expected, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(tensor.detach().numpy(), expected, rtol=rtol, atol=atol)


def _call(name, x, dim, keepdim, **kwargs):
    if dim is None:
        return getattr(x, name)(**kwargs) if not keepdim else getattr(x, name)(dim=tuple(range(x.ndim)), keepdim=True)
    return getattr(x, name)(dim, keepdim=keepdim, **kwargs)


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize(
    ("name", "reference"),
    [
        ("sum", np.sum),
        ("mean", np.mean),
        ("amax", np.max),
        ("amin", np.min),
        ("var", lambda a, axis, keepdims: np.var(a, axis=axis, keepdims=keepdims, ddof=1)),
        ("std", lambda a, axis, keepdims: np.std(a, axis=axis, keepdims=keepdims, ddof=1)),
        ("logsumexp", lambda a, axis, keepdims: np.log(np.sum(np.exp(a), axis=axis, keepdims=keepdims))),
        ("norm", lambda a, axis, keepdims: np.sqrt(np.sum(a * a, axis=axis, keepdims=keepdims))),
    ],
)
def test_reductions_over_dims_match_numpy(name, reference, dim, keepdim):
    if name == "logsumexp" and dim is None:
        dim = (0, 1, 2)
    x = ember.tensor(X)
    if name == "norm":
        result = x.norm(p=2, dim=dim, keepdim=keepdim)
    else:
        result = _call(name, x, dim, keepdim)
    expected = reference(X.astype(np.float64), axis=_axis(dim), keepdims=keepdim)
    assert result.shape == np.shape(expected)
    assert result.dtype is ember.float32
    _close(result, expected)


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [None, 0, 2, -2])
def test_prod_matches_numpy(dim, keepdim):
    data = X[:, :2, :3]
    x = ember.tensor(data)
    result = x.prod() if dim is None else x.prod(dim, keepdim=keepdim)
    expected = np.prod(data, axis=dim, keepdims=keepdim and dim is not None)
    _close(result, expected)


def test_integer_and_bool_sums_accumulate_in_int64():
    big = ember.tensor([2**31 - 1, 2**31 - 1], dtype=ember.int32)
    assert big.sum().dtype is ember.int64 and big.sum().item() == 2 * (2**31 - 1)
    small = ember.tensor([100, 100, 100], dtype=ember.int8)
    assert small.sum().item() == 300 and small.sum(0).dtype is ember.int64
    mask = ember.tensor([[True, False, True], [True, True, True]])
    assert mask.sum().dtype is ember.int64 and mask.sum().item() == 5
    np.testing.assert_array_equal(mask.sum(1).numpy(), [2, 3])
    assert ember.tensor([200, 200], dtype=ember.uint8).prod().item() == 40000
    assert ember.tensor([3, 4], dtype=ember.int16).prod().dtype is ember.int64
    assert ember.count_nonzero(ember.tensor([[0, 1], [2, 0]])).item() == 2


def test_sum_and_prod_take_a_dtype():
    x = ember.tensor([1.5, 2.5])
    assert x.sum(dtype=ember.float64).dtype is ember.float64
    assert ember.tensor([100, 3], dtype=ember.int8).prod(dtype=ember.int8).item() == 44  # wraps like int8
    assert ember.tensor([1, 2]).mean(dtype=ember.float64).item() == 1.5


def test_empty_dim_tuple_reduces_everything():
    x = ember.tensor(X)
    _close(x.sum(()), X.sum(), rtol=1e-4)
    _close(x.mean([]), X.mean())


def test_mean_of_integers_is_refused():
    with pytest.raises(RuntimeError, match="mean\\(\\): could not infer output dtype.*Got: Long"):
        ember.tensor([1, 2, 3]).mean()
    with pytest.raises(RuntimeError, match="Got: Bool"):
        ember.tensor([True]).mean(0)


@pytest.mark.parametrize("name", ["std", "var"])
def test_std_var_of_integers_is_refused(name):
    with pytest.raises(RuntimeError, match="std and var only support floating point"):
        getattr(ember.tensor([1, 2, 3]), name)()


def test_frobenius_norm_takes_at_most_two_dims():
    with pytest.raises(RuntimeError, match="linalg.matrix_norm: dim must be a 2-tuple"):
        ember.ones(2, 3, 4).norm(dim=(0, 1, 2))
    _close(ember.ones(2, 3, 4).norm(p=2, dim=(0, 1, 2)), math.sqrt(24))
    _close(ember.ones(2, 3, 4).norm("fro", dim=(0, 1)), [math.sqrt(6)] * 4)


def test_zero_norm_passes_no_gradient():
    x = ember.tensor([1.0, 0.0, 2.0], requires_grad=True)
    x.norm(p=0).backward()
    assert x.grad is None


def test_norm_of_integers_is_refused():
    with pytest.raises(RuntimeError, match="linalg.vector_norm: Expected a floating point"):
        ember.tensor([3, 4]).norm()


def test_duplicate_and_out_of_range_dims_are_refused():
    x = ember.ones(2, 3)
    with pytest.raises(RuntimeError, match="dim 0 appears multiple times"):
        x.sum((0, -2))
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.sum(2)
    with pytest.raises(IndexError, match="Dimension out of range"):
        ember.tensor(1.0).mean(1)


# --- var, std ---------------------------------------------------------------------------------


def test_var_std_corrections():
    x = ember.tensor(X)
    _close(x.var(unbiased=False), np.var(X))
    _close(x.var(1, correction=0), np.var(X, axis=1))
    _close(x.std(0, False), np.std(X, axis=0))
    _close(x.std((0, 1), correction=2), np.std(X, axis=(0, 1), ddof=2))
    var, mean = ember.var_mean(x, 1)
    _close(var, np.var(X, axis=1, ddof=1))
    _close(mean, np.mean(X, axis=1))
    std, mean = ember.std_mean(x)
    _close(std, np.std(X, ddof=1))


def test_var_without_degrees_of_freedom_is_nan_with_a_warning():
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        result = ember.tensor([1.0]).std()
    assert math.isnan(result.item())


# --- norm, logsumexp, softmax -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("p", "reference"),
    [
        (1, lambda a: np.abs(a).sum()),
        (2, lambda a: np.sqrt((a * a).sum())),
        (3, lambda a: (np.abs(a) ** 3).sum() ** (1 / 3)),
        (0.5, lambda a: (np.abs(a) ** 0.5).sum() ** 2),
        (math.inf, lambda a: np.abs(a).max()),
        (-math.inf, lambda a: np.abs(a).min()),
        (0, lambda a: float(np.count_nonzero(a))),
        ("fro", lambda a: np.sqrt((a * a).sum())),
    ],
)
def test_vector_norms(p, reference):
    data = np.array([[1.0, -5.0, 5.0], [-3.0, 0.0, 2.0]])
    _close(ember.tensor(data).norm(p), reference(data))
    _close(ember.norm(ember.tensor(data), p, dim=1), [reference(row) for row in data])


def test_logsumexp_is_stable_for_large_and_infinite_inputs():
    x = ember.tensor([[1000.0, 1000.0], [-1000.0, -1000.0]])
    _close(ember.logsumexp(x, 1), [1000.0 + math.log(2), -1000.0 + math.log(2)])
    np.testing.assert_array_equal(ember.logsumexp(ember.tensor([[-math.inf, -math.inf]]), 1).numpy(), [-math.inf])
    np.testing.assert_array_equal(ember.logsumexp(ember.tensor([[math.inf, 0.0]]), 1).numpy(), [math.inf])
    assert ember.logsumexp(ember.tensor([1, 2]), 0).dtype is ember.float32


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_and_log_softmax(dim):
    data = X[0].astype(np.float64) * 30
    shifted = np.exp(data - data.max(axis=dim, keepdims=True))
    expected = shifted / shifted.sum(axis=dim, keepdims=True)
    x = ember.tensor(data)
    _close(x.softmax(dim), expected, rtol=1e-10)
    _close(ember.log_softmax(x, dim), np.log(expected), rtol=1e-10, atol=1e-10)
    _close(x.softmax(dim).sum(dim), np.ones(np.delete(data.shape, dim)), rtol=1e-12)


def test_softmax_dtype_argument_and_integer_refusal():
    x = ember.tensor([1, 2, 3])
    assert ember.softmax(x, 0, dtype=ember.float64).dtype is ember.float64
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        x.softmax(0)


# --- max, min, argmax, argmin --------------------------------------------------------------------


def test_max_with_dim_returns_values_and_indices():
    x = ember.tensor([[1.0, 7.0, 7.0], [9.0, 2.0, 9.0]])
    result = x.max(1)
    values, indices = result
    np.testing.assert_array_equal(values.numpy(), [7.0, 9.0])
    np.testing.assert_array_equal(indices.numpy(), [1, 0])  # the first of tied maxima
    assert result.values is values and result.indices is indices and result[0] is values
    assert type(result).__name__ == "max" and isinstance(result, tuple)
    assert repr(result) == ("ember.return_types.max(\nvalues=tensor([7., 9.]),\nindices=tensor([1, 0]))")
    low = ember.min(x, dim=0, keepdim=True)
    assert low.values.shape == (1, 3) and low.indices.dtype is ember.int64
    np.testing.assert_array_equal(low.indices.numpy(), [[0, 1, 0]])


def test_argmax_argmin():
    x = ember.tensor(X)
    assert x.argmax().item() == int(np.argmax(X))
    np.testing.assert_array_equal(x.argmin(1).numpy(), np.argmin(X, axis=1))
    assert x.argmax(2, keepdim=True).shape == (3, 4, 1)
    assert x.argmax(keepdim=True).shape == (1, 1, 1)
    np.testing.assert_array_equal(ember.tensor([3, 1, 3]).argmax().item(), 0)
    with pytest.raises(RuntimeError, match="does not support bool"):
        ember.tensor([True]).argmax()


def test_max_propagates_nan():
    x = ember.tensor([[1.0, math.nan, 3.0], [0.0, 2.0, 1.0]])
    assert math.isnan(x.max().item())
    values, indices = x.max(1)
    assert math.isnan(values[0].item()) and indices[0].item() == 1
    assert x.argmax(1)[0].item() == 1


def test_all_and_any():
    x = ember.tensor([[1, 0, 2], [3, 4, 5]])
    assert not x.all().item() and x.any().item()
    np.testing.assert_array_equal(x.all(1).numpy(), [False, True])
    assert x.all(1).dtype is ember.bool
    assert ember.tensor([1, 2], dtype=ember.uint8).all().dtype is ember.uint8
    np.testing.assert_array_equal(x.any(0, keepdim=True).numpy(), [[True, True, True]])


# --- cumulative ---------------------------------------------------------------------------------------


def test_cumsum_and_cumprod():
    x = ember.tensor(X)
    _close(x.cumsum(1), np.cumsum(X, axis=1))
    _close(ember.cumprod(x, -1), np.cumprod(X, axis=-1))
    assert ember.tensor([True, True]).cumsum(0).dtype is ember.int64
    assert ember.tensor([1, 2], dtype=ember.uint8).cumprod(0).dtype is ember.int64
    assert x.cumsum(0, dtype=ember.float64).dtype is ember.float64
    scalar = ember.tensor(2.0).cumsum(0)
    assert scalar.shape == () and scalar.item() == 2.0
    y = ember.tensor([1.0, 2.0, 3.0])
    y.cumsum_(0)
    np.testing.assert_array_equal(y.numpy(), [1.0, 3.0, 6.0])


# --- empty and 0-d inputs ----------------------------------------------------------------------------


def test_reductions_of_empty_tensors():
    empty = ember.ones(0, 3)
    assert empty.sum().item() == 0.0 and empty.prod().item() == 1.0
    np.testing.assert_array_equal(empty.sum(0).numpy(), [0.0, 0.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert math.isnan(empty.mean().item())
        assert np.isnan(empty.mean(0).numpy()).all()
    assert empty.amin(1).shape == (0,)
    assert empty.max(1).values.shape == (0,)
    np.testing.assert_array_equal(ember.logsumexp(empty, 0).numpy(), [-math.inf] * 3)
    assert empty.softmax(0).shape == (0, 3)
    assert not empty.any().item() and empty.all().item()


@pytest.mark.parametrize(
    ("reduce", "error", "message"),
    [
        (lambda t: t.max(), RuntimeError, "Expected reduction dim to be specified for input.numel\\(\\) == 0"),
        (lambda t: t.amax(), RuntimeError, "Expected reduction dim to be specified"),
        (lambda t: t.max(0), IndexError, "Expected reduction dim 0 to have non-zero size"),
        (lambda t: t.argmax(), IndexError, "Expected reduction dim to be specified"),
        (lambda t: t.argmin(0), IndexError, "Expected reduction dim 0 to have non-zero size"),
        (lambda t: t.norm(math.inf), RuntimeError, "cannot compute the inf norm on an empty tensor"),
    ],
)
def test_reductions_without_identity_refuse_empty_extents(reduce, error, message):
    with pytest.raises(error, match=message):
        reduce(ember.ones(0, 3))


def test_reductions_of_zero_dim_tensors():
    x = ember.tensor(2.5)
    for result in (x.sum(), x.sum(0), x.mean(-1), x.amax(0), x.prod(0), x.logsumexp(0), x.softmax(0), x.norm()):
        assert result.shape == ()
    values, indices = x.max(0)
    assert values.item() == 2.5 and indices.item() == 0
    assert x.argmax().item() == 0 and x.argmax(0).item() == 0
    assert x.softmax(0).item() == 1.0


# --- gradients PyTorch defines specially ------------------------------------------------------------


def test_full_max_shares_the_gradient_among_ties():
    x = ember.tensor([[1.0, 3.0], [3.0, 2.0]], requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0, 0.5], [0.5, 0.0]])
    x.grad = None
    x.amin(1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1.0, 0.0], [0.0, 1.0]])
    y = ember.tensor([2.0, 2.0, 2.0, 1.0], requires_grad=True)
    y.amax().backward()
    np.testing.assert_allclose(y.grad.numpy(), [1 / 3, 1 / 3, 1 / 3, 0.0])


def test_max_along_a_dim_sends_the_gradient_to_the_picked_index():
    x = ember.tensor([[1.0, 3.0, 3.0], [4.0, 4.0, 0.0]], requires_grad=True)
    x.max(1).values.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    x.grad = None
    x.min(0, keepdim=True)[0].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])


def test_prod_and_cumprod_gradients_with_zeros_are_exact():
    x = ember.tensor([[2.0, 0.0, 3.0], [1.0, 4.0, 5.0]], dtype=ember.float64, requires_grad=True)
    x.prod().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0, 120.0, 0.0], [0.0, 0.0, 0.0]])
    x.grad = None
    x.prod(1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0, 6.0, 0.0], [20.0, 5.0, 4.0]])
    x.grad = None
    x.cumprod(1).sum().backward()
    # row 0: d/dx of [a, ab, abc] summed with a=2, b=0, c=3
    np.testing.assert_array_equal(x.grad.numpy()[0], [1.0, 2.0 + 6.0, 0.0])
    np.testing.assert_array_equal(x.grad.numpy()[1], [1 + 4 + 20, 1 + 5, 4])


def test_norm_gradient_at_zero_is_zero():
    x = ember.zeros(3, requires_grad=True)
    x.norm().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0])


@pytest.mark.parametrize(
    ("reduce", "name"),
    [
        (lambda x: x.sum(), "SumBackward0"),
        (lambda x: x.sum(0), "SumBackward1"),
        (lambda x: x.mean(), "MeanBackward0"),
        (lambda x: x.mean((0, 1)), "MeanBackward1"),
        (lambda x: x.prod(), "ProdBackward0"),
        (lambda x: x.prod(1), "ProdBackward1"),
        (lambda x: x.max(), "MaxBackward1"),
        (lambda x: x.max(0).values, "MaxBackward0"),
        (lambda x: x.min(), "MinBackward1"),
        (lambda x: x.min(1)[0], "MinBackward0"),
        (lambda x: x.amax(0), "AmaxBackward0"),
        (lambda x: x.std(), "StdBackward0"),
        (lambda x: x.var(0), "VarBackward0"),
        (lambda x: x.norm(), "LinalgVectorNormBackward0"),
        (lambda x: x.logsumexp(1), "LogsumexpBackward0"),
        (lambda x: x.softmax(1), "SoftmaxBackward0"),
        (lambda x: x.log_softmax(0), "LogSoftmaxBackward0"),
        (lambda x: x.cumsum(0), "CumsumBackward0"),
        (lambda x: x.cumprod(1), "CumprodBackward0"),
        (lambda x: ember.nansum(x), "NansumBackward0"),
    ],
)
def test_reduction_grad_fn_names_match_pytorch(reduce, name):
    x = ember.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert type(reduce(x).grad_fn).__name__ == name


@pytest.mark.parametrize("shape", [(3, 5), (160, 128)])  # the second takes the broadcast gradient
def test_mean_gradient_spreads_evenly_and_leaves_get_writable_grads(shape):
    x = ember.randn(*shape, requires_grad=True)
    seen = []
    y = x * 3
    y.register_hook(lambda g: seen.append(g.numpy().copy()))
    (y**2).mean().backward()
    count = math.prod(shape)
    np.testing.assert_allclose(seen[0], 2 * y.detach().numpy() / count, rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), 18 * x.detach().numpy() / count, rtol=1e-5)
    x.grad.mul_(0)  # the accumulated gradient is the leaf's own buffer
    assert float(x.grad.abs().sum()) == 0.0
    z = ember.ones(*shape, requires_grad=True)
    z.mean().backward()
    np.testing.assert_array_equal(z.grad.numpy(), np.full(shape, 1 / count, dtype=np.float32))
