"""The "double" backend: NumPy kernels, float16/float32 work done in float64."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
from ember.backends import KERNELS, NumpyLikeBackend

#: The kernel groups whose results depend on the precision they run in.
WIDENED_GROUPS = ("unary", "binary", "reduction", "scan", "linalg")
NARROW_FLOATS = (np.dtype(np.float16), np.dtype(np.float32))


class DoubleBackend(NumpyLikeBackend):
    """Serves "cpu" with NumPy arrays; float16/float32 kernels run in float64.

    Results keep the dtype NumPy would give them; only their rounding changes:
    each is rounded once, at the end, instead of after every step of a sum, a
    matrix product or a series expansion. Everything else (creation, shapes,
    indexing, random numbers) is core's NumPy-like base unchanged.
    """

    name = "double"
    device_type = "cpu"
    distribution = "ember-double-backend"

    def __init__(self) -> None:
        # Binds every kernel of ember.backends.KERNELS to NumPy's function.
        super().__init__(np)
        for group in WIDENED_GROUPS:
            for kernel in KERNELS[group]:
                setattr(self, kernel, widened(getattr(self, kernel)))
        self.sigmoid = widened(self.sigmoid)

    # NumPy arrays are host arrays: hand them over without copying, as
    # Tensor.numpy() and ember.from_numpy() promise.
    def to_numpy(self, x: np.ndarray) -> np.ndarray:
        return x

    def from_numpy(self, array: np.ndarray, index: int | None) -> np.ndarray:
        return array

    def describe(self) -> dict[str, str]:
        """What ``python -m ember`` prints under this backend."""
        return {
            "numpy": np.__version__,
            "computes": "float16/float32 kernels in float64, rounded once",
        }


def widened(kernel: Callable[..., Any]) -> Callable[..., Any]:
    """`kernel`, run in float64 when its floating-point inputs are narrower.

    The result has the dtype `kernel` would have given it.
    """

    @functools.wraps(kernel)
    def compute(*args: Any, out: Any = None, **kwargs: Any) -> Any:
        narrow = narrow_result_type(args)
        if narrow is None or kwargs.get("dtype") is not None:
            if out is None:
                return kernel(*args, **kwargs)
            return kernel(*args, out=out, **kwargs)
        wide = kernel(*(to_float64(a, narrow) for a in args), **kwargs)
        # Booleans (comparisons) and indices (argmax) pass through.
        result = wide.astype(narrow) if wide.dtype == np.float64 else wide
        if out is None:
            return result
        # In-place ops (add_) write into the tensor's own buffer through out=.
        np.copyto(out, result, casting="unsafe")
        return out

    return compute


def narrow_result_type(args: tuple) -> np.dtype | None:
    """float16 or float32 when NumPy would compute `args` in it, else None."""
    arrays = [a for a in args if isinstance(a, (np.ndarray, np.generic))]
    if not any(a.dtype in NARROW_FLOATS for a in arrays):
        return None
    # Python scalars do not widen arrays (NEP 50): float32 + 2.5 is float32.
    scalars = [a for a in args if isinstance(a, (bool, int, float))]
    result = np.result_type(*arrays, *scalars)
    return result if result in NARROW_FLOATS else None


def to_float64(value: Any, narrow: np.dtype) -> Any:
    """`value` in float64, as NumPy sees it when it computes in `narrow`.

    A Python number is rounded to `narrow` first: `float32_array == 0.1`
    compares with float32(0.1), as it does on the NumPy backend.
    """
    if isinstance(value, (bool, int, float)):
        return np.float64(narrow.type(value))
    if isinstance(value, (np.ndarray, np.generic)):
        if value.dtype in NARROW_FLOATS:
            return value.astype(np.float64)
    return value
