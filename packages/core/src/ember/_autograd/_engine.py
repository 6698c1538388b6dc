"""The backward engine: one scheduler for every backward pass.

Nodes run newest first. A node is created after every node it leads to, so when the
newest pending node runs, every node that could still send it a gradient has run and
its gradient is complete: no discovery pass is needed. A child newer than every
pending node runs straight after its parent (no heap round trip along chains).

Gradients flow as backend arrays on an ordinary backward, and as tensors when the
backward pass is itself recorded (`create_graph`) or checked (anomaly mode); each node's
one rule receives the matching math namespace (see `_math`). Nodes with hooks, and
custom Functions, see tensors in either case. Leaves collect their summed gradient and
take it once every node has run.

With `targets` (autograd.grad, backward(inputs=...)) only the nodes that lead to a
target run, and the gradients arriving at the targets are returned by position
instead of filling `.grad`.
"""

from __future__ import annotations

import heapq

from .._devices import device_of
from .._tensor import wrap
from . import _anomaly
from ._grad_mode import no_grad, set_grad_enabled
from ._math import ARRAY_MATHS, tensor_math
from ._node import _POST_ACCUMULATE_HOOKS, AccumulateGrad, accumulate, leaf_hooks, run_leaf_hooks


def run_backward(
    outputs: list, grad_outputs: list, retain_graph: bool, create_graph: bool, targets: list | None = None
) -> dict:
    """Propagate `grad_outputs` (tensors, numbers or None for 1; none at all for all 1) from
    `outputs` to the leaves, or with `targets` (edges) to those, whose gradients come back by position."""
    on_tensors = create_graph or _anomaly.state.enabled
    # NOTE: ids of arrays a leaf may not take as its .grad without a copy: the caller's gradients, and those a
    # leaf took already (any other array that is not a view was made by this pass, and nothing else holds it)
    kept: set = set()
    roots, seeds = _starts(outputs, grad_outputs, on_tensors, kept)
    capture = wanted = waiting = None
    if targets is not None:
        capture = {}
        for key, (node, output_nr) in enumerate(targets):
            capture.setdefault(node, []).append((output_nr, key))
        wanted = _leading_to(roots, capture)
    elif _POST_ACCUMULATE_HOOKS[0]:  # NOTE: a leaf with such a hook takes its gradient once its last edge delivered
        waiting = _edges_into_leaves(roots)
    if not on_tensors:  # NOTE: rules on arrays record nothing; hooks and custom Functions run through _user_code
        return _propagate(roots, seeds, retain_graph, create_graph, on_tensors, kept, capture, wanted, waiting)
    with set_grad_enabled(create_graph):
        return _propagate(roots, seeds, retain_graph, create_graph, on_tensors, kept, capture, wanted, waiting)


def _user_code(on_tensors: bool, function, *args):
    """function(*args), with grad mode off in a pass on arrays (a pass on tensors has set the mode it records in)."""
    if on_tensors:
        return function(*args)
    with no_grad():
        return function(*args)


def filled_array(like, value):
    """A backend array of like's shape, dtype and device filled with value."""
    backend, shape, index = like._backend, like._data.shape, like.device.index
    return backend.full(shape, value, like.dtype, index) if shape else backend.asarray(value, like.dtype, index)


def _starts(outputs: list, grad_outputs: list, on_tensors: bool, kept: set) -> tuple:
    """Each output's edge (its root) and the gradient it starts from (its seed: an array, or a
    tensor `on_tensors`); the caller's own gradient arrays are noted as `kept`."""
    if grad_outputs and len(grad_outputs) != len(outputs):
        raise RuntimeError(
            f"Mismatch in number of gradients: got {len(grad_outputs)} gradients for {len(outputs)} outputs; "
            "pass one gradient (or None) per output."
        )
    roots = []
    seeds = []
    for i, output in enumerate(outputs):
        fn = output.grad_fn
        edge = (fn, 0) if fn is not None and output._extra is None else output._edge()
        if edge[0] is None:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn. Call "
                "requires_grad_() on the inputs before computing it, and don't compute it under no_grad()."
            )
        roots.append(edge)
        given = grad_outputs[i] if grad_outputs else None
        if given is None:  # the implicit gradient of a scalar output: 1
            if output._data.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs (output {i} has shape "
                    f"{list(output.shape)}). Pass a gradient of that shape, e.g. "
                    "out.backward(ember.ones_like(out)), or reduce the output first (out.sum().backward())."
                )
            if not output.dtype.is_floating_point:
                raise RuntimeError(
                    f"grad can be implicitly created only for real scalar outputs but got {output.dtype}"
                )
            given = filled_array(output, 1)
            seeds.append(wrap(given, output._backend, output.dtype, output.device) if on_tensors else given)
        elif not hasattr(given, "_data"):
            given = wrap(filled_array(output, given), output._backend, output.dtype, output.device)
            seeds.append(given if on_tensors else given._data)
        elif given._data.shape != output._data.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {given.shape} and output[{i}] "
                f"has a shape of {output.shape}."
            )
        else:
            kept.add(id(given._data))
            seeds.append(given if on_tensors else given._data)
    return roots, seeds


