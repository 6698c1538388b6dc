"""Bessel and Airy functions of ``ember.special``, on every backend.

The kernels work in float64 with the backend's kernels and return the input's dtype.
Each function is split by the size of its argument z:

- small z: the power series (with the logarithmic terms for Y and K);
- z up to ``_ASYMPTOTIC_FROM``: J by Miller's backward recurrence, normalised by
  Neumann's sum (which also gives Y), and the scaled K by the trapezoidal rule on
  ``exp(-z (cosh t - 1)) cosh(nu t)``, which converges geometrically for that integrand;
- large z: the asymptotic expansions (Hankel's for J and Y), whose smallest term there
  is below float64's last digit.

PyTorch differentiates only ``i0e`` and ``i1e`` of these; the rest return results that
do not require grad, as in PyTorch.
"""

from __future__ import annotations

import math

from ._op import Op
from .special import _filled, _in_float64, special_function

_ASYMPTOTIC_FROM = 20.0
_ASYMPTOTIC_TERMS = 30  # NOTE: at z = 20 the 27th term of every expansion here is below 1e-17
_EULER_GAMMA = 0.57721566490153286061
_SMALL = 1.0  # below this z: the power series
_MILLER_START = 80  # NOTE: J_80(20) / Y_80(20) is about 1e-80: the start's error is gone by order 1
_TRAPEZOID_STEP = 0.1
_TRAPEZOID_NODES = 76  # t up to 7.5: exp(-z (cosh t - 1)) < 1e-150 there for z >= 1/3


def _asymptotic_terms(b, z, nu: float, sign: float):
    """The terms a_k(nu) (sign / z)^k, k = 0 .. 29, of the Hankel-type expansions."""
    mu = 4.0 * nu * nu
    term = _filled(b, z, 1.0)
    terms = [term]
    for k in range(1, _ASYMPTOTIC_TERMS):
        term = term * (sign * (mu - (2 * k - 1) ** 2) / (8 * k)) / z
        terms.append(term)
    return terms


def _sum(terms):
    total = terms[-1]
    for term in reversed(terms[:-1]):
        total = total + term
    return total


# --- I: exp(-|z|) I_n(z) -------------------------------------------------------------------


def _scaled_bessel_i(b, x, order: int):
    """exp(-|x|) I_order(x) of a float64 array, order 0 or 1."""
    z = b.abs(x)
    small = z <= _ASYMPTOTIC_FROM
    zs = b.where(small, z, 0.0)
    half = zs / 2
    quarter = half * half
    term = _filled(b, x, 1.0) if order == 0 else half
    terms = [term]
    for k in range(1, 60):  # NOTE: at z = 20 the 60th term is 1e-40 of the sum
        term = term * quarter / (k * (k + order))
        terms.append(term)
    series = _sum(terms) * b.exp(-zs)
    zl = b.where(small, _ASYMPTOTIC_FROM + 1.0, z)
    large = _sum(_asymptotic_terms(b, zl, order, -1.0)) / b.sqrt(2 * math.pi * zl)
    result = b.where(small, series, large)
    return result * b.sign(x) if order == 1 else result


def _i0e_rule(m, ctx, g):
    x = ctx.saved[0]
    return (g * (m.special_i1e(x) - m.sign(x) * ctx.out),)


def _i1e_rule(m, ctx, g):
    x = ctx.saved[0]
    nonzero = x != 0
    safe = m.where(nonzero, x, x * 0 + 1)
    slope = m.special_i0e(x) - ctx.out * (m.sign(x) + 1 / safe)
    return (g * m.where(nonzero, slope, x * 0 + 0.5),)  # NOTE: I1'(0) = 1/2


I0E = Op(
    "special_i0e",
    _in_float64(lambda b, x: _scaled_bessel_i(b, x, 0)),
    _i0e_rule,
    saves=(0,),
    saves_output=True,
    math="special_i0e",
)
I1E = Op(
    "special_i1e",
    _in_float64(lambda b, x: _scaled_bessel_i(b, x, 1)),
    _i1e_rule,
    saves=(0,),
    saves_output=True,
    math="special_i1e",
)


def _modified_bessel_i(order: int):
    def compute(b, x):
        return _scaled_bessel_i(b, x, order) * b.exp(b.abs(x))

    return compute


# --- K: exp(z) K_nu(z) ---------------------------------------------------------------------


def _scaled_bessel_k_trapezoid(b, z, nu: float):
    """exp(z) K_nu(z) for 1/3 <= z <= 20: the trapezoidal rule on its integral over t >= 0."""
    total = _filled(b, z, 0.5)
    for j in range(1, _TRAPEZOID_NODES):
        t = j * _TRAPEZOID_STEP
        total = total + b.exp(-z * (math.cosh(t) - 1.0)) * math.cosh(nu * t)
    return total * _TRAPEZOID_STEP


