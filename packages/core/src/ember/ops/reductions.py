"""Reductions over dimensions: sum, mean, prod, max/min, var/std, norm, logsumexp, softmax, cumsum."""

from __future__ import annotations

import math

from .. import _dtype as dt
from .._tensor import Tensor, _wrap_dim
from ._declare import export
from ._dispatch import Op, call, make, write_out
from .return_types import ReturnTuple


def dims_of(dim, ndim: int) -> tuple | None:
    """Normalise dim (None, int, or a sequence) to a sorted tuple of non-negative axes."""
    if dim is None:
        return None
    if isinstance(dim, int):
        return (_wrap_dim(dim, ndim),) if ndim else ()
    axes = tuple(sorted({_wrap_dim(d, ndim) for d in dim})) if ndim else ()
    return axes if axes or ndim == 0 else None


def kept_shape(shape: tuple, axes: tuple | None) -> tuple:
    """The shape of a reduction over `axes` with keepdim=True."""
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def expand_back(ctx, g: Tensor) -> Tensor:
    """Broadcast a reduced gradient back to the input's shape."""
    shape = ctx.input_shape(0)
    axes = ctx.attrs["axes"]
    if not ctx.attrs["keepdim"]:
        g = g.reshape(kept_shape(shape, axes))
    return g.expand(shape)


def _count(shape: tuple, axes: tuple | None) -> int:
    if axes is None:
        return math.prod(shape)
    return math.prod(shape[a] for a in axes)


def _reduce(op: Op, input: Tensor, dim, keepdim: bool, **extra) -> Tensor:
    axes = dims_of(dim, input._data.ndim)
    attrs = {"axes": axes, "keepdim": keepdim, **extra}
    return call(op, (input,), (input._data,), input, attrs)


# --- sum, mean, prod -------------------------------------------------------------------


def _sum_kernel(b, x, axes, keepdim, dtype):
    if dtype is None and x.dtype.kind in "biu":
        dtype = "int64"
    return b.sum(x, axis=axes, keepdims=keepdim, dtype=dtype)


SUM_ALL = Op("sum", _sum_kernel, lambda ctx, g: (expand_back(ctx, g),), node="SumBackward0")
SUM_DIM = Op("sum", _sum_kernel, lambda ctx, g: (expand_back(ctx, g),), node="SumBackward1")


@export
def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out: Tensor | None = None) -> Tensor:  # noqa: A001
    """Sum of elements, over all of them or over `dim` (an int or a tuple)."""
    native = None if dtype is None else dt.as_dtype(dtype).numpy
    result = _reduce(SUM_ALL if dim is None else SUM_DIM, input, dim, keepdim, dtype=native)
    return result if out is None else write_out(out, result)


@export
def nansum(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    return sum(input.where(~input.isnan(), 0), dim, keepdim)


def _mean_kernel(b, x, axes, keepdim):
    return b.mean(x, axis=axes, keepdims=keepdim)


def _grad_mean(ctx, g):
    return (expand_back(ctx, g) / _count(ctx.input_shape(0), ctx.attrs["axes"]),)


MEAN_ALL = Op("mean", _mean_kernel, _grad_mean, node="MeanBackward0")
MEAN_DIM = Op("mean", _mean_kernel, _grad_mean, node="MeanBackward1")


@export
def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out: Tensor | None = None) -> Tensor:
    """Mean of elements, over all of them or over `dim`."""
    if dtype is not None:
        input = input.to(dt.as_dtype(dtype))
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or complex "
            f"dtype. Got: {_dtype_word(input.dtype)}. Convert first, e.g. t.float().mean()"
        )
    result = _reduce(MEAN_ALL if dim is None else MEAN_DIM, input, dim, keepdim)
    return result if out is None else write_out(out, result)


def _dtype_word(d: dt.dtype) -> str:
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}.get(
        d.name, d.name
    )


