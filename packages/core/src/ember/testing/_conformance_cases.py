"""What the conformance suite feeds the kernels, and how it compares their answers with NumPy's.

The tables here say which dtypes and which Python scalars each kernel must accept:
exactly what ember's core passes it (see ``ember.ops._dispatch``). The reference is
NumPy's function of the same name, called on the same operands: a kernel must give
the same dtype, the same shape and the same values (within the dtype's rounding).
The backend contract page of the documentation renders these tables.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ember.backends._protocol import KERNELS, NUMPY_NAMES

# --- dtypes ------------------------------------------------------------------------------

#: Every dtype ember has, as the NumPy dtypes native arrays carry.
ALL = tuple(np.dtype(name) for name in ("bool", "uint8", "int8", "int16", "int32", "int64"))
ALL += tuple(np.dtype(name) for name in ("float16", "float32", "float64"))
BOOL = (np.dtype(bool),)
INTEGERS = ALL[1:6]
FLOATS = ALL[6:]
NUMBERS = INTEGERS + FLOATS

TOLERANCE = {np.dtype(np.float16): 1e-3, np.dtype(np.float32): 2e-6, np.dtype(np.float64): 1e-12}

#: Comparisons and logical kernels: core passes them operands as they are (any two
#: dtypes, any Python scalar) and reads a bool result.
AS_GIVEN = tuple(name for name in KERNELS["binary"] if name.startswith(("equal", "not_equal", "less", "greater")))
AS_GIVEN += ("logical_and", "logical_or", "logical_xor")
#: Kernels core calls with ``out=`` its first operand and ``casting="unsafe"`` (``add_``,
#: ``sub_``, ``mul_``, ``div_``): the second operand may be a wider dtype of the same kind.
IN_PLACE = ("add", "subtract", "multiply", "true_divide")

#: The dtypes core passes each elementwise kernel (both operands of one dtype).
UNARY_DTYPES: dict[str, tuple[np.dtype, ...]] = {
    **dict.fromkeys((*KERNELS["unary"], "sigmoid", "erf"), FLOATS),  # exp, log, floor, ...: floats only
    **dict.fromkeys(("negative", "abs", "sign", "square"), NUMBERS),
    **dict.fromkeys(("logical_not", "isnan", "isinf", "isfinite"), ALL),
    "invert": BOOL + INTEGERS,
}
BINARY_DTYPES: dict[str, tuple[np.dtype, ...]] = {
    **dict.fromkeys(KERNELS["binary"], ALL),
    "subtract": NUMBERS,
    "power": NUMBERS,
    "true_divide": FLOATS,
    **dict.fromkeys(("bitwise_and", "bitwise_or", "bitwise_xor"), BOOL + INTEGERS),
}
#: Dtypes a kernel must refuse with TypeError, as NumPy does: core turns that into
#: PyTorch's error (``-bool_tensor``, ``float_tensor & 1``).
REFUSED: dict[str, tuple[np.dtype, ...]] = {
    "negative": BOOL,
    **dict.fromkeys(("bitwise_and", "bitwise_or", "bitwise_xor"), FLOATS),
}
REDUCTION_DTYPES: dict[str, tuple[np.dtype, ...]] = {
    **dict.fromkeys(KERNELS["reduction"], ALL),
    **dict.fromkeys(("mean", "var", "std"), FLOATS),
}
#: Every kernel the suite checks on more than one dtype, with the dtypes it checks.
KERNEL_DTYPES: dict[str, tuple[np.dtype, ...]] = {
    **UNARY_DTYPES,
    **BINARY_DTYPES,
    "where": ALL,
    "clip": NUMBERS,
    **REDUCTION_DTYPES,
    **dict.fromkeys(KERNELS["scan"], ALL),
    "matmul": NUMBERS,
}


def kind(dtype: np.dtype) -> str:
    """ "bool", "integer" or "floating": PyTorch's promotion categories."""
    return {"b": "bool", "u": "integer", "i": "integer", "f": "floating"}[dtype.kind]


def reduction_dtype(dtype: np.dtype) -> str | None:
    """The ``dtype=`` core passes ``sum``/``prod``/``cumsum``/``cumprod``: integers and bools accumulate in int64."""
    return None if dtype.kind == "f" else "int64"


# --- values ------------------------------------------------------------------------------

