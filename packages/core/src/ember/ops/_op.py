"""An op: a forward computation on backend arrays and its one backward rule.

The rule is ``rule(m, ctx, g)``: ``m`` is the math namespace (arrays on an ordinary
backward, ember ops on tensors when the backward is recorded), ``ctx`` the node with
``ctx.saved``, ``ctx.out``, ``ctx.attrs``, ``ctx.needs(i)`` and ``ctx.input_shape(i)``,
and ``g`` the gradient of the output. It returns one gradient (or None) per input;
the engine sums each back to its input's shape and dtype.

An op declared with ``math=name`` is also ``m.name`` inside every rule: on arrays its
forward, on tensors the op itself, so a rule may use any op that way and stays
differentiable. Its forward then takes operands positionally and attributes by keyword.
"""

from __future__ import annotations

import functools
import inspect

from .._autograd._grad_mode import state as grad_state
from .._autograd._math import ARRAY_MATHS, define
from .._autograd._node import node_type
from .._tensor import Tensor, wrap


class Op:
    """One differentiable primitive: `forward(backend, *arrays, **attrs)` and `rule(m, ctx, g)`.

    `forward` may be the name of a backend kernel (called as backend.<name>(*arrays, **attrs)), whose
    keyword attributes' `defaults` then say what a node records when a rule leaves them out.
    `saves` lists the inputs the rule reads (`saved_for[k]`: the input whose gradient needs
    saved input k, so it is kept only when that gradient is wanted); `saves_output` keeps
    the output for `ctx.out`. With `keeps(m, *inputs)`, the forward is computed from that
    intermediate (`forward(backend, kept, **attrs)`), which the node keeps for `ctx.kept`.
    """

    __slots__ = ("name", "forward", "kernel", "defaults", "node", "saves", "save_plan", "saves_output", "keeps")

    def __init__(
        self,
        name: str,
        forward,
        rule=None,
        *,
        node: str | None = None,
        saves: tuple | str = (),
        saves_output: bool = False,
        saved_for: tuple | None = None,
        defaults: dict | None = None,
        math: str | None = None,
        shown_edges=None,
        keeps=None,
    ) -> None:
        self.name = name
        self.kernel = forward if isinstance(forward, str) else None
        self.defaults = defaults
        self.forward = _calling(forward) if self.kernel is not None else forward
        self.saves = saves
        self.save_plan = () if saves == "all" else tuple(zip(saves, saved_for or (None,) * len(saves)))
        self.saves_output = saves_output
        self.keeps = keeps
        self.node = node_type(
            node or f"{name.capitalize()}Backward0",
            rule if rule is not None else _not_differentiable(name),
            bool(saves) or saves_output or keeps is not None,
            shown_edges,
            keeps,
        )
        if math is not None:
            define(math, self.on_arrays, self.on_tensors)

    def on_arrays(self, m):
        """The op's forward on m's backend arrays (the op as a function of an ArrayMath)."""
        if self.kernel is not None:
            return getattr(m.backend, self.kernel)
        if self.keeps is not None:
            return functools.partial(_run_on_arrays, m, self)
        return functools.partial(self.forward, m.backend)

    def on_tensors(self, m):
        """The op on tensors, recorded (the op as a function of the TensorMath)."""
        defaults = self.defaults
        if defaults is None:
            defaults = {} if self.kernel is not None or self.forward is None else _keyword_defaults(self.forward)
        if not defaults:
            return functools.partial(apply, self)
        return lambda *operands, **attrs: apply(self, *operands, **{**defaults, **attrs})

    def __repr__(self) -> str:
        return f"<ember op {self.name}>"


def _keyword_defaults(forward) -> dict:
    """The defaults of forward's keyword-only attributes, so that a node records every attribute."""
    found = inspect.signature(forward).parameters.values()
    return {p.name: p.default for p in found if p.kind is p.KEYWORD_ONLY and p.default is not p.empty}


def _calling(kernel: str):
    def forward(backend, *arrays, **attrs):
        return getattr(backend, kernel)(*arrays, **attrs)

    forward.__name__ = kernel
    return forward


def _not_differentiable(name: str):
    def rule(m, ctx, g):
        raise RuntimeError(f"the derivative for '{name}' is not implemented")

    return rule


# --- recording ------------------------------------------------------------------------


_UNLINKED = ((None, 0), None)


def _link(x) -> tuple:
    """An input's edge (where its gradient goes) and meta (its shape and dtype); nothing for constants."""
    if isinstance(x, Tensor) and x._requires_grad:
        fn = x.grad_fn
        extra = x._extra
        if fn is None:
            return extra.link if extra is not None and extra.link is not None else x._leaf_link()
        return ((fn, 0) if extra is None else (fn, extra.output_nr)), (x._data.shape, x.dtype)
    return _UNLINKED


def _saved_inputs(op: Op, inputs: tuple, edges: tuple) -> tuple:
    """The inputs op's backward reads (only those some needed gradient uses) and their versions now."""
    saved = []
    versions = []
    for i, user in op.save_plan:
        x = inputs[i]
        if user is not None and edges[user][0] is None:
            x = None  # NOTE: kept only for the gradient of an input that needs none
        saved.append(x)
        versions.append(x._version[0] if isinstance(x, Tensor) else None)
    return tuple(saved), tuple(versions)


