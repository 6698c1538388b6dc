"""Every op, declared once; importing this package attaches the Tensor methods and operators."""

from . import (  # noqa: F401
    conversion,
    elementwise,
    gather_scatter,
    indexing,
    linalg,
    reductions,
    shape,
    sorting,
    special,
    views,
)
from ._declare import FUNCTIONS

__all__ = ["FUNCTIONS"]
