"""Shape and view ops. Views share memory and the version counter with their base."""

from __future__ import annotations

import math
import operator
import warnings

from .. import _dtype as dt
from .._size import Size
from .._tensor import Tensor, _wrap_dim, wrap
from .._writes import check_inplace_target, write_out
from ._declare import export, method
from ._op import Op, call, device_mismatch, math_function


def _as_view(out: Tensor, base: Tensor) -> Tensor:
    out._version = base._version
    out._base = base if base._base is None else base._base
    return out


def view_call(op: Op, x: Tensor, attrs: dict | None = None) -> Tensor:
    return _as_view(call(op, (x,), (x._data,), x, attrs), x)


def _sizes(args) -> tuple:
    """Accept f(2, 3), f((2, 3)), f([2, 3]) and f(ember.Size([2, 3]))."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    try:
        return tuple(map(operator.index, args))
    except TypeError:
        bad = next(n for n in args if not hasattr(n, "__index__"))
        raise TypeError(f"sizes must be ints, got {type(bad).__name__} {bad!r} in {list(args)}") from None


def _dims(dims, ndim: int, name: str) -> tuple:
    """Wrapped dims (an int or a sequence), refusing repeats as PyTorch does."""
    wrapped = tuple(_wrap_dim(d, ndim) for d in ((dims,) if isinstance(dims, int) else dims))
    if len(set(wrapped)) != len(wrapped):
        repeated = next(d for d in wrapped if wrapped.count(d) > 1)
        raise RuntimeError(f"{name}(): dim {repeated} appears multiple times in the list of dims {list(dims)}")
    return wrapped


def infer_shape(shape: tuple, numel: int) -> tuple:
    """Resolve a single -1 and check the element count, with PyTorch's errors."""
    known = 1
    free = None
    for i, n in enumerate(shape):
        if n == -1:
            if free is not None:
                raise RuntimeError(f"only one dimension can be inferred (shape {list(shape)} has two -1)")
            free = i
        elif n < 0:
            raise RuntimeError(f"invalid shape dimension {n} at index {i} of shape {list(shape)}")
        else:
            known *= n
    if free is not None:
        if known == 0 and numel == 0:
            raise RuntimeError(
                f"cannot reshape tensor of 0 elements into shape {list(shape)} because the unspecified dimension "
                "size -1 can be any value and is ambiguous"
            )
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        return shape[:free] + (numel // known,) + shape[free + 1 :]
    if known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


# --- reshape and view ------------------------------------------------------------------


def _grad_reshape(m, ctx, g):
    return (m.reshape(g, shape=ctx.input_shape(0)),)


def _view_kernel(b, x, *, shape):
    if b.is_contiguous(x):
        return b.reshape(x, shape)
    try:
        return b.xp.reshape(x, shape, copy=False)
    except (ValueError, AttributeError):  # NOTE: array-api-strict raises AttributeError
        raise RuntimeError(
            f"view size is not compatible with input tensor's size and stride (at least one dimension spans "
            f"across two contiguous subspaces): viewing shape {list(x.shape)} with strides "
            f"{[s // b.dtypes[x.dtype].itemsize for s in b.strides(x)]} as {list(shape)}. Use .reshape(...) instead."
        ) from None


VIEW = Op("view", _view_kernel, _grad_reshape, node="ViewBackward0")
RESHAPE_COPY = Op(
    "reshape", lambda b, x, *, shape: b.reshape(x, shape), _grad_reshape, node="UnsafeViewBackward0", math="reshape"
)


@export
def reshape(input: Tensor, *shape) -> Tensor:
    """The same elements in a new shape: a view when the layout allows, else a copy.

    >>> x = ember.arange(6)
    >>> ember.reshape(x, (2, 3))
    tensor([[0, 1, 2],
            [3, 4, 5]])
    >>> x.reshape(3, -1)
    tensor([[0, 1],
            [2, 3],
            [4, 5]])
    """
    shape = infer_shape(_sizes(shape), input._data.size)
    try:
        return view_call(VIEW, input, {"shape": shape})
    except RuntimeError:
        copy = call(CONTIGUOUS, (input,), (input._data,), input)  # one C-ordered copy, then a free reshape
        return call(RESHAPE_COPY, (copy,), (copy._data,), copy, {"shape": shape})


def _view_as_dtype(self: Tensor, target: dt.dtype) -> Tensor:
    if target.itemsize != self.dtype.itemsize and self.ndim and self.shape[-1] * self.dtype.itemsize % target.itemsize:
        raise RuntimeError(
            f"self.size(-1) must be divisible by {target.itemsize // self.dtype.itemsize} to view "
            f"{self.dtype} as {target} (different element sizes), but got {self.shape[-1]}"
        )
    return _as_view(wrap(self._data.view(target.numpy), self._backend, target, self.device), self)


@method("view")
def view(self: Tensor, *shape) -> Tensor:
    """A view with a new shape (or dtype); raises when the layout cannot be viewed (use reshape).

    >>> x = ember.arange(6.)
    >>> y = x.view(2, 3)
    >>> y[0, 0] = 10.
    >>> x
    tensor([10.,  1.,  2.,  3.,  4.,  5.])
    """
    if not shape:
        raise TypeError("view() needs a shape, e.g. t.view(2, 3) or t.view(-1), or a dtype")
    if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list)):
        return _view_as_dtype(self, dt.as_dtype(shape[0]))
    return view_call(VIEW, self, {"shape": infer_shape(_sizes(shape), self._data.size)})


