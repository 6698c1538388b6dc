"""The conformance suite's checks of optional members (``ember.backends.OPTIONAL_MEMBERS``).

A backend need not have them; each test skips, saying so, where the backend has none.
Where it has one, core calls it instead of its fallback, so it must give what the
fallback gives. Mixed into :class:`ember.testing.conformance.BackendConformance`.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import ember
from ember.backends._protocol import OPTIONAL_MEMBERS

from ._conformance_cases import ALL, FLOATS, call_text, difference, values

#: The keys ``ember.cuda.get_device_properties`` builds its answer from.
DEVICE_PROPERTIES = {"name": str, "major": int, "minor": int, "total_memory": int, "multi_processor_count": int}


def _log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    wide = x.astype(np.float64)
    shifted = wide - wide.max(axis, keepdims=True)
    return (shifted - np.log(np.exp(shifted).sum(axis, keepdims=True))).astype(x.dtype)


# --- a NumPy reference for the convolution kernels ------------------------------------------


def _grouped(array: np.ndarray, groups: int) -> np.ndarray:
    """(N, C, ...) as (N, groups, C / groups, ...)."""
    return array.reshape(array.shape[0], groups, array.shape[1] // groups, *array.shape[2:])


def _windows(geometry, height: int, width: int):
    """For each kernel offset (p, q): the slices of the padded input its outputs read."""
    (kh, kw), (sh, sw), (dh, dw) = geometry.kernel, geometry.stride, geometry.dilation
    oh, ow = geometry.output_size(height, width)
    for p, q in itertools.product(range(kh), range(kw)):
        rows = slice(p * dh, p * dh + sh * (oh - 1) + 1, sh)
        columns = slice(q * dw, q * dw + sw * (ow - 1) + 1, sw)
        yield p, q, (slice(None), slice(None), rows, columns)


def _padded(x: np.ndarray, geometry) -> np.ndarray:
    top, bottom, left, right = geometry.padding
    return np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))


def reference_conv2d(x, w, bias, geometry, groups: int) -> np.ndarray:
    """out[n, o] = sum over c, p, q of x[n, c] (padded, strided, dilated) * w[o, c, p, q] + bias[o]."""
    padded = _padded(x.astype(np.float64), geometry)
    kernels = w.astype(np.float64).reshape(groups, w.shape[0] // groups, *w.shape[1:])
    oh, ow = geometry.output_size(*x.shape[2:])
    out = np.zeros((x.shape[0], groups, w.shape[0] // groups, oh, ow))
    for p, q, window in _windows(geometry, *x.shape[2:]):
        out += np.einsum("ngchw,goc->ngohw", _grouped(padded[window], groups), kernels[..., p, q])
    out = out.reshape(x.shape[0], w.shape[0], oh, ow)
    return (out if bias is None else out + bias.reshape(1, -1, 1, 1)).astype(x.dtype)


def reference_conv2d_input_grad(g, w, geometry, groups: int, input_shape: tuple) -> np.ndarray:
    top, bottom, left, right = geometry.padding
    n, channels, height, width = input_shape
    grad = np.zeros((n, channels, height + top + bottom, width + left + right))
    kernels = w.astype(np.float64).reshape(groups, w.shape[0] // groups, *w.shape[1:])
    for p, q, window in _windows(geometry, height, width):
        part = np.einsum("ngohw,goc->ngchw", _grouped(g.astype(np.float64), groups), kernels[..., p, q])
        grad[window] += part.reshape(n, channels, *part.shape[3:])
    return grad[:, :, top : top + height, left : left + width].astype(g.dtype)


def reference_conv2d_weight_grad(x, g, geometry, groups: int, weight_shape: tuple) -> np.ndarray:
    padded = _padded(x.astype(np.float64), geometry)
    grad = np.zeros((groups, weight_shape[0] // groups, *weight_shape[1:]))
    for p, q, window in _windows(geometry, *x.shape[2:]):
        grouped_x, grouped_g = _grouped(padded[window], groups), _grouped(g.astype(np.float64), groups)
        grad[..., p, q] = np.einsum("ngohw,ngchw->goc", grouped_g, grouped_x)
    return grad.reshape(weight_shape).astype(x.dtype)


#: (groups, kernel, stride, dilation, padding): the convolutions the fused kernels are checked on.
#: (groups, kernel, stride, dilation, padding, input height and width): the convolutions
#: the fused kernels are checked on. The last is a conv1d as ember-nn lifts it: height 1.
CONVOLUTIONS = [
    (1, (3, 3), (1, 1), (1, 1), (1, 1, 1, 1), (6, 5)),
    (2, (3, 2), (2, 1), (1, 2), (0, 1, 2, 0), (6, 5)),
    (4, (1, 1), (1, 1), (1, 1), (0, 0, 0, 0), (6, 5)),
    (2, (1, 3), (1, 2), (1, 1), (0, 0, 1, 1), (1, 7)),
]


class OptionalChecks:
    """One test per optional member; it skips where the backend does not have the member."""

    @pytest.fixture
    def member(self, backend, request):
        name = request.node.callspec.params["name"]
        found = getattr(backend, name, None)
        if found is None:
            pytest.skip(f"{name} is optional and this backend has none (without it: {OPTIONAL_MEMBERS[name].without})")
        return found

    def test_every_optional_member_is_checked(self) -> None:
        missing = [name for name in OPTIONAL_MEMBERS if not hasattr(self, f"check_{name}")]
        assert not missing, f"optional members without a conformance check: {missing}"

    @pytest.mark.parametrize("name", list(OPTIONAL_MEMBERS))
    def test_optional_member(self, backend, index, mismatches, member, name) -> None:
        getattr(self, f"check_{name}")(backend, index, mismatches, member)
        mismatches.check()

    # --- fused and faster kernels ------------------------------------------------------------
    @staticmethod
    def check_fused_softmax(backend, index, mismatches, fused) -> None:
        """Large logits (no overflow: float16 overflows exp above 11) and empty arrays (core passes them)."""
        for dtype, axis in itertools.product(FLOATS, (0, -1)):
            x = (np.random.default_rng(5).normal(size=(3, 4)) * 10).astype(dtype)
            expected = np.exp(_log_softmax(x, axis).astype(np.float64)).astype(dtype)
            mismatches.call(call_text("fused_softmax", [x, axis]), expected, fused, mismatches.native(x), axis)
            empty = np.zeros((0, 3), dtype)
            mismatches.call(call_text("fused_softmax", [empty, axis]), empty, fused, mismatches.native(empty), axis)

    @staticmethod
    def check_fused_log_softmax(backend, index, mismatches, fused) -> None:
        for dtype, axis in itertools.product(FLOATS, (0, -1)):
            x = (np.random.default_rng(6).normal(size=(3, 4)) * 10).astype(dtype)
            mismatches.call(
                call_text("fused_log_softmax", [x, axis]), _log_softmax(x, axis), fused, mismatches.native(x), axis
            )

    @staticmethod
    def check_spread(backend, index, mismatches, spread) -> None:
        """spread(x, shape, divisor) reads as broadcast_to(x / divisor, shape) and leaves x as it was."""
        for dtype in ALL:
            for source, shape in [((), (2, 3)), ((1,), (4, 5)), ((3, 1), (2, 3, 4)), ((2, 3), (2, 3))]:
                x = values(dtype, source, start=2)
                native = mismatches.native(x)
                mismatches.call(call_text("spread", [x, shape]), np.broadcast_to(x, shape), spread, native, shape)
                mismatches.compare(f"x after spread(x, {shape})", native, x)
        for dtype in FLOATS:
            for source, shape, divisor in [((), (2, 3), 6), ((1,), (4, 5), 20), ((2, 3), (2, 3), 7)]:
                x = values(dtype, source, start=2)
                expected = np.broadcast_to(np.true_divide(x, divisor), shape)
                text = call_text("spread", [x, shape, divisor])
                mismatches.call(text, expected, spread, mismatches.native(x), shape, divisor)

    @staticmethod
    def check_sum_of_squares(backend, index, mismatches, fused) -> None:
        """A 0-d result of x's dtype: sum(x * x), or mean(x * x) with mean=True."""
        for dtype, shape, mean in itertools.product(FLOATS, [(3, 4), (7,), (300, 70)], (False, True)):
            x = values(dtype, shape, exact=True)
            squares = x * x
            expected = np.asarray(squares.mean() if mean else squares.sum(), dtype)
            mismatches.call(call_text("sum_of_squares", [x, mean]), expected, fused, mismatches.native(x), mean)

    @staticmethod
    def check_scaled(backend, index, mismatches, scaled) -> None:
        """x * (g * factor) in x's dtype, for a 0-d g (a scalar loss's seed) and for a g of x's shape."""
        for dtype in FLOATS:
            x = values(dtype, (3, 4), start=2)
            for g, factor in [
                (np.asarray(1.0, dtype), 0.25),
                (np.asarray(3.0, dtype), 2.0),
                (values(dtype, (3, 4)), 0.5),
            ]:
                expected = np.asarray(x * (g * factor))
                text = call_text("scaled", [x, g, factor])
                mismatches.call(text, expected, scaled, mismatches.native(x), mismatches.native(g), factor)

    @staticmethod
    def _convolutions(seed: int):
        """(x, w, bias, g, geometry, groups) for each case of CONVOLUTIONS, in float32 and float64."""
        windows = pytest.importorskip("ember.nn.functional._windows", reason="the convolution kernels serve ember-nn")
        rng = np.random.default_rng(seed)
        for dtype, (groups, kernel, stride, dilation, padding, size) in itertools.product(FLOATS[1:], CONVOLUTIONS):
            geometry = windows.Geometry(kernel, stride, dilation, padding)
            x = rng.normal(size=(2, 4, *size)).astype(dtype)
            w = rng.normal(size=(8, 4 // groups, *kernel)).astype(dtype)
            oh, ow = geometry.output_size(*size)
            g = rng.normal(size=(2, 8, oh, ow)).astype(dtype)
            yield x, w, rng.normal(size=8).astype(dtype), g, geometry, groups

    @staticmethod
    def check_mask_multiply(backend, index, mismatches, fused) -> None:
        """As multiply(x, keep) for a bool keep of x's shape: x's dtype, and inf or nan times False is nan."""
        for dtype in FLOATS:
            x = np.array([[np.inf, -1.5, np.nan, 2.0], [0.5, -np.inf, 3.0, 0.0]], dtype)
            for operand, keep in [(x, x > 0), (x, np.zeros(x.shape, bool)), (x[0, 3], np.array(True))]:
                operand = np.asarray(operand)
                native = (mismatches.native(operand), mismatches.native(keep))
                expected = np.asarray(np.multiply(operand, keep))
                mismatches.call(call_text("mask_multiply", [operand, keep]), expected, fused, *native)

    @staticmethod
    def check_sliding_windows(backend, index, mismatches, sliding_windows) -> None:
        """1-d to 3-d windows with strides and dilations, each equal to the slices it stands for."""
        x = np.arange(2 * 3 * 7 * 6 * 5, dtype=np.float32).reshape(2, 3, 7, 6, 5)
        for kernel, stride, dilation in [
            ((3,), (1,), (1,)),
            ((2, 3), (2, 1), (1, 2)),
            ((2, 2, 2), (3, 2, 1), (2, 1, 2)),
        ]:
            sizes = x.shape[x.ndim - len(kernel) :]
            out = tuple((n - d * (k - 1) - 1) // s + 1 for n, k, s, d in zip(sizes, kernel, stride, dilation))
            expected = np.empty((*x.shape[: x.ndim - len(kernel)], *out, *kernel), np.float32)
            for offset in itertools.product(*(range(k) for k in kernel)):
                picked = tuple(
                    slice(j * d, j * d + s * (o - 1) + 1, s) for j, d, s, o in zip(offset, dilation, stride, out)
                )
                expected[(..., *(slice(None),) * len(out), *offset)] = x[(..., *picked)]
            what = call_text("sliding_windows", [x, out, kernel, stride, dilation])
            mismatches.call(what, expected, sliding_windows, mismatches.native(x), out, kernel, stride, dilation)

    @staticmethod
    def check_fft(backend, index, mismatches, fft) -> None:
        """Each kind over one and two axes, with sizes and every norm; the precision of the input kept."""
        rng = np.random.default_rng(8)
        real = rng.normal(size=(3, 6))
        spectrum = real + 1j * rng.normal(size=(3, 6))
        for kind, norm in itertools.product(("fftn", "ifftn", "rfftn", "irfftn"), ("backward", "ortho", "forward")):
            base = real if kind == "rfftn" else spectrum
            for single, s, axes in [(True, None, (1,)), (False, (4, 7), (0, 1)), (False, None, (0, 1))]:
                x = base.astype(np.float32 if kind == "rfftn" else np.complex64) if single else base
                wide = getattr(np.fft, kind)(base, s=s, axes=axes, norm=norm)
                expected = wide.astype(np.float32 if wide.dtype.kind == "f" else np.complex64) if single else wide
                what = call_text("fft", [x], {"kind": kind, "s": s, "axes": axes, "norm": norm})
                mismatches.call(what, expected, fft, mismatches.native(x), kind, s, axes, norm)

    @classmethod
    def check_fused_conv2d(cls, backend, index, mismatches, fused) -> None:
        for x, w, bias, _, geometry, groups in cls._convolutions(0):
            for b in (bias, None):
                expected = reference_conv2d(x, w, b, geometry, groups)
                what = call_text(
                    "fused_conv2d", [x, w], {"bias": b is not None, "geometry": geometry, "groups": groups}
                )
                arguments = (
                    mismatches.to_native(x),
                    mismatches.to_native(w),
                    mismatches.to_native(b),
                    geometry,
                    groups,
                )
                mismatches.call(what, expected, fused, *arguments)

    @classmethod
    def check_fused_conv2d_input_grad(cls, backend, index, mismatches, fused) -> None:
        for x, w, _, g, geometry, groups in cls._convolutions(1):
            expected = reference_conv2d_input_grad(g, w, geometry, groups, x.shape)
            what = call_text("fused_conv2d_input_grad", [g, w], {"geometry": geometry, "groups": groups})
            arguments = (mismatches.native(g), mismatches.native(w), geometry, groups, x.shape)
            mismatches.call(what, expected, _reshaped(fused, x.shape), *arguments)

    @classmethod
    def check_fused_conv2d_weight_grad(cls, backend, index, mismatches, fused) -> None:
        for x, w, _, g, geometry, groups in cls._convolutions(2):
            # NOTE: weight_shape is the weight's own shape: 3-D for a conv1d (height 1)
            shape = w.shape if x.shape[2] > 1 else (w.shape[0], w.shape[1], w.shape[3])
            expected = reference_conv2d_weight_grad(x, g, geometry, groups, w.shape).reshape(shape)
            what = call_text(
                "fused_conv2d_weight_grad", [x, g], {"geometry": geometry, "groups": groups, "shape": shape}
            )
            arguments = (mismatches.native(x), mismatches.native(g), geometry, groups, shape)
            mismatches.call(what, expected, _reshaped(fused, shape), *arguments)

    # --- devices and host memory ---------------------------------------------------------------
    @staticmethod
    def check_to_device(backend, index, mismatches, to_device) -> None:
        """A copy on each device: the same values, on that device, not sharing memory with x."""
        x = values(np.dtype(np.float32), (3, 4))
        for target in range(backend.device_count()):
            source = mismatches.native(x)
            moved = to_device(source, target)
            mismatches.compare(f"to_device(x, {target})", moved, x)
            found = backend.device_index(moved)
            mismatches.require(found == target, f"to_device(x, {target}) is on device {found}")
            backend.setitem(source, (0, 0), 99.0)
            mismatches.compare(f"to_device(x, {target}) after writing into x", moved, x)

    @staticmethod
    def check_describe(backend, index, mismatches, describe) -> None:
        facts = describe()
        well_formed = isinstance(facts, dict) and all(isinstance(key, str) for key in facts)
        mismatches.require(well_formed, f"describe() must return a dict with string keys, not {facts!r}")

    @staticmethod
    def check_select_device(backend, index, mismatches, select) -> None:
        for device in range(backend.device_count()):
            mismatches.require(select(device) is None, f"select_device({device}) returned a value")
        select(0 if index is None else index)

    @staticmethod
    def check_synchronize(backend, index, mismatches, synchronize) -> None:
        backend.zeros((4,), ember.float32, index)
        mismatches.require(synchronize(0 if index is None else index) is None, "synchronize() returned a value")

    @staticmethod
    def check_device_name(backend, index, mismatches, device_name) -> None:
        name = device_name(0 if index is None else index)
        mismatches.require(isinstance(name, str) and name != "", f"device_name() returned {name!r}")

    @staticmethod
    def check_device_properties(backend, index, mismatches, device_properties) -> None:
        found = device_properties(0 if index is None else index)
        keys = isinstance(found, dict) and set(found) == set(DEVICE_PROPERTIES)
        mismatches.require(
            keys, f"device_properties() must give exactly the keys {sorted(DEVICE_PROPERTIES)}: {found!r}"
        )
        if keys:
            wrong = {key: value for key, value in found.items() if not isinstance(value, DEVICE_PROPERTIES[key])}
            mismatches.require(not wrong, f"device_properties(): wrong types {wrong} (expected {DEVICE_PROPERTIES})")

    @staticmethod
    def check_memory_allocated(backend, index, mismatches, memory) -> None:
        _check_bytes(mismatches, "memory_allocated", memory(0 if index is None else index))

    @staticmethod
    def check_memory_reserved(backend, index, mismatches, memory) -> None:
        _check_bytes(mismatches, "memory_reserved", memory(0 if index is None else index))

    @staticmethod
    def check_max_memory_allocated(backend, index, mismatches, memory) -> None:
        _check_bytes(mismatches, "max_memory_allocated", memory(0 if index is None else index))

    @staticmethod
    def check_empty_cache(backend, index, mismatches, empty_cache) -> None:
        mismatches.require(empty_cache() is None, "empty_cache() returned a value")

    @staticmethod
    def check_pin_memory(backend, index, mismatches, pin_memory) -> None:
        """A NumPy array (the CPU backend keeps using it) with the same values, now pinned."""
        for dtype in ALL:
            host = values(dtype, (3, 4))
            pinned = pin_memory(host)
            if not isinstance(pinned, np.ndarray):
                mismatches.require(False, f"pin_memory() returned {type(pinned).__name__}, not a NumPy array")
                continue
            problem = difference(pinned, host)
            mismatches.require(problem is None, f"pin_memory({dtype}[3, 4]): {problem}")
            if hasattr(backend, "is_pinned"):
                mismatches.require(backend.is_pinned(pinned), "is_pinned(pin_memory(a)) is False")

    @staticmethod
    def check_is_pinned(backend, index, mismatches, is_pinned) -> None:
        mismatches.require(not is_pinned(np.zeros(3)), "is_pinned() says a plain NumPy array is pinned")


def _check_bytes(mismatches, name: str, found) -> None:
    bytes_ = isinstance(found, int) and found >= 0
    mismatches.require(bytes_, f"{name}() returned {found!r}, not a number of bytes")


def _reshaped(kernel, shape: tuple):
    """The kernel, its result reshaped to `shape` as core reshapes it."""
    return lambda *args: kernel(*args).reshape(shape)
