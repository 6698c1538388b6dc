"""Views that the array API standard lacks (a dtype view of the bytes, a complex array's parts), taken
on the host for arrays without NumPy's own ``view``/``real``/``imag``.

Core uses the array's own attribute where it has one (NumPy, CuPy) and falls back here: the host
array (``backend.to_numpy``) is viewed with NumPy and handed back (``backend.from_numpy``). Where the
backend's host transfer shares memory (DLPack on the CPU) the result is a true view; elsewhere it is a
copy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def on_host(backend: Any, x: Any, view: Callable[[Any], Any]) -> Any:
    """`view` (a function of a NumPy array) applied to x's host array, back on x's device."""
    return backend.from_numpy(view(backend.to_numpy(x)), backend.device_index(x))


def dtype_view(backend: Any, x: Any, numpy_dtype: Any) -> Any:
    """x's bytes read as `numpy_dtype` (NumPy's ``ndarray.view``)."""
    try:
        return x.view(numpy_dtype)
    except AttributeError:
        return on_host(backend, x, lambda host: host.view(numpy_dtype))


def real_part(backend: Any, x: Any) -> Any:
    """The real part of a complex array, as a view (NumPy's ``ndarray.real``)."""
    try:
        return x.real
    except AttributeError:
        return on_host(backend, x, lambda host: host.real)


def imag_part(backend: Any, x: Any) -> Any:
    """The imaginary part of a complex array, as a view (NumPy's ``ndarray.imag``)."""
    try:
        return x.imag
    except AttributeError:
        return on_host(backend, x, lambda host: host.imag)
