"""Every op, declared once; importing this package attaches the Tensor methods and operators."""

from . import conversion, elementwise, indexing, linalg, reductions, shape  # noqa: F401
from ._declare import FUNCTIONS

__all__ = ["FUNCTIONS"]