@method("view_as")
def view_as(self: Tensor, other: Tensor) -> Tensor:
    """A view of the tensor with the shape of `other`."""
    return view(self, other.shape)


@method("reshape_as")
def reshape_as(self: Tensor, other: Tensor) -> Tensor:
    """The tensor reshaped to the shape of `other`."""
    return reshape(self, other.shape)


@export
def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims start_dim..end_dim into one.

    >>> ember.flatten(ember.zeros(2, 3, 4), start_dim=1).shape
    ember.Size([2, 12])
    """
    if input.ndim == 0:
        return reshape(input, 1)
    start = _wrap_dim(start_dim, input.ndim)
    end = _wrap_dim(end_dim, input.ndim)
    if start > end:
        raise RuntimeError(f"flatten() has invalid args: start_dim ({start_dim}) cannot come after end_dim ({end_dim})")
    shape = input.shape
    return reshape(input, shape[:start] + (math.prod(shape[start : end + 1]),) + shape[end + 1 :])


@export
def ravel(input: Tensor) -> Tensor:
    """The elements as a 1-d tensor: a view when possible."""
    return reshape(input, -1)


@export
def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    """Split dim into `sizes`."""
    dim = _wrap_dim(dim, input.ndim)
    sizes = tuple(sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    if -1 not in sizes and math.prod(sizes) != input.shape[dim]:
        raise RuntimeError(
            f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
            f"({input.shape[dim]}) in the input tensor"
        )
    resolved = infer_shape(sizes, input.shape[dim])
    return reshape(input, input.shape[:dim] + resolved + input.shape[dim + 1 :])


# --- squeeze and unsqueeze ----------------------------------------------------------


def _squeeze_kernel(b, x, *, axes):
    return b.squeeze(x, axes) if axes else x[...]


def _unsqueeze_kernel(b, x, *, axis):
    return x[(slice(None),) * axis + (None, ...)]


# NOTE: PyTorch numbers the node by overload: all dims, one dim, a tuple; in-place from 3.
SQUEEZE = (
    Op("squeeze", _squeeze_kernel, _grad_reshape, node="SqueezeBackward0"),
    Op("squeeze", _squeeze_kernel, _grad_reshape, node="SqueezeBackward1"),
    Op("squeeze", _squeeze_kernel, _grad_reshape, node="SqueezeBackward2", math="squeeze"),
)
SQUEEZE_INPLACE = tuple(Op("squeeze", _squeeze_kernel, _grad_reshape, node=f"SqueezeBackward{n}") for n in (3, 4, 5))
UNSQUEEZE = Op("unsqueeze", _unsqueeze_kernel, _grad_reshape, node="UnsqueezeBackward0", math="expand_dims")
UNSQUEEZE_INPLACE = Op("unsqueeze", _unsqueeze_kernel, _grad_reshape, node="UnsqueezeBackward1")


def _squeeze_args(input: Tensor, dim) -> tuple[int, tuple]:
    """Which overload (0 all, 1 one dim, 2 a tuple) and the size-1 axes it removes."""
    shape = input.shape
    if dim is None:
        return 0, tuple(i for i, n in enumerate(shape) if n == 1)
    dims = _dims(dim, input.ndim, "squeeze")
    axes = tuple(sorted(d for d in dims if input.ndim and shape[d] == 1))
    return (1 if isinstance(dim, int) else 2), axes


@export
def squeeze(input: Tensor, dim=None) -> Tensor:
    """Remove dims of size 1 (all of them, or those named by dim).

    >>> ember.zeros(1, 3, 1).squeeze().shape
    ember.Size([3])
    >>> ember.zeros(1, 3, 1).squeeze(0).shape
    ember.Size([3, 1])
    """
    overload, axes = _squeeze_args(input, dim)
    return view_call(SQUEEZE[overload], input, {"axes": axes})


@export
def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a dim of size 1 at `dim`.

    >>> x = ember.tensor([1, 2, 3])
    >>> ember.unsqueeze(x, 0)
    tensor([[1, 2, 3]])
    >>> x.unsqueeze(1)
    tensor([[1],
            [2],
            [3]])
    """
    return view_call(UNSQUEEZE, input, {"axis": _wrap_dim(dim, input.ndim + 1)})


