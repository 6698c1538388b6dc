"""Graph nodes: what an op recorded, the context its backward rule reads, and the leaf sink.

A node's rule is called as ``rule(m, ctx, g)`` with the node itself as ``ctx``. On an
ordinary backward ``m`` works on backend arrays and ``ctx.saved``/``ctx.out`` are
arrays; under ``create_graph`` (or anomaly mode) ``m`` is ember's own ops on tensors
and the same accessors give tensors, so the one rule also builds the graph of the
backward pass.
"""

from __future__ import annotations

import itertools
import weakref

from .. import _tensor
from . import _anomaly
from ._math import tensor_math

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

    def runs_hooks(self) -> bool:
        return bool(self.pre_hooks or self.hooks or self.tensor_pre_hooks or self.retains_grad)

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
        for hook in tuple(self.hooks or ()):
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
    """A recorded operation in the backward graph, and the `ctx` its backward rule reads."""

    __slots__ = (
        "_edges",
        "_saved",
        "_versions",
        "attrs",
        "_out",
        "_meta",
        "_extra",
        "_backend",
        "_seq",
        "_on_tensors",
        "__weakref__",
    )
    _rule = None  # rule(m, ctx, g) -> one gradient (or None) per input
    _saves_something = False
    _multi_output = False  # True for nodes whose gradients arrive as one list per output
    _runs_on_tensors = False  # True for nodes whose backward is written on tensors only (custom Functions)

    def __init__(
        self, next_functions: tuple, saved: tuple, versions: tuple, attrs: dict | None, meta: tuple, backend=None
    ) -> None:
        self._seq = next(_sequence)
        self._edges = next_functions
        self._saved = saved
        self._versions = versions
        self.attrs = attrs
        self._out = None
        self._meta = meta
        self._extra = _NodeExtra(_anomaly.capture_trace()) if _anomaly_state.enabled else None
        self._backend = backend
        self._on_tensors = False

    @property
    def next_functions(self) -> tuple:
        """(node, output_nr) per input: where the input's gradient goes; (None, 0) where none is needed."""
        return self._edges

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

    # --- what a backward rule reads ---------------------------------------------
    @property
    def saved(self) -> tuple:
        """The saved inputs, as arrays or tensors to match `m`; raises if freed or changed in place.

        An entry is None for an input kept only for a gradient that is not needed, and a Python
        number stays a number.
        """
        saved = self._saved
        if saved is None:
            raise RuntimeError(FREED_MESSAGE)
        on_tensors = self._on_tensors
        values = []
        for value, version in zip(saved, self._versions):
            if version is None:
                values.append(value)
            elif value._version[0] != version:
                raise RuntimeError(modified_message(self, value, version))
            else:
                values.append(value if on_tensors else value._data)
        return values

    @property
    def out(self):
        """The op's output, as an array or a tensor to match `m`."""
        saved = self._out
        if saved is None:
            raise RuntimeError(FREED_MESSAGE)
        if saved[4][0] != saved[5] or self._on_tensors:
            return self._output_tensor()
        return saved[0]

    def _output_tensor(self):
        """The op's output as a tensor whose history is this node (for higher-order grads)."""
        saved = self._out
        if saved is None:
            raise RuntimeError(FREED_MESSAGE)
        array, backend, dtype, device, version, expected = saved
        out = _tensor.wrap(array, backend, dtype, device)
        if version[0] != expected:
            raise RuntimeError(modified_message(self, out, expected, version[0], output_nr=0))
        out._version = version
        out._requires_grad = True
        out.grad_fn = self
        return out

    def needs(self, i: int) -> bool:
        """Whether input i needs a gradient (a rule may skip the work for the others)."""
        return self._edges[i][0] is not None

    def input_shape(self, i: int) -> tuple:
        return self._meta[i][0]

    # PyTorch exposes saved values as `_saved_self`, `_saved_other`, `_saved_result`.
    @property
    def _saved_result(self):
        return self._output_tensor()

    @property
    def _saved_self(self):
        return self._saved_input(0, "_saved_self")

    @property
    def _saved_other(self):
        return self._saved_input(1, "_saved_other")

    def _saved_input(self, position: int, name: str):
        saved = self._saved
        if saved is None or position >= len(saved):
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")
        self._on_tensors = True
        try:
            return self.saved[position]
        finally:
            self._on_tensors = False

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
    def run(self, m, grad) -> tuple:
        """The gradient of each input (None where not needed), from this node's one rule.

        (The engine's plain pass calls the rule itself: `ctx` accessors give arrays unless
        `_on_tensors` is set, which only lasts for one call made here.)
        """
        self._on_tensors = m.on_tensors
        try:
            grads = self._rule(m, self, grad)
        finally:
            self._on_tensors = False
        if len(grads) != len(self._meta):
            grads = self._trimmed(grads)
        return grads

    def _trimmed(self, grads) -> tuple:
        """A rule may return trailing Nones for operands that were not tensors (a scalar value)."""
        count = len(self._meta)
        if len(grads) < count or any(g is not None for g in grads[count:]):
            raise RuntimeError(
                f"{self.name()} returned {len(grads)} gradients for {count} inputs: a backward rule "
                "must return one gradient (or None) per input"
            )
        return tuple(grads[:count])

    def __call__(self, *grads):
        """Run the node on tensors, outside any backward pass (as `grad_fn(grad)` in PyTorch)."""
        grads = self.run(tensor_math(), grads[0] if not self._multi_output else list(grads))
        return tuple(None if g is None else tensor_math().fit(g, *meta) for g, meta in zip(grads, self._meta))

    def release(self) -> None:
        """Free what backward needed (after a backward pass without retain_graph)."""
        self._saved = None
        self._out = None


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
    """The sink for a leaf tensor: the engine adds the gradients that reach it into `variable.grad`.

    The leaf keeps its accumulator for life and the accumulator refers back to the leaf
    weakly (no reference cycle): a leaf that nobody else holds is freed, and the gradients
    that would have reached it are dropped, since nothing could read them.
    """

    __slots__ = ("_variable",)

    def __init__(self, variable) -> None:
        self._seq = next(_sequence)
        self._edges = ()
        self._saved = ()
        self._versions = ()
        self.attrs = None
        self._out = None
        self._meta = ((variable._data.shape, variable.dtype),)
        self._extra = None
        self._backend = variable._backend
        self._on_tensors = False
        self._variable = weakref.ref(variable)

    @property
    def variable(self):
        """The leaf tensor (None once it has been freed)."""
        return self._variable()

    def run(self, m, grad) -> tuple:
        variable = self._variable()
        if variable is not None:
            grad = m.fit(grad, variable._data.shape, variable.dtype)
            accumulate(variable, grad if m.records else getattr(grad, "_data", grad), False, m.records)
        return ()