def _prod_kernel(b, x, axes, keepdim):
    dtype = "int64" if x.dtype.kind in "biu" else None
    return b.prod(x, axis=axes, keepdims=keepdim, dtype=dtype)


def _grad_prod(ctx, g):
    (x,) = ctx.saved
    out = ctx.output()
    if not ctx.attrs["keepdim"]:
        out = out.reshape(kept_shape(x.shape, ctx.attrs["axes"]))
    return (expand_back(ctx, g) * out / x,)


PROD_ALL = Op("prod", _prod_kernel, _grad_prod, node="ProdBackward0", saves=(0,), saves_output=True)
PROD_DIM = Op("prod", _prod_kernel, _grad_prod, node="ProdBackward1", saves=(0,), saves_output=True)


@export
def prod(input: Tensor, dim: int | None = None, keepdim: bool = False, *, dtype=None) -> Tensor:
    if dtype is not None:
        input = input.to(dt.as_dtype(dtype))
    return _reduce(PROD_ALL if dim is None else PROD_DIM, input, dim, keepdim)


# --- max, min, argmax, argmin, amax, amin ---------------------------------------------


def _grad_even(ctx, g):
    """Gradient of a full max/min (or amax/amin): shared evenly among the tied extreme elements."""
    (x,) = ctx.saved
    out = ctx.output()
    if not ctx.attrs["keepdim"]:
        out = out.reshape(kept_shape(x.shape, ctx.attrs["axes"]))
    hit = (x == out).to(g.dtype)
    count = hit.sum(ctx.attrs["axes"], keepdim=True) if ctx.attrs["axes"] is not None else hit.sum()
    return (expand_back(ctx, g) * hit / count,)


def _extreme_kernel(kind: str):
    def kernel(b, x, axes, keepdim):
        if x.size == 0:
            raise RuntimeError(
                f"{kind}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument."
            )
        return getattr(b, kind)(x, axis=axes, keepdims=keepdim)

    return kernel


MAX_ALL = Op("max", _extreme_kernel("max"), _grad_even, node="MaxBackward1", saves=(0,), saves_output=True)
MIN_ALL = Op("min", _extreme_kernel("min"), _grad_even, node="MinBackward1", saves=(0,), saves_output=True)
AMAX = Op("amax", _extreme_kernel("max"), _grad_even, node="AmaxBackward0", saves=(0,), saves_output=True)
AMIN = Op("amin", _extreme_kernel("min"), _grad_even, node="AminBackward0", saves=(0,), saves_output=True)


def _grad_pick(ctx, g):
    """Gradient of max/min along a dim: flows to the element each index picked."""
    shape = ctx.input_shape(0)
    axis = ctx.attrs["axes"][0]
    index = ctx.attrs["index"]
    if not ctx.attrs["keepdim"]:
        g = g.unsqueeze(axis)
    zeros = g.new_zeros(shape)
    return (zeros.scatter(axis, index, g),)


def _pick_kernel(b, x, axes, keepdim, index):
    picked = b.take_along_axis(x, index._data, axes[0])
    return picked if keepdim else b.squeeze(picked, axis=axes)


MAX_DIM = Op("max", _pick_kernel, _grad_pick, node="MaxBackward0")
MIN_DIM = Op("min", _pick_kernel, _grad_pick, node="MinBackward0")


def _extreme(kind: str, input: Tensor, dim, keepdim: bool, other):
    if isinstance(dim, Tensor) or other is not None:
        from .elementwise import maximum, minimum

        return (maximum if kind == "max" else minimum)(input, dim if other is None else other)
    if dim is None:
        return _reduce(MAX_ALL if kind == "max" else MIN_ALL, input, None, False)
    axis = _wrap_dim(dim, input._data.ndim)
    if input._data.ndim == 0:
        return ReturnTuple(kind, input.clone(), input.new_zeros((), dtype=dt.int64))
    index_data = getattr(input._backend, "arg" + kind)(input._data, axis=axis, keepdims=True)
    index = make(index_data, input).to(dt.int64)
    values = call(
        MAX_DIM if kind == "max" else MIN_DIM,
        (input,),
        (input._data,),
        input,
        {"axes": (axis,), "keepdim": keepdim, "index": index},
    )
    return ReturnTuple(kind, values, index if keepdim else index.squeeze(axis))


