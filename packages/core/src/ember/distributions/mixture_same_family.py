"""MixtureSameFamily: a mixture of components of one distribution family, weighted by a categorical."""

from __future__ import annotations

from .._tensor import Tensor
from ..autograd import no_grad
from ..ops.reductions import log_softmax
from . import constraints
from .categorical import Categorical
from .distribution import Distribution
from .utils import EMPTY_SHAPE


class MixtureSameFamily(Distribution):
    """Draws a component index from `mixture_distribution`, then a value from that component.

    The components are the rightmost batch dimension of `component_distribution`.
    """

    arg_constraints: dict = {}
    has_rsample = False

    def __init__(
        self, mixture_distribution: Categorical, component_distribution: Distribution, validate_args: bool | None = None
    ) -> None:
        if not isinstance(mixture_distribution, Categorical):
            raise ValueError("The Mixture distribution needs to be an instance of torch.distributions.Categorical")
        if not isinstance(component_distribution, Distribution):
            raise ValueError("The Component distribution need to be an instance of torch.distributions.Distribution")
        self._mixture_distribution = mixture_distribution
        self._component_distribution = component_distribution
        mixture_batch = tuple(mixture_distribution.batch_shape)
        component_batch = tuple(component_distribution.batch_shape[:-1])
        for size1, size2 in zip(reversed(mixture_batch), reversed(component_batch)):
            if size1 != 1 and size2 != 1 and size1 != size2:
                raise ValueError(
                    f"`mixture_distribution.batch_shape` ({mixture_batch}) is not compatible with "
                    f"`component_distribution.batch_shape`({component_batch})"
                )
        mixture_components = mixture_distribution.logits.shape[-1]
        component_components = component_distribution.batch_shape[-1]
        if mixture_components != component_components:
            raise ValueError(
                f"`mixture_distribution component` ({mixture_components}) does not equal "
                f"`component_distribution.batch_shape[-1]` ({component_components})"
            )
        self._num_component = mixture_components
        self._event_ndims = len(component_distribution.event_shape)
        super().__init__(component_batch, component_distribution.event_shape, validate_args=validate_args)

    @property
    def mixture_distribution(self) -> Categorical:
        """The categorical distribution over the components."""
        return self._mixture_distribution

    @property
    def component_distribution(self) -> Distribution:
        """The components, along the rightmost batch dimension."""
        return self._component_distribution

    @constraints.dependent_property
    def support(self):
        return self._component_distribution.support

    @property
    def mean(self) -> Tensor:
        probs = self._pad_mixture_dimensions(self.mixture_distribution.probs)
        return (probs * self.component_distribution.mean).sum(-1 - self._event_ndims)

    @property
    def variance(self) -> Tensor:
        probs = self._pad_mixture_dimensions(self.mixture_distribution.probs)
        components = self.component_distribution
        within = (probs * components.variance).sum(-1 - self._event_ndims)
        between = (probs * (components.mean - self._pad(self.mean)).square()).sum(-1 - self._event_ndims)
        return within + between

    def cdf(self, value: Tensor) -> Tensor:
        component_cdfs = self.component_distribution.cdf(self._pad(value))
        return (component_cdfs * self.mixture_distribution.probs).sum(-1)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        component_log_probs = self.component_distribution.log_prob(self._pad(value))
        mixture_log_probs = log_softmax(self.mixture_distribution.logits, -1)
        return (component_log_probs + mixture_log_probs).logsumexp(dim=-1)

    def sample(self, sample_shape=EMPTY_SHAPE) -> Tensor:
        with no_grad():
            gather_dim = len(tuple(sample_shape)) + len(self.batch_shape)
            event_shape = tuple(self.event_shape)
            chosen = self.mixture_distribution.sample(sample_shape)
            drawn = self.component_distribution.sample(sample_shape)
            index = chosen.reshape(tuple(chosen.shape) + (1,) * (len(event_shape) + 1))
            index = index.expand(tuple(chosen.shape) + (1,) + event_shape)
            return drawn.gather(gather_dim, index).squeeze(gather_dim)

    def _pad(self, value: Tensor) -> Tensor:
        return value.unsqueeze(-1 - self._event_ndims)

    def _pad_mixture_dimensions(self, value: Tensor) -> Tensor:
        batch_ndims = len(self.batch_shape)
        mixture_batch_ndims = len(self.mixture_distribution.batch_shape)
        pad = 0 if mixture_batch_ndims == 1 else batch_ndims - mixture_batch_ndims
        shape = tuple(value.shape)
        return value.reshape(shape[:-1] + (1,) * pad + shape[-1:] + (1,) * self._event_ndims)

    def __repr__(self) -> str:
        return f"MixtureSameFamily(\n  {self.mixture_distribution},\n  {self.component_distribution})"
