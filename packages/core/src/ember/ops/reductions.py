"""Reductions over dimensions: sum, mean, prod, max/min, var/std, norm, logsumexp, softmax, cumsum."""

from __future__ import annotations

import functools
import math
import warnings

from .. import _dtype as dt
from .._autograd._math import define, define_optional
from .._tensor import Tensor, _wrap_dim
from .._writes import write_out
from ._declare import export
from ._errors import kind_of, unordered
from ._op import Op, call, make
from .return_types import ReturnTuple

_INTEGRAL = frozenset("biu")
_HALF = dt.float16.numpy
_UNORDERED_ARG = frozenset((dt.bool_, *dt.COMPLEX_DTYPES))


def dims_of(dim, ndim: int) -> tuple | None:
    """Normalise dim (None, int, or a sequence) to a sorted tuple of non-negative axes (None: all)."""
    if dim is None:
        return None
    if isinstance(dim, int):
        axis = _wrap_dim(dim, ndim)
        return (axis,) if ndim else ()
    axes = [_wrap_dim(d, ndim) for d in dim]
    if len(set(axes)) != len(axes):
        repeated = next(a for a in axes if axes.count(a) > 1)
        raise RuntimeError(f"dim {repeated} appears multiple times in the list of dims; each dim may appear once")
    if not ndim:
        return ()
    return tuple(sorted(axes)) if axes else None


def kept_shape(shape: tuple, axes: tuple | int | None) -> tuple:
    """The shape of a reduction over `axes` (NumPy's axis: None, an int or a tuple) with keepdim=True."""
    if axes is None:
        return (1,) * len(shape)
    axes = _axis_tuple(axes, len(shape))
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _axis_tuple(axes: tuple | int, ndim: int) -> tuple:
    return tuple(a % ndim for a in ((axes,) if isinstance(axes, int) else axes))


def _spread_kernel(b, x, *, shape: tuple, divisor: int = 1):
    return b.broadcast_to(x if divisor == 1 else b.true_divide(x, divisor), shape)


# m.spread(x, shape=, divisor=1): x / divisor broadcast to shape, for reading; on arrays the backend's own
# `spread` (optional) may fill a new array where that is faster than a view
SPREAD = Op("spread", _spread_kernel, lambda m, ctx, g: (g / ctx.attrs["divisor"],), node="ExpandBackward0")
define(
    "spread",
    lambda m: getattr(m.backend, "spread", None) or functools.partial(_spread_kernel, m.backend),
    SPREAD.on_tensors,
)


def _sum_of_squares(m, x, mean: bool):
    return m.mean(x * x) if mean else m.sum(x * x)


# m.sum_of_squares(x, mean): sum(x * x), or its mean
define_optional("sum_of_squares", _sum_of_squares)


def kept(m, ctx, value):
    """A reduction's result (or its gradient) reshaped as if it had been computed with keepdims=True.

    (A reduction over every axis stays 0-d: it broadcasts against the input as it is.)
    """
    if ctx.attrs["keepdims"] or ctx.attrs["axis"] is None:
        return value
    return m.reshape(value, shape=kept_shape(ctx.input_shape(0), ctx.attrs["axis"]))


def expand_back(m, ctx, g):
    """Broadcast a reduced gradient back to the input's shape."""
    return m.spread(kept(m, ctx, g), shape=ctx.input_shape(0))


def numpy_keywords(
    name: str, given: dict, dim, keepdim: bool | None = None, *, dim_default=None, dim_required: bool = False
) -> tuple:
    """(dim, keepdim) after NumPy's spellings in `given`: ``axis=`` for dim, ``keepdims=`` for keepdim.

    PyTorch accepts them as aliases on reductions and scans; naming a dim twice, or a keyword
    the op does not take, is PyTorch's TypeError. `keepdim` None: the op has no keepdim.
    Callers pass `given` (their ``**numpy``) only when it is not empty, or to check a required dim.
    """
    for word, value in given.items():
        if word == "axis" and dim is dim_default:
            dim = value
        elif word == "keepdims" and keepdim is False:
            keepdim = value
        else:  # NOTE: PyTorch's message names the first keyword of the call, whichever was wrong
            raise TypeError(f"{name}() got an unexpected keyword argument '{next(iter(given))}'")
    if dim_required and dim is None:
        raise TypeError(f'{name}() missing 1 required positional arguments: "dim"')
    return dim, keepdim


