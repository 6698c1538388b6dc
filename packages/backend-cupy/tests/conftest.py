"""ember-cupy's tests: the device plumbing on a simulated CUDA (always), real-GPU tests marked `cuda`.

Tests that take the `sim` fixture run against `CupyBackend` over CUDA simulated on NumPy
(two devices), registered as ember's "cuda" backend for the test only. Tests marked
`cuda` need CuPy and a GPU; without them they skip, saying why.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ember.backends import registry
from ember_cupy.simulated import SIMULATION_NOTE, simulated_cuda

HERE = Path(__file__).parent


def real_gpu_reason() -> str | None:
    """Why the real CuPy backend cannot run here, or None when it can."""
    try:
        backend = registry.by_name("cupy", "cuda")
    except ValueError:
        return "the ember-cupy entry point is not installed (pip install -e packages/backend-cupy)"
    return backend.unavailable_reason()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "cuda: needs CuPy and a CUDA GPU; skipped, saying why, where there is none")


def pytest_report_header(config: pytest.Config) -> list[str]:
    reason = real_gpu_reason()
    gpu = "run" if reason is None else f"skip (no CUDA GPU: {reason})"
    return [
        f"ember-cupy: device plumbing tests use {SIMULATION_NOTE}",
        f"ember-cupy: real-GPU tests (marked cuda) {gpu}",
    ]


def pytest_collection_modifyitems(config: pytest.Config, items: list) -> None:
    reason = real_gpu_reason()
    if reason is None:
        return
    skip = pytest.mark.skip(reason=f"no CUDA GPU: {reason}")
    for item in items:
        if "cuda" in item.keywords and item.path.is_relative_to(HERE):
            item.add_marker(skip)


@pytest.fixture
def sim():
    """The simulated CUDA backend (2 devices), serving "cuda" for this test."""
    with simulated_cuda(devices=2) as backend:
        yield backend
