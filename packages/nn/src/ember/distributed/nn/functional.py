"""Differentiable collectives (`torch.distributed.nn.functional`): ember has `all_reduce`.

Each returns a new tensor and records a node whose backward runs the matching collective on
the gradients, so every rank must call backward through it (as every rank calls the forward).
"""

from __future__ import annotations

import ember
from ember.autograd import Function

from .._collectives import all_reduce as _all_reduce
from .._reduce_op import ReduceOp


class _AllReduce(Function):
    """A sum (or mean) over the ranks is linear: its backward is the same reduction of the gradients."""

    @staticmethod
    def forward(ctx, tensor, op, group):
        ctx.op, ctx.group = op, group
        result = tensor.clone()
        _all_reduce(result, op, group)
        return result

    @staticmethod
    def backward(ctx, grad):
        result = grad.clone()
        _all_reduce(result, ctx.op, ctx.group)
        return result, None, None


def all_reduce(tensor: ember.Tensor, op: ReduceOp = ReduceOp.SUM, group=None) -> ember.Tensor:
    """`tensor` reduced over the ranks, as a new tensor that autograd differentiates (SUM and AVG)."""
    if op not in (ReduceOp.SUM, ReduceOp.AVG):
        raise ValueError(f"ember.distributed.nn.functional.all_reduce: {op!r} has no gradient here; SUM and AVG do")
    return _AllReduce.apply(tensor, op, group)