def _count(shape: tuple, axes: tuple | int | None) -> int:
    if axes is None:
        return math.prod(shape)
    return math.prod(shape[a] for a in _axis_tuple(axes, len(shape)))


def _reduce(op: Op, input: Tensor, dim, keepdim: bool, **extra) -> Tensor:
    attrs = {"axis": dims_of(dim, input._data.ndim), "keepdims": keepdim, **extra}
    return call(op, (input,), (input._data,), input, attrs)


def _require_nonempty(name: str, input: Tensor, axes: tuple | None, error: type = RuntimeError) -> None:
    """Reductions without an identity (max, argmax, ...) refuse to reduce an empty extent."""
    shape = input._data.shape
    if axes is None:
        if input._data.size == 0:
            raise error(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument."
            )
        return
    for axis in axes:
        if shape[axis] == 0:
            raise IndexError(
                f"{name}(): Expected reduction dim {axis} to have non-zero size; the input has shape {list(shape)}."
            )


_type_word = dt.scalar_type_name


# --- sum, mean, prod -------------------------------------------------------------------


def _grad_sum(m, ctx, g):
    return (expand_back(m, ctx, g),)


_REDUCTION_DEFAULTS = {"axis": None, "keepdims": False}
SUM_ALL = Op("sum", "sum", _grad_sum, node="SumBackward0", defaults=_REDUCTION_DEFAULTS)
SUM_DIM = Op("sum", "sum", _grad_sum, node="SumBackward1", defaults=_REDUCTION_DEFAULTS, math="sum")


@export
def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out: Tensor | None = None, **numpy) -> Tensor:  # noqa: A001
    """Sum of elements, over all of them or over `dim` (an int or a tuple); integers sum in int64.

    >>> x = ember.tensor([[1., 2., 3.], [4., 5., 6.]])
    >>> ember.sum(x)
    tensor(21.)
    >>> ember.sum(x, dim=0)
    tensor([5., 7., 9.])
    >>> x.sum(dim=1, keepdim=True)
    tensor([[ 6.],
            [15.]])
    """
    if numpy:
        dim, keepdim = numpy_keywords("sum", numpy, dim, keepdim)
    if dtype is not None:
        native = dt.as_dtype(dtype).numpy
    else:
        native = None if input.dtype.inexact else dt.int64.numpy  # NOTE: integers sum in int64
    result = _reduce(SUM_ALL if dim is None else SUM_DIM, input, dim, keepdim, dtype=native)
    return result if out is None else write_out(out, result)


def _nansum_kernel(b, x, *, axis, keepdims):
    if kind_of(x) in _INTEGRAL:
        return b.sum(x, axis=axis, keepdims=keepdims, dtype="int64")
    return b.sum(b.where(b.isnan(x), 0, x), axis=axis, keepdims=keepdims)  # NOTE: as NumPy's nansum computes it


def _grad_nansum(m, ctx, g):
    (x,) = ctx.saved
    return (m.where(m.isnan(x), 0, expand_back(m, ctx, g)),)


NANSUM = Op("nansum", _nansum_kernel, _grad_nansum, node="NansumBackward0", saves=(0,))


@export
def nansum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, **numpy) -> Tensor:
    """Sum treating NaN as zero."""
    if numpy:
        dim, keepdim = numpy_keywords("nansum", numpy, dim, keepdim)
    if dtype is not None:
        input = input.to(dt.as_dtype(dtype))
    return _reduce(NANSUM, input, dim, keepdim)


def _grad_mean(m, ctx, g):
    shape = ctx.input_shape(0)
    return (m.spread(kept(m, ctx, g), shape=shape, divisor=_count(shape, ctx.attrs["axis"])),)


MEAN_ALL = Op("mean", "mean", _grad_mean, node="MeanBackward0", defaults=_REDUCTION_DEFAULTS)
MEAN_DIM = Op("mean", "mean", _grad_mean, node="MeanBackward1", defaults=_REDUCTION_DEFAULTS, math="mean")


@export
def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out: Tensor | None = None, **numpy) -> Tensor:
    """Mean of elements, over all of them or over `dim`.

    >>> x = ember.tensor([[1., 2.], [3., 4.]])
    >>> ember.mean(x)
    tensor(2.5000)
    >>> x.mean(dim=1)
    tensor([1.5000, 3.5000])
    """
    if numpy:
        dim, keepdim = numpy_keywords("mean", numpy, dim, keepdim)
    if dtype is not None:
        input = input.to(dt.as_dtype(dtype))
    if not input.dtype.inexact:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or complex "
            f"dtype. Got: {_type_word(input.dtype)}. Convert first, e.g. t.float().mean(), or pass dtype="
        )
    result = _reduce(MEAN_ALL if dim is None else MEAN_DIM, input, dim, keepdim)
    return result if out is None else write_out(out, result)


