"""ember-numpy: registered through its entry point, the default CPU backend, host-native, self-describing."""

from __future__ import annotations

import math
import os
import sys
import warnings
from importlib import metadata

import ember
import ember_numpy
import numpy as np
import pytest
from ember_numpy import backend as numpy_backend


def test_registered_through_the_entry_point():
    [entry_point] = [ep for ep in metadata.entry_points(group="ember.backends") if ep.name == "numpy"]
    assert entry_point.value == "ember_numpy" and entry_point.dist.name == "ember-numpy"
    assert [type(b) for b in ember_numpy.ember_backends()] == [ember_numpy.NumpyBackend]


@pytest.mark.skipif(bool(os.environ.get("EMBER_BACKEND")), reason="EMBER_BACKEND chooses another default")
def test_serves_cpu_by_default():
    backend = ember.backends.by_name("numpy")
    assert backend.device_type == "cpu" and backend.distribution == "ember-numpy"
    assert ember.backends.get("cpu") is backend
    assert ember.zeros(2)._backend is backend


def test_native_arrays_are_the_host_arrays():
    backend = ember.backends.by_name("numpy")
    array = np.arange(3.0)
    assert backend.from_numpy(array, None) is array
    assert backend.to_numpy(array) is array
    shared = ember.from_numpy(array)
    shared.add_(1)
    np.testing.assert_array_equal(array, [1.0, 2.0, 3.0])


def test_float_edge_cases_give_inf_and_nan_silently_as_in_pytorch():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        logs = ember.tensor([0.0, -1.0]).log()
        quotients = 1.0 / ember.tensor([0.0, -0.0])
        overflow = ember.tensor([1e38]) * 10
    assert logs.tolist()[0] == -math.inf and math.isnan(logs.tolist()[1])
    assert quotients.tolist() == [math.inf, -math.inf]
    assert overflow.tolist() == [math.inf]


def test_describe_reports_numpy_blas_and_threads():
    facts = ember.backends.by_name("numpy").describe()
    assert facts["numpy"] == np.__version__
    assert facts["blas"] and facts["blas"] != "unknown"
    assert facts["blas threads"].split()[0].isdigit()
    assert facts["bfloat16"].startswith("ml_dtypes ")


def test_describe_without_threadpoolctl_reads_the_build_and_environment(monkeypatch):
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "3")
    facts = numpy_backend.NumpyBackend().describe()
    build = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    assert facts["blas"].startswith(build["name"])
    assert facts["blas threads"] == "3 (from OPENBLAS_NUM_THREADS)"
    for variable in numpy_backend._THREAD_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    assert "one per core" in numpy_backend.NumpyBackend().describe()["blas threads"]


def test_fused_log_softmax_is_stable():
    backend = ember.backends.by_name("numpy")
    x = np.array([[1000.0, 0.0, -1000.0]])
    got = backend.fused_log_softmax(x, -1)
    np.testing.assert_allclose(got, [[0.0, -1000.0, -2000.0]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matmul_of_two_float_matrices_is_numpy_matmul_bit_for_bit(dtype):
    backend = numpy_backend.NumpyBackend()
    rng = np.random.default_rng(0)
    for n, k, m in [(50, 1, 1), (16, 1, 1), (2, 2, 2), (1, 7, 1), (0, 3, 4), (3, 0, 4), (33, 65, 17), (128, 96, 10)]:
        for x in (rng.normal(size=(n, k)).astype(dtype), rng.normal(size=(k, n)).astype(dtype).T):
            for y in (rng.normal(size=(k, m)).astype(dtype), rng.normal(size=(m, 2 * k)).astype(dtype)[:, ::2].T):
                expected = np.matmul(x, y)
                found = backend.matmul(x, y)
                assert found.dtype == expected.dtype and found.tobytes() == expected.tobytes()
                out = np.empty_like(expected)
                assert backend.matmul(x, y, out) is out and out.tobytes() == expected.tobytes()


@pytest.mark.parametrize(
    "x, y",
    [
        (np.ones((2, 3, 4), np.float32), np.ones((4, 5), np.float32)),  # batched
        (np.ones(4, np.float64), np.ones((4, 2), np.float64)),  # a vector
        (np.ones((2, 3), np.complex64) * (1 + 2j), np.ones((3, 4), np.complex64) * (3 - 1j)),
        (np.ones((2, 3), np.float16), np.ones((3, 4), np.float16)),
        (np.ones((2, 3), np.float32), np.ones((3, 4), np.float64)),  # mixed
        (np.arange(6).reshape(2, 3), np.arange(12).reshape(3, 4)),
    ],
)
def test_matmul_of_other_operands_is_numpy_matmul(x, y):
    found = numpy_backend.NumpyBackend().matmul(x, y)
    expected = np.matmul(x, y)
    assert found.dtype == expected.dtype and found.tobytes() == expected.tobytes()