def _scaled_bessel_k_large(b, z, nu: float):
    return _sum(_asymptotic_terms(b, z, nu, 1.0)) * b.sqrt(math.pi / (2 * z))


def _scaled_bessel_k(b, x, order: int):
    """exp(x) K_order(x) of a float64 array, order 0 or 1: inf at 0, nan below 0."""
    small = x <= _SMALL
    large = x > _ASYMPTOTIC_FROM
    zs = b.where(small & (x > 0), x, 1.0)
    zm = b.where(small | large, 2.0, x)
    zl = b.where(large, x, 2 * _ASYMPTOTIC_FROM)
    # the series: K0 = -(log(z/2) + gamma) I0 + sum H_k q^k / (k!)^2,
    # K1 = 1/z + log(z/2) I1 - (z/4) sum (psi(k+1) + psi(k+2)) q^k / (k! (k+1)!), q = z^2/4
    q = zs * zs / 4
    log_half = b.log(zs / 2)
    term = _filled(b, zs, 1.0)
    bessel_i = term
    harmonic_sum = _filled(b, zs, 0.0)
    harmonic = 0.0
    for k in range(1, 25):
        term = term * q / (k * (k + order))
        bessel_i = bessel_i + term
        if order == 0:
            harmonic += 1.0 / k
            harmonic_sum = harmonic_sum + harmonic * term
        else:
            harmonic += 1.0 / k
            digammas = 2 * (harmonic - _EULER_GAMMA) + 1.0 / (k + 1)  # psi(k+1) + psi(k+2)
            harmonic_sum = harmonic_sum + digammas * term
    if order == 0:
        series = -(log_half + _EULER_GAMMA) * bessel_i + harmonic_sum
    else:
        first = 1.0 - 2 * _EULER_GAMMA  # psi(1) + psi(2), the k = 0 term
        series = 1.0 / zs + (zs / 2) * (log_half * bessel_i - (first + harmonic_sum) / 2)
    series = series * b.exp(zs)
    result = b.where(small, series, b.where(large, _scaled_bessel_k_large(b, zl, order), 0.0))
    result = b.where(small | large, result, _scaled_bessel_k_trapezoid(b, zm, order))
    result = b.where(x == 0, math.inf, result)
    result = b.where(x == math.inf, 0.0, result)
    return b.where(x < 0, math.nan, result)


def _modified_bessel_k(order: int):
    def compute(b, x):
        return _scaled_bessel_k(b, x, order) * b.exp(-x)

    return compute


# --- J and Y -------------------------------------------------------------------------------


def _miller(b, z, nu: float, neumann: bool = False):
    """Miller's backward recurrence for J_nu(z), 1 <= z <= 20 (float64 arrays).

    Returns (J_nu, J_nu+1) and, with `neumann`, the sums of Neumann's series for Y0 and Y1
    (nu = 0): sum (-1)^k J_2k / k and sum (-1)^k (J_2k-1 - J_2k+1) / k over k >= 1.
    """
    above = _filled(b, z, 0.0)
    current = _filled(b, z, 1e-30)
    norm = _filled(b, z, 0.0)
    y0_sum = _filled(b, z, 0.0)
    y1_sum = _filled(b, z, 0.0)
    for m in range(_MILLER_START, 0, -1):  # current is j_m: j_m-1 = 2 (nu + m) / z j_m - j_m+1
        if m % 2 == 0:
            k = m // 2
            norm = norm + _neumann_weight(nu, k) * current
            if neumann:
                y0_sum = y0_sum + ((-1) ** k / k) * current
        elif neumann:
            k = (m + 1) // 2  # j_m is J_2k-1 of term k and J_2k'+1 of term k' = k - 1
            weight = (-1) ** k / k - ((-1) ** (k - 1) / (k - 1) if k > 1 else 0.0)
            y1_sum = y1_sum + weight * current
        above, current = current, (2 * (nu + m) / z) * current - above
    norm = norm + _neumann_weight(nu, 0) * current
    scale = (z / 2) ** nu / norm if nu else 1.0 / norm
    return current * scale, above * scale, y0_sum * scale, y1_sum * scale


def _neumann_weight(nu: float, k: int) -> float:
    """(nu + 2k) Gamma(nu + k) / k!: (z/2)^nu = sum over k of this times J_nu+2k(z)."""
    if k == 0:
        return math.gamma(nu + 1)
    return (nu + 2 * k) * math.gamma(nu + k) / math.factorial(k)


