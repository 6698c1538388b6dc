"""``ember.special``: PyTorch's ``torch.special``, the special functions under their SciPy-style names.

Many names are ember's own functions under a second name (``expit`` is ``sigmoid``,
``gammaln`` is ``lgamma``, ``psi`` is ``digamma``); some are written with differentiable
ember ops; the rest are ops of their own (``ember.ops.special``, ``ember.ops.bessel``,
``ember.ops.orthogonal_polynomials``), computed in float64. As in PyTorch, the Bessel and
Airy functions other than ``i0``, ``i1``, ``i0e`` and ``i1e``, and the orthogonal
polynomials, return results that do not require grad.
"""

from __future__ import annotations

import math

from ._tensor import Tensor
from ._writes import write_out
from .ops._declare import FUNCTIONS
from .ops._op import apply
from .ops.bessel import (
    airy_ai,
    bessel_j0,
    bessel_j1,
    bessel_y0,
    bessel_y1,
    i0e,
    i1e,
    modified_bessel_i0,
    modified_bessel_i1,
    modified_bessel_k0,
    modified_bessel_k1,
    scaled_modified_bessel_k0,
    scaled_modified_bessel_k1,
    spherical_bessel_j0,
)
from .ops.more_elementwise import I1, times_log, xlogy
from .ops.orthogonal_polynomials import (
    chebyshev_polynomial_t,
    chebyshev_polynomial_u,
    chebyshev_polynomial_v,
    chebyshev_polynomial_w,
    hermite_polynomial_h,
    hermite_polynomial_he,
    laguerre_polynomial_l,
    legendre_polynomial_p,
    shifted_chebyshev_polynomial_t,
    shifted_chebyshev_polynomial_u,
    shifted_chebyshev_polynomial_v,
    shifted_chebyshev_polynomial_w,
)
from .ops.special import erfcx, log_ndtr, ndtri, zeta

__all__ = [
    "airy_ai",
    "bessel_j0",
    "bessel_j1",
    "bessel_y0",
    "bessel_y1",
    "chebyshev_polynomial_t",
    "chebyshev_polynomial_u",
    "chebyshev_polynomial_v",
    "chebyshev_polynomial_w",
    "digamma",
    "entr",
    "erf",
    "erfc",
    "erfcx",
    "erfinv",
    "exp2",
    "expit",
    "expm1",
    "gammainc",
    "gammaincc",
    "gammaln",
    "hermite_polynomial_h",
    "hermite_polynomial_he",
    "i0",
    "i0e",
    "i1",
    "i1e",
    "laguerre_polynomial_l",
    "legendre_polynomial_p",
    "log1p",
    "log_ndtr",
    "log_softmax",
    "logit",
    "logsumexp",
    "modified_bessel_i0",
    "modified_bessel_i1",
    "modified_bessel_k0",
    "modified_bessel_k1",
    "multigammaln",
    "ndtr",
    "ndtri",
    "polygamma",
    "psi",
    "round",
    "scaled_modified_bessel_k0",
    "scaled_modified_bessel_k1",
    "shifted_chebyshev_polynomial_t",
    "shifted_chebyshev_polynomial_u",
    "shifted_chebyshev_polynomial_v",
    "shifted_chebyshev_polynomial_w",
    "sinc",
    "softmax",
    "spherical_bessel_j0",
    "xlog1py",
    "xlogy",
    "zeta",
]

digamma = psi = FUNCTIONS["digamma"]
erf = FUNCTIONS["erf"]
erfc = FUNCTIONS["erfc"]
erfinv = FUNCTIONS["erfinv"]
exp2 = FUNCTIONS["exp2"]
expit = FUNCTIONS["sigmoid"]
expm1 = FUNCTIONS["expm1"]
gammainc = FUNCTIONS["igamma"]
gammaincc = FUNCTIONS["igammac"]
gammaln = FUNCTIONS["lgamma"]
i0 = FUNCTIONS["i0"]
log1p = FUNCTIONS["log1p"]
log_softmax = FUNCTIONS["log_softmax"]
logit = FUNCTIONS["logit"]
logsumexp = FUNCTIONS["logsumexp"]
multigammaln = FUNCTIONS["mvlgamma"]
polygamma = FUNCTIONS["polygamma"]
round = FUNCTIONS["round"]  # noqa: A001 (torch.special.round)
sinc = FUNCTIONS["sinc"]
softmax = FUNCTIONS["softmax"]


def i1(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The modified Bessel function of the first kind of order 1 of each element."""
    return _written(apply(I1, input if input.dtype.is_floating_point else input.float()), out)


def entr(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The entropy term ``-x log(x)`` of each element: 0 at 0, ``-inf`` below 0."""
    x = input if input.dtype.is_floating_point else input.float()
    where = FUNCTIONS["where"]
    terms = -xlogy(x, x)
    return _written(where(x < 0, x.new_full((), -math.inf), terms), out)


def ndtr(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The standard normal distribution's cumulative probability at each element."""
    x = input if input.dtype.is_floating_point else input.float()
    return _written(0.5 * erfc(-x / math.sqrt(2.0)), out)


def xlog1py(input, other, *, out: Tensor | None = None) -> Tensor:
    """``input * log1p(other)``, and 0 where input is 0 (unless other is NaN)."""
    return _written(times_log(input, other, "log1p", 0.0), out)


def _written(result: Tensor, out: Tensor | None) -> Tensor:
    return result if out is None else write_out(out, result)
