"""The conformance suite's layout checks: kernels on 0-d arrays, empty arrays, views that are
not contiguous (transposed, stepped, flipped, broadcast), and with ``out=`` one of their inputs.

Tensors hold all of these: a loss is 0-d, a batch may be empty, ``t.T`` and ``t[:, ::2]``
are views, ``t.add_(u)`` writes into t's own (possibly strided) buffer. Mixed into
:class:`ember.testing.conformance.BackendConformance`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import numpy as np
import pytest

from ember.backends._protocol import KERNELS

from ._conformance_cases import (
    ALL,
    BINARY_DTYPES,
    NUMBERS,
    REDUCTION_DTYPES,
    UNARY_DTYPES,
    binary_operands,
    call_text,
    factors,
    numpy_kernel,
    reduction_dtype,
    reference,
    values,
)

UNARY = KERNELS["unary"]
BINARY = KERNELS["binary"]
SHAPE = (3, 4)

#: Views of SHAPE: (what, base shape, the view on the host, the same view made by the backend).
VIEWS: tuple[tuple[str, tuple, Callable, Callable], ...] = (
    ("transposed", (4, 3), lambda a: a.T, lambda b, x: b.permute(x, (1, 0))),
    ("stepped", (3, 8), lambda a: a[:, 1::2], lambda b, x: b.getitem(x, (slice(None), slice(1, None, 2)))),
    ("flipped", (3, 4), lambda a: a[::-1], lambda b, x: b.flip(x, 0)),
    ("broadcast", (1, 4), lambda a: np.broadcast_to(a, SHAPE), lambda b, x: b.broadcast_to(x, SHAPE)),
)


def _views(mismatches, make: Callable[[tuple], np.ndarray]) -> Iterator[tuple[str, np.ndarray, object]]:
    """(what, host view, native view) of SHAPE for each kind of view; `make(shape)` gives the base."""
    for what, shape, on_host, on_backend in VIEWS:
        base = make(shape)
        yield what, on_host(base), on_backend(mismatches.backend, mismatches.native(base))


def _same_dtype_result(name: str, *operands) -> bool:
    """Whether NumPy's result has the first operand's dtype (so ``out=`` it needs no cast)."""
    expected = reference(numpy_kernel(name), *operands)
    return not isinstance(expected, Exception) and expected.dtype == operands[0].dtype


class LayoutChecks:
    """Kernels on 0-d, empty and strided arrays, and writing through ``out=`` into an input."""

    # --- 0-d arrays ------------------------------------------------------------------------------
    @pytest.mark.parametrize("name", [*UNARY, *BINARY])
    def test_zero_dim(self, mismatches, name) -> None:
        """0-d arrays (a loss, ``t.sum()``), alone and with 1-d ones: the result is 0-d or 1-d."""
        if name in UNARY:
            for dtype in mismatches.supported(UNARY_DTYPES[name]):
                mismatches.kernel(name, values(dtype, ()))
        else:
            for dtype in mismatches.supported(BINARY_DTYPES[name]):
                a0, b0 = binary_operands(name, dtype, ((), ()))
                a1, b1 = binary_operands(name, dtype, ((3,), (3,)))
                for a, b in [(a0, b0), (a0, b1), (a1, b0)]:
                    mismatches.kernel(name, a, b)
        mismatches.check()

    @pytest.mark.parametrize("name", KERNELS["reduction"])
    def test_zero_dim_reductions(self, mismatches, name) -> None:
        """Reducing a 0-d array: over everything (``axis=None``) or over no axis (``axis=()``,
        what ``t.sum(0)`` on a 0-d tensor passes)."""
        for dtype in mismatches.supported(REDUCTION_DTYPES[name]):
            x = values(dtype, (), start=1)
            options = {"dtype": reduction_dtype(dtype)} if name in ("sum", "prod") else {}
            axes = (None,) if name.startswith("arg") else (None, ())  # argmax/argmin take one axis
            for axis, keepdims in itertools.product(axes, (False, True)):
                mismatches.kernel(name, x, axis=axis, keepdims=keepdims, **options)
        mismatches.check()

    # --- empty arrays ----------------------------------------------------------------------------
    def test_empty_elementwise(self, mismatches) -> None:
        for name in UNARY:
            for dtype in mismatches.supported(UNARY_DTYPES[name]):
                for shape in [(0,), (2, 0, 3)]:
                    mismatches.kernel(name, values(dtype, shape))
        for name in BINARY:
            for dtype in mismatches.supported(BINARY_DTYPES[name]):
                for shapes in [((0, 4), (4,)), ((2, 0, 1), (1, 3)), ((0,), ())]:
                    mismatches.kernel(name, *binary_operands(name, dtype, shapes))
        mismatches.check()

    def test_empty_reductions_and_scans(self, mismatches) -> None:
        """Over an empty extent sum is 0, prod 1, any False, all True; over the other axes
        every reduction gives an empty result."""
        for dtype in mismatches.supported(ALL):
            x = values(dtype, (0, 3))
            for name in ("sum", "prod", "any", "all"):
                options = {"dtype": reduction_dtype(dtype)} if name in ("sum", "prod") else {}
                for axis in (None, 0, 1):
                    mismatches.kernel(name, x, axis=axis, keepdims=False, **options)
            for name in ("max", "min", "argmax", "argmin"):
                mismatches.kernel(name, x, axis=1, keepdims=False)
            for name in KERNELS["scan"]:
                mismatches.kernel(name, x, axis=0, dtype=reduction_dtype(dtype))
        mismatches.check()

    def test_empty_shapes_and_products(self, mismatches) -> None:
        empty, full = np.zeros((2, 0, 3)), np.ones((2, 1, 3))
        mismatches.kernel("matmul", np.zeros((0, 3)), np.ones((3, 2)))
        mismatches.kernel("matmul", np.zeros((2, 0)), np.zeros((0, 3)))  # a sum over nothing: zeros
        mismatches.kernel("concat", [empty, full], axis=1)
        mismatches.kernel("stack", [empty, empty], axis=0)
        mismatches.kernel("reshape", empty, (0, 6))
        mismatches.kernel("reshape", empty, (3, -1))
        mismatches.kernel("broadcast_to", np.zeros((0, 1)), (0, 4))
        mismatches.kernel("permute", empty, (2, 0, 1))
        x = mismatches.native(np.arange(6.0))
        got = mismatches.backend.getitem(x, mismatches.native(np.zeros(0, np.int64)))
        mismatches.compare("getitem(float64[6], an empty int64 index)", got, np.zeros(0))
        mismatches.check()

    # --- views that are not contiguous -----------------------------------------------------------
    @pytest.mark.parametrize("name", [*UNARY, *BINARY])
    def test_non_contiguous(self, mismatches, name) -> None:
        """Kernels read views by their strides: ``t.T.exp()``, ``t[:, ::2] + u.flip(0)``."""
        if name in UNARY:
            for dtype in mismatches.supported(UNARY_DTYPES[name]):
                for view, on_host, on_backend in _views(mismatches, lambda shape, d=dtype: values(d, shape)):
                    mismatches.kernel_on(name, (on_host,), (on_backend,), views=f"a {view} view")
        else:
            for dtype in mismatches.supported(BINARY_DTYPES[name]):
                firsts = _views(mismatches, lambda shape, d=dtype: binary_operands(name, d, (shape, shape))[0])
                seconds = _views(mismatches, lambda shape, d=dtype: binary_operands(name, d, (shape, shape))[1])
                for (first, a, xa), (second, b, xb) in zip(firsts, reversed(list(seconds))):
                    mismatches.kernel_on(name, (a, b), (xa, xb), views=f"{first} and {second} views")
        mismatches.check()

    @pytest.mark.parametrize("name", [*KERNELS["reduction"], *KERNELS["scan"], "matmul"])
    def test_non_contiguous_reductions(self, mismatches, name) -> None:
        for dtype in mismatches.supported(REDUCTION_DTYPES.get(name, NUMBERS if name == "matmul" else ALL)):
            if name in ("prod", "cumprod"):
                make = lambda shape, d=dtype: factors(d, shape)
            else:
                make = lambda shape, d=dtype: values(d, shape, exact=True)
            for view, on_host, on_backend in _views(mismatches, make):
                views = f"a {view} view"
                if name == "matmul":
                    b = values(dtype, (4, 2), exact=True) % np.array(3, dtype)
                    mismatches.kernel_on(name, (on_host, b), (on_backend, mismatches.native(b)), views=views)
                elif name in KERNELS["scan"]:
                    options = {"axis": 1, "dtype": reduction_dtype(dtype)}
                    mismatches.kernel_on(name, (on_host,), (on_backend,), views=views, **options)
                else:
                    options = {"dtype": reduction_dtype(dtype)} if name in ("sum", "prod") else {}
                    for axis in (None, 0, 1):
                        options.update(axis=axis, keepdims=False)
                        mismatches.kernel_on(name, (on_host,), (on_backend,), views=views, **options)
        mismatches.check()

    # --- out= one of the inputs ------------------------------------------------------------------
    @pytest.mark.parametrize("name", [*UNARY, *BINARY])
    def test_out_aliases_an_input(self, mismatches, name) -> None:
        """``out=`` the input itself (``t.exp_()``, ``t.add_(u)``, ``t.mul_(t)``), contiguous or a
        strided view (``t.T.add_(1)`` writes through to t), as core calls it: ``casting="unsafe"``."""
        dtypes = mismatches.supported(UNARY_DTYPES[name] if name in UNARY else BINARY_DTYPES[name])
        for dtype in dtypes:
            if name in UNARY:
                x = values(dtype, SHAPE)
                if _same_dtype_result(name, x):
                    self._check_out(mismatches, name, x, lambda a: (a,))
            else:
                a, b = binary_operands(name, dtype, (SHAPE, SHAPE))
                if _same_dtype_result(name, a, b):
                    self._check_out(mismatches, name, a, lambda x, b=b: (x, b))  # x op= b
                    self._check_out(mismatches, name, b, lambda x, a=a: (a, x))  # out= the second operand
                    if name not in ("floor_divide", "remainder", "power") or dtype.kind == "f":
                        self._check_out(mismatches, name, a, lambda x: (x, x))  # x op= x
        mismatches.check()

    @staticmethod
    def _check_out(mismatches, name: str, target: np.ndarray, operands: Callable) -> None:
        """kernel(*operands(target), out=target) on a contiguous target and on a transposed view."""
        expected = target.copy()
        reference(numpy_kernel(name), *operands(expected), out=expected, casting="unsafe")
        kernel = getattr(mismatches.backend, name)
        for transposed in (False, True):
            base = np.ascontiguousarray(target.T) if transposed else target
            into = mismatches.native(base)
            view = mismatches.backend.permute(into, (1, 0)) if transposed else into
            native = tuple(view if o is target else mismatches.to_native(o) for o in operands(target))
            what = call_text(name, operands(target), {"out": "a transposed view" if transposed else "an input"})

            def write(native=native, view=view, into=into):
                kernel(*native, out=view, casting="unsafe")
                return into  # NOTE: the base: a write through the view must reach it

            mismatches.call(what, expected.T if transposed else expected, write)
