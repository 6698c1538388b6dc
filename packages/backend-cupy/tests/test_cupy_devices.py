"""cuda devices on the simulated CUDA: naming, selection, the current device, device queries."""

import ember
import numpy as np
import pytest

# --- naming devices ----------------------------------------------------------------------------


def test_device_objects_parse_cuda_names():
    assert repr(ember.device("cuda")) == "device(type='cuda')"
    assert ember.device("cuda").index is None
    assert ember.device("cuda:1") == ember.device("cuda", 1) == ember.device(1) == "cuda:1"
    assert repr(ember.device("cuda", 1)) == "device(type='cuda', index=1)" and str(ember.device("cuda:1")) == "cuda:1"
    assert ember.device("cuda:0") != ember.device("cuda:1")


@pytest.mark.parametrize("text", ["cuda:x", "cuda:", "cuda:-1", ":0"])
def test_bad_device_strings_are_rejected(text):
    with pytest.raises(RuntimeError, match="Invalid device string|must not be negative"):
        ember.device(text)


def test_cuda_without_index_means_the_current_device(sim):
    x = ember.zeros(2, device="cuda")
    assert x.device == ember.device("cuda", 0) and x.device.index == 0
    assert x.is_cuda and not x.is_cpu and x.get_device() == 0
    assert ember.ones(2).to(ember.device("cuda")).device == "cuda:0"


def test_tensors_live_on_the_device_they_name(sim):
    for name in ("cuda:1", ember.device("cuda", 1), ember.device(1)):
        x = ember.zeros(2, 3, device=name)
        assert x.device == "cuda:1" and x.get_device() == 1
        assert sim.device_index(x._data) == 1, "the data itself is on device 1"


def test_device_objects_are_shared(sim):
    a = ember.zeros(1, device="cuda:1")
    b = ember.ones(1, device=ember.device("cuda", 1))
    assert a.device is b.device


@pytest.mark.parametrize(
    "call",
    [
        lambda: ember.zeros(2, device="cuda:2"),
        lambda: ember.ones(2).to("cuda:5"),
        lambda: ember.ones(2).cuda(2),
        lambda: ember.ones(2, device="cuda").to("cuda:7"),
    ],
    ids=["zeros", "to", "cuda(2)", "cuda-to-cuda"],
)
def test_invalid_ordinal_says_which_devices_exist(sim, call):
    with pytest.raises(RuntimeError, match=r"CUDA error: invalid device ordinal: cuda:\d was requested, but 2 cuda"):
        call()


# --- the current device ---------------------------------------------------------------------------


def test_set_device_moves_the_default_cuda_device(sim):
    assert ember.cuda.current_device() == 0
    ember.cuda.set_device(1)
    assert ember.cuda.current_device() == 1
    assert sim.xp.cuda.runtime.getDevice() == 1, "CuPy's current device follows"
    assert ember.zeros(1, device="cuda").device == "cuda:1"
    assert ember.ones(1).cuda().device == "cuda:1"
    ember.cuda.set_device("cuda:0")
    assert ember.ones(1).cuda().device == "cuda:0"
    ember.cuda.set_device(ember.device("cuda", 1))
    assert ember.cuda.current_device() == 1
    ember.cuda.set_device(-1)
    assert ember.cuda.current_device() == 1, "a negative index changes nothing"


def test_set_device_rejects_other_devices(sim):
    with pytest.raises(ValueError, match="Expected a cuda device, but got: cpu"):
        ember.cuda.set_device("cpu")
    with pytest.raises(RuntimeError, match="invalid device ordinal: cuda:4 was requested"):
        ember.cuda.set_device(4)
    assert ember.cuda.current_device() == 0


def test_device_context_selects_and_restores(sim):
    with ember.cuda.device(1):
        assert ember.cuda.current_device() == 1
        assert ember.randn(2, device="cuda").device == "cuda:1"
        with ember.cuda.device("cuda:0"):
            assert ember.zeros(1, device="cuda").device == "cuda:0"
        assert ember.cuda.current_device() == 1
    assert ember.cuda.current_device() == 0
    assert sim.xp.cuda.runtime.getDevice() == 0
    with ember.cuda.device(None):
        assert ember.cuda.current_device() == 0


