"""One trace: swap the captured arrays for recording ones, patch the recording points, run, undo.

The recording points are the backend protocol's: each backend's kernels and the functions of its
array module (``backend.xp``), whatever the backend, so every registered backend is recorded alike.
For the trace, each backend object takes a subclass of its own class whose kernels are recorders
(`recording_class`): entering and leaving change one attribute per backend, however many kernels it has.
"""

from __future__ import annotations

import types

import numpy as np

from .. import _random
from .._autograd import _api, _engine, _math
from .._devices import default_backend
from .._tensor import Tensor
from . import _tracer
from ._tracer import _WRITING_FUNCTIONS, RecordingArray, TracedScalar, called_from_user

_METADATA = frozenset(
    {
        "is_available",
        "unavailable_reason",
        "device_count",
        "native_dtype",
        "ember_dtype",
        "device_index",
        "is_contiguous",
        "shares_memory",
        "make_generator",
        "describe",
        "device_name",
        "device_properties",
        "memory_allocated",
        "memory_reserved",
        "max_memory_allocated",
        "empty_cache",
        "select_device",
        "synchronize",
    }
)
# Metadata members that read arrays (a backend over the array API standard reads them through DLPack).
_ARRAY_METADATA = ("is_contiguous", "shares_memory")
_KERNEL_WRITES = {"setitem": 0, "copy_into": 0, "index_add": 0, "put_along_axis": 0}
_XP_WRITES = dict.fromkeys(_WRITING_FUNCTIONS, 0)
# Array-module functions that make arrays from shapes alone: recorded, so that writes into them can be
_CREATION = frozenset(
    ("zeros", "ones", "empty", "full", "arange", "eye", "identity")
    + tuple(f"{n}_like" for n in ("zeros", "ones", "empty", "full"))
)
_DRAWS = frozenset({"uniform", "normal", "integers", "permutation", "bernoulli"})
_USER_READS = {
    "item": "calls Tensor.item()",
    "tolist": "calls Tensor.tolist()",
    "numpy": "calls Tensor.numpy()",
    "__bool__": "branches on a tensor's value (`if` or `bool()` on a tensor)",
    "__float__": "calls float() on a tensor",
    "__int__": "calls int() on a tensor",
    "__index__": "uses a tensor as an index",
    "__repr__": "prints a tensor",
    "__str__": "prints a tensor",
    "__format__": "formats a tensor as text",
    "__array__": "converts a tensor to a NumPy array",
}


_KERNEL_NAMES: dict = {}


def kernel_names(backend) -> tuple:
    """The backend's callable attributes that are kernels (cached per class and instance attributes)."""
    key = (type(backend), tuple(_own_attributes(backend)))
    found = _KERNEL_NAMES.get(key)
    if found is None:
        found = _KERNEL_NAMES[key] = _kernel_names(backend)
    return found


def _own_attributes(instance) -> dict:
    """The instance's own attributes (none where its class has only __slots__)."""
    return getattr(instance, "__dict__", {})


def _kernel_names(backend) -> tuple:
    names = set(_own_attributes(backend)) | {n for n in dir(type(backend)) if not n.startswith("_")}
    found = []
    for name in sorted(names):
        if name.startswith("_") or name in _METADATA:
            continue
        value = getattr(backend, name, None)
        if callable(value) and not isinstance(value, type):
            found.append(name)
    return tuple(found)


class _WhileRecording:
    """A backend attribute while the backend records: `make(name, value)` of the value it holds.

    A data descriptor, so that it comes before the instance's own attributes (NumpyLikeBackend's kernels
    are): the value is read from the instance, or else from the backend's own class, at each lookup.
    """

    __slots__ = ("name", "make", "recording_class")

    def __init__(self, name: str, make) -> None:
        self.name = name
        self.make = make
        self.recording_class = None  # NOTE: the class that holds it, once made

    def __get__(self, backend, owner=None):
        if backend is None:
            return self
        name = self.name
        own = _own_attributes(backend)
        value = own[name] if name in own else getattr(super(self.recording_class, backend), name)
        return self.make(name, value)

    def __set__(self, backend, value) -> None:
        vars(backend)[self.name] = value

    def __delete__(self, backend) -> None:
        del vars(backend)[self.name]


