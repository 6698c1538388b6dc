"""The conformance suite's kernel checks: every kernel of the protocol against NumPy's.

Mixed into :class:`ember.testing.conformance.BackendConformance`, which provides the
fixtures: ``backend``, ``index``, ``native(array)`` (host to native) and ``host(x)``
(native to host).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from ember.backends._protocol import KERNELS

from ._conformance_cases import difference, numpy_kernel, reference_special

SHAPE_A, SHAPE_B = (3, 1, 4), (5, 4)  # broadcast to (3, 5, 4)
POSITIVE_DOMAIN = {"log", "log2", "log10", "sqrt", "reciprocal"}
SPECIAL_VALUES = {"isnan", "isinf", "isfinite"}
INTEGER_BINARY = ("add", "subtract", "multiply", "floor_divide", "remainder", "maximum", "minimum")
SCALAR_BINARY = ("add", "subtract", "multiply", "true_divide", "power", "maximum", "minimum")
REDUCTION_CASES = [
    (name, axis)
    for name in KERNELS["reduction"]
    for axis in (None, 0, -1, (0, 2))
    if not (name in ("argmax", "argmin") and isinstance(axis, tuple))  # they take one axis
]


def assert_matches(actual: np.ndarray, expected, what: str) -> None:
    """Same shape, dtype and values (within the dtype's rounding; NaN equals NaN)."""
    problem = difference(np.asarray(actual), np.asarray(expected))
    assert problem is None, f"{what}: {problem}"


def unary_input(name: str, dtype) -> np.ndarray:
    rng = np.random.default_rng(abs(hash(name)) % 2**32)
    if name == "invert":
        return rng.integers(-8, 8, (3, 4)).astype(np.int32)
    if name in SPECIAL_VALUES:
        return np.array([[np.nan, np.inf, -np.inf, 1.0], [0.0, -2.5, np.nan, 3.0]], dtype)
    if name == "rint":
        return np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.4, -3.7], dtype)
    if name == "logical_not":
        return np.array([[0.0, 1.5], [-2.0, 0.0]], dtype)
    low = 0.5 if name in POSITIVE_DOMAIN else -0.5 if name == "log1p" else -3.0
    return rng.uniform(low, 3.0, (3, 4)).astype(dtype)


