"""The fast backward pass: gradients flow as backend arrays, never wrapped in tensors.

Used for an ordinary backward (no `create_graph`, no anomaly mode) when every node
on the way has an array rule (`Op(fast=...)`) and no node hooks. Leaves get their
`.grad` exactly as in the tensor engine: a private copy first, then in-place sums.
"""

from __future__ import annotations

import sys

from .. import _tensor
from ._node import AccumulateGrad, accumulate_into


def graph_is_fast(nodes) -> bool:
    """True when every node can run on arrays: op nodes with a fast rule, leaves, and no hooks anywhere."""
    for node in nodes:
        if type(node) is AccumulateGrad:
            variable = node._variable()
            extra = None if variable is None else variable._extra
            if extra is not None and (extra.hooks or extra.post_accumulate_hooks):
                return False
            continue
        if node._fast is None or node._extra is not None or node._multi_output:
            return False
    return True


def sum_to(array, shape: tuple):
    """Sum a broadcast gradient back down to `shape`."""
    lead = array.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and array.shape[lead + i] != 1)
    if axes:
        array = array.sum(axis=axes, keepdims=True)
    return array.reshape(shape) if array.shape != shape else array


def as_tensor(variable, array):
    backend = variable._backend
    if not isinstance(array, backend.ndarray):
        array = backend.xp.asarray(array)
    return _tensor.wrap(array, backend, variable.dtype, variable.device)


# References to a gradient array held only by the engine's loop: its local, this call's argument
# and getrefcount's own.
_ENGINE_REFERENCES = 4


def _exclusive(array) -> bool:
    """True when only the engine refers to `array` and it owns its memory (not a view)."""
    return getattr(array, "base", 0) is None and sys.getrefcount(array) <= _ENGINE_REFERENCES


def accumulate(node: AccumulateGrad, grad) -> None:
    """variable.grad += grad for a leaf (one without hooks: graph_is_fast checked)."""
    variable = node._variable()
    if variable is None:
        return
    if grad.shape != variable._data.shape:
        grad = sum_to(grad, variable._data.shape)
    old = variable._grad
    if old is None:
        backend = variable._backend
        if _exclusive(grad) and type(grad) is backend.ndarray and grad.dtype == variable.dtype.numpy:
            owned = grad  # nothing else holds this buffer: keep it instead of copying
        else:
            owned = grad.astype(variable.dtype.numpy, copy=True)
            if not isinstance(owned, backend.ndarray):
                owned = backend.xp.asarray(owned)
        variable._grad = _tensor.wrap(owned, backend, variable.dtype, variable.device)
    elif old._requires_grad:
        accumulate_into(variable, as_tensor(variable, grad), False)
    else:
        old._backend.add(old._data, grad, out=old._data, casting="unsafe")
        old._version[0] += 1


def execute(order: list, buffers: dict, retain_graph: bool, capture: dict | None) -> dict:
    """Run the nodes from the roots down (`order` lists each node before every node it leads to).

    A node's gradient is complete when its turn comes, since every node feeding it ran
    before. With `capture` (leaf accumulators -> keys) the gradients reaching those leaves
    are returned by key instead of filling `.grad`, and only nodes that lead to them run.
    """
    captured: dict = {}
    wanted = None if capture is None else _leading_to(order, capture)
    for node in order:
        grad = buffers.pop(node, None)
        if grad is None or (wanted is not None and node not in wanted):
            continue
        if node.__class__ is AccumulateGrad:
            if capture is None:
                accumulate(node, grad)
            else:
                for key in capture.get(node, ()):
                    captured[key] = grad
            continue
        for (child, _), g, meta in zip(node.next_functions, node._fast(grad), node._meta):
            if child is None or g is None:
                continue
            shape, dtype = meta
            if g.shape != shape:
                g = sum_to(g, shape)
            if g.dtype != dtype.numpy:
                g = g.astype(dtype.numpy)
            held = buffers.get(child)
            buffers[child] = g if held is None else held + g
        g = grad = None  # NOTE: drop references, so a leaf can take its gradient without a copy
        if not retain_graph and node._saves_something:
            node.release()
    return captured


def _leading_to(order: list, capture: dict) -> set:
    """The nodes from which some captured leaf can be reached."""
    wanted = set(capture)
    for node in reversed(order):
        if node not in wanted and any(child in wanted for child, _ in node.next_functions):
            wanted.add(node)
    return wanted