# --- transpose and permute ----------------------------------------------------------


def _grad_transpose(m, ctx, g):
    return (m.swapaxes(g, d0=ctx.attrs["d0"], d1=ctx.attrs["d1"]),)


def _transpose_kernel(b, x, *, d0, d1):
    if d0 == d1:
        return x[...]
    order = list(range(x.ndim))
    order[d0], order[d1] = order[d1], order[d0]
    return b.permute(x, order)


def _grad_t(m, ctx, g):
    return (m.t(g),)


TRANSPOSE = Op("transpose", _transpose_kernel, _grad_transpose, node="TransposeBackward0", math="swapaxes")
TRANSPOSE_INPLACE = Op("transpose", _transpose_kernel, _grad_transpose, node="TransposeBackward1")
T = Op("t", "permute", _grad_t, node="TBackward0", math="t")  # NOTE: permute with no axes reverses them
T_INPLACE = Op("t", "permute", _grad_t, node="TBackward1")


def _transpose_attrs(input: Tensor, dim0: int, dim1: int) -> dict:
    return {"d0": _wrap_dim(dim0, input.ndim), "d1": _wrap_dim(dim1, input.ndim)}


@export
def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dims (a view).

    >>> x = ember.tensor([[1, 2, 3], [4, 5, 6]])
    >>> ember.transpose(x, 0, 1)
    tensor([[1, 4],
            [2, 5],
            [3, 6]])
    """
    return view_call(TRANSPOSE, input, _transpose_attrs(input, dim0, dim1))


export(transpose, name="swapaxes")
export(transpose, name="swapdims")


def _check_matrix(input: Tensor, name: str) -> None:
    if input.ndim > 2:
        raise RuntimeError(f"{name}() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")


@export
def t(input: Tensor) -> Tensor:
    """Transpose of a matrix (0-D and 1-D tensors come back as they are)."""
    _check_matrix(input, "t")
    return view_call(T, input)


def _reversed_dims(self: Tensor) -> Tensor:
    """The dimensions in reverse order: a 2-d tensor's transpose (``H`` is the same, ember has no complex dtypes)."""
    if self.ndim != 2:
        warnings.warn(
            "Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases."
            if self.ndim == 0
            else "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated and "
            "it will throw an error in a future release. Consider `x.mT` to transpose batches of matrices or "
            "`x.permute(*ember.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor.",
            UserWarning,
            stacklevel=2,
        )
    return permute(self, tuple(reversed(range(self.ndim))))


def _matrix_transpose(self: Tensor) -> Tensor:
    """The transpose of the last two dimensions (``mH`` is the same, ember has no complex dtypes)."""
    if self.ndim < 2:
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. Got {self.ndim}-D tensor.")
    return transpose(self, -2, -1)


Tensor.T = property(_reversed_dims)
Tensor.H = property(_reversed_dims)
Tensor.mT = property(_matrix_transpose)
Tensor.mH = property(_matrix_transpose)


def _inverse_order(order: tuple) -> list:
    inverse = [0] * len(order)
    for i, axis in enumerate(order):
        inverse[axis] = i
    return inverse


PERMUTE = Op(
    "permute",
    lambda b, x, *, order: b.permute(x, order),
    lambda m, ctx, g: (m.permute(g, order=_inverse_order(ctx.attrs["order"])),),
    node="PermuteBackward0",
    math="permute",
)


@export
def permute(input: Tensor, *dims) -> Tensor:
    """Reorder dims (a view).

    >>> x = ember.zeros(2, 3, 4)
    >>> ember.permute(x, (2, 0, 1)).shape
    ember.Size([4, 2, 3])
    >>> x.permute(1, 2, 0).shape
    ember.Size([3, 4, 2])
    """
    dims = _sizes(dims)
    if len(dims) != input.ndim:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the length of the "
            f"desired ordering of dimensions i.e. input.dim() = {input.ndim} is not equal to len(dims) = {len(dims)}"
        )
    order = tuple(_wrap_dim(d, input.ndim) for d in dims)
    if len(set(order)) != len(order):
        raise RuntimeError(f"permute(): duplicate dims are not allowed (got dims {list(dims)})")
    return view_call(PERMUTE, input, {"order": order})