def _prod_kernel(b, x, *, axis, keepdims, dtype):
    if dtype is None and kind_of(x) in _INTEGRAL:
        dtype = "int64"
    return b.prod(x, axis=axis, keepdims=keepdims, dtype=dtype)


def _exclusive_cumprod(m, x, axis: int):
    """Products of the elements strictly before each position along `axis` (no division)."""
    lead = (slice(None),) * axis
    shifted = x[(*lead, slice(0, x.shape[axis] - 1), Ellipsis)]
    ones = m.full_like(x, value=1, shape=kept_shape(x.shape, (axis,)))
    return m.cumprod(m.concat(ones, shifted, axis=axis), axis=axis, dtype=None)


def _product_of_others(m, x, axis: int):
    """For each element, the product of the others along `axis` (exact when some are zero)."""
    before = _exclusive_cumprod(m, x, axis)
    after = m.flip(_exclusive_cumprod(m, m.flip(x, axes=(axis,)), axis), axes=(axis,))
    return before * after


# m.any_true(x): whether any element of x is true, as a Python bool
define("any_true", lambda m: lambda x: bool(m.backend.any(x)), lambda m: lambda x: bool(x.any()))


def _grad_prod(m, ctx, g):
    (x,) = ctx.saved
    g = expand_back(m, ctx, g)
    if not m.any_true(x == 0):
        return (g * kept(m, ctx, ctx.out) / x,)
    axes = ctx.attrs["axis"]
    if axes is None:
        flat = m.reshape(x, shape=(-1,) if x.shape else (1,))
        return (g * m.reshape(_product_of_others(m, flat, 0), shape=tuple(x.shape)),)
    return (g * _product_of_others(m, x, axes[0]),)


PROD_ALL = Op("prod", _prod_kernel, _grad_prod, node="ProdBackward0", saves=(0,), saves_output=True)
PROD_DIM = Op("prod", _prod_kernel, _grad_prod, node="ProdBackward1", saves=(0,), saves_output=True)


@export
def prod(input: Tensor, dim: int | None = None, keepdim: bool = False, *, dtype=None, **numpy) -> Tensor:
    """Product of elements, over all of them or along one `dim`; integers multiply in int64."""
    if numpy:
        dim, keepdim = numpy_keywords("prod", numpy, dim, keepdim)
    if dim is not None and not isinstance(dim, int):
        raise TypeError(f"prod(): argument 'dim' must be int, not {type(dim).__name__}")
    native = None if dtype is None else dt.as_dtype(dtype).numpy
    return _reduce(PROD_ALL if dim is None else PROD_DIM, input, dim, keepdim, dtype=native)


# --- max, min, argmax, argmin, amax, amin ---------------------------------------------


def _grad_even(m, ctx, g):
    """Gradient of a full max/min (or amax/amin): shared evenly among the tied extreme elements."""
    (x,) = ctx.saved
    out = kept(m, ctx, ctx.out)
    hit = m.astype((x == out) | (m.isnan(x) & m.isnan(out)), dtype=m.dtype_of(g))
    count = m.sum(hit, axis=ctx.attrs["axis"], keepdims=True)
    return (expand_back(m, ctx, g) * hit / count,)


def _extreme_kernel(kind: str):
    def kernel(b, x, *, axis, keepdims):
        return getattr(b, kind)(x, axis=axis, keepdims=keepdims)

    return kernel


MAX_ALL = Op("max", _extreme_kernel("max"), _grad_even, node="MaxBackward1", saves=(0,), saves_output=True)
MIN_ALL = Op("min", _extreme_kernel("min"), _grad_even, node="MinBackward1", saves=(0,), saves_output=True)
AMAX = Op("amax", _extreme_kernel("max"), _grad_even, node="AmaxBackward0", saves=(0,), saves_output=True)
AMIN = Op("amin", _extreme_kernel("min"), _grad_even, node="AminBackward0", saves=(0,), saves_output=True)