def _on_plain(name: str, real):
    """real, called on the native arrays that recording arrays stand for."""

    def metadata(*args):
        return real(*_tracer.plain(args))

    return metadata


def _recording_module(name: str, module):
    """The trace's RecordingModule of module: one per trace, so that each of its functions is looked up once."""
    tracer = _tracer.current.tracer
    if tracer is None:  # NOTE: only while entering, before the trace is current
        return RecordingModule(module)
    found = tracer.modules.get(id(module))
    if found is None:
        found = tracer.modules[id(module)] = RecordingModule(module)
    return found


def _recording_array(name: str, native_type):
    return RecordingArray


_RECORDING_CLASSES: dict = {}  # (backend class, its kernel names) -> the recording subclass, made of these alone


def recording_class(backend_class: type, kernels: tuple) -> type:
    """The subclass that a backend of backend_class takes while it records: each kernel recorded, the array
    metadata read from native arrays, `xp` recorded, RecordingArray its array type."""
    key = (backend_class, kernels)
    found = _RECORDING_CLASSES.get(key)
    if found is None:
        if len(_RECORDING_CLASSES) >= _RECORDERS_SIZE:
            _RECORDING_CLASSES.clear()
        found = _RECORDING_CLASSES[key] = _recording_class(backend_class, kernels)
    return found


def _recording_class(backend_class: type, kernels: tuple) -> type:
    attributes = {name: _WhileRecording(name, kernel_recorder) for name in kernels}
    # NOTE: the array metadata is read from the native arrays, as their own metadata attributes are
    attributes.update((name, _WhileRecording(name, _on_plain)) for name in _ARRAY_METADATA)
    attributes["xp"] = _WhileRecording("xp", _recording_module)
    attributes["ndarray"] = _WhileRecording("ndarray", _recording_array)
    recording = types.new_class(
        backend_class.__name__,
        (backend_class,),
        # NOTE: no slots of its own: an instance can take it as its class (the same layout), whatever its class has
        exec_body=lambda namespace: namespace.update(
            attributes, __slots__=(), __module__=backend_class.__module__, __qualname__=backend_class.__qualname__
        ),
    )
    for descriptor in attributes.values():
        descriptor.recording_class = recording
    return recording


class Swapped:
    """A captured tensor during the trace: what it held before, and where it is found."""

    __slots__ = ("tensor", "original", "expression", "version", "grad", "slot")

    def __init__(self, tensor, original, expression, slot) -> None:
        self.tensor = tensor
        self.original = original
        self.expression = expression
        self.version = tensor._version[0]
        self.grad = tensor._grad
        self.slot = slot