@export
def movedim(input: Tensor, source, destination) -> Tensor:
    """Move the dims in source to the positions in destination; the others keep their order."""
    sources = [source] if isinstance(source, int) else list(source)
    targets = [destination] if isinstance(destination, int) else list(destination)
    if len(sources) != len(targets):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({sources} dims) should contain the same number "
            f"of dims as destination ({targets} dims)"
        )
    for name, given in (("source", sources), ("destination", targets)):
        wrapped = [_wrap_dim(d, input.ndim) for d in given]
        if len(set(wrapped)) != len(wrapped):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({given})")
    sources = [_wrap_dim(s, input.ndim) for s in sources]
    targets = [_wrap_dim(d, input.ndim) for d in targets]
    placed = dict(zip(targets, sources))
    remaining = iter(i for i in range(input.ndim) if i not in sources)
    return permute(input, [placed[i] if i in placed else next(remaining) for i in range(input.ndim)])


export(movedim, name="moveaxis")


# --- in-place shape changes: t_, transpose_, squeeze_, unsqueeze_, resize_ -----------------


def _become(self: Tensor, result: Tensor) -> Tensor:
    """Make self the reshaped view `result` of itself, keeping its identity."""
    check_inplace_target(self)
    self._data = result._data
    self._storage_changed()
    if result.grad_fn is not None:
        self.grad_fn = result.grad_fn
    self._version[0] += 1
    return self


@method("t_")
def t_(self: Tensor) -> Tensor:
    _check_matrix(self, "t_")
    return _become(self, call(T_INPLACE, (self,), (self._data,), self))


@method("transpose_")
def transpose_(self: Tensor, dim0: int, dim1: int) -> Tensor:
    attrs = _transpose_attrs(self, dim0, dim1)
    return _become(self, call(TRANSPOSE_INPLACE, (self,), (self._data,), self, attrs))


Tensor.swapaxes_ = Tensor.swapdims_ = transpose_


@method("squeeze_")
def squeeze_(self: Tensor, dim=None) -> Tensor:
    overload, axes = _squeeze_args(self, dim)
    return _become(self, call(SQUEEZE_INPLACE[overload], (self,), (self._data,), self, {"axes": axes}))


@method("unsqueeze_")
def unsqueeze_(self: Tensor, dim: int) -> Tensor:
    attrs = {"axis": _wrap_dim(dim, self.ndim + 1)}
    return _become(self, call(UNSQUEEZE_INPLACE, (self,), (self._data,), self, attrs))


@method("resize_")
def resize_(self: Tensor, *sizes, memory_format=None) -> Tensor:
    """Give self a new shape, keeping its elements in order; new elements are uninitialised."""
    from .._creation import sizes_of

    if self._requires_grad:
        raise RuntimeError("cannot resize variables that require grad; resize a detached tensor instead")
    shape = sizes_of(sizes)
    count = math.prod(shape)
    flat = self._backend.ascontiguous(self._data).reshape(-1)
    if count > flat.size:
        grown = self._backend.empty((count,), self.dtype, self._backend.device_index(self._data))
        grown[: flat.size] = flat
        flat = grown
    self._data = flat[:count].reshape(shape)
    self._storage_changed()
    self._version[0] += 1
    return self


@method("resize_as_")
def resize_as_(self: Tensor, other: Tensor, memory_format=None) -> Tensor:
    """Give the tensor the shape of `other`, in place."""
    return resize_(self, other.shape)


# --- expand, repeat, broadcast -------------------------------------------------------


EXPAND = Op(
    "expand",
    lambda b, x, *, shape: b.broadcast_to(x, shape),
    lambda m, ctx, g: (g,),  # NOTE: the engine sums each gradient down to its input's shape
    node="ExpandBackward0",
    math="broadcast_to",
)


@math_function
def unbroadcast(m, g, *, shape: tuple):
    """Sum a broadcast gradient back down to `shape`."""
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1)
    if axes:
        g = m.sum(g, axis=axes, keepdims=True)
    return m.reshape(g, shape=shape) if tuple(g.shape) != tuple(shape) else g


def _expanded_shape(self: Tensor, sizes: tuple) -> tuple:
    shape = self._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(
            f"expand({self.type()}{{{list(shape)}}}, size={list(sizes)}): the number of sizes provided "
            f"({len(sizes)}) must be greater or equal to the number of dimensions in the tensor ({len(shape)})"
        )
    lead = len(sizes) - len(shape)
    for i, want in enumerate(sizes[:lead]):
        if want < 0:
            raise RuntimeError(
                f"The expanded size of the tensor ({want}) isn't allowed in a leading, non-existing dimension {i}"
            )
    result = list(sizes[:lead])
    for have, want in zip(shape, sizes[lead:]):
        if want == -1:
            result.append(have)
        elif have == want or have == 1:
            result.append(want)
        else:
            raise RuntimeError(
                f"The expanded size of the tensor ({want}) must match the existing size ({have}) at non-singleton "
                f"dimension {len(result)}.  Target sizes: {list(sizes)}.  Tensor sizes: {list(shape)}"
            )
    return tuple(result)


