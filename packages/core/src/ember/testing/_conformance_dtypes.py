"""The conformance suite's dtype checks: every kernel on every dtype ember has, with the
operands core actually passes (Python scalars, mixed dtypes, NumPy scalars), against NumPy.

Mixed into :class:`ember.testing.conformance.BackendConformance`, whose ``mismatches``
fixture collects the differences (see :mod:`ember.testing._conformance_cases`).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from ember.backends._protocol import KERNELS

from ._conformance_cases import (
    ALL,
    AS_GIVEN,
    BINARY_DTYPES,
    FLOATS,
    IN_PLACE,
    KERNEL_DTYPES,
    REDUCTION_DTYPES,
    REFUSED,
    UNARY_DTYPES,
    binary_operands,
    call_text,
    describe,
    factors,
    kind,
    numpy_kernel,
    python_scalars,
    reduction_dtype,
    reference,
    reference_special,
    values,
)

AXES = (None, 0, -1, (0, 2))


class DtypeChecks:
    """Kernel results on every dtype: the same dtype and values as NumPy's."""

    # --- elementwise ----------------------------------------------------------------------
    @pytest.mark.parametrize("name", list(UNARY_DTYPES))
    def test_unary_every_dtype(self, mismatches, name) -> None:
        for dtype in mismatches.supported(UNARY_DTYPES[name]):
            x = values(dtype, (3, 4))
            if name in KERNELS["unary"]:
                mismatches.kernel(name, x)
            else:  # sigmoid and erf have no NumPy function of their name
                kernel = getattr(mismatches.backend, name)
                mismatches.call(call_text(name, [x]), reference_special(name, x), kernel, mismatches.to_native(x))
        mismatches.check()

    @pytest.mark.parametrize("name", list(BINARY_DTYPES))
    def test_binary_every_dtype(self, mismatches, name) -> None:
        for dtype in mismatches.supported(BINARY_DTYPES[name]):
            mismatches.kernel(name, *binary_operands(name, dtype))
        mismatches.check()

    @pytest.mark.parametrize("name", list(BINARY_DTYPES))
    def test_binary_python_scalars(self, mismatches, name) -> None:
        """``float16_tensor + 1`` passes ``add(array, 1)``: a Python scalar never widens the array
        (NumPy 2's rule, PyTorch's too); ``int_tensor < 2.5`` passes ``less(array, 2.5)``, which
        compares with 2.5, not with 2."""
        for dtype in mismatches.supported(BINARY_DTYPES[name]):
            a, b = binary_operands(name, dtype)
            for scalar in python_scalars(name, dtype):
                mismatches.kernel(name, a, scalar)
                mismatches.kernel(name, scalar, b)
        mismatches.check()

    @pytest.mark.parametrize("name", AS_GIVEN)
    def test_mixed_dtypes(self, mismatches, name) -> None:
        """Comparisons and logical kernels get the operands' own dtypes, any two of them."""
        for first, second in itertools.permutations(mismatches.supported(ALL), 2):
            mismatches.kernel(name, values(first, (2, 1, 4)), values(second, (3, 4), start=5))
        mismatches.check()

    @pytest.mark.parametrize("name", IN_PLACE)
    def test_in_place_mixed_dtypes(self, mismatches, name) -> None:
        """``x.add_(y)`` calls ``add(x, y, out=x, casting="unsafe")`` with y promoted: a wider
        dtype of x's kind (int8 += int64, float16 += float32) or a Python scalar of x's kind."""
        for target in mismatches.supported(BINARY_DTYPES[name]):
            wider = sorted(
                {np.promote_types(target, d) for d in mismatches.supported(ALL) if kind(d) == kind(target)},
                key=ALL.index,
            )
            x, _ = binary_operands(name, target, ((3, 4), (4,)))
            seconds = [binary_operands(name, dtype, ((3, 4), (4,)))[1] for dtype in wider]
            for y in seconds + list(python_scalars(name, target)):
                expected = x.copy()
                reference(numpy_kernel(name), expected, y, out=expected, casting="unsafe")
                into = mismatches.to_native(x)
                what = f"{name}(x, {describe(y)}, out=x, casting='unsafe') with x {target}"
                mismatches.call(what, expected, _written(mismatches.backend, name, into), mismatches.to_native(y))
        mismatches.check()

    @pytest.mark.parametrize("name", list(REFUSED))
    def test_refusals(self, mismatches, name) -> None:
        """Where NumPy raises TypeError (``-bool``, ``float & float``), core relies on the kernel doing so."""
        for dtype in mismatches.supported(REFUSED[name]):
            operands = [values(dtype, (3,))] * (1 if name in KERNELS["unary"] else 2)
            native = [mismatches.to_native(a) for a in operands]
            mismatches.refuses(call_text(name, operands), TypeError, getattr(mismatches.backend, name), *native)
        mismatches.check()

    def test_integer_overflow_wraps(self, mismatches) -> None:
        """Integer arithmetic wraps around, as in NumPy and PyTorch."""
        cases = [
            ("add", np.array([127, -128], np.int8), np.array([1, -1], np.int8)),
            ("subtract", np.array([0, 1], np.uint8), np.array([1, 3], np.uint8)),
            ("multiply", np.array([300, -300], np.int16), np.array([300, 300], np.int16)),
            ("add", np.array([250], np.uint8), 10),
        ]
        for name, a, b in cases:
            mismatches.kernel(name, a, b)
        mismatches.check()

    def test_python_int_out_of_range(self, mismatches, native) -> None:
        """``int8_tensor + 300``: the kernel raises OverflowError (core then wraps 300 into int8,
        as PyTorch does) or gives that wrapped result itself."""
        x = np.array([1, -5, 100], np.int8)
        wrapped = np.add(x, np.array(300).astype(np.int8))
        try:
            got = mismatches.backend.add(native(x), 300)
        except OverflowError:
            return
        mismatches.compare("add(int8[3], 300 (int))", got, wrapped)
        mismatches.check()

    @pytest.mark.parametrize("name", ["maximum", "minimum", "fmax", "fmin", "equal", "less", "greater_equal"])
    def test_nan(self, mismatches, name) -> None:
        """maximum/minimum propagate NaN, fmax/fmin ignore it; NaN compares unequal."""
        for dtype in mismatches.supported(FLOATS):
            a = np.array([np.nan, 1.0, np.nan, -np.inf, np.inf], dtype)
            b = np.array([2.0, np.nan, np.nan, 0.0, np.inf], dtype)
            mismatches.kernel(name, a, b)
            mismatches.kernel(name, a, 1.0)
        mismatches.check()

    def test_where_every_dtype(self, mismatches) -> None:
        """``where(condition, x, y)`` with x and y of one dtype, a NumPy scalar of it (as
        ``ember.where(c, t, 0)`` passes), or a Python number (as core's kernels pass)."""
        condition = np.array([[True, False, True, False]] * 3)
        for dtype in mismatches.supported(KERNEL_DTYPES["where"]):
            x, y = values(dtype, (3, 4)), values(dtype, (4,), start=3)
            number = dtype.type(1)
            for first, second in [(x, y), (number, y), (x, number), (number, dtype.type(0))]:
                mismatches.kernel("where", condition, first, second)
            if dtype.kind != "b":
                mismatches.kernel("where", condition, 0, x)
                mismatches.kernel("where", condition, x, 2.5 if dtype.kind == "f" else 2)
        mismatches.check()

    def test_clip_every_dtype(self, mismatches) -> None:
        """``clamp`` passes NumPy scalars of the tensor's dtype (or None, or arrays); with
        min > max every element becomes max, as NumPy's clip and PyTorch's clamp give."""
        for dtype in mismatches.supported(KERNEL_DTYPES["clip"]):
            x = values(dtype, (3, 4))
            low, high = dtype.type(1), dtype.type(3)
            for bounds in [(low, high), (low, None), (None, high), (high, low)]:
                mismatches.kernel("clip", x, *bounds)
            mismatches.kernel("clip", x, values(dtype, (4,), start=2), values(dtype, (3, 1), start=7))
        for dtype in mismatches.supported(FLOATS):
            mismatches.kernel("clip", np.array([np.nan, -1.0, 5.0], dtype), dtype.type(0), dtype.type(2))
        mismatches.check()

    # --- reductions, scans, matmul -----------------------------------------------------------
    @pytest.mark.parametrize("name", list(REDUCTION_DTYPES))
    def test_reduction_every_dtype(self, mismatches, name) -> None:
        """As core calls them: integers and bools sum in int64 (``dtype="int64"``), float16
        means accumulate in float32; argmax/argmin take one axis and give the first of ties."""
        for dtype in mismatches.supported(REDUCTION_DTYPES[name]):
            x = factors(dtype, (2, 3, 4)) if name == "prod" else values(dtype, (2, 3, 4), exact=True)
            for options in _reduction_options(name, dtype):
                for axis, keepdims in itertools.product(AXES, (False, True)):
                    if name.startswith("arg") and isinstance(axis, tuple):
                        continue
                    mismatches.kernel(name, x, axis=axis, keepdims=keepdims, **options)
        mismatches.check()

    @pytest.mark.parametrize("name", KERNELS["scan"])
    def test_scan_every_dtype(self, mismatches, name) -> None:
        """``bool_tensor.cumsum(0)`` passes ``dtype="int64"``: the kernel must honour it."""
        for dtype in mismatches.supported(KERNEL_DTYPES[name]):
            x = factors(dtype, (3, 4)) if name == "cumprod" else values(dtype, (3, 4), exact=True)
            for axis in (0, -1):
                mismatches.kernel(name, x, axis=axis, dtype=reduction_dtype(dtype))
        mismatches.check()

    def test_matmul_every_dtype(self, mismatches) -> None:
        for dtype in mismatches.supported(KERNEL_DTYPES["matmul"]):
            for shapes in [((3, 4), (4, 2)), ((2, 3, 4), (4,)), ((4,), (4,)), ((2, 1, 3), (3, 3, 2))]:
                a, b = values(dtype, shapes[0], exact=True), values(dtype, shapes[1], start=3, exact=True)
                if dtype.kind in "iu":
                    a, b = a % np.array(3, dtype), b % np.array(3, dtype)  # no overflow in int8 sums
                mismatches.kernel("matmul", a, b)
        mismatches.check()


def _written(backend, name: str, into):
    """kernel(into, y, out=into, casting="unsafe"), returning into: the in-place call core makes."""

    def run(y):
        getattr(backend, name)(into, y, out=into, casting="unsafe")
        return into

    return run


def _reduction_options(name: str, dtype: np.dtype) -> list[dict]:
    if name in ("sum", "prod"):
        options = [{"dtype": reduction_dtype(dtype)}]
        return options + ([{"dtype": "float32"}] if dtype == np.float16 else [])
    if name in ("var", "std"):
        return [{}, {"ddof": 1}]
    return [{}]