def _propagate(
    roots: list,
    seeds: list,
    retain_graph: bool,
    create_graph: bool,
    on_tensors: bool,
    kept: set,
    capture: dict | None,
    wanted: set | None,
    waiting: dict | None,
) -> dict:
    """Run every node that receives a gradient, newest first; then the leaves take theirs."""
    buffers: dict = {}  # pending node -> its gradient so far (a list of them, one per output, for multi-output nodes)
    pending: list = []  # heap of (-creation number, node)
    leaves: dict = {}  # accumulator -> its summed gradient
    captured: dict = {}
    plain = not on_tensors  # NOTE: plain: arrays, and a node's rule runs directly
    node = roots[0][0] if roots else None
    if wanted is None and len(roots) == 1 and node.__class__ is not AccumulateGrad and not node._multi_output:
        grad = seeds[0]  # NOTE: one output's node runs at once
    else:
        node = grad = None
        for (root, output_nr), seed in zip(roots, seeds):
            if wanted is None or root in wanted:
                _deliver(buffers, pending, leaves, root, output_nr, seed)
    while node is not None or pending:
        if node is None:
            node = heapq.heappop(pending)[1]
            grad = buffers.pop(node)
        while node is not None:  # NOTE: a child newer than every pending node runs next, skipping the heap
            if plain and node._extra is None and not node._runs_on_tensors and (capture is None or node not in capture):
                m = ARRAY_MATHS[node._backend]
                grads = node._rule(m, node, grad)
            else:
                m = tensor_math() if on_tensors else ARRAY_MATHS[node._backend]
                grads = _user_code(on_tensors, _run_slowly, node, grad, m, on_tensors, capture, wanted, captured)
                if grads is None:  # NOTE: a target leading to no other target: it does not run
                    node = None
                    break
            grad_in, after, grad = grad, None, None
            for (child, output_nr), g, meta in zip(node._edges, grads, node._meta):
                if child is None or g is None or (wanted is not None and child not in wanted):
                    continue
                shape, dtype = meta
                if g.shape != shape or g.dtype is not dtype.numpy:
                    g = m.fit(g, shape, dtype)
                if child.__class__ is AccumulateGrad:
                    held = leaves.get(child)
                    leaves[child] = g if held is None else held + g
                    if waiting is not None:
                        if g is grad_in:  # NOTE: handed on unchanged, others may read it after the leaf took it
                            kept.add(id(g))
                        remaining = waiting[child] = waiting[child] - 1
                        if remaining == 0:
                            variable = child._variable()
                            g = leaves.pop(child)
                            if variable is not None:
                                _user_code(
                                    on_tensors,
                                    _take,
                                    child,
                                    variable,
                                    g,
                                    captured,
                                    capture,
                                    on_tensors,
                                    create_graph,
                                    kept,
                                )
                elif child is after:
                    grad = grad + g
                elif child._multi_output:
                    _deliver(buffers, pending, leaves, child, output_nr, g)
                else:
                    held = buffers.get(child)
                    if held is not None:
                        buffers[child] = held + g
                    elif after is None and (not pending or child._seq > -pending[0][0]):
                        after, grad = child, g
                    elif after is not None and child._seq > after._seq:
                        buffers[after] = grad
                        heapq.heappush(pending, (-after._seq, after))
                        after, grad = child, g
                    else:
                        buffers[child] = g
                        heapq.heappush(pending, (-child._seq, child))
            if not retain_graph and node._saves_something:
                node.release()
            node = after
    plain = plain and capture is None
    for leaf, grad in leaves.items():  # NOTE: each leaf takes its summed gradient (with targets, hands it back)
        variable = leaf._variable()
        if variable is None:
            continue
        extra = variable._extra
        if plain and (extra is None or not (extra.hooks or extra.post_accumulate_hooks)):
            accumulate(variable, grad, _may_keep(kept, grad), False)
        else:
            _user_code(on_tensors, _take, leaf, variable, grad, captured, capture, on_tensors, create_graph, kept)
    return captured


def _deliver(buffers: dict, pending: list, leaves: dict, node, output_nr: int, grad) -> None:
    """Add `grad` into what `node` will receive for its output `output_nr`."""
    if node.__class__ is AccumulateGrad:
        held = leaves.get(node)
        leaves[node] = grad if held is None else held + grad
        return
    if node._multi_output:
        held = buffers.get(node)
        if held is None:
            held = buffers[node] = [None] * node._n_outputs
            heapq.heappush(pending, (-node._seq, node))
        previous = held[output_nr]
        held[output_nr] = grad if previous is None else previous + grad
        return
    previous = buffers.get(node)
    if previous is None:
        buffers[node] = grad
        heapq.heappush(pending, (-node._seq, node))
    else:
        buffers[node] = previous + grad


