"""The ordinary backward pass: gradients flow as backend arrays, wrapped in tensors only where needed.

Used for every backward without `create_graph` or anomaly mode. A node with an array
rule (`Op(fast=...)`) and no hooks runs on arrays; any other node (custom Functions,
hooks, ops without an array rule) runs its tensor rule on wrapped gradients. Leaves get
their `.grad` exactly as in the tensor engine: a private copy first, then in-place sums.
"""

from __future__ import annotations

import heapq
import sys

from .. import _tensor
from .._device import CPU
from .._device import device as Device
from .._devices import canonical_device
from ._node import AccumulateGrad, accumulate_into


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
    """variable.grad += grad for a leaf; a leaf with hooks takes its gradient as a tensor."""
    variable = node._variable()
    if variable is None:
        return
    extra = variable._extra
    if extra is not None and (extra.hooks or extra.post_accumulate_hooks):
        node.accumulate(node.run_tensor_hooks(as_tensor(variable, grad)), False)
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


def execute(buffers: dict, retain_graph: bool, capture: dict | None = None, wanted: set | None = None) -> dict:
    """Run every node that receives a gradient, newest first, starting from `buffers` (node -> array).

    A node is created after every node it leads to, so when the newest pending node runs,
    every node that could still send it a gradient has run: its gradient is complete.
    With `capture` (leaf accumulators -> keys) the gradients reaching those leaves are
    returned by key instead of filling `.grad`, and only the `wanted` nodes run.
    """
    leaves: dict = {}  # NOTE: a leaf leads nowhere, so it takes its summed gradient once every node has run
    pending = []
    for node in list(buffers):
        if node.__class__ is AccumulateGrad:
            leaves[node] = buffers.pop(node)
        else:
            pending.append((-node._seq, node))
    heapq.heapify(pending)
    while pending:
        node = heapq.heappop(pending)[1]
        grad = buffers.pop(node)
        while node is not None:  # NOTE: a child newer than every pending node runs next, skipping the heap
            if wanted is not None and node not in wanted:
                break
            if node._fast is not None and node._extra is None:
                grads = node._fast(grad)
            else:
                grads = _through_tensors(node, grad)
            after = after_grad = None
            for (child, output_nr), g, meta in zip(node.next_functions, grads, node._meta):
                if child is None or g is None:
                    continue
                shape, dtype = meta
                if g.shape != shape:
                    g = sum_to(g, shape)
                if g.dtype is not dtype.numpy and g.dtype != dtype.numpy:
                    g = g.astype(dtype.numpy)
                if child.__class__ is AccumulateGrad:
                    held = leaves.get(child)
                    leaves[child] = g if held is None else held + g
                elif child is after:
                    after_grad = after_grad + g
                elif child._multi_output:
                    if child not in buffers:
                        heapq.heappush(pending, (-child._seq, child))
                    deposit(buffers, child, output_nr, g)
                else:
                    held = buffers.get(child)
                    if held is not None:
                        buffers[child] = held + g
                    elif after is None and (not pending or child._seq > -pending[0][0]):
                        after, after_grad = child, g
                    elif after is not None and child._seq > after._seq:
                        buffers[after] = after_grad
                        heapq.heappush(pending, (-after._seq, after))
                        after, after_grad = child, g
                    else:
                        buffers[child] = g
                        heapq.heappush(pending, (-child._seq, child))
            g = grads = held = None  # NOTE: drop references, so a leaf can take its gradient without a copy
            if not retain_graph and node._saves_something:
                node.release()
            node, grad = after, after_grad
    captured: dict = {}
    while leaves:
        node, grad = leaves.popitem()
        if capture is None:
            accumulate(node, grad)
        elif node in capture:
            grad = _hooked(node, grad)
            for key in capture[node]:
                captured[key] = grad
    return captured


def _hooked(node: AccumulateGrad, grad):
    """The gradient reaching a leaf after the leaf's own hooks."""
    variable = node._variable()
    extra = None if variable is None else variable._extra
    if extra is None or not extra.hooks:
        return grad
    return node.run_tensor_hooks(as_tensor(variable, grad))._data


def deposit(buffers: dict, node, output_nr: int, grad) -> None:
    """Add `grad` into what `node` will receive for its output `output_nr`."""
    if node._multi_output:
        held = buffers.get(node)
        if held is None:
            held = buffers[node] = [None] * node._n_outputs
        previous = held[output_nr]
        held[output_nr] = grad if previous is None else previous + grad
    else:
        previous = buffers.get(node)
        buffers[node] = grad if previous is None else previous + grad


def _through_tensors(node, grad) -> list:
    """A node without an array rule, or with hooks: run it on tensors, hand back arrays."""
    if node._multi_output:
        grads = [
            None if g is None else _tensor.wrap(g, backend, dtype, device)
            for g, (_, dtype, backend, device) in zip(grad, node._outputs_meta)
        ]
    else:
        grads = [_gradient_tensor(node._backend, grad)]
    extra = node._extra
    if extra is not None:
        grads = extra.before(grads)
    results = node.apply(grads if node._multi_output else grads[0])
    if extra is not None and extra.hooks:
        results = extra.after(results, grads)
    return [None if g is None else g._data for g in results]


def _gradient_tensor(backend, array):
    """A gradient array as a tensor on the device the array lives on."""
    if not isinstance(array, backend.ndarray):
        array = backend.xp.asarray(array)
    index = backend.device_index(array)
    device = CPU if index is None else canonical_device(Device(backend.device_type, index))
    return _tensor.wrap(array, backend, backend.ember_dtype(array.dtype), device)


def leading_to(order: list, capture: dict) -> set:
    """The nodes from which some captured leaf can be reached (`order`: newest first)."""
    wanted = set(capture)
    for node in reversed(order):
        if node not in wanted and any(child in wanted for child, _ in node.next_functions):
            wanted.add(node)
    return wanted
