"""Graph nodes: one per recorded op, named as PyTorch names them (`MulBackward0`).

A node holds what its backward rule needs: the saved inputs (with the version each
had when saved), the op's attributes, the output's array when the rule uses it, and
each input's shape and dtype so gradients come back in the input's own form.
`next_functions` holds one `(node, output_nr)` edge per input, `(None, 0)` for an
input that needs no gradient. Rarely used state (hooks, the anomaly trace, metadata)
lives in `_extra` so that creating a node stays cheap.
"""

from __future__ import annotations

import itertools
import weakref

from .. import _tensor  # NOTE: partially initialised while ember._tensor imports autograd; used at call time
from . import _anomaly

_anomaly_state = _anomaly.state

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward."
)


class _NodeExtra:
    """Hooks, retain_grad slots, anomaly trace and metadata of one node."""

    __slots__ = ("pre_hooks", "hooks", "tensor_pre_hooks", "retains_grad", "trace", "metadata")

    def __init__(self, trace: str | None = None) -> None:
        self.pre_hooks = None
        self.hooks = None
        self.tensor_pre_hooks = None  # output_nr -> [hook(grad) -> grad | None]
        self.retains_grad = None  # output_nr -> hook storing the grad on the tensor
        self.trace = trace
        self.metadata = None

    def before(self, grads: list) -> list:
        """Run tensor hooks, retain_grad and node pre-hooks on the incoming gradients (one per output)."""
        if self.tensor_pre_hooks:
            for nr, hooks in self.tensor_pre_hooks.items():
                if grads[nr] is not None:
                    for hook in tuple(hooks):
                        grads[nr] = call_tensor_hook(hook, grads[nr])
        if self.retains_grad:
            for nr, hook in self.retains_grad.items():
                if grads[nr] is not None:
                    hook(grads[nr])
        if self.pre_hooks:
            for hook in tuple(self.pre_hooks):
                replaced = hook(tuple(grads))
                if replaced is not None:
                    grads = list(replaced)
        return grads

    def after(self, grad_inputs: tuple, grad_outputs: list) -> tuple:
        """Run node post-hooks, which may replace the gradients the node computed."""
        for hook in tuple(self.hooks):
            replaced = hook(grad_inputs, tuple(grad_outputs))
            if replaced is not None:
                grad_inputs = tuple(replaced)
        return grad_inputs


def call_tensor_hook(hook, grad):
    """A tensor hook's result replaces the gradient when it returns one; it must keep the shape."""
    replaced = hook(grad)
    if replaced is None:
        return grad
    name = getattr(hook, "__name__", repr(hook))
    if not isinstance(replaced, _tensor.Tensor):
        raise TypeError(
            f"hook '{name}' returned a {type(replaced).__name__}; a tensor hook must return a Tensor or None"
        )
    if replaced._data.shape != grad._data.shape:
        raise RuntimeError(
            f"hook '{name}' has changed the size of value: it returned a gradient of shape "
            f"{list(replaced.shape)} for a tensor of shape {list(grad.shape)}; a hook must return a tensor "
            "of the same shape (or None to keep the gradient)."
        )
    return replaced


# NOTE: a node is created after every node it leads to, so running nodes in decreasing creation
# order visits each one after all the nodes that feed it gradients (PyTorch's sequence numbers).
_sequence = itertools.count()