class Session:
    """Everything a trace changes in ember and NumPy-level objects, and its undoing."""

    def __init__(self, tracer, scope) -> None:
        self.tracer = tracer
        self.scope = scope
        self.swapped: list = []
        self.learning_rates: list = []  # (group, original value, traced value)
        self.patched: list = []  # (object, name, had its own attribute, old value)
        self.grad_read_first: set = set()  # ids of tensors whose .grad the step read before it set it
        self.grad_set_first: set = set()  # ids of tensors whose .grad the step set (or reset) before reading it
        self.grad_paused: list = []  # non-empty inside optimizer.zero_grad()

    # --- entering -------------------------------------------------------------------------
    def swap_tensor(self, tensor, expression: str) -> None:
        tracer = self.tracer
        original = tensor._data
        slot = tracer.slot_of.get(id(original))
        if slot is None:
            tracer.new_slot(original, source=f"{expression}._data")
            slot = len(tracer.plain) - 1
        tensor._data = tracer.recording_arrays[slot]
        self.swapped.append(Swapped(tensor, original, expression, slot))

    def enter(self) -> None:
        tracer, scope = self.tracer, self.scope
        for expression, tensor in list(scope.tensors.values()):
            self.swap_tensor(tensor, expression)
            grad = tensor._grad
            if grad is not None and id(grad) not in scope.tensors:
                self.swap_tensor(grad, f"{expression}._grad")
        for expression, optimizer in scope.optimizers.values():
            for g, group in enumerate(optimizer.param_groups):
                lr = group.get("lr")
                if type(lr) is float:
                    index = tracer.new_scalar(True, source=f"{expression}.param_groups[{g}]['lr']")
                    traced = TracedScalar(lr, index)
                    group["lr"] = traced
                    self.learning_rates.append((group, lr, traced))
        backends = {id(t._backend): t._backend for _, t in scope.tensors.values()}
        backends.setdefault(id(default_backend()), default_backend())
        tracer.array_types = tuple({np.ndarray, *(b.ndarray for b in backends.values())} - {RecordingArray})
        tracer.backends = {b.ndarray: b for b in backends.values()}
        tracer.item_readers = {b.ndarray: b.item for b in backends.values()}
        for backend in backends.values():
            self.swap_class(backend, recording_class(type(backend), kernel_names(backend)))
        self.patch(_random.Generator, "native", self.recording_native(_random.Generator.native))
        self.patch(_engine, "accumulate", self.noting_accumulate(_engine.accumulate))
        self.patch(_api, "run_backward", self.noting_backward(_api.run_backward))
        self.patch_all(Tensor, {name: user_read(getattr(Tensor, name), what) for name, what in _USER_READS.items()})
        self.patch(Tensor, "_grad", self.noting_grad(vars(Tensor)["_grad"]))
        for _, optimizer in scope.optimizers.values():
            zero_grad = getattr(optimizer, "zero_grad", None)
            if callable(zero_grad):
                self.patch(optimizer, "zero_grad", self.noting_zero_grad(optimizer, zero_grad))
        forget_resolved_math()
        _tracer.current.tracer = tracer

    def swap_class(self, instance, recording: type) -> None:
        """instance of class `recording` until leave(); a trace that cannot give it that class stops."""
        original = type(instance)
        try:
            instance.__class__ = recording
        except TypeError:
            self.tracer.stop(
                f"runs on a backend of type {original.__name__}, whose class cannot be swapped for a recording one "
                "(a backend needs to be an instance of a Python class)"
            )
            return
        self.patched.append((instance, "__class__", True, original))

    def patch(self, owner, name: str, value) -> None:
        self.patch_all(owner, {name: value})

    def patch_all(self, owner, values: dict) -> None:
        """Set owner's attributes to values ({name: value}) until leave()."""
        attributes = vars(owner)
        patched = self.patched
        for name, value in values.items():
            patched.append((owner, name, name in attributes, attributes.get(name)))
            setattr(owner, name, value)

    def recording_native(self, original):
        tracer = self.tracer

        def native(generator):
            stream = original(generator)
            if not tracer.recording:
                return stream
            return RecordingStream(tracer, generator, stream)

        return native

    def noting_accumulate(self, original):
        tracer = self.tracer

        def accumulate(variable, *args):
            tracer.accumulated.add(id(variable))
            return original(variable, *args)

        return accumulate

    def noting_backward(self, original):
        tracer = self.tracer

        def run_backward(outputs, grad_outputs, retain_graph, create_graph, *rest):
            if not retain_graph:
                tracer.backpropagated.update(id(output.grad_fn) for output in outputs if output.grad_fn is not None)
            return original(outputs, grad_outputs, retain_graph, create_graph, *rest)

        return run_backward

    def noting_grad(self, slot):
        """Tensor._grad while tracing: notes, per tensor, whether the step first read or first set it."""
        read_first, set_first, paused = self.grad_read_first, self.grad_set_first, self.grad_paused
        get, put = slot.__get__, slot.__set__

        def read(tensor):
            key = id(tensor)
            if not paused and key not in set_first:
                read_first.add(key)
            return get(tensor, Tensor)

        def write(tensor, value):
            key = id(tensor)
            if not paused and key not in read_first:
                set_first.add(key)
            put(tensor, value)

        def delete(tensor):
            write(tensor, None)

        return property(read, write, delete)

    def noting_zero_grad(self, optimizer, original):
        """optimizer.zero_grad(): a .grad it leaves None was set, whatever it held (the optimizer's reads of it
        only decide whether to reset it)."""
        read_first, set_first, paused = self.grad_read_first, self.grad_set_first, self.grad_paused

        def zero_grad(*args, **kwargs):
            paused.append(True)
            try:
                result = original(*args, **kwargs)
                cleared = [id(p) for group in optimizer.param_groups for p in group["params"] if p._grad is None]
            finally:
                paused.pop()
            if not paused:
                set_first.update(key for key in cleared if key not in read_first)
            return result

        return zero_grad

    # --- leaving --------------------------------------------------------------------------
    def leave(self) -> None:
        _tracer.current.tracer = None
        self.tracer.recording = False
        for owner, name, own, old in reversed(self.patched):
            if own:
                setattr(owner, name, old)
            else:
                delattr(owner, name)
        forget_resolved_math()
        for group, lr, traced in self.learning_rates:
            if group.get("lr") is traced:
                group["lr"] = lr

    def unwrap_everywhere(self, result) -> None:
        """Plain ndarrays again in every tensor the trace reached (the views share their memory)."""
        seen: set = set()
        for item in self.swapped:
            self.unwrap_tensor(item.tensor, seen)
        for _, tensor in self.scope.tensors.values():
            self.unwrap_tensor(tensor, seen)
        for _, module in self.scope.modules.values():  # NOTE: a parameter or buffer the step replaced
            for kind in ("_parameters", "_buffers"):
                for tensor in getattr(module, kind).values():
                    if tensor is not None:
                        self.unwrap_tensor(tensor, seen)
        for _, optimizer in self.scope.optimizers.values():
            for entries in optimizer.state.values():
                if isinstance(entries, dict):
                    for item in entries.values():
                        if isinstance(item, Tensor):
                            self.unwrap_tensor(item, seen)
        for tensor in tensors_in(result):
            self.unwrap_tensor(tensor, seen)

    def unwrap_tensor(self, tensor, seen: set) -> None:
        if id(tensor) in seen:
            return
        seen.add(id(tensor))
        data = tensor._data
        if type(data) is RecordingArray:
            slot = self.tracer.slot_of.get(id(data))
            tensor._data = self.tracer.plain[slot] if slot is not None else data.native
        grad = tensor._grad
        if grad is not None:
            self.unwrap_tensor(grad, seen)


