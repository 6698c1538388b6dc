"""The backward engine: iterative, each node once, in dependency order."""

from __future__ import annotations

from . import _anomaly
from ._grad_mode import set_grad_enabled
from ._node import AccumulateGrad


def _count_dependencies(roots: list) -> dict:
    dependencies: dict = {}
    stack = list(roots)
    seen = set(stack)
    while stack:
        node = stack.pop()
        for child, _ in node.next_functions:
            if child is None:
                continue
            dependencies[child] = dependencies.get(child, 0) + 1
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return dependencies


def run_backward(
    roots: list,
    grads: list,
    retain_graph: bool,
    create_graph: bool,
    capture: dict | None = None,
) -> dict:
    """Propagate `grads` from the `roots` nodes to the leaves.

    With `capture` (node -> key) the gradient arriving at each such node is returned
    under its key and leaves' `.grad` are left alone (`autograd.grad`).
    """
    captured: dict = {}
    buffers: dict = {}
    for node, grad in zip(roots, grads):
        buffers[node] = grad if node not in buffers else buffers[node] + grad
    dependencies = _count_dependencies(list(buffers))
    ready = [node for node in buffers if node not in dependencies]
    check_nan = _anomaly.state.enabled
    with set_grad_enabled(create_graph):
        while ready:
            node = ready.pop()
            grad = buffers.pop(node, None)
            if grad is not None and node._pre_hooks:
                for hook in node._pre_hooks:
                    replaced = hook(grad)
                    if replaced is not None:
                        grad = replaced
            if capture is not None and node in capture:
                captured[capture[node]] = grad
            if type(node) is AccumulateGrad:
                if capture is None and grad is not None:
                    node.accumulate(grad, create_graph)
                continue
            if grad is None:
                child_grads = (None,) * len(node.next_functions)
            else:
                child_grads = node.apply(grad)
                if check_nan:
                    _anomaly.check_grads(node, child_grads)
                if node._hooks:
                    for hook in node._hooks:
                        hook(child_grads, (grad,))
                if not retain_graph:
                    node.release()
            for (child, _), child_grad in zip(node.next_functions, child_grads):
                if child is None:
                    continue
                if child_grad is not None:
                    held = buffers.get(child)
                    buffers[child] = child_grad if held is None else held + child_grad
                remaining = dependencies[child] - 1
                dependencies[child] = remaining
                if remaining == 0:
                    ready.append(child)
    return captured
