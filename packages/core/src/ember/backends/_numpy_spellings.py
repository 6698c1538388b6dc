"""An array API standard namespace that also answers to the NumPy names core calls through ``b.xp``.

:class:`ArrayAPIBackend` hands core this namespace as its ``xp``: every standard function is
there unchanged, the NumPy spellings the standard renamed map to the standard's function, and the
NumPy functions the standard lacks are composed from standard ones (``exp2``, ``fmod``, ``rot90``,
``diagonal``, the running ``maximum.accumulate`` of a scan, ...).
"""

from __future__ import annotations

import math
from typing import Any

# NumPy's name -> the standard's name for the same function.
_RENAMED = {
    "arccos": "acos",
    "arcsin": "asin",
    "arctan": "atan",
    "arctan2": "atan2",
    "arccosh": "acosh",
    "arcsinh": "asinh",
    "arctanh": "atanh",
    "left_shift": "bitwise_left_shift",
    "right_shift": "bitwise_right_shift",
    "concatenate": "concat",
}


class Accumulating:
    """A binary standard function with NumPy's ``accumulate``: the running result along an axis."""

    def __init__(self, xp: Any, function: Any, on_bool: Any = None) -> None:
        self._xp, self._function, self._on_bool = xp, function, on_bool

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._function(*args, **kwargs)

    def accumulate(self, x: Any, axis: int = 0) -> Any:
        xp = self._xp
        axis %= max(x.ndim, 1)
        if x.shape[axis] == 0:
            return xp.asarray(x, copy=True)
        moved = xp.moveaxis(x, axis, 0)
        function = self._on_bool if self._on_bool is not None and xp.isdtype(x.dtype, "bool") else self._function
        running, steps = moved[0, ...], [moved[0, ...]]
        for i in range(1, moved.shape[0]):
            running = function(running, moved[i, ...])
            steps.append(running)
        return xp.moveaxis(xp.stack(steps, axis=0), 0, axis)