class Node:
    """A recorded operation in the backward graph."""

    __slots__ = (
        "next_functions",
        "_saved",
        "_versions",
        "attrs",
        "_out",
        "_meta",
        "_extra",
        "_backend",
        "_seq",
        "__weakref__",
    )
    _rule = None
    _saves_something = False
    _multi_output = False  # True for nodes whose gradients arrive as one list per output
    _fast = None  # the rule on backend arrays, when the op has one (see ember.ops._dispatch.Op)

    def __init__(
        self, next_functions: tuple, saved: tuple, versions: tuple, attrs: dict | None, meta: tuple, backend=None
    ) -> None:
        self._seq = next(_sequence)
        self.next_functions = next_functions
        self._saved = saved
        self._versions = versions
        self.attrs = attrs
        self._out = None
        self._meta = meta
        self._extra = _NodeExtra(_anomaly.capture_trace()) if _anomaly_state.enabled else None
        self._backend = backend

    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    def _extras(self) -> _NodeExtra:
        if self._extra is None:
            self._extra = _NodeExtra()
        return self._extra

    @property
    def metadata(self) -> dict:
        extra = self._extras()
        if extra.metadata is None:
            extra.metadata = {}
        return extra.metadata

    # --- what a backward rule reads -----------------------------------------
    @property
    def saved(self) -> tuple:
        """The saved inputs; raises if the graph was freed or one of them changed in place."""
        saved = self._saved
        if saved is None:
            raise RuntimeError(FREED_MESSAGE)
        for tensor, version in zip(saved, self._versions):
            if version is not None and tensor._version[0] != version:
                raise RuntimeError(modified_message(self, tensor, version))
        return saved

    def saved_arrays(self) -> list:
        """`saved` with each tensor as its backend array (for array rules), checked the same way."""
        saved = self._saved
        if saved is None:
            raise RuntimeError(FREED_MESSAGE)
        arrays = []
        for tensor, version in zip(saved, self._versions):
            if version is None:
                arrays.append(tensor)  # a Python number, or an input no needed gradient reads
            elif tensor._version[0] != version:
                raise RuntimeError(modified_message(self, tensor, version))
            else:
                arrays.append(tensor._data)
        return arrays

    def output(self):
        """The op's output as a tensor whose history is this node (for higher-order grads)."""
        saved = self._out
        if saved is None:
            raise RuntimeError(FREED_MESSAGE)
        array, backend, dtype, device, version, expected = saved
        if version[0] != expected:
            out = _tensor.wrap(array, backend, dtype, device)
            raise RuntimeError(modified_message(self, out, expected, version[0], output_nr=0))
        out = _tensor.wrap(array, backend, dtype, device)
        out._version = version
        out._requires_grad = True
        out.grad_fn = self
        return out

    def output_array(self):
        """The op's output as a backend array (for array rules), checked like output()."""
        saved = self._out
        if saved is None:
            raise RuntimeError(FREED_MESSAGE)
        if saved[4][0] != saved[5]:
            self.output()
        return saved[0]

    def backend(self):
        """The backend the op ran on (for array rules)."""
        return self._backend

    def input_shape(self, i: int) -> tuple:
        return self._meta[i][0]

    def __getattr__(self, name: str):
        # PyTorch exposes saved values as `_saved_self`, `_saved_other`, `_saved_result`.
        if name == "_saved_result":
            return self.output()
        if name.startswith("_saved_") and self._saved is not None:
            position = {"_saved_self": 0, "_saved_other": 1}.get(name)
            if position is not None and position < len(self._saved):
                return self.saved[position]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    # --- hooks ----------------------------------------------------------------
    def register_hook(self, fn) -> RemovableHandle:
        """fn(grad_inputs, grad_outputs) runs after this node; it may return replacement grad_inputs."""
        extra = self._extras()
        if extra.hooks is None:
            extra.hooks = []
        extra.hooks.append(fn)
        return RemovableHandle(extra.hooks, fn)

    def register_prehook(self, fn) -> RemovableHandle:
        """fn(grad_outputs) runs before this node; it may return replacement grad_outputs."""
        extra = self._extras()
        if extra.pre_hooks is None:
            extra.pre_hooks = []
        extra.pre_hooks.append(fn)
        return RemovableHandle(extra.pre_hooks, fn)

    def _register_tensor_hook(self, output_nr: int, fn) -> RemovableHandle:
        extra = self._extras()
        if extra.tensor_pre_hooks is None:
            extra.tensor_pre_hooks = {}
        hooks = extra.tensor_pre_hooks.setdefault(output_nr, [])
        hooks.append(fn)
        return RemovableHandle(hooks, fn)

    def _retain_grad(self, output_nr: int, fn) -> None:
        extra = self._extras()
        if extra.retains_grad is None:
            extra.retains_grad = {}
        extra.retains_grad[output_nr] = fn

    # --- running --------------------------------------------------------------
    def apply(self, grad) -> tuple:
        """The gradients for each input given the gradient of the output (None where not needed)."""
        return self._fit(self._rule(grad))

    def __call__(self, *grads):
        return self.apply(grads[0] if not self._multi_output else list(grads))

    def _fit(self, grads) -> tuple:
        """Each input's gradient in that input's shape and dtype (undoing broadcasting)."""
        if len(grads) != len(self._meta) and not (
            len(grads) > len(self._meta) and all(g is None for g in grads[len(self._meta) :])
        ):
            raise RuntimeError(
                f"{self.name()} returned {len(grads)} gradients for {len(self._meta)} inputs: a backward rule "
                "must return one gradient (or None) per input"
            )
        for g, meta in zip(grads, self._meta):
            if g is not None and (meta is None or g._data.shape != meta[0] or g.dtype is not meta[1]):
                return tuple(_fit_one(g, meta) for g, meta in zip(grads, self._meta))
        return grads

    def release(self) -> None:
        """Free what backward needed (after a backward pass without retain_graph)."""
        self._saved = None
        self._out = None


