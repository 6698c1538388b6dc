"""Every op, declared once; importing this package attaches the Tensor methods and operators."""

from . import (  # noqa: F401
    binary_math,
    combinatorics,
    conversion,
    counting,
    cumulative,
    decompositions,
    elementwise,
    factorizations,
    gather_scatter,
    indexing,
    linalg,
    matrix_functions,
    products,
    reductions,
    shape,
    sorting,
    special,
    statistics,
    views,
)
from ._declare import FUNCTIONS

__all__ = ["FUNCTIONS"]
