"""Views that pick part of a tensor: slices and selections (narrow, select, split, chunk, unbind)
and strided windows (unfold, diagonal). Each shares memory and the version counter with its base.
"""

from __future__ import annotations

from .._tensor import Tensor, _wrap_dim
from ._declare import export, method
from ._op import Op, call
from .shape import view_call

# --- basic indexing views: slices and selections -----------------------------------------


def _embed_kernel(b, g, *, shape, key):
    out = b.xp.zeros(shape, dtype=g.dtype)
    b.setitem(out, key, g)
    return out


# The backward of a basic index: the gradient placed in zeros of the input's shape.
EMBED = Op(
    "index_embed",
    _embed_kernel,
    lambda m, ctx, g: (m.getitem(g, key=ctx.attrs["key"]),),
    node="IndexEmbedBackward0",
    math="embed",
)


def _grad_index_view(m, ctx, g):
    return (m.embed(g, shape=ctx.input_shape(0), key=ctx.attrs["key"]),)


INDEX_VIEWS = {
    name: Op("getitem", lambda b, x, *, key: x[key], _grad_index_view, node=name)
    for name in (
        "SelectBackward0",
        "SliceBackward0",
        "UnsqueezeBackward0",
        "AliasBackward0",
        "SplitBackward0",
        "SplitWithSizesBackward0",
        "UnbindBackward0",
    )
}


def index_view(x: Tensor, key: tuple, node: str) -> Tensor:
    """x[key] for a basic key that yields an array view (ints followed by an Ellipsis)."""
    return view_call(INDEX_VIEWS[node], x, {"key": key})


def _along(dim: int, part) -> tuple:
    return (slice(None),) * dim + (part, Ellipsis)


@export
def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """The slice [start, start + length) along dim (a view)."""
    dim = _wrap_dim(dim, input.ndim)
    size = input.shape[dim]
    start = int(start.item()) if isinstance(start, Tensor) else int(start)
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if start < 0:
        start += size
    if length < 0 or start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return index_view(input, _along(dim, slice(start, start + length)), "SliceBackward0")


@export
def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice at index along dim, without that dim (a view)."""
    dim = _wrap_dim(dim, input.ndim)
    size = input.shape[dim]
    index = int(index)
    if not -size <= index < size:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(input.shape)} at dimension {dim}"
        )
    return index_view(input, _along(dim, index % size), "SelectBackward0")


def _pieces(tensor: Tensor, sizes: list, dim: int, node: str) -> tuple:
    pieces = []
    start = 0
    for n in sizes:
        pieces.append(index_view(tensor, _along(dim, slice(start, start + n)), node))
        start += n
    return tuple(pieces)


@export
def split(tensor: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Pieces of `split_size` along dim (the last may be smaller), or of the listed sizes."""
    if not isinstance(split_size_or_sections, int):
        return split_with_sizes(tensor, split_size_or_sections, dim)
    dim = _wrap_dim(dim, tensor.ndim)
    size = tensor.shape[dim]
    step = split_size_or_sections
    if step < 0 or (step == 0 and size):
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={step}")
    sections = [min(step, size - i) for i in range(0, size, step)] if size else [0]
    return _pieces(tensor, sections, dim, "SplitBackward0")


@method("split_with_sizes")
def split_with_sizes(self: Tensor, split_sizes, dim: int = 0) -> tuple:
    """Split into pieces of the given sizes along `dim`."""
    dim = _wrap_dim(dim, self.ndim)
    sections = [int(n) for n in split_sizes]
    size = self.shape[dim]
    if sum(sections) != size or any(n < 0 for n in sections):
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size at dimension "
            f"{dim}), but got split_sizes={sections}"
        )
    return _pieces(self, sections, dim, "SplitWithSizesBackward0")