@method("expand")
def expand(self: Tensor, *sizes) -> Tensor:
    """A broadcast view with new sizes (-1 keeps a dim)."""
    return view_call(EXPAND, self, {"shape": _expanded_shape(self, _sizes(sizes))})


@method("expand_as")
def expand_as(self: Tensor, other: Tensor) -> Tensor:
    """A view of the tensor expanded to the shape of `other`."""
    return expand(self, other.shape)


@export
def broadcast_to(input: Tensor, size) -> Tensor:
    """A view of input broadcast to `size`."""
    return expand(input, tuple(size))


@export
def broadcast_shapes(*shapes) -> Size:
    """The shape that tensors of the given shapes broadcast to."""
    ndim = max((1 if isinstance(s, int) else len(s) for s in shapes), default=0)
    result = [1] * ndim
    for shape in shapes:
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        for i, n in enumerate(shape, start=ndim - len(shape)):
            if n != 1:
                if result[i] not in (1, n):
                    raise RuntimeError(
                        f"Shape mismatch: objects cannot be broadcast to a single shape: {[list(s) for s in shapes]}"
                    )
                result[i] = n
    return Size(result)


@export
def broadcast_tensors(*tensors) -> tuple:
    """The tensors broadcast to their common shape (views)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = broadcast_shapes(*(t.shape for t in tensors))
    return tuple(expand(t, shape) for t in tensors)


@export
def meshgrid(*tensors, indexing: str | None = None) -> tuple:
    """Coordinate grids from 1-D tensors (views that expand each one along the others)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn(
            "torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
            UserWarning,
            stacklevel=2,
        )
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t.ndim}D")
    swap = indexing == "xy" and len(tensors) >= 2
    ordered = (tensors[1], tensors[0], *tensors[2:]) if swap else tensors
    sizes = tuple(t.numel() for t in ordered)
    grids = []
    for axis, t in enumerate(ordered):
        shape = (1,) * axis + (-1,) + (1,) * (len(ordered) - axis - 1)
        grids.append(t.reshape(shape).expand(sizes))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


@method("sum_to_size")
def sum_to_size(self: Tensor, *size) -> Tensor:
    """Sum broadcast dims away so the result has `size` (the reverse of expand)."""
    target = _sizes(size)
    shape = self._data.shape
    lead = len(shape) - len(target)
    if lead < 0:
        raise RuntimeError(f"size {list(target)} is not expandable to size {list(shape)}")
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(target) if n == 1 and shape[i + lead] != 1)
    result = self.sum(axes, keepdim=True) if axes else self
    return result.reshape(target) if result.shape != target else result


def _grad_repeat(m, ctx, g):
    repeats = ctx.attrs["repeats"]
    shape = ctx.input_shape(0)
    padded = (1,) * (len(repeats) - len(shape)) + tuple(shape)
    split = []
    for r, n in zip(repeats, padded):
        split += [r, n]
    summed = m.sum(m.reshape(g, shape=tuple(split)), axis=tuple(range(0, len(split), 2)))
    return (m.reshape(summed, shape=shape),)


REPEAT = Op("repeat", lambda b, x, *, repeats: b.xp.tile(x, repeats), _grad_repeat, node="RepeatBackward0")


@method("repeat")
def repeat(self: Tensor, *sizes) -> Tensor:
    """Tile the tensor `sizes` times along each dim."""
    repeats = _sizes(sizes)
    if len(repeats) < self.ndim:
        raise RuntimeError(
            f"Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor "
            f"(repeat{list(repeats)} on a {self.ndim}-D tensor); give one count per dim"
        )
    if any(r < 0 for r in repeats):
        raise RuntimeError(f"Trying to create tensor with negative dimension: repeat{list(repeats)}")
    return call(REPEAT, (self,), (self._data,), self, {"repeats": repeats})


@export
def tile(input: Tensor, dims) -> Tensor:
    """The tensor repeated along each dimension, as many times as `dims` says."""
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    return repeat(input, (1,) * (input.ndim - len(dims)) + dims)


