"""Without CuPy, a driver or a GPU: ember still imports, CUDA says it is unavailable and why."""

import subprocess
import sys
from types import SimpleNamespace

import ember
import ember_cupy
import pytest
from ember.backends import registry
from ember_cupy import CupyBackend, _availability


class FakeRuntime:
    """cupy.cuda.runtime as a machine without a working GPU answers."""

    def __init__(self, driver=12020, runtime=12080, count=1, count_error=None):
        self.driver, self.runtime, self.count, self.count_error = driver, runtime, count, count_error

    def driverGetVersion(self):
        if isinstance(self.driver, Exception):
            raise self.driver
        return self.driver

    def runtimeGetVersion(self):
        return self.runtime

    def getDeviceCount(self):
        if self.count_error is not None:
            raise self.count_error
        return self.count


def fake_cupy(**runtime):
    return SimpleNamespace(cuda=SimpleNamespace(runtime=FakeRuntime(**runtime)))


@pytest.fixture
def no_cupy(monkeypatch):
    """Imports of cupy fail as they do where it is not installed; records the attempts."""
    attempts = []

    def import_module(name):
        attempts.append(name)
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    monkeypatch.setattr(_availability.importlib, "import_module", import_module)
    return attempts


@pytest.fixture
def unusable_cuda():
    """A CUDA backend whose driver is missing, serving "cuda" for the test."""
    backend = CupyBackend(fake_cupy(driver=0))
    backend.name = "cupy-without-driver"
    registry.register(backend)
    with registry.use(backend.name, "cuda"):
        yield backend
    registry.unregister(backend)


# --- why CUDA is unavailable --------------------------------------------------------------


def test_cupy_is_imported_only_when_cuda_is_first_asked_about(no_cupy):
    backend = ember_cupy.ember_backends()[0]
    assert isinstance(backend, CupyBackend) and backend.name == "cupy" and backend.device_type == "cuda"
    assert no_cupy == [], "making the backend must not import CuPy"
    assert backend.is_available() is False
    assert no_cupy == ["cupy"]
    backend.device_count()
    assert no_cupy == ["cupy"], "the answer is cached: CuPy is looked for once"


def test_reason_without_cupy_on_a_gpu_machine_says_what_to_install(no_cupy, monkeypatch):
    monkeypatch.setattr(_availability, "nvidia_driver_found", lambda: True)
    backend = CupyBackend()
    reason = backend.unavailable_reason()
    assert reason.startswith("CuPy is not installed")
    assert "pip install ember-cupy[cuda12]" in reason and "ember-cupy[cuda13]" in reason and "nvidia-smi" in reason
    assert backend.is_available() is False and backend.device_count() == 0


def test_reason_without_cupy_on_a_cpu_only_machine_says_there_is_no_gpu_first(no_cupy, monkeypatch):
    monkeypatch.setattr(_availability, "nvidia_driver_found", lambda: False)
    reason = CupyBackend().unavailable_reason()
    assert reason.startswith("no NVIDIA GPU here (no NVIDIA driver found, and CuPy is not installed)")
    no_gpu, install = reason.index("no NVIDIA GPU"), reason.index("pip install ember-cupy[cuda12]")
    assert no_gpu < reason.index("On a machine with an NVIDIA GPU") < install


@pytest.mark.parametrize(
    ("smi", "files", "found"),
    [
        (None, (), False),
        ("/usr/bin/nvidia-smi", (), True),
        (None, ("/proc/driver/nvidia/version",), True),
        (None, ("/usr/lib/wsl/lib/libcuda.so.1",), True),
    ],
    ids=["nothing", "nvidia-smi", "kernel-module", "wsl"],
)
def test_nvidia_driver_is_found_by_nvidia_smi_or_its_files(monkeypatch, smi, files, found):
    monkeypatch.setattr(_availability.shutil, "which", lambda name: smi if name == "nvidia-smi" else None)
    monkeypatch.setattr(_availability.Path, "exists", lambda path: str(path) in files)
    assert _availability.nvidia_driver_found() is found


def test_reason_when_cupy_fails_to_import(monkeypatch):
    def broken(name):
        raise ImportError("libnvrtc.so.12: cannot open shared object file")

    monkeypatch.setattr(_availability.importlib, "import_module", broken)
    reason = CupyBackend().unavailable_reason()
    assert "CuPy is installed but failed to import" in reason and "libnvrtc.so.12" in reason
    assert "ember-cupy[cuda12]" in reason


