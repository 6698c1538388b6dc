"""Running and differencing ops along a dim: cummax, cummin, logcumsumexp, diff, trapezoid.

cumsum and cumprod live with the reductions; the ops here build on them or pick
elements by index, so their gradients come from the rules they are made of,
except logcumsumexp's, which is its own (written with logcumsumexp itself).
"""

from __future__ import annotations

import math
import numbers

from .. import _dtype as dt
from .._tensor import Tensor, _wrap_dim
from .._writes import write_out
from ._declare import export
from ._errors import kind_of, not_implemented_for, unordered
from ._op import Op, call, make
from .reductions import _grad_pick, _pick_kernel, numpy_keywords
from .return_types import ReturnTuple
from .shape import cat

CUMMAX = Op("cummax", _pick_kernel, _grad_pick, node="CummaxBackward0")
CUMMIN = Op("cummin", _pick_kernel, _grad_pick, node="CumminBackward0")


def _running_extreme_index(input: Tensor, axis: int, larger: bool):
    """For each position, the index of the running max (min) so far: the latest on ties, NaN wins."""
    b = input._backend
    xp, x = b.xp, input._data
    n = x.shape[axis]
    running = xp.maximum.accumulate(x, axis=axis) if larger else xp.minimum.accumulate(x, axis=axis)
    lead = (slice(None),) * axis
    before = b.concat([b.getitem(running, lead + (slice(0, 1),)), b.getitem(running, lead + (slice(0, n - 1),))], axis)
    record = b.greater_equal(x, before) if larger else b.less_equal(x, before)
    if kind_of(x) == "f":
        record = record | xp.isnan(x)
    position = b.reshape(
        b.arange(0, n, 1, dt.int64, b.device_index(x)), tuple(n if i == axis else 1 for i in range(x.ndim))
    )
    first = position == 0
    return xp.maximum.accumulate(b.where(record | first, position, 0), axis=axis)


def _running_extreme(kind: str, op: Op, input: Tensor, dim: int, out) -> ReturnTuple:
    axis = _wrap_dim(dim, input._data.ndim)
    if input._data.ndim == 0:
        result = ReturnTuple(kind, input.clone(), input.new_zeros((), dtype=dt.int64))
    else:
        index = make(_running_extreme_index(input, axis, kind == "cummax"), input)
        values = call(op, (input,), (input._data,), input, {"axis": (axis,), "keepdims": True, "index": index})
        result = ReturnTuple(kind, values, index)
    if out is None:
        return result
    values, indices = out
    return ReturnTuple(kind, write_out(values, result[0]), write_out(indices, result[1]))


@export
def cummax(input: Tensor, dim: int | None = None, *, out=None, **numpy) -> ReturnTuple:
    """(values, indices) of the running maximum along `dim` (NaN propagates)."""
    if numpy or dim is None:
        dim, _ = numpy_keywords("cummax", numpy, dim, dim_required=True)
    if input.dtype.is_complex:
        raise unordered("cummax_cpu", input)
    return _running_extreme("cummax", CUMMAX, input, dim, out)


@export
def cummin(input: Tensor, dim: int | None = None, *, out=None, **numpy) -> ReturnTuple:
    """(values, indices) of the running minimum along `dim` (NaN propagates)."""
    if numpy or dim is None:
        dim, _ = numpy_keywords("cummin", numpy, dim, dim_required=True)
    if input.dtype.is_complex:
        raise unordered("cummin_cpu", input)
    return _running_extreme("cummin", CUMMIN, input, dim, out)


# --- logcumsumexp ----------------------------------------------------------------------------


def _reversed_logcumsumexp(m, x, axis: int):
    return m.flip(m.logcumsumexp(m.flip(x, axes=(axis,)), axis=axis), axes=(axis,))


def _grad_logcumsumexp(m, ctx, g):
    # grad_j = sum_{i >= j} g_i exp(x_j - out_i), summed in log space for g's positive and negative
    # parts apart, so that nothing overflows
    (x,) = ctx.saved
    axis = ctx.attrs["axis"]
    out = m.where(ctx.out == -math.inf, 0, ctx.out)  # NOTE: there every x_j is -inf, and so is its term
    log_g = m.log(m.where(g == 0, 1, m.abs(g))) - out
    positive = _reversed_logcumsumexp(m, m.where(g > 0, log_g, -math.inf), axis)
    negative = _reversed_logcumsumexp(m, m.where(g < 0, log_g, -math.inf), axis)
    return (m.exp(x + positive) - m.exp(x + negative),)


