"""ember.backends answers PyTorch's torch.backends switches and queries, beside the plugin API."""

from __future__ import annotations

import importlib

import ember


def test_cudnn_flags_are_settable_and_remembered():
    cudnn = ember.backends.cudnn
    saved = (cudnn.benchmark, cudnn.deterministic, cudnn.enabled, cudnn.allow_tf32)
    assert saved == (False, False, True, True)  # PyTorch's defaults
    try:
        cudnn.benchmark = True
        cudnn.deterministic = True
        assert (ember.backends.cudnn.benchmark, ember.backends.cudnn.deterministic) == (True, True)
    finally:
        cudnn.benchmark, cudnn.deterministic, cudnn.enabled, cudnn.allow_tf32 = saved
    assert cudnn.is_available() is False
    assert cudnn.version() is None


def test_the_switch_namespaces_import_as_modules():
    assert importlib.import_module("ember.backends.cudnn") is ember.backends.cudnn
    from ember.backends import cpu, cuda, mps

    assert mps.is_available() is False and mps.is_built() is False
    assert cpu.get_cpu_capability() == "DEFAULT"
    cuda.matmul.allow_tf32 = True
    assert ember.backends.cuda.matmul.allow_tf32 is True
    cuda.matmul.allow_tf32 = False
    assert cuda.is_built() == ("cuda" in ember.backends.registry.device_types())


def test_a_training_script_runs_with_the_switches_set():
    ember.backends.cudnn.benchmark = True
    try:
        device = "mps" if ember.backends.mps.is_available() else "cpu"
        x = ember.ones(2, 3, device=device, requires_grad=True)
        (x * 2).sum().backward()
        assert x.grad.tolist() == [[2.0] * 3] * 2
    finally:
        ember.backends.cudnn.benchmark = False


def test_the_plugin_api_keeps_its_names():
    for name in ["registry", "use", "available", "get", "by_name", "failures", "hookimpl", "hookspec", "Backend"]:
        assert hasattr(ember.backends, name), name
    assert ember.backends.get("cpu").device_type == "cpu"
