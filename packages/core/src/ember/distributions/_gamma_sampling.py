"""Standard gamma draws by Marsaglia and Tsang's method, with ember's random streams."""

from __future__ import annotations

from .._random import rand, randn
from .._tensor import Tensor
from ..autograd import no_grad
from ..ops.elementwise import where
from .utils import finfo


def standard_gamma(concentration: Tensor) -> Tensor:
    """One Gamma(concentration, 1) draw per element (no gradient), clamped to the dtype's smallest normal number."""
    with no_grad():
        alpha = concentration.detach()
        boosted = where(alpha < 1, alpha + 1, alpha)  # NOTE: Gamma(a) = Gamma(a + 1) * U^(1/a) for a < 1
        d = boosted - 1.0 / 3.0
        c = (9 * d).rsqrt()
        result = alpha.new_zeros(tuple(alpha.shape))
        pending = alpha == alpha
        while pending.any():
            x = randn(tuple(alpha.shape), dtype=alpha.dtype, device=alpha.device)
            v = (1 + c * x) ** 3
            u = rand(tuple(alpha.shape), dtype=alpha.dtype, device=alpha.device)
            safe_v = where(v > 0, v, 1.0)
            accept = pending & (v > 0) & (u.log() < 0.5 * x * x + d - d * safe_v + d * safe_v.log())
            result = where(accept, d * safe_v, result)
            pending = pending & ~accept
        small = alpha < 1
        if small.any():
            u = rand(tuple(alpha.shape), dtype=alpha.dtype, device=alpha.device)
            result = where(small, result * u ** (1 / alpha), result)
        return result.clamp(min=float(finfo(alpha.dtype).tiny))