_POOLS = {
    "b": (True, False, True, True, False, True, False, False, True, False, False, True),
    "u": (0, 1, 2, 3, 5, 7, 9, 4, 6, 1, 8, 2),
    "i": (-7, -3, -2, -1, 0, 1, 2, 5, 3, -4, 6, 4),
    # 0.1 is inexact in every float dtype: a Python 0.1 equals float16(0.1) only when
    # compared in float16, as NumPy and PyTorch compare it.
    "f": (-2.5, -1.0, -0.5, 0.0, 0.1, 0.25, 1.0, 1.5, 3.0, 2.0, -0.75, 0.5),
}
#: Values whose sums and products are exact in float16, for reductions and scans.
_EXACT_FLOATS = (-2.5, -1.0, -0.5, 0.0, 0.75, 0.25, 1.0, 1.5, 3.0, 2.0, -0.75, 0.5)
_FACTORS = {"b": (True, True, False, True), "u": (1, 2, 1, 1, 3), "i": (1, -2, 1, 1, 2, -1), "f": (1.5, -0.5, 1.0, 2.0)}


def values(dtype: np.dtype, shape: tuple, start: int = 0, *, exact: bool = False) -> np.ndarray:
    """An array of `shape` cycling through values exact in `dtype`: zeros, negatives where
    the dtype has them, fractions in floats. `exact`: only values whose sums stay exact."""
    pool = _EXACT_FLOATS if exact and dtype.kind == "f" else _POOLS[dtype.kind]
    picked = [pool[(start + 5 * i) % len(pool)] for i in range(math.prod(shape))]
    return np.array(picked, dtype).reshape(shape)


def factors(dtype: np.dtype, shape: tuple) -> np.ndarray:
    """Values whose products stay small (for prod and cumprod)."""
    pool = _FACTORS[dtype.kind]
    return np.array([pool[i % len(pool)] for i in range(math.prod(shape))], dtype).reshape(shape)


SHAPE_A, SHAPE_B = (2, 1, 4), (3, 4)  # broadcast to (2, 3, 4)


def binary_operands(name: str, dtype: np.dtype, shapes: tuple = (SHAPE_A, SHAPE_B)) -> tuple[np.ndarray, np.ndarray]:
    """Two arrays of `dtype` in the kernel's domain; the second one is a safe right operand
    (no integer division by zero, no negative integer exponents)."""
    a, b = values(dtype, shapes[0]), values(dtype, shapes[1], start=5)
    if name in ("floor_divide", "remainder") and dtype.kind != "f":
        b = np.where(b == 0, np.ones((), dtype), b)
    if name == "power" and dtype.kind != "f":
        b = b % np.array(3, dtype)
    return a, b


def python_scalars(name: str, dtype: np.dtype) -> tuple:
    """The Python scalars core passes a binary kernel with an array of `dtype`.

    Comparisons and logical kernels get any scalar. Arithmetic gets one of the array's
    own kind (core converts it first), and a floating array any int or float (a Python
    number never changes a floating dtype, so core passes it as it is).
    """
    if name in AS_GIVEN:
        found = (True, 0, 2, -3, 2.5, -0.5, 0.1)
    elif dtype.kind == "f":
        found = (2, -3, 2.5, 0.1)
    elif dtype.kind == "b":
        found = (True, False)
    else:
        found = (2, 3, -3)
    if dtype.kind == "u":
        found = tuple(s for s in found if s >= 0)
    if name in ("floor_divide", "remainder") and dtype.kind != "f":
        found = tuple(s for s in found if s)
    if name == "power" and dtype.kind != "f":
        found = tuple(s for s in found if s >= 0)
    return found


def numpy_kernel(name: str) -> Callable:
    """NumPy's function for a protocol kernel: the reference the suite compares with."""
    return getattr(np, NUMPY_NAMES.get(name, name))


def reference(function: Callable, *args, **kwargs) -> Any:
    """NumPy's answer (an array, or the exception it raised); IEEE cases (x / 0) silently."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return np.asarray(function(*args, **kwargs))
        except Exception as error:  # noqa: BLE001 - the reference may refuse; the caller decides
            return error


def reference_special(name: str, x: np.ndarray) -> np.ndarray:
    """sigmoid or erf of x, computed in float64 and rounded to x's dtype."""
    wide = x.astype(np.float64)
    if name == "sigmoid":
        return np.exp(-np.logaddexp(0.0, -wide)).astype(x.dtype)
    return np.vectorize(math.erf, otypes=[np.float64])(wide).astype(x.dtype)


# --- comparing ---------------------------------------------------------------------------


def describe(value: Any) -> str:
    """An operand as a failure message names it: ``int8[2, 1, 4]``, ``2.5 (float)``."""
    if isinstance(value, np.ndarray):
        return f"{value.dtype}{list(value.shape)}"
    if isinstance(value, np.generic):
        return f"np.{value.dtype}({value.item()!r})"
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], np.ndarray):
        return "[" + ", ".join(describe(v) for v in value) + "]"
    return f"{value!r} ({type(value).__name__})" if isinstance(value, (bool, int, float)) else repr(value)


def call_text(name: str, args: Iterable, kwargs: dict | None = None) -> str:
    words = [describe(a) for a in args] + [f"{k}={v!r}" for k, v in (kwargs or {}).items()]
    return f"{name}({', '.join(words)})"


