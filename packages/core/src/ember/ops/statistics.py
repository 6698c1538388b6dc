"""Statistics made of the differentiable ops: quantile, nanquantile, nanmean, cov, corrcoef, aminmax.

quantile sorts and then interpolates between the two order statistics around each rank,
so its gradient flows to those (as in PyTorch); cov is a product of centred observations.
"""

from __future__ import annotations

import numbers
import warnings

from .. import _dtype as dt
from .._tensor import Tensor, _wrap_dim
from .._writes import write_out
from ._declare import export
from ._errors import kind_of, unordered
from .elementwise import clamp, lerp
from .gather_scatter import take_along_dim
from .linalg import mm
from .reductions import amax, amin, dims_of, kept_shape, nansum, numpy_keywords
from .return_types import ReturnTuple
from .sorting import sort

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile_levels(name: str, input: Tensor, q) -> Tensor:
    """q as a 1-D tensor of input's dtype, after PyTorch's checks (a scalar q is checked here too)."""
    if isinstance(q, Tensor):
        if q.dtype is not input.dtype:
            raise RuntimeError(
                f"{name}() q tensor must be same dtype as the input tensor; got {q.dtype} for an input of "
                f"{input.dtype}. Convert with q.to({input.dtype})"
            )
        if q._data.ndim > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor; got shape {list(q.shape)}")
        levels = q.reshape(-1)
        if q._data.size and not (q._data.min() >= 0 and q._data.max() <= 1):
            raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
        return levels
    if isinstance(q, bool) or not isinstance(q, numbers.Real):
        raise TypeError(f"{name}(): argument 'q' must be a float or a Tensor, not {type(q).__name__}")
    if not 0 <= q <= 1:
        raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {q}")
    return input.new_tensor([float(q)])


def _check_quantile_input(name: str, input: Tensor, interpolation: str) -> None:
    if input.dtype not in (dt.float32, dt.float64):
        raise RuntimeError(
            f"{name}() input tensor must be either float or double dtype; got {input.dtype}. Convert with .float()"
        )
    if input._data.size == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(
            f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest, but got {interpolation}"
        )


def _ranks(ordered: Tensor, levels: Tensor, ignore_nan: bool) -> Tensor:
    """The fractional position of each level among each slice's (non-NaN) sorted values: (Q, ..., 1)."""
    shape = (levels.shape[0],) + (1,) * ordered._data.ndim
    levels = levels.reshape(shape)
    if ignore_nan:
        count = ordered.isnan().logical_not().sum(-1, keepdim=True)
        ranks = levels * (count - 1).to(ordered.dtype)
        return ranks.masked_fill(ranks < 0, 0)  # NOTE: an all-NaN slice reads its first value, NaN
    last = ordered.shape[-1] - 1
    ranks = levels * last
    return ranks.masked_fill(ordered.isnan().any(-1, keepdim=True), last)  # NOTE: NaN sorts last


def _interpolated(ordered: Tensor, ranks: Tensor, interpolation: str) -> Tensor:
    if interpolation == "lower":
        ranks = ranks.floor()
    elif interpolation == "higher":
        ranks = ranks.ceil()
    elif interpolation == "nearest":
        ranks = ranks.round()
    below = ranks.long()
    values = take_along_dim(ordered.unsqueeze(0), below, -1)
    if interpolation not in ("linear", "midpoint"):
        return values
    weights = ranks - below if interpolation == "linear" else ranks.new_full(ranks.shape, 0.5)
    return lerp(values, take_along_dim(ordered.unsqueeze(0), ranks.ceil().long(), -1), weights)


def _quantile(name, input, q, dim, keepdim, interpolation, out, ignore_nan) -> Tensor:
    _check_quantile_input(name, input, interpolation)
    levels = _quantile_levels(name, input, q)
    if dim is None or input._data.ndim == 0:
        x, reduced = input.reshape(-1), ()
        if dim is not None:
            _wrap_dim(dim, 0)
    else:
        axis = _wrap_dim(dim, input._data.ndim)
        x, reduced = input.movedim(axis, -1), (axis,)
    ordered = sort(x, -1).values
    result = _interpolated(ordered, _ranks(ordered, levels, ignore_nan), interpolation).squeeze(-1)
    if keepdim:
        result = result.reshape(levels.shape[0], *kept_shape(tuple(input.shape), reduced if reduced else None))
    if not isinstance(q, Tensor) or q._data.ndim == 0:
        result = result.squeeze(0)
    return result if out is None else write_out(out, result)


def _quantile_function(name: str, ignore_nan: bool, doc: str):
    """The public quantile or nanquantile (they share PyTorch's signature)."""

    def quantile(
        input: Tensor,
        q,
        dim: int | None = None,
        keepdim: bool = False,
        *,
        interpolation: str = "linear",
        out=None,
        **numpy,
    ) -> Tensor:
        if numpy:
            dim, keepdim = numpy_keywords(name, numpy, dim, keepdim)
        return _quantile(name, input, q, dim, keepdim, interpolation, out, ignore_nan=ignore_nan)

    quantile.__name__ = quantile.__qualname__ = name
    quantile.__doc__ = doc
    return export(quantile)


