"""The one-hot categorical distribution: a categorical draw as a one-hot vector."""

from __future__ import annotations

from .._creation import arange, eye
from .._tensor import Tensor
from . import constraints
from .categorical import Categorical, CategoricalParameters
from .distribution import Distribution
from .utils import EMPTY_SHAPE


class OneHotCategorical(CategoricalParameters, Distribution):
    """A class drawn with probabilities `probs` (or softmax(`logits`)), as a one-hot vector."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(constraints.real, 1)}
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args: bool | None = None) -> None:
        self._categorical = Categorical(probs, logits, validate_args=validate_args)
        param_shape = self._categorical.param_shape
        super().__init__(self._categorical.batch_shape, param_shape[-1:], validate_args=validate_args)

    @property
    def _param(self) -> Tensor:
        return self._categorical._param

    @property
    def mean(self) -> Tensor:
        return self._categorical.probs

    @property
    def mode(self) -> Tensor:
        return _one_hot(self.probs.argmax(-1), self._event_shape[0], self.probs)

    @property
    def variance(self) -> Tensor:
        return self._categorical.probs * (1 - self._categorical.probs)

    def sample(self, sample_shape=EMPTY_SHAPE) -> Tensor:
        return _one_hot(self._categorical.sample(sample_shape), self._event_shape[0], self._param)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return self._categorical.log_prob(value.max(-1)[1])

    def entropy(self) -> Tensor:
        return self._categorical.entropy()

    def enumerate_support(self, expand: bool = True) -> Tensor:
        n = self._event_shape[0]
        values = eye(n, dtype=self._param.dtype, device=self._param.device)
        values = values.reshape((n,) + (1,) * len(self._batch_shape) + (n,))
        return values.expand((n,) + tuple(self._batch_shape) + (n,)) if expand else values


def _one_hot(indices, classes: int, like):
    """`indices` as one-hot vectors of `classes` entries, in `like`'s dtype."""
    return (indices.unsqueeze(-1) == arange(classes, device=indices.device)).to(like.dtype)