_RECORDERS: dict = {}  # (name, written operand, always, kernel) -> its recorder: one per kernel, whatever the trace
_RECORDERS_SIZE = 4096


def kernel_recorder(name: str, real, writes: dict = _KERNEL_WRITES, always: bool = True):
    """real, recorded when called from core while tracing (`always` False: only on traced values).

    The recorder reads the current trace when called, so the same kernel keeps the same recorder.
    """
    position = writes.get(name)
    key = (name, position, always, real)
    try:
        found = _RECORDERS.get(key)
    except TypeError:  # NOTE: an unhashable callable: a recorder of its own
        return _recorder(real, position, always)
    if found is None:
        if len(_RECORDERS) >= _RECORDERS_SIZE:
            _RECORDERS.clear()
        found = _RECORDERS[key] = _recorder(real, position, always)
    return found


def _recorder(real, position, always: bool):
    def kernel(*args, **kwargs):
        tracer = _tracer.current.tracer
        if (
            tracer is None
            or tracer.depth
            or not tracer.recording
            or not (always or _traced(args) or _traced(tuple(kwargs.values())))
        ):
            return real(*_tracer.plain(args), **_tracer.plain(kwargs))
        written = [args[position]] if position is not None else []
        out = kwargs.get("out")
        if out is not None:
            written.extend(out if type(out) is tuple else (out,))  # NOTE: a ufunc's out may be a tuple
        tracer.depth += 1
        try:
            return tracer.call("call", real, args, kwargs, written)
        finally:
            tracer.depth -= 1

    return kernel


