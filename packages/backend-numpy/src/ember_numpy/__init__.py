"""ember-numpy: the CPU backend for ember, on NumPy (the default)."""

from __future__ import annotations

from ember.backends import hookimpl

from .backend import NumpyBackend

__all__ = ["NumpyBackend", "ember_backends"]
__version__ = "0.1.0"


@hookimpl
def ember_backends() -> list:
    return [NumpyBackend()]
