"""Custom differentiable operations: subclass `Function` with static forward and backward.

As in PyTorch, the `ctx` that forward and backward receive is the graph node itself
(`y.grad_fn`), an instance of `<Name>Backward` created once per Function subclass.
"""

from __future__ import annotations

import functools

from .. import _tensor
from ._grad_mode import state as grad_state
from ._node import FREED_MESSAGE, Node, modified_message

LEAF_DIRTY_MESSAGE = (
    "a leaf Variable that requires grad has been used in an in-place operation. ctx.mark_dirty() on a leaf "
    "that requires grad is not allowed: apply the function to a clone (x.clone()) or call it under "
    "ember.no_grad()."
)


class _SavedOutput:
    """A saved tensor that is one of the outputs: stored without the tensor to avoid a reference cycle."""

    __slots__ = ("index", "data", "backend", "dtype", "device", "version")

    def __init__(self, index: int, tensor) -> None:
        self.index = index
        self.data = tensor._data
        self.backend = tensor._backend
        self.dtype = tensor.dtype
        self.device = tensor.device
        self.version = tensor._version


class FunctionCtx:
    """What forward hands to backward: saved tensors, flags, and any attribute you set on it."""

    def save_for_backward(self, *tensors) -> None:
        """Keep tensors (inputs or outputs) for backward; read them back with `ctx.saved_tensors`."""
        self._to_save = tensors
        self._saved_versions = tuple(None if t is None else t._version[0] for t in tensors)

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to save_for_backward; raises if the graph was freed or one changed in place."""
        saved = self._to_save
        if saved is None:
            raise RuntimeError(FREED_MESSAGE)
        unpacked = []
        for item, version in zip(saved, self._saved_versions):
            if item is None:
                unpacked.append(None)
            elif type(item) is _SavedOutput:
                unpacked.append(self._unpack_output(item, version))
            else:
                if item._version[0] != version:
                    raise RuntimeError(modified_message(self, item, version))
                unpacked.append(item)
        return tuple(unpacked)

    saved_variables = saved_tensors

    def _unpack_output(self, item: _SavedOutput, version: int):
        out = _tensor.wrap(item.data, item.backend, item.dtype, item.device)
        out._version = item.version
        if item.version[0] != version:
            raise RuntimeError(modified_message(self, out, version, output_nr=item.index))
        out._requires_grad = True
        out.grad_fn = self
        if item.index:
            out._extras().output_nr = item.index
        return out

    def mark_non_differentiable(self, *tensors) -> None:
        """These outputs get no gradient (e.g. indices); backward receives zeros for them."""
        self._non_differentiable = tensors

    def mark_dirty(self, *tensors) -> None:
        """Declare inputs that forward modified in place (and returns)."""
        self._dirty = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """With False, backward gets None (not zeros) for outputs that received no gradient."""
        self._materialize = bool(value)


class BackwardCFunction(Node, FunctionCtx):
    """The node of one custom Function application; also the `ctx` its forward and backward see."""

    __slots__ = (
        "needs_input_grad",
        "_to_save",
        "_saved_versions",
        "_non_differentiable",
        "_dirty",
        "_materialize",
        "_outputs_meta",
        "_n_outputs",
        "_tensor_args",
        "__dict__",
    )
    _function: type = None
    _multi_output = True
    _saves_something = True
    _runs_on_tensors = True

    def __init__(self, needs_input_grad: tuple) -> None:
        super().__init__((), (), (), None, ())
        self.needs_input_grad = needs_input_grad
        self._to_save = ()
        self._saved_versions = ()
        self._non_differentiable = ()
        self._dirty = ()
        self._materialize = True
        self._outputs_meta = ()
        self._n_outputs = 0
        self._tensor_args = ()

    def __repr__(self) -> str:
        return f"<ember.autograd.function.{type(self).__name__} object at {hex(id(self))}>"

    # --- after forward: link the graph ----------------------------------------
    def _connect(self, args: tuple, output, record: bool):
        is_tuple = isinstance(output, tuple)
        outputs = output if is_tuple else (output,)
        if record:
            tensor_args = tuple(isinstance(a, _tensor.Tensor) for a in args)
            inputs = tuple(a for a in args if isinstance(a, _tensor.Tensor))
            self._tensor_args = tensor_args
            self._edges = tuple(a._edge() if a._requires_grad else (None, 0) for a in inputs)
            self._meta = tuple((a._data.shape, a.dtype) if a._requires_grad else None for a in inputs)
        dirty = {id(t) for t in self._dirty}
        non_differentiable = {id(t) for t in self._non_differentiable}
        results = []
        metas = []
        for index, out in enumerate(outputs):
            if not isinstance(out, _tensor.Tensor):
                results.append(out)
                metas.append(None)
                continue
            if id(out) in dirty:
                if out._requires_grad and out.grad_fn is None and record:
                    raise RuntimeError(LEAF_DIRTY_MESSAGE)
                out._version[0] += 1
            elif any(out is a for a in args):
                out = _alias(out)
            if record:
                if id(outputs[index]) in non_differentiable or not out.dtype.inexact:
                    out._requires_grad = False
                    if id(out) in dirty:
                        out.grad_fn = None
                else:
                    history = out.grad_fn
                    out.grad_fn = self
                    out._requires_grad = True
                    if out._extra is not None:
                        out._history_changed(history)
                    if index:
                        out._extras().output_nr = index
            results.append(out)
            metas.append((out._data.shape, out.dtype, out._backend, out.device))
        if record:
            self._backend = next((meta[2] for meta in metas if meta is not None), None)
            self._outputs_meta = tuple(metas)
            self._n_outputs = len(outputs)
            self._to_save = tuple(self._as_saved(t, outputs, results) for t in self._to_save)
        return tuple(results) if is_tuple else results[0]

    def _as_saved(self, tensor, outputs: tuple, results: list):
        if tensor is None:
            return None
        for index, out in enumerate(outputs):
            if tensor is out and results[index] is out and out.grad_fn is self:
                return _SavedOutput(index, out)
        return tensor

    # --- backward ---------------------------------------------------------------
    def run(self, m, grads: list) -> tuple:
        if self._materialize:
            grads = [g if g is not None or meta is None else _zeros(meta) for g, meta in zip(grads, self._outputs_meta)]
        result = self._function.backward(self, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        return self._check_gradients(result)

    def _check_gradients(self, result: tuple) -> tuple:
        expected = len(self._tensor_args)
        name = type(self).__name__
        if len(result) != expected and not (len(result) > expected and all(g is None for g in result[expected:])):
            raise RuntimeError(
                f"function {name} returned an incorrect number of gradients (expected {expected}, got "
                f"{len(result)}): backward must return one gradient (or None) per argument of forward."
            )
        grads = []
        for position, (g, is_tensor) in enumerate(zip(result, self._tensor_args)):
            if not is_tensor:
                if g is not None:
                    raise RuntimeError(
                        f"function {name} returned a gradient different than None at position {position + 1}, "
                        "but the corresponding forward input was not a Variable; return None for it."
                    )
                continue
            grads.append(g)
        for index, (g, meta) in enumerate(zip(grads, self._meta)):
            if g is not None and meta is not None and g._data.shape != meta[0] and not _sums_to(g._data.shape, meta[0]):
                raise RuntimeError(
                    f"Function {name} returned an invalid gradient at index {index} - got {list(g.shape)} but "
                    f"expected shape compatible with {list(meta[0])}"
                )
        return grads

    def release(self) -> None:
        self._to_save = None


def _sums_to(grad_shape: tuple, shape: tuple) -> bool:
    """Whether `shape` broadcasts to `grad_shape`, so the gradient can be summed back to it."""
    if len(shape) > len(grad_shape):
        return False
    return all(s == 1 or s == g for s, g in zip(reversed(shape), reversed(grad_shape)))


def _zeros(meta: tuple):
    shape, dtype, backend, device = meta
    return _tensor.wrap(backend.zeros(shape, dtype, device.index), backend, dtype, device)


def _alias(tensor):
    """A new tensor sharing `tensor`'s data and version counter (an input returned by forward)."""
    out = tensor.detach()
    out._base = tensor
    return out