def difference(got: np.ndarray, expected: np.ndarray) -> str | None:
    """What differs between a result and NumPy's (None: nothing)."""
    if got.shape != expected.shape:
        return f"shape {got.shape}, NumPy gives {expected.shape}"
    if got.dtype != expected.dtype:
        return f"dtype {got.dtype}, NumPy gives {expected.dtype}"
    if expected.dtype.kind in "fc":
        tol = TOLERANCE[np.dtype(expected.real.dtype)]
        with np.errstate(all="ignore"):
            bad = ~np.isclose(got, expected, rtol=tol, atol=tol, equal_nan=True)
    else:
        bad = got != expected
    bad = np.asarray(bad)
    if not bad.any():
        return None
    where = tuple(int(i[0]) for i in np.nonzero(bad)) if bad.ndim else ()
    return (
        f"{int(bad.sum())} of {bad.size} values differ; at {list(where)}: {got[where]!r}, NumPy gives "
        f"{expected[where]!r}"
    )


class Mismatches:
    """Collects every way a backend differs from NumPy in one test, then fails listing them.

    `native(array)` and `host(native)` move arrays to the backend and back; kernel results
    that are not native arrays (NumPy scalars) are made arrays with ``backend.xp.asarray``,
    as core does.
    """

    SHOWN = 12

    def __init__(self, backend, native: Callable, host: Callable) -> None:
        self.backend, self.native, self.host, self.found = backend, native, host, []
        self.asked = 0  # results compared or refusals checked: a check that asks nothing fails

    def supported(self, dtypes: Iterable[np.dtype]) -> tuple[np.dtype, ...]:
        """The dtypes of `dtypes` that the backend has (its ``dtypes`` table): the suite checks no others."""
        have = {d.name for d in self.backend.dtypes.values()}
        return tuple(d for d in dtypes if d.name in have)

    def to_native(self, value: Any) -> Any:
        """Arrays (and lists of them) on the backend; scalars as they are."""
        if isinstance(value, np.ndarray):
            return self.native(value)
        if isinstance(value, list):
            return [self.to_native(v) for v in value]
        return value

    def result(self, value: Any) -> np.ndarray:
        if not isinstance(value, self.backend.ndarray):
            value = self.backend.xp.asarray(value)
        return self.host(value)

    def compare(self, what: str, got: Any, expected: np.ndarray) -> None:
        """A native result against NumPy's array."""
        self.asked += 1
        problem = difference(self.result(got), expected)
        if problem is not None:
            self.found.append(f"{what}: {problem}")

    def kernel(self, name: str, *args, **kwargs) -> None:
        """Kernel `name` on the operands (arrays moved to the backend) against NumPy on them."""
        self.kernel_on(name, args, tuple(self.to_native(a) for a in args), **kwargs)

    def kernel_on(self, name: str, host_args: tuple, native_args: tuple, *, views: str = "", **kwargs) -> None:
        """Kernel `name` on native operands against NumPy on the host operands with the same values
        (`views` says what kind of views they are, for the message).

        Where NumPy refuses the call, the kernel is not asked: core never makes it.
        """
        expected = reference(numpy_kernel(name), *host_args, **kwargs)
        if isinstance(expected, Exception):
            return
        what = call_text(name, host_args, kwargs) + (f" on {views}" if views else "")
        self.call(what, expected, getattr(self.backend, name), *native_args, **kwargs)

    def call(self, what: str, expected: np.ndarray, function: Callable, *args, **kwargs) -> None:
        try:
            got = function(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - reported with the others
            self.asked += 1
            self.found.append(f"{what}: raised {type(error).__name__}: {error}")
            return
        self.compare(what, got, expected)

    def refuses(self, what: str, error: type[Exception], function: Callable, *args, **kwargs) -> None:
        self.asked += 1
        try:
            function(*args, **kwargs)
        except error:
            return
        except Exception as other:  # noqa: BLE001
            self.found.append(f"{what}: raised {type(other).__name__}, NumPy raises {error.__name__}")
            return
        self.found.append(f"{what}: returned a result, NumPy raises {error.__name__} (core relies on it)")

    def require(self, condition: bool, problem: str) -> None:
        """A property that is not a value to compare (a device index, a dict's keys)."""
        self.asked += 1
        if not condition:
            self.found.append(problem)

    def check(self) -> None:
        assert self.asked, "this check compared nothing: its cases are all ones NumPy refuses"
        if self.found:
            shown = "\n  ".join(self.found[: self.SHOWN])
            more = len(self.found) - self.SHOWN
            tail = f"\n  ... and {more} more" if more > 0 else ""
            raise AssertionError(f"{len(self.found)} difference(s) from NumPy or the contract:\n  {shown}{tail}")
