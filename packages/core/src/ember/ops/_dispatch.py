"""The one dispatch path every op goes through.

An `Op` is a forward kernel on backend arrays plus a backward rule written with
ember ops. `call` runs the forward and, only when grad mode is on and an input
requires grad, records a node. The elementwise entry points (`unary`, `binary`)
add dtype promotion by table lookup and device checks; in-place variants write
into the tensor's own buffer so that NumPy views see the change.
"""

from __future__ import annotations

import numpy as np

from .. import _dtype as dt
from .._tensor import Tensor, wrap
from ..autograd._grad_mode import state as grad_state
from ..autograd._node import node_type

_BY_NUMPY = dt._BY_NUMPY
_result_type = dt.result_type
_scalar_dtype = dt._scalar_dtype


class Op:
    """One differentiable primitive: forward(backend, *arrays, **attrs) and its backward rule.

    `backward(ctx, grad)` is written with ember ops, so that `create_graph=True` can
    differentiate it again. `fast(ctx, grad)` is the same derivative on backend arrays
    (grad and results are arrays; `ctx.saved` still holds tensors, read `._data`): the
    engine uses it for ordinary backward passes, where no graph of the backward is kept.
    """

    __slots__ = ("name", "forward", "node", "saves", "saves_output", "kernel", "saved_for", "save_plan")

    def __init__(
        self,
        name,
        forward,
        backward,
        *,
        node=None,
        saves=(),
        saves_output=False,
        kernel=None,
        fast=None,
        saved_for=None,
    ):
        self.name = name
        self.forward = forward
        self.saves = saves
        # saved_for[k]: the input whose gradient needs saved input k (None: any); it is kept only then
        self.saved_for = saved_for
        self.save_plan = () if saves == "all" else tuple(zip(saves, saved_for or (None,) * len(saves)))
        self.saves_output = saves_output
        self.kernel = kernel
        rule = backward if backward is not None else _not_differentiable(name)
        self.node = node_type(node or f"{name.capitalize()}Backward0", rule, bool(saves) or saves_output, fast)

    def __repr__(self) -> str:
        return f"<ember op {self.name}>"


def _not_differentiable(name: str):
    def rule(ctx, grad):
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
    if not out.dtype.is_floating_point:
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
    if len(plan) == 2:  # NOTE: ops that save two inputs (mul, linear, losses...), spelled out: the hot case
        (i, user_i), (j, user_j) = plan
        a = inputs[i] if user_i is None or edges[user_i][0] is not None else None
        b = inputs[j] if user_j is None or edges[user_j][0] is not None else None
        saved = (a, b)
        versions = (a._version[0] if isinstance(a, Tensor) else None, b._version[0] if isinstance(b, Tensor) else None)
    elif plan:
        saved, versions = _saved_inputs(op, inputs, edges)
    elif op.saves:  # "all"
        saved, versions = inputs, tuple([x._version[0] if isinstance(x, Tensor) else None for x in inputs])
    else:
        saved = versions = ()
    _attach(op, out, op.node(edges, saved, versions, attrs, meta, out._backend))


def _attach(op: Op, out: Tensor, node) -> None:
    """Make `node` the history of `out` (keeping the output itself when the rule reads it)."""
    if op.saves_output:
        node._out = (out._data, out._backend, out.dtype, out.device, out._version, out._version[0])
    out.grad_fn = node
    out._requires_grad = True


def needs_grad(inputs: tuple) -> bool:
    if not grad_state.enabled:
        return False
    for x in inputs:
        if isinstance(x, Tensor) and x._requires_grad:
            return True
    return False


def make(data, like: Tensor) -> Tensor:
    """Wrap a kernel result computed on `like`'s backend and device."""
    backend = like._backend
    if type(data) is not backend.ndarray:
        data = backend.xp.asarray(data)
    return wrap(data, backend, _BY_NUMPY[data.dtype], like.device)


def call(op: Op, inputs: tuple, arrays: tuple, like: Tensor, attrs: dict | None = None) -> Tensor:
    """Run `op` on prepared backend arrays; record a node if any tensor input requires grad."""
    data = op.forward(like._backend, *arrays, **attrs) if attrs else op.forward(like._backend, *arrays)
    out = make(data, like)
    if grad_state.enabled:
        for x in inputs:
            if isinstance(x, Tensor) and x._requires_grad:
                record(op, out, inputs, attrs)
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


# --- elementwise ------------------------------------------------------------------------

FLOAT_RESULT = "float"  # integer inputs compute in the default float dtype (div, exp, ...)
PROMOTE = "promote"
BOOL_RESULT = "bool"  # comparisons: computed on the inputs as they are, bool out