@export
def repeat_interleave(input: Tensor, repeats=None, dim: int | None = None, *, output_size: int | None = None) -> Tensor:
    """Repeat each element (or slice along dim) `repeats` times; repeats may differ per element."""
    from .._creation import arange

    if repeats is None:
        counts = input
        return arange(counts.shape[0], device=counts.device).repeat_interleave(counts)
    if dim is None:
        input, dim = input.reshape(-1), 0
    dim = _wrap_dim(dim, input.ndim)
    if isinstance(repeats, Tensor) and repeats.numel() != 1:
        if repeats.ndim != 1 or repeats.shape[0] != input.shape[dim]:
            raise RuntimeError(
                f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                f"{repeats.shape[0] if repeats.ndim else 1} and input.size({dim}) = {input.shape[dim]}"
            )
        counts = repeats.tolist()
        if counts and min(counts) < 0:
            raise RuntimeError("repeats can not be negative")
        xp = input._backend.xp
        index_tensor = wrap(
            xp.repeat(xp.arange(input.shape[dim], dtype="int64"), counts), input._backend, dt.int64, input.device
        )
        return input.index_select(dim, index_tensor)
    repeats = int(repeats.item()) if isinstance(repeats, Tensor) else int(repeats)
    if repeats < 0:
        raise RuntimeError("repeats can not be negative")
    expanded = input.unsqueeze(dim + 1)
    sizes = list(expanded.shape)
    sizes[dim + 1] = repeats
    merged = list(input.shape)
    merged[dim] *= repeats
    return expanded.expand(sizes).contiguous().view(merged)


# --- flip, roll, rot90 -----------------------------------------------------------------

FLIP = Op(
    "flip",
    lambda b, x, *, axes: b.ascontiguous(b.flip(x, axis=axes)) if axes else b.copy(x),
    lambda m, ctx, g: (m.flip(g, axes=ctx.attrs["axes"]),),
    node="FlipBackward0",
    math="flip",
)


@export
def flip(input: Tensor, dims) -> Tensor:
    """Reverse the order of elements along dims (a copy, as in PyTorch)."""
    return call(FLIP, (input,), (input._data,), input, {"axes": _dims(dims, input.ndim, "flip")})


@export
def fliplr(input: Tensor) -> Tensor:
    """Reverse the order of the columns (dim 1)."""
    if input.ndim < 2:
        raise RuntimeError(f"fliplr(): input must be >= 2-d, got a {input.ndim}-d tensor")
    return flip(input, (1,))


@export
def flipud(input: Tensor) -> Tensor:
    """Reverse the order of the rows (dim 0)."""
    if input.ndim < 1:
        raise RuntimeError("flipud(): input must be >= 1-d, got a 0-d tensor")
    return flip(input, (0,))


ROLL = Op(
    "roll",
    lambda b, x, *, shifts, axes: b.xp.roll(x, shifts, axis=axes),
    lambda m, ctx, g: (m.roll(g, **_unrolled(ctx.attrs)),),
    node="RollBackward0",
    math="roll",
)


def _unrolled(attrs: dict) -> dict:
    shifts = attrs["shifts"]
    return {"shifts": -shifts if isinstance(shifts, int) else tuple(-s for s in shifts), "axes": attrs["axes"]}


@export
def roll(input: Tensor, shifts, dims=None) -> Tensor:
    """Shift elements along dims, wrapping around (the flattened tensor when dims is None)."""
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"roll(): with no dims, shifts must be a single int (got {list(shifts)})")
        return call(ROLL, (input,), (input._data,), input, {"shifts": shifts[0], "axes": None})
    axes = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(axes):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(axes)}")
    axes = tuple(_wrap_dim(d, input.ndim) for d in axes)
    return call(ROLL, (input,), (input._data,), input, {"shifts": shifts, "axes": axes})


ROT90 = Op(
    "rot90",
    lambda b, x, *, k, axes: b.ascontiguous(b.xp.rot90(x, k, axes)),
    lambda m, ctx, g: (m.rot90(g, k=-ctx.attrs["k"], axes=ctx.attrs["axes"]),),
    node="Rot90Backward0",
    math="rot90",
)