@pytest.mark.parametrize(
    ("runtime", "expected"),
    [
        ({"driver": 0}, "no CUDA driver found"),
        ({"driver": RuntimeError("cudaErrorUnknown")}, "no CUDA driver found (cudaErrorUnknown)"),
        ({"count": 0}, "the CUDA driver finds no GPU"),
        ({"count_error": RuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected")}, "finds no GPU"),
        (
            {"count_error": RuntimeError("cudaErrorInsufficientDriver: CUDA driver version is insufficient")},
            "the NVIDIA driver supports CUDA 12.2 but this CuPy needs CUDA 12.8",
        ),
        ({"count_error": RuntimeError("cudaErrorOperatingSystem")}, "cannot list GPUs (RuntimeError: cudaErrorOper"),
    ],
    ids=["driver-version-0", "driver-call-fails", "no-device", "no-device-error", "old-driver", "other-error"],
)
def test_reason_names_the_missing_piece(runtime, expected):
    backend = CupyBackend(fake_cupy(**runtime))
    assert expected in backend.unavailable_reason()
    assert backend.is_available() is False and backend.device_count() == 0


def test_available_when_the_driver_finds_gpus():
    backend = CupyBackend(fake_cupy(count=3))
    assert backend.unavailable_reason() is None and backend.is_available()
    assert backend.device_count() == 3


def test_unavailable_backend_has_no_kernels_but_says_why():
    backend = CupyBackend(fake_cupy(driver=0))
    assert getattr(backend, "add", None) is None
    with pytest.raises(AttributeError, match="'add' needs CUDA, which is not available: no CUDA driver found"):
        backend.add
    assert backend.describe() == {}


def test_cuda_version_text():
    assert _availability.cuda_version(12040) == "12.4"
    assert _availability.cuda_version(13000) == "13.0"


# --- what users see -------------------------------------------------------------------------


def test_ember_cuda_queries_answer_without_a_gpu(unusable_cuda):
    assert ember.cuda.is_available() is False
    assert ember.cuda.device_count() == 0
    assert ember.cuda.unavailable_reason().startswith("no CUDA driver found")
    ember.cuda.manual_seed(0)
    ember.cuda.manual_seed_all(0)
    ember.cuda.empty_cache()
    assert ember.cuda.current_device() == 0


@pytest.mark.parametrize(
    "call",
    [
        lambda: ember.cuda.set_device(0),
        lambda: ember.cuda.synchronize(),
        lambda: ember.cuda.get_device_name(),
        lambda: ember.cuda.memory_allocated(),
        lambda: ember.cuda.init(),
    ],
    ids=["set_device", "synchronize", "get_device_name", "memory_allocated", "init"],
)
def test_cuda_functions_needing_a_device_say_why(unusable_cuda, call):
    with pytest.raises(RuntimeError, match=r"CUDA is not available: no CUDA driver found"):
        call()


@pytest.mark.parametrize(
    "request_cuda",
    [
        lambda: ember.zeros(2, device="cuda"),
        lambda: ember.ones(2).cuda(),
        lambda: ember.ones(2).to("cuda"),
        lambda: ember.tensor([1.0], device=ember.device("cuda", 0)),
        lambda: ember.randn(2, device="cuda:1"),
    ],
    ids=["zeros", "cuda()", "to", "tensor", "randn"],
)
def test_asking_for_a_cuda_tensor_raises_the_reason(unusable_cuda, request_cuda):
    with pytest.raises(RuntimeError, match=r"cuda:\d was requested, but CUDA is not available: no CUDA driver found"):
        request_cuda()


def test_cuda_tensor_without_any_cuda_backend_names_the_package():
    backend = registry.by_name("cupy", "cuda")
    registry.unregister(backend)
    try:
        with pytest.raises(RuntimeError, match=r"No ember backend serves device type 'cuda'.*pip install ember-cupy"):
            ember.zeros(1, device="cuda")
        assert ember.cuda.is_available() is False
        reason = ember.cuda.unavailable_reason()
        assert reason.startswith("no CUDA backend is installed, so ember uses no GPU; on a machine with an NVIDIA GPU")
        assert "pip install ember-cupy[cuda12]" in reason
    finally:
        registry.register(backend)


def test_python_m_ember_says_why_cuda_is_unavailable():
    reason = registry.by_name("cupy", "cuda").unavailable_reason()
    listing = subprocess.run(
        [sys.executable, "-m", "ember"], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    (line,) = [line for line in listing.splitlines() if line.strip().startswith("cupy (device type cuda")]
    assert "from ember-cupy" in line
    assert (f"not available: {reason}" in line) if reason is not None else ("available" in line)