def unary(op: Op, x: Tensor, rule: str = PROMOTE, attrs: dict | None = None) -> Tensor:
    data = x._data
    if rule is FLOAT_RESULT and not x.dtype.is_floating_point:
        data = data.astype(dt._default[0].numpy)
    backend = x._backend
    result = op.forward(backend, data, **attrs) if attrs else op.forward(backend, data)
    if type(result) is not backend.ndarray:
        result = backend.xp.asarray(result)
    out = wrap(result, backend, _BY_NUMPY[result.dtype], x.device)
    if x._requires_grad and grad_state.enabled:
        record(op, out, (x,), attrs)
    return out


def promoted(a, b) -> dt.dtype:
    """The result dtype of a binary elementwise op (PyTorch's rules)."""
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            if a.dtype is b.dtype:
                return a.dtype
            return _result_type(a.dtype, 2 if a._data.ndim else 1, b.dtype, 2 if b._data.ndim else 1)
        if (type(b) is float or type(b) is int) and a.dtype.is_floating_point:
            return a.dtype  # NOTE: a Python number never changes a floating tensor's dtype
        return _result_type(a.dtype, 2 if a._data.ndim else 1, _scalar_dtype(type(b)), 0)
    return _result_type(_scalar_dtype(type(a)), 0, b.dtype, 2 if b._data.ndim else 1)


def _binary_arrays(name: str, a, b, rule: str):
    """Backend arrays for a and b cast to the computation dtype, and the tensor that leads."""
    if isinstance(a, Tensor):
        like = a
        if isinstance(b, Tensor):
            if b.device is not a.device and b.device != a.device:
                raise device_mismatch(name, a, b)
        elif isinstance(b, np.ndarray):
            b = host_operand(b, a)
    else:
        like = b
        if isinstance(a, np.ndarray) and isinstance(b, Tensor):
            a = host_operand(a, b)
        elif not isinstance(b, Tensor):
            raise TypeError(
                f"{name}(): expected at least one Tensor argument, got {type(a).__name__} and {type(b).__name__}"
            )
    want = promoted(a, b)
    if rule is FLOAT_RESULT and not want.is_floating_point:
        want = dt._default[0]
    if rule is BOOL_RESULT:
        xa = a._data if isinstance(a, Tensor) else a
        xb = b._data if isinstance(b, Tensor) else b
        return xa, xb, like, want
    if isinstance(a, Tensor):
        xa = a._data if a.dtype is want else a._data.astype(want.numpy)
    else:
        xa = _scalar_as(a, want)
    if isinstance(b, Tensor):
        xb = b._data if b.dtype is want else b._data.astype(want.numpy)
    else:
        xb = _scalar_as(b, want)
    return xa, xb, like, want


def host_operand(array: np.ndarray, like: Tensor) -> Tensor:
    """A NumPy array operand as a tensor on like's device (PyTorch treats it as dimensioned)."""
    backend = like._backend
    data = backend.from_numpy(array, backend.device_index(like._data))
    return wrap(data, backend, dt.from_numpy_dtype(array.dtype), like.device)


def _scalar_as(value, want: dt.dtype):
    if want.is_floating_point:
        return float(value)
    if want is dt.bool_:
        return bool(value)
    return int(value)


def binary(op: Op, a, b, rule: str = PROMOTE) -> Tensor:
    # NOTE: the common cases need no promotion: two tensors of one dtype on one device, or a
    # floating tensor and a Python number (which never changes a floating dtype).
    if (
        isinstance(a, Tensor)
        and (
            (isinstance(b, Tensor) and a.dtype is b.dtype and a.device is b.device)
            or ((type(b) is float or type(b) is int) and a.dtype.is_floating_point)
        )
        and (rule is not FLOAT_RESULT or a.dtype.is_floating_point)
    ):
        like = a
        xa, xb = a._data, (b._data if isinstance(b, Tensor) else b)
    else:
        xa, xb, like, _ = _binary_arrays(op.name, a, b, rule)
    backend = like._backend
    result = op.forward(backend, xa, xb)
    if type(result) is not backend.ndarray:
        result = backend.xp.asarray(result)
    out = wrap(result, backend, _BY_NUMPY[result.dtype], like.device)
    if grad_state.enabled and (
        (isinstance(a, Tensor) and a._requires_grad) or (isinstance(b, Tensor) and b._requires_grad)
    ):
        record(op, out, (a, b), None)
    return out


# --- in place -------------------------------------------------------------------------

LEAF_INPLACE_MESSAGE = (
    "a leaf Variable that requires grad is being used in an in-place operation. "
    "Wrap the update in `with ember.no_grad():` (as optimizers do), or use the out-of-place op."
)


def check_inplace_target(x: Tensor) -> None:
    if x._requires_grad and grad_state.enabled:
        if x.grad_fn is None:
            raise RuntimeError(LEAF_INPLACE_MESSAGE)
        base = x._base
        if base is not None and base._requires_grad and base.grad_fn is None:
            raise RuntimeError("a view of " + LEAF_INPLACE_MESSAGE)


