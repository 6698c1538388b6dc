"""The graph's node types, for inspection (`ember.autograd.graph.Node`)."""

from ._node import AccumulateGrad, Node

__all__ = ["AccumulateGrad", "Node"]
