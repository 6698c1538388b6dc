"""The backend protocol: what a backend plugin provides to ember.

The whole contract, with every kernel and optional member in tables generated from
this module, is the documentation page "The backend contract"
(``docs/howto/backend_contract.rst``). In short:

A backend is one object per device type it serves (``"cpu"``, ``"cuda"``, ...). ember
keeps a reference to it in every tensor and calls its kernels with the backend's own
native arrays, so the per-op path touches only this object, never the plugin
machinery. :class:`ember.backends.NumpyLikeBackend` implements the whole protocol
given a NumPy-like array module; a plugin may subclass it (overriding what differs)
or implement the protocol from scratch. Either way,
``pytest --pyargs ember.testing.suite --ember-backend NAME`` proves it conforms.

**Native arrays** have ``shape``, ``ndim``, ``size`` and ``dtype``, a native dtype that
the backend's ``dtypes`` table (native dtype -> ember dtype) maps to the result's ember
dtype; conversions, copies, strides and Python values go through the backend
(``astype``, ``copy``, ``strides``, ``item``, ``tolist``). ``backend.ndarray`` is their
type, ``backend.xp`` the module they come from (ops the protocol does not name use it,
so a NumPy-like module reaches the most of ember). :class:`ember.backends.ArrayAPIBackend`
implements the protocol over any array API standard namespace instead.

**Kernels** are named and called exactly like the NumPy function of the same name,
grouped in :data:`KERNELS` (how core calls each: :data:`KERNEL_CALLS`; what it relies
on beyond the name: :data:`KERNEL_NOTES`); ``permute`` is ``numpy.transpose`` and
``concat`` is ``numpy.concatenate``. They give NumPy's result dtypes, with NumPy 2's
rule for Python scalars: a Python number never widens an array (``float16 + 1`` is
float16, ``int8 < 2.5`` compares with 2.5). Unary and binary kernels also take NumPy's
``out=`` and ``casting=`` keywords: in-place ops (``add_``) call
``add(x, y, out=x, casting="unsafe")`` to write into the buffer that
``Tensor.numpy()`` shares, where y may be a wider dtype of x's kind. Reductions take
``axis`` (None, an int or a tuple) and ``keepdims``; ``sum``/``prod`` also ``dtype``,
``var``/``std`` also ``ddof``; scans take ``axis`` and ``dtype``.

**Optional** members (:data:`OPTIONAL_MEMBERS`) a backend may add for speed or for
devices: fused kernels (``fused_softmax``, ``fused_conv2d``, ...), ``spread``,
``sum_of_squares``, ``to_device``, ``describe``, and what ``ember.cuda`` and
``DataLoader(pin_memory=True)`` ask a CUDA backend (``device_name``,
``pin_memory``, ...). Core looks each one up and falls back where it is missing.

A plugin module, named by an entry point in the group ``ember.backends``, implements
the :class:`BackendPluginSpec` hook::

    from ember.backends import hookimpl

    @hookimpl
    def ember_backends():
        return [MyBackend()]
"""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol, runtime_checkable

import pluggy

#: Marks the hook specification of :class:`BackendPluginSpec` (pluggy's marker for the project "ember").
hookspec = pluggy.HookspecMarker("ember")
#: Decorates a plugin module's ``ember_backends()`` function, the hook that returns its backends.
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

_CASTING = "out=None, casting='same_kind'"
#: Every kernel (with ``sigmoid`` and ``erf``) as core calls it: NumPy's signature, cut
#: to the arguments core passes.
KERNEL_CALLS: dict[str, str] = {
    **{name: f"{name}(x, {_CASTING})" for name in KERNELS["unary"]},
    **{name: f"{name}(x, y, {_CASTING})" for name in KERNELS["binary"]},
    "where": "where(condition, x, y)",
    "clip": "clip(x, low, high)",
    **{name: f"{name}(x, axis=None, keepdims=False)" for name in KERNELS["reduction"]},
    "sum": "sum(x, axis=None, keepdims=False, dtype=None)",
    "prod": "prod(x, axis=None, keepdims=False, dtype=None)",
    "var": "var(x, axis=None, keepdims=False, ddof=0)",
    "std": "std(x, axis=None, keepdims=False, ddof=0)",
    **{name: f"{name}(x, axis, dtype=None)" for name in KERNELS["scan"]},
    "reshape": "reshape(x, shape)",
    "broadcast_to": "broadcast_to(x, shape)",
    "expand_dims": "expand_dims(x, axis)",
    "squeeze": "squeeze(x, axis=None)",
    "concat": "concat(arrays, axis=0)",
    "stack": "stack(arrays, axis=0)",
    "flip": "flip(x, axis)",
    "permute": "permute(x, axes)",
    "matmul": "matmul(x, y)",
    "einsum": "einsum(subscripts, *operands)",
    "sigmoid": "sigmoid(x)",
    "erf": "erf(x)",
}

