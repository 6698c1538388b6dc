"""Neural-network building blocks: modules, layers, losses, functional forms, init."""

from . import functional, init, utils
from .modules import *  # noqa: F403
from .modules import __all__ as _layers
from .parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter

__all__ = [
    "Buffer",
    "Parameter",
    "UninitializedBuffer",
    "UninitializedParameter",
    "functional",
    "init",
    "parallel",  # noqa: F405
    "utils",
    *_layers,
]


def __getattr__(name: str):
    """`ember.nn.parallel` on first use: most programs never train on several processes."""
    if name == "parallel":
        import importlib

        return importlib.import_module(f"{__name__}.parallel")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