def _grad_pick(m, ctx, g):
    """Gradient of max/min along a dim: flows to the element each index picked."""
    zeros = m.full_like(g, value=0, shape=ctx.input_shape(0))
    axis = ctx.attrs["axis"][0]
    return (m.scatter_add(zeros, kept(m, ctx, g), axis=axis, index=ctx.attrs["index"], reduce="add"),)


def _pick_kernel(b, x, *, axis, keepdims, index):
    picked = b.take_along_axis(x, index._data, axis[0])
    return picked if keepdims else b.squeeze(picked, axis=axis)


MAX_DIM = Op("max", _pick_kernel, _grad_pick, node="MaxBackward0")
MIN_DIM = Op("min", _pick_kernel, _grad_pick, node="MinBackward0")


def _extreme(kind: str, input: Tensor, dim, keepdim: bool, other):
    if isinstance(dim, Tensor) or other is not None:
        from .elementwise import maximum, minimum

        return (maximum if kind == "max" else minimum)(input, dim if other is None else other)
    if input.dtype.is_complex:
        raise unordered(f"{kind}_all", input) if dim is None else unordered(f"{kind}()", input, RuntimeError)
    if dim is None:
        _require_nonempty(kind, input, None)
        return _reduce(MAX_ALL if kind == "max" else MIN_ALL, input, None, False)
    if not isinstance(dim, int):
        raise TypeError(f"{kind}(): argument 'dim' must be int, not {type(dim).__name__}")
    axis = _wrap_dim(dim, input._data.ndim)
    if input._data.ndim == 0:
        return ReturnTuple(kind, input.clone(), input.new_zeros((), dtype=dt.int64))
    _require_nonempty(kind, input, (axis,))
    index = _arg_indices("arg" + kind, input, axis, True)
    op = MAX_DIM if kind == "max" else MIN_DIM
    values = call(op, (input,), (input._data,), input, {"axis": (axis,), "keepdims": keepdim, "index": index})
    return ReturnTuple(kind, values, index if keepdim else index.squeeze(axis))


@export
def max(input: Tensor, dim=None, keepdim: bool = False, *, other=None, **numpy):  # noqa: A001
    """The largest element; with `dim`, (values, indices) along it; with a tensor, `maximum`.

    >>> x = ember.tensor([[1, 5, 2], [7, 0, 3]])
    >>> ember.max(x)
    tensor(7)
    >>> ember.max(x, dim=1)
    ember.return_types.max(
    values=tensor([5, 7]),
    indices=tensor([1, 0]))
    >>> values, indices = x.max(dim=0)
    >>> indices
    tensor([1, 0, 1])
    """
    if numpy:
        dim, keepdim = numpy_keywords("max", numpy, dim, keepdim)
    return _extreme("max", input, dim, keepdim, other)


@export
def min(input: Tensor, dim=None, keepdim: bool = False, *, other=None, **numpy):  # noqa: A001
    """The smallest element; with `dim`, (values, indices) along it; with a tensor, `minimum`."""
    if numpy:
        dim, keepdim = numpy_keywords("min", numpy, dim, keepdim)
    return _extreme("min", input, dim, keepdim, other)


def _amax_like(op: Op, input: Tensor, dim, keepdim: bool) -> Tensor:
    if input.dtype.is_complex:
        raise unordered(f"{op.name[1:]}_values_cpu", input)
    axes = dims_of(None if dim == () else dim, input._data.ndim)
    _require_nonempty(op.name, input, axes)
    return call(op, (input,), (input._data,), input, {"axis": axes, "keepdims": keepdim})


@export
def amax(input: Tensor, dim=(), keepdim: bool = False, **numpy) -> Tensor:
    """The largest element over `dim` (all dims by default); ties share the gradient."""
    if numpy:
        dim, keepdim = numpy_keywords("amax", numpy, dim, keepdim, dim_default=())
    return _amax_like(AMAX, input, dim, keepdim)


@export
def amin(input: Tensor, dim=(), keepdim: bool = False, **numpy) -> Tensor:
    """The smallest element over `dim` (all dims by default); ties share the gradient."""
    if numpy:
        dim, keepdim = numpy_keywords("amin", numpy, dim, keepdim, dim_default=())
    return _amax_like(AMIN, input, dim, keepdim)


def _arg_indices(kind: str, input: Tensor, axis: int, keepdim: bool) -> Tensor:
    b = input._backend
    data = getattr(b, kind)(input._data, axis=axis, keepdims=keepdim)
    if type(data) is not b.ndarray:
        data = b.xp.asarray(data)
    return make(data if b.dtypes[data.dtype] is dt.int64 else b.astype(data, dt.int64), input)


