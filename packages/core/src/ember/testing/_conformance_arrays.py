"""The conformance suite's checks of native arrays: the NumPy-like surface ember's core and
ember-nn use on them directly, besides the backend's kernels.

:data:`ARRAY_SURFACE` names each member with what ember uses it for; the backend contract
page renders it. Mixed into :class:`ember.testing.conformance.BackendConformance`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pytest

from ember.backends import ArrayAPIBackend

from ._conformance_cases import difference


class ArrayMember(NamedTuple):
    used_for: str
    check: Callable  # check(backend, native, host, x) with x = native(REFERENCE); raises AssertionError
    #: only NumPy-like arrays need it: a backend built on ArrayAPIBackend goes without
    numpy_like: bool = False


REFERENCE = np.arange(12.0, dtype=np.float32).reshape(3, 4) - 4.5


def _same(got, expected, what: str, host) -> None:
    problem = difference(np.asarray(host(got)), np.asarray(expected))
    assert problem is None, f"{what}: {problem}"


def _check_shape(backend, native, host, x) -> None:
    assert x.shape == (3, 4) and type(x.shape) is tuple, f"shape is {x.shape!r}, not the tuple (3, 4)"
    assert x.ndim == 2 and x.size == 12, f"ndim {x.ndim}, size {x.size}: expected 2 and 12"


def _check_dtype(backend, native, host, x) -> None:
    assert backend.dtypes[x.dtype].name == "float32", f"dtypes[{x.dtype!r}] is not ember.float32"
    assert backend.dtypes[native(np.zeros(2, np.int8)).dtype].name == "int8"


def _check_numpy_dtype(backend, native, host, x) -> None:
    assert x.dtype == np.float32, f"dtype {x.dtype!r} does not equal numpy.float32"
    assert x.dtype.kind == "f" and x.dtype.itemsize == 4, "dtype.kind and dtype.itemsize must be NumPy's"


def _check_strides(backend, native, host, x) -> None:
    assert x.strides == REFERENCE.strides, f"strides {x.strides}, NumPy gives {REFERENCE.strides} (bytes)"
    transposed = backend.permute(x, (1, 0))
    assert transposed.strides == REFERENCE.T.strides, f"strides of a transposed view: {transposed.strides}"
    assert x.flags.c_contiguous and not transposed.flags.c_contiguous, "flags.c_contiguous must tell the layout"


def _check_astype(backend, native, host, x) -> None:
    converted = x.astype(np.int16)
    _same(converted, REFERENCE.astype(np.int16), "x.astype(numpy.int16)", host)
    same = x.astype(np.float32, copy=False)
    _same(same, REFERENCE, "x.astype(numpy.float32, copy=False)", host)


def _check_copy(backend, native, host, x) -> None:
    duplicate = x.copy()
    duplicate[0, 0] = 100.0
    _same(x, REFERENCE, "x after writing into x.copy()", host)


def _check_view(backend, native, host, x) -> None:
    _same(x.view(np.int32), REFERENCE.view(np.int32), "x.view(numpy.int32)", host)


def _check_reshape_transpose(backend, native, host, x) -> None:
    _same(x.reshape(2, 6), REFERENCE.reshape(2, 6), "x.reshape(2, 6)", host)
    _same(x.reshape((4, -1)), REFERENCE.reshape(4, -1), "x.reshape((4, -1))", host)
    _same(x.transpose(1, 0), REFERENCE.T, "x.transpose(1, 0)", host)
    _same(x.T, REFERENCE.T, "x.T", host)


def _check_methods(backend, native, host, x) -> None:
    _same(x.sum(axis=0, keepdims=True), REFERENCE.sum(axis=0, keepdims=True), "x.sum(axis=0, keepdims=True)", host)
    assert float(x.max()) == REFERENCE.max() and float(x.min()) == REFERENCE.min(), "x.max() and x.min()"
    assert x[1:2, 2:3].item() == REFERENCE[1, 2] and x.tolist() == REFERENCE.tolist(), "x.item() and x.tolist()"
    filled = native(np.zeros(3, np.float32))
    filled.fill(2.5)
    _same(filled, np.full(3, 2.5, np.float32), "x.fill(2.5)", host)


def _check_operators(backend, native, host, x) -> None:
    y = native(np.arange(4.0, dtype=np.float32) + 1)
    r, s = REFERENCE, np.arange(4.0, dtype=np.float32) + 1
    for what, got, expected in [
        ("x + y", x + y, r + s),
        ("x - y", x - y, r - s),
        ("x * y", x * y, r * s),
        ("x / y", x / y, r / s),
        ("x ** 2", x**2, r**2),
        ("-x", -x, -r),
        ("x > y", x > y, r > s),
        ("x == y", x == y, r == s),
        ("1 - x", 1 - x, 1 - r),
    ]:
        _same(got, expected, what, host)
    z = native(REFERENCE)
    z += y
    _same(z, r + s, "z += y (in place)", host)


def _check_indexing(backend, native, host, x) -> None:
    _same(x[:, ::-1], REFERENCE[:, ::-1], "x[:, ::-1]", host)
    _same(x[1], REFERENCE[1], "x[1]", host)
    _same(x[x > 0], REFERENCE[REFERENCE > 0], "x[x > 0]", host)
    z = native(REFERENCE)
    z[0, 1:3] = 7.0
    expected = REFERENCE.copy()
    expected[0, 1:3] = 7.0
    _same(z, expected, "z[0, 1:3] = 7.0", host)


def _check_dlpack(backend, native, host, x) -> None:
    assert callable(getattr(x, "__dlpack__", None)), "native arrays need __dlpack__ (ember.utils.dlpack, from_dlpack)"
    assert callable(getattr(x, "__dlpack_device__", None)), "native arrays need __dlpack_device__"


#: What ember uses on native arrays directly, member by member. The members marked NumPy-like
#: are what ops beyond the protocol (through ``backend.xp``) still use; a backend built on
#: :class:`ember.backends.ArrayAPIBackend` goes without them, and those ops are unsupported on it.
ARRAY_SURFACE: dict[str, ArrayMember] = {
    "shape, ndim, size": ArrayMember("every shape check and broadcast", _check_shape),
    "dtype": ArrayMember("a key of the backend's ``dtypes``: ember reads each result's dtype there", _check_dtype),
    "operators": ArrayMember("arithmetic inside ops and gradients (``+ - * / ** > ==``, ``+=``)", _check_operators),
    "__dlpack__, __dlpack_device__": ArrayMember("DLPack export", _check_dlpack),
    "NumPy dtype": ArrayMember("ops beyond the protocol compare dtypes with NumPy's", _check_numpy_dtype, True),
    "strides, flags.c_contiguous": ArrayMember("views, ``Tensor.stride()``, ``is_contiguous()``", _check_strides, True),
    "astype(dtype, copy=True)": ArrayMember("ops beyond the protocol, ``Tensor.to(dtype)``", _check_astype, True),
    "copy()": ArrayMember("ops beyond the protocol", _check_copy, True),
    "view(dtype)": ArrayMember("``Tensor.view(dtype)``", _check_view, True),
    "reshape, transpose, T": ArrayMember("shape changes inside ops and gradients", _check_reshape_transpose, True),
    "sum, max, min, item, tolist, fill": ArrayMember("reductions inside ops, printing", _check_methods, True),
    "indexing": ArrayMember("NumPy's rules: basic (views), advanced and boolean keys, writes", _check_indexing, True),
}


class ArrayChecks:
    """The native array surface: one test per entry of :data:`ARRAY_SURFACE`."""

    @pytest.mark.parametrize("member", list(ARRAY_SURFACE))
    def test_native_array(self, backend, native, host, member) -> None:
        if ARRAY_SURFACE[member].numpy_like and isinstance(backend, ArrayAPIBackend):
            pytest.skip(f"{member}: NumPy-like arrays only (the backend is an ArrayAPIBackend)")
        ARRAY_SURFACE[member].check(backend, native, host, native(REFERENCE))
