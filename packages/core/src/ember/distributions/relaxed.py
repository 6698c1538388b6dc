"""Relaxed (Gumbel-softmax / concrete) Bernoulli and one-hot categorical distributions, and the straight-through one-hot."""

from __future__ import annotations

import math

from .._creation import full_like
from .._random import rand
from .._tensor import Tensor
from . import constraints
from ._probs_or_logits import BinaryProbsOrLogits, one_of
from .categorical import Categorical
from .distribution import Distribution
from .one_hot_categorical import OneHotCategorical
from .transformed_distribution import TransformedDistribution
from .transforms import ExpTransform, SigmoidTransform
from .utils import EMPTY_SHAPE, broadcast_all, clamp_probs


def _from_base_dist(name: str, doc: str, returns: str | None = None) -> property:
    """A read-only property that reads `name` from the transformed distribution's base_dist."""

    def read(self):
        return getattr(self.base_dist, name)

    read.__doc__ = doc
    if returns is not None:
        read.__annotations__["return"] = returns
    return property(read)


class LogitRelaxedBernoulli(BinaryProbsOrLogits, Distribution):
    """The logit of a relaxed Bernoulli sample at `temperature`."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.real
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args: bool | None = None) -> None:
        self.temperature = temperature
        name, given = one_of("LogitRelaxedBernoulli", probs, logits)
        (value,) = broadcast_all(given)
        setattr(self, name, value)
        super().__init__(value.size(), validate_args=validate_args)

    def rsample(self, sample_shape=EMPTY_SHAPE) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        probs = clamp_probs(self.probs.expand(shape))
        uniforms = clamp_probs(rand(shape, dtype=probs.dtype, device=probs.device))
        return (uniforms.log() - (-uniforms).log1p() + probs.log() - (-probs).log1p()) / self.temperature

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        difference = logits - value * self.temperature
        return _log(self.temperature) + difference - 2 * difference.exp().log1p()


class RelaxedBernoulli(TransformedDistribution):
    """A relaxed Bernoulli at `temperature`: sigmoid of a LogitRelaxedBernoulli sample, in (0, 1)."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args: bool | None = None) -> None:
        base = LogitRelaxedBernoulli(temperature, probs, logits)
        super().__init__(base, SigmoidTransform(), validate_args=validate_args)

    temperature = _from_base_dist("temperature", "The relaxation temperature.")
    logits = _from_base_dist("logits", "Log-odds of the underlying Bernoulli.", returns="Tensor")
    probs = _from_base_dist("probs", "Probabilities of the underlying Bernoulli.", returns="Tensor")


class ExpRelaxedCategorical(Distribution):
    """The log of a relaxed one-hot categorical sample at `temperature`."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args: bool | None = None) -> None:
        self._categorical = Categorical(probs, logits)
        self.temperature = temperature
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    @property
    def param_shape(self):
        """The shape of the probs or logits parameter."""
        return self._categorical.param_shape

    @property
    def logits(self) -> Tensor:
        """Normalised log-probabilities."""
        return self._categorical.logits

    @property
    def probs(self) -> Tensor:
        """Probabilities."""
        return self._categorical.probs

    def rsample(self, sample_shape=EMPTY_SHAPE) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        uniforms = clamp_probs(rand(shape, dtype=self.logits.dtype, device=self.logits.device))
        gumbels = -((-(uniforms.log())).log())
        scores = (self.logits + gumbels) / self.temperature
        return scores - scores.logsumexp(dim=-1, keepdim=True)

    def log_prob(self, value: Tensor) -> Tensor:
        classes = self._categorical._num_events
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        temperature = self.temperature if isinstance(self.temperature, Tensor) else logits.new_tensor(self.temperature)
        log_scale = full_like(temperature, float(classes)).lgamma() - temperature.log() * -(classes - 1)
        score = logits - value * temperature
        score = (score - score.logsumexp(dim=-1, keepdim=True)).sum(-1)
        return score + log_scale


class RelaxedOneHotCategorical(TransformedDistribution):
    """A relaxed one-hot categorical at `temperature`: exp of an ExpRelaxedCategorical sample, on the simplex."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args: bool | None = None) -> None:
        base = ExpRelaxedCategorical(temperature, probs, logits, validate_args=validate_args)
        super().__init__(base, ExpTransform(), validate_args=validate_args)

    temperature = _from_base_dist("temperature", "The relaxation temperature.")
    logits = _from_base_dist("logits", "Normalised log-probabilities.", returns="Tensor")
    probs = _from_base_dist("probs", "Probabilities.", returns="Tensor")


class OneHotCategoricalStraightThrough(OneHotCategorical):
    """A one-hot categorical whose ``rsample`` passes gradients straight through to `probs`."""

    has_rsample = True

    def rsample(self, sample_shape=EMPTY_SHAPE) -> Tensor:
        samples = self.sample(sample_shape)
        probs = self._categorical.probs
        return samples + (probs - probs.detach())


def _log(value):
    return value.log() if isinstance(value, Tensor) else math.log(value)
