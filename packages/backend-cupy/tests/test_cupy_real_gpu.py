"""What only a real GPU can show: CuPy's memory pool, pinned memory, peer copies, the driver's answers.

Every test is marked `cuda`: without CuPy and a GPU they skip, saying why.
"""

import ember
import numpy as np
import pytest
from ember.backends import registry

pytestmark = pytest.mark.cuda


@pytest.fixture
def gpu():
    backend = registry.by_name("cupy", "cuda")
    with registry.use("cupy", "cuda"):
        yield backend


def test_cuda_is_available_and_described(gpu):
    assert ember.cuda.is_available() and ember.cuda.device_count() >= 1
    assert ember.cuda.get_device_name(0)
    facts = gpu.describe()
    assert facts["cupy"] and facts["cuda_driver"] and "cuda:0" in facts["devices"]
    major, _ = ember.cuda.get_device_capability()
    assert major >= 3


def test_tensors_live_in_cupy_memory(gpu):
    import cupy

    before = ember.cuda.memory_allocated()
    x = ember.ones(1024, 1024, device="cuda")
    assert isinstance(x._data, cupy.ndarray) and x._data.device.id == 0
    assert ember.cuda.memory_allocated() >= before + 4 * 1024 * 1024
    ember.cuda.synchronize()
    np.testing.assert_array_equal(x.sum().cpu().numpy(), np.float32(1024 * 1024))


def test_pinned_memory_is_page_locked(gpu):
    pinned = ember.arange(16.0).pin_memory()
    assert pinned.is_pinned() and not ember.arange(4.0).is_pinned()
    np.testing.assert_array_equal(pinned.cuda().cpu().numpy(), np.arange(16.0, dtype=np.float32))


def test_seeded_draws_repeat_and_save_their_state(gpu):
    ember.cuda.manual_seed(11)
    first = ember.randn(1000, device="cuda").cpu().numpy()
    ember.cuda.manual_seed(11)
    np.testing.assert_array_equal(ember.randn(1000, device="cuda").cpu().numpy(), first)
    assert abs(first.mean()) < 0.15 and abs(first.std() - 1) < 0.15


def test_peer_copy_between_gpus(gpu):
    if ember.cuda.device_count() < 2:
        pytest.skip("needs two GPUs")
    x = ember.arange(12.0, device="cuda:0").reshape(3, 4)
    y = x.to("cuda:1")
    assert y._data.device.id == 1
    np.testing.assert_array_equal(y.cpu().numpy(), np.arange(12.0, dtype=np.float32).reshape(3, 4))


def test_dlpack_with_cupy(gpu):
    import cupy

    native = cupy.arange(5.0)
    shared = ember.from_dlpack(native)
    assert shared.device == "cuda:0"
    shared.mul_(2)
    np.testing.assert_array_equal(cupy.asnumpy(native), np.arange(5.0) * 2)
    back = cupy.from_dlpack(shared)
    assert back.data.ptr == native.data.ptr
