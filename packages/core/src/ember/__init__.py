"""ember: a define-by-run deep learning framework with the PyTorch API and pluggable backends.

import ember as torch

The modules of ember-core form layers, lowest first. A module imports only modules of its own
layer or of the layers before it, at module level or inside functions; tests/test_core_layering.py
reads this list and checks every import statement against it, and checks there are no cycles.
A layer that gives a lower layer's class methods attaches them itself (ops attach Tensor's math).

1. ``_dtype``, ``_type_info``, ``_device``, ``_size``, ``_printing``: dtypes and their limits, devices, sizes, text
2. ``_tensor``: a backend array with its dtype, device and autograd slots
3. ``backends.*``: the backend protocol, the plugin registry, NumpyLikeBackend
4. ``_devices``: from a device to the backend that serves it
5. ``_autograd.*``: grad modes, graph nodes, the rules' math namespaces, the engine, Tensor.backward
6. ``_writes``, ``_argument_checks``: in-place checks and ``out=``; argument checks
7. ``_creation``, ``_random``: tensors from data, shapes and random streams
8. ``ops.*``: every op, declared once with its backward rule, attached to Tensor and ``ember``
9. ``autograd.*``, ``_settings``, ``_control_flow``, ``cuda``, ``fft``, ``_signal``, ``linalg``, ``special``, ``serialization``, ``_checkpoint.*``, ``distributions.*``, ``_compile.*``: the public faces of the layers below, and ember.compile
10. ``ember``, ``__main__``, ``testing.*``: the package itself, ``python -m ember``, the test tools
"""

from __future__ import annotations


def _namespace_path(path: list) -> list:
    """This package's folders on sys.path: ember-nn ships ember/nn, ember/optim and ember/utils there.

    (pkgutil.extend_path does the same, but importing pkgutil costs more than the whole search.)
    """
    import os
    import sys

    found = list(path)
    for entry in sys.path:
        folder = os.path.join(entry or os.curdir, __name__)
        if folder not in found and os.path.isdir(folder):
            found.append(folder)
    return found


__path__ = _namespace_path(__path__)
__version__ = "0.1.0"

from . import _dtype
from ._device import device
from ._dtype import (
    bfloat16,
    bool_ as bool,  # noqa: A004
    complex64,
    complex128,
    dtype,
    float16,
    float32,
    float64,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    promote_types,
    set_default_dtype,
    uint8,
)
from ._size import Size
from ._type_info import finfo, iinfo
from ._tensor import LEGACY_TYPES, Tensor
from ._autograd import _tensor_methods  # noqa: F401  (attaches backward, register_hook, ...)
from . import autograd, backends
from .autograd import (
    enable_grad,
    inference_mode,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .ops import FUNCTIONS as _FUNCTIONS
from ._creation import (
    arange,
    as_tensor,
    asarray,
    empty,
    empty_like,
    empty_permuted,
    empty_strided,
    eye,
    from_dlpack,
    from_numpy,
    frombuffer,
    full,
    full_like,
    get_default_device,
    linspace,
    logspace,
    ones,
    ones_like,
    scalar_tensor,
    set_default_device,
    tensor,
    to_dlpack,
    zeros,
    zeros_like,
)
from ._creation import range_ as range  # noqa: A004
from ._random import (
    Generator,
    bernoulli,
    binomial,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    multinomial,
    normal,
    poisson,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    seed,
    set_rng_state,
)
from ._printing import get_printoptions, printoptions, set_printoptions
from ._control_flow import cond, while_loop
from ._settings import (
    are_deterministic_algorithms_enabled,
    get_deterministic_debug_mode,
    get_float32_matmul_precision,
    get_num_interop_threads,
    is_deterministic_algorithms_warn_only_enabled,
    is_warn_always_enabled,
    set_anomaly_enabled,
    set_deterministic_debug_mode,
    set_float32_matmul_precision,
    set_num_interop_threads,
    set_warn_always,
    use_deterministic_algorithms,
)
from . import cuda, fft, linalg, special
from ._signal import istft, stft
from .ops.return_types import ReturnTuple as _ReturnTuple
from .serialization import load, save

half, float, double = float16, float32, float64  # noqa: A001
short, int, long = int16, int32, int64  # noqa: A001
cfloat, cdouble = complex64, complex128
globals().update(LEGACY_TYPES)
globals().update(_FUNCTIONS)
strided = "ember.strided"
contiguous_format = preserve_format = channels_last = None
inf = __import__("math").inf
nan = __import__("math").nan
pi = __import__("math").pi
e = __import__("math").e


def is_tensor(obj) -> bool:
    """Whether `obj` is an ember tensor."""
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> bool:
    """Whether the tensor's dtype is a floating-point type."""
    return input.dtype.is_floating_point


def is_complex(input: Tensor) -> bool:
    """Whether the tensor's dtype is a complex type."""
    return input.dtype.is_complex


def numel(input: Tensor) -> int:
    """The number of elements of the tensor."""
    return input.numel()


def typename(obj) -> str:
    """The type name of a tensor (``'ember.FloatTensor'``) or of any object."""
    return obj.type() if isinstance(obj, Tensor) else type(obj).__name__


def set_num_threads(n: int) -> None:
    """Accepted for compatibility; the NumPy backend's BLAS sets its own threads."""


def get_num_threads() -> int:
    """The number of threads the backend's math library uses on the CPU."""
    import os

    return os.cpu_count() or 1


_NN_SUBPACKAGES = ("nn", "optim", "utils", "distributed")  # shipped by ember-nn
_FUNCTIONS_GROUP = "ember.functions"  # entry points: torch's top-level names that other distributions provide
_provided: dict | None = None


def _provided_function(name: str):
    """`ember.<name>` from the `ember.functions` entry points (ember-nn's conv2d, dropout, ...), or None.

    The entry points are read once, on the first name ember itself lacks; a name's module is
    imported only when that name is asked for.
    """
    global _provided
    if _provided is None:
        from importlib import metadata

        _provided = {entry.name: entry for entry in metadata.entry_points(group=_FUNCTIONS_GROUP)}
    entry = _provided.get(name)
    if entry is None:
        return None
    function = globals()[name] = entry.load()
    return function


def __getattr__(name: str):
    """`ember.nn`, `ember.optim`, `ember.utils`, `ember.distributions` and ember-nn's `ember.conv2d` (...), as in torch."""
    if name == "compile":  # NOTE: imported on first use, to keep `import ember` fast
        from ._compile import compile

        return compile
    if name == "return_types":
        from .ops import return_types

        return return_types
    if name == "distributions":  # NOTE: imported on first use, to keep `import ember` fast
        import importlib

        return importlib.import_module(f"{__name__}.distributions")
    if name in _NN_SUBPACKAGES:
        import importlib

        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module 'ember' has no attribute '{name}': pip install ember-nn") from None
    if not name.startswith("_"):
        function = _provided_function(name)
        if function is not None:
            return function
        if not _provided:
            raise AttributeError(
                f"module 'ember' has no attribute '{name}'; torch's top-level neural-network functions "
                "(conv2d, dropout, layer_norm, ...) come with ember-nn: pip install ember-nn"
            )
    raise AttributeError(f"module 'ember' has no attribute '{name}'")
