"""The orthogonal polynomials of ``ember.special``: p_n(x) for a tensor x and a degree n.

The degree is truncated to an integer, and the polynomial is 0 where it is negative (as in
PyTorch). Low degrees take the three-term recurrence from p_0 = 1 and p_1; the Chebyshev
polynomials of higher degree on (-1, 1) take their trigonometric forms (T_n = cos(n theta),
U_n = sin((n+1) theta) / sin(theta), ... with x = cos(theta)). The kernels work in float64
and return the promoted floating dtype. PyTorch does not differentiate these: results do
not require grad.
"""

from __future__ import annotations

from .._tensor import Tensor
from .._writes import write_out
from ._dispatch import FLOAT_RESULT, binary
from ._op import Op
from .special import _as_float64, _filled


def _recurrence(b, x, n, first, step, skip):
    """p_n(x) by p_k+1 = step(k, x, p_k, p_k-1) from p_0 = 1 and p_1 = first, where `skip` is False."""
    result = b.where(n == 0, 1.0, first)
    wanted = b.where(skip, 0.0, n)
    highest = int(float(b.max(wanted))) if wanted.size else 0
    previous, current = _filled(b, x, 1.0), first
    for k in range(1, highest):
        previous, current = current, step(k, x, current, previous)
        result = b.where(n == k + 1, current, result)
    return result


def _chebyshev(kind: str):
    """The Chebyshev polynomial of the first (t), second (u), third (v) or fourth (w) kind."""
    first = {"t": lambda x: x, "u": lambda x: 2 * x, "v": lambda x: 2 * x - 1, "w": lambda x: 2 * x + 1}[kind]
    trig_from = 6 if kind == "t" else 8

    def compute(b, x, n):
        inside = b.abs(x) < 1
        trig = inside & (n > trig_from)
        theta = b.xp.arccos(b.where(inside, x, 0.0))
        if kind == "t":
            closed = b.cos(n * theta)
        elif kind == "u":
            sine = b.sin(theta)
            closed = b.sin((n + 1) * theta) / b.where(sine == 0, 1.0, sine)
        elif kind == "v":
            closed = b.cos((n + 0.5) * theta) / b.cos(theta / 2)
        else:
            half = b.sin(theta / 2)
            closed = b.sin((n + 0.5) * theta) / b.where(half == 0, 1.0, half)
        result = _recurrence(b, x, n, first(x), lambda k, x, p, q: 2 * x * p - q, trig)
        result = b.where(trig, closed, result)
        # x = +-1: the values the recurrence reaches there exactly
        even = b.floor(n / 2) * 2 == n
        plus = {"t": 1.0, "u": n + 1, "v": 1.0, "w": 2 * n + 1}[kind]
        minus = {"t": 1.0, "u": n + 1, "v": 2 * n + 1, "w": 1.0}[kind]
        minus = b.where(even, minus, -minus)
        result = b.where(x == 1, plus, b.where(x == -1, minus, result))
        return result

    return compute


def _shifted(compute):
    def shifted(b, x, n):
        return compute(b, 2 * x - 1, n)

    return shifted


def _hermite_h(b, x, n):
    return _recurrence(b, x, n, 2 * x, lambda k, x, p, q: 2 * x * p - 2 * k * q, n < 0)


def _hermite_he(b, x, n):
    return _recurrence(b, x, n, x, lambda k, x, p, q: x * p - k * q, n < 0)


def _laguerre_l(b, x, n):
    result = _recurrence(b, x, n, 1 - x, lambda k, x, p, q: ((2 * k + 1 - x) * p - k * q) / (k + 1), n < 0)
    return b.where(x == 0, 1.0, result)


def _legendre_p(b, x, n):
    result = _recurrence(b, x, n, x, lambda k, x, p, q: ((2 * k + 1) * x * p - k * q) / (k + 1), n < 0)
    even = b.floor(n / 2) * 2 == n
    return b.where(x == 1, 1.0, b.where(x == -1, b.where(even, 1.0, -1.0), result))


def _kernel(compute):
    def kernel(b, x, n):
        like = x if isinstance(x, b.ndarray) else n  # NOTE: one operand may be a Python number
        x64, n64 = _as_float64(b, x, like), _as_float64(b, n, like)
        shape = (x64 + n64).shape
        x64, n64 = b.broadcast_to(x64, shape), b.broadcast_to(n64, shape)
        degree = b.where(b.isnan(n64), -1.0, b.trunc(n64))
        result = compute(b, x64, b.where(degree < 0, -1.0, degree))
        return b.astype(b.where(degree < 0, 0.0, result), b.ember_dtype(like.dtype))

    return kernel


def _function(name: str, compute, doc: str):
    op = Op(name, _kernel(compute))

    def function(input: Tensor | float, n: Tensor | float, *, out: Tensor | None = None) -> Tensor:
        x = input.detach() if isinstance(input, Tensor) else input
        degree = n.detach() if isinstance(n, Tensor) else n
        result = binary(op, x, degree, FLOAT_RESULT)  # NOTE: as in PyTorch: a result without history
        return result if out is None else write_out(out, result)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    return function


chebyshev_polynomial_t = _function(
    "chebyshev_polynomial_t", _chebyshev("t"), "The Chebyshev polynomial of the first kind T_n at each element."
)
chebyshev_polynomial_u = _function(
    "chebyshev_polynomial_u", _chebyshev("u"), "The Chebyshev polynomial of the second kind U_n at each element."
)
chebyshev_polynomial_v = _function(
    "chebyshev_polynomial_v", _chebyshev("v"), "The Chebyshev polynomial of the third kind V_n at each element."
)
chebyshev_polynomial_w = _function(
    "chebyshev_polynomial_w", _chebyshev("w"), "The Chebyshev polynomial of the fourth kind W_n at each element."
)
shifted_chebyshev_polynomial_t = _function(
    "shifted_chebyshev_polynomial_t", _shifted(_chebyshev("t")), "The shifted Chebyshev polynomial T_n(2x - 1)."
)
shifted_chebyshev_polynomial_u = _function(
    "shifted_chebyshev_polynomial_u", _shifted(_chebyshev("u")), "The shifted Chebyshev polynomial U_n(2x - 1)."
)
shifted_chebyshev_polynomial_v = _function(
    "shifted_chebyshev_polynomial_v", _shifted(_chebyshev("v")), "The shifted Chebyshev polynomial V_n(2x - 1)."
)
shifted_chebyshev_polynomial_w = _function(
    "shifted_chebyshev_polynomial_w", _shifted(_chebyshev("w")), "The shifted Chebyshev polynomial W_n(2x - 1)."
)
hermite_polynomial_h = _function(
    "hermite_polynomial_h", _hermite_h, "The physicists' Hermite polynomial H_n at each element."
)
hermite_polynomial_he = _function(
    "hermite_polynomial_he", _hermite_he, "The probabilists' Hermite polynomial He_n at each element."
)
laguerre_polynomial_l = _function("laguerre_polynomial_l", _laguerre_l, "The Laguerre polynomial L_n at each element.")
legendre_polynomial_p = _function("legendre_polynomial_p", _legendre_p, "The Legendre polynomial P_n at each element.")