@export
def rot90(input: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    """Rotate by 90 degrees k times, from the first towards the second of dims (a copy)."""
    if len(dims) != 2:
        raise RuntimeError(f"rot90(): expected total rotation dims == 2, but got dims = {len(dims)}")
    first, second = (_wrap_dim(d, input.ndim) for d in dims)
    if first == second:
        raise RuntimeError(
            f"rot90(): expected rotation dims to be different, but got dim0 = {first} and dim1 = {second}"
        )
    return call(ROT90, (input,), (input._data,), input, {"k": int(k) % 4, "axes": (first, second)})


# --- joining ---------------------------------------------------------------------------


def _grad_cat(m, ctx, g):
    lead = (slice(None),) * ctx.attrs["axis"]
    pieces, start = [], 0
    for i, size in enumerate(ctx.attrs["sizes"]):
        pieces.append(g[(*lead, slice(start, start + size), Ellipsis)] if ctx.needs(i) else None)
        start += size
    return tuple(pieces)


def _grad_stack(m, ctx, g):
    lead = (slice(None),) * ctx.attrs["axis"]
    return tuple(g[(*lead, i, Ellipsis)] for i in range(g.shape[ctx.attrs["axis"]]))


CAT = Op("cat", lambda b, *xs, axis, sizes: b.concat(xs, axis=axis), _grad_cat, node="CatBackward0")


@math_function
def concat(m, *xs, axis: int):
    """xs joined along an existing axis."""
    return m.run(CAT, *xs, axis=axis, sizes=[x.shape[axis] for x in xs])


STACK = Op("stack", lambda b, *xs, axis: b.stack(xs, axis=axis), _grad_stack, node="StackBackward0")


def _joined(name: str, tensors) -> tuple:
    """The tensors, on one device, converted to their promoted dtype."""
    if isinstance(tensors, Tensor):
        raise TypeError(f"{name}(): argument 'tensors' must be a tuple or list of Tensors, not Tensor")
    tensors = tuple(tensors)
    if not tensors:
        raise ValueError(f"ember.{name}(): expected a non-empty list of Tensors")
    first = tensors[0]
    want = getattr(first, "dtype", None)
    mixed = False
    for i, t in enumerate(tensors):
        if type(t) is not Tensor and not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
        if t.dtype is not want:
            want = dt.promote_types(want, t.dtype)
            mixed = True
        if t.device is not first.device and t.device != first.device:
            raise device_mismatch(name, first, t)
    return tuple(t if t.dtype is want else t.to(want) for t in tensors) if mixed else tensors


def _cat_checked(tensors: tuple, dim: int) -> int:
    """The axis to join along, after PyTorch's shape checks."""
    shapes = [t._data.shape for t in tensors]
    first = shapes[0]
    ndim = len(first)
    for i, shape in enumerate(shapes):
        if not shape:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
        if len(shape) != ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ndim} and {len(shape)}")
    axis = _wrap_dim(dim, ndim)
    for i, shape in enumerate(shapes):
        if shape[:axis] != first[:axis] or shape[axis + 1 :] != first[axis + 1 :]:
            d = next(d for d in range(ndim) if d != axis and shape[d] != first[d])
            raise RuntimeError(
                f"Sizes of tensors must match except in dimension {axis}. Expected size {first[d]} but got "
                f"size {shape[d]} for tensor number {i} in the list (shapes {list(first)} and {list(shape)})."
            )
    return axis


@export
def cat(tensors, dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    """Join tensors along an existing dim.

    >>> a = ember.tensor([[1, 2], [3, 4]])
    >>> ember.cat([a, a])
    tensor([[1, 2],
            [3, 4],
            [1, 2],
            [3, 4]])
    >>> ember.cat([a, a], dim=1)
    tensor([[1, 2, 1, 2],
            [3, 4, 3, 4]])
    """
    tensors = _joined("cat", tensors)
    # NOTE: PyTorch skips 1-D empty tensors whatever the others' shapes (a legacy rule).
    if any(t._data.shape == (0,) for t in tensors):
        tensors = tuple(t for t in tensors if t._data.shape != (0,)) or tensors[:1]
    axis = _cat_checked(tensors, dim)
    attrs = {"axis": axis, "sizes": [t._data.shape[axis] for t in tensors]}
    result = call(CAT, tensors, tuple(t._data for t in tensors), tensors[0], attrs)
    return result if out is None else write_out(out, result)


export(cat, name="concat")
export(cat, name="concatenate")


@export
def stack(tensors, dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    """Join tensors of one shape along a new dim.

    >>> a, b = ember.tensor([1, 2]), ember.tensor([3, 4])
    >>> ember.stack([a, b])
    tensor([[1, 2],
            [3, 4]])
    >>> ember.stack([a, b], dim=1)
    tensor([[1, 3],
            [2, 4]])
    """
    tensors = _joined("stack", tensors)
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} at entry 0 and "
                f"{list(t.shape)} at entry {i}"
            )
    axis = _wrap_dim(dim, tensors[0].ndim + 1)
    result = call(STACK, tensors, tuple(t._data for t in tensors), tensors[0], {"axis": axis})
    return result if out is None else write_out(out, result)


