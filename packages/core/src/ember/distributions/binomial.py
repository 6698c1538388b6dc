"""The binomial distribution."""

from __future__ import annotations

from .._creation import arange
from .._random import binomial
from .._size import Size
from .._tensor import Tensor
from ..autograd import no_grad
from . import constraints
from ._probs_or_logits import BinaryProbsOrLogits, one_of
from .distribution import Distribution
from .utils import EMPTY_SHAPE, broadcast_all


class Binomial(BinaryProbsOrLogits, Distribution):
    """The number of successes in `total_count` independent trials of probability `probs` (or sigmoid(`logits`))."""

    arg_constraints = {
        "total_count": constraints.nonnegative_integer,
        "probs": constraints.unit_interval,
        "logits": constraints.real,
    }
    has_enumerate_support = True

    def __init__(self, total_count=1, probs=None, logits=None, validate_args: bool | None = None) -> None:
        name, given = one_of("Binomial", probs, logits)
        self.total_count, value = broadcast_all(total_count, given)
        self.total_count = self.total_count.type_as(value)
        setattr(self, name, value)
        super().__init__(value.size(), validate_args=validate_args)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self.total_count)

    @property
    def param_shape(self) -> Size:
        """The shape of the probs or logits parameter."""
        return self._param.size()

    @property
    def mean(self) -> Tensor:
        return self.total_count * self.probs

    @property
    def mode(self) -> Tensor:
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=EMPTY_SHAPE) -> Tensor:
        """The sum of max(total_count) coin flips, those past each element's own count left out."""
        shape = tuple(self._extended_shape(sample_shape))
        with no_grad():
            return binomial(self.total_count.expand(shape), self.probs.detach().expand(shape))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        n, k = self.total_count, value
        logits = self.logits
        normaliser = n * _clamp_by_zero(logits) + n * (-logits.abs()).exp().log1p() - (n + 1).lgamma()
        return k * logits - (k + 1).lgamma() - (n - k + 1).lgamma() - normaliser

    def entropy(self) -> Tensor:
        count = int(self.total_count.max().item())
        if not self.total_count.min().item() == count:
            raise NotImplementedError("Inhomogeneous total count not supported by `entropy`.")
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(log_prob.exp() * log_prob).sum(0)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        count = int(self.total_count.max().item())
        if not self.total_count.min().item() == count:
            raise NotImplementedError("Inhomogeneous total count not supported by `enumerate_support`.")
        values = arange(1 + count, dtype=self._param.dtype, device=self._param.device)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values


def _clamp_by_zero(x):
    """max(x, 0) with the gradient 1/2 at 0, as PyTorch's binomial uses."""
    return (x.clamp(min=0) + x - x.clamp(max=0)) / 2
