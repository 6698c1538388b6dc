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
    lowrank,
    matrix_functions,
    more_elementwise,
    more_methods,
    orthogonal_polynomials,
    products,
    reductions,
    segments,
    shape,
    sorting,
    special,
    statistics,
    unravel,
    view_copies,
    views,
    windows,
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

# torch's top-level functions that are Tensor methods of the same name, the tensor first (torch.abs_(t))
METHODS_AS_FUNCTIONS = (
    "abs_", "acos_", "acosh_", "addmv_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_", "arctanh_",
    "asin_", "asinh_", "atan_", "atanh_", "ceil_", "clamp_", "clamp_max_", "clamp_min_", "clip_",
    "conj_physical_", "cos_", "cosh_", "deg2rad_", "detach", "detach_", "erf_", "erfc_", "exp2_", "exp_",
    "expm1_", "fill_", "fix_", "floor_", "frac_", "gcd_", "get_device", "i0_", "index_put_", "lcm_", "ldexp_",
    "log10_", "log1p_", "log2_", "log_", "logit_", "nan_to_num_", "neg_", "negative_", "rad2deg_",
    "reciprocal_", "relu_", "resize_as_", "round_", "rsqrt_", "sigmoid_", "sin_", "sinc_", "sinh_",
    "split_with_sizes", "sqrt_", "square_", "tan_", "tanh_", "trunc_", "unsafe_split_with_sizes", "xlogy_",
    "zero_",
)  # fmt: skip


def _publish_methods_as_functions() -> None:
    from .._tensor import Tensor

    FUNCTIONS.update({name: getattr(Tensor, name) for name in METHODS_AS_FUNCTIONS})


_publish_methods_as_functions()