def _at_least(tensors: tuple, ndim: int):
    """atleast_Nd: one tensor in, one out; several (or a sequence) in, a tuple out."""
    single = len(tensors) == 1 and isinstance(tensors[0], Tensor)
    if len(tensors) == 1 and not single:
        tensors = tuple(tensors[0])
    shaped = []
    for t in tensors:
        if t.ndim == 0:
            t = t.reshape((1,) * ndim)
        elif t.ndim == 1 and ndim >= 2:
            t = t.unsqueeze(0)
            if ndim == 3:
                t = t.unsqueeze(-1)
        elif t.ndim == 2 and ndim == 3:
            t = t.unsqueeze(-1)
        shaped.append(t)
    return shaped[0] if single else tuple(shaped)


@export
def atleast_1d(*tensors):
    """The tensors with at least one dimension: 0-d ones become 1-d."""
    return _at_least(tensors, 1)


@export
def atleast_2d(*tensors):
    """The tensors with at least two dimensions: dimensions of size 1 are added in front."""
    return _at_least(tensors, 2)


@export
def atleast_3d(*tensors):
    """The tensors with at least three dimensions, dimensions of size 1 added as NumPy does."""
    return _at_least(tensors, 3)


@export
def hstack(tensors, *, out: Tensor | None = None) -> Tensor:
    """The tensors concatenated along the second dimension (the first for 1-d tensors)."""
    tensors = atleast_1d(tuple(tensors))
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1, out=out)


@export
def vstack(tensors, *, out: Tensor | None = None) -> Tensor:
    """The tensors concatenated along the first dimension (1-d ones become rows)."""
    return cat(atleast_2d(tuple(tensors)), 0, out=out)


export(vstack, name="row_stack")


@export
def dstack(tensors, *, out: Tensor | None = None) -> Tensor:
    """The tensors stacked along the third dimension (depth-wise)."""
    return cat(atleast_3d(tuple(tensors)), 2, out=out)


@export
def column_stack(tensors, *, out: Tensor | None = None) -> Tensor:
    """The tensors side by side as columns (1-d ones become columns)."""
    return cat([t.reshape(-1, 1) if t.ndim < 2 else t for t in tensors], 1, out=out)


# --- triangles ------------------------------------------------------------------------------

TRIL = Op(
    "tril",
    lambda b, x, *, k: b.xp.tril(x, k=k),
    lambda m, ctx, g: (m.tril(g, k=ctx.attrs["k"]),),
    node="TrilBackward0",
    math="tril",
)
TRIU = Op(
    "triu",
    lambda b, x, *, k: b.xp.triu(x, k=k),
    lambda m, ctx, g: (m.triu(g, k=ctx.attrs["k"]),),
    node="TriuBackward0",
    math="triu",
)


def _triangle(op: Op, input: Tensor, diagonal: int) -> Tensor:
    if input.ndim < 2:
        raise RuntimeError(f"{op.name}: input tensor must have at least 2 dimensions (got shape {list(input.shape)})")
    return call(op, (input,), (input._data,), input, {"k": int(diagonal)})


@export
def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle (on and below the diagonal-th diagonal); the rest zero."""
    return _triangle(TRIL, input, diagonal)


@export
def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle (on and above the diagonal-th diagonal); the rest zero."""
    return _triangle(TRIU, input, diagonal)


Tensor.tril_ = lambda self, diagonal=0: self.copy_(tril(self, diagonal))
Tensor.triu_ = lambda self, diagonal=0: self.copy_(triu(self, diagonal))


# --- copies ----------------------------------------------------------------------------


def _grad_identity(m, ctx, g):
    return (g,)


# NOTE: order="K" keeps the input's memory layout, as PyTorch's preserve_format does.
CLONE = Op("clone", lambda b, x: b.copy(x), _grad_identity, node="CloneBackward0")
CONTIGUOUS = Op("contiguous", lambda b, x: b.ascontiguous(x), _grad_identity, node="CloneBackward0")


@export
def clone(input: Tensor, *, memory_format=None) -> Tensor:
    """A copy with its own memory (gradients flow back to the input)."""
    return call(CLONE, (input,), (input._data,), input)


@method("contiguous")
def contiguous(self: Tensor, memory_format=None) -> Tensor:
    """The tensor itself when contiguous, else a contiguous copy."""
    if self._backend.is_contiguous(self._data):
        return self
    return call(CONTIGUOUS, (self,), (self._data,), self)


# --- in-place writes through a view: the base's history learns of them ------------------------

for _op in (
    VIEW,
    *SQUEEZE,
    *SQUEEZE_INPLACE,
    UNSQUEEZE,
    UNSQUEEZE_INPLACE,
    TRANSPOSE,
    TRANSPOSE_INPLACE,
    T,
    T_INPLACE,
    PERMUTE,
    EXPAND,
):
    _op.node._view_op = _op  # NOTE: how rebase_view replays a view on its base (ops.views marks its own)
