"""Shape and view ops. Views share memory and the version counter with their base."""

from __future__ import annotations

import math

from .._tensor import Tensor, _wrap_dim
from ._declare import export, method
from ._dispatch import Op, call, device_mismatch, promoted, write_out


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
    return tuple(int(n) for n in args)


def infer_shape(shape: tuple, numel: int) -> tuple:
    """Resolve a single -1 and check the element count, with PyTorch's error."""
    known = 1
    free = None
    for i, n in enumerate(shape):
        if n == -1:
            if free is not None:
                raise RuntimeError("only one dimension can be inferred")
            free = i
        elif n < 0:
            raise RuntimeError(f"invalid shape dimension {n}")
        else:
            known *= n
    if free is not None:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        return shape[:free] + (numel // known,) + shape[free + 1 :]
    if known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


# --- reshape and view ------------------------------------------------------------------


def _grad_reshape(ctx, g):
    return (g.reshape(ctx.input_shape(0)),)


def _view_kernel(b, x, shape):
    try:
        return b.xp.reshape(x, shape, copy=False)
    except ValueError:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one dimension spans "
            "across two contiguous subspaces). Use .reshape(...) instead."
        ) from None


VIEW = Op("view", _view_kernel, _grad_reshape, node="ViewBackward0")
RESHAPE_COPY = Op("reshape", lambda b, x, shape: b.reshape(x, shape), _grad_reshape, node="UnsafeViewBackward0")


@export
def reshape(input: Tensor, *shape) -> Tensor:
    """The same elements in a new shape: a view when the layout allows, else a copy."""
    shape = infer_shape(_sizes(shape), input._data.size)
    try:
        return view_call(VIEW, input, {"shape": shape})
    except RuntimeError:
        return call(RESHAPE_COPY, (input,), (input._data,), input, {"shape": shape})


@method("view")
def view(self: Tensor, *shape) -> Tensor:
    """A view with a new shape; raises when the layout cannot be viewed (use reshape)."""
    if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list)):
        from .. import _dtype as dt

        target = dt.as_dtype(shape[0])
        data = self._data.view(target.numpy)
        from .._tensor import wrap

        return _as_view(wrap(data, self._backend, target, self.device), self)
    return view_call(VIEW, self, {"shape": infer_shape(_sizes(shape), self._data.size)})


@method("view_as")
def view_as(self: Tensor, other: Tensor) -> Tensor:
    return view(self, other.shape)


@method("reshape_as")
def reshape_as(self: Tensor, other: Tensor) -> Tensor:
    return reshape(self, other.shape)


@export
def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims start_dim..end_dim into one."""
    if input.ndim == 0:
        return reshape(input, 1)
    start = _wrap_dim(start_dim, input.ndim)
    end = _wrap_dim(end_dim, input.ndim)
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = input.shape
    return reshape(input, shape[:start] + (math.prod(shape[start : end + 1]),) + shape[end + 1 :])


@export
def ravel(input: Tensor) -> Tensor:
    return reshape(input, -1)


@export
def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    """Split dim into `sizes`."""
    dim = _wrap_dim(dim, input.ndim)
    sizes = tuple(sizes)
    resolved = infer_shape(sizes, input.shape[dim])
    return reshape(input, input.shape[:dim] + resolved + input.shape[dim + 1 :])


# --- squeeze and unsqueeze ----------------------------------------------------------


def _squeeze_kernel(b, x, axes):
    return b.squeeze(x, axis=axes) if axes else x.view()


SQUEEZE_ALL = Op("squeeze", _squeeze_kernel, _grad_reshape, node="SqueezeBackward0")
SQUEEZE_DIM = Op("squeeze", _squeeze_kernel, _grad_reshape, node="SqueezeBackward1")


@export
def squeeze(input: Tensor, dim=None) -> Tensor:
    """Remove dims of size 1 (all of them, or those named by dim)."""
    shape = input.shape
    if dim is None:
        axes = tuple(i for i, n in enumerate(shape) if n == 1)
        return view_call(SQUEEZE_ALL, input, {"axes": axes})
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    axes = tuple(
        sorted({_wrap_dim(d, input.ndim) for d in dims if input.ndim and shape[_wrap_dim(d, input.ndim)] == 1})
    )
    if input.ndim == 0:
        for d in dims:
            _wrap_dim(d, 0)
    return view_call(SQUEEZE_DIM, input, {"axes": axes})


UNSQUEEZE = Op("unsqueeze", lambda b, x, axis: b.expand_dims(x, axis), _grad_reshape, node="UnsqueezeBackward0")


@export
def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a dim of size 1 at `dim`."""
    return view_call(UNSQUEEZE, input, {"axis": _wrap_dim(dim, input.ndim + 1)})