quantile = _quantile_function(
    "quantile",
    False,
    "The q-th quantiles along `dim` (of all elements when None); NaN where a slice holds a NaN.",
)
nanquantile = _quantile_function(
    "nanquantile",
    True,
    "`quantile` ignoring NaN (NaN only where a slice holds nothing else).",
)


@export
def nanmean(
    input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out: Tensor | None = None, **numpy
) -> Tensor:
    """Mean of the elements that are not NaN, over all of them or over `dim`."""
    if numpy:
        dim, keepdim = numpy_keywords("nanmean", numpy, dim, keepdim)
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            f"nanmean(): expected input to have floating point or complex dtype but got {dt.scalar_type_name(input.dtype)}"
            "; convert with .float()"
        )
    count = input.isnan().logical_not().sum(dim, keepdim)
    result = nansum(input, dim, keepdim, dtype=dtype) / count
    return result if out is None else write_out(out, result)


# --- cov, corrcoef ----------------------------------------------------------------------------


def _check_weights(kind: str, weights: Tensor, observations: int, integral: bool) -> None:
    if weights._data.ndim > 1:
        raise RuntimeError(
            f"cov(): expected {kind} to have one or fewer dimensions but got {kind} with {weights._data.ndim} dimensions"
        )
    if weights.numel() != observations:
        raise RuntimeError(
            f"cov(): expected {kind} to have the same numel as there are observations in the input but got "
            f"{weights.numel()} != {observations}"
        )
    wanted, word = ("iu", "integral") if integral else ("f", "floating point")
    if kind_of(weights._data) not in wanted:
        raise RuntimeError(
            f"cov(): expected {kind} to have {word} dtype but got {kind} with "
            f"{dt.scalar_type_name(weights.dtype)} dtype"
        )
    if weights._data.size and weights._data.min() < 0:
        raise RuntimeError(f"cov(): {kind} cannot be negative")


def _observation_weights(x: Tensor, fweights, aweights):
    observations = x.shape[1]
    if fweights is not None:
        _check_weights("fweights", fweights, observations, integral=True)
    if aweights is not None:
        _check_weights("aweights", aweights, observations, integral=False)
    if fweights is None:
        return aweights
    return fweights if aweights is None else fweights * aweights


@export
def cov(
    input: Tensor, *, correction: int = 1, fweights: Tensor | None = None, aweights: Tensor | None = None
) -> Tensor:
    """Covariance matrix of the variables in input's rows (observations in its columns)."""
    if input._data.ndim > 2:
        raise RuntimeError(
            f"cov(): expected input to have two or fewer dimensions but got an input with {input._data.ndim} dimensions"
        )
    if input.dtype is dt.bool_:
        raise RuntimeError("cov(): bool dtype is not supported for input; convert with .float()")
    x = input if input._data.ndim == 2 else input.reshape(1, -1)
    weights = _observation_weights(x, fweights, aweights)
    if weights is None:
        total = x.new_tensor(x.shape[1], dtype=dt.int64)
        average = x.sum(1) / total
    else:
        total = weights.sum()
        average = (x * weights).sum(1) / total
    if weights is not None and correction != 0 and aweights is not None:
        dof = total - correction * (weights * aweights).sum() / total
    else:
        dof = total - correction
    if bool(dof <= 0):
        warnings.warn(
            "cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of observations.",
            UserWarning,
            stacklevel=2,
        )
        dof = dof.new_zeros(())
    centred = x - average.unsqueeze(1)
    product = mm(centred, (centred if weights is None else centred * weights).t())
    return (product / dof).squeeze()


@export
def corrcoef(input: Tensor) -> Tensor:
    """Pearson correlation coefficients of the variables in input's rows, clipped to [-1, 1]."""
    c = cov(input)
    if c._data.ndim == 0:
        return c / c
    deviation = c.diagonal().sqrt()
    c = c / deviation.reshape(-1, 1)
    c = c / deviation.reshape(1, -1)
    return clamp(c, -1, 1)


# --- aminmax -----------------------------------------------------------------------------------


@export
def aminmax(input: Tensor, *, dim: int | None = None, keepdim: bool = False, out=None, **numpy) -> ReturnTuple:
    """(min, max) over all elements or along `dim`, in one call; ties share the gradient."""
    if numpy:
        dim, keepdim = numpy_keywords("aminmax", numpy, dim, keepdim)
    if input.dtype.is_complex:
        raise unordered("aminmax_cpu", input)
    axes = dims_of(dim, input._data.ndim)
    if input._data.size == 0 and (axes is None or any(input.shape[a] == 0 for a in axes)):
        raise RuntimeError(
            "aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity; "
            f"the input has shape {list(input.shape)}"
        )
    if dim is None:
        low, high = amin(input), amax(input)
        if keepdim:
            low, high = low.reshape([1] * input._data.ndim), high.reshape([1] * input._data.ndim)
    else:
        low, high = amin(input, dim, keepdim), amax(input, dim, keepdim)
    if out is not None:
        low, high = write_out(out[0], low), write_out(out[1], high)
    return ReturnTuple("aminmax", low, high)