@export
def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """Up to `chunks` pieces of equal size (the last may be smaller)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    size = input.shape[_wrap_dim(dim, input.ndim)]
    return split(input, max(1, -(-size // chunks)), dim)


@export
def tensor_split(input: Tensor, indices_or_sections, dim: int = 0) -> tuple:
    """n nearly equal pieces (the first ones one larger), or pieces cut at the given indices."""
    dim = _wrap_dim(dim, input.ndim)
    size = input.shape[dim]
    sections = indices_or_sections
    if isinstance(sections, Tensor):
        sections = sections.item() if sections.ndim == 0 else sections.tolist()
    if isinstance(sections, int):
        if sections <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
        base, extra = divmod(size, sections)
        bounds = [0]
        for i in range(sections):
            bounds.append(bounds[-1] + base + (1 if i < extra else 0))
    else:
        bounds = [0] + [min(max(int(i) + (size if i < 0 else 0), 0), size) for i in sections] + [size]
    return tuple(
        index_view(input, _along(dim, slice(a, max(a, b))), "SliceBackward0") for a, b in zip(bounds, bounds[1:])
    )


def _split_by(input: Tensor, sections, dim: int, name: str) -> tuple:
    if isinstance(sections, int) and input.shape[dim] % sections:
        raise RuntimeError(
            f"{name} attempted to split along dimension {dim}, but the size of the dimension "
            f"{input.shape[dim]} is not divisible by the split_size {sections}!"
        )
    return tensor_split(input, sections, dim)


@export
def hsplit(input: Tensor, sections) -> tuple:
    """Split a tensor along its second dimension (its first when 1-d)."""
    return _split_by(input, sections, 1 if input.ndim > 1 else 0, "torch.hsplit")


@export
def vsplit(input: Tensor, sections) -> tuple:
    """Split a tensor of two or more dimensions along its first dimension."""
    if input.ndim < 2:
        raise RuntimeError(
            f"torch.vsplit requires a tensor with at least 2 dimension, but got a tensor with {input.ndim} dimensions!"
        )
    return _split_by(input, sections, 0, "torch.vsplit")


@export
def dsplit(input: Tensor, sections) -> tuple:
    """Split a tensor of three or more dimensions along its third dimension."""
    if input.ndim < 3:
        raise RuntimeError(
            f"torch.dsplit requires a tensor with at least 3 dimension, but got a tensor with {input.ndim} dimensions!"
        )
    return _split_by(input, sections, 2, "torch.dsplit")


@export
def unbind(input: Tensor, dim: int = 0) -> tuple:
    """The slices along dim, each without that dim."""
    dim = _wrap_dim(dim, input.ndim)
    return tuple(index_view(input, _along(dim, i), "UnbindBackward0") for i in range(input.shape[dim]))


# --- windows and diagonals: strided views ----------------------------------------------------


def _unfold_kernel(b, x, *, axis, size, step):
    lead = (slice(None),) * axis
    tricks = getattr(getattr(b.xp, "lib", None), "stride_tricks", None)
    if tricks is None:
        # NOTE: a namespace without strided views gives the windows as a copy: one strided slice per offset
        count = (x.shape[axis] - size) // step + 1
        return b.stack([b.getitem(x, lead + (slice(j, j + step * (count - 1) + 1, step),)) for j in range(size)], -1)
    windows = tricks.sliding_window_view(x, size, axis=axis, writeable=True)
    return windows[lead + (slice(None, None, step),)]


def _fold_kernel(b, g, *, shape, axis, size, step):
    """The windows of g (as unfold made them) added back into zeros of the input's shape."""
    out = b.xp.zeros(shape, dtype=g.dtype)
    count = g.shape[axis]
    lead = (slice(None),) * axis
    for j in range(size):
        out[lead + (slice(j, j + step * (count - 1) + 1, step), Ellipsis)] += g[..., j]
    return out


def _window_attrs(ctx) -> dict:
    return {"axis": ctx.attrs["axis"], "size": ctx.attrs["size"], "step": ctx.attrs["step"]}


UNFOLD = Op(
    "unfold",
    _unfold_kernel,
    lambda m, ctx, g: (m.fold_windows(g, shape=ctx.input_shape(0), **_window_attrs(ctx)),),
    node="UnfoldBackward0",
)
FOLD_WINDOWS = Op(
    "fold_windows",
    _fold_kernel,
    lambda m, ctx, g: (m.run(UNFOLD, g, **_window_attrs(ctx)),),
    node="UnfoldBackwardBackward0",
    math="fold_windows",
)