def _hankel(b, z, nu: float):
    """(J_nu(z), Y_nu(z)) for z >= 20 by Hankel's expansion."""
    terms = _asymptotic_terms(b, z, nu, 1.0)
    p = _sum(terms[0::4]) - _sum(terms[2::4])  # a0 - a2/z^2 + a4/z^4 - ...
    q = _sum(terms[1::4]) - _sum(terms[3::4])  # a1/z - a3/z^3 + ...
    # the phase z - (nu/2 + 1/4) pi, through sin z and cos z (exact for large z)
    phase = (nu / 2 + 0.25) * math.pi
    cos_z, sin_z = b.cos(z), b.sin(z)
    cos_chi = cos_z * math.cos(phase) + sin_z * math.sin(phase)
    sin_chi = sin_z * math.cos(phase) - cos_z * math.sin(phase)
    amplitude = b.sqrt(2 / (math.pi * z))
    return amplitude * (p * cos_chi - q * sin_chi), amplitude * (p * sin_chi + q * cos_chi)


def _bessel_jy(b, x, order: int, kind: str):
    """J_order or Y_order (order 0 or 1) of a float64 array."""
    z = b.abs(x)
    small = z < _SMALL
    large = z > _ASYMPTOTIC_FROM
    zs = b.where(small & (z > 0), z, 0.5)
    zm = b.where(small | large, 2.0, z)
    zl = b.where(large, z, 2 * _ASYMPTOTIC_FROM)
    # the series: J_n = sum (-q)^k (z/2)^n / (k! (n+k)!), q = z^2/4, and Y's logarithmic series
    q = -zs * zs / 4
    log_half = b.log(zs / 2)
    term = _filled(b, zs, 1.0) if order == 0 else zs / 2
    j_series = term
    y_sum = _filled(b, zs, 0.0)
    harmonic = 0.0
    for k in range(1, 20):
        term = term * q / (k * (k + order))
        j_series = j_series + term
        harmonic += 1.0 / k
        digammas = 2 * (harmonic - _EULER_GAMMA) + 1.0 / (k + 1)  # psi(k+1) + psi(k+2)
        y_sum = y_sum + (harmonic if order == 0 else digammas) * term
    if kind == "j":
        series = j_series
    elif order == 0:
        series = (2 / math.pi) * ((log_half + _EULER_GAMMA) * j_series - y_sum)
    else:
        first = 1.0 - 2 * _EULER_GAMMA  # psi(1) + psi(2)
        series = -2 / (math.pi * zs) + (2 / math.pi) * log_half * j_series - (first * zs / 2 + y_sum) / math.pi
    # the middle: Miller's recurrence and Neumann's series
    j0, j1, y0_sum, y1_sum = _miller(b, zm, 0.0, neumann=True)
    log_term = b.log(zm / 2) + _EULER_GAMMA
    if kind == "j":
        middle = j0 if order == 0 else j1
    elif order == 0:
        middle = (2 / math.pi) * (log_term * j0 - 2 * y0_sum)
    else:
        middle = (2 / math.pi) * (log_term * j1 - j0 / zm + y1_sum)
    j_large, y_large = _hankel(b, zl, order)
    result = b.where(small, series, b.where(large, j_large if kind == "j" else y_large, middle))
    if kind == "j":
        result = b.where(z == 0, 1.0 if order == 0 else 0.0, result)
        return result * b.sign(x) if order == 1 else result
    result = b.where(x == 0, -math.inf, result)
    return b.where(x < 0, math.nan, result)


def _spherical_bessel_j0(b, x):
    safe = b.where(x == 0, 1.0, x)
    result = b.where(x == 0, 1.0, b.sin(safe) / safe)
    return b.where(b.isinf(x), 0.0, result)


# --- Airy ----------------------------------------------------------------------------------

_AIRY_AI_0 = 0.35502805388781723926  # Ai(0) = 3^(-2/3) / Gamma(2/3)
_AIRY_AI_PRIME_0 = 0.25881940379280679840  # -Ai'(0) = 3^(-1/3) / Gamma(1/3)