def _fit_one(g, meta):
    if g is None or meta is None:
        return None
    shape, dtype = meta
    if g._data.shape != shape:
        g = g.sum_to_size(shape)
    if g.dtype is not dtype:
        g = g.to(dtype)
    return g


def modified_message(node: Node, tensor, expected: int, actual: int | None = None, output_nr: int | None = None) -> str:
    """PyTorch's error for a saved tensor that was changed in place, with what to do about it."""
    actual = tensor._version[0] if actual is None else actual
    what = f"[{tensor.type()} {list(tensor.shape)}]"
    if output_nr is not None:
        what += f", which is output {output_nr} of {node.name()},"
    else:
        what += f", saved for {node.name()},"
    return (
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: {what} is at version {actual}; expected version {expected} instead. Hint: compute "
        "on a copy (`.clone()`) instead of changing the tensor in place, or make the in-place change "
        "before the op that saves it; "
        "ember.autograd.set_detect_anomaly(True) shows the forward call of the failing op."
    )


class AccumulateGrad(Node):
    """The sink for a leaf tensor: adds incoming gradients into `variable.grad`.

    The leaf keeps its accumulator for life and the accumulator refers back to the leaf
    weakly (no reference cycle): a leaf that nobody else holds is freed, and the gradients
    that would have reached it are dropped, since nothing could read them.
    """

    __slots__ = ("_variable",)

    def __init__(self, variable) -> None:
        self._seq = next(_sequence)
        self.next_functions = ()
        self._saved = ()
        self._versions = ()
        self.attrs = None
        self._out = None
        self._meta = ((variable._data.shape, variable.dtype),)
        self._extra = None
        self._backend = variable._backend
        self._variable = weakref.ref(variable)

    @property
    def variable(self):
        """The leaf tensor (None once it has been freed)."""
        return self._variable()

    def apply(self, grad) -> tuple:
        self.accumulate(grad, False)
        return ()

    def run_tensor_hooks(self, grad):
        """The leaf's own hooks (`leaf.register_hook`), which may replace the gradient."""
        variable = self._variable()
        extra = None if variable is None else variable._extra
        if extra is not None and extra.hooks:
            for hook in tuple(extra.hooks):
                grad = call_tensor_hook(hook, grad)
        return grad

    def accumulate(self, grad, create_graph: bool) -> None:
        variable = self._variable()
        if variable is None:
            return
        accumulate_into(variable, grad, create_graph)
        extra = variable._extra
        if extra is not None and extra.post_accumulate_hooks:
            for hook in tuple(extra.post_accumulate_hooks):
                hook(variable)


def accumulate_into(tensor, grad, create_graph: bool) -> None:
    """tensor.grad += grad, as PyTorch does it: in place without create_graph, recorded with it."""
    if grad._data.shape != tensor._data.shape:
        grad = grad.sum_to_size(tensor._data.shape)
    if grad.dtype is not tensor.dtype:
        grad = grad.to(tensor.dtype)
    old = tensor._grad
    if old is None:
        tensor._grad = grad if create_graph else private_copy(grad)
    elif create_graph or old._requires_grad:
        tensor._grad = old + grad
    else:
        old._backend.add(old._data, grad._data, out=old._data)
        old._version[0] += 1


def private_copy(grad):
    """A detached copy that nothing else references, safe to accumulate into in place later."""
    return _tensor.wrap(grad._backend.copy(grad._data), grad._backend, grad.dtype, grad.device)


def node_type(name: str, rule, saves_something: bool, fast=None) -> type:
    """The Node subclass for one op, created once per op declaration."""
    cls = type(name, (Node,), {"__slots__": (), "_rule": rule, "_saves_something": saves_something, "_fast": fast})
    cls.__module__ = "ember.autograd.graph"
    return cls


class RemovableHandle:
    """Returned by register_hook: `handle.remove()` unregisters the hook."""

    __slots__ = ("_hooks", "_fn")

    def __init__(self, hooks: list, fn) -> None:
        self._hooks = hooks
        self._fn = fn

    def remove(self) -> None:
        for i, hook in enumerate(self._hooks):
            if hook is self._fn:
                del self._hooks[i]
                return

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()
