"""ember-double: an ember CPU backend that computes in double precision.

The entry point ``double = "ember_double"`` (group ``ember.backends``) names
this module; ember calls its ``ember_backends`` hook the first time it needs a
backend.
"""

from __future__ import annotations

from ember.backends import hookimpl

from .backend import DoubleBackend

__all__ = ["DoubleBackend", "ember_backends"]
__version__ = "0.1.0"


@hookimpl
def ember_backends() -> list:
    return [DoubleBackend()]
