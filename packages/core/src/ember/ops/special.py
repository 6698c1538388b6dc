"""Special functions: lgamma, digamma, polygamma, igamma/igammac and erfinv, on every backend.

The kernels work in float64 with the backend's kernels and the native array surface only
(operators, ``astype``, ``copy``) and return the input's dtype: lgamma by Lanczos'
approximation (g = 7, nine terms); digamma and polygamma by recurrence up to a large
argument and their asymptotic series there; the regularized incomplete gamma functions by
their series (x < a + 1) or continued fraction; erfinv by Giles' polynomial approximation
refined by two Newton steps on the backend's erf.
"""

from __future__ import annotations

import math

from .. import _dtype
from .._tensor import Tensor
from .._writes import write_out
from ..backends._casting import cast_like
from ._declare import binary_op, publish, unary_op
from ._dispatch import FLOAT_RESULT, binary, inplace_unary, unary
from ._op import Op

_LANCZOS_G = 7.0
_LANCZOS = (
    0.99999999999980993,
    676.5203681218851,
    -1259.1392167224028,
    771.32342877765313,
    -176.61502916214059,
    12.507343278686905,
    -0.13857109526572012,
    9.9843695780195716e-6,
    1.5056327351493116e-7,
)
_HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)
# B_2k / (2k) for k = 1..7: the asymptotic series of digamma is log(y) - 1/(2y) - sum(c_k / y^2k)
_DIGAMMA_SERIES = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12)
# B_2j / (2j)! for j = 1..8: the Euler-Maclaurin tail of the Hurwitz zeta function
_ZETA_SERIES = (
    1 / 12,
    -1 / 720,
    1 / 30240,
    -1 / 1209600,
    1 / 47900160,
    -691 / 1307674368000,
    1 / 74724249600,
    -3617 / 10670622842880000,
)
_ASYMPTOTIC_FROM = 10.0
_SQRT_TWO = math.sqrt(2.0)
_SQRT_TWO_PI = math.sqrt(2 * math.pi)


def _as_float64(b, x, like=None):
    """x (an array, or a number shaped as `like`) as a float64 array."""
    if isinstance(x, b.ndarray):
        return b.astype(x, _dtype.float64)
    return _filled(b, like, float(x))


def _filled(b, like, value: float):
    """A float64 array of `like`'s shape, every element `value`."""
    return b.astype(b.where(b.isnan(like), value, value), _dtype.float64)


def _lgamma_array(b, x):
    """log|Gamma(x)| of a float64 array; +inf at the poles 0, -1, -2, ..."""
    reflect = x < 0.5
    y = b.where(reflect, 1.0 - x, x) - 1.0
    series = _filled(b, y, _LANCZOS[0])
    for k, coefficient in enumerate(_LANCZOS[1:], start=1):
        series = series + coefficient / (y + k)
    t = y + _LANCZOS_G + 0.5
    direct = _HALF_LOG_TWO_PI + (y + 0.5) * b.log(t) - t + b.log(series)
    reflected = b.log(math.pi / b.abs(b.sin(math.pi * x))) - direct
    result = b.where(reflect, reflected, direct)
    result = b.where((x == 1) | (x == 2), 0.0, result)  # NOTE: exact zeros, where the series leaves ~1e-15
    return b.where(_poles(b, x) | (x == math.inf), math.inf, result)


def _digamma_array(b, x):
    """digamma of a float64 array: -inf at +0, inf at -0, nan at the negative integers (as PyTorch)."""
    reflect = x < 0.5
    y = b.where(reflect, 1.0 - x, x)
    total = _filled(b, y, 0.0)
    for _ in range(int(_ASYMPTOTIC_FROM)):  # NOTE: y >= 0.5, so ten steps reach the asymptotic range
        small = y < _ASYMPTOTIC_FROM
        total = total - b.where(small, 1.0 / y, 0.0)
        y = b.where(small, y + 1.0, y)
    inverse_square = 1.0 / (y * y)
    series = _filled(b, y, 0.0)
    for coefficient in reversed(_DIGAMMA_SERIES):
        series = (series + coefficient) * inverse_square
    total = total + b.log(y) - 0.5 / y - series
    reflected = total - math.pi / b.tan(math.pi * x)
    result = b.where(reflect, reflected, total)
    result = b.where(_poles(b, x), math.nan, result)
    return b.where(x == 0, b.where(1.0 / x < 0, math.inf, -math.inf), result)


