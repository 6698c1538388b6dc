"""The backend protocol: what a backend plugin provides to ember.

A backend is one object per device type it serves (``"cpu"``, ``"cuda"``, ...). ember
keeps a reference to it in every tensor and calls its kernels with the backend's own
native arrays, so the per-op path touches only this object, never the plugin
machinery. :class:`ember.backends.NumpyLikeBackend` implements the whole protocol
given a NumPy-like array module; a plugin may subclass it (overriding what differs)
or implement the protocol from scratch. Either way,
``pytest --pyargs ember.testing.suite --ember-backend NAME`` proves it conforms.

**Native arrays** are NumPy-like: they have ``shape``, ``ndim``, ``dtype`` (a NumPy
dtype: ember reads a result's ember dtype from it), ``astype(numpy_dtype)``,
``copy()``, the arithmetic operators and NumPy's indexing rules. ``backend.ndarray``
is their type, ``backend.xp`` the NumPy-compatible module they come from (ops the
protocol does not name use it).

**Kernels** are named and called exactly like the NumPy function of the same name,
grouped in :data:`KERNELS`; ``permute`` is ``numpy.transpose`` and ``concat`` is
``numpy.concatenate``. Unary and binary kernels also take NumPy's ``out=`` and
``casting=`` keywords: in-place ops (``add_``) write through them into the buffer that
``Tensor.numpy()`` shares. Reductions take ``axis`` (None, an int or a tuple) and
``keepdims``; ``sum`` also ``dtype``, ``var``/``std`` also ``ddof``.

**Optional** members a backend may add for speed or devices: ``fused_softmax(x, axis)``,
``fused_log_softmax(x, axis)`` (core has composite fallbacks), ``to_device(x, index)``
(copy between devices of this backend), ``describe()`` (a dict of facts that
``python -m ember`` prints, such as the BLAS library), ``synchronize``,
``memory_allocated``, ``empty_cache``.

A plugin module, named by an entry point in the group ``ember.backends``, implements
the :class:`BackendPluginSpec` hook::

    from ember.backends import hookimpl

    @hookimpl
    def ember_backends():
        return [MyBackend()]
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import pluggy

hookspec = pluggy.HookspecMarker("ember")
hookimpl = pluggy.HookimplMarker("ember")

#: Kernel names by calling convention (see the module docstring). The conformance
#: suite checks every one of them against NumPy.
KERNELS: dict[str, tuple[str, ...]] = {
    # f(x, out=None, casting=...)
    "unary": tuple(
        "negative abs sign exp expm1 log log1p log2 log10 sqrt sin cos tan tanh floor ceil trunc rint "
        "reciprocal square logical_not invert isnan isinf isfinite".split()
    ),
    # f(x, y, out=None, casting=...), broadcasting
    "binary": tuple(
        "add subtract multiply true_divide floor_divide remainder power maximum minimum fmax fmin equal "
        "not_equal less less_equal greater greater_equal logical_and logical_or logical_xor bitwise_and "
        "bitwise_or bitwise_xor".split()
    ),
    # where(condition, x, y); clip(x, low, high)
    "selection": ("where", "clip"),
    # f(x, axis=None, keepdims=False)
    "reduction": tuple("sum mean prod max min argmax argmin var std any all".split()),
    # f(x, axis)
    "scan": ("cumsum", "cumprod"),
    "shape": ("reshape", "broadcast_to", "expand_dims", "squeeze", "concat", "stack", "flip", "permute"),
    "linalg": ("matmul", "einsum"),
}

#: Protocol kernels whose NumPy function has another name.
NUMPY_NAMES: dict[str, str] = {"permute": "transpose", "concat": "concatenate"}


class BackendPluginSpec:
    """The hook an ``ember.backends`` entry-point module implements."""

    @hookspec
    def ember_backends(self) -> list[Backend]:
        """Return the backend objects this plugin provides (one per device type it serves).

        Called once, the first time ember needs a backend. It must not fail when the
        plugin's array library or hardware is missing: return the backend anyway and let
        its ``is_available()`` say False and ``unavailable_reason()`` say why.
        """


@runtime_checkable
class NativeGenerator(Protocol):
    """A seeded random stream on one device; draws are native arrays of that device.

    ``dtype`` arguments are NumPy dtypes. Two generators made with the same seed give
    the same draws; ``seed(s)`` restarts the stream.
    """

    def seed(self, seed: int) -> None: ...
    def get_state(self) -> Any: ...
    def set_state(self, state: Any) -> None: ...
    def uniform(self, shape: tuple, low: float, high: float, dtype: Any) -> Any:
        """Draws in ``[low, high)``."""

    def normal(self, shape: tuple, mean: float, std: float, dtype: Any) -> Any: ...
    def integers(self, low: int, high: int, shape: tuple, dtype: Any) -> Any:
        """Integers in ``[low, high)``."""

    def permutation(self, n: int) -> Any:
        """A random ordering of ``0 .. n-1`` (int64)."""


@runtime_checkable
class Backend(Protocol):
    """One backend serving one device type. Besides these methods it has the kernels of
    :data:`KERNELS` and ``sigmoid(x)``, ``erf(x)``.

    Creation functions take an ember dtype and ``index``, the device index (None on
    devices without one, such as the CPU).
    """

    #: the name users pick it by: ``EMBER_BACKEND=name``, ``ember.backends.use(name)``
    name: str
    #: the ``ember.device`` type it serves
    device_type: str
    #: the distribution that installed it (filled in by the registry when None)
    distribution: str | None
    #: the NumPy-compatible module of its arrays, and their type
    xp: Any
    ndarray: type

    # --- metadata ---------------------------------------------------------------
    def is_available(self) -> bool:
        """Whether it can run here (the library imports, a device is present)."""

    def unavailable_reason(self) -> str | None:
        """Why not, for users (e.g. "CuPy is not installed"), or None when available."""

    def device_count(self) -> int: ...
    def native_dtype(self, dtype: Any) -> Any:
        """The native (NumPy) dtype for an ember dtype."""

    def ember_dtype(self, native: Any) -> Any:
        """The ember dtype of a native dtype."""

    def device_index(self, x: Any) -> int | None:
        """The device index an array lives on."""

    # --- creation and transfer --------------------------------------------------
    def asarray(self, data: Any, dtype: Any, index: int | None) -> Any: ...
    def empty(self, shape: tuple, dtype: Any, index: int | None) -> Any: ...
    def zeros(self, shape: tuple, dtype: Any, index: int | None) -> Any: ...
    def full(self, shape: tuple, value: Any, dtype: Any, index: int | None) -> Any: ...
    def arange(self, start: Any, stop: Any, step: Any, dtype: Any, index: int | None) -> Any: ...
    def linspace(self, start: Any, stop: Any, num: int, dtype: Any, index: int | None) -> Any: ...
    def eye(self, n: int, m: int, dtype: Any, index: int | None) -> Any: ...
    def astype(self, x: Any, dtype: Any) -> Any:
        """A copy of x converted to an ember dtype."""

    def copy(self, x: Any) -> Any: ...
    def to_numpy(self, x: Any) -> Any:
        """x as a host NumPy array: the same memory on the CPU (``Tensor.numpy()`` shares it)."""

    def from_numpy(self, array: Any, index: int | None) -> Any:
        """A host array on the device: without a copy on the CPU (``ember.from_numpy`` shares it)."""

    def from_dlpack(self, capsule: Any, index: int | None) -> Any: ...
    def is_contiguous(self, x: Any) -> bool: ...
    def ascontiguous(self, x: Any) -> Any: ...

    # --- random -----------------------------------------------------------------
    def make_generator(self, index: int | None, seed: int) -> NativeGenerator: ...

    # --- indexing, scatter and in-place writes -------------------------------------
    def getitem(self, x: Any, key: Any) -> Any:
        """NumPy indexing: a view for basic keys (ints, slices, None, ...), a copy for advanced ones."""

    def setitem(self, x: Any, key: Any, value: Any) -> None: ...
    def copy_into(self, dst: Any, src: Any) -> None:
        """Write src (broadcast, cast as needed) into dst's own buffer."""

    def index_add(self, target: Any, index: Any, values: Any) -> None:
        """``target[index] += values`` in place, duplicate indices accumulating."""

    def take_along_axis(self, x: Any, index: Any, axis: int) -> Any: ...
    def put_along_axis(self, x: Any, index: Any, values: Any, axis: int) -> None: ...
    def nonzero(self, x: Any) -> tuple: ...
    def pad(self, x: Any, widths: Any, value: Any) -> Any:
        """Constant padding, ``widths`` as for ``numpy.pad``."""


def kernel_names() -> tuple[str, ...]:
    """Every kernel of the protocol, in table order."""
    return tuple(name for group in KERNELS.values() for name in group) + ("sigmoid", "erf")