LOGCUMSUMEXP = Op(
    "logcumsumexp",
    lambda b, x, *, axis: b.xp.logaddexp.accumulate(x, axis=axis),
    _grad_logcumsumexp,
    node="LogcumsumexpBackward0",
    saves=(0,),
    saves_output=True,
    math="logcumsumexp",
)


@export
def logcumsumexp(input: Tensor, dim: int | None = None, *, out: Tensor | None = None, **numpy) -> Tensor:
    """log(cumsum(exp(input))) along `dim`, computed without overflow."""
    if numpy or dim is None:
        dim, _ = numpy_keywords("logcumsumexp", numpy, dim, dim_required=True)
    if not input.dtype.is_floating_point:
        raise not_implemented_for("logcumsumexp_out_cpu", input._data)
    axis = _wrap_dim(dim, input._data.ndim)
    if input._data.ndim == 0:
        result = call(LOGCUMSUMEXP, (input,), (input._data.reshape(1),), input, {"axis": 0}).reshape(())
    else:
        result = call(LOGCUMSUMEXP, (input,), (input._data,), input, {"axis": axis})
    return result if out is None else write_out(out, result)


# --- diff --------------------------------------------------------------------------------------


def _check_same_rank(input: Tensor, extra: Tensor | None) -> None:
    if extra is not None and extra._data.ndim != input._data.ndim:
        raise RuntimeError(
            "diff expects prepend or append to be the same dimension as input; got "
            f"{extra._data.ndim} dims for an input of {input._data.ndim} dims"
        )


@export
def diff(
    input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None, append: Tensor | None = None, **numpy
) -> Tensor:
    """The n-th forward difference along `dim` (after joining `prepend` and `append`); bools give xor."""
    if numpy:
        dim, _ = numpy_keywords("diff", numpy, dim, dim_default=-1)
    if input._data.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional; reshape a 0-d tensor first")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    _check_same_rank(input, prepend)
    _check_same_rank(input, append)
    axis = _wrap_dim(dim, input._data.ndim)
    parts = [t for t in (prepend, input, append) if t is not None]
    x = cat(parts, axis) if len(parts) > 1 else input
    for _ in range(n):
        length = x.shape[axis]
        if length == 0:
            break
        later, earlier = x.narrow(axis, 1, length - 1), x.narrow(axis, 0, length - 1)
        x = later.logical_xor(earlier) if x.dtype is dt.bool_ else later - earlier
    return x


# --- trapezoid ------------------------------------------------------------------------------


def _spacing(y: Tensor, x: Tensor, axis: int) -> Tensor:
    """The widths between sample points along axis, shaped to broadcast against y's trapezoids."""
    if x._data.ndim == 1:
        if x.shape[0] != y.shape[axis]:
            raise RuntimeError(
                "trapezoid: There must be one `x` value for each sample point; got "
                f"{x.shape[0]} x values for {y.shape[axis]} samples along dim {axis}"
            )
        widths = x[1:] - x[:-1]
        return widths.reshape([widths.shape[0] if i == axis else 1 for i in range(y._data.ndim)])
    return diff(x, dim=axis - y._data.ndim)


def _trapezoid_parts(y: Tensor, x, dx, dim: int, name: str) -> tuple:
    """(sum of adjacent pairs along axis, widths, axis), after PyTorch's argument checks."""
    if x is not None and dx is not None:
        raise TypeError(f"{name}(): pass either x (sample points) or dx (their spacing), not both")
    if x is not None and not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'x' must be Tensor, not {type(x).__name__}; pass a spacing as dx=")
    if dx is not None and not isinstance(dx, numbers.Number):
        raise TypeError(f"{name}(): argument 'dx' must be a number, not {type(dx).__name__}")
    axis = _wrap_dim(dim, y._data.ndim)
    count = max(y.shape[axis] - 1, 0)
    pairs = y.narrow(axis, min(1, count), count) + y.narrow(axis, 0, count)
    widths = _spacing(y, x, axis) if x is not None else (1 if dx is None else dx)
    return pairs, widths, axis


@export(method=False)
def trapezoid(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1, **numpy) -> Tensor:
    """Integral of y along `dim` by the trapezoidal rule, at sample points x or with spacing dx (default 1)."""
    if numpy:
        dim, _ = numpy_keywords("trapezoid", numpy, dim, dim_default=-1)
    pairs, widths, axis = _trapezoid_parts(y, x, dx, dim, "trapezoid")
    return (pairs * widths).sum(axis) / 2