def _arg(kind: str, input: Tensor, dim, keepdim: bool) -> Tensor:
    if input.dtype in _UNORDERED_ARG:
        if input.dtype.is_complex:
            raise unordered(f"{kind}()", input, RuntimeError)
        raise RuntimeError(f"{kind}(): does not support bool input; convert first, e.g. t.int().{kind}()")
    if dim is None:
        _require_nonempty(kind, input, None, IndexError)
        result = _arg_indices(kind, input.reshape(-1), 0, False)
        return result.reshape((1,) * input.ndim) if keepdim else result
    axis = _wrap_dim(dim, input._data.ndim)
    if input._data.ndim == 0:
        return input.new_zeros((), dtype=dt.int64)
    _require_nonempty(kind, input, (axis,))
    return _arg_indices(kind, input, axis, keepdim)


@export
def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False, **numpy) -> Tensor:
    """Index of the largest element (of the flattened input when dim is None); the first one on ties.

    >>> ember.argmax(ember.tensor([[1, 5, 2], [7, 0, 3]]), dim=1)
    tensor([1, 0])
    """
    if numpy:
        dim, keepdim = numpy_keywords("argmax", numpy, dim, keepdim)
    return _arg("argmax", input, dim, keepdim)


@export
def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False, **numpy) -> Tensor:
    """Index of the smallest element (of the flattened input when dim is None); the first one on ties."""
    if numpy:
        dim, keepdim = numpy_keywords("argmin", numpy, dim, keepdim)
    return _arg("argmin", input, dim, keepdim)


# --- all, any ---------------------------------------------------------------------------


def _logical_reduce(kind: str, input: Tensor, dim, keepdim: bool) -> Tensor:
    axes = dims_of(dim, input._data.ndim)
    result = make(getattr(input._backend, kind)(input._data, axis=axes, keepdims=keepdim), input)
    # NOTE: PyTorch keeps uint8 for uint8 inputs (a legacy of byte masks); every other dtype gives bool.
    return result.to(dt.uint8) if input.dtype is dt.uint8 else result


@export
def all(input: Tensor, dim=None, keepdim: bool = False, **numpy) -> Tensor:  # noqa: A001
    """True where every element (over `dim`) is nonzero."""
    if numpy:
        dim, keepdim = numpy_keywords("all", numpy, dim, keepdim)
    return _logical_reduce("all", input, dim, keepdim)


@export
def any(input: Tensor, dim=None, keepdim: bool = False, **numpy) -> Tensor:  # noqa: A001
    """True where some element (over `dim`) is nonzero."""
    if numpy:
        dim, keepdim = numpy_keywords("any", numpy, dim, keepdim)
    return _logical_reduce("any", input, dim, keepdim)


@export
def count_nonzero(input: Tensor, dim=None, **numpy) -> Tensor:
    """Number of nonzero elements (over `dim`), as int64."""
    if numpy:
        dim, _ = numpy_keywords("count_nonzero", numpy, dim)
    return (input != 0).sum(dim)


# --- var, std ---------------------------------------------------------------------------


def _deviation_kernel(kind: str):
    def kernel(b, x, *, axis, keepdims, correction):
        if _count(x.shape, axis) - correction <= 0:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                return getattr(b, kind)(x, axis=axis, keepdims=keepdims, ddof=correction)
        return getattr(b, kind)(x, axis=axis, keepdims=keepdims, ddof=correction)

    return kernel


def _centered(m, ctx):
    (x,) = ctx.saved
    return x - m.mean(x, axis=ctx.attrs["axis"], keepdims=True)


def _dof(ctx) -> int:
    return _count(ctx.input_shape(0), ctx.attrs["axis"]) - ctx.attrs["correction"]


def _grad_var(m, ctx, g):
    return (expand_back(m, ctx, g) * 2 * _centered(m, ctx) / _dof(ctx),)


def _grad_std(m, ctx, g):
    return (expand_back(m, ctx, g) * _centered(m, ctx) / (_dof(ctx) * kept(m, ctx, ctx.out)),)


VAR = Op("var", _deviation_kernel("var"), _grad_var, node="VarBackward0", saves=(0,), math="var")
STD = Op("std", _deviation_kernel("std"), _grad_std, node="StdBackward0", saves=(0,), saves_output=True)


