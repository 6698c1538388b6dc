"""The simulated CUDA behaves like CuPy where ember could get it wrong: it is no NumPy array."""

import numpy as np
import pytest
from ember_cupy.simulated import PinnedMemory, SimulatedCupy, SimulatedCupyx


@pytest.fixture
def cp():
    return SimulatedCupy(np, devices=2)


def test_device_arrays_refuse_implicit_conversion_to_numpy(cp):
    x = cp.arange(3.0)
    with pytest.raises(TypeError, match="Implicit conversion to a NumPy array is not allowed"):
        np.asarray(x)
    with pytest.raises(TypeError, match="Implicit conversion"):
        np.array([x, x])
    np.testing.assert_array_equal(x.get(), [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(cp.asnumpy(x), [0.0, 1.0, 2.0])


def test_host_copies_are_independent(cp):
    host = np.arange(3.0)
    x = cp.asarray(host)
    host[0] = 9.0
    assert x.get()[0] == 0.0, "a host array moved to the device is a copy"
    back = x.get()
    back[1] = 9.0
    assert x.get()[1] == 1.0, "a device array copied to the host is a copy"


def test_kernels_refuse_host_arrays(cp):
    x = cp.ones(3)
    for mix in (lambda: x + np.ones(3), lambda: cp.add(x, np.ones(3)), lambda: cp.concatenate([x, np.ones(3)])):
        with pytest.raises(TypeError, match="Unsupported type <class 'numpy.ndarray'>"):
            mix()
    assert (x + np.float32(2.0)).get().tolist() == [3.0, 3.0, 3.0], "NumPy scalars are accepted, as in CuPy"


def test_kernels_run_on_the_current_device_only(cp):
    x = cp.ones(3)
    with cp.cuda.Device(1):
        y = cp.ones(3)
        assert (y * 2).device.id == 1
        assert y.sum().device.id == 1 and y.sum().shape == (), "reductions give 0-d device arrays, as in CuPy"
    assert (x.device.id, y.device.id) == (0, 1)
    for kernel in (lambda: x + y, lambda: y * 2, lambda: cp.stack([x, x, y]), lambda: y.astype(np.int32)):
        with pytest.raises(ValueError, match=r"resides \(1\) is different from the current device \(0\)"):
            kernel()
    with pytest.raises(ValueError, match="Peer access is unavailable"):
        y[0] = 5.0


def test_views_stay_with_their_base_and_copies_come_to_the_current_device(cp):
    with cp.cuda.Device(1):
        y = cp.arange(4.0)
    assert y.reshape(2, 2).T.device.id == 1 and y[1:].device.id == 1, "views need no kernel"
    assert y.copy().device.id == 0, "copy() brings an array to the current device, as in CuPy"
    assert y.get().tolist() == [0.0, 1.0, 2.0, 3.0] and y[2].item() == 2.0
    assert cp.zeros(2).device.id == 0, "creation uses the current device"


def test_astype_refuses_casting_as_cupy_does(cp):
    with pytest.raises(TypeError, match="casting"):
        cp.ones(2).astype(np.int32, casting="unsafe")


def test_integer_indexing_gives_a_0d_view(cp):
    x = cp.arange(4.0)
    element = x[1]
    assert type(element) is type(x) and element.shape == ()
    element[...] = 7.0
    assert x.get()[1] == 7.0


def test_memory_is_counted_per_device_while_arrays_live(cp):
    pool = cp.get_default_memory_pool()
    with cp.cuda.Device(1):
        before = pool.used_bytes()
        x = cp.zeros(1000, dtype=np.float32)
        view = x[10:]
        assert pool.used_bytes() == before + 4000, "views share memory: only the allocation counts"
        del x, view
        assert pool.used_bytes() == before
    assert cp.cuda.runtime.allocated[0] == 0


def test_devices_outside_the_range_are_invalid(cp):
    with pytest.raises(cp.cuda.CUDARuntimeError, match="invalid device ordinal"):
        cp.cuda.Device(2).__enter__()
    assert cp.cuda.runtime.getDevice() == 0


def test_pinned_memory_is_recognisable(cp):
    pinned = SimulatedCupyx(cp).empty_pinned((2, 3), np.float32)
    assert pinned.shape == (2, 3) and pinned.dtype == np.float32
    assert isinstance(pinned.base.base.obj, PinnedMemory)


def test_peer_copy_between_devices(cp):
    x = cp.arange(6.0)
    with cp.cuda.Device(1):
        y = cp.empty(6)
    y.data.copy_from_device(x.data, x.nbytes)
    np.testing.assert_array_equal(y.get(), np.arange(6.0))
    assert y.device.id == 1


def test_each_thread_has_its_own_current_device(cp):
    import threading

    cp.cuda.runtime.setDevice(1)
    seen = []
    worker = threading.Thread(target=lambda: seen.append(cp.cuda.runtime.getDevice()))
    worker.start()
    worker.join()
    assert seen == [0] and cp.cuda.runtime.getDevice() == 1


def test_numpy_calls_cupy_lacks_fail_as_on_a_gpu(cp):
    x = cp.zeros(4)
    cp.add.at(x, cp.asarray([0, 0, 2]), 1.0)
    assert x.get().tolist() == [2.0, 0.0, 1.0, 0.0], "scatter ufuncs (add, maximum, minimum) have .at"
    with pytest.raises(NotImplementedError, match="multiply.at"):
        cp.multiply.at(x, cp.asarray([0]), 2.0)
    with pytest.raises(TypeError):
        cp.indices((2, 3), sparse=True)
    assert cp.indices((2, 3)).shape == (2, 2, 3)