class NumpySpellings:
    """The standard namespace `xp`, plus NumPy's names for what core calls (see the module docstring)."""

    def __init__(self, xp: Any, backend: Any = None) -> None:
        self.backend = backend  # its index_add makes bincount
        for name in dir(xp):
            if not name.startswith("_") and not hasattr(type(self), name):
                setattr(self, name, getattr(xp, name))
        self.__array_namespace_info__ = xp.__array_namespace_info__
        self.standard = xp
        self.__name__ = getattr(xp, "__name__", type(xp).__name__)
        for numpy_name, standard_name in _RENAMED.items():
            setattr(self, numpy_name, getattr(xp, standard_name))
        on_bool = {"maximum": xp.logical_or, "minimum": xp.logical_and, "add": xp.logical_or}
        for name in ("maximum", "minimum", "logaddexp", "add", "multiply"):
            setattr(self, name, Accumulating(xp, getattr(xp, name), on_bool.get(name)))

    def __getattr__(self, name: str) -> Any:
        if name == "standard":
            raise AttributeError(name)
        found = getattr(self.standard, name)  # NOTE: extensions (linalg, fft) may load on first access
        setattr(self, name, found)
        return found

    def full(self, shape: Any, fill_value: Any, *, dtype: Any = None, device: Any = None) -> Any:
        """The standard's full, also taking a 0-d array as the fill value (as NumPy does)."""
        xp = self.standard
        if not isinstance(fill_value, (bool, int, float, complex)):
            value = fill_value if dtype is None else xp.astype(fill_value, dtype)
            return xp.asarray(
                xp.broadcast_to(value, tuple(shape) if not isinstance(shape, int) else (shape,)), copy=True
            )
        return xp.full(shape, fill_value, dtype=dtype, device=device)

    def take_along_axis(self, x: Any, indices: Any, axis: int = -1) -> Any:
        return self.standard.take_along_axis(x, indices, axis=axis)

    def argsort(self, x: Any, axis: int = -1, descending: bool = False, stable: bool = True) -> Any:
        """The standard's argsort, also of bools (False before True)."""
        xp = self.standard
        if xp.isdtype(x.dtype, "bool"):
            x = xp.astype(x, xp.uint8)
        return xp.argsort(x, axis=axis, descending=descending, stable=stable)

    def isin(self, elements: Any, test_elements: Any, *, invert: bool = False, **_: Any) -> Any:
        """Whether each element equals one of test_elements (any dtypes): a match against all of them."""
        xp = self.standard
        test = xp.reshape(xp.asarray(test_elements), (1,) * elements.ndim + (-1,))
        equal = self.backend.equal if self.backend is not None else xp.equal  # NOTE: the backend's mixes kinds
        found = xp.any(equal(xp.expand_dims(elements, axis=-1), test), axis=-1) if test.shape[-1] else None
        if found is None:
            found = xp.zeros(elements.shape, dtype=xp.bool)
        return xp.logical_not(found) if invert else found

    def bincount(self, x: Any, weights: Any = None, minlength: int = 0) -> Any:
        """NumPy's bincount: how often each value of the 1-D integer array x occurs (or its weights' sum),
        added up by the backend's ``index_add``."""
        xp = self.standard
        length = max(int(xp.max(x)) + 1 if x.shape[0] else 0, minlength)
        kind = xp.int64 if weights is None else xp.float64
        out = xp.zeros((length,), dtype=kind)
        self.backend.index_add(out, (x,), xp.asarray(1, dtype=kind) if weights is None else weights)
        return out

    def heaviside(self, x: Any, h: Any) -> Any:
        xp = self.standard
        zero, one = xp.zeros((), dtype=x.dtype), xp.ones((), dtype=x.dtype)
        steps = xp.where(x < 0, zero, xp.where(x > 0, one, xp.astype(xp.broadcast_to(h, x.shape), x.dtype)))
        return xp.where(xp.isnan(x), x, steps) if xp.isdtype(x.dtype, "real floating") else steps

    def gcd(self, x: Any, y: Any) -> Any:
        """The greatest common divisor, by Euclid's steps on every element at once."""
        xp = self.standard
        x, y = xp.broadcast_arrays(xp.abs(x), xp.abs(y))
        zero = xp.zeros((), dtype=x.dtype)
        while bool(xp.any(y != 0)):
            x, y = xp.where(y != 0, y, x), xp.where(y != 0, x % xp.where(y != 0, y, xp.ones((), dtype=y.dtype)), zero)
        return x

    def lcm(self, x: Any, y: Any) -> Any:
        xp = self.standard
        divisor = self.gcd(x, y)
        safe = xp.where(divisor == 0, xp.ones((), dtype=divisor.dtype), divisor)
        return xp.where(divisor == 0, divisor, xp.abs(x // safe * y))

    def round(self, x: Any, decimals: int = 0) -> Any:
        """Half to even at `decimals` places (NumPy's: scaled by a power of ten, rounded, scaled back)."""
        xp = self.standard
        if decimals == 0 or not xp.isdtype(x.dtype, ("real floating", "complex floating")):
            return xp.round(x)
        if decimals > 0:
            return xp.round(x * 10**decimals) / 10**decimals
        return xp.round(x / 10**-decimals) * 10**-decimals

    def exp2(self, x: Any) -> Any:
        return self.standard.pow(self.standard.asarray(2, dtype=x.dtype), x)

    def logaddexp2(self, x: Any, y: Any) -> Any:
        xp, ln2 = self.standard, math.log(2)
        return xp.logaddexp(x * ln2, y * ln2) / ln2

    def deg2rad(self, x: Any) -> Any:
        return x * (math.pi / 180)

    def rad2deg(self, x: Any) -> Any:
        return x * (180 / math.pi)

    def fmod(self, x: Any, y: Any) -> Any:
        """The remainder with the sign of x (C's fmod), where ``remainder`` takes y's sign."""
        xp = self.standard
        if xp.isdtype(x.dtype, "integral"):
            quotient = xp.abs(x) // xp.abs(y)
            return x - xp.sign(x) * xp.sign(y) * quotient * y
        return x - xp.trunc(x / y) * y

    def fmax(self, x: Any, y: Any) -> Any:
        xp = self.standard
        return xp.where(xp.isnan(x), y, xp.where(xp.isnan(y), x, xp.maximum(x, y)))

    def fmin(self, x: Any, y: Any) -> Any:
        xp = self.standard
        return xp.where(xp.isnan(x), y, xp.where(xp.isnan(y), x, xp.minimum(x, y)))

    def angle(self, x: Any) -> Any:
        xp = self.standard
        if xp.isdtype(x.dtype, "complex floating"):
            return xp.atan2(xp.imag(x), xp.real(x))
        return xp.where(x < 0, xp.asarray(math.pi, dtype=x.dtype), xp.asarray(0, dtype=x.dtype))

    def swapaxes(self, x: Any, axis1: int, axis2: int) -> Any:
        order = list(range(x.ndim))
        order[axis1], order[axis2] = order[axis2], order[axis1]
        return self.standard.permute_dims(x, tuple(order))

    def rot90(self, x: Any, k: int = 1, axes: tuple = (0, 1)) -> Any:
        xp, (a, b) = self.standard, axes
        k %= 4
        if k == 0:
            return x
        if k == 2:
            return xp.flip(xp.flip(x, axis=a), axis=b)
        return self.swapaxes(xp.flip(x, axis=b), a, b) if k == 1 else xp.flip(self.swapaxes(x, a, b), axis=b)

    def diagonal(self, x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
        """NumPy's diagonal: the two axes replaced by a last one. A view of x where the two axes can be
        flattened into one without a copy, else a copy."""
        xp = self.standard
        axis1, axis2 = axis1 % x.ndim, axis2 % x.ndim
        others = [a for a in range(x.ndim) if a not in (axis1, axis2)]
        moved = xp.permute_dims(x, (*others, axis1, axis2))
        rows, cols = x.shape[axis1], x.shape[axis2]
        start, count = (offset, min(rows, cols - offset)) if offset >= 0 else (-offset * cols, min(rows + offset, cols))
        lead = tuple(x.shape[a] for a in others)
        if count <= 0:
            return xp.reshape(moved, (*lead, rows * cols))[..., :0]
        shape = (*lead, rows * cols)
        try:
            flat = xp.reshape(moved, shape, copy=False)
        except (ValueError, AttributeError, TypeError):
            flat = xp.reshape(moved, shape)
        return flat[..., start : start + (count - 1) * (cols + 1) + 1 : cols + 1]

    def tril_indices(self, n: int, k: int = 0, m: int | None = None) -> tuple:
        return self._triangle(n, k, n if m is None else m, lower=True)

    def triu_indices(self, n: int, k: int = 0, m: int | None = None) -> tuple:
        return self._triangle(n, k, n if m is None else m, lower=False)

    def _triangle(self, n: int, k: int, m: int, lower: bool) -> tuple:
        xp = self.standard
        rows = xp.reshape(xp.arange(n), (n, 1))
        cols = xp.reshape(xp.arange(m), (1, m))
        inside = (cols - rows <= k) if lower else (cols - rows >= k)
        return xp.nonzero(inside)

    def trace(self, x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: Any = None) -> Any:
        return self.standard.sum(self.diagonal(x, offset, axis1, axis2), axis=-1, dtype=dtype)