def binary_inputs(name: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(abs(hash(name)) % 2**32)
    if name.startswith("bitwise"):
        return rng.integers(-8, 8, SHAPE_A), rng.integers(-8, 8, SHAPE_B)
    if name.startswith("logical"):
        return rng.random(SHAPE_A) < 0.5, rng.random(SHAPE_B) < 0.5
    if name == "power":
        return rng.uniform(0.5, 2.0, SHAPE_A), rng.uniform(-2.0, 2.0, SHAPE_B)
    if name in ("true_divide", "floor_divide", "remainder"):
        return rng.uniform(-5.0, 5.0, SHAPE_A), rng.choice([-3.0, -1.5, 2.0, 2.5], SHAPE_B)
    if name in ("equal", "not_equal", "less", "less_equal", "greater", "greater_equal"):
        return rng.integers(-2, 3, SHAPE_A).astype(np.float64), rng.integers(-2, 3, SHAPE_B).astype(np.float64)
    return rng.uniform(-3.0, 3.0, SHAPE_A), rng.uniform(-3.0, 3.0, SHAPE_B)


GETITEM_KEYS = {
    "int": lambda native: 1,
    "negative int": lambda native: -1,
    "slice": lambda native: (slice(None), 2),
    "step slices": lambda native: (slice(1, None), slice(None, None, 2)),
    "None and ellipsis": lambda native: (None, Ellipsis, 0),
    "trailing None": lambda native: (Ellipsis, None),
    "int list": lambda native: [0, 2],
    "index array": lambda native: native(np.array([2, 0, 2])),
    "negative index array": lambda native: native(np.array([-1, 0, -3])),
    "2-d index array": lambda native: native(np.array([[1, 0], [2, 2]])),
    "two index arrays": lambda native: (native(np.array([0, 1])), native(np.array([1, 2]))),
    "broadcast lists": lambda native: ([[0], [1]], [1, 2]),
    "slice then array": lambda native: (slice(None), native(np.array([3, 0]))),
    "array then slice": lambda native: (native(np.array([0, 2])), slice(1, 3)),
    "boolean mask": lambda native: native(np.arange(60).reshape(3, 4, 5) % 3 == 0),
    "row mask": lambda native: native(np.array([True, False, True])),
}

VIEWS = {
    "basic getitem": (lambda b, x: b.getitem(x, (slice(1, None), slice(None, None, 2))), (0, 1, 2)),
    "reshape": (lambda b, x: b.reshape(x, (12, 5)), (3, 4)),
    "permute": (lambda b, x: b.permute(x, (2, 0, 1)), (4, 1, 2)),
    "expand_dims": (lambda b, x: b.expand_dims(x, 0), (0, 2, 3, 1)),
    "squeeze": (lambda b, x: b.squeeze(b.getitem(x, (slice(0, 1),)), 0), (3, 4)),
    "flip": (lambda b, x: b.flip(x, 1), (0, 0, 0)),
}

SHAPE_CASES = {
    "reshape": ("reshape", lambda a, b: ((a, (4, -1)), {})),
    "reshape flat": ("reshape", lambda a, b: ((a, (24,)), {})),
    "broadcast_to": ("broadcast_to", lambda a, b: ((a[:, :1, :], (5, 2, 3, 4)), {})),
    "expand_dims": ("expand_dims", lambda a, b: ((a, -1), {})),
    "expand_dims tuple": ("expand_dims", lambda a, b: ((a, (0, 2)), {})),
    "squeeze all": ("squeeze", lambda a, b: ((a[:1, :, :1],), {})),
    "squeeze axis": ("squeeze", lambda a, b: ((a[:1, ...],), {"axis": 0})),
    "concat axis 0": ("concat", lambda a, b: (([a, b],), {"axis": 0})),
    "concat axis -1": ("concat", lambda a, b: (([a, b, a],), {"axis": -1})),
    "stack": ("stack", lambda a, b: (([a, b],), {"axis": 0})),
    "stack last": ("stack", lambda a, b: (([a, b],), {"axis": -1})),
    "flip": ("flip", lambda a, b: ((a, 0), {})),
    "flip axes": ("flip", lambda a, b: ((a, (0, 2)), {})),
    "permute": ("permute", lambda a, b: ((a, (2, 0, 1)), {})),
}

INDEX_ADD_CASES = {
    "duplicates": ((5,), lambda n: n(np.array([0, 2, 0, 0, 4])), (5,)),
    "rows": ((4, 3), lambda n: n(np.array([1, 1, 3])), (3, 3)),
    "pairs": ((3, 3), lambda n: (n(np.array([0, 0, 2])), n(np.array([1, 1, 2]))), (3,)),
    "slice then array": ((2, 3), lambda n: (slice(None), n(np.array([0, 0, 2]))), (2, 3)),
}


def host_key(key, host):
    """The same key with native index arrays brought to the host (for the NumPy reference)."""
    if isinstance(key, tuple):
        return tuple(host_key(part, host) for part in key)
    return host(key) if hasattr(key, "shape") else key


class KernelChecks:
    """Kernel tests; the fixtures come from the class that mixes this in."""

    # --- elementwise ----------------------------------------------------------------
    @pytest.mark.parametrize("dtype", [np.float32, np.float64])
    @pytest.mark.parametrize("name", KERNELS["unary"])
    def test_unary(self, backend, native, host, name, dtype) -> None:
        x = unary_input(name, dtype)
        result = getattr(backend, name)(native(x))
        assert_matches(host(result), numpy_kernel(name)(x), f"{name}({x.dtype})")

    @pytest.mark.parametrize("name", KERNELS["unary"])
    def test_unary_out(self, backend, native, host, name) -> None:
        x = unary_input(name, np.float64)
        expected = numpy_kernel(name)(x)
        out = native(np.zeros_like(expected))
        getattr(backend, name)(native(x), out=out)
        assert_matches(host(out), expected, f"{name}(x, out=)")

    @pytest.mark.parametrize("name", KERNELS["binary"])
    def test_binary_broadcasting(self, backend, native, host, name) -> None:
        a, b = binary_inputs(name)
        result = getattr(backend, name)(native(a), native(b))
        assert_matches(host(result), numpy_kernel(name)(a, b), f"{name}{SHAPE_A, SHAPE_B}")

    @pytest.mark.parametrize("name", KERNELS["binary"])
    def test_binary_out_in_place(self, backend, native, host, name) -> None:
        """In-place ops call kernel(x, y, out=x, casting="unsafe") to write into x's own buffer."""
        a, b = binary_inputs(name)
        a = np.broadcast_to(a, np.broadcast_shapes(a.shape, b.shape)).copy()
        target = native(a)
        getattr(backend, name)(target, native(b), out=target, casting="unsafe")
        assert_matches(host(target), numpy_kernel(name)(a, b).astype(a.dtype), f"{name}(x, y, out=x)")

    @pytest.mark.parametrize("name", INTEGER_BINARY)
    def test_binary_integers(self, backend, native, host, name) -> None:
        a, b = np.arange(-6, 6).reshape(3, 4), np.array([-4, -3, 2, 5])
        assert_matches(host(getattr(backend, name)(native(a), native(b))), numpy_kernel(name)(a, b), name)

    @pytest.mark.parametrize("name", SCALAR_BINARY)
    def test_python_scalar_keeps_array_dtype(self, backend, native, host, name) -> None:
        a = np.linspace(0.5, 3.0, 6, dtype=np.float32)
        result = host(getattr(backend, name)(native(a), 2.0))
        assert_matches(result, numpy_kernel(name)(a, np.float32(2.0)), f"{name}(float32 array, 2.0)")

    def test_native_operators(self, backend, native, host) -> None:
        a, b = np.array([1.5, -2.0, 3.0]), np.array([2.0, 4.0, -1.0])
        x, y = native(a), native(b)
        for got, want in [(x + y, a + b), (x - y, a - b), (x * y, a * b), (x / y, a / b), (x**2, a**2)]:
            assert_matches(host(got), want, "native array operator")
        assert_matches(host(-x), -a, "native -x")
        assert_matches(host(x > y), a > b, "native x > y")

    def test_where(self, backend, native, host) -> None:
        condition = np.array([[True, False, True]])
        a, b = np.arange(6.0).reshape(2, 3), np.array([-1.0, -2.0, -3.0])
        got = backend.where(native(condition), native(a), native(b))
        assert_matches(host(got), np.where(condition, a, b), "where(broadcast)")
        assert_matches(host(backend.where(native(condition), 0.5, native(a))), np.where(condition, 0.5, a), "where")

    def test_clip(self, backend, native, host) -> None:
        a = np.linspace(-3, 3, 12).reshape(3, 4)
        for low, high in [(-1.0, 1.0), (-1.0, None), (None, 0.5)]:
            assert_matches(host(backend.clip(native(a), low, high)), np.clip(a, low, high), f"clip({low}, {high})")
        low = np.array([-2.0, -1.0, 0.0, 1.0])
        assert_matches(host(backend.clip(native(a), native(low), 2.0)), np.clip(a, low, 2.0), "clip(array bound)")

    @pytest.mark.parametrize("dtype", [np.float32, np.float64])
    def test_sigmoid(self, backend, native, host, dtype) -> None:
        x = np.array([-1000.0, -30.0, -1.0, 0.0, 0.5, 30.0, 1000.0], dtype)
        assert_matches(
            host(backend.sigmoid(native(x))), reference_special("sigmoid", x), "sigmoid (no overflow at ±1000)"
        )

    @pytest.mark.parametrize("dtype", [np.float32, np.float64])
    def test_erf(self, backend, native, host, dtype) -> None:
        x = np.linspace(-3, 3, 13).astype(dtype)
        assert_matches(host(backend.erf(native(x))), reference_special("erf", x), "erf")

    # --- reductions -------------------------------------------------------------------
    @pytest.mark.parametrize("keepdims", [False, True])
    @pytest.mark.parametrize("name, axis", REDUCTION_CASES, ids=str)
    def test_reduction(self, backend, native, host, name, axis, keepdims) -> None:
        rng = np.random.default_rng(1)
        x = rng.uniform(0.5, 1.5, (2, 3, 4)) if name == "prod" else rng.uniform(-2, 2, (2, 3, 4))
        if name in ("any", "all"):
            x = x > 0.5
        got = getattr(backend, name)(native(x), axis=axis, keepdims=keepdims)
        want = numpy_kernel(name)(x, axis=axis, keepdims=keepdims)
        assert_matches(host(got), want, f"{name}(axis={axis}, keepdims={keepdims})")

    def test_reduction_options(self, backend, native, host) -> None:
        x = np.arange(12, dtype=np.float32).reshape(3, 4)
        got = backend.sum(native(x), axis=0, keepdims=False, dtype=np.float64)
        assert_matches(host(got), x.sum(axis=0, dtype=np.float64), "sum(dtype=float64)")
        flags = np.array([True, True, False])
        assert_matches(host(backend.sum(native(flags), axis=None, dtype="int64")), np.int64(2), "sum(bool)")
        for name in ("var", "std"):
            got = getattr(backend, name)(native(x), axis=1, keepdims=True, ddof=1)
            assert_matches(host(got), numpy_kernel(name)(x, axis=1, keepdims=True, ddof=1), f"{name}(ddof=1)")

    @pytest.mark.parametrize("axis", [0, 1, -1])
    @pytest.mark.parametrize("name", KERNELS["scan"])
    def test_scan(self, backend, native, host, name, axis) -> None:
        x = np.random.default_rng(2).uniform(0.5, 1.5, (3, 4))
        assert_matches(host(getattr(backend, name)(native(x), axis=axis)), numpy_kernel(name)(x, axis=axis), name)
        integers = np.arange(1, 7).reshape(2, 3)
        got = getattr(backend, name)(native(integers), axis=axis, dtype="int64")
        assert_matches(host(got), numpy_kernel(name)(integers, axis=axis, dtype="int64"), f"{name}(int64)")

    # --- linear algebra ---------------------------------------------------------------
    @pytest.mark.parametrize(
        "shapes", [((3, 4), (4, 5)), ((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (5, 4, 2)), ((4,), (4, 5)), ((4,), (4,))]
    )
    @pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
    def test_matmul(self, backend, native, host, shapes, dtype) -> None:
        rng = np.random.default_rng(3)
        a, b = (rng.integers(-3, 4, shape).astype(dtype) for shape in shapes)
        assert_matches(host(backend.matmul(native(a), native(b))), np.matmul(a, b), f"matmul{shapes}")

    @pytest.mark.parametrize("equation", ["ij,jk->ik", "bij->bji", "bij,bjk->bik", "ii->i"])
    def test_einsum(self, backend, native, host, equation) -> None:
        rng = np.random.default_rng(4)
        inputs, _ = equation.split("->")
        sizes = {"i": 3, "j": 4, "k": 2, "b": 2}
        operands = [rng.normal(size=[sizes[c] for c in term]) for term in inputs.split(",")]
        got = backend.einsum(equation, *map(native, operands))
        assert_matches(host(got), np.einsum(equation, *operands), f"einsum({equation!r})")

    # --- shape and views ----------------------------------------------------------------
    @pytest.mark.parametrize("case", list(SHAPE_CASES))
    def test_shape(self, backend, native, host, case) -> None:
        name, arguments = SHAPE_CASES[case]
        a, b = np.arange(24.0).reshape(2, 3, 4), -np.arange(24.0).reshape(2, 3, 4)
        host_args, kwargs = arguments(a, b)
        native_args, _ = arguments(native(a), native(b))
        got = getattr(backend, name)(*native_args, **kwargs)
        assert_matches(host(got), numpy_kernel(name)(*host_args, **kwargs), case)

    @pytest.mark.parametrize("case", list(VIEWS))
    def test_views_share_memory(self, backend, native, host, case) -> None:
        """Writing through a view changes its base, where NumPy gives a view."""
        make_view, position = VIEWS[case]
        base = np.arange(60.0).reshape(3, 4, 5)
        x = native(base)
        backend.setitem(make_view(backend, x), position, -1.0)
        make_view(NumpyKernels, base)[position] = -1.0
        assert_matches(host(x), base, f"{case}: a write through the view must reach the base")

    # --- indexing and in-place writes --------------------------------------------------
    @pytest.mark.parametrize("case", list(GETITEM_KEYS))
    def test_getitem(self, backend, native, host, case) -> None:
        x = np.arange(60.0).reshape(3, 4, 5)
        key = GETITEM_KEYS[case](native)
        assert_matches(host(backend.getitem(native(x), key)), x[host_key(key, host)], f"x[{case}]")

    @pytest.mark.parametrize("case", list(INDEX_ADD_CASES))
    def test_index_add_accumulates_duplicates(self, backend, native, host, case) -> None:
        shape, make_key, values_shape = INDEX_ADD_CASES[case]
        values = np.arange(1.0, 1.0 + math.prod(values_shape)).reshape(values_shape)
        target = native(np.zeros(shape))
        key = make_key(native)
        backend.index_add(target, key, native(values))
        expected = np.zeros(shape)
        np.add.at(expected, host_key(key, host), values)
        assert_matches(host(target), expected, f"index_add({case})")

    def test_setitem(self, backend, native, host) -> None:
        x, expected = native(np.zeros((3, 4))), np.zeros((3, 4))
        writes = [
            ((slice(None), 1), 5.0),
            (([0, 2], [3, 0]), native(np.array([7.0, 8.0]))),
            (native(np.eye(3, 4, dtype=bool)), -1.0),
            ((2,), native(np.arange(4.0))),
            ((slice(0, 2), slice(2, 4)), native(np.array([[9.0], [10.0]]))),
        ]
        for key, value in writes:
            backend.setitem(x, key, value)
            expected[host_key(key, host)] = host_key(value, host)
        assert_matches(host(x), expected, "setitem")

    def test_copy_into(self, backend, native, host) -> None:
        dst = native(np.zeros((3, 4)))
        backend.copy_into(dst, native(np.arange(12.0).reshape(3, 4)))
        assert_matches(host(dst), np.arange(12.0).reshape(3, 4), "copy_into")
        backend.copy_into(dst, native(np.array([1.0, 2.0, 3.0, 4.0])))
        assert_matches(host(dst), np.tile([1.0, 2.0, 3.0, 4.0], (3, 1)), "copy_into(broadcast)")
        integers = native(np.zeros(3, np.int32))
        backend.copy_into(integers, native(np.array([-1.7, 0.5, 2.9])))
        assert_matches(host(integers), np.array([-1, 0, 2], np.int32), "copy_into(float64 -> int32)")
        base = native(np.zeros((2, 3)))
        backend.copy_into(backend.permute(base, (1, 0)), native(np.arange(6.0).reshape(3, 2)))
        assert_matches(host(base), np.arange(6.0).reshape(3, 2).T, "copy_into(a transposed view)")

    def test_take_and_put_along_axis(self, backend, native, host) -> None:
        x = np.arange(12.0).reshape(3, 4)
        order = np.array([[3, 0], [1, 1], [2, 0]])
        got = backend.take_along_axis(native(x), native(order), 1)
        assert_matches(host(got), np.take_along_axis(x, order, axis=1), "take_along_axis")
        target = native(x)
        backend.put_along_axis(target, native(order), native(-np.ones((3, 2))), 1)
        np.put_along_axis(x, order, -np.ones((3, 2)), axis=1)
        assert_matches(host(target), x, "put_along_axis")

    def test_nonzero(self, backend, native, host) -> None:
        x = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])
        got = backend.nonzero(native(x))
        assert len(got) == 2
        for axis, (found, want) in enumerate(zip(got, np.nonzero(x))):
            assert_matches(host(found), want, f"nonzero, axis {axis}")

    def test_pad(self, backend, native, host) -> None:
        x = np.arange(6.0).reshape(2, 3)
        got = backend.pad(native(x), ((1, 0), (2, 1)), 0.5)
        assert_matches(host(got), np.pad(x, ((1, 0), (2, 1)), constant_values=0.5), "pad")


class NumpyKernels:
    """NumPy itself in the shape of a backend, for computing view references."""

    getitem = staticmethod(lambda x, key: x[key])
    reshape = staticmethod(np.reshape)
    permute = staticmethod(np.transpose)
    expand_dims = staticmethod(np.expand_dims)
    squeeze = staticmethod(np.squeeze)
    flip = staticmethod(np.flip)
