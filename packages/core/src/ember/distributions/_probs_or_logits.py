"""Taking exactly one of `probs` and `logits`, and deriving the other lazily."""

from __future__ import annotations


def one_of(name: str, probs, logits):
    """The argument given, and its name; ValueError unless exactly one is."""
    if (probs is None) == (logits is None):
        raise ValueError(f"{name}: Either `probs` or `logits` must be specified, but not both.")
    return ("probs", probs) if probs is not None else ("logits", logits)