def test_device_context_restores_after_an_error(sim):
    with pytest.raises(KeyError), ember.cuda.device(1):
        raise KeyError("inside")
    assert ember.cuda.current_device() == 0


def test_device_of_a_tensor(sim):
    x = ember.zeros(1, device="cuda:1")
    with ember.cuda.device_of(x):
        assert ember.cuda.current_device() == 1
    with ember.cuda.device_of(ember.zeros(1)):
        assert ember.cuda.current_device() == 0


def test_default_device(sim):
    ember.set_default_device("cuda:1")
    try:
        assert ember.zeros(2).device == "cuda:1" and ember.arange(3).device == "cuda:1"
    finally:
        ember.set_default_device("cpu")
    assert ember.zeros(2).device == "cpu"


# --- device queries ----------------------------------------------------------------------------------


def test_availability_and_count(sim):
    assert ember.cuda.is_available() and ember.cuda.is_initialized()
    assert ember.cuda.device_count() == 2
    ember.cuda.init()


def test_device_name_and_synchronize(sim):
    assert ember.cuda.get_device_name(1) == "Simulated CUDA device (NumPy, no GPU)"
    assert ember.cuda.get_device_name() == ember.cuda.get_device_name(ember.device("cuda:0"))
    ember.cuda.synchronize(1)
    ember.cuda.synchronize("cuda:1")
    assert sim.xp.runtime.synchronized == [0, 2]


def test_device_properties(sim):
    properties = ember.cuda.get_device_properties(1)
    assert properties.name == "Simulated CUDA device (NumPy, no GPU)"
    assert properties.total_memory == 1 << 34 and properties.multi_processor_count == 1
    assert repr(properties) == (
        "_CudaDeviceProperties(name='Simulated CUDA device (NumPy, no GPU)', major=0, minor=0, "
        "total_memory=16384MB, multi_processor_count=1)"
    )
    assert ember.cuda.get_device_capability() == (0, 0)


def test_memory_allocated_follows_tensors(sim):
    base = ember.cuda.memory_allocated(1)
    x = ember.zeros(256, device="cuda:1", dtype=ember.float64)
    assert ember.cuda.memory_allocated(1) == base + 2048
    assert ember.cuda.memory_allocated(0) == 0, "device 0 holds nothing"
    assert ember.cuda.memory_reserved(1) >= ember.cuda.memory_allocated(1)
    del x
    assert ember.cuda.memory_allocated("cuda:1") == base
    ember.cuda.empty_cache()
    assert sim.xp.get_default_memory_pool().freed == 1
    with pytest.raises(RuntimeError, match="does not record peak memory use; use ember.cuda.memory_allocated"):
        ember.cuda.max_memory_allocated()


def test_cuda_legacy_tensor_types(sim):
    x = ember.cuda.FloatTensor([1, 2])
    assert x.device == "cuda:0" and x.dtype is ember.float32
    assert x.type() == "ember.cuda.FloatTensor"
    assert isinstance(x, ember.cuda.FloatTensor) and not isinstance(x, ember.FloatTensor)
    assert ember.cuda.LongTensor(2, 3).shape == (2, 3)
    np.testing.assert_array_equal(x.cpu().numpy(), [1.0, 2.0])


def test_the_current_device_is_per_thread(sim):
    import threading

    ember.cuda.set_device(1)
    seen = []
    worker = threading.Thread(target=lambda: seen.append(ember.zeros(1, device="cuda").device))
    worker.start()
    worker.join()
    assert seen == [ember.device("cuda", 0)], "a new thread starts on device 0, as in CUDA"
    assert ember.cuda.current_device() == 1


def test_data_ptr_is_the_device_address(sim):
    x = ember.arange(6.0, device="cuda").reshape(2, 3)
    y = ember.zeros(6, device="cuda")
    assert x.data_ptr() == x._data.data.ptr != 0, "the address CuPy (and NCCL) see"
    assert x[1].data_ptr() - x.data_ptr() == 3 * 4
    assert x.t().data_ptr() == x.data_ptr() != y.data_ptr()