def leaf_hooks(variable):
    """The leaf's own hooks (`leaf.register_hook`), or None."""
    extra = variable._extra
    return None if extra is None else extra.hooks


def run_leaf_hooks(variable, grad):
    """The gradient reaching a leaf after the leaf's own hooks, which may replace it (a tensor)."""
    for hook in tuple(variable._extra.hooks):
        grad = call_tensor_hook(hook, grad)
    return grad


# set for good once any leaf is given a post-accumulate hook (the engine then finishes leaves early)
_POST_ACCUMULATE_HOOKS = [False]


def note_post_accumulate_hook() -> None:
    _POST_ACCUMULATE_HOOKS[0] = True


def accumulate(variable, grad, owned: bool, create_graph: bool) -> None:
    """variable.grad += grad, then the leaf's post-accumulate hooks. As in PyTorch:

    - with `create_graph`, grad is a tensor and the sum `grad + new` is recorded;
    - otherwise grad is a backend array of the variable's shape and dtype: the first one
      becomes `.grad` as it is when nothing else refers to its buffer (`owned`), or as a
      copy; later ones are added into `.grad` in place.
    """
    old = variable._grad
    if create_graph:
        variable._grad = grad if old is None else old + grad
    elif old is None:
        backend = variable._backend
        if type(grad) is not backend.ndarray:
            grad = backend.asarray(grad, variable.dtype, variable.device.index)
        elif not owned:
            grad = backend.copy(grad)
        variable._grad = _tensor.wrap(grad, backend, variable.dtype, variable.device)
    elif old._requires_grad:
        variable._grad = old + _tensor.wrap(grad, variable._backend, variable.dtype, variable.device)
    else:
        old._backend.add(old._data, grad, out=old._data)
        old._version[0] += 1
    extra = variable._extra
    if extra is not None and extra.post_accumulate_hooks:
        for hook in tuple(extra.post_accumulate_hooks):
            hook(variable)