class Function:
    """Define ``forward(ctx, *args)`` and ``backward(ctx, *grads)`` as static methods; call with `.apply`.

    forward runs without recording a graph. Save what backward needs with
    ctx.save_for_backward(...); backward returns one gradient (or None) per forward argument.
    """

    _backward_cls: type = BackwardCFunction

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        node = type(f"{cls.__name__}Backward", (BackwardCFunction,), {"__slots__": (), "_function": cls})
        node.__module__ = "ember.autograd.function"
        cls._backward_cls = node

    @staticmethod
    def forward(ctx, *args, **kwargs):
        """Compute the outputs from the inputs; subclasses define it (ops inside are not recorded)."""
        raise NotImplementedError("a Function subclass must define a static forward(ctx, ...)")

    @staticmethod
    def setup_context(ctx, inputs: tuple, output) -> None:
        """Save what ``backward`` needs from the inputs and output on ``ctx``."""
        raise NotImplementedError("setup_context is optional: define it to write forward without ctx")

    @staticmethod
    def backward(ctx, *grad_outputs):
        """The gradients of the inputs, from the gradients of the outputs; subclasses define it."""
        raise NotImplementedError("a Function subclass must define a static backward(ctx, ...)")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward`` on the inputs and record the op for autograd."""
        needs = tuple(isinstance(a, _tensor.Tensor) and a._requires_grad for a in args)
        ctx = cls._backward_cls(needs)
        record = grad_state.enabled and any(needs)
        previous = grad_state.enabled
        grad_state.enabled = False
        try:
            if cls.setup_context is Function.setup_context:
                output = cls.forward(ctx, *args, **kwargs)
            else:
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
        finally:
            grad_state.enabled = previous
        return ctx._connect(args, output, record)


def once_differentiable(backward):
    """Decorate a Function's backward that cannot itself be differentiated (runs without a graph)."""

    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        previous = grad_state.enabled
        grad_state.enabled = False
        try:
            return backward(ctx, *grads)
        finally:
            grad_state.enabled = previous

    return wrapper
