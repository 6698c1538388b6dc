"""More Tensor methods (and their top-level functions), composed from existing ember ops.

Products with a scaled input (addmv, addr, addbmm, baddbmm, addcmul, addcdiv), scatters of a
slice (select/slice/diagonal_scatter, masked_scatter, put, index_reduce), NaN-aware and
consecutive selections (nanmedian, msort, unique_consecutive), histogram, and the predicates
and identities PyTorch has for complex or special tensors, here on real dtypes only.
Every gradient comes from the composed parts.
"""

from __future__ import annotations

import builtins

from .. import _dtype as dt
from .._tensor import Tensor
from ._declare import FUNCTIONS, export, method, publish
from ._op import make
from .more_elementwise import in_place_of


def _fn(name: str):
    return FUNCTIONS[name]


# --- products with a scaled input --------------------------------------------------------------


def _scaled_sum(input: Tensor, product: Tensor, beta, alpha) -> Tensor:
    """``beta * input + alpha * product``; beta 0 ignores input (its NaN and inf too), as in PyTorch."""
    scaled = product if alpha == 1 else product * alpha
    if beta == 0:
        return scaled + input.new_zeros(input.shape)
    return (input if beta == 1 else input * beta) + scaled


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * (mat @ vec)``."""
    return _out(_scaled_sum(input, _fn("mv")(mat, vec), beta, alpha), out)


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)``."""
    return _out(_scaled_sum(input, _fn("outer")(vec1, vec2), beta, alpha), out)


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * (batch1 @ batch2)``, batch by batch."""
    return _out(_scaled_sum(input, _fn("bmm")(batch1, batch2), beta, alpha), out)


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * sum_i(batch1[i] @ batch2[i])``."""
    return _out(_scaled_sum(input, _fn("bmm")(batch1, batch2).sum(0), beta, alpha), out)


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1, out=None) -> Tensor:
    """``input + value * tensor1 * tensor2``."""
    product = tensor1 * tensor2
    return _out(input + (product if value == 1 else product * value), out)


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1, out=None) -> Tensor:
    """``input + value * tensor1 / tensor2``."""
    if not tensor1.dtype.is_floating_point and not tensor2.dtype.is_floating_point:
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported; divide with ember.div(tensor1, tensor2, "
            "rounding_mode='trunc') or 'floor' and add the result"
        )
    quotient = tensor1 / tensor2
    return _out(input + (quotient if value == 1 else quotient * value), out)


def _out(result: Tensor, out: Tensor | None) -> Tensor:
    if out is None:
        return result
    from .._writes import write_out

    return write_out(out, result)


for _function in (addmv, addr, baddbmm, addbmm, addcmul, addcdiv):
    publish(_function.__name__, _function, in_place_of(_function, _function.__name__))
method("addmm_")(in_place_of(_fn("addmm"), "addmm"))
method("cumprod_")(in_place_of(_fn("cumprod"), "cumprod"))


