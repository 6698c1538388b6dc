"""The NumPy backend: core's NumPy-like base with host-native details."""

from __future__ import annotations

import os
import threading
import weakref
from typing import Any

import numpy as np
from ember import _dtype
from ember.backends import NumpyLikeBackend


def _bfloat16() -> np.dtype | None:
    """ml_dtypes' bfloat16 NumPy dtype, if ml_dtypes keeps it under a Python float (``x + 1.5``) as PyTorch does."""
    try:
        import ml_dtypes
    except ImportError:
        return None
    native = np.dtype(ml_dtypes.bfloat16)
    # NOTE: before ml_dtypes 0.7 a Python float widened a bfloat16 array to float32
    return native if (np.ones(1, native) + 1.5).dtype == native else None


# NOTE: NumPy has no bfloat16; ml_dtypes gives NumPy one, which ember.bfloat16 tensors hold here.
_BF16 = _bfloat16()
_F32 = np.dtype(np.float32)
_NDARRAY = np.ndarray
# NOTE: the native integer dtypes (a set test, cheaper than reading dtype.kind); others index as x[key], with the same rows
_INTEGER_DTYPES = frozenset(np.dtype(code) for code in np.typecodes["AllInteger"])
_BACKENDS: weakref.WeakSet = weakref.WeakSet()
_LOCK = threading.Lock()
_GIVEN = [False]  # set for good once ember has bfloat16


def _give_bfloat16() -> None:
    """Give ember its bfloat16 (on its first need: see ember._dtype.load_host_dtypes), widening first the
    kernels below in every backend: until then no array is bfloat16, and they are NumPy's own."""
    with _LOCK:
        if _GIVEN[0]:
            return
        for backend in tuple(_BACKENDS):
            backend._widen_bfloat16()
        _GIVEN[0] = True
        _dtype.register_host_dtype(_dtype.bfloat16, _BF16)


if _BF16 is not None:
    _dtype.HOST_DTYPE_LOADERS.append(_give_bfloat16)
#: Kernels that compute bfloat16 in float32 and round the result once, as PyTorch's CPU kernels do
#: (float32 accumulation in sums, running products and matrix products; prod rounds at each step, as
#: there). ml_dtypes also has no einsum, and gives float32 from matmul and clip.
_WIDENED = ("matmul", "einsum", "clip", "sum", "mean", "var", "std", "cumsum", "cumprod")
_WIDENED_OPTIONAL = ("fused_softmax", "fused_log_softmax", "sum_of_squares")

_add_reduce = np.add.reduce
_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")


class NumpyBackend(NumpyLikeBackend):
    """Serves "cpu" with NumPy arrays; they are the host arrays, so transfers are free."""

    name = "numpy"
    device_type = "cpu"
    distribution = "ember-numpy"

    def __init__(self) -> None:
        super().__init__(np)
        # NOTE: PyTorch computes log(0), 1/0 and overflow silently (inf/nan); so do ember's kernels.
        np.seterr(divide="ignore", invalid="ignore", over="ignore", under="ignore")
        with _LOCK:
            _BACKENDS.add(self)
            if _GIVEN[0]:
                self._widen_bfloat16()

    def _widen_bfloat16(self) -> None:
        for name in _WIDENED + _WIDENED_OPTIONAL:
            if hasattr(self, name):
                setattr(self, name, _in_float32(getattr(self, name), 1 if name == "einsum" else 0))

    def to_numpy(self, x: Any) -> np.ndarray:
        return x

    def from_numpy(self, array: np.ndarray, index: int | None) -> np.ndarray:
        return array

    def sum(self, x: Any, axis=None, keepdims: bool = False, dtype=None) -> Any:
        """The reduction ndarray.sum calls (np.add.reduce), without its two Python wrappers: the same bits."""
        return _add_reduce(x, axis, dtype, None, keepdims)

    def matmul(self, x: np.ndarray, y: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """np.matmul; two contiguous real float matrices of one dtype go through ndarray.dot, the same BLAS
        product bit for bit, without the matmul ufunc's dispatch (about 0.4 us of each small product)."""
        if (
            x.ndim == 2
            and y.ndim == 2
            and x.dtype is y.dtype
            and x.dtype.char in "fd"
            and x.flags.forc
            and y.flags.forc
        ):
            return x.dot(y) if out is None else x.dot(y, out)
        return np.matmul(x, y) if out is None else np.matmul(x, y, out)

    def getitem(self, x: np.ndarray, key: Any) -> np.ndarray:
        if type(key) is _NDARRAY and key.dtype in _INTEGER_DTYPES and x.ndim:
            return x.take(key, 0)  # NOTE: the same rows as x[key], several times faster
        return x[key]

    def fused_log_softmax(self, x: np.ndarray, axis: int) -> np.ndarray:
        shifted = x - x.max(axis=axis, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))

    def describe(self) -> dict[str, str]:
        """NumPy, its BLAS library and BLAS threads (they decide the speed of large matrix products), and
        what gives bfloat16."""
        return {"numpy": np.__version__, **_blas_in_use(), "bfloat16": _bfloat16_source()}


def _bfloat16_source() -> str:
    if _BF16 is None:
        return "not available (pip install 'ml_dtypes>=0.7')"
    import ml_dtypes

    return f"ml_dtypes {ml_dtypes.__version__}"


def _widen(value: Any) -> Any:
    return value.astype(_F32) if getattr(value, "dtype", None) is _BF16 else value


def _in_float32(kernel, operand: int = 0):
    """kernel, computing on bfloat16 arrays in float32 and giving bfloat16 (other dtypes pass through).

    Operands share a dtype when a kernel is called (ops promote first): the one at `operand` (einsum's
    first array follows its subscripts) says which way to go, with one comparison on the common path.
    """

    def widened(*args, **kwargs):
        if getattr(args[operand], "dtype", None) is not _BF16:
            return kernel(*args, **kwargs)
        if kwargs.get("dtype") is not None:  # NOTE: an asked-for dtype is the result's
            return kernel(*map(_widen, args), **kwargs)
        result = kernel(*map(_widen, args), **kwargs)
        return result.astype(_BF16) if isinstance(result, np.ndarray | np.generic) else result

    widened.__name__ = getattr(kernel, "__name__", "kernel")
    widened.__doc__ = kernel.__doc__
    # NOTE: what a caller that knows its operands' dtypes may skip (ember.compile's replay): for an
    # operand at `widened_operand` of any dtype but `widened_dtype`, widened(...) is __wrapped__(...)
    widened.__wrapped__ = kernel
    widened.widened_dtype = _BF16
    widened.widened_operand = operand
    return widened


def _blas_in_use() -> dict[str, str]:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return _blas_from_build()
    for pool in threadpool_info():
        if pool.get("user_api") == "blas":
            return {
                "blas": f"{pool.get('internal_api')} {pool.get('version')} ({os.path.basename(pool['filepath'])})",
                "blas threads": str(pool.get("num_threads")),
            }
    return _blas_from_build()


def _blas_from_build() -> dict[str, str]:
    """NumPy's build record, when threadpoolctl cannot look inside the running process."""
    config = np.show_config(mode="dicts")
    blas = config.get("Build Dependencies", {}).get("blas", {})
    info = {"blas": f"{blas.get('name', 'unknown')} {blas.get('version', '')}".strip()}
    for variable in _THREAD_VARIABLES:
        if os.environ.get(variable):
            info["blas threads"] = f"{os.environ[variable]} (from {variable})"
            return info
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    info["blas threads"] = f"{cores} (one per core, the BLAS default; pip install threadpoolctl to confirm)"
    return info
