"""The backend conformance suite: the whole backend protocol, checked against NumPy.

Run it against any registered backend from the command line::

    pytest --pyargs ember.testing.suite --ember-backend NAME

or from a backend package's own tests, by subclassing (the class name must start
with ``Test`` for pytest to collect it)::

    from ember.testing.conformance import BackendConformance

    class TestMyBackend(BackendConformance):
        backend_name = "mybackend"

Every test gets the backend object from the ``backend`` fixture and calls its kernels
on native arrays made with ``from_numpy``; results come back through ``to_numpy`` and
are compared with NumPy's. Where the backend is not available here (no GPU), every
test but the metadata ones skips, saying why.
"""

from __future__ import annotations

import numpy as np
import pytest

import ember
from ember.backends import Backend, NativeGenerator, kernel_names, registry

from ._conformance_arrays import ArrayChecks
from ._conformance_cases import Mismatches
from ._conformance_dtypes import DtypeChecks
from ._conformance_kernels import KernelChecks
from ._conformance_layouts import LayoutChecks
from ._conformance_optional import OptionalChecks

__all__ = ["BackendConformance"]

DTYPES = (
    ember.bool,
    ember.uint8,
    ember.int8,
    ember.int16,
    ember.int32,
    ember.int64,
    ember.float16,
    ember.float32,
    ember.float64,
)


