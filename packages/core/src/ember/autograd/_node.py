"""Graph nodes: one per recorded op, named as PyTorch names them (`MulBackward0`).

A node holds what its backward rule needs: the saved inputs (with the version they
had when saved), the op's attributes, the output's array when the rule uses it, and
each input's shape and dtype so gradients come back in the input's own form.
"""

from __future__ import annotations

import weakref

from . import _anomaly

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward."
)


class Node:
    """A recorded operation in the backward graph."""

    __slots__ = (
        "next_functions",
        "_saved",
        "_versions",
        "attrs",
        "_out",
        "_meta",
        "_pre_hooks",
        "_hooks",
        "_freed",
        "_trace",
        "__weakref__",
    )
    _rule = None
    _saves_something = False

    def __init__(self, next_functions: tuple, saved: tuple, versions: tuple, attrs: dict | None, meta: tuple) -> None:
        self.next_functions = next_functions
        self._saved = saved
        self._versions = versions
        self.attrs = attrs
        self._out = None
        self._meta = meta
        self._pre_hooks = None
        self._hooks = None
        self._freed = False
        self._trace = _anomaly.capture_trace() if _anomaly.state.enabled else None

    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    # --- what a backward rule reads -----------------------------------------
    @property
    def saved(self) -> tuple:
        if self._freed:
            raise RuntimeError(FREED_MESSAGE)
        for tensor, version in zip(self._saved, self._versions):
            if version is not None and tensor._version[0] != version:
                raise RuntimeError(_modified_message(self, tensor, version))
        return self._saved

    def output(self):
        """The op's output as a tensor whose history is this node (for higher-order grads)."""
        if self._freed:
            raise RuntimeError(FREED_MESSAGE)
        array, backend, dtype, device = self._out
        from .._tensor import wrap

        out = wrap(array, backend, dtype, device)
        out._requires_grad = True
        out.grad_fn = self
        return out

    def input_shape(self, i: int) -> tuple:
        return self._meta[i][0]

    # --- hooks ----------------------------------------------------------------
    def register_hook(self, fn) -> RemovableHandle:
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(fn)
        return RemovableHandle(self._hooks, fn)

    def register_prehook(self, fn) -> RemovableHandle:
        if self._pre_hooks is None:
            self._pre_hooks = []
        self._pre_hooks.append(fn)
        return RemovableHandle(self._pre_hooks, fn)

    # --- running --------------------------------------------------------------
    def apply(self, grad) -> tuple:
        if self._freed:
            raise RuntimeError(FREED_MESSAGE)
        return self._fit(self._rule(grad))

    def _fit(self, grads) -> tuple:
        """Each input's gradient in that input's shape and dtype (undoing broadcasting)."""
        fitted = []
        for g, meta in zip(grads, self._meta):
            if g is not None and meta is not None:
                shape, dtype = meta
                if g.shape != shape:
                    g = g.sum_to_size(shape)
                if g.dtype is not dtype:
                    g = g.to(dtype)
            fitted.append(g)
        return tuple(fitted)

    def release(self) -> None:
        if self._saves_something:
            self._saved = None
            self._out = None
            self._freed = True


def _modified_message(node: Node, tensor, version: int) -> str:
    kind = tensor.type()
    shape = list(tensor.shape)
    return (
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [{kind} {shape}] is at version {tensor._version[0]}; expected version {version} "
        f"instead (it was saved for {node.name()}). Hint: compute on a copy (`.clone()`) instead of "
        "changing the tensor in place, or do the in-place change before the op that saves it."
    )


class AccumulateGrad(Node):
    """The sink for a leaf tensor: adds incoming gradients into `variable.grad`."""

    __slots__ = ("variable",)

    def __init__(self, variable) -> None:
        super().__init__((), (), (), None, ())
        self.variable = variable

    def accumulate(self, grad, create_graph: bool) -> None:
        variable = self.variable
        if variable._extra is not None and variable._extra.hooks:
            for hook in variable._extra.hooks:
                replaced = hook(grad)
                if replaced is not None:
                    grad = replaced
        if grad.shape != variable.shape:
            grad = grad.sum_to_size(variable.shape)
        if grad.dtype is not variable.dtype:
            grad = grad.to(variable.dtype)
        old = variable.grad
        if old is None:
            variable.grad = grad if create_graph else grad.detach().clone()
        elif create_graph or old._requires_grad:
            variable.grad = old + grad
        else:
            old._backend.add(old._data, grad._data, out=old._data)
            old._version[0] += 1
        if variable._extra is not None and variable._extra.post_accumulate_hooks:
            for hook in variable._extra.post_accumulate_hooks:
                hook(variable)


_node_types: dict = {}


def node_type(name: str, rule, saves_something: bool) -> type:
    """The Node subclass for one op, created once per op declaration."""
    cls = type(name, (Node,), {"__slots__": (), "_rule": rule, "_saves_something": saves_something})
    cls.__module__ = "ember.autograd.graph"
    _node_types[name] = cls
    return cls


class RemovableHandle:
    def __init__(self, hooks: list, fn) -> None:
        self._hooks = weakref.ref(hooks) if not isinstance(hooks, dict) else hooks
        self._fn = fn

    def remove(self) -> None:
        hooks = self._hooks() if isinstance(self._hooks, weakref.ref) else self._hooks
        if hooks is not None and self._fn in hooks:
            hooks.remove(self._fn)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.remove()
