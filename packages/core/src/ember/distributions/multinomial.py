"""The multinomial distribution: class counts of `total_count` categorical draws."""

from __future__ import annotations

from .._creation import ones_like, tensor
from .._tensor import Tensor
from ..ops.elementwise import where
from . import constraints
from .binomial import Binomial
from .categorical import Categorical, CategoricalParameters
from .distribution import Distribution
from .utils import EMPTY_SHAPE, broadcast_all


class Multinomial(CategoricalParameters, Distribution):
    """Counts per class of `total_count` draws with class probabilities `probs` (or softmax(`logits`))."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(constraints.real, 1)}

    def __init__(self, total_count: int = 1, probs=None, logits=None, validate_args: bool | None = None) -> None:
        if not isinstance(total_count, int):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits)
        self._binomial = Binomial(total_count=total_count, probs=self.probs)
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self):
        return constraints.multinomial(self.total_count)

    @property
    def mean(self) -> Tensor:
        return self.probs * self.total_count

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=EMPTY_SHAPE) -> Tensor:
        draws = self._categorical.sample((self.total_count, *tuple(sample_shape)))
        draws = draws.permute(*range(1, draws.dim()), 0)  # the draws last
        counts = draws.new_zeros(tuple(self._extended_shape(sample_shape)))
        counts = counts.scatter_add(-1, draws, ones_like(draws))
        return counts.to(self.probs.dtype)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        log_factorial_n = (value.sum(-1) + 1).lgamma()
        log_factorial_xs = (value + 1).lgamma().sum(-1)
        logits = where((value == 0) & (logits == -float("inf")), 0.0, logits)
        return log_factorial_n - log_factorial_xs + (logits * value).sum(-1)

    def entropy(self) -> Tensor:
        n = tensor(float(self.total_count), dtype=self.probs.dtype, device=self.probs.device)
        categorical_entropy = self._categorical.entropy()
        first = n * categorical_entropy - (n + 1).lgamma()
        counts = self._binomial.enumerate_support(expand=False)[1:]
        binomial_probs = self._binomial.log_prob(counts).exp()
        second = (binomial_probs * (counts + 1).lgamma()).sum((0, -1))
        return first + second
