"""Declaring an op once gives ember.<name>, Tensor.<name>, Tensor.<name>_ and the operators."""

from __future__ import annotations

from .._tensor import Tensor
from ._dispatch import (
    PROMOTE,
    Op,
    binary,
    inplace_binary,
    inplace_unary,
    unary,
    write_out,
)

FUNCTIONS: dict = {}


def export(fn=None, *, name: str | None = None, method: bool = True, function: bool = True):
    """Publish `fn` as `ember.<name>` and, with `method`, as `Tensor.<name>` (input becomes self)."""

    def register(f):
        public = name or f.__name__
        if function:
            FUNCTIONS[public] = f
        if method:
            setattr(Tensor, public, f)
        return f

    return register(fn) if fn is not None else register


def method(name: str):
    """Publish a function only as `Tensor.<name>`."""

    def register(f):
        setattr(Tensor, name, f)
        return f

    return register


def unary_op(
    name: str,
    forward,
    backward,
    *,
    rule: str = PROMOTE,
    node: str | None = None,
    saves: tuple = (0,),
    saves_output: bool = False,
    inplace: bool = True,
) -> Op:
    """An elementwise op of one tensor: ember.name(x, out=), x.name(), x.name_()."""
    op = Op(name, forward, backward, node=node, saves=saves, saves_output=saves_output)

    def function(input: Tensor, *, out: Tensor | None = None) -> Tensor:
        result = unary(op, input, rule)
        return result if out is None else write_out(out, result)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"Elementwise {name} of a tensor."
    export(function)
    if inplace:

        def in_place(self: Tensor) -> Tensor:
            return inplace_unary(op, self, rule)

        in_place.__name__ = name + "_"
        setattr(Tensor, name + "_", in_place)
    return op


def binary_op(
    name: str,
    forward,
    backward,
    *,
    kernel: str | None = None,
    rule: str = PROMOTE,
    node: str | None = None,
    saves: tuple = (),
    operator: str | None = None,
    reflected: bool = True,
    inplace: bool = True,
) -> Op:
    """An elementwise op of two operands (tensors or scalars) with broadcasting and promotion.

    `operator` names the dunder (e.g. "add" gives __add__, __radd__, __iadd__).
    """
    op = Op(name, forward, backward, node=node, saves=saves, kernel=kernel)

    def function(input, other, *, out: Tensor | None = None) -> Tensor:
        result = binary(op, input, other, rule)
        return result if out is None else write_out(out, result)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"Elementwise {name} of two tensors (or a tensor and a scalar), broadcasting."
    export(function)
    if inplace:

        def in_place(self: Tensor, other) -> Tensor:
            return inplace_binary(op, self, other, rule)

        in_place.__name__ = name + "_"
        setattr(Tensor, name + "_", in_place)
    if operator is not None:
        setattr(Tensor, f"__{operator}__", lambda self, other: binary(op, self, other, rule))
        if reflected:
            setattr(Tensor, f"__r{operator}__", lambda self, other: binary(op, other, self, rule))
        if inplace:
            setattr(Tensor, f"__i{operator}__", lambda self, other: inplace_binary(op, self, other, rule))
    return op