# --- transpose and permute ----------------------------------------------------------


def _grad_transpose(ctx, g):
    return (g.transpose(ctx.attrs["d0"], ctx.attrs["d1"]),)


def _transpose_kernel(b, x, d0, d1):
    if d0 == d1:
        return x.view()
    order = list(range(x.ndim))
    order[d0], order[d1] = order[d1], order[d0]
    return b.permute(x, order)


TRANSPOSE = Op("transpose", _transpose_kernel, _grad_transpose, node="TransposeBackward0")
T = Op("t", lambda b, x: b.permute(x), lambda ctx, g: (g.t(),), node="TBackward0")


@export
def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dims (a view)."""
    ndim = input.ndim
    return view_call(TRANSPOSE, input, {"d0": _wrap_dim(dim0, ndim), "d1": _wrap_dim(dim1, ndim)})


export(transpose, name="swapaxes")
export(transpose, name="swapdims")


@export
def t(input: Tensor) -> Tensor:
    """Transpose of a matrix (0-D and 1-D tensors come back as they are)."""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return view_call(T, input)


Tensor.T = property(lambda self: permute(self, tuple(reversed(range(self.ndim)))) if self.ndim != 2 else t(self))
Tensor.mT = property(lambda self: transpose(self, -2, -1))
Tensor.H = Tensor.T


def _grad_permute(ctx, g):
    order = ctx.attrs["order"]
    inverse = [0] * len(order)
    for i, axis in enumerate(order):
        inverse[axis] = i
    return (g.permute(inverse),)


PERMUTE = Op("permute", lambda b, x, order: b.permute(x, order), _grad_permute, node="PermuteBackward0")


@export
def permute(input: Tensor, *dims) -> Tensor:
    """Reorder dims (a view)."""
    order = tuple(_wrap_dim(d, input.ndim) for d in _sizes(dims))
    if sorted(order) != list(range(input.ndim)):
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the length of the "
            f"desired ordering of dimensions i.e. input.dim() = {input.ndim} is not equal to len(dims) = {len(order)}"
            if len(order) != input.ndim
            else f"permute(): repeated dim in {list(dims)}"
        )
    return view_call(PERMUTE, input, {"order": order})


@export
def movedim(input: Tensor, source, destination) -> Tensor:
    sources = [source] if isinstance(source, int) else list(source)
    targets = [destination] if isinstance(destination, int) else list(destination)
    sources = [_wrap_dim(s, input.ndim) for s in sources]
    targets = [_wrap_dim(d, input.ndim) for d in targets]
    rest = [i for i in range(input.ndim) if i not in sources]
    order = [0] * input.ndim
    placed = dict(zip(targets, sources))
    remaining = iter(rest)
    for i in range(input.ndim):
        order[i] = placed[i] if i in placed else next(remaining)
    return permute(input, order)


export(movedim, name="moveaxis")


# --- expand, repeat, broadcast -------------------------------------------------------


def _grad_expand(ctx, g):
    return (g.sum_to_size(ctx.input_shape(0)),)


EXPAND = Op("expand", lambda b, x, shape: b.broadcast_to(x, shape), _grad_expand, node="ExpandBackward0")


def _expanded_shape(shape: tuple, sizes: tuple) -> tuple:
    if len(sizes) < len(shape):
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to the number of "
            f"dimensions in the tensor ({len(shape)})"
        )
    lead = len(sizes) - len(shape)
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
    shape = _expanded_shape(self._data.shape, _sizes(sizes))
    return view_call(EXPAND, self, {"shape": shape})


@method("expand_as")
def expand_as(self: Tensor, other: Tensor) -> Tensor:
    return expand(self, other.shape)


@export
def broadcast_to(input: Tensor, size) -> Tensor:
    return expand(input, tuple(size))


@export
def broadcast_shapes(*shapes) -> tuple:
    from .._size import Size

    ndim = max((len(s) for s in shapes), default=0)
    result = [1] * ndim
    for shape in shapes:
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        for i, n in enumerate(shape, start=ndim - len(shape)):
            if n != 1:
                if result[i] not in (1, n):
                    raise RuntimeError(f"Shape mismatch: objects cannot be broadcast to a single shape: {list(shapes)}")
                result[i] = n
    return Size(result)


@export
def broadcast_tensors(*tensors) -> tuple:
    shape = broadcast_shapes(*(t.shape for t in tensors))
    return tuple(expand(t, shape) for t in tensors)


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


def _grad_repeat(ctx, g):
    repeats = ctx.attrs["repeats"]
    shape = ctx.input_shape(0)
    padded = (1,) * (len(repeats) - len(shape)) + tuple(shape)
    split = []
    for r, n in zip(repeats, padded):
        split += [r, n]
    summed = g.reshape(split).sum(tuple(range(0, len(split), 2)))
    return (summed.reshape(shape),)


REPEAT = Op("repeat", lambda b, x, repeats: b.xp.tile(x, repeats), _grad_repeat, node="RepeatBackward0")


@method("repeat")
def repeat(self: Tensor, *sizes) -> Tensor:
    """Tile the tensor `sizes` times along each dim."""
    repeats = _sizes(sizes)
    if len(repeats) < self.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    return call(REPEAT, (self,), (self._data,), self, {"repeats": repeats})


@export
def tile(input: Tensor, dims) -> Tensor:
    dims = tuple(dims)
    return repeat(input, (1,) * (input.ndim - len(dims)) + dims)


@export
def repeat_interleave(input: Tensor, repeats: int, dim: int | None = None) -> Tensor:
    if dim is None:
        input, dim = input.reshape(-1), 0
    dim = _wrap_dim(dim, input.ndim)
    expanded = input.unsqueeze(dim + 1)
    sizes = list(expanded.shape)
    sizes[dim + 1] = repeats
    merged = list(input.shape)
    merged[dim] *= repeats
    return expanded.expand(sizes).reshape(merged)


# --- flip and roll --------------------------------------------------------------------

FLIP = Op(
    "flip", lambda b, x, axes: b.flip(x, axis=axes), lambda ctx, g: (g.flip(ctx.attrs["axes"]),), node="FlipBackward0"
)


@export
def flip(input: Tensor, dims) -> Tensor:
    """Reverse the order of elements along dims."""
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    axes = tuple(_wrap_dim(d, input.ndim) for d in dims)
    return call(FLIP, (input,), (input._data,), input, {"axes": axes})


@export
def fliplr(input: Tensor) -> Tensor:
    return flip(input, (1,))


@export
def flipud(input: Tensor) -> Tensor:
    return flip(input, (0,))


ROLL = Op(
    "roll",
    lambda b, x, shifts, axes: b.xp.roll(x, shifts, axis=axes),
    lambda ctx, g: (g.roll(tuple(-s for s in ctx.attrs["shifts"]), ctx.attrs["axes"]),),
    node="RollBackward0",
)


@export
def roll(input: Tensor, shifts, dims=None) -> Tensor:
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    if dims is None:
        return roll(input.reshape(-1), shifts, 0).reshape(input.shape)
    axes = (dims,) if isinstance(dims, int) else tuple(dims)
    return call(ROLL, (input,), (input._data,), input, {"shifts": shifts, "axes": axes})


# --- slicing pieces: narrow, select, split, chunk, unbind -------------------------------


@export
def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """The slice [start, start + length) along dim (a view)."""
    dim = _wrap_dim(dim, input.ndim)
    size = input.shape[dim]
    start = int(start)
    if start < 0:
        start += size
    if not 0 <= start <= size or length < 0 or start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return input[(slice(None),) * dim + (slice(start, start + length),)]


@export
def select(input: Tensor, dim: int, index: int) -> Tensor:
    dim = _wrap_dim(dim, input.ndim)
    return input[(slice(None),) * dim + (index,)]


@export
def split(tensor: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Pieces of `split_size` along dim (the last may be smaller), or of the listed sizes."""
    dim = _wrap_dim(dim, tensor.ndim)
    size = tensor.shape[dim]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0 and size:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={step}")
        sections = [min(step, size - i) for i in range(0, size, step)] if size else [0]
    else:
        sections = list(split_size_or_sections)
        if sum(sections) != size:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size at dimension "
                f"{dim}), but got split_sizes={sections}"
            )
    pieces = []
    start = 0
    for n in sections:
        pieces.append(narrow(tensor, dim, start, n))
        start += n
    return tuple(pieces)