def _check_castable(name: str, result: dt.dtype, target: Tensor) -> None:
    if result.category > target.dtype.category:
        raise RuntimeError(
            f"{name}_(): result type {_type_word(result)} can't be cast to the desired output type "
            f"{_type_word(target.dtype)}. Convert the tensor first (e.g. t = t.float()) or use the "
            "out-of-place op."
        )


_type_word = dt.scalar_type_name


def bump_version(x: Tensor) -> None:
    x._version[0] += 1


def inplace_binary(op: Op, x: Tensor, other, rule: str = PROMOTE) -> Tensor:
    check_inplace_target(x)
    if grad_state.enabled and (x._requires_grad or (isinstance(other, Tensor) and other._requires_grad)):
        return rebase_inplace(x, binary(op, _alias_for_inplace(op, x), other, rule), op.name)
    xa, xb, _, want = _binary_arrays(op.name, x, other, rule)
    _check_castable(op.name, want, x)
    kernel = op.kernel
    if kernel is not None and _broadcasts_into(getattr(xb, "shape", ()), x._data.shape):
        try:
            getattr(x._backend, kernel)(x._data, xb, out=x._data, casting="unsafe")
        except ValueError as error:
            raise overlap_error(error) from None
    else:
        write_into(x, op.forward(x._backend, xa, xb), op.name)
    x._version[0] += 1
    return x


def inplace_unary(op: Op, x: Tensor, rule: str = PROMOTE, attrs: dict | None = None) -> Tensor:
    check_inplace_target(x)
    if x._requires_grad and grad_state.enabled:
        return rebase_inplace(x, unary(op, _alias_for_inplace(op, x), rule, attrs), op.name)
    if rule is FLOAT_RESULT and not x.dtype.is_floating_point:
        _check_castable(op.name, dt._default[0], x)
    result = op.forward(x._backend, x._data, **attrs) if attrs else op.forward(x._backend, x._data)
    write_into(x, result, op.name)
    x._version[0] += 1
    return x


def _broadcasts_into(shape: tuple, target: tuple) -> bool:
    if len(shape) > len(target):
        return False
    for s, t in zip(reversed(shape), reversed(target)):
        if s != t and s != 1:
            return False
    return True


def write_into(x: Tensor, result, name: str) -> None:
    shape = getattr(result, "shape", ())
    if shape != x._data.shape and not _broadcasts_into(shape, x._data.shape):
        raise RuntimeError(
            f"{name}_(): output with shape {list(x._data.shape)} doesn't match the broadcast shape "
            f"{list(shape)}; in-place ops cannot grow the tensor they write into."
        )
    try:
        x._backend.copy_into(x._data, result)
    except ValueError as error:
        raise overlap_error(error) from None


OVERLAP_MESSAGE = (
    "unsupported operation: more than one element of the written-to tensor refers to a single memory location. "
    "Please clone() the tensor before performing the operation."
)


def overlap_error(error: ValueError) -> Exception:
    """NumPy refuses writes into broadcast (expanded) views as read-only; PyTorch's words for that."""
    return RuntimeError(OVERLAP_MESSAGE) if "read-only" in str(error) else error


def _alias_for_inplace(op: Op, x: Tensor) -> Tensor:
    """A stand-in for x's value before the write (copied when the backward rule reads it)."""
    data = x._data.copy() if op.saves else x._data
    alias = wrap(data, x._backend, x.dtype, x.device)
    alias._requires_grad = x._requires_grad
    alias.grad_fn = x.grad_fn
    alias._extra = x._extras() if x.grad_fn is None and x._requires_grad else x._extra
    return alias


def rebase_inplace(x: Tensor, result: Tensor, name: str) -> Tensor:
    """Write `result` into x's buffer and make x's history the op that produced it."""
    _check_castable(name, result.dtype, x)
    write_into(x, result._data, name)
    x._version[0] += 1
    history = x.grad_fn
    x.grad_fn = result.grad_fn
    x._requires_grad = result._requires_grad
    if x._extra is not None:
        x._history_changed(history)
    if x._base is not None and result.grad_fn is not None:
        from .shape import rebase_view  # a write through a view changes its base's history too

        rebase_view(x, history)
    return x


def write_out(out: Tensor, result: Tensor) -> Tensor:
    """`out=` semantics: resize when needed, then copy the result into out's buffer."""
    if not isinstance(out, Tensor):
        raise TypeError(f"out= must be a Tensor, got {type(out).__name__}")
    if out._requires_grad and grad_state.enabled:
        raise RuntimeError(
            "out= arguments don't support automatic differentiation, but one of the arguments requires grad."
        )
    if out._data.shape != result._data.shape:
        out._data = result._data.astype(out.dtype.numpy, copy=True)
        out._storage_changed()
    else:
        out._backend.copy_into(out._data, result._data)
    out._version[0] += 1
    return out
