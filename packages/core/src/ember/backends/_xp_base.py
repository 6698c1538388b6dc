"""A complete backend built on any NumPy-like array module (`xp`).

Kernels are bound straight to `xp` functions so that a call from ember's dispatch is
one attribute lookup and one native call. Subclasses override what differs between
array libraries: scatter-add, random generators, device handling, host transfer.
"""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

from .. import _dtype
from ._host_math import erf_on_host
from ._protocol import KERNEL_CALLS, KERNELS, NUMPY_NAMES, Backend, NativeGenerator
from ._single_device import SingleDeviceBasics

_EXACT_COUNT = 1 << 24
_HALF = np.dtype(np.float16)
_DOT_SIZE = 1 << 14  # elements: up to here a dot product sums squares as accurately as a reduction, and faster
# The dtype of a transform's result: [kind][whether x is double precision (float64, complex128)]
_FFT_OUTPUT = {
    kind: (
        np.dtype(np.float32 if kind == "irfftn" else np.complex64),
        np.dtype(np.float64 if kind == "irfftn" else np.complex128),
    )
    for kind in ("fftn", "ifftn", "rfftn", "irfftn")
}
_BROADCAST_FROM = 1 << 14  # elements: below this, filling a small array costs less than a view's slower reads


class NumpyLikeBackend(SingleDeviceBasics):
    """The whole backend protocol (:class:`ember.backends.Backend`) over a NumPy-compatible module.

    Subclass it with your array module and set ``name``, ``device_type`` (and
    ``distribution``); override what differs from NumPy: host transfer (``to_numpy``,
    ``from_numpy``), device placement (the ``index`` arguments, ``device_index``,
    ``device_count``), ``unavailable_reason``, ``make_generator``, ``index_add``. A
    kernel of :data:`ember.backends.KERNELS` defined in the subclass replaces xp's.
    """

    name = "numpy-like"
    device_type = "cpu"
    distribution: str | None = None

    #: native dtype -> ember dtype, read by core for every result (NumPy's dtypes)
    dtypes = _dtype._BY_NUMPY

    def __init__(self, xp: Any = np) -> None:
        self.xp = xp
        self.dtypes = self.dtypes  # NOTE: an instance attribute: core reads it for every result
        self.ndarray = xp.ndarray
        # NOTE: kernels are instance attributes bound to xp's functions: one lookup, no wrapper call.
        for group in KERNELS.values():
            for kernel in group:
                if not hasattr(type(self), kernel):  # a subclass's own kernel wins
                    setattr(self, kernel, getattr(xp, NUMPY_NAMES.get(kernel, kernel)))

    # --- metadata -------------------------------------------------------------
    def native_dtype(self, dtype: _dtype.dtype) -> Any:
        return dtype.numpy

    def ember_dtype(self, native: Any) -> _dtype.dtype:
        return _dtype.from_numpy_dtype(native)

    def device_index(self, x: Any) -> int | None:
        return None

    # NOTE: reductions call the array's own methods: NumPy's module-level wrappers
    # (np.sum, np.max, ...) cost several microseconds more per call on small arrays.
    def sum(self, x: Any, axis=None, keepdims: bool = False, dtype=None) -> Any:
        x = x if isinstance(x, self.ndarray) else self.xp.asarray(x)
        return x.sum(axis=axis, keepdims=keepdims, dtype=dtype)

    def mean(self, x: Any, axis=None, keepdims: bool = False, dtype=None) -> Any:
        x = x if isinstance(x, self.ndarray) else self.xp.asarray(x)
        kind = x.dtype
        if dtype is not None or kind.kind != "f":
            return x.mean(axis=axis, keepdims=keepdims, dtype=dtype)
        count = (
            x.size if axis is None else math.prod(x.shape[a] for a in (axis if isinstance(axis, tuple) else (axis,)))
        )
        # NOTE: the sum over the count, as NumPy's mean computes it, without its slower wrapper; float16
        # accumulates in float32 (as NumPy and PyTorch do). An empty extent gives 0/0 = nan.
        if kind is _HALF:
            total = x.sum(axis=axis, keepdims=keepdims, dtype=np.float32)
            return self.xp.true_divide(total, count).astype(kind)
        return self._divided(self.sum(x, axis, keepdims), count)

    def _divided(self, total: Any, count: int) -> Any:
        if isinstance(total, np.generic) and 0 < count <= _EXACT_COUNT:
            # NOTE: a scalar total divides faster as a Python number, to the same value: up to
            # _EXACT_COUNT a count is exact in float32, and the float64 quotient rounds to the same float32
            return np.array(float(total) / count, dtype=total.dtype)
        return self.xp.true_divide(total, count)

    def sum_of_squares(self, x: Any, mean: bool) -> Any:
        """sum(x * x), or its mean: a small float32/float64 array sums its squares as one dot product."""
        if x.size > _DOT_SIZE or x.dtype.kind != "f" or x.dtype.itemsize < 4:
            return self.mean(x * x) if mean else self.sum(x * x)
        flat = x.reshape(-1)
        total = flat.dot(flat)  # NOTE: the array's own dot: the same BLAS dot as matmul, without its slower dispatch
        return self._divided(total, x.size) if mean else total

    def permute(self, x: Any, axes: Any = None) -> Any:
        """xp.transpose, called as the array's own method (NumPy's function adds two wrapper calls)."""
        return x.transpose(axes)

    def reshape(self, x: Any, shape: Any) -> Any:
        """xp.reshape, called as the array's own method (NumPy's function adds two wrapper calls)."""
        return x.reshape(shape)

    def scaled(self, x: Any, g: Any, factor: float) -> Any:
        """x * (g * factor); a 0-d real g joins factor as one Python number (a 0-d array operand costs as
        much as a small array)."""
        if g.ndim == 0 and g.dtype.kind == "f":
            return x * (factor * float(g))
        return x * (g * factor if factor != 1 else g)

    def mask_multiply(self, x: Any, keep: Any) -> Any:
        """x times a bool mask: the mask cast to x's dtype, then multiplied in place (one new array)."""
        out = keep.astype(x.dtype)
        out *= x
        return out

    def sliding_windows(self, x: Any, out_size: tuple, kernel: tuple, stride: tuple, dilation: tuple) -> Any:
        """Every window over x's trailing axes as one read-only strided view (no copy)."""
        lead, spatial = x.strides[: x.ndim - len(kernel)], x.strides[x.ndim - len(kernel) :]
        return self.xp.lib.stride_tricks.as_strided(
            x,
            (*x.shape[: x.ndim - len(kernel)], *out_size, *kernel),
            (*lead, *map(operator.mul, spatial, stride), *map(operator.mul, spatial, dilation)),
            writeable=False,
        )

    def spread(self, x: Any, shape: tuple, divisor: int = 1) -> Any:
        """x / divisor broadcast to shape, to be read (a gradient): one value fills a small array, else a view."""
        if x.size == 1 and math.prod(shape) < _BROADCAST_FROM and divisor <= _EXACT_COUNT:
            value = x.reshape(()) if x.ndim else x
            out = self.xp.empty(shape, dtype=x.dtype)
            # NOTE: a count up to _EXACT_COUNT divides as a Python number to the array division's value
            out.fill(value if divisor == 1 else value.item() / divisor)
            return out
        return self.xp.broadcast_to(x if divisor == 1 else self.xp.true_divide(x, divisor), shape)

    def prod(self, x: Any, axis=None, keepdims: bool = False, dtype=None) -> Any:
        x = x if isinstance(x, self.ndarray) else self.xp.asarray(x)
        return x.prod(axis=axis, keepdims=keepdims, dtype=dtype)

    def max(self, x: Any, axis=None, keepdims: bool = False) -> Any:
        x = x if isinstance(x, self.ndarray) else self.xp.asarray(x)
        return x.max(axis=axis, keepdims=keepdims)

    def min(self, x: Any, axis=None, keepdims: bool = False) -> Any:
        x = x if isinstance(x, self.ndarray) else self.xp.asarray(x)
        return x.min(axis=axis, keepdims=keepdims)

    def var(self, x: Any, axis=None, keepdims: bool = False, ddof: int = 0) -> Any:
        x = x if isinstance(x, self.ndarray) else self.xp.asarray(x)
        return x.var(axis=axis, keepdims=keepdims, ddof=ddof)

    def std(self, x: Any, axis=None, keepdims: bool = False, ddof: int = 0) -> Any:
        x = x if isinstance(x, self.ndarray) else self.xp.asarray(x)
        return x.std(axis=axis, keepdims=keepdims, ddof=ddof)

    def any(self, x: Any, axis=None, keepdims: bool = False) -> Any:
        x = x if isinstance(x, self.ndarray) else self.xp.asarray(x)
        return x.any(axis=axis, keepdims=keepdims)

    def all(self, x: Any, axis=None, keepdims: bool = False) -> Any:
        x = x if isinstance(x, self.ndarray) else self.xp.asarray(x)
        return x.all(axis=axis, keepdims=keepdims)

    def argmax(self, x: Any, axis=None, keepdims: bool = False) -> Any:
        x = x if isinstance(x, self.ndarray) else self.xp.asarray(x)
        return x.argmax(axis=axis, keepdims=keepdims)

    def argmin(self, x: Any, axis=None, keepdims: bool = False) -> Any:
        x = x if isinstance(x, self.ndarray) else self.xp.asarray(x)
        return x.argmin(axis=axis, keepdims=keepdims)

    def sigmoid(self, x: Any) -> Any:
        xp = self.xp
        if x.dtype.kind == "c":
            return 1 / (1 + xp.exp(-x))  # NOTE: complex numbers have no sign to split on
        out = xp.exp(-xp.abs(x))
        return xp.where(x >= 0, 1 / (1 + out), out / (1 + out)).astype(x.dtype, copy=False)

    def erf(self, x: Any) -> Any:
        return erf_on_host(self, x)

    # --- creation and transfer -------------------------------------------------
    def asarray(self, data: Any, dtype: _dtype.dtype | None, index: int | None) -> Any:
        return self.xp.asarray(data, dtype=None if dtype is None else dtype.numpy)

    def empty(self, shape: tuple, dtype: _dtype.dtype, index: int | None) -> Any:
        return self.xp.empty(shape, dtype=dtype.numpy)

    def zeros(self, shape: tuple, dtype: _dtype.dtype, index: int | None) -> Any:
        return self.xp.zeros(shape, dtype=dtype.numpy)

    def full(self, shape: tuple, value: Any, dtype: _dtype.dtype, index: int | None) -> Any:
        out = self.xp.empty(shape, dtype=dtype.numpy)  # NOTE: cheaper than xp.full's wrapper on small arrays
        out.fill(value)
        return out

    def arange(self, start: Any, stop: Any, step: Any, dtype: _dtype.dtype, index: int | None) -> Any:
        return self.xp.arange(start, stop, step, dtype=dtype.numpy)

    def linspace(self, start: Any, stop: Any, num: int, dtype: _dtype.dtype, index: int | None) -> Any:
        return self.xp.linspace(start, stop, num, dtype=dtype.numpy)

    def eye(self, n: int, m: int, dtype: _dtype.dtype, index: int | None) -> Any:
        return self.xp.eye(n, m, dtype=dtype.numpy)

    def astype(self, x: Any, dtype: _dtype.dtype) -> Any:
        return x.astype(dtype.numpy)

    def copy(self, x: Any) -> Any:
        return x.copy(order="K")  # NOTE: in x's own layout, as clone() keeps it

    def strides(self, x: Any) -> tuple:
        """x's strides in bytes (the array's own ``strides``)."""
        return x.strides

    def item(self, x: Any) -> Any:
        """The one element of x as a Python number (the array's own ``item()``)."""
        return x.item()

    def tolist(self, x: Any) -> Any:
        """x as nested lists of Python numbers (the array's own ``tolist()``)."""
        return x.tolist()

    def to_numpy(self, x: Any) -> np.ndarray:
        return np.asarray(x)

    def from_numpy(self, array: np.ndarray, index: int | None) -> Any:
        return self.xp.asarray(array)

    def from_dlpack(self, capsule: Any, index: int | None) -> Any:
        return self.xp.from_dlpack(capsule)

    def is_contiguous(self, x: Any) -> bool:
        return bool(x.flags.c_contiguous)

    def ascontiguous(self, x: Any) -> Any:
        return self.xp.ascontiguousarray(x)

    def shares_memory(self, a: Any, b: Any) -> bool:
        """Whether arrays a and b may share memory (``numpy.shares_memory``)."""
        return bool(self.xp.shares_memory(a, b))

    # --- random -------------------------------------------------------------------
    def make_generator(self, index: int | None, seed: int) -> Any:
        return NumpyGenerator(seed)

    # --- indexing, scatter and in-place writes ------------------------------------
    def getitem(self, x: Any, key: Any) -> Any:
        return x[key]

    def setitem(self, x: Any, key: Any, value: Any) -> None:
        x[key] = value

    def copy_into(self, dst: Any, src: Any) -> None:
        self.xp.copyto(dst, src, casting="unsafe")

    def index_add(self, target: Any, index: Any, values: Any) -> None:
        self.xp.add.at(target, index, values)

    def take_along_axis(self, x: Any, index: Any, axis: int) -> Any:
        return self.xp.take_along_axis(x, index, axis=axis)

    def put_along_axis(self, x: Any, index: Any, values: Any, axis: int) -> None:
        self.xp.put_along_axis(x, index, values, axis=axis)

    def nonzero(self, x: Any) -> tuple:
        return self.xp.nonzero(x)

    def pad(self, x: Any, widths: Any, value: Any) -> Any:
        return self.xp.pad(x, widths, constant_values=value)

    def fft(self, x: Any, kind: str, s: tuple | None, axes: tuple, norm: str) -> Any:
        """xp.fft's fftn, ifftn, rfftn or irfftn (named by kind), in the precision of x."""
        out = getattr(self.xp.fft, kind)(x, s=s, axes=axes, norm=norm)
        want = _FFT_OUTPUT[kind][x.dtype.itemsize > 8 or x.dtype == np.float64]
        return out if out.dtype == want else out.astype(want)