@export
def vdot(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """The dot product of two 1-D tensors, the first conjugated (real tensors: as ``dot``)."""
    if input.dim() != 1 or other.dim() != 1:
        raise RuntimeError(
            f"1D tensors expected, but got {input.dim()}D and {other.dim()}D tensors; flatten them first"
        )
    return _out(_fn("dot")(input.conj(), other), out)


@export
def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    """The p-norm of ``input - other``."""
    from .matrix_functions import vector_norm

    return vector_norm(input - other, p)


def renorm(input: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:
    """Each slice along `dim` whose p-norm exceeds `maxnorm` scaled down to norm `maxnorm`."""
    from .matrix_functions import vector_norm

    dim = dim % builtins.max(input.dim(), 1)
    others = tuple(d for d in range(input.dim()) if d != dim)
    norms = vector_norm(input, p, others, keepdim=True)
    factor = _fn("where")(norms > maxnorm, maxnorm / (norms + 1e-7), norms.new_ones(()))
    return input * factor


publish("renorm", renorm, in_place_of(renorm, "renorm"))


@export
def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """A 2-D tensor with the flattened input on its `offset`-th diagonal."""
    return _fn("diag")(input.flatten(), offset)


# --- scatters of a slice ---------------------------------------------------------------------------


@export
def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """A copy of input with ``input.select(dim, index)`` replaced by src."""
    result = input.clone()
    result.select(dim, index).copy_(src)
    return result


@export
def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start=None, end=None, step: int = 1) -> Tensor:
    """A copy of input with the slice ``start:end:step`` along `dim` replaced by src."""
    result = input.clone()
    where = [slice(None)] * input.dim()
    where[dim] = slice(start, end, step)
    result[tuple(where)].copy_(src)
    return result


@export
def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A copy of input with its diagonal (as ``diagonal(offset, dim1, dim2)``) replaced by src."""
    result = input.clone()
    result.diagonal(offset, dim1, dim2).copy_(src)
    return result


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """A copy of input with the elements where mask is True taken, in order, from source."""
    if mask.dtype is not dt.bool_:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype {mask.dtype}")
    full = mask.expand(input.shape) if mask.shape != input.shape else mask
    count = int(full.sum())
    if count > source.numel():
        raise RuntimeError(
            f"masked_scatter: expected source to have at least {count} elements (the mask's True count), "
            f"got {source.numel()}"
        )
    result = input.clone()
    result[full] = source.flatten()[:count]
    return result


publish("masked_scatter", masked_scatter, in_place_of(masked_scatter, "masked_scatter"))


def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of input with ``source`` written at the flat positions `index` (added, with accumulate)."""
    flat = input.flatten()
    positions = index.flatten()
    positions = _fn("where")(positions < 0, positions + flat.numel(), positions)
    return _fn("index_put")(flat, (positions,), source.flatten(), accumulate).reshape(input.shape)


publish("put", put, in_place_of(put, "put"))


def index_reduce(input: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *, include_self: bool = True):
    """Reduce (prod, mean, amax or amin) the slices of source into input's slices `index` along `dim`."""
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    dim = dim % builtins.max(input.dim(), 1)
    shape = [1] * source.dim()
    shape[dim] = index.numel()
    spread = index.reshape(shape).expand(source.shape)
    return _fn("scatter_reduce")(input, dim, spread, source, reduce, include_self=include_self)


publish("index_reduce", index_reduce, in_place_of(index_reduce, "index_reduce"))


# --- selections ------------------------------------------------------------------------------------


@export
def msort(input: Tensor, *, out=None) -> Tensor:
    """The input sorted along its first dimension."""
    return _out(_fn("sort")(input, 0).values, out)


def nanmedian(input: Tensor, dim=None, keepdim: bool = False, *, out=None):
    """The lower median ignoring NaNs: of all elements, or (values, indices) along `dim`.

    A slice of NaNs only gives NaN; its index is then some NaN's (PyTorch's choice depends on its kernel).
    """
    from .return_types import ReturnTuple

    if input.dtype is dt.bool_:
        raise NotImplementedError("\"nanmedian\" not implemented for 'Bool'; convert the tensor first (e.g. t.int())")
    if dim is None:
        present = input.flatten()
        present = present[~present.isnan()]
        if present.numel() == 0:
            return input.new_tensor(float("nan")).reshape(())
        return _fn("median")(present)
    dim = dim % builtins.max(input.dim(), 1)
    values, order = _fn("sort")(input, dim)  # NaNs sort last
    counts = (~input.isnan()).sum(dim, keepdim=True)
    middle = ((counts - 1).clamp(min=0) // 2).to(dt.int64)
    picked = _fn("gather")(values, dim, middle)
    indices = _fn("gather")(order, dim, middle)
    if not keepdim:
        picked, indices = picked.squeeze(dim), indices.squeeze(dim)
    result = ReturnTuple("nanmedian", picked, indices)
    if out is not None:
        out[0].copy_(picked)
        out[1].copy_(indices)
    return result


export(nanmedian)


def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False, dim=None):
    """The input with each run of equal consecutive elements (or slices along `dim`) kept once."""
    flat = input.flatten() if dim is None else input.movedim(dim, 0)
    length = flat.shape[0]
    if length == 0:
        starts = flat.new_zeros((0,), dtype=dt.bool_)
    else:
        changed = flat[1:] != flat[:-1]
        if changed.dim() > 1:
            changed = changed.flatten(1).any(1)
        starts = _fn("cat")([changed.new_ones((1,)), changed])
    values = flat[starts]
    if dim is not None:
        values = values.movedim(0, dim)
    results = [values]
    if return_inverse:
        inverse = starts.to(dt.int64).cumsum(0) - 1
        results.append(inverse.reshape(input.shape) if dim is None else inverse)
    if return_counts:
        edges = _fn("cat")([starts.nonzero().flatten(), starts.new_tensor([length], dtype=dt.int64)])
        results.append(edges[1:] - edges[:-1])
    return results[0] if len(results) == 1 else tuple(results)


export(unique_consecutive)


@export
def histogram(input: Tensor, bins, *, range=None, weight=None, density: bool = False, out=None):
    """Counts of the elements in equal-width bins (or at the given bin edges), with the edges."""
    from .return_types import histogram as result_type

    if not input.dtype.is_floating_point:
        raise RuntimeError(
            f"torch.histogram: input tensor and bins tensors should have the same dtype, got {input.dtype}"
        )
    xp = input._backend.xp
    edges = bins._data if isinstance(bins, Tensor) else bins
    weights = None if weight is None else weight._data
    counts, bin_edges = xp.histogram(input._data, bins=edges, range=range, weights=weights, density=density)
    dtype = input.dtype.numpy
    return result_type(make(counts.astype(dtype), input), make(bin_edges.astype(dtype), input))


@export(method=False)
def histogramdd(input: Tensor, bins, *, range=None, weight=None, density: bool = False):
    """Counts of the points (rows of input's last dim) in a grid of bins, with each dim's edges."""
    from .return_types import histogramdd as result_type

    if not input.dtype.is_floating_point:
        raise RuntimeError(
            f"torch.histogramdd: input tensor and bins tensors should have the same dtype, got {input.dtype}"
        )
    xp = input._backend.xp
    points = input._data.reshape(-1, input.shape[-1])
    dims = points.shape[1]
    if isinstance(bins, (list, tuple)):
        bins = [b._data if isinstance(b, Tensor) else b for b in bins]
    if range is not None:
        range = [(range[2 * d], range[2 * d + 1]) for d in builtins.range(dims)]
    weights = None if weight is None else weight._data.reshape(-1)
    counts, bin_edges = xp.histogramdd(points, bins=bins, range=range, weights=weights, density=density)
    dtype = input.dtype.numpy
    edges = tuple(make(e.astype(dtype), input) for e in bin_edges)
    return result_type(make(counts.astype(dtype), input), edges)


# --- views and copies under other names -----------------------------------------------------------


@export
def narrow_copy(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """A copy (not a view) of ``input.narrow(dim, start, length)``."""
    return input.narrow(dim, start, length).clone()


for _public, _of in (
    ("unsafe_chunk", "chunk"),
    ("unsafe_split", "split"),
    ("unsafe_split_with_sizes", "split_with_sizes"),
):
    export(getattr(Tensor, _of), name=_public, function=_public != "unsafe_split_with_sizes")


@export
def adjoint(input: Tensor) -> Tensor:
    """The conjugate transpose of the last two dimensions (for real tensors, the transpose)."""
    return input.transpose(-2, -1).conj()


@export
def is_neg(input: Tensor) -> bool:
    """Whether the negative bit is set: never, as ember never negates lazily."""
    return False


@export
def is_nonzero(input: Tensor) -> bool:
    """The truth of a one-element tensor (an error for more or fewer elements)."""
    if input.numel() != 1:
        raise RuntimeError(
            "Boolean value of Tensor with no values is ambiguous"
            if input.numel() == 0
            else "Boolean value of Tensor with more than one value is ambiguous"
        )
    return bool(input.item())


@export
def is_same_size(input: Tensor, other: Tensor) -> bool:
    """Whether both tensors have the same shape."""
    return input.shape == other.shape


@export
def is_signed(input: Tensor) -> bool:
    """Whether the dtype holds negative numbers."""
    return input.dtype.is_signed


@export
def is_inference(input: Tensor) -> bool:
    """Whether this is an inference tensor: ember makes none (inference_mode runs as no_grad)."""
    return False


Tensor.is_meta = property(lambda self: self.device.type == "meta", doc="Whether the tensor lives on the meta device.")


# --- Python callables, CPU only as in PyTorch -----------------------------------------------------


def _cpu_only(self: Tensor, name: str) -> None:
    if self.device.type != "cpu":
        raise TypeError(f"{name} is only implemented on CPU tensors; move the tensor with .cpu() first")


@method("apply_")
def apply_(self: Tensor, callable) -> Tensor:
    """Apply a Python function to each element, in place (CPU only; slow, for tests and tools)."""
    _cpu_only(self, "apply_")
    values = [callable(v) for v in self.flatten().tolist()]
    return self.copy_(self.new_tensor(values).reshape(self.shape))


@method("map_")
def map_(self: Tensor, tensor: Tensor, callable) -> Tensor:
    """Set each element to ``callable(self_element, other_element)``, broadcasting other (CPU only)."""
    _cpu_only(self, "map_")
    pairs = zip(self.flatten().tolist(), tensor.expand(self.shape).flatten().tolist())
    return self.copy_(self.new_tensor([callable(a, b) for a, b in pairs]).reshape(self.shape))


@method("map2_")
def map2_(self: Tensor, x: Tensor, y: Tensor, callable) -> Tensor:
    """Set each element to ``callable(self_element, x_element, y_element)``, broadcasting (CPU only)."""
    _cpu_only(self, "map2_")
    triples = zip(
        self.flatten().tolist(), x.expand(self.shape).flatten().tolist(), y.expand(self.shape).flatten().tolist()
    )
    return self.copy_(self.new_tensor([callable(a, b, c) for a, b, c in triples]).reshape(self.shape))


@method("new_empty_strided")
def new_empty_strided(self: Tensor, size, stride, *, dtype=None, device=None, requires_grad: bool = False, **_):
    """A new uninitialised tensor of `size` (the strides are the backend's own; `stride` is accepted, not used)."""
    return self.new_empty(tuple(size), dtype=dtype, device=device, requires_grad=requires_grad)


@method("fill_diagonal_")
def fill_diagonal_(self: Tensor, fill_value, wrap: bool = False) -> Tensor:
    """Fill the main diagonal with `fill_value`, in place (all sizes equal beyond 2-D; `wrap` restarts it in tall matrices)."""
    if self.dim() < 2:
        raise RuntimeError("dimensions must larger than 1")
    if self.dim() > 2 and len(set(self.shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    columns = self.shape[-1]
    step = sum(columns**k for k in range(self.dim())) if self.dim() > 2 else columns + 1
    count = min(self.shape) if not (wrap and self.dim() == 2) else -(-self.numel() // step)
    positions = [k * step for k in range(count) if k * step < self.numel()]
    if self.dim() == 2 and wrap is False:
        positions = positions[: min(self.shape)]
    mask = self.new_zeros((self.numel(),), dtype=dt.bool_)
    mask[self.new_tensor(positions, dtype=dt.int64)] = True
    return self.masked_fill_(mask.reshape(self.shape), fill_value)
