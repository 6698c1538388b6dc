"""Two-operand elementwise math with no operator: hypot, logaddexp, logaddexp2, heaviside.

As in PyTorch, both operands must be tensors (a Python number is a TypeError).
"""

from __future__ import annotations

import math

from .._tensor import Tensor
from ._declare import FUNCTIONS, binary_op, export
from ._errors import refusing

_LN2 = math.log(2.0)


def _tensors_only(name: str, second: str):
    def check(input, other) -> None:
        for position, (word, value) in enumerate((("input", input), (second, other)), start=1):
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"{name}(): argument '{word}' (position {position}) must be Tensor, not {type(value).__name__}; "
                    f"wrap a number with ember.tensor(...)"
                )

    return check


def _same_dtypes(input, other) -> None:
    _tensors_only("heaviside", "values")(input, other)
    if input.dtype is not other.dtype:
        raise RuntimeError(
            "heaviside is not yet implemented for tensors with different dtypes; got "
            f"{input.dtype} and {other.dtype}. Convert one with .to({input.dtype})"
        )


def _grad_hypot(m, ctx, g):
    a, b = ctx.saved
    scale = g / m.run(HYPOT, a, b)
    return (scale * a if ctx.needs(0) else None), (scale * b if ctx.needs(1) else None)


def _grad_logaddexp(ln_base: float):
    """d/da log_base(base^a + base^b) = sigmoid((a - b) ln base), without overflow."""

    def rule(m, ctx, g):
        a, b = ctx.saved
        gap = (a - b) if ln_base == 1.0 else (a - b) * ln_base
        return (g * m.sigmoid(gap) if ctx.needs(0) else None), (g * m.sigmoid(-gap) if ctx.needs(1) else None)

    return rule


_FLOATING = "biu"
HYPOT = binary_op(
    "hypot",
    refusing("hypot_cpu", _FLOATING, lambda b, x, y: b.xp.hypot(x, y)),
    _grad_hypot,
    saves=(0, 1),
    reflected=False,
    check=_tensors_only("hypot", "other"),
)
binary_op(
    "logaddexp",
    refusing("logaddexp_cpu", _FLOATING, lambda b, x, y: b.xp.logaddexp(x, y)),
    _grad_logaddexp(1.0),
    saves=(0, 1),
    reflected=False,
    inplace=False,
    check=_tensors_only("logaddexp", "other"),
)
binary_op(
    "logaddexp2",
    refusing("logaddexp2_cpu", _FLOATING, lambda b, x, y: b.xp.logaddexp2(x, y)),
    _grad_logaddexp(_LN2),
    saves=(0, 1),
    reflected=False,
    inplace=False,
    check=_tensors_only("logaddexp2", "other"),
)
HEAVISIDE = binary_op(
    "heaviside",
    lambda b, x, y: b.astype(b.xp.heaviside(x, y), b.ember_dtype(x.dtype)),
    node="NotImplemented",
    reflected=False,
    check=_same_dtypes,
)
_heaviside = FUNCTIONS["heaviside"]


@export
def heaviside(input: Tensor, values: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Step function: 0 where input < 0, 1 where input > 0, and `values` where input is 0."""
    return _heaviside(input, values, out=out)
