"""Utilities: `ember.utils.data`."""

from . import data  # `ember.utils.data` after a bare `import ember`, as in PyTorch

__all__ = ["data"]