@export
def max(input: Tensor, dim=None, keepdim: bool = False, *, other=None):  # noqa: A001
    """The largest element; with `dim`, (values, indices) along it; with a tensor, `maximum`."""
    return _extreme("max", input, dim, keepdim, other)


@export
def min(input: Tensor, dim=None, keepdim: bool = False, *, other=None):  # noqa: A001
    """The smallest element; with `dim`, (values, indices) along it; with a tensor, `minimum`."""
    return _extreme("min", input, dim, keepdim, other)


@export
def amax(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    return _reduce(AMAX, input, None if dim == () else dim, keepdim)


@export
def amin(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    return _reduce(AMIN, input, None if dim == () else dim, keepdim)


def _arg(kind: str, input: Tensor, dim, keepdim: bool) -> Tensor:
    backend = input._backend
    if dim is None:
        flat = backend.reshape(input._data, (-1,))
        data = getattr(backend, kind)(flat)
        result = make(backend.xp.asarray(data, dtype="int64"), input)
        return result.reshape((1,) * input.ndim) if keepdim else result
    data = getattr(backend, kind)(input._data, axis=_wrap_dim(dim, input._data.ndim), keepdims=keepdim)
    return make(backend.xp.asarray(data, dtype="int64"), input)


@export
def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    return _arg("argmax", input, dim, keepdim)


@export
def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    return _arg("argmin", input, dim, keepdim)


# --- all, any ---------------------------------------------------------------------------


def _logical_reduce(kind: str, input: Tensor, dim, keepdim: bool) -> Tensor:
    axes = dims_of(dim, input._data.ndim)
    return make(getattr(input._backend, kind)(input._data, axis=axes, keepdims=keepdim), input)


@export
def all(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    return _logical_reduce("all", input, dim, keepdim)


@export
def any(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    return _logical_reduce("any", input, dim, keepdim)


@export
def count_nonzero(input: Tensor, dim=None) -> Tensor:
    return (input != 0).sum(dim)


# --- var, std ---------------------------------------------------------------------------


def _var_kernel(b, x, axes, keepdim, correction):
    return b.var(x, axis=axes, keepdims=keepdim, ddof=correction)


def _std_kernel(b, x, axes, keepdim, correction):
    return b.std(x, axis=axes, keepdims=keepdim, ddof=correction)


def _centered(ctx) -> Tensor:
    (x,) = ctx.saved
    axes = ctx.attrs["axes"]
    return x - (x.mean(axes, keepdim=True) if axes is not None else x.mean())


def _grad_var(ctx, g):
    n = _count(ctx.input_shape(0), ctx.attrs["axes"]) - ctx.attrs["correction"]
    return (expand_back(ctx, g) * 2 * _centered(ctx) / n,)


def _grad_std(ctx, g):
    n = _count(ctx.input_shape(0), ctx.attrs["axes"]) - ctx.attrs["correction"]
    out = ctx.output()
    if not ctx.attrs["keepdim"]:
        out = out.reshape(kept_shape(ctx.input_shape(0), ctx.attrs["axes"]))
    return (expand_back(ctx, g) * _centered(ctx) / (n * out),)


VAR = Op("var", _var_kernel, _grad_var, node="VarBackward0", saves=(0,))
STD = Op("std", _std_kernel, _grad_std, node="StdBackward0", saves=(0,), saves_output=True)


def _correction(unbiased, correction) -> int:
    if correction is not None:
        return correction
    return 0 if unbiased is False else 1


def _spread(op: Op, input: Tensor, dim, unbiased, keepdim, correction) -> Tensor:
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"{op.name}(): input dtype should be floating point, got {input.dtype}")
    return _reduce(op, input, dim, keepdim, correction=_correction(unbiased, correction))


@export
def var(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    """Variance (Bessel-corrected unless unbiased=False or correction=0)."""
    return _spread(VAR, input, dim, unbiased, keepdim, correction)


@export
def std(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    """Standard deviation (Bessel-corrected unless unbiased=False or correction=0)."""
    return _spread(STD, input, dim, unbiased, keepdim, correction)


@export
def var_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


@export
def std_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


# --- norm, logsumexp ------------------------------------------------------------------


def _norm_kernel(b, x, axes, keepdim, p):
    magnitude = b.abs(x)
    if p == math.inf:
        return b.max(magnitude, axis=axes, keepdims=keepdim)
    if p == 2:
        return b.sqrt(b.sum(magnitude * magnitude, axis=axes, keepdims=keepdim))
    if p == 1:
        return b.sum(magnitude, axis=axes, keepdims=keepdim)
    if p == 0:
        return b.sum(magnitude != 0, axis=axes, keepdims=keepdim).astype(x.dtype)
    return b.sum(magnitude**p, axis=axes, keepdims=keepdim) ** (1.0 / p)


def _grad_norm(ctx, g):
    (x,) = ctx.saved
    p = ctx.attrs["p"]
    out = ctx.output()
    if not ctx.attrs["keepdim"]:
        out = out.reshape(kept_shape(x.shape, ctx.attrs["axes"]))
    g = expand_back(ctx, g)
    if p == 1:
        return (g * x.sign(),)
    if p == 0:
        return (g * 0,)
    if p == math.inf:
        hit = (x.abs() == out).to(g.dtype)
        count = hit.sum(ctx.attrs["axes"], keepdim=True) if ctx.attrs["axes"] is not None else hit.sum()
        return (g * x.sign() * hit / count,)
    safe = out.masked_fill(out == 0, 1)
    if p == 2:
        return (g * x / safe,)
    return (g * x.sign() * x.abs() ** (p - 1) / safe ** (p - 1),)


NORM = Op("norm", _norm_kernel, _grad_norm, node="LinalgVectorNormBackward0", saves=(0,), saves_output=True)


@export
def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """Vector p-norm over all elements or `dim` ("fro" is the 2-norm)."""
    if p in ("fro", None):
        p = 2
    if p == "nuc":
        raise NotImplementedError("the nuclear norm is not supported")
    if dtype is not None:
        input = input.to(dt.as_dtype(dtype))
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"norm(): input dtype should be floating point, got {input.dtype}")
    return _reduce(NORM, input, dim, keepdim, p=float(p))


def _logsumexp_kernel(b, x, axes, keepdim):
    peak = b.max(x, axis=axes, keepdims=True)
    peak = b.where(b.isfinite(peak), peak, 0)
    total = b.log(b.sum(b.exp(x - peak), axis=axes, keepdims=True)) + peak
    return total if keepdim else b.squeeze(total, axis=axes if axes is not None else None)


def _grad_logsumexp(ctx, g):
    (x,) = ctx.saved
    out = ctx.output()
    if not ctx.attrs["keepdim"]:
        out = out.reshape(kept_shape(x.shape, ctx.attrs["axes"]))
    return (expand_back(ctx, g) * (x - out).exp(),)


LOGSUMEXP = Op(
    "logsumexp", _logsumexp_kernel, _grad_logsumexp, node="LogsumexpBackward0", saves=(0,), saves_output=True
)


@export
def logsumexp(input: Tensor, dim, keepdim: bool = False) -> Tensor:
    """log(sum(exp(input))) over `dim`, computed without overflow."""
    if not input.dtype.is_floating_point:
        input = input.to(dt.get_default_dtype())
    return _reduce(LOGSUMEXP, input, dim, keepdim)


# --- softmax family ---------------------------------------------------------------------


def _softmax_kernel(b, x, axis):
    fused = getattr(b, "fused_softmax", None)
    if fused is not None:
        return fused(x, axis)
    shifted = b.exp(x - b.max(x, axis=axis, keepdims=True))
    return shifted / b.sum(shifted, axis=axis, keepdims=True)


def _log_softmax_kernel(b, x, axis):
    fused = getattr(b, "fused_log_softmax", None)
    if fused is not None:
        return fused(x, axis)
    shifted = x - b.max(x, axis=axis, keepdims=True)
    return shifted - b.log(b.sum(b.exp(shifted), axis=axis, keepdims=True))


def _grad_softmax(ctx, g):
    out = ctx.output()
    return (out * (g - (g * out).sum(ctx.attrs["axis"], keepdim=True)),)


def _grad_log_softmax(ctx, g):
    out = ctx.output()
    return (g - out.exp() * g.sum(ctx.attrs["axis"], keepdim=True),)


SOFTMAX = Op("softmax", _softmax_kernel, _grad_softmax, node="SoftmaxBackward0", saves_output=True)
LOG_SOFTMAX = Op("log_softmax", _log_softmax_kernel, _grad_log_softmax, node="LogSoftmaxBackward0", saves_output=True)


def _softmax_like(op: Op, input: Tensor, dim, dtype) -> Tensor:
    if dtype is not None:
        input = input.to(dt.as_dtype(dtype))
    elif not input.dtype.is_floating_point:
        raise RuntimeError(f"{op.name}(): expected a floating point input, got {input.dtype}")
    if dim is None:
        dim = 0 if input.ndim in (0, 1, 3) else 1
    axis = _wrap_dim(dim, input._data.ndim)
    return call(op, (input,), (input._data,), input, {"axis": axis})


@export
def softmax(input: Tensor, dim: int | None = None, dtype=None) -> Tensor:
    """exp(x) / sum(exp(x)) along `dim`, computed stably."""
    return _softmax_like(SOFTMAX, input, dim, dtype)


@export
def log_softmax(input: Tensor, dim: int | None = None, dtype=None) -> Tensor:
    """x - logsumexp(x) along `dim`."""
    return _softmax_like(LOG_SOFTMAX, input, dim, dtype)


# --- cumulative ---------------------------------------------------------------------------


def _grad_cumsum(ctx, g):
    axis = ctx.attrs["axis"]
    return (g.flip(axis).cumsum(axis).flip(axis),)


CUMSUM = Op(
    "cumsum", lambda b, x, axis, dtype: b.cumsum(x, axis=axis, dtype=dtype), _grad_cumsum, node="CumsumBackward0"
)


@export
def cumsum(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Running sum along `dim`."""
    native = None if dtype is None else dt.as_dtype(dtype).numpy
    if native is None and not input.dtype.is_floating_point:
        native = dt.int64.numpy
    if input.ndim == 0:
        return input.clone()
    return call(CUMSUM, (input,), (input._data,), input, {"axis": _wrap_dim(dim, input.ndim), "dtype": native})


def _cumsum_(self: Tensor, dim: int) -> Tensor:
    self.copy_(cumsum(self, dim))
    return self


Tensor.cumsum_ = _cumsum_


def _grad_cumprod(ctx, g):
    (x,) = ctx.saved
    axis = ctx.attrs["axis"]
    return ((g * ctx.output()).flip(axis).cumsum(axis).flip(axis) / x,)


CUMPROD = Op(
    "cumprod",
    lambda b, x, axis: b.cumprod(x, axis=axis),
    _grad_cumprod,
    node="CumprodBackward0",
    saves=(0,),
    saves_output=True,
)


@export
def cumprod(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Running product along `dim` (its gradient divides by the input: no zeros)."""
    if dtype is not None:
        input = input.to(dt.as_dtype(dtype))
    return call(CUMPROD, (input,), (input._data,), input, {"axis": _wrap_dim(dim, input.ndim)})