@export(method=False)
def trapz(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1, **numpy) -> Tensor:
    """The older name of `trapezoid`."""
    if numpy:
        dim, _ = numpy_keywords("trapz", numpy, dim, dim_default=-1)
    return trapezoid(y, x, dx=dx, dim=dim)


@export(method=False)
def cumulative_trapezoid(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1, **numpy) -> Tensor:
    """Running integral of y along `dim` by the trapezoidal rule (one element fewer than y)."""
    if numpy:
        dim, _ = numpy_keywords("cumulative_trapezoid", numpy, dim, dim_default=-1)
    pairs, widths, axis = _trapezoid_parts(y, x, dx, dim, "cumulative_trapezoid")
    return ((pairs * widths) / 2).cumsum(axis)


# --- gradient -------------------------------------------------------------------------------


def _along(x: Tensor, axis: int, values: Tensor) -> Tensor:
    """1-D `values` shaped to broadcast along `axis` of x."""
    return values.reshape([-1 if i == axis else 1 for i in range(x.ndim)])


def _uniform_gradient(f: Tensor, axis: int, h, edge_order: int) -> Tensor:
    n = f.shape[axis]
    part = lambda start, length=1: f.narrow(axis, start, length)  # noqa: E731
    interior = (part(2, n - 2) - part(0, n - 2)) / (2 * h)
    if edge_order == 1:
        first, last = (part(1) - part(0)) / h, (part(n - 1) - part(n - 2)) / h
    else:
        first = (-1.5 * part(0) + 2 * part(1) - 0.5 * part(2)) / h
        last = (0.5 * part(n - 3) - 2 * part(n - 2) + 1.5 * part(n - 1)) / h
    return cat([first, interior, last], axis)


def _coordinate_gradient(f: Tensor, axis: int, x: Tensor, edge_order: int) -> Tensor:
    n = f.shape[axis]
    if x.ndim != 1 or x.shape[0] != n:
        raise RuntimeError(
            f"torch.gradient expected each tensor to be on the same device and of the size of its dimension: "
            f"got coordinates of shape {list(x.shape)} for dim {axis} of size {n}"
        )
    part = lambda start, length=1: f.narrow(axis, start, length)  # noqa: E731
    dx = _along(f, axis, x[1:] - x[:-1])
    step = lambda start, length=1: dx.narrow(axis, start, length)  # noqa: E731
    left, right = step(0, n - 2), step(1, n - 2)
    interior = (left * left * part(2, n - 2) - right * right * part(0, n - 2)
                + (right * right - left * left) * part(1, n - 2)) / (left * right * (left + right))  # fmt: skip
    if edge_order == 1:
        first, last = (part(1) - part(0)) / step(0), (part(n - 1) - part(n - 2)) / step(n - 2)
    else:
        a, b = step(0), step(1)
        first = (-(2 * a + b) / (a * (a + b))) * part(0) + ((a + b) / (a * b)) * part(1) - (a / (b * (a + b))) * part(2)
        a, b = step(n - 3), step(n - 2)
        last = (b / (a * (a + b))) * part(n - 3) - ((a + b) / (a * b)) * part(n - 2) + ((2 * b + a) / (b * (a + b))) * part(n - 1)  # fmt: skip
    return cat([first, interior, last], axis)


@export(method=False)
def gradient(input: Tensor, *, spacing=1, dim=None, edge_order: int = 1) -> tuple:
    """Estimates of input's derivative along each dim: central differences inside, one-sided at the edges.

    spacing is one number for every dim, a number per dim, or per dim a 1-D tensor of coordinates.
    """
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    dims = list(range(input.ndim)) if dim is None else [dim] if isinstance(dim, int) else list(dim)
    dims = [_wrap_dim(d, input.ndim) for d in dims]
    if isinstance(spacing, (tuple, list)):
        if len(spacing) != len(dims):
            given = f"'self.dim() = {input.ndim}', since dim argument was not given" if dim is None else "its dim"
            raise RuntimeError(
                "torch.gradient expected spacing to be unspecified, a scalar, or a list of length equal to "
                f"{given}, but got a list of length {len(spacing)}"
            )
        spacings = list(spacing)
    else:
        spacings = [spacing] * len(dims)
    if any(input.shape[d] < edge_order + 1 for d in dims):
        raise RuntimeError("torch.gradient expected each dimension size to be at least edge_order+1")
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        input = input.to(dt.get_default_dtype())
    return tuple(
        _coordinate_gradient(input, d, h, edge_order) if isinstance(h, Tensor) and h.ndim == 1
        else _uniform_gradient(input, d, h, edge_order)
        for d, h in zip(dims, spacings, strict=True)
    )  # fmt: skip