@method("unfold")
def unfold(self: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """Windows of `size` elements every `step` along dimension, as a new last dim (a view)."""
    axis = _wrap_dim(dimension, self.ndim)
    length = self.shape[axis] if self.ndim else 1
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {axis} is {length} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if self.ndim == 0:
        return self.reshape(1)
    return view_call(UNFOLD, self, {"axis": axis, "size": size, "step": step})


def _diagonal_kernel(b, x, *, offset, axis1, axis2):
    found = b.xp.diagonal(x, offset, axis1, axis2)
    if not getattr(getattr(found, "flags", None), "writeable", True):
        found.flags.writeable = True  # NumPy's diagonal views are read-only; PyTorch's are not
    return found


def _diagonal_embed_kernel(b, g, *, shape, offset, axis1, axis2):
    out = b.xp.zeros(shape, dtype=g.dtype)
    _diagonal_kernel(b, out, offset=offset, axis1=axis1, axis2=axis2)[...] = g
    return out


def _diagonal_of(ctx) -> dict:
    return {k: ctx.attrs[k] for k in ("offset", "axis1", "axis2")}


def _grad_diagonal(m, ctx, g):
    return (m.diagonal_embed(g, shape=ctx.input_shape(0), **_diagonal_of(ctx)),)


DIAGONAL = Op("diagonal", _diagonal_kernel, _grad_diagonal, node="DiagonalBackward0")
# NOTE: PyTorch names the node of diag(matrix) "DiagonalBackward0_copy".
DIAGONAL_COPY = Op(
    "diag",
    lambda b, x, **attrs: b.copy(_diagonal_kernel(b, x, **attrs)),
    _grad_diagonal,
    node="DiagonalBackward0_copy",
    math="diagonal_copy",
)
DIAGONAL_EMBED = Op(
    "diag_embed",
    _diagonal_embed_kernel,
    lambda m, ctx, g: (m.diagonal_copy(g, **_diagonal_of(ctx)),),
    node="DiagEmbedBackward0",
    math="diagonal_embed",
)


def _diagonal_attrs(input: Tensor, offset: int, dim1: int, dim2: int) -> dict:
    axis1, axis2 = _wrap_dim(dim1, input.ndim), _wrap_dim(dim2, input.ndim)
    if axis1 == axis2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return {"offset": int(offset), "axis1": axis1, "axis2": axis2}


@export
def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of the (dim1, dim2) planes as a new last dim (a view)."""
    return view_call(DIAGONAL, input, _diagonal_attrs(input, offset, dim1, dim2))


@export
def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices whose (dim1, dim2) diagonals are input's last dim."""
    ndim = input.ndim + 1
    axis1, axis2 = _wrap_dim(dim1, ndim), _wrap_dim(dim2, ndim)
    if axis1 == axis2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    n = (input.shape[-1] if input.ndim else 1) + abs(offset)
    batch = list(input.shape[:-1])
    shape = []
    for i in range(ndim):
        shape.append(n if i in (axis1, axis2) else batch.pop(0))
    attrs = {"shape": tuple(shape), "offset": int(offset), "axis1": axis1, "axis2": axis2}
    return call(DIAGONAL_EMBED, (input,), (input._data,), input, attrs)


@export
def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A vector's diagonal matrix, or a copy of a matrix's diagonal."""
    if input.ndim == 1:
        return diag_embed(input, diagonal, 0, 1)
    if input.ndim != 2:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")
    attrs = _diagonal_attrs(input, diagonal, 0, 1)
    return call(DIAGONAL_COPY, (input,), (input._data,), input, attrs)


EYE_LIKE = Op(
    "eye_like",
    lambda b, x, *, rows, cols: b.eye(rows, cols, b.ember_dtype(x.dtype), b.device_index(x)),
    lambda m, ctx, g: (None,),
    node="EyeLikeBackward0",
    math="eye_like",
)


def _grad_trace(m, ctx, g):
    rows, cols = ctx.input_shape(0)
    return (m.eye_like(g, rows=rows, cols=cols) * g,)


TRACE = Op("trace", lambda b, x: b.xp.asarray(b.xp.trace(x)), _grad_trace, node="TraceBackward0")


@export
def trace(input: Tensor) -> Tensor:
    """The sum of a matrix's diagonal."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return call(TRACE, (input,), (input._data,), input)


for _op in (*INDEX_VIEWS.values(), DIAGONAL, UNFOLD):
    _op.node._view_op = _op  # how ops.shape.rebase_view replays these views on their base


@method("as_subclass")
def as_subclass(self: Tensor, cls: type) -> Tensor:
    """The tensor as an instance of `cls`, a Tensor subclass: an alias of its memory that stays in the autograd graph."""
    if not (isinstance(cls, type) and issubclass(cls, Tensor)):
        raise TypeError(
            "Creating a Tensor subclass from a class that does not inherit from Tensor is not possible. Make sure "
            "your class inherits from Tensor."
        )
    alias = index_view(self, (Ellipsis,), "AliasBackward0")
    alias.__class__ = cls
    return alias