def record(op: Op, out: Tensor, inputs: tuple, attrs) -> None:
    """Attach a node for `op` to `out`, linking it to the inputs' own history."""
    if not out.dtype.inexact:
        return  # NOTE: as in PyTorch, integer and bool results (comparisons, ...) never require grad
    count = len(inputs)
    plan = op.save_plan
    if count == 2:
        link_a = _link(inputs[0])
        link_b = _link(inputs[1])
        edges, meta = (link_a[0], link_b[0]), (link_a[1], link_b[1])
    elif count == 1:
        x = inputs[0]
        edge, meta_x = _link(x)
        edges, meta = (edge,), (meta_x,)
        if len(plan) == 1:  # NOTE: a unary op saving its input, which requires grad (else no node)
            _attach(op, out, op.node(edges, (x,), (x._version[0],), attrs, meta, out._backend))
            return
    else:
        edges, meta = [], []
        for x in inputs:
            edge, meta_x = _link(x)
            edges.append(edge)
            meta.append(meta_x)
        edges, meta = tuple(edges), tuple(meta)
    if not plan:
        if op.saves:  # "all"
            saved, versions = inputs, tuple([x._version[0] if isinstance(x, Tensor) else None for x in inputs])
        else:
            saved = versions = ()
    elif len(plan) == 2:  # NOTE: ops that save two inputs (mul, linear, losses...), spelled out: the hot case
        (i, user_i), (j, user_j) = plan
        a = inputs[i] if user_i is None or edges[user_i][0] is not None else None
        b = inputs[j] if user_j is None or edges[user_j][0] is not None else None
        saved = (a, b)
        versions = (a._version[0] if isinstance(a, Tensor) else None, b._version[0] if isinstance(b, Tensor) else None)
    else:
        saved, versions = _saved_inputs(op, inputs, edges)
    _attach(op, out, op.node(edges, saved, versions, attrs, meta, out._backend))


def _attach(op: Op, out: Tensor, node) -> None:
    """Make `node` the history of `out` (keeping the output itself when the rule reads it)."""
    if op.saves_output:
        node._out = (out._data, out._backend, out.dtype, out.device, out._version, out._version[0])
    out.grad_fn = node
    out._requires_grad = True


def needs_grad(inputs: tuple) -> bool:
    for x in inputs:
        if isinstance(x, Tensor) and x._requires_grad:
            return grad_state.enabled
    return False


def make(data, like: Tensor) -> Tensor:
    """Wrap a kernel result computed on `like`'s backend and device."""
    backend = like._backend
    if type(data) is not backend.ndarray:
        data = backend.xp.asarray(data)
    return wrap(data, backend, backend.dtypes[data.dtype], like.device)


def call(op: Op, inputs: tuple, arrays: tuple, like: Tensor, attrs: dict | None = None) -> Tensor:
    """Run `op` on prepared backend arrays; record a node if any tensor input requires grad."""
    keeps = op.keeps
    if keeps is not None:
        arrays = (keeps(ARRAY_MATHS[like._backend], *arrays),)
    data = op.forward(like._backend, *arrays, **attrs) if attrs else op.forward(like._backend, *arrays)
    out = make(data, like)
    for x in inputs:
        if isinstance(x, Tensor) and x._requires_grad:
            if grad_state.enabled:
                record(op, out, inputs, attrs)
                if keeps is not None and out.grad_fn is not None:
                    out.grad_fn._kept = arrays[0]
            break
    return out


def apply(op: Op, *inputs, **attrs) -> Tensor:
    """Run `op` on tensors (all on one device) with keyword attributes."""
    like = None
    arrays = []
    for x in inputs:
        if isinstance(x, Tensor):
            if like is None:
                like = x
            elif x.device is not like.device and x.device != like.device:
                raise device_mismatch(op.name, like, x)
            arrays.append(x._data)
        else:
            arrays.append(x)
    return call(op, inputs, tuple(arrays), like, attrs)


def device_mismatch(name: str, a: Tensor, b: Tensor) -> RuntimeError:
    return RuntimeError(
        f"Expected all tensors to be on the same device, but found at least two devices, {a.device} and "
        f"{b.device}! (in {name}: tensors of shape {list(a.shape)} on {a.device} and {list(b.shape)} on "
        f"{b.device}). Move one with .to({str(a.device)!r}) or .to({str(b.device)!r})."
    )


def math_function(function):
    """Make a composite `function(m, *args, **attrs)`, written with m's functions, available as m.<name>."""
    define(
        function.__name__,
        lambda m: functools.partial(function, m),
        lambda m: functools.partial(function, m),
    )
    return function


def _run_on_arrays(m, op: Op, *operands, **attrs):
    if op.keeps is not None:
        operands = (op.keeps(m, *operands),)
    return op.forward(m.backend, *operands, **attrs)


# m.run(op, *operands, **attrs): any op inside a rule, by the op itself rather than a math name
define("run", lambda m: functools.partial(_run_on_arrays, m), lambda m: apply)


def _value_array(value, like=None):
    return value._data if isinstance(value, Tensor) else value


def _value_tensor(value, like=None):
    return value if isinstance(value, Tensor) else make(value, like)


# m.value(v, like=x): a constant (a tensor, or a backend array like x's) as m's kind of value, without history
define("value", lambda m: _value_array, lambda m: _value_tensor)
