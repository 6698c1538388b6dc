"""CUDA tensors on the mpi group: device buffers go to MPI as they are where the library is CUDA-aware,
through host memory otherwise. The decision, and the buffers each way, on the simulated CUDA device."""

from __future__ import annotations

import ember
import numpy as np
import pytest
from ember.distributed import _cuda_aware
from ember.distributed._host import read_array, store, write_array


@pytest.fixture
def cuda():
    """ember-cupy's simulated CUDA device (2 devices), serving "cuda" for the test."""
    simulated = pytest.importorskip(
        "ember_cupy.simulated", reason="needs ember-cupy (pip install -e packages/backend-cupy)"
    )
    with simulated.simulated_cuda(devices=2) as backend:
        yield backend


@pytest.mark.parametrize(
    ("setting", "kinds", "mpix", "aware", "why"),
    [
        ("1", "mpi,system", 0, True, "EMBER_MPI_CUDA_AWARE=1"),
        ("0", "mpi,system,cuda:device", 1, False, "EMBER_MPI_CUDA_AWARE=0"),
        (None, "mpi,system,cuda:device", None, True, "memory kinds include cuda"),
        ("", "mpi,system,cuda", 0, True, "memory kinds include cuda"),
        (None, "mpi,system", 1, True, "MPIX_Query_cuda_support"),
        (None, None, 1, True, "MPIX_Query_cuda_support"),
        (None, "mpi,system", 0, False, "takes no CUDA buffers"),
        (None, "mpi,system", None, False, "memory kinds: mpi,system; no MPIX"),
        (None, None, None, False, "not reported"),
    ],
)
def test_the_decision(setting, kinds, mpix, aware, why):
    got, reason = _cuda_aware.decide(setting, kinds, mpix)
    assert got is aware
    assert why in reason


def test_a_bad_setting_says_what_to_write():
    with pytest.raises(ValueError, match=r"EMBER_MPI_CUDA_AWARE='maybe': use 1 .* or 0"):
        _cuda_aware.decide("maybe", None, None)


def test_the_group_asks_its_mpi_library(world, monkeypatch):
    from ember.distributed import _mpi

    group = world._world.default_group()
    assert group.cuda_aware is _mpi.cuda_aware(group.comm)[0]
    monkeypatch.setenv(_cuda_aware.SETTING, "1")
    assert _mpi.cuda_aware(group.comm) == (True, "EMBER_MPI_CUDA_AWARE=1 says so")
    assert _cuda_aware.mpix_query_cuda_support() in (0, 1, None)


def test_cuda_aware_lends_the_device_memory_after_synchronizing(cuda):
    t = ember.arange(6.0, device="cuda").reshape(2, 3)
    runtime = cuda._cupy.runtime
    synced = runtime.synchronized[0]
    array, copied = write_array(t, "all_reduce()", device=True)
    assert not copied and array is t._data, "the tensor's own device memory, no copy"
    assert not isinstance(array, np.ndarray)
    assert runtime.synchronized[0] == synced + 1, "MPI reads the memory only once the device is idle"
    array *= 2  # what MPI would write there
    assert t.tolist() == [[0.0, 2.0, 4.0], [6.0, 8.0, 10.0]]
    assert read_array(t, device=True) is t._data


def test_without_cuda_aware_mpi_a_cuda_tensor_goes_through_host_memory(cuda):
    t = ember.arange(6.0, device="cuda")
    array, copied = write_array(t, "all_reduce()", device=False)
    assert copied and isinstance(array, np.ndarray)
    array *= 3
    assert t.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0], "a host copy until stored"
    store(t, array)
    assert t.tolist() == [0.0, 3.0, 6.0, 9.0, 12.0, 15.0]
    assert isinstance(read_array(t), np.ndarray)


def test_a_strided_cuda_tensor_is_copied_on_the_device_and_stored_back(cuda):
    base = ember.arange(6.0, device="cuda").reshape(2, 3)
    column = base[:, 1]
    array, copied = write_array(column, "broadcast()", device=True)
    assert copied and not isinstance(array, np.ndarray)
    array += 100
    store(column, array)
    assert base.tolist() == [[0.0, 101.0, 2.0], [3.0, 104.0, 5.0]]


def test_cpu_tensors_are_unaffected(cuda):
    t = ember.arange(3.0)
    array, copied = write_array(t, "all_reduce()", device=True)
    assert not copied and isinstance(array, np.ndarray) and np.shares_memory(array, t.numpy())