_BOOL_OUT = "operands as they are: any two dtypes, any Python scalar; a bool result"
#: What core relies on beyond "as the NumPy function" (every kernel not named here:
#: nothing more). The conformance suite checks each of these.
KERNEL_NOTES: dict[str, str] = {
    "negative": "TypeError on bool (core turns it into PyTorch's error)",
    "rint": "halves round to even",
    "add": "bool + bool is bool (logical or)",
    "multiply": "bool * bool is bool (logical and)",
    "true_divide": "floating inputs only; x / 0 gives ±inf or nan, without raising",
    "floor_divide": "rounds toward -inf; never asked to divide integers by zero",
    "remainder": "the sign of the divisor (Python's %); never asked to divide integers by zero",
    "power": "integer exponents are never negative",
    "maximum": "NaN propagates",
    "minimum": "NaN propagates",
    "fmax": "NaN is ignored",
    "fmin": "NaN is ignored",
    **dict.fromkeys(
        ("equal", "not_equal", "less", "less_equal", "greater", "greater_equal"),
        f"{_BOOL_OUT}; ``int_array < 2.5`` compares with 2.5, ``float32_array == 0.1`` with float32(0.1)",
    ),
    **dict.fromkeys(("logical_and", "logical_or", "logical_xor"), _BOOL_OUT),
    **dict.fromkeys(("bitwise_and", "bitwise_or", "bitwise_xor"), "bool and integers; TypeError on floats"),
    "where": "x and y: arrays of one dtype, NumPy scalars of it, or Python numbers",
    "clip": "low and high: NumPy scalars of x's dtype, arrays or None; where low > high every element is high",
    "sum": "integers and bools are passed ``dtype='int64'``; float16 means ``dtype='float32'``",
    "prod": "integers and bools are passed ``dtype='int64'``",
    "max": "NaN propagates; never asked to reduce an empty extent",
    "min": "NaN propagates; never asked to reduce an empty extent",
    "argmax": "axis None or one int; the first of equal values",
    "argmin": "axis None or one int; the first of equal values",
    "cumsum": "honours ``dtype=``: bools and integers are passed ``dtype='int64'``",
    "cumprod": "honours ``dtype=``: bools and integers are passed ``dtype='int64'``",
    **dict.fromkeys(
        ("reshape", "expand_dims", "squeeze", "flip", "permute"),
        "a view where NumPy gives one: writes through it reach the base",
    ),
    "broadcast_to": "a read-only view: a write into it raises ValueError saying read-only",
    "sigmoid": "1 / (1 + exp(-x)) in x's dtype, without overflow at large ±x",
    "erf": "the error function, in x's dtype",
}


class OptionalMember(NamedTuple):
    """One optional backend member: how it is called, what it does, who calls it, and what
    happens on a backend without it."""

    call: str
    does: str
    used_by: str
    without: str