class NumpyGenerator:
    """A seeded random stream on the host (NumPy's PCG64)."""

    def __init__(self, seed: int) -> None:
        self.seed(seed)

    def seed(self, seed: int) -> None:
        self._rng = np.random.Generator(np.random.PCG64(seed))

    def get_state(self) -> dict:
        return self._rng.bit_generator.state

    def set_state(self, state: dict) -> None:
        self._rng.bit_generator.state = state

    def uniform(self, shape: tuple, low: float, high: float, dtype: np.dtype) -> np.ndarray:
        kind = dtype if dtype in (np.float32, np.float64) else np.float64
        unit = self._rng.random(shape, dtype=kind)
        if low != 0 or high != 1:
            unit = unit * (high - low) + low
        return unit.astype(dtype, copy=False)

    def normal(self, shape: tuple, mean: float, std: float, dtype: np.dtype) -> np.ndarray:
        return self._rng.normal(mean, std, shape).astype(dtype, copy=False)

    def integers(self, low: int, high: int, shape: tuple, dtype: np.dtype) -> np.ndarray:
        if shape == ():  # NOTE: NumPy draws a single integer several times faster without a size
            return np.asarray(self._rng.integers(low, high), dtype=dtype)
        return self._rng.integers(low, high, shape).astype(dtype, copy=False)

    def permutation(self, n: int) -> np.ndarray:
        return self._rng.permutation(n)

    def bernoulli(self, p: Any, shape: tuple) -> np.ndarray:
        """A bool array of `shape`, each True with probability `p`."""
        return self._rng.random(shape) < p


def _documented_by_the_contract(cls: type, contract: type) -> type:
    """Give `cls`'s protocol methods and kernels that have no docstring the contract's words."""
    for name, member in vars(cls).items():
        if name.startswith("_") or not callable(member) or member.__doc__:
            continue
        if name in vars(contract):
            member.__doc__ = vars(contract)[name].__doc__
        elif name in KERNEL_CALLS:
            member.__doc__ = f"The ``{name}`` kernel, called as ``{KERNEL_CALLS[name]}``; NumPy's semantics."
    return cls


_documented_by_the_contract(SingleDeviceBasics, Backend)
_documented_by_the_contract(NumpyLikeBackend, Backend)
_documented_by_the_contract(NumpyGenerator, NativeGenerator)