def _run_slowly(node, grad, m, on_tensors: bool, capture: dict | None, wanted: set | None, captured: dict):
    """Run a node that has hooks, is a custom Function or a target, or runs in a recorded pass.

    Hooks see tensors. Returns the node's input gradients, or None for a target that
    leads to no other target (its gradient is captured and it does not run).
    """
    tensors = _as_tensors(node, grad, on_tensors)
    extra = node._extra
    if extra is not None:
        tensors = extra.before(tensors)
    if capture is not None and node in capture:
        for output_nr, key in capture[node]:
            captured[key] = tensors[output_nr]
        if not any(child in wanted for child, _ in node._edges):
            return None
    if node._multi_output and all(t is None for t in tensors):
        return (None,) * len(node._edges)
    tm = tensor_math()
    incoming = tensors if node._multi_output else tensors[0]
    if node._runs_on_tensors or on_tensors:
        results = _run_checked(node, tm, incoming) if _anomaly.state.enabled else node.run(tm, incoming)
        results = [_fitted(tm, r, meta) for r, meta in zip(results, node._meta)]
    else:
        results = node.run(m, incoming._data)
        results = [_fitted(m, r, meta) for r, meta in zip(results, node._meta)]
        results = [None if r is None else _as_tensor(node._backend, r) for r in results]
    if extra is not None and extra.hooks:
        results = extra.after(tuple(results), tensors)
    if on_tensors:
        return results
    return [None if r is None else r._data for r in results]


def _as_tensors(node, grad, on_tensors: bool) -> list:
    """A node's incoming gradient(s) as a list of tensors, one per output."""
    if on_tensors:
        return list(grad) if node._multi_output else [grad]
    if not node._multi_output:
        return [_as_tensor(node._backend, grad)]
    return [
        None if g is None else wrap(g, backend, dtype, device)
        for g, (_, dtype, backend, device) in zip(grad, node._outputs_meta)
    ]


def _take(leaf, variable, grad, captured: dict, capture, on_tensors: bool, create_graph: bool, kept: set) -> None:
    """A leaf takes its gradient through its hooks, or hands it back as a target's."""
    replaced = False  # NOTE: a hook's own tensor may be held by the hook's caller
    if capture is not None or leaf_hooks(variable):
        tensor = grad if on_tensors else ARRAY_MATHS[leaf._backend].as_tensor(grad, variable)
        hooked = run_leaf_hooks(variable, tensor) if leaf_hooks(variable) else tensor
        if capture is not None:
            for _, key in capture.get(leaf, ()):
                captured[key] = hooked
            return
        grad = hooked if create_graph else hooked._data
        replaced = hooked is not tensor
    elif on_tensors and not create_graph:
        grad = grad._data
    accumulate(variable, grad, not on_tensors and not replaced and _may_keep(kept, grad), create_graph)


def _may_keep(kept: set, grad) -> bool:
    """Whether a leaf may keep `grad` as its .grad without a copy: not a view, not one of the caller's
    arrays, not taken by another leaf. Asking takes it: a second leaf is told no."""
    key = id(grad)
    if key in kept:
        return False
    kept.add(key)
    return getattr(grad, "base", 0) is None


def _edges_into_leaves(roots: list) -> dict:
    """For each leaf accumulator reachable from `roots`: how many edges lead into it."""
    seen = {node for node, _ in roots if node is not None}
    stack = list(seen)
    counts: dict = {}
    while stack:
        for child, _ in stack.pop()._edges:
            if child is None:
                continue
            if child.__class__ is AccumulateGrad:
                counts[child] = counts.get(child, 0) + 1
            elif child not in seen:
                seen.add(child)
                stack.append(child)
    return counts


def _fitted(m, g, meta):
    return None if g is None or meta is None else m.fit(g, *meta)


def _as_tensor(backend, array):
    """A gradient array as a tensor on the device it lives on."""
    if not isinstance(array, backend.ndarray):
        array = backend.xp.asarray(array)
    return wrap(array, backend, backend.ember_dtype(array.dtype), device_of(backend, array))


def _run_checked(node, m, grad) -> tuple:
    """node.run under anomaly detection: NaN gradients raise, and any failure names the forward call."""
    try:
        grads = node.run(m, grad)
        if _anomaly.state.check_nan:
            _anomaly.check_nan(node, grads)
    except Exception:
        _anomaly.report_failure(node)
        raise
    return grads


def _leading_to(roots: list, capture: dict) -> set:
    """The nodes reachable from `roots` from which some target node can be reached (targets included)."""
    seen = {node for node, _ in roots if node is not None}
    stack = list(seen)
    while stack:
        for child, _ in stack.pop()._edges:
            if child is not None and child not in seen:
                seen.add(child)
                stack.append(child)
    wanted = set()
    for node in sorted(seen, key=_children_first):
        if node in capture or any(child in wanted for child, _ in node._edges):
            wanted.add(node)
    return wanted


def _children_first(node) -> tuple:
    """Leaves first (an accumulator may be made after the node that feeds it), then by creation."""
    return node.__class__ is not AccumulateGrad, node._seq
