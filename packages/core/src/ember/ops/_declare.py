"""Declaring an op once gives ember.<name>, Tensor.<name>, Tensor.<name>_, its aliases and operators."""

from __future__ import annotations

from .. import _dtype as dt
from .._tensor import Tensor
from .._writes import write_out
from ._dispatch import PROMOTE, binary, inplace_binary, inplace_unary, promoted, unary
from ._errors import OperandTypeError
from ._op import Op
from ._summaries import SUMMARIES

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


def publish(
    name: str,
    function,
    in_place=None,
    *,
    aliases: tuple = (),
    operator: str | None = None,
    reflected=None,
) -> None:
    """ember.<name> and Tensor.<name> (and `_` for in_place), under each alias too, and the dunders.

    `operator` names the dunder ("sub" gives __sub__, and __isub__ with in_place);
    `reflected(self, other)` is its __r<operator>__.
    """
    for public in (name, *aliases):
        export(function, name=public)
        if in_place is not None:
            setattr(Tensor, public + "_", in_place)
    if operator is not None:
        setattr(Tensor, f"__{operator}__", function)
        if in_place is not None:
            setattr(Tensor, f"__i{operator}__", in_place)
        if reflected is not None:
            setattr(Tensor, f"__r{operator}__", reflected)


def unary_op(
    name: str,
    forward,
    rule=None,
    *,
    promotion: str = PROMOTE,
    node: str | None = None,
    saves: tuple = (0,),
    saves_output: bool = False,
    inplace: bool = True,
    aliases: tuple = (),
    operator: str | None = None,
    check=None,
    math: str | None = None,
) -> Op:
    """An elementwise op of one tensor: ember.name(x, out=), x.name(), x.name_(), and `operator` (e.g. "neg").

    `check(x)` refuses an input before anything runs.
    """
    op = Op(name, forward, rule, node=node, saves=saves, saves_output=saves_output, math=math)

    def function(input: Tensor, *, out: Tensor | None = None) -> Tensor:
        if check is not None:
            check(input)
        result = unary(op, input, promotion)
        return result if out is None else write_out(out, result)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = SUMMARIES.get(name, f"Elementwise {name} of a tensor.")
    in_place = None
    if inplace:

        def in_place(self: Tensor) -> Tensor:
            if check is not None:
                check(self)
            return inplace_unary(op, self, promotion)

        in_place.__name__ = name + "_"
    publish(name, function, in_place, aliases=aliases)
    if operator is not None:
        setattr(Tensor, f"__{operator}__", lambda self: unary(op, self, promotion))
    return op


def binary_op(
    name: str,
    forward,
    rule=None,
    *,
    promotion: str = PROMOTE,
    node: str | None = None,
    saves: tuple = (),
    saved_for: tuple | None = None,
    operator: str | None = None,
    reflected: Op | bool = True,
    inplace: bool = True,
    aliases: tuple = (),
    check=None,
    alpha: bool = False,
    math: str | None = None,
) -> Op:
    """An elementwise op of two operands (tensors or scalars) with broadcasting and promotion.

    `operator` names the dunder ("sub" gives __sub__, __rsub__, __isub__). The reflected
    operator computes op(other, self), or runs `reflected` (an op whose forward swaps its
    operands, for PyTorch's own node name) on (self, other). `check(a, b)` refuses operands
    before anything runs; `alpha` adds PyTorch's `alpha=` (other is scaled by it first).
    """
    op = Op(name, forward, rule, node=node, saves=saves, saved_for=saved_for, math=math)

    def scaled(input, other, alpha_value):
        if check is not None:
            check(input, other)
        if alpha_value == 1 and not isinstance(alpha_value, float):
            return other
        return alpha_scaled(input, other, alpha_value)

    if alpha:

        def function(input, other, *, alpha=1, out: Tensor | None = None) -> Tensor:
            result = binary(op, input, scaled(input, other, alpha), promotion)
            return result if out is None else write_out(out, result)

        def in_place(self: Tensor, other, *, alpha=1) -> Tensor:
            return inplace_binary(op, self, scaled(self, other, alpha), promotion)

    else:

        def function(input, other, *, out: Tensor | None = None) -> Tensor:
            if check is not None:
                check(input, other)
            result = binary(op, input, other, promotion)
            return result if out is None else write_out(out, result)

        def in_place(self: Tensor, other) -> Tensor:
            if check is not None:
                check(self, other)
            return inplace_binary(op, self, other, promotion)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = SUMMARIES.get(
        name, f"Elementwise {name} of two tensors (or a tensor and a scalar), broadcasting."
    )
    in_place.__name__ = name + "_"

    def reflected_operator(self, other):
        try:
            if check is not None:
                check(other, self)
            if isinstance(reflected, Op):
                return binary(reflected, self, other, promotion)
            return binary(op, other, self, promotion)
        except OperandTypeError:
            return NotImplemented

    publish(
        name,
        function,
        in_place if inplace else None,
        aliases=aliases,
        operator=operator,
        reflected=reflected_operator if reflected is not False else None,
    )
    if operator is not None:  # NOTE: the operator skips the function's alpha and out= handling
        # NOTE: as in PyTorch, an operand that is no tensor or number gives NotImplemented, so
        # Python raises its TypeError, and == / != fall back to identity (t == None is False)
        def operator_method(self, other):
            try:
                return binary(op, self, other, promotion)
            except OperandTypeError:
                return NotImplemented

        def checked_operator_method(self, other):
            try:
                check(self, other)
                return binary(op, self, other, promotion)
            except OperandTypeError:
                return NotImplemented

        setattr(Tensor, f"__{operator}__", operator_method if check is None else checked_operator_method)
    return op


def alpha_scaled(input, other, alpha):
    """other * alpha, with PyTorch's checks on alpha's type."""
    if isinstance(alpha, bool):
        if promoted(input, other) is not dt.bool_:
            raise RuntimeError("Boolean alpha only supported for Boolean results.")
    elif isinstance(alpha, float) and not promoted(input, other).is_floating_point:
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    return other * alpha
