"""Custom differentiable operations: subclass `Function` with static forward and backward."""

from __future__ import annotations

from ._grad_mode import no_grad, state
from ._node import Node


class FunctionCtx:
    """What forward hands to backward: saved tensors and anything set as an attribute."""

    def save_for_backward(self, *tensors) -> None:
        self.to_save = tensors
        self._versions = tuple(t._version[0] if t is not None else None for t in tensors)

    @property
    def saved_tensors(self) -> tuple:
        saved = getattr(self, "to_save", ())
        for tensor, version in zip(saved, getattr(self, "_versions", ())):
            if tensor is not None and tensor._version[0] != version:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an inplace "
                    f"operation: saved tensor of shape {list(tensor.shape)} is at version {tensor._version[0]}; "
                    f"expected version {version} instead."
                )
        return saved

    def mark_non_differentiable(self, *tensors) -> None:
        self.non_differentiable = tensors

    def mark_dirty(self, *tensors) -> None:
        self.dirty = tensors

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = value


class _FunctionNode(Node):
    __slots__ = ("ctx", "function", "n_outputs")

    def apply(self, grad):
        grads = self.function.backward(self.ctx, grad)
        if not isinstance(grads, tuple):
            grads = (grads,)
        expected = len(self.next_functions)
        if len(grads) < expected:
            raise RuntimeError(
                f"function {type(self).__name__} returned an incorrect number of gradients (expected {expected}, "
                f"got {len(grads)})"
            )
        return self._fit(grads[:expected])

    def release(self) -> None:
        pass


class Function:
    """Define forward(ctx, *args) and backward(ctx, *grads) as static methods; call with `.apply`."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("a Function subclass must define a static forward(ctx, ...)")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("a Function subclass must define a static backward(ctx, ...)")

    @classmethod
    def apply(cls, *args, **kwargs):
        from .._tensor import Tensor

        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        with no_grad():
            output = cls.forward(ctx, *args, **kwargs)
        if not (state.enabled and any(ctx.needs_input_grad)):
            return output
        edges = tuple((a._edge(), 0) if isinstance(a, Tensor) and a.requires_grad else (None, 0) for a in args)
        meta = tuple((a.shape, a.dtype) if isinstance(a, Tensor) and a.requires_grad else None for a in args)
        node_cls = _node_class(cls)
        node = node_cls(edges, (), (), None, meta)
        node.ctx = ctx
        node.function = cls
        outputs = output if isinstance(output, tuple) else (output,)
        skip = {id(t) for t in getattr(ctx, "non_differentiable", ())}
        for out in outputs:
            if isinstance(out, Tensor) and id(out) not in skip and out.dtype.is_floating_point:
                out.grad_fn = node
                out._requires_grad = True
        return output


_classes: dict = {}


def _node_class(function: type) -> type:
    found = _classes.get(function)
    if found is None:
        found = _classes[function] = type(f"{function.__name__}Backward", (_FunctionNode,), {"__slots__": ()})
    return found