#: Members a backend may add: core and ember-nn look each up on the backend and fall
#: back where it is missing. The conformance suite checks those a backend has.
OPTIONAL_MEMBERS: dict[str, OptionalMember] = {
    "fused_softmax": OptionalMember(
        "fused_softmax(x, axis)",
        "softmax of x along axis, in x's dtype (x may be empty)",
        "``ember.softmax``, ``nn.Softmax``",
        "max, exp and sum kernels",
    ),
    "fused_log_softmax": OptionalMember(
        "fused_log_softmax(x, axis)",
        "log-softmax of x along axis, in x's dtype (x is never empty)",
        "``ember.log_softmax``, ``nn.CrossEntropyLoss``",
        "max, exp, log and sum kernels",
    ),
    "spread": OptionalMember(
        "spread(x, shape, divisor=1)",
        "x / divisor broadcast to shape, to be read only (a new array or a read-only view); the division "
        "gives what true_divide(x, divisor) gives",
        "the backward of sum, mean and expand",
        "``broadcast_to(true_divide(x, divisor), shape)``",
    ),
    "sum_of_squares": OptionalMember(
        "sum_of_squares(x, mean)",
        "the sum (mean=False) or the mean (mean=True) of x * x, as a 0-d array of x's dtype",
        "``nn.functional.mse_loss``",
        "``sum(x * x)`` or ``mean(x * x)``",
    ),
    "scaled": OptionalMember(
        "scaled(x, g, factor)",
        "x * (g * factor) for a gradient x, a gradient g that broadcasts against it (often 0-d, the seed of a "
        "scalar loss) and a Python number factor, in x's dtype",
        "the backward of ``nn.functional.mse_loss`` and the other losses of input - target",
        "``multiply(x, multiply(g, factor))``",
    ),
    "mask_multiply": OptionalMember(
        "mask_multiply(x, keep)",
        "x times keep, a bool mask of x's shape, in x's dtype, as ``multiply(x, keep)`` gives it "
        "(inf times False is nan)",
        "the backward of relu and other derivatives that are 1 or 0",
        "``multiply(x, keep)``",
    ),
    "fused_conv2d": OptionalMember(
        "fused_conv2d(x, w, bias, geometry, groups)",
        "x (N, C, H, W) convolved with w (O, C/groups, kh, kw), plus bias (O,) or None; geometry has "
        "kernel, stride, dilation and padding (top, bottom, left, right); a conv1d comes with H = kh = 1",
        "``nn.Conv1d``, ``nn.Conv2d``",
        "im2col columns and one matmul",
    ),
    "fused_conv2d_input_grad": OptionalMember(
        "fused_conv2d_input_grad(g, w, geometry, groups, input_shape)",
        "the gradient of the convolution with respect to x, of input_shape (4-D)",
        "backward of ``nn.Conv1d``, ``nn.Conv2d``",
        "a convolution with the flipped kernel, or scattered columns",
    ),
    "fused_conv2d_weight_grad": OptionalMember(
        "fused_conv2d_weight_grad(x, g, geometry, groups, weight_shape)",
        "the gradient of the convolution with respect to w (4-D), with the size of weight_shape: the "
        "weight's own shape, 3-D for a conv1d",
        "backward of ``nn.Conv1d``, ``nn.Conv2d``",
        "im2col columns and matmul",
    ),
    "sliding_windows": OptionalMember(
        "sliding_windows(x, out_size, kernel, stride, dilation)",
        "the windows over x's trailing len(kernel) axes: x's leading shape, then out_size, then kernel, holding "
        "x at o * stride + k * dilation for window o and kernel offset k; to be read only (a strided view where "
        "the library has one)",
        "convolution, pooling and ``nn.functional.unfold``",
        "one strided slice of x per kernel offset, stacked (a copy)",
    ),
    "fft": OptionalMember(
        "fft(x, kind, s, axes, norm)",
        "the discrete Fourier transform over axes that NumPy's ``fft.<kind>`` computes (kind is fftn, ifftn, "
        "rfftn or irfftn; s and norm as NumPy takes them), complex64 (irfftn: float32) for float32 or complex64 "
        "x, else complex128 (float64)",
        "``ember.fft``",
        "NotImplementedError naming the backend: ``ember.fft`` needs it",
    ),
    "to_device": OptionalMember(
        "to_device(x, index)",
        "a copy of x on device index of this backend",
        "``Tensor.to('cuda:1')`` from another device of the same type",
        "``copy(x)`` (right for a backend with one device)",
    ),
    "describe": OptionalMember(
        "describe()",
        "a dict of facts to show users (library versions, BLAS, devices)",
        "``python -m ember``",
        "nothing is shown",
    ),
    "select_device": OptionalMember(
        "select_device(index)",
        "make device index the library's current device",
        "``ember.cuda.set_device``",
        "only ember's own current device changes",
    ),
    "synchronize": OptionalMember(
        "synchronize(index)",
        "wait until device index has finished its queued work",
        "``ember.cuda.synchronize``",
        "needed by a ``cuda`` backend: ``ember.cuda.synchronize()`` fails",
    ),
    "device_name": OptionalMember(
        "device_name(index)",
        "the device's name, as ``str``",
        "``ember.cuda.get_device_name``",
        "needed by a ``cuda`` backend: ``get_device_name()`` fails",
    ),
    "device_properties": OptionalMember(
        "device_properties(index)",
        "a dict with name, major, minor, total_memory (bytes) and multi_processor_count",
        "``ember.cuda.get_device_properties``, ``get_device_capability``",
        "needed by a ``cuda`` backend: those functions fail",
    ),
    "memory_allocated": OptionalMember(
        "memory_allocated(index)",
        "bytes of device memory held by live arrays",
        "``ember.cuda.memory_allocated``, ``memory_reserved``",
        "needed by a ``cuda`` backend: those functions fail",
    ),
    "memory_reserved": OptionalMember(
        "memory_reserved(index)",
        "bytes of device memory the backend holds, in use or cached",
        "``ember.cuda.memory_reserved``",
        "``memory_allocated(index)``",
    ),
    "max_memory_allocated": OptionalMember(
        "max_memory_allocated(index)",
        "the peak of memory_allocated",
        "``ember.cuda.max_memory_allocated``",
        "RuntimeError saying the backend records no peak",
    ),
    "empty_cache": OptionalMember(
        "empty_cache()",
        "give cached, unused device memory back to the driver",
        "``ember.cuda.empty_cache``",
        "nothing happens",
    ),
    "pin_memory": OptionalMember(
        "pin_memory(array)",
        "a copy of a host NumPy array in page-locked memory (a NumPy array)",
        "``Tensor.pin_memory``, ``DataLoader(pin_memory=True)`` (on the ``cuda`` backend)",
        "DataLoader batches stay unpinned; ``Tensor.pin_memory()`` fails",
    ),
    "is_pinned": OptionalMember(
        "is_pinned(array)",
        "whether a host NumPy array lives in page-locked memory",
        "``Tensor.is_pinned``, ``Tensor.pin_memory`` (on the ``cuda`` backend)",
        "needed with ``pin_memory``: those methods fail",
    ),
}


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

    def seed(self, seed: int) -> None:
        """Restart the stream from `seed`."""

    def get_state(self) -> Any:
        """The stream's state, a value ``set_state`` takes back (``ember.get_rng_state``)."""

    def set_state(self, state: Any) -> None:
        """Continue the stream from a state ``get_state`` gave."""

    def uniform(self, shape: tuple, low: float, high: float, dtype: Any) -> Any:
        """Draws in ``[low, high)``."""

    def normal(self, shape: tuple, mean: float, std: float, dtype: Any) -> Any:
        """Draws from the normal distribution with that mean and standard deviation."""

    def integers(self, low: int, high: int, shape: tuple, dtype: Any) -> Any:
        """Integers in ``[low, high)``."""

    def permutation(self, n: int) -> Any:
        """A random ordering of ``0 .. n-1`` (int64)."""