def _polygamma_array(b, x, n: int):
    """The n-th derivative of digamma (n >= 1): (-1)^(n+1) n! zeta(n + 1, x)."""
    sign = 1.0 if n % 2 else -1.0
    result = sign * math.factorial(n) * _zeta_sum(b, _filled(b, x, n + 1.0), x)
    return b.where(_poles(b, x), sign * math.inf, result)


def _zeta_sum(b, s, q):
    """The Hurwitz zeta function sum over k >= 0 of (q + k)^-s of float64 arrays (s > 1): the first
    terms up to q + k >= 10 + s, then the Euler-Maclaurin tail."""
    threshold = _ASYMPTOTIC_FROM + s
    y = b.copy(q)
    total = _filled(b, y, 0.0)
    while True:
        small = (y < threshold) & b.isfinite(y) & b.isfinite(s)
        if not b.any(small):
            break
        total = total + b.where(small, y ** (-s), 0.0)
        y = b.where(small, y + 1.0, y)
    tail = y ** (1.0 - s) / (s - 1.0) + 0.5 * y ** (-s)
    rising = s  # s (s + 1) ... (s + 2j - 2)
    power = y ** (-s - 1.0)
    inverse_square = 1.0 / (y * y)
    for j, coefficient in enumerate(_ZETA_SERIES, start=1):
        tail = tail + coefficient * rising * power
        rising = rising * (s + 2 * j - 1) * (s + 2 * j)
        power = power * inverse_square
    return total + tail


def _zeta_array(b, s, q):
    """zeta(s, q) with PyTorch's conventions: inf at s = 1 and at the poles q = 0, -1, ...;
    nan for s < 1, and for q < 0 unless s is an integer."""
    shape = (s + q).shape
    s, q = b.broadcast_to(s, shape), b.broadcast_to(q, shape)
    poles = _poles(b, q)
    invalid = (s < 1) | ((q < 0) & (s != b.floor(s))) | (q == math.inf) | ((s == math.inf) & (q > 1))
    safe_s = b.where(invalid | (s == 1) | poles, 2.0, s)
    safe_q = b.where(invalid | (s == 1) | poles, 1.0, q)
    result = _zeta_sum(b, safe_s, safe_q)
    result = b.where((s == math.inf) & (q == 1), 1.0, result)
    result = b.where((s == math.inf) & (q < 1) & (q > 0), math.inf, result)
    result = b.where((s == 1) | poles, math.inf, result)
    return b.where(invalid | b.isnan(s) | b.isnan(q), math.nan, result)


def _poles(b, x):
    """Where x is 0 or a negative integer."""
    return (x <= 0) & (x == b.floor(x))


# Giles (2010), "Approximating the erfinv function": the central and the tail polynomial in w
_ERFINV_CENTRAL = (
    2.81022636e-08,
    3.43273939e-07,
    -3.5233877e-06,
    -4.39150654e-06,
    0.00021858087,
    -0.00125372503,
    -0.00417768164,
    0.246640727,
    1.50140941,
)
_ERFINV_TAIL = (
    -0.000200214257,
    0.000100950558,
    0.00134934322,
    -0.00367342844,
    0.00573950773,
    -0.0076224613,
    0.00943887047,
    1.00167406,
    2.83297682,
)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


def _polynomial(coefficients, w):
    result = coefficients[0]
    for coefficient in coefficients[1:]:
        result = coefficient + result * w
    return result


def _erfinv_array(b, x):
    """The inverse error function of a float64 array: ±inf at ±1, nan outside [-1, 1]."""
    w = -b.log((1.0 - x) * (1.0 + x))
    central = _polynomial(_ERFINV_CENTRAL, w - 2.5)
    tail = _polynomial(_ERFINV_TAIL, b.sqrt(b.maximum(w, 5.0)) - 3.0)
    y = b.where(w < 5.0, central, tail) * x
    inside = b.abs(x) < 1
    y = b.where(inside, y, 0.0)
    for _ in range(2):
        y = y - (b.erf(y) - x) / (_TWO_OVER_SQRT_PI * b.exp(-y * y))
    edge = b.where(b.abs(x) == 1, b.sign(x) * math.inf, math.nan)
    return b.where(inside, y, edge)