def _spread(op: Op, input: Tensor, dim, unbiased, keepdim, correction) -> Tensor:
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    if not input.dtype.is_floating_point:
        if input.dtype.is_complex and op is VAR:  # NOTE: the mean squared size of the deviations
            return _spread(op, input.real, dim, unbiased, keepdim, correction) + _spread(
                op, input.imag, dim, unbiased, keepdim, correction
            )
        if input.dtype.is_complex:
            return _spread(VAR, input, dim, unbiased, keepdim, correction).sqrt()
        raise RuntimeError(
            f"std and var only support floating point and complex dtypes; {op.name}() got {input.dtype}. "
            f"Convert first, e.g. t.float().{op.name}()"
        )
    if correction is None:
        correction = 0 if unbiased is False else 1
    axes = dims_of(dim, input._data.ndim)
    if _count(input.shape, axes) - correction <= 0:
        warnings.warn(
            f"{op.name}(): degrees of freedom is <= 0. Correction should be strictly less than the reduction "
            "factor (input numel divided by output numel).",
            UserWarning,
            stacklevel=3,
        )
    return call(op, (input,), (input._data,), input, {"axis": axes, "keepdims": keepdim, "correction": correction})


@export
def var(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, **numpy) -> Tensor:
    """Variance (Bessel-corrected unless unbiased=False or correction=0)."""
    if numpy:
        dim, keepdim = numpy_keywords("var", numpy, dim, keepdim)
    return _spread(VAR, input, dim, unbiased, keepdim, correction)


@export
def std(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, **numpy) -> Tensor:
    """Standard deviation (Bessel-corrected unless unbiased=False or correction=0)."""
    if numpy:
        dim, keepdim = numpy_keywords("std", numpy, dim, keepdim)
    return _spread(STD, input, dim, unbiased, keepdim, correction)


@export
def var_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, **numpy):
    """(var, mean) over the same dims."""
    if numpy:
        dim, keepdim = numpy_keywords("var_mean", numpy, dim, keepdim)
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


@export
def std_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, **numpy):
    """(std, mean) over the same dims."""
    if numpy:
        dim, keepdim = numpy_keywords("std_mean", numpy, dim, keepdim)
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


# --- norm, logsumexp ------------------------------------------------------------------


def _norm_kernel(b, x, *, axis, keepdims, p):
    magnitude = b.abs(x)
    if p == math.inf:
        return b.max(magnitude, axis=axis, keepdims=keepdims)
    if p == -math.inf:
        return b.min(magnitude, axis=axis, keepdims=keepdims)
    if p == 2:
        return b.sqrt(b.sum(magnitude * magnitude, axis=axis, keepdims=keepdims))
    if p == 1:
        return b.sum(magnitude, axis=axis, keepdims=keepdims)
    if p == 0:
        return b.astype(b.sum(magnitude != 0, axis=axis, keepdims=keepdims), b.dtypes[x.dtype])
    return b.astype(b.sum(magnitude**p, axis=axis, keepdims=keepdims) ** (1.0 / p), b.dtypes[x.dtype])


def _grad_norm(m, ctx, g):
    (x,) = ctx.saved
    p = ctx.attrs["p"]
    if p == 0:
        return (None,)  # as PyTorch: the 0-"norm" (a count) passes no gradient at all
    out = kept(m, ctx, ctx.out)
    g = expand_back(m, ctx, g)
    if p == 1:
        return (g * m.sign(x),)
    if math.isinf(p):
        hit = m.astype(m.abs(x) == out, dtype=m.dtype_of(g))
        count = m.sum(hit, axis=ctx.attrs["axis"], keepdims=True)
        return (g * m.sign(x) * hit / count,)
    if p == 2:
        return (g * x / m.where(out == 0, 1, out),)
    # NOTE: p < 1 has an infinite slope at zero entries; PyTorch reports 0 there, as does this form.
    scale = (m.abs(x) / m.where(out == 0, 1, out)) ** (p - 1)
    return (g * m.sign(x) * m.where(x == 0, 0, scale),)


NORM = Op("norm", _norm_kernel, _grad_norm, node="LinalgVectorNormBackward0", saves=(0,), saves_output=True)


