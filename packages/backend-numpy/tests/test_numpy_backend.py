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
