"""Neural-network building blocks: modules, layers, losses, functional forms, init."""

from . import functional, init, parallel, utils
from .modules import *  # noqa: F403
from .modules import __all__ as _layers
from .parameter import Buffer, Parameter

__all__ = ["Buffer", "Parameter", "functional", "init", "parallel", "utils", *_layers]
