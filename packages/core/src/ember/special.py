"""``ember.special``: PyTorch's ``torch.special``, the special functions under their SciPy-style names.

Most names are ember's own functions under a second name (``expit`` is ``sigmoid``,
``gammaln`` is ``lgamma``, ``psi`` is ``digamma``); the rest are written with
differentiable ember ops. Not here yet: the Bessel functions other than ``i0``/``i1``
(``bessel_j0``, ``modified_bessel_k0``, ...), ``i0e``/``i1e``, ``erfcx``, ``log_ndtr``,
``ndtri``, ``zeta``, ``airy_ai`` and the orthogonal polynomials.
"""

from __future__ import annotations

import math

from ._tensor import Tensor
from ._writes import write_out
from .ops._declare import FUNCTIONS
from .ops._op import apply
from .ops.more_elementwise import I1, xlogy

__all__ = [
    "digamma",
    "entr",
    "erf",
    "erfc",
    "erfinv",
    "exp2",
    "expit",
    "expm1",
    "gammainc",
    "gammaincc",
    "gammaln",
    "i0",
    "i1",
    "log1p",
    "log_softmax",
    "logit",
    "logsumexp",
    "modified_bessel_i0",
    "modified_bessel_i1",
    "multigammaln",
    "ndtr",
    "polygamma",
    "psi",
    "round",
    "sinc",
    "softmax",
    "xlog1py",
    "xlogy",
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
i0 = modified_bessel_i0 = FUNCTIONS["i0"]
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


modified_bessel_i1 = i1


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
    reference = input if isinstance(input, Tensor) else other
    x = input if isinstance(input, Tensor) else reference.new_tensor(input)
    y = other if isinstance(other, Tensor) else reference.new_tensor(other)
    if not x.dtype.is_floating_point and not y.dtype.is_floating_point:
        x = x.float()
    # NOTE: log1p reads 0 where input is 0, so the value there is 0 and input's gradient is 0
    safe = FUNCTIONS["where"]((x == 0) & ~y.isnan(), y.new_zeros(()), y)
    return _written(x * safe.log1p(), out)


def _written(result: Tensor, out: Tensor | None) -> Tensor:
    return result if out is None else write_out(out, result)