def forget_resolved_math() -> None:
    """Drop the kernels the backward rules' array namespaces looked up, so that they look up
    the recorders while tracing and the real kernels again after it."""
    for namespace in _math.ARRAY_MATHS.values():
        for name in [n for n in vars(namespace) if n != "backend"]:
            delattr(namespace, name)


def _traced(values: tuple) -> bool:
    """Whether values hold a recording array or a traced float (lists and tuples searched)."""
    for value in values:
        kind = type(value)
        if kind is RecordingArray or kind is TracedScalar:
            return True
        if (kind is tuple or kind is list) and _traced(value):
            return True
    return False


class RecordingModule:
    """A backend's array module (``backend.xp``) while tracing: functions given traced values, and
    those that make arrays from shapes alone, are recorded; the rest (dtypes, submodules'
    constants, classes) pass through. Submodules (``xp.linalg``, ``xp.fft``) are recorded alike."""

    def __init__(self, module) -> None:
        self._module = module

    def __getattr__(self, name: str):
        value = getattr(self._module, name)
        if isinstance(value, type) or name.startswith("_"):
            found = value
        elif hasattr(value, "nin"):  # NOTE: a ufunc (NumPy's, CuPy's): its methods are recorded too
            found = recording_ufunc(value)
        elif callable(value):
            found = kernel_recorder(name, value, _XP_WRITES, always=name in _CREATION)
        elif isinstance(value, types.ModuleType) or type(value) is types.SimpleNamespace:
            found = RecordingModule(value)
        else:
            found = value
        setattr(self, name, found)  # NOTE: looked up once per trace
        return found


class RecordingUfunc:
    """A ufunc of ``backend.xp`` while tracing: its call and its methods (``at``, ``reduce``) recorded."""

    def __init__(self, ufunc) -> None:
        self._ufunc = ufunc
        self.__name__ = ufunc.__name__
        self._call = kernel_recorder(ufunc.__name__, ufunc, {}, always=False)

    def __call__(self, *args, **kwargs):
        return self._call(*args, **kwargs)

    def __getattr__(self, name: str):
        value = getattr(self._ufunc, name)
        if callable(value) and not name.startswith("_"):
            value = kernel_recorder(name, value, {"at": 0}, always=False)
        setattr(self, name, value)
        return value


_UFUNCS: dict = {}  # ufunc -> its RecordingUfunc (a ufunc's methods never change)


def recording_ufunc(ufunc) -> RecordingUfunc:
    """The RecordingUfunc of ufunc, made once."""
    try:
        found = _UFUNCS.get(ufunc)
    except TypeError:
        return RecordingUfunc(ufunc)
    if found is None:
        if len(_UFUNCS) >= _RECORDERS_SIZE:
            _UFUNCS.clear()
        found = _UFUNCS[ufunc] = RecordingUfunc(ufunc)
    return found


def tensors_in(value, depth: int = 0) -> list:
    if isinstance(value, Tensor):
        return [value]
    if depth < 4 and isinstance(value, (list, tuple)):
        return [t for v in value for t in tensors_in(v, depth + 1)]
    if depth < 4 and isinstance(value, dict):
        return [t for v in value.values() for t in tensors_in(v, depth + 1)]
    return []


class RecordingStream:
    """A random stream whose draws are recorded on the ember Generator they came from."""

    def __init__(self, tracer, generator, stream) -> None:
        self._tracer = tracer
        self._generator = generator
        self._stream = stream

    def __getattr__(self, name: str):
        real = getattr(self._stream, name)
        if name not in _DRAWS:
            self._tracer.graph_break(f"uses a random generator's {name}()")
            return real
        tracer, generator = self._tracer, self._generator

        def draw(*args, **kwargs):
            return tracer.call("draw", generator, args, kwargs, [], name=name, real=real)

        return draw


def user_read(original, what: str):
    def method(self, *args, **kwargs):
        tracer = _tracer.current.tracer
        if tracer is not None and tracer.recording and called_from_user():
            tracer.graph_break(what)
        return original(self, *args, **kwargs)

    method.__name__ = getattr(original, "__name__", "method")
    return method
