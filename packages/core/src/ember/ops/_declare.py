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


class _TensorMath:
    """ember's functions by name (ember.cos, ember.exp, ...), for derivatives written once."""

    def __getattr__(self, name: str):
        return FUNCTIONS[name]


TENSOR_MATH = _TensorMath()


def chain_rules(derivative, uses_input: bool, uses_output: bool):
    """Backward rules (on tensors and on arrays) from d(out)/d(x) written as derivative(math, x, out).

    `math` is ember (tensor rule) or the backend (array rule): write the derivative with
    operators and functions both have (cos, sin, exp, sqrt, sign, ...).
    """

    def rule(ctx, g):
        x = ctx.saved[0] if uses_input else None
        out = ctx.output() if uses_output else None
        return (g * derivative(TENSOR_MATH, x, out),)

    def fast(ctx, g):
        x = ctx.saved_arrays()[0] if uses_input else None
        out = ctx.output_array() if uses_output else None
        slope = derivative(ctx.backend(), x, out)
        if getattr(slope, "dtype", g.dtype) != g.dtype and slope.shape == g.shape:
            slope = slope.astype(g.dtype)  # NOTE: a mask (relu's out > 0) multiplies faster once cast,
            slope *= g  # and the cast is a new array to write the product into
            return (slope,)
        return (g * slope,)

    return rule, fast


def rules_on_values(rule):
    """Backward rules on tensors and on arrays from one `rule(ctx, g, *saved)` written with operators."""

    def on_tensors(ctx, g):
        return rule(ctx, g, *ctx.saved)

    def on_arrays(ctx, g):
        return rule(ctx, g, *ctx.saved_arrays())

    return on_tensors, on_arrays


def unary_op(
    name: str,
    forward,
    backward=None,
    *,
    derivative=None,
    rule: str = PROMOTE,
    node: str | None = None,
    saves: tuple = (0,),
    saves_output: bool = False,
    inplace: bool = True,
    fast=None,
) -> Op:
    """An elementwise op of one tensor: ember.name(x, out=), x.name(), x.name_().

    Give either `backward` (a rule on tensors, plus optionally `fast` on arrays) or
    `derivative(math, x, out)`, from which both rules follow by the chain rule.
    """
    if derivative is not None:
        backward, fast = chain_rules(derivative, saves == (0,), saves_output)
    op = Op(name, forward, backward, node=node, saves=saves, saves_output=saves_output, fast=fast)

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
    fast=None,
    saved_for: tuple | None = None,
) -> Op:
    """An elementwise op of two operands (tensors or scalars) with broadcasting and promotion.

    `operator` names the dunder (e.g. "add" gives __add__, __radd__, __iadd__).
    """
    op = Op(name, forward, backward, node=node, saves=saves, kernel=kernel, fast=fast, saved_for=saved_for)

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