@runtime_checkable
class Backend(Protocol):
    """One backend serving one device type. Besides these methods it has the kernels of
    :data:`KERNELS` and ``sigmoid(x)``, ``erf(x)``, and may have the members of
    :data:`OPTIONAL_MEMBERS`.

    Creation functions take an ember dtype and ``index``, the device index (None on
    devices without one, such as the CPU).
    """

    #: the name users pick it by: ``EMBER_BACKEND=name``, ``ember.backends.use(name)``
    name: str
    #: the ``ember.device`` type it serves
    device_type: str
    #: the distribution that installed it (filled in by the registry when None)
    distribution: str | None
    #: the module of its arrays, and their type
    xp: Any
    ndarray: type
    #: native dtype -> ember dtype for every dtype it supports (core reads each result's dtype here)
    dtypes: dict

    # --- metadata ---------------------------------------------------------------
    def is_available(self) -> bool:
        """Whether it can run here (the library imports, a device is present)."""

    def unavailable_reason(self) -> str | None:
        """Why not, for users (e.g. "CuPy is not installed"), or None when available."""

    def device_count(self) -> int:
        """How many devices it serves here (1 for the CPU)."""

    def native_dtype(self, dtype: Any) -> Any:
        """The native (NumPy) dtype for an ember dtype."""

    def ember_dtype(self, native: Any) -> Any:
        """The ember dtype of a native dtype."""

    def device_index(self, x: Any) -> int | None:
        """The device index an array lives on."""

    # --- creation and transfer --------------------------------------------------
    def asarray(self, data: Any, dtype: Any, index: int | None) -> Any:
        """An array of (nested lists of) Python numbers; `dtype` None infers NumPy's dtype."""

    def empty(self, shape: tuple, dtype: Any, index: int | None) -> Any:
        """An array of `shape` whose values are not set."""

    def zeros(self, shape: tuple, dtype: Any, index: int | None) -> Any:
        """An array of `shape` filled with 0."""

    def full(self, shape: tuple, value: Any, dtype: Any, index: int | None) -> Any:
        """An array of `shape` filled with `value`."""

    def arange(self, start: Any, stop: Any, step: Any, dtype: Any, index: int | None) -> Any:
        """``start, start + step, ...`` up to `stop` excluded, as ``numpy.arange``."""

    def linspace(self, start: Any, stop: Any, num: int, dtype: Any, index: int | None) -> Any:
        """`num` evenly spaced values from `start` to `stop`, both included."""

    def eye(self, n: int, m: int, dtype: Any, index: int | None) -> Any:
        """An n-by-m array with ones on the diagonal."""

    def astype(self, x: Any, dtype: Any) -> Any:
        """A copy of x converted to an ember dtype."""

    def copy(self, x: Any) -> Any:
        """A new array with x's values and dtype, sharing nothing with x."""

    def strides(self, x: Any) -> tuple:
        """x's strides in bytes, as NumPy's ``ndarray.strides``."""

    def item(self, x: Any) -> Any:
        """The one element of x as a Python number."""

    def tolist(self, x: Any) -> Any:
        """x as nested lists of Python numbers."""

    def to_numpy(self, x: Any) -> Any:
        """x as a host NumPy array: the same memory on the CPU (``Tensor.numpy()`` shares it)."""

    def from_numpy(self, array: Any, index: int | None) -> Any:
        """A host array on the device: without a copy on the CPU (``ember.from_numpy`` shares it)."""

    def from_dlpack(self, capsule: Any, index: int | None) -> Any:
        """An array sharing the memory of a DLPack producer (an object with ``__dlpack__``)."""

    def is_contiguous(self, x: Any) -> bool:
        """Whether x is laid out in C order without gaps."""

    def ascontiguous(self, x: Any) -> Any:
        """x itself when contiguous, else a C-ordered copy."""

    # --- random -----------------------------------------------------------------
    def make_generator(self, index: int | None, seed: int) -> NativeGenerator:
        """A new random stream on device `index`, seeded with `seed`."""

    # --- indexing, scatter and in-place writes -------------------------------------
    def getitem(self, x: Any, key: Any) -> Any:
        """NumPy indexing: a view for basic keys (ints, slices, None, ...), a copy for advanced ones."""

    def setitem(self, x: Any, key: Any, value: Any) -> None:
        """``x[key] = value`` in x's own buffer, NumPy's keys and broadcasting."""

    def copy_into(self, dst: Any, src: Any) -> None:
        """Write src (broadcast, cast as needed) into dst's own buffer."""

    def index_add(self, target: Any, index: Any, values: Any) -> None:
        """``target[index] += values`` in place, duplicate indices accumulating."""

    def take_along_axis(self, x: Any, index: Any, axis: int) -> Any:
        """As ``numpy.take_along_axis`` (``gather``)."""

    def put_along_axis(self, x: Any, index: Any, values: Any, axis: int) -> None:
        """As ``numpy.put_along_axis``, in place (``scatter_``)."""

    def nonzero(self, x: Any) -> tuple:
        """One int64 index array per dimension, for the non-zero elements in C order."""

    def pad(self, x: Any, widths: Any, value: Any) -> Any:
        """Constant padding, ``widths`` as for ``numpy.pad``."""


def kernel_names() -> tuple[str, ...]:
    """Every kernel of the protocol, in table order."""
    return tuple(name for group in KERNELS.values() for name in group) + ("sigmoid", "erf")
