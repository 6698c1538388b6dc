"""Writes through a view: the base's history learns of them (PyTorch's CopySlices).

After an in-place op on a view, the view's base gets a node that sends the gradient of
the written region to the op's result and the rest to the base's old history. View ops
mark their node class with `_view_op` (see ops.shape and ops.views) so that the steps
from the base to the view can be read off the view's history and replayed.
"""

from __future__ import annotations

from .. import _dtype as dt
from .._autograd._math import tensor_math
from .._tensor import Tensor, wrap
from ._errors import kind_of
from ._op import Op, math_function, record


def _view_steps(view: Tensor, history) -> list | None:
    """The view ops (and their attributes) that made view from its base, read off its history."""
    stop = view._base.grad_fn
    steps = []
    node = history
    while node is not stop:
        op = getattr(type(node), "_view_op", None)
        if op is None:
            return None
        steps.append((op, node.attrs))
        node = node._edges[0][0]
    return steps[::-1] or None


@math_function
def replay(m, x, *, steps: list):
    """The view ops `steps` applied to x again."""
    for op, attrs in steps:
        x = m.run(op, x, **(attrs or {}))
    return x


def _view_write_mask(b, g, *, steps: list):
    """Ones where the base keeps its old value, zeros over the region the view covers (a constant)."""
    # NOTE: a complex mask is 1 in both parts (1 + 1j), and multiplies part by part (see _grad_view_write)
    keep = b.xp.full(g.shape, 1 + 1j if kind_of(g) == "c" else 1, dtype=g.dtype)
    region = keep
    for op, attrs in steps:
        region = op.forward(b, region, **(attrs or {}))
    region[...] = 0
    return keep


VIEW_WRITE_MASK = Op("view_write_mask", _view_write_mask, lambda m, ctx, g: (None,), math="view_write_mask")


def _grad_view_write(m, ctx, g):
    steps = ctx.attrs["steps"]
    grad_base = None
    if ctx.needs(0):
        keep = m.view_write_mask(g, steps=steps)
        if m.dtype_of(g).is_complex:  # NOTE: a view of one part (.real) keeps the other: mask part by part
            grad_base = m.as_complex(m.as_real(g) * m.as_real(keep))
        else:
            grad_base = g * keep
    return grad_base, m.replay(g, steps=steps)


# PyTorch's CopySlices: the base after a write into one of its views.
VIEW_WRITE = Op("view_write", None, _grad_view_write, node="CopySlices")


def _flat_positions(view: Tensor, base: Tensor):
    """Each element of view as a position in the flattened base, from their memory (CPU only), or None."""
    if view.device.type != "cpu" or base.dtype is not view.dtype:
        return None
    host, window = base._host(), view._host()
    if not host.flags.c_contiguous:
        return None
    size = host.itemsize
    offset = window.__array_interface__["data"][0] - host.__array_interface__["data"][0]
    if offset % size or any(stride % size for stride in window.strides):
        return None
    positions = dt.host_array(offset // size, "int64")  # NOTE: on the host, as the memory it reads
    for axis, (count, stride) in enumerate(zip(window.shape, window.strides)):
        step = dt.host_array(range(count), "int64") * (stride // size)
        positions = positions + step.reshape((1,) * axis + (count,) + (1,) * (window.ndim - axis - 1))
    if positions.size and (positions.min() < 0 or positions.max() >= host.size):
        return None
    return view._backend.from_numpy(positions, None)


def _write_at_mask(b, g, *, positions):
    keep = b.xp.ones(g.size, dtype=g.dtype)
    keep[positions.reshape(-1)] = 0
    return keep.reshape(g.shape)


WRITE_AT_MASK = Op("write_at_mask", _write_at_mask, lambda m, ctx, g: (None,), math="write_at_mask")


def _grad_write_at(m, ctx, g):
    positions = ctx.attrs["positions"]
    grad_base = g * m.write_at_mask(g, positions=positions) if ctx.needs(0) else None
    return grad_base, m.getitem(m.reshape(g, shape=(-1,)), key=positions)


# The same for a view whose history does not lead back to its base: positions found from memory.
VIEW_WRITE_AT = Op("view_write", None, _grad_write_at, node="CopySlices")


def rebase_view(view: Tensor, history) -> None:
    """After an in-place op on view (whose history was `history`), give its base that write's history.

    The base's new node sends the gradient of the written region to the op's result and the
    rest to the base's old history; the view becomes a fresh view of the new base.
    """
    base = view._base
    steps = _view_steps(view, history) if history is not None else None
    positions = _flat_positions(view, base) if steps is None else None
    if steps is None and positions is None:
        return
    before = wrap(base._data, base._backend, base.dtype, base.device)
    before._requires_grad, before.grad_fn = base._requires_grad, base.grad_fn
    written = wrap(view._data, view._backend, view.dtype, view.device)
    written._requires_grad, written.grad_fn = True, view.grad_fn
    if steps is not None:
        record(VIEW_WRITE, base, (before, written), {"steps": steps})
        view.grad_fn = tensor_math().replay(base, steps=steps).grad_fn
    else:
        record(VIEW_WRITE_AT, base, (before, written), {"positions": positions})
        view.grad_fn = tensor_math().getitem(base.reshape(-1), key=positions).grad_fn