@export
def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """Up to `chunks` pieces of equal size (the last may be smaller)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    size = input.shape[_wrap_dim(dim, input.ndim)]
    return split(input, max(1, -(-size // chunks)), dim)


@export
def tensor_split(input: Tensor, sections, dim: int = 0) -> tuple:
    dim = _wrap_dim(dim, input.ndim)
    size = input.shape[dim]
    if isinstance(sections, int):
        base, extra = divmod(size, sections)
        sizes = [base + (1 if i < extra else 0) for i in range(sections)]
    else:
        bounds = [0, *sections, size]
        sizes = [max(0, b - a) for a, b in zip(bounds, bounds[1:])]
    return split(input, sizes, dim)


@export
def unbind(input: Tensor, dim: int = 0) -> tuple:
    """The slices along dim, each without that dim."""
    dim = _wrap_dim(dim, input.ndim)
    return tuple(select(input, dim, i) for i in range(input.shape[dim]))


# --- joining ---------------------------------------------------------------------------


def _grad_cat(ctx, g):
    axis = ctx.attrs["axis"]
    sizes = ctx.attrs["sizes"]
    return tuple(split(g, sizes, axis))


def _grad_stack(ctx, g):
    return unbind(g, ctx.attrs["axis"])


CAT = Op("cat", lambda b, *xs, axis, sizes: b.concat(xs, axis=axis), _grad_cat, node="CatBackward0")
STACK = Op("stack", lambda b, *xs, axis: b.stack(xs, axis=axis), _grad_stack, node="StackBackward0")


def _joined(name: str, tensors) -> tuple:
    tensors = tuple(tensors)
    if not tensors:
        raise RuntimeError(f"{name}(): expected a non-empty list of Tensors")
    first = tensors[0]
    want = first.dtype
    for t in tensors[1:]:
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): expected a sequence of Tensors, got {type(t).__name__}")
        if t.device != first.device:
            raise device_mismatch(name, first, t)
        want = promoted(_Weighted(want), t) if t.dtype is not want else want
    return tuple(t if t.dtype is want else t.to(want) for t in tensors)


class _Weighted:
    """A stand-in operand so cat promotes dtypes among equally weighted tensors."""

    __slots__ = ("dtype",)

    def __init__(self, dtype) -> None:
        self.dtype = dtype


@export
def cat(tensors, dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    """Join tensors along an existing dim."""
    tensors = _joined("cat", tensors)
    tensors = tuple(t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)) or tensors[:1]
    ndim = tensors[0].ndim
    if ndim == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    axis = _wrap_dim(dim, ndim)
    for i, t in enumerate(tensors):
        if (
            t.ndim != ndim
            or t.shape[:axis] + t.shape[axis + 1 :] != tensors[0].shape[:axis] + tensors[0].shape[axis + 1 :]
        ):
            raise RuntimeError(
                f"Sizes of tensors must match except in dimension {axis}. Expected size "
                f"{list(tensors[0].shape)} but got size {list(t.shape)} for tensor number {i} in the list."
            )
    sizes = [t.shape[axis] for t in tensors]
    result = call(CAT, tensors, tuple(t._data for t in tensors), tensors[0], {"axis": axis, "sizes": sizes})
    return result if out is None else write_out(out, result)


export(cat, name="concat")
export(cat, name="concatenate")


@export
def stack(tensors, dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    """Join tensors of one shape along a new dim."""
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


@export
def hstack(tensors) -> Tensor:
    tensors = tuple(tensors)
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


@export
def vstack(tensors) -> Tensor:
    return cat([t.reshape(1, -1) if t.ndim < 2 else t for t in tensors], 0)


export(vstack, name="row_stack")


@export
def column_stack(tensors) -> Tensor:
    return cat([t.reshape(-1, 1) if t.ndim < 2 else t for t in tensors], 1)


# --- triangles and diagonals ------------------------------------------------------------

TRIL = Op("tril", lambda b, x, k: b.xp.tril(x, k), lambda ctx, g: (g.tril(ctx.attrs["k"]),), node="TrilBackward0")
TRIU = Op("triu", lambda b, x, k: b.xp.triu(x, k), lambda ctx, g: (g.triu(ctx.attrs["k"]),), node="TriuBackward0")


@export
def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    return call(TRIL, (input,), (input._data,), input, {"k": diagonal})


@export
def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    return call(TRIU, (input,), (input._data,), input, {"k": diagonal})


Tensor.tril_ = lambda self, diagonal=0: self.copy_(tril(self, diagonal))
Tensor.triu_ = lambda self, diagonal=0: self.copy_(triu(self, diagonal))


@export
def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A vector's diagonal matrix, or a matrix's diagonal vector."""
    if input.ndim == 1:
        n = input.shape[0] + abs(diagonal)
        eye = input.new_zeros((n, n))
        rows = list(range(max(0, -diagonal), max(0, -diagonal) + input.shape[0]))
        cols = list(range(max(0, diagonal), max(0, diagonal) + input.shape[0]))
        return eye.index_put((input.new_tensor(rows).long(), input.new_tensor(cols).long()), input)
    return diagonal_of(input, diagonal)