_SERIES_LIMIT = 5000  # terms: enough for shapes up to about 1e6


def _regularized_gammas(b, a, x):
    """(P(a, x), Q(a, x)) = the regularized lower and upper incomplete gamma functions, float64 arrays."""
    shape = (a + x).shape
    a, x = b.broadcast_to(a, shape), b.broadcast_to(x, shape)
    log_prefactor = a * b.log(x) - x - _lgamma_array(b, a)
    use_series = x < a + 1
    # the series of P: sum over n of x^n / (a (a + 1) ... (a + n))
    sa = b.where(use_series, a, 1.0)
    sx = b.where(use_series, x, 0.0)
    term = 1.0 / sa
    total = b.copy(term)
    for n in range(1, _SERIES_LIMIT):
        term = term * sx / (sa + n)
        total = total + term
        if not b.any(b.abs(term) > 1e-17 * b.abs(total)):
            break
    lower = total * b.exp(b.where(use_series, log_prefactor, 0.0))
    # Lentz's continued fraction of Q
    ca = b.where(use_series, 1.0, a)
    cx = b.where(use_series, 2.0, x)
    tiny = 1e-300
    denominator = cx + 1.0 - ca
    c = _filled(b, denominator, 1.0 / tiny)
    d = 1.0 / denominator
    fraction = b.copy(d)
    for i in range(1, _SERIES_LIMIT):
        an = -i * (i - ca)
        denominator = denominator + 2.0
        d = an * d + denominator
        d = b.where(b.abs(d) < tiny, tiny, d)
        c = denominator + an / c
        c = b.where(b.abs(c) < tiny, tiny, c)
        d = 1.0 / d
        step = d * c
        fraction = fraction * step
        if not b.any(b.abs(step - 1.0) > 1e-15):
            break
    upper = fraction * b.exp(b.where(use_series, 0.0, log_prefactor))
    p = b.where(use_series, lower, 1.0 - upper)
    q = b.where(use_series, 1.0 - lower, upper)
    # NOTE: PyTorch's limits: P(0, x > 0) = 1, P(a, 0) = 0, P(inf, finite x) = 0, P(a, inf) = 1;
    # P(0, 0) and P(inf, inf) are nan (Q = 1 - P throughout)
    a_inf, x_inf = a == math.inf, x == math.inf
    p = b.where(x_inf, 1.0, b.where(a_inf, 0.0, b.where(x == 0, 0.0, b.where(a == 0, 1.0, p))))
    q = b.where(x_inf, 0.0, b.where(a_inf, 1.0, b.where(x == 0, 1.0, b.where(a == 0, 0.0, q))))
    invalid = (a < 0) | (x < 0) | b.isnan(a) | b.isnan(x) | ((a == 0) & (x == 0)) | (a_inf & x_inf)
    return b.where(invalid, math.nan, p), b.where(invalid, math.nan, q)


def _igamma_kernel(upper: bool):
    def kernel(b, a, x):
        like = a if isinstance(a, b.ndarray) else x  # NOTE: one operand may be a Python number
        a64, x64 = _as_float64(b, a, like), _as_float64(b, x, like)
        return cast_like(b, _regularized_gammas(b, a64, x64)[int(upper)], like)

    return kernel


def _grad_igamma(sign: float):
    def rule(m, ctx, g):
        a, x = ctx.saved
        if ctx.needs(0):
            raise NotImplementedError(
                "the derivative of igamma/igammac with respect to its first argument (a) is not implemented, "
                "as in PyTorch; detach a"
            )
        density = m.exp((a - 1) * m.log(x) - x - m.lgamma(a))
        return None, g * (sign * density)

    return rule


def _in_float64(compute):
    """A kernel computing `compute(b, x64, **attrs)` in float64 and returning x's dtype."""

    def kernel(b, x, **attrs):
        return cast_like(b, compute(b, _as_float64(b, x), **attrs), x)

    return kernel


unary_op(
    "lgamma",
    _in_float64(_lgamma_array),
    lambda m, ctx, g: (g * m.digamma(ctx.saved[0]),),
    promotion=FLOAT_RESULT,
    math="lgamma",
)
unary_op(
    "digamma",
    _in_float64(_digamma_array),
    lambda m, ctx, g: (g * m.polygamma(ctx.saved[0], n=1),),
    promotion=FLOAT_RESULT,
    math="digamma",
)


