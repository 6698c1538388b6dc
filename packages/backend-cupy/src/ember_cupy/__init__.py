"""ember-cupy: the CUDA backend for ember, on CuPy.

Installing it makes ember's "cuda" device type work where CuPy finds a GPU
(`pip install ember-cupy[cuda12]`). Importing it never imports CuPy.
"""

from __future__ import annotations

from ember.backends import hookimpl

from .backend import CupyBackend

__all__ = ["CupyBackend", "ember_backends"]
__version__ = "0.1.0"


@hookimpl
def ember_backends() -> list:
    return [CupyBackend()]
