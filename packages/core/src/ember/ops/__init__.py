"""Every op, declared once; importing this package attaches the Tensor methods and operators."""

from . import conversion, elementwise, gather_scatter, indexing, linalg, reductions, shape, views  # noqa: F401
from ._declare import FUNCTIONS

__all__ = ["FUNCTIONS"]
