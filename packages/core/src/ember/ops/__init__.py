"""Every op, declared once; importing this package attaches the Tensor methods and operators."""

from . import (  # noqa: F401
    conversion,
    decompositions,
    elementwise,
    factorizations,
    gather_scatter,
    indexing,
    linalg,
    matrix_functions,
    reductions,
    shape,
    sorting,
    views,
)
from ._declare import FUNCTIONS

__all__ = ["FUNCTIONS"]
