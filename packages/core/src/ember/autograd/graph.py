"""The graph's node types, for inspection (`isinstance(t.grad_fn, ember.autograd.graph.Node)`)."""

from .._autograd._node import AccumulateGrad, Node, RemovableHandle

__all__ = ["AccumulateGrad", "Node", "RemovableHandle"]
