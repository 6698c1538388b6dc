"""Every op, declared once; importing this package attaches the Tensor methods and operators."""

from . import (  # noqa: F401
    bessel,
    binary_math,
    combinatorics,
    complex,
    conversion,
    counting,
    cumulative,
    decompositions,
    elementwise,
    factorizations,
    gather_scatter,
    indexing,
    ldl,
    linalg,
    matrix_functions,
    more_elementwise,
    more_methods,
    orthogonal_polynomials,
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


def _describe_in_place_methods() -> None:
    """Give an in-place method without a docstring of its own the summary of what it is."""
    from .._tensor import Tensor

    for name in dir(Tensor):
        method = getattr(Tensor, name)
        of = getattr(Tensor, name[:-1], None)
        if name.endswith("_") and not name.startswith("_") and callable(of) and not method.__doc__:
            method.__doc__ = f"In-place version of :meth:`{name[:-1]}`."


_describe_in_place_methods()