unary_op(
    "erfinv",
    lambda b, x: cast_like(b, _erfinv_array(b, _as_float64(b, x)), x),
    lambda m, ctx, g: (g * (math.sqrt(math.pi) / 2) * m.exp(ctx.out * ctx.out),),
    promotion=FLOAT_RESULT,
    saves=(),
    saves_output=True,
    math="erfinv",
)


binary_op(
    "igamma",
    _igamma_kernel(upper=False),
    _grad_igamma(1.0),
    promotion=FLOAT_RESULT,
    saves=(0, 1),
    reflected=False,
    math="igamma",
)
binary_op(
    "igammac",
    _igamma_kernel(upper=True),
    _grad_igamma(-1.0),
    promotion=FLOAT_RESULT,
    saves=(0, 1),
    reflected=False,
    math="igammac",
)


def _polygamma_kernel(b, x, *, n: int):
    return _in_float64(_digamma_array)(b, x) if n == 0 else _in_float64(_polygamma_array)(b, x, n=n)


def _grad_polygamma(m, ctx, g):
    return (g * m.polygamma(ctx.saved[0], n=ctx.attrs["n"] + 1),)


POLYGAMMA = Op("polygamma", _polygamma_kernel, _grad_polygamma, saves=(0,), math="polygamma")


def _check_order(n) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise RuntimeError(
            f"polygamma(n, x) does not support negative or non-integer n (got n={n!r}); pass an int >= 0"
        )
    return n


def polygamma(n: int, input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The n-th derivative of digamma, elementwise."""
    result = unary(POLYGAMMA, input, FLOAT_RESULT, attrs={"n": _check_order(n)})
    return result if out is None else write_out(out, result)


def _polygamma_method(self: Tensor, n: int) -> Tensor:
    """The n-th derivative of digamma of this tensor, elementwise (``polygamma(n, self)``)."""
    return unary(POLYGAMMA, self, FLOAT_RESULT, attrs={"n": _check_order(n)})


def _polygamma_(self: Tensor, n: int) -> Tensor:
    return inplace_unary(POLYGAMMA, self, FLOAT_RESULT, attrs={"n": _check_order(n)})


publish("polygamma", polygamma, _polygamma_)
Tensor.polygamma = _polygamma_method


def erfc_array(b, x):
    """1 - erf(x) where that keeps its digits (x <= 2), else exp(-x^2) erfcx(x) by Laplace's continued fraction."""
    tail = x > 2
    z = b.where(tail, x, 2.0)
    return b.where(tail, b.exp(-z * z) * erfcx_tail(b, z), 1 - b.erf(x))


def erfcx_tail(b, z):
    """``exp(z^2) erfc(z)`` for z >= 2 (float64) by Laplace's continued fraction (60 terms: float64 exact)."""
    fraction = _filled(b, z, 0.0)
    for k in range(60, 0, -1):
        fraction = (k / 2) / (z + fraction)
    return 1 / math.sqrt(math.pi) / (z + fraction)


# --- erfcx, log_ndtr, ndtri and zeta: torch.special's, differentiable as there ---------------------


def _erfcx_array(b, x):
    """exp(x^2) erfc(x) of a float64 array: the continued fraction above 2, else from erf."""
    tail = x > 2
    z = b.where(tail, x, 3.0)
    near = b.where(tail, 0.0, x)
    return b.where(tail, erfcx_tail(b, z), b.exp(near * near) * erfc_array(b, near))


def _log_ndtr_array(b, x):
    """log of the standard normal cumulative probability: log1p of the upper tail from -1 up,
    and below that the log of ``erfcx(-x / sqrt 2) / 2`` less ``x^2 / 2``, which never underflows."""
    left = x < -1
    right = b.where(left, 0.0, x)
    z = right / _SQRT_TWO
    far = z > 2
    upper = b.where(far, erfcx_tail(b, b.where(far, z, 3.0)) * _gaussian(b, right), 1.0 - b.erf(z))
    right_value = b.log1p(-0.5 * upper)
    z = b.where(left, -x, 2.0) / _SQRT_TWO
    left_value = b.log(0.5 * _erfcx_array(b, z)) - z * z
    return b.where(left, left_value, right_value)


def _gaussian(b, x):
    """exp(-x^2 / 2) to float64's precision: x^2 split as h^2 + (x - h)(x + h), h = x to 1/16 (h^2 exact)."""
    x = b.minimum(b.abs(x), 40.0)  # NOTE: exp(-800) is 0 already; no inf - inf at x = inf
    h = b.floor(x * 16.0) / 16.0
    return b.exp(-0.5 * h * h) * b.exp(-0.5 * (x - h) * (x + h))


def _ndtri_array(b, p):
    """The standard normal quantile of a float64 array: sqrt(2) erfinv(2p - 1) for 1/4 <= p <= 3/4
    (2p - 1 is exact there); in the tails Newton's method on log_ndtr from Hastings' rational guess."""
    central = b.abs(p - 0.5) <= 0.25
    middle = _SQRT_TWO * _erfinv_array(b, 2.0 * b.where(central, p, 0.5) - 1.0)
    lower = p < 0.5
    q = b.where(lower, p, 1.0 - p)  # NOTE: 1 - p is exact for p >= 1/2
    inside = ~central & (q > 0) & (q < 1)
    q = b.where(inside, q, 0.1)
    t = b.sqrt(-2.0 * b.log(q))
    x = -(t - (2.515517 + t * (0.802853 + t * 0.010328)) / (1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308))))
    log_q = b.log(q)
    for _ in range(5):
        log_cdf = _log_ndtr_array(b, x)
        x = x - (log_cdf - log_q) * _SQRT_TWO_PI * b.exp(log_cdf + 0.5 * x * x)
    tails = b.where(lower, x, -x)
    result = b.where(central, middle, tails)
    result = b.where(p == 0, -math.inf, b.where(p == 1, math.inf, result))
    return b.where((p < 0) | (p > 1) | b.isnan(p), math.nan, result)