def _airy_ai(b, x):
    """Ai(x): Maclaurin's series on [-2, 1], K_1/3 to the right, J_+-1/3 to the left."""
    maclaurin = (x >= -2.0) & (x <= 1.0)
    xs = b.where(maclaurin, x, 0.0)
    cube = xs * xs * xs
    f_term = _filled(b, xs, 1.0)
    g_term = xs
    f, g = f_term, g_term
    for k in range(1, 40):
        f_term = f_term * cube / ((3 * k - 1) * (3 * k))
        g_term = g_term * cube / ((3 * k) * (3 * k + 1))
        f, g = f + f_term, g + g_term
    series = _AIRY_AI_0 * f - _AIRY_AI_PRIME_0 * g
    z = b.abs(x)
    zeta = (2.0 / 3.0) * z * b.sqrt(z)
    # right: Ai(x) = sqrt(x / 3) / pi K_1/3(zeta)
    right = x > 1.0
    large = zeta > _ASYMPTOTIC_FROM
    zr = b.where(right & ~large, zeta, 2.0)
    zl = b.where(large, zeta, 2 * _ASYMPTOTIC_FROM)
    k13 = b.where(large, _scaled_bessel_k_large(b, zl, 1 / 3), _scaled_bessel_k_trapezoid(b, zr, 1 / 3))
    right_value = b.sqrt(z / 3) / math.pi * k13 * b.exp(-zeta)
    # left: Ai(-z) = sqrt(z) / 3 (J_1/3(zeta) + J_-1/3(zeta))
    zm = b.where(large | maclaurin | right, 2.0, zeta)
    j_plus, j_minus = _miller(b, zm, 1 / 3)[0], _miller(b, zm, -1 / 3)[0]
    j_plus_large, j_minus_large = _hankel(b, zl, 1 / 3)[0], _hankel(b, zl, -1 / 3)[0]
    left_value = b.sqrt(z) / 3 * b.where(large, j_plus_large + j_minus_large, j_plus + j_minus)
    result = b.where(maclaurin, series, b.where(right, right_value, left_value))
    return b.where(b.isinf(x), math.nan, result)


# --- the ops and the functions of ember.special ---------------------------------------------


def _not_differentiable(name: str, compute, doc: str):
    return special_function(Op(name, _in_float64(compute)), name, doc, differentiable=False)


i0e = special_function(
    I0E, "i0e", "The exponentially scaled modified Bessel function ``exp(-|x|) I0(x)`` of each element."
)
i1e = special_function(
    I1E, "i1e", "The exponentially scaled modified Bessel function ``exp(-|x|) I1(x)`` of each element."
)
modified_bessel_i0 = _not_differentiable(
    "modified_bessel_i0",
    _modified_bessel_i(0),
    "The modified Bessel function of the first kind, order 0 (not differentiable).",
)
modified_bessel_i1 = _not_differentiable(
    "modified_bessel_i1",
    _modified_bessel_i(1),
    "The modified Bessel function of the first kind, order 1 (not differentiable).",
)
modified_bessel_k0 = _not_differentiable(
    "modified_bessel_k0",
    _modified_bessel_k(0),
    "The modified Bessel function of the second kind, order 0, of each element.",
)
modified_bessel_k1 = _not_differentiable(
    "modified_bessel_k1",
    _modified_bessel_k(1),
    "The modified Bessel function of the second kind, order 1, of each element.",
)
scaled_modified_bessel_k0 = _not_differentiable(
    "scaled_modified_bessel_k0",
    lambda b, x: _scaled_bessel_k(b, x, 0),
    "``exp(x) K0(x)``, the scaled modified Bessel function of the second kind.",
)
scaled_modified_bessel_k1 = _not_differentiable(
    "scaled_modified_bessel_k1",
    lambda b, x: _scaled_bessel_k(b, x, 1),
    "``exp(x) K1(x)``, the scaled modified Bessel function of the second kind.",
)
bessel_j0 = _not_differentiable(
    "bessel_j0",
    lambda b, x: _bessel_jy(b, x, 0, "j"),
    "The Bessel function of the first kind, order 0, of each element.",
)
bessel_j1 = _not_differentiable(
    "bessel_j1",
    lambda b, x: _bessel_jy(b, x, 1, "j"),
    "The Bessel function of the first kind, order 1, of each element.",
)
bessel_y0 = _not_differentiable(
    "bessel_y0",
    lambda b, x: _bessel_jy(b, x, 0, "y"),
    "The Bessel function of the second kind, order 0, of each element (NaN below 0).",
)
bessel_y1 = _not_differentiable(
    "bessel_y1",
    lambda b, x: _bessel_jy(b, x, 1, "y"),
    "The Bessel function of the second kind, order 1, of each element (NaN below 0).",
)
spherical_bessel_j0 = _not_differentiable(
    "spherical_bessel_j0",
    _spherical_bessel_j0,
    "The spherical Bessel function of the first kind, order 0: ``sin(x) / x``.",
)
airy_ai = _not_differentiable("airy_ai", _airy_ai, "The Airy function Ai of each element.")
