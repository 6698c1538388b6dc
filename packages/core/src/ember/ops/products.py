"""Products and distances built from the differentiable ops: kron, tensordot, cdist, cross."""

from __future__ import annotations

import math
import warnings

from .. import _dtype as dt
from .._tensor import Tensor, _wrap_dim
from .._writes import write_out
from ._declare import export
from ._errors import mismatch
from ._op import Op, apply
from .reductions import norm, numpy_keywords
from .shape import broadcast_shapes


def _type_word(t: Tensor) -> str:
    return dt.scalar_type_name(t.dtype)


@export
def kron(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Kronecker product: every element of input times the whole of other, laid out in blocks."""
    rank = max(input._data.ndim, other._data.ndim)
    a_shape = (1,) * (rank - input._data.ndim) + tuple(input.shape)
    b_shape = (1,) * (rank - other._data.ndim) + tuple(other.shape)
    a = input.reshape([n for size in a_shape for n in (size, 1)])
    b = other.reshape([n for size in b_shape for n in (1, size)])
    result = (a * b).reshape([p * q for p, q in zip(a_shape, b_shape)])
    return result if out is None else write_out(out, result)


def _contracted(dims, a: Tensor, b: Tensor) -> tuple[list[int], list[int]]:
    """The dims of a and of b that tensordot sums over, from an int or a pair of lists (as torch takes them)."""
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(a._data.ndim, b._data.ndim):
            raise RuntimeError(
                f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}; the inputs have "
                f"{a._data.ndim} and {b._data.ndim} dimensions"
            )
        return list(range(a._data.ndim - dims, a._data.ndim)), list(range(dims))
    if not isinstance(dims, (list, tuple)) or len(dims) != 2:
        raise TypeError(f"tensordot(): argument 'dims' must be an int or a pair of lists of ints, not {dims!r}")
    dims_a, dims_b = ([d] if isinstance(d, int) else d for d in dims)
    if len(dims_a) != len(dims_b):
        raise RuntimeError("both dimension lists should have same length")
    return [_wrap_dim(d, a._data.ndim) for d in dims_a], [_wrap_dim(d, b._data.ndim) for d in dims_b]


@export(method=False)
def tensordot(a: Tensor, b: Tensor, dims=2, out: Tensor | None = None) -> Tensor:
    """Sum of products over the given dims of a and b: an int (a's last, b's first) or a pair of dim lists."""
    dims_a, dims_b = _contracted(dims, a, b)
    if a.dtype is not b.dtype:
        raise RuntimeError("both inputs should have same dtype")
    for da, db in zip(dims_a, dims_b):
        if a.shape[da] != b.shape[db]:
            raise RuntimeError(
                f"contracted dimensions need to match, but first has size {a.shape[da]} in dim {da} and second "
                f"has size {b.shape[db]} in dim {db}"
            )
    free_a = [d for d in range(a._data.ndim) if d not in dims_a]
    free_b = [d for d in range(b._data.ndim) if d not in dims_b]
    inner = math.prod(a.shape[d] for d in dims_a)
    left = a.permute(*free_a, *dims_a).reshape(math.prod(a.shape[d] for d in free_a), inner)
    right = b.permute(*dims_b, *free_b).reshape(inner, math.prod(b.shape[d] for d in free_b))
    result = (left @ right).reshape([a.shape[d] for d in free_a] + [b.shape[d] for d in free_b])
    return result if out is None else write_out(out, result)


_CDIST_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")


def _check_cdist(x1: Tensor, x2: Tensor, p, compute_mode) -> None:
    for name, x in (("X1", x1), ("X2", x2)):
        if x._data.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {x._data.ndim}D")
        if not x.dtype.is_floating_point:
            raise RuntimeError(
                f"cdist only supports floating-point dtypes, {name} got: {_type_word(x)}; convert with .float()"
            )
    if x1.dtype is not x2.dtype:
        raise RuntimeError(
            f"cdist: expected scalar type {_type_word(x1)} but found {_type_word(x2)} (X1 is {x1.dtype}, "
            f"X2 is {x2.dtype}); convert one with .to({x1.dtype})"
        )
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    if not p >= 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got p={p}")
    if compute_mode not in _CDIST_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode; use one of {', '.join(_CDIST_MODES)}")
    found = mismatch(tuple(x1.shape[:-2]), tuple(x2.shape[:-2]))
    if found is not None:
        dimension, a, b = found
        raise RuntimeError(
            f"cdist: The size of tensor a ({a}) must match the size of tensor b ({b}) at non-singleton dimension "
            f"{dimension}; the batch dims of X1 {list(x1.shape)} and X2 {list(x2.shape)} must broadcast"
        )


def _swap_last(b, x):
    return b.permute(x, (*range(x.ndim - 2), x.ndim - 1, x.ndim - 2))


def _euclidean_kernel(b, x1, x2, *, by_products: bool):
    if by_products:  # |a - b|^2 = |a|^2 + |b|^2 - 2 a.b: memory for (P, R), not (P, R, M)
        squares1 = b.sum(x1 * x1, axis=-1, keepdims=True)
        squares2 = b.sum(x2 * x2, axis=-1, keepdims=True)
        squared = squares1 + _swap_last(b, squares2) - 2 * b.matmul(x1, _swap_last(b, x2))
        return b.sqrt(b.maximum(squared, 0))
    differences = x1[..., :, None, :] - x2[..., None, :, :]
    return b.sqrt(b.sum(differences * differences, axis=-1))


def _grad_euclidean(m, ctx, g):
    # d(P, R) / d x1[P] = (x1[P] - x2[R]) / d(P, R), taken as 0 where the points coincide
    x1, x2 = ctx.saved
    distance = ctx.out
    apart = distance != 0
    scaled = m.where(apart, g / m.where(apart, distance, 1), 0)
    rank = scaled.ndim
    grad_x1 = grad_x2 = None
    if ctx.needs(0):
        grad_x1 = x1 * m.sum(scaled, axis=rank - 1, keepdims=True) - m.matmul(scaled, x2)
    if ctx.needs(1):
        swapped = m.swapaxes(scaled, d0=rank - 2, d1=rank - 1)
        grad_x2 = x2 * m.sum(swapped, axis=rank - 1, keepdims=True) - m.matmul(swapped, x1)
    return grad_x1, grad_x2


EUCLIDEAN = Op("cdist", _euclidean_kernel, _grad_euclidean, node="CdistBackward0", saves=(0, 1), saves_output=True)


def _by_products(x1: Tensor, x2: Tensor, compute_mode: str) -> bool:
    """PyTorch's choice of the matrix-product formula for p=2: always, never, or past 25 rows."""
    if compute_mode == "use_mm_for_euclid_dist":
        return True
    if compute_mode == "donot_use_mm_for_euclid_dist":
        return False
    return x1.shape[-2] > 25 or x2.shape[-2] > 25


@export(method=False)
def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """p-norm distance between each row of x1 and each row of x2 (batched over leading dims)."""
    _check_cdist(x1, x2, p, compute_mode)
    if p == 2:
        return apply(EUCLIDEAN, x1, x2, by_products=_by_products(x1, x2, compute_mode))
    differences = x1.unsqueeze(-2) - x2.unsqueeze(-3)  # (..., P, R, M)
    return norm(differences, p=float(p), dim=-1)


_CROSS_DIM_DEPRECATED = (
    "Using torch.cross without specifying the dim arg is deprecated.\n"
    "Please either pass the dim explicitly or simply use torch.linalg.cross.\n"
    "The default value of dim will change to agree with that of linalg.cross in a future release."
)


def _cross_dim(input: Tensor, other: Tensor, dim) -> int:
    if input._data.ndim != other._data.ndim:
        raise RuntimeError(
            f"linalg.cross: inputs must have the same number of dimensions; got {list(input.shape)} and "
            f"{list(other.shape)}"
        )
    if input.dtype is not other.dtype:
        raise RuntimeError(
            f"expected scalar type {_type_word(input)} but found {_type_word(other)}; "
            f"convert with other.to({input.dtype})"
        )
    if dim is None:
        warnings.warn(_CROSS_DIM_DEPRECATED.replace("torch.", "ember."), UserWarning, stacklevel=3)
        shape = broadcast_shapes(input.shape, other.shape)
        found = next((i for i, n in enumerate(shape) if n == 3), None)
        if found is None:
            raise RuntimeError(
                f"no dimension of size 3 in input; got shapes {list(input.shape)} and {list(other.shape)}"
            )
        return found
    axis = _wrap_dim(dim, input._data.ndim)
    if input.shape[axis] != 3 or other.shape[axis] != 3:
        raise RuntimeError(
            f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[axis]} and {other.shape[axis]}"
        )
    return axis


@export
def cross(input: Tensor, other: Tensor, dim: int | None = None, *, out: Tensor | None = None, **numpy) -> Tensor:
    """Cross product of 3-vectors along `dim` (broadcasting over the other dims)."""
    if numpy:
        dim, _ = numpy_keywords("cross", numpy, dim)
    axis = _cross_dim(input, other, dim)
    # NOTE: component i is a[i+1] * b[i+2] - a[i+2] * b[i+1], the indices taken mod 3
    result = input.roll(-1, axis) * other.roll(-2, axis) - input.roll(-2, axis) * other.roll(-1, axis)
    return result if out is None else write_out(out, result)