@export
def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, out=None, dtype=None) -> Tensor:
    """Vector p-norm over all elements or `dim` ("fro" is the 2-norm)."""
    if p == "fro" and isinstance(dim, (tuple, list)) and len(dim) > 2:
        raise RuntimeError(
            f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dim))}; "
            "for a vector norm over more dims pass a number as p (e.g. p=2)"
        )
    if p in ("fro", None):
        p = 2
    if isinstance(p, str):
        raise NotImplementedError(f"norm(): p={p!r} is not supported; use p='fro' or a number")
    if dtype is not None:
        input = input.to(dt.as_dtype(dtype))
    if not input.dtype.is_floating_point:
        if input.dtype.is_complex:
            return norm(input.abs(), p, dim, keepdim, out)  # NOTE: a norm of complex numbers is one of their sizes
        raise RuntimeError(
            "linalg.vector_norm: Expected a floating point or complex tensor as input. "
            f"Got {_type_word(input.dtype)}; convert first, e.g. t.float().norm()"
        )
    axes = dims_of(dim, input._data.ndim)
    p = float(p)
    if math.isinf(p) and input.numel() == 0 and (axes is None or _count(input.shape, axes) == 0):
        raise RuntimeError(
            f"linalg.vector_norm cannot compute the {p} norm on an empty tensor because the operation "
            "does not have an identity"
        )
    result = call(NORM, (input,), (input._data,), input, {"axis": axes, "keepdims": keepdim, "p": p})
    return result if out is None else write_out(out, result)


def _logsumexp_kernel(b, x, *, axis, keepdims):
    if x.size == 0:
        return b.log(b.sum(b.exp(x), axis=axis, keepdims=keepdims))
    peak = b.max(x, axis=axis, keepdims=True)
    peak = b.where(b.isfinite(peak), peak, 0)
    total = b.log(b.sum(b.exp(x - peak), axis=axis, keepdims=True)) + peak
    return total if keepdims else b.squeeze(total, axis=axis)


def _grad_logsumexp(m, ctx, g):
    (x,) = ctx.saved
    return (expand_back(m, ctx, g) * m.exp(x - kept(m, ctx, ctx.out)),)


LOGSUMEXP = Op(
    "logsumexp", _logsumexp_kernel, _grad_logsumexp, node="LogsumexpBackward0", saves=(0,), saves_output=True
)


@export
def logsumexp(input: Tensor, dim=None, keepdim: bool = False, **numpy) -> Tensor:
    """log(sum(exp(input))) over `dim`, computed without overflow."""
    if numpy or dim is None:
        dim, keepdim = numpy_keywords("logsumexp", numpy, dim, keepdim, dim_required=True)
    if not input.dtype.is_floating_point:
        input = input.to(dt.get_default_dtype())
    return _reduce(LOGSUMEXP, input, dim, keepdim)


# --- softmax family ---------------------------------------------------------------------


def _softmax_kernel(b, x, *, axis):
    fused = getattr(b, "fused_softmax", None)
    if fused is not None:
        return fused(x, axis)
    if x.size == 0:
        return b.copy(x)
    shifted = b.exp(x - b.max(x, axis=axis, keepdims=True))
    return shifted / b.sum(shifted, axis=axis, keepdims=True)


def _log_softmax_kernel(b, x, *, axis):
    if x.size == 0:
        return b.copy(x)
    fused = getattr(b, "fused_log_softmax", None)
    if fused is not None:
        return fused(x, axis)
    shifted = x - b.max(x, axis=axis, keepdims=True)
    return shifted - b.log(b.sum(b.exp(shifted), axis=axis, keepdims=True))


def _grad_softmax(m, ctx, g):
    out = ctx.out
    return (out * (g - m.sum(g * out, axis=ctx.attrs["axis"], keepdims=True)),)


def _grad_log_softmax(m, ctx, g):
    return (g - m.exp(ctx.out) * m.sum(g, axis=ctx.attrs["axis"], keepdims=True),)


SOFTMAX = Op("softmax", _softmax_kernel, _grad_softmax, node="SoftmaxBackward0", saves_output=True, math="softmax")
LOG_SOFTMAX = Op(
    "log_softmax",
    _log_softmax_kernel,
    _grad_log_softmax,
    node="LogSoftmaxBackward0",
    saves_output=True,
    math="log_softmax",
)


def _softmax_like(op: Op, input: Tensor, dim, dtype) -> Tensor:
    if dim is None:
        dim = 0 if input.ndim in (0, 1, 3) else 1
    axis = _wrap_dim(dim, input._data.ndim)
    if input._data.ndim == 0:
        axis = None
    if dtype is not None:
        input = input.to(dt.as_dtype(dtype))
    elif not input.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"{op.name}_kernel_impl\" not implemented for '{_type_word(input.dtype)}'; "
            f"pass dtype=ember.float32 or convert first, e.g. t.float().{op.name}(dim)"
        )
    return call(op, (input,), (input._data,), input, {"axis": axis})


