"""Finding CuPy and a GPU, and saying plainly why not: no CuPy, no CUDA driver, no device."""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path
from typing import Any

INSTALL = (
    "pip install ember-cupy[cuda12] (or ember-cupy[cuda13] where the driver supports CUDA 13; "
    "nvidia-smi shows the CUDA version)"
)


def import_cupy() -> tuple[Any, Any, str | None]:
    """The cupy and cupyx modules, or the reason they cannot be imported."""
    try:
        cupy = importlib.import_module("cupy")
        cupyx = importlib.import_module("cupyx")
    except ModuleNotFoundError as error:
        if error.name in ("cupy", "cupyx"):
            return None, None, _without_cupy()
        return None, None, _broken(error)
    except Exception as error:  # NOTE: CuPy raises ImportError or RuntimeError when its CUDA libraries are missing
        return None, None, _broken(error)
    return cupy, cupyx, None


#: Files only an installed NVIDIA driver puts there: its kernel module's, and WSL's libcuda.
DRIVER_FILES = ("/proc/driver/nvidia/version", "/usr/lib/wsl/lib/libcuda.so.1")


def nvidia_driver_found() -> bool:
    """Whether this machine has an NVIDIA driver, found without CuPy: nvidia-smi or the driver's files."""
    return shutil.which("nvidia-smi") is not None or any(Path(path).exists() for path in DRIVER_FILES)


def _without_cupy() -> str:
    """Why CUDA is unavailable when CuPy is missing: on a machine without a GPU, that first."""
    if not nvidia_driver_found():
        return (
            "no NVIDIA GPU here (no NVIDIA driver found, and CuPy is not installed). "
            f"On a machine with an NVIDIA GPU, install the CuPy wheel for its driver: {INSTALL}"
        )
    return f"CuPy is not installed: {INSTALL}"


def _broken(error: BaseException) -> str:
    return (
        f"CuPy is installed but failed to import ({type(error).__name__}: {error}); install the CuPy wheel that "
        f"matches the driver's CUDA version: {INSTALL}"
    )


def cuda_version(number: int) -> str:
    """CUDA's integer versions as people write them: 12040 -> '12.4'."""
    return f"{number // 1000}.{number % 1000 // 10}"


def device_problem(cupy: Any) -> str | None:
    """Why CuPy finds no usable GPU (no driver, a driver too old, no device), or None."""
    runtime = cupy.cuda.runtime
    try:
        driver = runtime.driverGetVersion()
    except Exception as error:
        return f"no CUDA driver found ({error}); install the NVIDIA driver (nvidia-smi must work)"
    if driver == 0:
        return "no CUDA driver found: install the NVIDIA driver (nvidia-smi must work)"
    try:
        count = runtime.getDeviceCount()
    except Exception as error:
        text = f"{type(error).__name__}: {error}"
        if "InsufficientDriver" in text or "insufficient" in text:
            return (
                f"the NVIDIA driver supports CUDA {cuda_version(driver)} but this CuPy needs CUDA "
                f"{_runtime_version(runtime)}: update the driver, or install the CuPy wheel for the driver's "
                f"CUDA version: {INSTALL}"
            )
        if "NoDevice" in text or "no CUDA-capable device" in text:
            return "the CUDA driver finds no GPU (no CUDA-capable device is detected)"
        return f"the CUDA driver cannot list GPUs ({text})"
    if count == 0:
        return "the CUDA driver finds no GPU (no CUDA-capable device is detected)"
    return None


def _runtime_version(runtime: Any) -> str:
    try:
        return cuda_version(runtime.runtimeGetVersion())
    except Exception:
        return "a newer version"
