"""The backward engine: iterative (no recursion), each node once, in dependency order.

A pass first counts, for every node reachable from the roots, how many edges lead
into it; a node runs when all of them have delivered (a gradient or nothing), so
the gradients it receives are complete sums. With `targets` (autograd.grad, or
backward(inputs=...)) only the part of the graph that leads to a target runs and
the gradients arriving at the targets are returned instead of filling `.grad`.
"""

from __future__ import annotations

import itertools
import operator

from . import _anomaly, _array_engine
from ._array_engine import deposit
from ._grad_mode import state as grad_state
from ._node import AccumulateGrad

_NO_GRADS = itertools.repeat(None)  # what a node that received no gradient passes on


def _count_dependencies(roots) -> dict:
    """For each node reachable from roots: the number of edges pointing at it."""
    dependencies: dict = {}
    root_set = set(roots)
    stack = list(root_set)
    while stack:
        for child, _ in stack.pop().next_functions:
            if child is None:
                continue
            count = dependencies.get(child)
            if count is None:
                dependencies[child] = 1
                if child not in root_set:
                    stack.append(child)
            else:
                dependencies[child] = count + 1
    return dependencies


def _newest_first(roots) -> list:
    """Every node reachable from roots, newest first: each comes after all the nodes that lead to it."""
    seen = set(roots)
    stack = list(seen)
    while stack:
        for child, _ in stack.pop().next_functions:
            if child is not None and child not in seen:
                seen.add(child)
                stack.append(child)
    return sorted(seen, key=_creation_order, reverse=True)


_creation_order = operator.attrgetter("_seq")


def _post_order(roots) -> list:
    """All nodes reachable from roots, each after every node it leads to."""
    order = []
    visited = set()
    for root in roots:
        if root in visited:
            continue
        visited.add(root)
        stack = [(root, iter(root.next_functions))]
        while stack:
            node, children = stack[-1]
            for child, _ in children:
                if child is not None and child not in visited:
                    visited.add(child)
                    stack.append((child, iter(child.next_functions)))
                    break
            else:
                stack.pop()
                order.append(node)
    return order


class _Plan:
    """Which nodes run when only the gradients at `targets` are wanted."""

    __slots__ = ("dependencies", "needed", "stops", "capture")

    def __init__(self, roots, targets: list) -> None:
        self.capture: dict = {}
        for key, (node, output_nr) in enumerate(targets):
            self.capture.setdefault(node, []).append((output_nr, key))
        self.needed = set()
        self.stops = set()
        for node in _post_order(roots):
            leads_on = any(child in self.needed for child, _ in node.next_functions)
            if leads_on or node in self.capture:
                self.needed.add(node)
                if not leads_on:
                    self.stops.add(node)
        self.dependencies: dict = {}
        for node in self.needed:
            for child, _ in node.next_functions:
                if child in self.needed:
                    self.dependencies[child] = self.dependencies.get(child, 0) + 1


def run_backward(
    roots: list,
    grads: list,
    retain_graph: bool,
    create_graph: bool,
    targets: list | None = None,
) -> dict:
    """Propagate `grads` from the `roots` edges ((node, output_nr) pairs) to the leaves.

    Without targets, leaves accumulate into `.grad`. With targets (a list of edges) the
    gradient arriving at each is returned under its position and no `.grad` changes.
    """
    buffers: dict = {}
    for (node, output_nr), grad in zip(roots, grads):
        deposit(buffers, node, output_nr, grad)
    previous_mode = grad_state.enabled
    grad_state.enabled = create_graph
    try:
        if not create_graph and not _anomaly.state.enabled and _leaves_only(targets):
            return _run_on_arrays(buffers, retain_graph, targets)
        if targets is None:
            plan = None
            dependencies = _count_dependencies(buffers)
            ready = [node for node in buffers if node not in dependencies]
        else:
            plan = _Plan(buffers, targets)
            dependencies = plan.dependencies
            ready = [node for node in buffers if node in plan.needed and node not in dependencies]
        return _execute(ready, buffers, dependencies, retain_graph, create_graph, plan)
    finally:
        grad_state.enabled = previous_mode


def _leaves_only(targets: list | None) -> bool:
    return targets is None or all(type(node) is AccumulateGrad for node, _ in targets)


def _run_on_arrays(buffers: dict, retain_graph: bool, targets: list | None) -> dict:
    """The array engine; with targets (leaves only), the gradients reaching them are returned as tensors."""
    for node, grad in buffers.items():
        buffers[node] = [None if g is None else g._data for g in grad] if node._multi_output else grad._data
    if targets is None:
        return _array_engine.execute(buffers, retain_graph)
    capture: dict = {}
    for key, (node, _) in enumerate(targets):
        capture.setdefault(node, []).append(key)
    wanted = _array_engine.leading_to(_newest_first(buffers), capture)
    captured = _array_engine.execute(buffers, retain_graph, capture, wanted)
    for node, keys in capture.items():
        for key in keys:
            if key in captured:
                captured[key] = _array_engine.as_tensor(node.variable, captured[key])
    return captured


def _execute(ready: list, buffers: dict, dependencies: dict, retain_graph: bool, create_graph: bool, plan) -> dict:
    captured: dict = {}
    capture = None if plan is None else plan.capture
    anomaly = _anomaly.state.enabled
    while ready:
        node = ready.pop()
        grad = buffers.pop(node, None)
        multi = node._multi_output
        if multi and grad is not None and all(g is None for g in grad):
            grad = None
        if grad is None:
            child_grads = _NO_GRADS
        else:
            extra = node._extra
            if extra is not None:
                grad = extra.before(grad) if multi else extra.before([grad])[0]
            if type(node) is AccumulateGrad:
                grad = node.run_tensor_hooks(grad)
                if capture is None:
                    node.accumulate(grad, create_graph)
                else:
                    for _, key in capture.get(node, ()):
                        captured[key] = grad
                continue
            if capture is not None and node in capture:
                for output_nr, key in capture[node]:
                    captured[key] = grad[output_nr] if multi else grad
                if node in plan.stops:
                    continue
            child_grads = _apply_checked(node, grad) if anomaly else node.apply(grad)
            if extra is not None and extra.hooks:
                child_grads = extra.after(child_grads, grad if multi else [grad])
            if not retain_graph and node._saves_something:
                node.release()
        for (child, output_nr), child_grad in zip(node.next_functions, child_grads):
            if child is None:
                continue
            remaining = dependencies.get(child)
            if remaining is None:
                continue  # pruned: leads to no target
            if child_grad is not None:
                if child._multi_output or child in buffers:
                    deposit(buffers, child, output_nr, child_grad)
                else:
                    buffers[child] = child_grad
            if remaining == 1:
                ready.append(child)
            dependencies[child] = remaining - 1
    return captured


def _apply_checked(node, grad) -> tuple:
    """node.apply under anomaly detection: NaN gradients raise, and any failure names the forward call."""
    try:
        child_grads = node.apply(grad)
        if _anomaly.state.check_nan:
            _anomaly.check_nan(node, child_grads)
    except Exception:
        _anomaly.report_failure(node)
        raise
    return child_grads
