"""Neural-network building blocks: modules, layers, losses, functional forms, init."""

from . import functional, init, utils
from .modules import *  # noqa: F403
from .modules import __all__ as _layers
from .parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter

__all__ = [
    "Buffer",
    "DataParallel",  # noqa: F405
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
    """`ember.nn.parallel` (and DataParallel) on first use: most programs never train on several devices."""
    if name in ("parallel", "DataParallel"):
        import importlib

        parallel = importlib.import_module(f"{__name__}.parallel")
        return parallel if name == "parallel" else parallel.DataParallel
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