def private_copy(grad):
    """A detached copy that nothing else references, safe to accumulate into in place later."""
    return _tensor.wrap(grad._backend.copy(grad._data), grad._backend, grad.dtype, grad.device)


class KeepingNode(Node):
    """The node of an op whose forward is computed from an intermediate, `keeps(m, *inputs)`, that it keeps.

    The rule reads it as `ctx.kept`: on arrays, the forward's own; on tensors, computed again from the
    saved inputs, so that it has a history and the rule stays differentiable.
    """

    __slots__ = ("_kept",)
    _keeps = None  # keeps(m, *inputs): the intermediate, written with m's functions

    @property
    def kept(self):
        saved = self.saved  # NOTE: raises if freed, or if an input changed in place, as reading the inputs does
        if self._on_tensors:
            return self._keeps(tensor_math(), *saved)
        return self._kept

    def release(self) -> None:
        super().release()
        self._kept = None


def node_type(name: str, rule, saves_something: bool, shown_edges=None, keeps=None) -> type:
    """The Node subclass for one op, created once per op declaration.

    `shown_edges(node)`, when given, is what `next_functions` shows instead of the edges the
    engine follows: PyTorch's graph for an op that ember computes as one node (see `ShownNode`).
    `keeps`, when given, makes it a `KeepingNode`.
    """
    members = {"__slots__": (), "_rule": staticmethod(rule), "_saves_something": saves_something}
    if shown_edges is not None:
        members["next_functions"] = property(shown_edges, doc=Node.next_functions.__doc__)
    if keeps is not None:
        members["_keeps"] = staticmethod(keeps)
    cls = type(name, (KeepingNode if keeps is not None else Node,), members)
    cls.__module__ = "ember.autograd.graph"
    return cls


class ShownNode(Node):
    """A node that `next_functions` shows where PyTorch records a step that ember fuses into the node
    above it (the weight's ``TBackward0`` under a linear's ``AddmmBackward0``). Its edges are the real
    ones below it, but the engine never runs it, so it takes no hooks."""

    __slots__ = ()

    def __init__(self, edges: tuple) -> None:
        super().__init__(edges, (), (), None, ((None, None),) * len(edges))

    def register_hook(self, fn) -> RemovableHandle:
        raise RuntimeError(
            f"{self.name()} is shown for PyTorch's graph but ember fuses it into the node above; "
            "register the hook on that node or on the tensor instead"
        )

    register_prehook = register_hook


_SHOWN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def shown_node(kind: type, above: Node, edges: tuple) -> Node:
    """The `kind` (a ShownNode subclass) node shown under `above` with `edges`: one per node, kept while it lives."""
    shown = _SHOWN.get(above)
    if shown is None:
        shown = _SHOWN[above] = kind(edges)
    return shown


def shown_node_type(name: str) -> type:
    """A ShownNode subclass printed as PyTorch's node `name`."""
    cls = type(name, (ShownNode,), {"__slots__": ()})
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