@export
def softmax(input: Tensor, dim: int | None = None, dtype=None, **numpy) -> Tensor:
    """exp(x) / sum(exp(x)) along `dim`, computed stably."""
    if numpy:
        dim, _ = numpy_keywords("softmax", numpy, dim)
    return _softmax_like(SOFTMAX, input, dim, dtype)


@export
def log_softmax(input: Tensor, dim: int | None = None, dtype=None, **numpy) -> Tensor:
    """x - logsumexp(x) along `dim`."""
    if numpy:
        dim, _ = numpy_keywords("log_softmax", numpy, dim)
    return _softmax_like(LOG_SOFTMAX, input, dim, dtype)


# --- cumulative ---------------------------------------------------------------------------


def _scan_dtype(input: Tensor, dtype):
    """The NumPy dtype a running sum/product computes in: as asked, else int64 for integers."""
    if dtype is not None:
        return dt.as_dtype(dtype).numpy
    return None if input.dtype.inexact else dt.int64.numpy


def _scan(op: Op, input: Tensor, dim: int, dtype) -> Tensor:
    axis = _wrap_dim(dim, input._data.ndim)
    native = _scan_dtype(input, dtype)
    if input._data.ndim == 0:
        input = input.reshape(1)
        return call(op, (input,), (input._data,), input, {"axis": 0, "dtype": native}).reshape(())
    return call(op, (input,), (input._data,), input, {"axis": axis, "dtype": native})


def _reversed_cumsum(m, g, axis: int):
    """Running sums from the end along axis."""
    return m.flip(m.cumsum(m.flip(g, axes=(axis,)), axis=axis, dtype=None), axes=(axis,))


CUMSUM = Op(
    "cumsum",
    lambda b, x, *, axis, dtype: b.cumsum(x, axis=axis, dtype=dtype),
    lambda m, ctx, g: (_reversed_cumsum(m, g, ctx.attrs["axis"]),),
    node="CumsumBackward0",
    math="cumsum",
)


@export
def cumsum(input: Tensor, dim: int | None = None, *, dtype=None, **numpy) -> Tensor:
    """Running sum along `dim` (integers and bools accumulate in int64)."""
    if numpy or dim is None:
        dim, _ = numpy_keywords("cumsum", numpy, dim, dim_required=True)
    return _scan(CUMSUM, input, dim, dtype)


def _cumsum_(self: Tensor, dim: int | None = None, *, dtype=None, **numpy) -> Tensor:
    self.copy_(cumsum(self, dim, dtype=dtype, **numpy))
    return self


Tensor.cumsum_ = _cumsum_


def _grad_cumprod(m, ctx, g):
    (x,) = ctx.saved
    axis = ctx.attrs["axis"]
    if not m.any_true(x == 0):
        return (_reversed_cumsum(m, g * ctx.out, axis) / x,)
    # NOTE: with zeros, grad_i = before_i * s_i where s_i = g_i + x_{i+1} * s_{i+1} (no division).
    lead = (slice(None),) * axis
    n = x.shape[axis]
    suffix = [None] * n
    running = g[(*lead, slice(n - 1, n), Ellipsis)]
    suffix[n - 1] = running
    for i in range(n - 2, -1, -1):
        running = g[(*lead, slice(i, i + 1), Ellipsis)] + x[(*lead, slice(i + 1, i + 2), Ellipsis)] * running
        suffix[i] = running
    return (_exclusive_cumprod(m, x, axis) * m.concat(*suffix, axis=axis),)


CUMPROD = Op(
    "cumprod",
    lambda b, x, *, axis, dtype: b.cumprod(x, axis=axis, dtype=dtype),
    _grad_cumprod,
    node="CumprodBackward0",
    saves=(0,),
    saves_output=True,
    math="cumprod",
)


@export
def cumprod(input: Tensor, dim: int | None = None, *, dtype=None, **numpy) -> Tensor:
    """Running product along `dim` (integers and bools accumulate in int64)."""
    if numpy or dim is None:
        dim, _ = numpy_keywords("cumprod", numpy, dim, dim_required=True)
    return _scan(CUMPROD, input, dim, dtype)