def diagonal_of(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    n = min(input.shape[dim1] - max(0, -offset), input.shape[dim2] - max(0, offset))
    rows = input.new_tensor(list(range(max(0, -offset), max(0, -offset) + max(n, 0)))).long()
    cols = input.new_tensor(list(range(max(0, offset), max(0, offset) + max(n, 0)))).long()
    moved = movedim(input, (dim1, dim2), (0, 1))
    return movedim(moved[rows, cols], 0, -1)


export(diagonal_of, name="diagonal")


@export
def trace(input: Tensor) -> Tensor:
    return diagonal_of(input).sum()


# --- copies ----------------------------------------------------------------------------

CLONE = Op("clone", lambda b, x: b.copy(x), lambda ctx, g: (g,), node="CloneBackward0")


@export
def clone(input: Tensor, *, memory_format=None) -> Tensor:
    """A copy with its own memory (gradients flow back to the input)."""
    return call(CLONE, (input,), (input._data,), input)


@method("contiguous")
def contiguous(self: Tensor, memory_format=None) -> Tensor:
    if self._backend.is_contiguous(self._data):
        return self
    return call(CONTIGUOUS, (self,), (self._data,), self)


CONTIGUOUS = Op("contiguous", lambda b, x: b.ascontiguous(x), lambda ctx, g: (g,), node="CloneBackward0")
