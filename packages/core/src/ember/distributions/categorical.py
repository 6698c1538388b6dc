"""The categorical distribution over 0 .. K-1."""

from __future__ import annotations

import math

from .. import _dtype
from .._creation import arange, full
from .._random import multinomial
from .._size import Size
from .._tensor import Tensor
from ..autograd import no_grad
from ..ops.shape import broadcast_tensors
from . import constraints
from ._probs_or_logits import one_of
from .distribution import Distribution
from .utils import EMPTY_SHAPE, finfo, lazy_property, logits_to_probs, probs_to_logits


class Categorical(Distribution):
    """Draws a class index with probabilities `probs` (or softmax(`logits`)) along the last dimension."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(constraints.real, 1)}
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args: bool | None = None) -> None:
        name, given = one_of(type(self).__name__, probs, logits)
        if given.dim() < 1:
            raise ValueError(f"`{name}` parameter must be at least one-dimensional.")
        if name == "probs":
            self.probs = given / given.sum(-1, keepdim=True)
        else:
            self.logits = given - given.logsumexp(dim=-1, keepdim=True)
        self._num_events = given.size()[-1]
        batch_shape = given.size()[:-1] if given.dim() > 1 else Size()
        super().__init__(batch_shape, validate_args=validate_args)

    @property
    def _param(self) -> Tensor:
        return self.__dict__["probs"] if "probs" in self.__dict__ else self.__dict__["logits"]

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self._num_events - 1)

    @lazy_property
    def logits(self) -> Tensor:
        """Log-odds (binary) or normalised log-probabilities, derived from probs when probs was given."""
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self) -> Tensor:
        """Probabilities, derived from logits when logits was given."""
        return logits_to_probs(self.logits)

    @property
    def param_shape(self) -> Size:
        """The shape of the probs or logits parameter."""
        return self._param.size()

    @property
    def mean(self) -> Tensor:
        return full(tuple(self._extended_shape()), math.nan, dtype=self._param.dtype, device=self._param.device)

    @property
    def mode(self) -> Tensor:
        return self.probs.argmax(-1)

    @property
    def variance(self) -> Tensor:
        return full(tuple(self._extended_shape()), math.nan, dtype=self._param.dtype, device=self._param.device)

    def sample(self, sample_shape=EMPTY_SHAPE) -> Tensor:
        sample_shape = Size(sample_shape)
        with no_grad():
            probs_2d = self.probs.reshape(-1, self._num_events)
            draws = multinomial(probs_2d, max(sample_shape.numel(), 1), True).T
            return draws[: sample_shape.numel()].reshape(tuple(self._extended_shape(sample_shape)))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        value = value.long().unsqueeze(-1)
        value, log_pmf = broadcast_tensors(value, self.logits)
        return log_pmf.gather(-1, value[..., :1]).squeeze(-1)

    def entropy(self) -> Tensor:
        logits = self.logits.clamp(min=float(finfo(self.logits.dtype).min))
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = arange(self._num_events, dtype=_dtype.int64, device=self._param.device)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values


class CategoricalParameters:
    """Mixin (listed first) for a distribution that keeps its probs or logits in a Categorical, `_categorical`."""

    @property
    def probs(self) -> Tensor:
        """Probabilities, derived from logits when logits was given."""
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        """Log-odds (binary) or normalised log-probabilities, derived from probs when probs was given."""
        return self._categorical.logits

    @property
    def param_shape(self) -> Size:
        """The shape of the probs or logits parameter."""
        return self._categorical.param_shape