class BackendConformance(KernelChecks, DtypeChecks, LayoutChecks, OptionalChecks, ArrayChecks):
    """Subclass it as ``Test...`` and set ``backend_name``; None means ``--ember-backend``,
    or else the backend serving "cpu"."""

    backend_name: str | None = None

    # --- fixtures ----------------------------------------------------------------
    @pytest.fixture
    def any_backend(self, request: pytest.FixtureRequest) -> Backend:
        """The backend under test, available here or not."""
        name = self.backend_name or request.config.getoption("ember_backend", default=None)
        if name is None:
            return registry.for_device_type("cpu")
        return registry.by_name(name)

    @pytest.fixture
    def backend(self, any_backend: Backend) -> Backend:
        """The backend under test; the test skips where it cannot run."""
        if not any_backend.is_available():
            pytest.skip(f"backend {any_backend.name!r} is not available here: {any_backend.unavailable_reason()}")
        return any_backend

    @pytest.fixture
    def index(self, backend: Backend) -> int | None:
        """The device index the suite runs on: none on the CPU, else device 0."""
        return None if backend.device_type == "cpu" else 0

    @pytest.fixture
    def device(self, backend: Backend, index: int | None) -> ember.device:
        return ember.device(backend.device_type, index)

    @pytest.fixture
    def native(self, backend: Backend, index: int | None):
        """native(numpy_array) -> a native array of the backend with a copy of its values."""
        return lambda array: backend.from_numpy(np.array(array, order="C"), index)

    @pytest.fixture
    def host(self, backend: Backend):
        """host(native_array) -> a NumPy array with its values."""
        return lambda x: np.asarray(backend.to_numpy(x))

    @pytest.fixture
    def mismatches(self, backend: Backend, native, host) -> Mismatches:
        """Collects a test's differences from NumPy; ``mismatches.check()`` fails listing them all."""
        return Mismatches(backend, native, host)

    # --- metadata ----------------------------------------------------------------
    def test_metadata(self, any_backend: Backend) -> None:
        """The backend has a name, a device type ember knows, and says whether it is available."""
        backend = any_backend
        assert isinstance(backend.name, str) and backend.name
        assert isinstance(backend.device_type, str)
        assert ember.device(backend.device_type).type == backend.device_type
        available = backend.is_available()
        assert isinstance(available, bool)
        reason = backend.unavailable_reason()
        assert (reason is None) == available, f"is_available() is {available} but unavailable_reason() is {reason!r}"
        if available:
            count = backend.device_count()
            assert isinstance(count, int) and count >= 1, f"device_count() of an available backend is {count!r}"

    def test_found_by_name(self, any_backend: Backend) -> None:
        """The registry finds the backend by its name."""
        assert registry.by_name(any_backend.name, any_backend.device_type) is any_backend
        assert any_backend in ember.backends.available()

    def test_has_every_protocol_member(self, any_backend: Backend) -> None:
        """Every protocol method and every kernel is there."""
        assert isinstance(any_backend, Backend), "a protocol method is missing (see ember.backends.Backend)"
        missing = [name for name in kernel_names() if not callable(getattr(any_backend, name, None))]
        assert not missing, f"kernels missing: {missing}"

    def test_array_namespace(self, backend: Backend, index) -> None:
        """Arrays it makes are of its ``ndarray`` type, and its ``xp`` takes them."""
        made = backend.zeros((2, 3), ember.float32, index)
        assert isinstance(made, backend.ndarray)
        assert isinstance(backend.xp.asarray(made), backend.ndarray)
        assert made.shape == (2, 3) and made.ndim == 2

    # --- dtypes ----------------------------------------------------------------------
    @pytest.mark.parametrize("dtype", DTYPES, ids=str)
    def test_dtype_mapping(self, backend: Backend, index, dtype) -> None:
        """Every ember dtype the backend has (its ``dtypes`` table) maps to a native dtype and back;
        one it lacks is refused with TypeError naming it."""
        if dtype not in backend.dtypes.values():
            assert dtype is not ember.float32 and dtype is not ember.float64, "float32 and float64 are required"
            with pytest.raises(TypeError, match=dtype.name):
                backend.zeros((3,), dtype, index)
            return
        native_dtype = backend.native_dtype(dtype)
        assert backend.ember_dtype(native_dtype) is dtype
        made = backend.zeros((3,), dtype, index)
        assert made.dtype == native_dtype
        assert backend.dtypes[made.dtype] is dtype, "core reads ember dtypes from the backend's dtypes table"
        assert backend.astype(made, ember.float64).dtype == backend.native_dtype(ember.float64)

    # --- creation and transfer -------------------------------------------------------
    def test_asarray(self, backend: Backend, index, host) -> None:
        """``asarray`` takes nested lists, with a dtype or inferring NumPy's."""
        made = backend.asarray([[1, 2], [3, 4]], ember.float32, index)
        np.testing.assert_array_equal(host(made), np.array([[1, 2], [3, 4]], np.float32))
        assert host(made).dtype == np.float32
        inferred = backend.asarray([1, 2, 3], None, index)
        assert host(inferred).dtype == np.int64

    def test_empty_zeros_full(self, backend: Backend, index, host) -> None:
        """``empty``, ``zeros`` and ``full`` give the shape, dtype and values asked for."""
        assert backend.empty((2, 0, 3), ember.int32, index).shape == (2, 0, 3)
        assert host(backend.empty((4,), ember.float32, index)).dtype == np.float32
        np.testing.assert_array_equal(host(backend.zeros((2, 3), ember.int64, index)), np.zeros((2, 3), np.int64))
        full = host(backend.full((3, 2), 2.5, ember.float64, index))
        np.testing.assert_array_equal(full, np.full((3, 2), 2.5))
        assert full.dtype == np.float64
        np.testing.assert_array_equal(host(backend.full((2,), True, ember.bool, index)), [True, True])
        assert backend.zeros((), ember.float32, index).shape == ()

    def test_arange_linspace_eye(self, backend: Backend, index, host) -> None:
        """``arange``, ``linspace`` and ``eye`` give NumPy's values."""
        np.testing.assert_array_equal(host(backend.arange(0, 5, 1, ember.int64, index)), np.arange(5))
        np.testing.assert_allclose(host(backend.arange(1, 2, 0.25, ember.float32, index)), [1, 1.25, 1.5, 1.75])
        np.testing.assert_allclose(host(backend.arange(5, 0, -2, ember.float64, index)), [5, 3, 1])
        np.testing.assert_allclose(host(backend.linspace(-1, 1, 5, ember.float64, index)), [-1, -0.5, 0, 0.5, 1])
        assert host(backend.linspace(0, 1, 3, ember.float32, index)).dtype == np.float32
        np.testing.assert_array_equal(host(backend.eye(3, 4, ember.float32, index)), np.eye(3, 4))

    def test_astype_copies_and_converts(self, backend: Backend, native, host) -> None:
        """``astype`` converts as NumPy does and always copies."""
        source = native(np.array([-1.7, 0.2, 2.9]))
        converted = backend.astype(source, ember.int32)
        np.testing.assert_array_equal(host(converted), [-1, 0, 2])
        assert host(converted).dtype == np.int32
        same = backend.astype(source, ember.float64)
        backend.setitem(same, 0, 100.0)
        assert host(source)[0] == -1.7, "astype must return a new array"

    def test_copy_is_independent(self, backend: Backend, native, host) -> None:
        """``copy`` shares nothing with its argument."""
        source = native(np.arange(4.0))
        duplicate = backend.copy(source)
        backend.setitem(duplicate, 1, -5.0)
        np.testing.assert_array_equal(host(source), [0, 1, 2, 3])
        np.testing.assert_array_equal(host(duplicate), [0, -5, 2, 3])

    @pytest.mark.parametrize("dtype", DTYPES, ids=str)
    def test_numpy_round_trip(self, backend: Backend, index, dtype) -> None:
        """Every dtype goes to the host and back unchanged."""
        if dtype not in backend.dtypes.values():
            pytest.skip(f"the backend has no {dtype}")
        array = (np.arange(6).reshape(2, 3) % 3).astype(dtype.numpy)
        back = np.asarray(backend.to_numpy(backend.from_numpy(array, index)))
        assert back.dtype == array.dtype and back.shape == array.shape
        np.testing.assert_array_equal(back, array)

    def test_host_transfer_is_zero_copy_on_cpu(self, backend: Backend, index) -> None:
        """On the CPU, ``from_numpy`` and ``to_numpy`` share memory."""
        if backend.device_type != "cpu":
            pytest.skip("zero-copy host transfer is required on the CPU only")
        array = np.arange(5.0)
        made = backend.from_numpy(array, index)
        array[0] = 42.0
        assert backend.to_numpy(made)[0] == 42.0, "from_numpy must share memory with its argument"
        backend.to_numpy(made)[1] = -1.0
        assert array[1] == -1.0, "to_numpy must share memory with the native array"
        backend.setitem(made, 2, 7.0)
        assert array[2] == 7.0, "in-place writes must reach the shared buffer"

    def test_from_dlpack(self, backend: Backend, native, host) -> None:
        """``from_dlpack`` takes an array of the backend."""
        source = native(np.arange(6.0).reshape(2, 3))
        np.testing.assert_array_equal(host(backend.from_dlpack(source, None)), np.arange(6.0).reshape(2, 3))

    def test_contiguity(self, backend: Backend, native, host) -> None:
        """``is_contiguous`` and ``ascontiguous`` see and fix a transposed array."""
        source = native(np.arange(6.0).reshape(2, 3))
        assert backend.is_contiguous(source)
        transposed = backend.permute(source, (1, 0))
        assert not backend.is_contiguous(transposed)
        fixed = backend.ascontiguous(transposed)
        assert backend.is_contiguous(fixed)
        np.testing.assert_array_equal(host(fixed), np.arange(6.0).reshape(2, 3).T)

    def test_device_index(self, backend: Backend, index) -> None:
        """Arrays made for a device index live on it."""
        assert backend.device_index(backend.zeros((1,), ember.float32, index)) == index

    # --- random ----------------------------------------------------------------------
    def test_generator_protocol(self, backend: Backend, index) -> None:
        """``make_generator`` gives a :class:`~ember.backends.NativeGenerator`."""
        assert isinstance(backend.make_generator(index, 0), NativeGenerator)

    def test_seed_reproducibility(self, backend: Backend, index, host) -> None:
        """One seed gives one stream, another seed another, and ``seed`` restarts it."""
        first, second = backend.make_generator(index, 1234), backend.make_generator(index, 1234)
        draw = host(first.uniform((50,), 0.0, 1.0, np.float64))
        np.testing.assert_array_equal(draw, host(second.uniform((50,), 0.0, 1.0, np.float64)))
        other = host(backend.make_generator(index, 4321).uniform((50,), 0.0, 1.0, np.float64))
        assert not np.array_equal(draw, other), "different seeds must give different streams"
        first.seed(1234)
        np.testing.assert_array_equal(draw, host(first.uniform((50,), 0.0, 1.0, np.float64)))

    def test_state_replays_the_stream(self, backend: Backend, index, host) -> None:
        """``set_state`` with a state ``get_state`` gave replays the draws."""
        generator = backend.make_generator(index, 7)
        state = generator.get_state()
        draw = host(generator.normal((20,), 0.0, 1.0, np.float64))
        generator.set_state(state)
        np.testing.assert_array_equal(draw, host(generator.normal((20,), 0.0, 1.0, np.float64)))

    @pytest.mark.parametrize("dtype", [np.float32, np.float64])
    def test_uniform_range(self, backend: Backend, index, host, dtype) -> None:
        """Uniform draws stay in their range, with its mean."""
        draw = host(backend.make_generator(index, 3).uniform((4, 1000), -2.0, 3.0, dtype))
        assert draw.shape == (4, 1000) and draw.dtype == dtype
        assert draw.min() >= -2.0 and draw.max() < 3.0
        assert abs(draw.mean() - 0.5) < 0.1, "uniform(-2, 3) must average 0.5"

    def test_normal_moments(self, backend: Backend, index, host) -> None:
        """Normal draws have the mean and standard deviation asked for."""
        draw = host(backend.make_generator(index, 5).normal((20000,), 1.5, 2.0, np.float32))
        assert draw.dtype == np.float32
        assert abs(draw.mean() - 1.5) < 0.1 and abs(draw.std() - 2.0) < 0.1

    def test_integers_range(self, backend: Backend, index, host) -> None:
        """Integer draws cover ``[low, high)`` and nothing else."""
        draw = host(backend.make_generator(index, 9).integers(-3, 4, (2000,), np.int64))
        assert draw.dtype == np.int64
        assert set(np.unique(draw).tolist()) == set(range(-3, 4)), "integers(low, high) covers [low, high)"

    def test_permutation(self, backend: Backend, index, host) -> None:
        """``permutation(n)`` orders ``0 .. n-1`` at random."""
        order = host(backend.make_generator(index, 11).permutation(50))
        np.testing.assert_array_equal(np.sort(order), np.arange(50))
        assert not np.array_equal(order, np.arange(50))

    # --- end to end ----------------------------------------------------------------
    def test_tensors_train_on_the_backend(self, backend: Backend, device) -> None:
        """A small model computes and trains on the backend, with PyTorch's gradients."""
        rng = np.random.default_rng(0)
        xs, ws, bs = rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=3)
        with ember.backends.use(backend.name, backend.device_type):
            x = ember.tensor(xs, device=device, requires_grad=True)
            w = ember.tensor(ws, device=device, requires_grad=True)
            b = ember.tensor(bs, device=device, requires_grad=True)
            loss = ((x * w + b).relu() ** 2).mean()
            loss.backward()
        for tensor in (x, w, loss, x.grad, w.grad, b.grad):
            assert tensor._backend is backend and tensor.device == device
        z = xs * ws + bs
        dz = 2 * np.maximum(z, 0) * (z > 0) / z.size
        np.testing.assert_allclose(loss.item(), np.mean(np.maximum(z, 0) ** 2), rtol=1e-12)
        np.testing.assert_allclose(x.grad.cpu().numpy(), dz * ws, rtol=1e-12)
        np.testing.assert_allclose(w.grad.cpu().numpy(), (dz * xs).sum(0), rtol=1e-12)
        np.testing.assert_allclose(b.grad.cpu().numpy(), dz.sum(0), rtol=1e-12)
