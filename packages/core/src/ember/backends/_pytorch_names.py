"""PyTorch's ``torch.backends.*`` switches under ``ember.backends``, so scripts that set them run unchanged.

``cudnn``, ``mps``, ``cpu`` and ``cuda`` are modules here too (``import ember.backends.cudnn as cudnn``
works). Their flags are plain settable attributes that change nothing: ember has no cuDNN, no
Metal and no TF32 path, and the backend plugins decide how they compute. The queries answer
truthfully for ember: ``mps.is_available()`` is False, ``cudnn.is_available()`` is False.
"""

from __future__ import annotations

import sys
import types

from ._registry import registry


def _module(name: str, doc: str, **attributes) -> types.ModuleType:
    """A submodule ``ember.backends.<name>`` holding `attributes`, importable by its dotted name."""
    module = types.ModuleType(f"{__package__}.{name}", doc)
    vars(module).update(attributes)
    sys.modules[module.__name__] = module
    return module


def _false() -> bool:
    return False


def _no_version() -> None:
    return None


def _cpu_capability() -> str:
    """ "DEFAULT": ember has no kernels of its own to specialise per CPU (the backend's library does that)."""
    return "DEFAULT"


def _cuda_is_built() -> bool:
    """True when an installed backend plugin serves the device type "cuda"."""
    return "cuda" in registry.device_types()


cudnn = _module(
    "cudnn",
    "cuDNN switches, as in torch.backends.cudnn: accepted and without effect (ember does not use cuDNN).",
    enabled=True,
    benchmark=False,
    benchmark_limit=10,
    deterministic=False,
    allow_tf32=True,
    is_available=_false,
    version=_no_version,
)

mps = _module(
    "mps",
    "Apple's Metal (MPS) device, as in torch.backends.mps: no ember backend serves it.",
    is_available=_false,
    is_built=_false,
)

cpu = _module(
    "cpu",
    "The CPU, as in torch.backends.cpu.",
    get_cpu_capability=_cpu_capability,
)

cuda = _module(
    "cuda",
    "CUDA math switches, as in torch.backends.cuda: accepted and without effect.",
    matmul=types.SimpleNamespace(
        allow_tf32=False,
        allow_fp16_reduced_precision_reduction=True,
        allow_bf16_reduced_precision_reduction=True,
    ),
    is_built=_cuda_is_built,
)
