"""The autograd layer's methods of Tensor: backward, hooks, retain_grad, and where gradients go."""

from __future__ import annotations

import weakref

from .._tensor import Tensor
from . import _api as api
from ._node import AccumulateGrad, RemovableHandle, note_post_accumulate_hook, private_copy


def backward(self: Tensor, gradient=None, retain_graph=None, create_graph: bool = False, inputs=None) -> None:
    """Accumulate the gradient of this tensor into the `.grad` of the leaves it was computed from.

    >>> x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    tensor([2., 4., 6.])
    """
    if gradient is None and inputs is None and not create_graph:  # NOTE: loss.backward(), what api.backward does
        api.run_backward([self], (), retain_graph, False)
    else:
        api.backward(self, gradient, retain_graph, create_graph, inputs=inputs)


def register_hook(self, hook):
    """hook(grad) runs when this tensor's gradient is computed; a returned tensor replaces the gradient."""
    if not self._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if self.grad_fn is not None:
        return self.grad_fn._register_tensor_hook(self.output_nr, hook)
    extra = self._extras()
    if extra.hooks is None:
        extra.hooks = []
    extra.hooks.append(hook)
    return RemovableHandle(extra.hooks, hook)


def register_post_accumulate_grad_hook(self, hook):
    """hook(tensor) runs after backward accumulated into this leaf's `.grad`."""
    if self.grad_fn is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    if not self._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    extra = self._extras()
    if extra.post_accumulate_hooks is None:
        extra.post_accumulate_hooks = []
    extra.post_accumulate_hooks.append(hook)
    note_post_accumulate_hook()
    return RemovableHandle(extra.post_accumulate_hooks, hook)


def retain_grad(self) -> None:
    """Make backward fill this non-leaf tensor's `.grad` too (leaves always have it)."""
    if not self._requires_grad:
        raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    if self.grad_fn is None or self.retains_grad:
        return
    self._extras().retains_grad = True
    owner = weakref.ref(self)

    def store(grad) -> None:
        tensor = owner()
        if tensor is not None:
            held = tensor._grad
            tensor._grad = private_copy(grad) if held is None else held + grad.detach()

    self.grad_fn._retain_grad(self.output_nr, store)


def _history_changed(self, old_grad_fn) -> None:
    """After an in-place op gave this tensor a new grad_fn: retain_grad follows the new history."""
    extra = self._extra
    output_nr, extra.output_nr = extra.output_nr, 0
    if not extra.retains_grad or old_grad_fn is None or old_grad_fn._extra is None:
        return
    store = (old_grad_fn._extra.retains_grad or {}).pop(output_nr, None)
    if store is not None and self.grad_fn is not None:
        self.grad_fn._retain_grad(0, store)


def _grad_accumulator(self) -> AccumulateGrad:
    """The leaf's AccumulateGrad node, made once and shared by every graph that uses the leaf."""
    extra = self._extras()
    if extra.accumulator is None:
        extra.accumulator = AccumulateGrad(self)
    return extra.accumulator


def _leaf_link(self) -> tuple:
    """(edge, (shape, dtype)) for an op that takes this leaf as an input, kept until the shape changes."""
    extra = self._extras()
    if extra.link is None:
        extra.link = ((self._grad_accumulator(), 0), (self._data.shape, self.dtype))
    return extra.link


def _edge(self) -> tuple:
    """Where gradients for this tensor go: (its grad_fn or a leaf's accumulator, output_nr); (None, 0) if nowhere."""
    if self.grad_fn is not None:
        return self.grad_fn, (0 if self._extra is None else self._extra.output_nr)
    if self._requires_grad:
        return self._grad_accumulator(), 0
    return None, 0


for _function in (
    backward,
    register_hook,
    register_post_accumulate_grad_hook,
    retain_grad,
    _history_changed,
    _grad_accumulator,
    _leaf_link,
    _edge,
):
    setattr(Tensor, _function.__name__, _function)
