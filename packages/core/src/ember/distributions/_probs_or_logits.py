"""Taking exactly one of `probs` and `logits`, and deriving the other lazily."""

from __future__ import annotations

from .._tensor import Tensor
from .utils import lazy_property, logits_to_probs, probs_to_logits


def one_of(name: str, probs, logits):
    """The argument given, and its name; ValueError unless exactly one is."""
    if (probs is None) == (logits is None):
        raise ValueError(f"{name}: Either `probs` or `logits` must be specified, but not both.")
    return ("probs", probs) if probs is not None else ("logits", logits)


class BinaryProbsOrLogits:
    """Success probabilities `probs` and log-odds `logits` of a binary outcome: either one given, the other derived."""

    @property
    def _param(self) -> Tensor:
        return self.__dict__["probs"] if "probs" in self.__dict__ else self.__dict__["logits"]

    @lazy_property
    def logits(self) -> Tensor:
        """Log-odds, derived from probs when probs was given."""
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        """Probabilities, derived from logits when logits was given."""
        return logits_to_probs(self.logits, is_binary=True)