def _zeta_kernel(b, s, q):
    like = s if isinstance(s, b.ndarray) else q  # NOTE: one operand may be a Python number
    return cast_like(b, _zeta_array(b, _as_float64(b, s, like), _as_float64(b, q, like)), like)


def _grad_zeta(m, ctx, g):
    s, q = ctx.saved
    if ctx.needs(0):
        raise NotImplementedError("the derivative for 'zeta' is not implemented.")
    return None, g * (-s) * m.special_zeta(s + 1, q)


ERFCX = Op(
    "special_erfcx",
    _in_float64(_erfcx_array),
    lambda m, ctx, g: (g * (2 * ctx.saved[0] * ctx.out - _TWO_OVER_SQRT_PI),),
    saves=(0,),
    saves_output=True,
)
LOG_NDTR = Op(
    "special_log_ndtr",
    _in_float64(_log_ndtr_array),
    lambda m, ctx, g: (g * m.exp(-0.5 * ctx.saved[0] * ctx.saved[0] - ctx.out) / _SQRT_TWO_PI,),
    saves=(0,),
    saves_output=True,
)
NDTRI = Op(
    "special_ndtri",
    _in_float64(_ndtri_array),
    lambda m, ctx, g: (g * _SQRT_TWO_PI * m.exp(0.5 * ctx.out * ctx.out),),
    saves_output=True,
)
ZETA = Op("special_zeta", _zeta_kernel, _grad_zeta, saves=(0, 1), math="special_zeta")


def special_function(op: Op, name: str, doc: str, *, differentiable: bool = True):
    """The ``ember.special`` function of a one-input op; without `differentiable`, its result has
    no history (PyTorch records none for the functions it does not differentiate)."""

    def function(input: Tensor, *, out: Tensor | None = None) -> Tensor:
        result = unary(op, input if differentiable else input.detach(), FLOAT_RESULT)
        return result if out is None else write_out(out, result)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    return function


erfcx = special_function(
    ERFCX, "erfcx", "The scaled complementary error function ``exp(x^2) erfc(x)`` of each element."
)
log_ndtr = special_function(
    LOG_NDTR, "log_ndtr", "The log of the standard normal cumulative probability, accurate far in the left tail."
)
ndtri = special_function(NDTRI, "ndtri", "The standard normal quantile (the inverse of ``ndtr``) of each element.")


def zeta(input: Tensor | float, other: Tensor | float, *, out: Tensor | None = None) -> Tensor:
    """The Hurwitz zeta function: the sum over k >= 0 of ``(other + k) ** -input``."""
    result = binary(ZETA, input, other, FLOAT_RESULT)
    return result if out is None else write_out(out, result)
