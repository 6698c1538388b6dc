"""A complete backend over any Python array API standard namespace (`xp`).

Where :class:`NumpyLikeBackend` binds kernels straight to a NumPy-compatible module,
:class:`ArrayAPIBackend` asks only for what the array API standard
(https://data-apis.org/array-api/) defines. It wraps each kernel to give NumPy's
calling convention (``out=``, ``casting=``, Python scalars compared exactly, mixed
dtypes in comparisons) and builds what the standard lacks from standard functions:
``einsum``, scatter-add (``index_add``), ``put_along_axis``, ``pad``. Host transfer
goes through DLPack, so a CPU library shares memory with NumPy.

Native dtypes are the namespace's own dtype objects; the backend declares them once,
in ``dtypes`` (native dtype -> ember dtype), which core reads. Dtypes the namespace
lacks (float16 and bfloat16 for most) are unsupported: asking for one raises a
TypeError naming the backend.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from .. import _dtype
from ._host_math import erf_on_host
from ._numpy_spellings import NumpySpellings
from ._protocol import KERNELS, Backend, NativeGenerator
from ._single_device import SingleDeviceBasics
from ._xp_base import NumpyGenerator, _documented_by_the_contract

# Standard names of the kernels NumPy names otherwise.
_STANDARD_NAMES = {
    "true_divide": "divide",
    "power": "pow",
    "invert": "bitwise_invert",
    "rint": "round",
    "concat": "concat",
    "permute": "permute_dims",
}
# Kernels whose bool operands compute as a logical op (NumPy's bool + bool is "or").
_BOOL_AS = {"add": "logical_or", "multiply": "logical_and", "maximum": "logical_or", "minimum": "logical_and"}
_BOOL_AS.update(fmax="logical_or", fmin="logical_and")
# Kernels whose bool operands compute as int8, as NumPy's (comparisons then give bool).
_BOOL_AS_INT = frozenset(
    "less less_equal greater greater_equal remainder floor_divide power isnan isinf isfinite".split()
)
_COMPARISONS = frozenset(
    "equal not_equal less less_equal greater greater_equal logical_and logical_or logical_xor".split()
)


# Above this many (positions times elements), a scatter sorts its positions instead of matching them one-hot.
_ONE_HOT_LIMIT = 1 << 22


class ArrayAPIBackend(SingleDeviceBasics):
    """The whole backend protocol (:class:`ember.backends.Backend`) over an array API standard namespace.

    Subclass it with your namespace (``array_api_strict``, ``array_api_compat``'s
    wrappers, a library's own ``__array_namespace__()``) and set ``name``,
    ``device_type`` and ``distribution``; override what differs: ``device_index`` and
    the ``index`` arguments for devices, ``to_numpy``/``from_numpy`` where DLPack
    cannot reach the host, ``make_generator`` for device-side random numbers. Any
    kernel defined in the subclass replaces the wrapped standard function.
    """

    name = "array-api"
    device_type = "cpu"
    distribution: str | None = None

    def __init__(self, xp: Any) -> None:
        self.xp = xp = NumpySpellings(xp, self)  # NOTE: core calls NumPy's names through b.xp
        self.ndarray = type(xp.asarray(0))
        info = xp.__array_namespace_info__()
        native_by_name = info.dtypes()
        #: native dtype -> ember dtype: every dtype this namespace has that ember has too
        self.dtypes = {
            native: _dtype._BY_NAME[name] for name, native in native_by_name.items() if name in _dtype._BY_NAME
        }
        self._natives = {ember: native for native, ember in self.dtypes.items()}
        _dtype.FOREIGN_NATIVE.update(self.dtypes)
        default = info.default_dtypes()
        self._default_float = default["real floating"]
        self._default_int = default["integral"]
        for group in ("unary", "binary"):
            for kernel in KERNELS[group]:
                if not hasattr(type(self), kernel):
                    setattr(self, kernel, self._elementwise(kernel))
        for ufunc in ("add", "multiply", "maximum", "minimum"):
            getattr(xp, ufunc).at = functools.partial(self._reduce_at, ufunc)  # NumPy's ufunc.at
        if hasattr(xp, "fft") and not hasattr(type(self), "fft"):
            self.fft = self._fft  # an optional kernel: only where the namespace has the fft extension

    # --- metadata -------------------------------------------------------------
    def native_dtype(self, dtype: _dtype.dtype) -> Any:
        native = self._natives.get(dtype)
        if native is None:
            raise TypeError(
                f"the {self.name!r} backend has no {dtype}: its array namespace does not provide it; "
                f"use one of {', '.join(d.name for d in self._natives)} or another backend"
            )
        return native

    def ember_dtype(self, native: Any) -> _dtype.dtype:
        return self.dtypes[native]

    def device_index(self, x: Any) -> int | None:
        return None

    def _native(self, dtype: Any) -> Any:
        """A dtype argument as core passes it (an ember dtype, a NumPy dtype or its name) as a native dtype."""
        if dtype is None or dtype in self.dtypes:
            return dtype
        if isinstance(dtype, _dtype.dtype):
            return self.native_dtype(dtype)
        return self.native_dtype(_dtype._BY_NAME[np.dtype(dtype).name])

    def _array(self, value: Any, like: Any = None) -> Any:
        """value as a native array (NumPy scalars and arrays, Python numbers)."""
        if isinstance(value, self.ndarray):
            return value
        if isinstance(value, (np.ndarray, np.generic)):
            return self.xp.asarray(
                self._host_value(value), dtype=self.native_dtype(_dtype.from_numpy_dtype(value.dtype))
            )
        if like is not None and isinstance(value, (bool, int, float, complex)):
            return self.xp.asarray(value, dtype=self._scalar_dtype(value, like.dtype))
        return self.xp.asarray(value)

    @staticmethod
    def _host_value(value: Any) -> Any:
        return value.item() if isinstance(value, np.generic) or value.ndim == 0 else value.tolist()

    def _scalar_dtype(self, value: Any, native: Any) -> Any:
        """The dtype a Python number computes in beside an array of `native` (NumPy 2's rule: the
        array's, unless the number is of a higher kind)."""
        xp = self.xp
        if type(value) is bool or xp.isdtype(native, "complex floating"):
            return native
        if type(value) is int:
            return native if not xp.isdtype(native, "bool") else self._default_int
        if type(value) is float:
            return native if xp.isdtype(native, "real floating") else self._default_float
        return self.native_dtype(_dtype.complex128)

    def _common(self, x: Any, y: Any) -> tuple[Any, Any]:
        """x and y as arrays the standard takes together: NumPy's promotion where kinds differ."""
        xp = self.xp
        x_array, y_array = isinstance(x, self.ndarray), isinstance(y, self.ndarray)
        if not x_array and not y_array:
            x, y = self._array(x), self._array(y)
        elif not x_array:
            x = self._operand(x, y)
        elif not y_array:
            y = self._operand(y, x)
        if x.dtype != y.dtype:
            try:
                common = xp.result_type(x.dtype, y.dtype)
            except TypeError:
                common = self._mixed_kind(x.dtype, y.dtype)
            x = x if x.dtype == common else xp.astype(x, common)
            y = y if y.dtype == common else xp.astype(y, common)
        return x, y

    def _operand(self, value: Any, like: Any) -> Any:
        if isinstance(value, (np.ndarray, np.generic)):
            return self._array(value)
        return self.xp.asarray(value, dtype=self._scalar_dtype(value, like.dtype))

    def _mixed_kind(self, a: Any, b: Any) -> Any:
        """NumPy's result of two dtypes of different kinds (the standard leaves it undefined)."""
        return self.native_dtype(
            _dtype.result_type(self.dtypes[a], 2, self.dtypes[b], 2)
            if not (self.xp.isdtype(a, "bool") or self.xp.isdtype(b, "bool"))
            else (self.dtypes[b] if self.xp.isdtype(a, "bool") else self.dtypes[a])
        )

    def _elementwise(self, kernel: str):
        """The kernel `kernel` with NumPy's convention, over the standard's function."""
        xp = self.xp
        function = self._standard_function(kernel)
        binary = kernel in KERNELS["binary"]
        as_bool = getattr(xp, _BOOL_AS[kernel]) if kernel in _BOOL_AS else None

        logical = kernel.startswith("logical_")

        def compute(x: Any, y: Any = None, out: Any = None, casting: str = "same_kind") -> Any:
            if binary:
                x, y = self._common(x, y)
                if logical and not xp.isdtype(x.dtype, "bool"):
                    x, y = x != 0, y != 0
                if xp.isdtype(x.dtype, "bool") and not logical:
                    if as_bool is not None:
                        result = as_bool(x, y)
                    elif kernel in _BOOL_AS_INT:
                        int8 = self.native_dtype(_dtype.int8)
                        result = function(xp.astype(x, int8), xp.astype(y, int8))
                        if kernel in _COMPARISONS or kernel in ("maximum", "minimum", "fmax", "fmin"):
                            result = result if kernel in _COMPARISONS else xp.astype(result, x.dtype)
                    else:
                        result = function(x, y)
                else:
                    result = function(x, y)
            else:
                x = self._array(x)
                if logical and not xp.isdtype(x.dtype, "bool"):
                    x = x != 0
                elif kernel in _BOOL_AS_INT and xp.isdtype(x.dtype, "bool"):
                    x = xp.astype(x, self.native_dtype(_dtype.int8))
                result = function(x)
            if out is None:
                return result
            self.copy_into(out, result)
            return out

        compute.__name__ = kernel
        return compute

    def _standard_function(self, kernel: str):
        xp = self.xp
        if kernel == "reciprocal":
            return lambda x: xp.divide(xp.asarray(1, dtype=x.dtype), x)
        if kernel in ("fmax", "fmin"):
            pick = xp.maximum if kernel == "fmax" else xp.minimum

            def ignoring_nan(x: Any, y: Any) -> Any:
                both = pick(x, y)
                return xp.where(xp.isnan(x), y, xp.where(xp.isnan(y), x, both))

            return ignoring_nan
        if kernel == "rint":
            return lambda x: xp.round(x) if not xp.isdtype(x.dtype, "integral") else x
        if kernel == "true_divide":
            return xp.divide
        return getattr(xp, _STANDARD_NAMES.get(kernel, kernel))

    # --- selection -----------------------------------------------------------------
    def where(self, condition: Any, x: Any, y: Any) -> Any:
        x_array, y_array = isinstance(x, self.ndarray), isinstance(y, self.ndarray)
        if isinstance(x, np.generic):
            x, x_array = self._array(x), True
        if isinstance(y, np.generic):
            y, y_array = self._array(y), True
        if x_array or y_array:
            x, y = self._common(x, y)
        else:
            x, y = self._common(self.xp.asarray(x), y)
        return self.xp.where(self._array(condition), x, y)

    def clip(self, x: Any, low: Any, high: Any) -> Any:
        xp = self.xp
        low = None if low is None else self._operand(low, x) if not isinstance(low, self.ndarray) else low
        high = None if high is None else self._operand(high, x) if not isinstance(high, self.ndarray) else high
        out = x
        if low is not None:
            out = xp.maximum(out, xp.astype(low, x.dtype))
        if high is not None:
            out = xp.minimum(out, xp.astype(high, x.dtype))
        return out if out is not x else xp.asarray(x, copy=True)

    # --- reductions and scans -------------------------------------------------------
    def _numeric(self, x: Any, dtype: Any) -> Any:
        x = self._array(x)
        native = self._native(dtype)
        if native is not None and x.dtype != native:
            return self.xp.astype(x, native)
        if self.xp.isdtype(x.dtype, "bool"):
            return self.xp.astype(x, self._default_int)
        return x

    def sum(self, x: Any, axis=None, keepdims: bool = False, dtype=None) -> Any:
        # NOTE: a dtype asked for is the result's (NumPy's), where the standard would widen small integers
        return self.xp.sum(self._numeric(x, dtype), axis=axis, keepdims=keepdims, dtype=self._native(dtype))

    def prod(self, x: Any, axis=None, keepdims: bool = False, dtype=None) -> Any:
        return self.xp.prod(self._numeric(x, dtype), axis=axis, keepdims=keepdims, dtype=self._native(dtype))

    def mean(self, x: Any, axis=None, keepdims: bool = False, dtype=None) -> Any:
        x = self._numeric(x, dtype)
        if not self.xp.isdtype(x.dtype, ("real floating", "complex floating")):
            x = self.xp.astype(x, self._default_float)
        return self.xp.mean(x, axis=axis, keepdims=keepdims)

    def var(self, x: Any, axis=None, keepdims: bool = False, ddof: int = 0) -> Any:
        return self.xp.var(self._array(x), axis=axis, keepdims=keepdims, correction=ddof)

    def std(self, x: Any, axis=None, keepdims: bool = False, ddof: int = 0) -> Any:
        return self.xp.std(self._array(x), axis=axis, keepdims=keepdims, correction=ddof)

    def max(self, x: Any, axis=None, keepdims: bool = False) -> Any:
        x = self._array(x)
        if self.xp.isdtype(x.dtype, "bool"):
            return self.any(x, axis, keepdims)
        return self.xp.max(x, axis=axis, keepdims=keepdims)

    def min(self, x: Any, axis=None, keepdims: bool = False) -> Any:
        x = self._array(x)
        if self.xp.isdtype(x.dtype, "bool"):
            return self.all(x, axis, keepdims)
        return self.xp.min(x, axis=axis, keepdims=keepdims)

    def any(self, x: Any, axis=None, keepdims: bool = False) -> Any:
        return self.xp.any(self._array(x), axis=axis, keepdims=keepdims)

    def all(self, x: Any, axis=None, keepdims: bool = False) -> Any:
        return self.xp.all(self._array(x), axis=axis, keepdims=keepdims)

    def _arg(self, function: Any, x: Any, axis: Any, keepdims: bool) -> Any:
        x = self._array(x)
        if self.xp.isdtype(x.dtype, "bool"):
            x = self.xp.astype(x, self.native_dtype(_dtype.uint8))
        if axis is None and keepdims:
            found = function(self.xp.reshape(x, (-1,)))
            return self.xp.reshape(found, (1,) * x.ndim)
        return function(x, axis=axis, keepdims=keepdims)

    def argmax(self, x: Any, axis=None, keepdims: bool = False) -> Any:
        return self._arg(self.xp.argmax, x, axis, keepdims)

    def argmin(self, x: Any, axis=None, keepdims: bool = False) -> Any:
        return self._arg(self.xp.argmin, x, axis, keepdims)

    def _scan(self, function: Any, x: Any, axis: Any, dtype: Any) -> Any:
        x = self._numeric(x, dtype)
        if axis is None:
            x, axis = self.xp.reshape(x, (-1,)), 0
        if x.ndim == 0:
            return self.xp.asarray(x, copy=True)
        return function(x, axis=axis)

    def cumsum(self, x: Any, axis: Any = None, dtype=None) -> Any:
        return self._scan(self.xp.cumulative_sum, x, axis, dtype)

    def cumprod(self, x: Any, axis: Any = None, dtype=None) -> Any:
        return self._scan(self.xp.cumulative_prod, x, axis, dtype)

    # --- shapes ----------------------------------------------------------------------
    def reshape(self, x: Any, shape: Any) -> Any:
        return self.xp.reshape(self._array(x), tuple(shape) if not isinstance(shape, int) else (shape,))

    def broadcast_to(self, x: Any, shape: Any) -> Any:
        return self.xp.broadcast_to(self._array(x), tuple(shape))

    def expand_dims(self, x: Any, axis: Any) -> Any:
        x = self._array(x)
        if isinstance(axis, int):
            return self.xp.expand_dims(x, axis=axis)
        ndim = x.ndim + len(axis)
        wanted = sorted(a % ndim for a in axis)
        for a in wanted:
            x = self.xp.expand_dims(x, axis=a)
        return x

    def squeeze(self, x: Any, axis: Any = None) -> Any:
        x = self._array(x)
        if axis is None:
            axis = tuple(i for i, n in enumerate(x.shape) if n == 1)
        return self.xp.squeeze(x, axis=axis)

    def concat(self, arrays: Any, axis: int | None = 0) -> Any:
        arrays = [self._array(a) for a in arrays]
        if len({a.dtype for a in arrays}) > 1:
            common = arrays[0].dtype
            for a in arrays[1:]:
                common = self._common(self.xp.empty((0,), dtype=common), a)[0].dtype
            arrays = [self.xp.astype(a, common) for a in arrays]
        return self.xp.concat(arrays, axis=axis)

    def stack(self, arrays: Any, axis: int = 0) -> Any:
        return self.xp.stack([self._array(a) for a in arrays], axis=axis)

    def flip(self, x: Any, axis: Any = None) -> Any:
        return self.xp.flip(self._array(x), axis=axis)

    def permute(self, x: Any, axes: Any = None) -> Any:
        x = self._array(x)
        return self.xp.permute_dims(x, tuple(range(x.ndim))[::-1] if axes is None else tuple(axes))

    # --- products -------------------------------------------------------------------
    def matmul(self, x: Any, y: Any) -> Any:
        x, y = self._common(x, y)
        if self.xp.isdtype(x.dtype, "bool"):
            as_int = self.native_dtype(_dtype.int64)
            return self.xp.astype(self.xp.matmul(self.xp.astype(x, as_int), self.xp.astype(y, as_int)), x.dtype)
        return self.xp.matmul(x, y)

    def einsum(self, subscripts: str, *operands: Any) -> Any:
        """``numpy.einsum`` from standard functions: every operand broadcast over all labels,
        multiplied, and summed over the labels the output lacks."""
        xp = self.xp
        inputs, _, output = subscripts.replace(" ", "").partition("->")
        terms = inputs.split(",")
        if "." in subscripts:
            raise NotImplementedError(f"the {self.name!r} backend's einsum takes no ellipsis ('...')")
        if not _:
            output = "".join(sorted(c for c in set(inputs) - {","} if inputs.count(c) == 1))
        labels = list(dict.fromkeys(c for term in terms for c in term))
        operands = [self._array(a) for a in operands]
        common = operands[0]
        for a in operands[1:]:
            common, _unused = self._common(common, a)
        sizes: dict[str, int] = {}
        product = None
        for term, operand in zip(terms, operands):
            operand = operand if operand.dtype == common.dtype else xp.astype(operand, common.dtype)
            operand = self._diagonals(term, operand)
            term = "".join(dict.fromkeys(term))
            for label, size in zip(term, operand.shape):
                sizes[label] = size if sizes.get(label, 1) == 1 else sizes[label]
            order = [term.index(c) for c in labels if c in term]
            operand = xp.permute_dims(operand, tuple(order))
            present = [c for c in labels if c in term]
            shape = tuple(operand.shape[present.index(c)] if c in present else 1 for c in labels)
            operand = xp.reshape(operand, shape)
            product = operand if product is None else xp.multiply(product, operand)
        summed = tuple(i for i, c in enumerate(labels) if c not in output)
        if summed:
            product = xp.sum(self._numeric(product, None), axis=summed) if product.ndim else product
        kept = [c for c in labels if c in output]
        full = xp.broadcast_to(product, tuple(sizes[c] for c in kept)) if kept else product
        result = xp.permute_dims(full, tuple(kept.index(c) for c in output)) if output else full
        return result if result.dtype == common.dtype else xp.astype(result, common.dtype)

    def _diagonals(self, term: str, operand: Any) -> Any:
        """operand with each label repeated in term reduced to its diagonal (first occurrence kept)."""
        xp = self.xp
        while len(set(term)) < len(term):
            label = next(c for c in term if term.count(c) > 1)
            first = term.index(label)
            second = term.index(label, first + 1)
            n = operand.shape[first]
            eye = xp.eye(n, dtype=xp.bool)
            shape = [1] * operand.ndim
            shape[first] = shape[second] = n
            mask = xp.reshape(eye, tuple(shape))
            zero = xp.zeros((), dtype=operand.dtype)
            operand = xp.sum(xp.where(mask, operand, zero), axis=second)
            term = term[:second] + term[second + 1 :]
        return operand

    def _fft(self, x: Any, kind: str, s: tuple | None, axes: tuple, norm: str) -> Any:
        """The fft extension's fftn, ifftn, rfftn or irfftn (named by kind), in the precision of x."""
        xp = self.xp
        double = x.dtype in (self._natives.get(_dtype.float64), self._natives.get(_dtype.complex128))
        real = self.native_dtype(_dtype.float64 if double else _dtype.float32)
        complex_ = self.native_dtype(_dtype.complex128 if double else _dtype.complex64)
        wanted = real if kind == "rfftn" else complex_
        if x.dtype != wanted:
            x = xp.astype(xp.real(x) if kind == "rfftn" and xp.isdtype(x.dtype, "complex floating") else x, wanted)
        return getattr(xp.fft, kind)(x, s=s, axes=axes, norm=norm)

    # --- special functions -------------------------------------------------------------
    def sigmoid(self, x: Any) -> Any:
        xp = self.xp
        if xp.isdtype(x.dtype, "complex floating"):
            return 1 / (1 + xp.exp(-x))
        small = xp.exp(-xp.abs(x))
        one = xp.asarray(1, dtype=x.dtype)
        return xp.where(x >= 0, one / (one + small), small / (one + small))

    def erf(self, x: Any) -> Any:
        return erf_on_host(self, x)

    # --- creation and transfer -------------------------------------------------------
    def asarray(self, data: Any, dtype: _dtype.dtype | None, index: int | None) -> Any:
        if isinstance(data, (np.ndarray, np.generic)):
            data = self._host_value(data)
        return self.xp.asarray(data, dtype=None if dtype is None else self.native_dtype(dtype))

    def empty(self, shape: tuple, dtype: _dtype.dtype, index: int | None) -> Any:
        return self.xp.empty(tuple(shape), dtype=self.native_dtype(dtype))

    def zeros(self, shape: tuple, dtype: _dtype.dtype, index: int | None) -> Any:
        return self.xp.zeros(tuple(shape), dtype=self.native_dtype(dtype))

    def full(self, shape: tuple, value: Any, dtype: _dtype.dtype, index: int | None) -> Any:
        if isinstance(value, np.generic):
            value = value.item()
        native = self.native_dtype(dtype)
        if isinstance(value, float) and dtype.category < _dtype.FLOATING:
            value = int(value) if dtype is not _dtype.bool_ else bool(value)
        return self.xp.full(tuple(shape), value, dtype=native)

    def arange(self, start: Any, stop: Any, step: Any, dtype: _dtype.dtype, index: int | None) -> Any:
        return self.xp.arange(start, stop, step, dtype=self.native_dtype(dtype))

    def linspace(self, start: Any, stop: Any, num: int, dtype: _dtype.dtype, index: int | None) -> Any:
        return self.xp.linspace(start, stop, num, dtype=self.native_dtype(dtype))

    def eye(self, n: int, m: int, dtype: _dtype.dtype, index: int | None) -> Any:
        return self.xp.eye(n, m, dtype=self.native_dtype(dtype))

    def astype(self, x: Any, dtype: _dtype.dtype) -> Any:
        return self.xp.astype(self._array(x), self.native_dtype(dtype))

    def copy(self, x: Any) -> Any:
        return self.xp.asarray(x, copy=True)

    def strides(self, x: Any) -> tuple:
        """x's strides in bytes: the host view's where DLPack reaches one, else those of C order."""
        try:
            return np.from_dlpack(x).strides
        except (BufferError, TypeError, RuntimeError, ValueError):
            itemsize = self.dtypes[x.dtype].itemsize
            strides, step = [], itemsize
            for n in reversed(x.shape):
                strides.append(step)
                step *= max(n, 1)
            return tuple(reversed(strides))

    def item(self, x: Any) -> Any:
        """The one element of x as a Python number."""
        return self.to_numpy(x).item()

    def tolist(self, x: Any) -> Any:
        """x as nested lists of Python numbers."""
        return self.to_numpy(x).tolist()

    def to_numpy(self, x: Any) -> np.ndarray:
        try:
            return np.from_dlpack(x)
        except (BufferError, TypeError, RuntimeError):
            return np.asarray(x)

    def from_numpy(self, array: np.ndarray, index: int | None) -> Any:
        if array.dtype.name not in _dtype._BY_NAME or _dtype._BY_NAME[array.dtype.name] not in self._natives:
            self.native_dtype(_dtype.from_numpy_dtype(array.dtype))  # raises, naming the dtype
        try:
            return self.xp.from_dlpack(array)
        except (BufferError, TypeError, RuntimeError):
            return self.xp.asarray(self._host_value(array), dtype=self._native(array.dtype))

    def from_dlpack(self, capsule: Any, index: int | None) -> Any:
        return self.xp.from_dlpack(capsule)

    def is_contiguous(self, x: Any) -> bool:
        try:
            return bool(np.from_dlpack(x).flags.c_contiguous)
        except (BufferError, TypeError, RuntimeError, ValueError):
            return True

    def ascontiguous(self, x: Any) -> Any:
        # NOTE: flattening reads the elements in C order, into a new array when x is a view
        return x if self.is_contiguous(x) else self.xp.reshape(self.xp.reshape(x, (-1,)), x.shape)

    def shares_memory(self, a: Any, b: Any) -> bool:
        """Whether arrays a and b may share memory (their host views overlap)."""
        try:
            return bool(np.shares_memory(np.from_dlpack(a), np.from_dlpack(b)))
        except (BufferError, TypeError, RuntimeError, ValueError):
            return False

    # --- random -------------------------------------------------------------------
    def make_generator(self, index: int | None, seed: int) -> Any:
        return HostGenerator(self, index, seed)

    # --- indexing, scatter and in-place writes ----------------------------------------
    def _parts(self, key: Any) -> list:
        """A NumPy indexing key as a list of parts: arrays native, lists and NumPy arrays converted,
        NumPy and 0-d integers as Python ints."""
        parts = []
        for part in key if isinstance(key, tuple) else (key,):
            if isinstance(part, (list, np.ndarray)):
                part = self._array(np.asarray(part))
            elif isinstance(part, np.integer):
                part = int(part)
            elif isinstance(part, np.bool_):
                part = self.xp.asarray(bool(part))
            parts.append(part)
        return parts

    def _is_array(self, part: Any) -> bool:
        return isinstance(part, self.ndarray) and not (part.ndim == 0 and self.xp.isdtype(part.dtype, "integral"))

    def _basic(self, x: Any, parts: list) -> Any:
        """x indexed by basic parts (ints, slices, None, Ellipsis), spelled as the standard wants them."""
        return x[self._basic_key(x, parts)]

    def _basic_key(self, x: Any, parts: list) -> tuple:
        """Basic parts as the standard takes them: every axis named (the ellipsis expanded) and every
        slice within its axis (NumPy clips out-of-range bounds; the standard leaves them undefined)."""
        parts = [int(p) if isinstance(p, self.ndarray) else p for p in parts]
        named = sum(1 for p in parts if p is not None and p is not Ellipsis)
        at = next((i for i, p in enumerate(parts) if p is Ellipsis), len(parts))
        parts[at : at + 1] = [slice(None)] * (x.ndim - named)
        key, axis = [], 0
        for part in parts:
            if isinstance(part, slice):
                part = _within(part, x.shape[axis])
            key.append(part)
            axis += part is not None
        return tuple(key)

    def getitem(self, x: Any, key: Any) -> Any:
        parts = self._parts(key)
        if not any(self._is_array(p) for p in parts):
            return self._basic(x, parts)
        return self._advanced(x, parts)

    def _advanced(self, x: Any, parts: list) -> Any:
        """NumPy's advanced indexing from standard functions: masks become their nonzero positions, the
        basic parts apply first, then the indexed axes gather as one flattened axis with ``take``."""
        xp = self.xp
        expanded = []
        for part in parts:
            if isinstance(part, self.ndarray) and xp.isdtype(part.dtype, "bool"):
                expanded.extend(xp.nonzero(part) if part.ndim else [xp.asarray(part, dtype=self._default_int)])
            elif isinstance(part, int) and not isinstance(part, bool):
                expanded.append(xp.asarray(part, dtype=self._default_int))  # an int beside arrays indexes like one
            else:
                expanded.append(part)
        if any(p is Ellipsis for p in expanded):
            at = next(i for i, p in enumerate(expanded) if p is Ellipsis)
            named = sum(1 for p in expanded if p is not None and p is not Ellipsis)
            expanded[at : at + 1] = [slice(None)] * (x.ndim - named)
        named = sum(1 for p in expanded if p is not None)
        expanded += [slice(None)] * (x.ndim - named)
        # Basic parts first: arrays stand as full slices, and their axes are tracked.
        basic, axes, arrays, axis, source = [], [], [], 0, 0
        for part in expanded:
            if isinstance(part, self.ndarray):
                basic.append(slice(None))
                axes.append(axis)
                arrays.append(part)
                axis += 1
            else:
                basic.append(_within(part, x.shape[source]) if isinstance(part, slice) else part)
                axis += 0 if part is not None and not isinstance(part, slice) else 1
            source += part is not None
        y = x[tuple(basic)] if basic else x
        adjacent = axes == list(range(axes[0], axes[0] + len(axes)))
        others = [a for a in range(y.ndim) if a not in axes]
        moved = xp.permute_dims(y, tuple(axes + others))
        lead = tuple(y.shape[a] for a in axes)
        flat_y = xp.reshape(moved, (math.prod(lead), *(y.shape[a] for a in others)))
        index_shape = xp.broadcast_shapes(*(a.shape for a in arrays))
        flat = self._linear(arrays, lead)
        taken = xp.take(flat_y, flat, axis=0)
        result = xp.reshape(taken, (*index_shape, *(y.shape[a] for a in others)))
        if adjacent and axes[0] > 0:
            k = len(index_shape)
            start = axes[0]
            order = list(range(k, k + start)) + list(range(k)) + list(range(k + start, result.ndim))
            result = xp.permute_dims(result, tuple(order))
        return result

    def _positions(self, x: Any, key: Any) -> Any:
        """The flat positions in x that `key` picks, shaped as ``x[key]``."""
        grid = self.xp.reshape(self.xp.arange(x.size, dtype=self._default_int), x.shape)
        return self.getitem(grid, key)

    def _scatter(self, x: Any, positions: Any, values: Any, accumulate: bool) -> None:
        """Write values at flat positions of x, in place: summed where positions repeat (accumulate),
        else the last write wins, as in NumPy. A one-hot match of positions against x's elements
        (memory: positions times elements) stands in for the scatter the standard lacks."""
        xp = self.xp
        flat = xp.reshape(positions, (-1,))
        values = self._array(values, like=x)
        values = xp.reshape(xp.broadcast_to(values, positions.shape), (-1,))
        whole = xp.reshape(x, (-1,))
        if flat.shape[0] == 0:
            return
        if flat.shape[0] * x.size > _ONE_HOT_LIMIT:
            x[...] = xp.reshape(self._sorted_scatter(whole, flat, values, accumulate), x.shape)
            return
        hits = self._onehot(flat, x.size)
        if accumulate:
            work = x.dtype if not xp.isdtype(x.dtype, "bool") else self._default_int
            sums = xp.matmul(xp.reshape(xp.astype(values, work), (1, -1)), xp.astype(hits, work))
            updated = xp.astype(xp.astype(whole, work) + xp.reshape(sums, (-1,)), x.dtype)
        else:
            zero = xp.zeros((), dtype=self._default_int)
            order = xp.reshape(xp.arange(1, flat.shape[0] + 1, dtype=self._default_int), (-1, 1))
            last = xp.max(xp.where(hits, order, zero), axis=0)
            written = last > 0
            picked = xp.take(xp.astype(values, x.dtype), xp.where(written, last - 1, zero), axis=0)
            updated = xp.where(written, picked, whole)
        x[...] = xp.reshape(updated, x.shape)

    def _reduce_at(self, ufunc: str, x: Any, key: Any, values: Any) -> None:
        """NumPy's ``<ufunc>.at(x, key, values)``: x combined in place with every value aimed at each
        position, repeats included (a one-hot match, as in ``_scatter``)."""
        if ufunc == "add":
            return self.index_add(x, key, values)
        xp = self.xp
        positions = self._positions(x, key)
        flat = xp.reshape(positions, (-1,))
        if flat.shape[0] == 0:
            return None
        values = xp.astype(self._array(values, like=x), x.dtype)
        values = xp.reshape(xp.broadcast_to(values, positions.shape), (-1, 1))
        hits = self._onehot(flat, x.size)
        if ufunc == "multiply":
            identity = xp.asarray(1, dtype=x.dtype)
            reduced = xp.prod(xp.where(hits, values, identity), axis=0)
        else:
            larger = ufunc == "maximum"
            if xp.isdtype(x.dtype, "bool"):
                identity = xp.asarray(not larger)
            elif xp.isdtype(x.dtype, "real floating"):
                identity = xp.asarray(-math.inf if larger else math.inf, dtype=x.dtype)
            else:
                info = xp.iinfo(x.dtype)
                identity = xp.asarray(info.min if larger else info.max, dtype=x.dtype)
            reduced = (
                self.max(xp.where(hits, values, identity), 0)
                if larger
                else self.min(xp.where(hits, values, identity), 0)
            )
        whole = xp.reshape(x, (-1,))
        combined = getattr(self, ufunc)(whole, reduced)
        x[...] = xp.reshape(xp.where(xp.any(hits, axis=0), combined, whole), x.shape)
        return None

    def _sorted_scatter(self, whole: Any, flat: Any, values: Any, accumulate: bool) -> Any:
        """``_scatter`` for many positions into a large array (memory: positions plus elements): positions
        sorted (stably), each element's run of writes found by ``searchsorted``; a run's sum is a difference
        of running sums, its last write the run's last element."""
        xp, integer = self.xp, self._default_int
        order = xp.argsort(flat, stable=True)
        ordered = xp.take(flat, order, axis=0)
        grid = xp.arange(whole.shape[0], dtype=integer)
        start = xp.astype(xp.searchsorted(ordered, grid, side="left"), integer)
        stop = xp.astype(xp.searchsorted(ordered, grid, side="right"), integer)
        written = stop > start
        if accumulate:
            work = whole.dtype if not xp.isdtype(whole.dtype, "bool") else integer
            running = xp.cumulative_sum(xp.take(xp.astype(values, work), order, axis=0), include_initial=True)
            sums = xp.take(running, stop, axis=0) - xp.take(running, start, axis=0)
            return xp.astype(xp.astype(whole, work) + sums, whole.dtype)
        last = xp.where(written, stop - 1, xp.zeros((), dtype=integer))
        picked = xp.take(xp.astype(xp.take(values, order, axis=0), whole.dtype), last, axis=0)
        return xp.where(written, picked, whole)

    def setitem(self, x: Any, key: Any, value: Any) -> None:
        parts = self._parts(key)
        if isinstance(value, self.ndarray):
            if value.dtype != x.dtype:
                value = self.xp.astype(value, x.dtype)
        elif isinstance(value, (np.ndarray, np.generic)):
            value = self.xp.astype(self._array(value), x.dtype)
        else:
            value = self.xp.asarray(value, dtype=x.dtype)
        if not any(self._is_array(p) for p in parts):
            key = self._basic_key(x, parts)
            if None in key:  # NOTE: the standard writes through no new axis: drop them, and value's size-1 axes
                region = x[key].shape
                key = tuple(p for p in key if p is not None)
                value = self.xp.reshape(self.xp.broadcast_to(value, region), x[key].shape)
            x[key] = value
            return
        self._scatter(x, self._positions(x, tuple(parts)), value, accumulate=False)

    def copy_into(self, dst: Any, src: Any) -> None:
        src = self._array(src) if not isinstance(src, self.ndarray) else src
        if src.dtype != dst.dtype:
            src = self.xp.astype(src, dst.dtype)
        dst[...] = src

    def _linear(self, parts: list, lead: tuple) -> Any:
        """Integer index arrays over the leading axes `lead` as one flat (row-major) position each."""
        xp = self.xp
        parts = list(xp.broadcast_arrays(*parts))
        flat = xp.zeros(parts[0].shape, dtype=self._default_int)
        for part, n in zip(parts, lead):
            part = xp.astype(part, self._default_int)
            flat = flat * n + xp.where(part < 0, part + n, part)
        return xp.reshape(flat, (-1,))

    def _onehot(self, flat: Any, rows: int) -> Any:
        """A bool (len(flat), rows) matrix: True where row r is flat position k."""
        xp = self.xp
        return xp.reshape(flat, (-1, 1)) == xp.reshape(xp.arange(rows, dtype=self._default_int), (1, -1))

    def index_add(self, target: Any, index: Any, values: Any) -> None:
        self._scatter(target, self._positions(target, index), values, accumulate=True)

    def take_along_axis(self, x: Any, index: Any, axis: int) -> Any:
        return self.xp.take_along_axis(x, self._array(index), axis=axis)

    def put_along_axis(self, x: Any, index: Any, values: Any, axis: int) -> None:
        """NumPy's put_along_axis (the last write wins where an index repeats). Each line along `axis`
        matches its own indices (memory: indices times the line's length), not every element of x."""
        xp, integer = self.xp, self._default_int
        axis %= x.ndim
        index = xp.astype(self._array(index), integer)
        shape = tuple(index.shape[a] if a == axis else x.shape[a] for a in range(x.ndim))
        if math.prod(shape) == 0:
            return
        order = [a for a in range(x.ndim) if a != axis] + [axis]  # the axis last
        back = tuple(order.index(a) for a in range(x.ndim))
        length, count = x.shape[axis], shape[axis]
        index = xp.permute_dims(xp.broadcast_to(index, shape), tuple(order))
        index = xp.where(index < 0, index + length, index)
        zero = xp.zeros((), dtype=integer)
        values = xp.broadcast_to(xp.astype(self._array(values, like=x), x.dtype), shape)
        hits = xp.expand_dims(index, axis=-1) == xp.arange(length, dtype=integer)  # (..., count, length)
        turn = xp.reshape(xp.arange(1, count + 1, dtype=integer), (count, 1))
        last = xp.max(xp.where(hits, turn, zero), axis=-2)  # the last write, 1-based
        written = last > 0
        picked = xp.take_along_axis(xp.permute_dims(values, tuple(order)), xp.where(written, last - 1, zero), axis=-1)
        x[...] = xp.permute_dims(xp.where(written, picked, xp.permute_dims(x, tuple(order))), back)

    def nonzero(self, x: Any) -> tuple:
        x = self._array(x)
        if x.ndim == 0:
            x = self.xp.reshape(x, (1,))
            return (self.xp.nonzero(x)[0][:0] if not bool(x[0]) else self.xp.zeros((1,), dtype=self._default_int),)
        return self.xp.nonzero(x)

    def pad(self, x: Any, widths: Any, value: Any) -> Any:
        """Constant padding: a filled array of the padded shape with x written into its middle."""
        widths = [tuple(w) for w in widths]
        shape = tuple(n + before + after for n, (before, after) in zip(x.shape, widths))
        if isinstance(value, np.generic):
            value = value.item()
        out = self.xp.full(shape, value, dtype=x.dtype)
        out[tuple(slice(before, before + n) for n, (before, _) in zip(x.shape, widths))] = x
        return out


def _within(part: slice, n: int) -> slice:
    """A slice picking what `part` picks from an axis of n elements, with bounds inside the axis."""
    start, stop, step = part.indices(n)
    count = len(range(start, stop, step))
    if count == 0:
        return slice(0, 0, 1)
    last = start + (count - 1) * step
    if step > 0:
        return slice(start, last + 1, step)
    return slice(start, last - 1 if last > 0 else None, step)


class HostGenerator:
    """A seeded random stream drawn on the host (NumPy's PCG64) and handed to the backend's namespace."""

    def __init__(self, backend: ArrayAPIBackend, index: int | None, seed: int) -> None:
        self._backend, self._index = backend, index
        self._host = NumpyGenerator(seed)

    def _native(self, array: Any) -> Any:
        return self._backend.from_numpy(np.asarray(array, order="C"), self._index)  # NOTE: 0-d stays 0-d

    def seed(self, seed: int) -> None:
        self._host.seed(seed)

    def get_state(self) -> dict:
        return self._host.get_state()

    def set_state(self, state: dict) -> None:
        self._host.set_state(state)

    def uniform(self, shape: tuple, low: float, high: float, dtype: Any) -> Any:
        return self._native(self._host.uniform(shape, low, high, dtype))

    def normal(self, shape: tuple, mean: float, std: float, dtype: Any) -> Any:
        return self._native(self._host.normal(shape, mean, std, dtype))

    def integers(self, low: int, high: int, shape: tuple, dtype: Any) -> Any:
        return self._native(self._host.integers(low, high, shape, dtype))

    def permutation(self, n: int) -> Any:
        return self._native(self._host.permutation(n))

    def bernoulli(self, p: Any, shape: tuple) -> Any:
        """A bool array of `shape`, each True with probability `p`."""
        return self._native(self._host.bernoulli(p, shape))


_documented_by_the_contract(ArrayAPIBackend, Backend)
_documented_by_the_contract(HostGenerator, NativeGenerator)
