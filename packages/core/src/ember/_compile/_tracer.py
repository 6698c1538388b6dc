"""Recording a step while it runs eagerly: every array-level computation, in order.

Design: recording happens at the backend boundary, the same way for every backend. During a
trace the backend objects' kernels (and the functions of their array module, ``backend.xp``)
are replaced by recorders that call the real kernel on native arrays, so a kernel's insides run
exactly as in eager mode and replay calls that same kernel. What core does to native arrays
itself (operators, methods, indexing, NumPy functions) is recorded by `RecordingArray`, a proxy
that stands in for the array inside every captured tensor: it holds the native array and records
each computation on it as a call that replay makes again on native arrays (NumPy's operators
as the ufunc NumPy itself calls, another backend's as Python's operator). Random draws are
recorded on the ember Generator they came from, so that replay draws from the same stream.
Python floats read from arrays (``float(a)``) or from an optimizer's ``lr`` become
`TracedScalar`, a float that records its arithmetic, so that they are recomputed at replay
instead of frozen. Values the step branches on (``int(a)``, ``bool(a)``, comparisons of traced
floats) are recorded as checks: replay compares them again and runs the step eagerly when one
differs.

Everything runs on the real values, so the traced call is itself the eager call.
"""

from __future__ import annotations

import functools
import linecache
import operator
import os
import sys
import threading

import numpy as np

from ._program import Instruction, ScalarRef, SlotRef, may_share_memory


class _Current(threading.local):
    """The Tracer recording in this thread, or None (other threads run eagerly meanwhile)."""

    tracer = None


current = _Current()


class GraphBreak(RuntimeError):
    """A step needs a value while it is traced (fullgraph=True), or cannot be traced."""


_FOLDERS: list = []


def _ember_folders() -> tuple:
    """ember's folders (core's and ember-nn's: a namespace package) and NumPy's."""
    if not _FOLDERS:
        package = sys.modules[__name__.split(".")[0]]
        _FOLDERS.extend(os.path.join(os.path.abspath(p), "") for p in package.__path__)
        _FOLDERS.append(os.path.join(os.path.dirname(np.__file__), ""))
    return tuple(_FOLDERS)


def user_location() -> str:
    """The innermost frame outside ember and NumPy, as 'file:line: source'."""
    folders = _ember_folders()
    frame = sys._getframe(1)
    while frame is not None:
        name = os.path.abspath(frame.f_code.co_filename)
        if not name.startswith(folders) and not name.startswith("<"):
            line = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
            return f"{frame.f_code.co_filename}:{frame.f_lineno}: {line}"
        frame = frame.f_back
    return "<unknown location>"


def called_from_user() -> bool:
    """Whether the caller of the caller is user code (not ember's own)."""
    frame = sys._getframe(2)
    return not os.path.abspath(frame.f_code.co_filename).startswith(_ember_folders())


# --- plain values ------------------------------------------------------------------------


def as_plain(array):
    """The native array a recording array stands for."""
    return array.native


def plain(value):
    """value with recording arrays as native arrays and traced floats as floats (recursively)."""
    kind = type(value)
    if kind is RecordingArray:
        return value.native
    if kind is TracedScalar:
        return float.__float__(value)
    if kind is tuple or kind is list:
        return kind(plain(v) for v in value)
    if kind is dict:
        return {k: plain(v) for k, v in value.items()}
    return value


def _recording():
    """The tracer when it records here (not inside a kernel it is recording), else None."""
    tracer = current.tracer
    return tracer if tracer is not None and tracer.recording and not tracer.depth else None


class _Called(Exception):
    """The ufunc call NumPy's operator made on a probe (see `_numpy_operator`)."""


class _Probe(np.ndarray):
    """A view that reports the ufunc call an ndarray operator makes instead of computing it."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        raise _Called(ufunc, method, inputs, kwargs)


def _numpy_operator(array, name: str, operands: tuple):
    """(ufunc, method, inputs, kwargs) that ``ndarray.<name>`` calls for a NumPy array (``x ** 2``
    is ``square(x)``, ``x += y`` is ``add(x, y, out=(x,))``), with `array` in place of the probe;
    None when it calls no ufunc."""
    probe = array.native.view(_Probe)
    try:
        getattr(np.ndarray, name)(probe, *operands)
    except _Called as called:
        ufunc, method, inputs, kwargs = called.args
    else:
        return None
    return ufunc, method, _unprobed(inputs, probe, array), dict(zip(kwargs, _unprobed(kwargs.values(), probe, array)))


def _unprobed(values, probe, array) -> tuple:
    """values with `array` in place of `probe` (inside tuples too)."""
    items = []
    for value in values:
        if value is probe:
            value = array
        elif type(value) is tuple:
            value = _unprobed(value, probe, array)
        items.append(value)
    return tuple(items)


def _ufunc_call(ufunc, method, inputs, kwargs):
    """A ufunc called on recording arrays or traced floats: recorded on native arrays."""
    for value in (*inputs, *kwargs.get("out", ())):
        if type(value) is _Probe:  # NOTE: an operator being translated (a traced float came first)
            raise _Called(ufunc, method, inputs, kwargs)
    callee = ufunc if method == "__call__" else getattr(ufunc, method)
    tracer = _recording()
    if tracer is None:
        return callee(*plain(inputs), **plain(kwargs))
    written = list(kwargs.get("out", ()) or ())
    if method == "at":
        written.append(inputs[0])
    return tracer.call("call", callee, inputs, kwargs, written)


class _ArrayType(type):
    """RecordingArray's type: while tracing, the backends' ``ndarray`` is RecordingArray (core's
    ``type(x) is backend.ndarray`` holds for it), and a native array still passes
    ``isinstance(x, backend.ndarray)`` (a kernel's own checks see what they see eagerly)."""

    def __instancecheck__(cls, value) -> bool:
        if type(value) is cls:
            return True
        tracer = current.tracer
        return tracer is not None and isinstance(value, tracer.array_types)


class RecordingArray(metaclass=_ArrayType):
    """A backend's native array while a trace records: what is computed from it is recorded.

    It holds the native array (``native``) and passes for it: ``isinstance`` sees the native
    type, metadata (``shape``, ``dtype``, ``strides``, ``device``) is read from it, and every
    computation (an operator, a method, indexing, a NumPy function) runs on the native arrays
    and is recorded as a call that replay makes again on them.
    """

    __slots__ = ("native", "__weakref__")
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, native) -> None:
        self.native = native

    @property
    def __class__(self):  # NOTE: isinstance(x, backend.ndarray) holds, as for the native array
        return type(self.native)

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)  # NOTE: __array_interface__ & co. would let NumPy read past the record
        return _attribute(self, name)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _ufunc_call(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        tracer = _recording()
        if tracer is None:
            return func(*plain(args), **plain(kwargs))
        written = [kwargs["out"]] if kwargs.get("out") is not None else []
        if func.__name__ in _WRITING_FUNCTIONS and args:
            written.append(args[0])
        return tracer.call("call", func, args, kwargs, written)

    def __array__(self, dtype=None, copy=None):
        tracer = _recording()
        if tracer is not None:
            tracer.stop("converts a traced array to a NumPy array ember.compile cannot follow")
        return np.asarray(self.native, dtype=dtype)

    # --- indexing and iteration ---------------------------------------------------------
    def __getitem__(self, key):
        return _method(self, "__getitem__", (key,), {})

    def __setitem__(self, key, value) -> None:
        _method(self, "__setitem__", (key, value), {})

    def __len__(self) -> int:
        return len(self.native)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __copy__(self):
        return _method(self, "copy", (), {})

    def __deepcopy__(self, memo=None):
        return _method(self, "copy", (), {})

    # --- Python values read from the array ------------------------------------------------
    def item(self, *args):
        """A float element is followed as a TracedScalar (float() cannot be: Python makes it a plain float)."""
        value = _item_of(self.native, args)
        tracer = _recording()
        if tracer is None:
            return value
        if type(value) is float:
            return tracer.scalar_from_array(self, args, value)
        tracer.read_value(self, "item", value, "reads an array element", True, args)
        return value

    def __float__(self):
        return _read(self, "__float__", "reads an array as a float")

    def __repr__(self):
        return _read(self, "__repr__", "prints an array", check=False)

    __str__ = __repr__

    def __format__(self, spec):
        return _read(self, "__repr__", "formats an array as text", check=False)

    def __complex__(self):
        return _read(self, "__complex__", "reads an array as a complex number", check=False)


# The array API's metadata, read from the native array as class attributes: no failed lookup, no __getattr__.
_METADATA = ("shape", "dtype", "ndim", "size")
for _name in _METADATA:
    setattr(RecordingArray, _name, property(operator.attrgetter(f"native.{_name}")))


def _attribute(array, name: str):
    """array.<name>: a method recorded when called, an array-valued attribute recorded, or metadata."""
    value = getattr(array.native, name)
    if callable(value) and not isinstance(value, type):
        return _bound_method(array, name)
    if isinstance(value, type(array.native)):  # an array-valued attribute: T, mT, real, imag, base
        tracer = _recording()
        return value if tracer is None else tracer.call("attr", name, (array,), {}, [])
    return value  # metadata


# Attributes core reads often, found on the class (a missing instance attribute costs a formatted error first).
for _name in ("T", "mT", "base"):
    setattr(RecordingArray, _name, property(functools.partial(_attribute, name=_name)))


def _item_of(native, args: tuple):
    """native.item(*args), or its backend's item() for an array without one (array API standard arrays)."""
    reader = getattr(native, "item", None)
    if reader is not None:
        return reader(*args)
    tracer = current.tracer
    tracer.depth += 1  # NOTE: the kernels the backend's item() calls are its own business, as a kernel's are
    try:
        return tracer.item_readers[type(native)](native, *args)
    finally:
        tracer.depth -= 1


def _bound_method(array, name: str):
    def method(*args, **kwargs):
        return _method(array, name, args, kwargs)

    method.__name__ = name
    return method


def _method(array, name: str, args: tuple, kwargs: dict):
    tracer = _recording()
    if tracer is None:
        return getattr(array.native, name)(*plain(args), **plain(kwargs))
    written = [array] if name in _WRITING_METHODS else []
    return tracer.call("method", name, (array, *args), kwargs, written)


def _read(array, name: str, what: str, check: bool = True):
    """A Python value read from an array: checked again at replay, or a graph break."""
    value = getattr(array.native, name)()
    tracer = _recording()
    if tracer is None:
        return value
    tracer.read_value(array, name, value, what, check)
    return value


_WRITING_METHODS = frozenset({"fill", "sort", "put", "partition", "__setitem__"})
_WRITING_FUNCTIONS = frozenset({"copyto", "put_along_axis", "place", "putmask", "fill_diagonal", "put"})
_VALUE_READS = {
    "__int__": "reads an array as an int",
    "__index__": "reads an array as an index",
    "__bool__": "branches on an array's value",
    "tolist": "reads an array's values",
    "tobytes": "reads an array's bytes",
}


def _make_read(name: str, what: str):
    def method(self, *args):
        if args:
            return _method(self, name, args, {})
        return _read(self, name, what)

    method.__name__ = name
    return method


for _name, _what in _VALUE_READS.items():
    setattr(RecordingArray, _name, _make_read(_name, _what))


# --- operators: NumPy's as the ufunc NumPy calls, any other backend's as Python's operator ---------

_BINARY = "add sub mul truediv floordiv mod pow matmul and or xor lshift rshift".split()
_COMPARED = "lt le gt ge eq ne".split()
_UNARY = "neg pos abs invert".split()


def _operator(dunder: str, function, reflected: bool = False, in_place: bool = False):
    """RecordingArray.<dunder>: Python's operator `function` on the native arrays, recorded."""

    def method(self, *others):
        operands = (*others, self) if reflected else (self, *others)
        tracer = _recording()
        if tracer is None:
            return function(*plain(operands))
        if isinstance(self.native, np.ndarray):
            found = _numpy_operator(self, dunder, others)
            if found is not None:
                ufunc, kind, inputs, kwargs = found
                return _ufunc_call(ufunc, kind, inputs, kwargs)
        return tracer.call("call", function, operands, {}, [self] if in_place else [])

    method.__name__ = dunder
    return method


for _name in _BINARY:
    _function = getattr(operator, f"{_name}_" if _name in ("and", "or") else _name)
    setattr(RecordingArray, f"__{_name}__", _operator(f"__{_name}__", _function))
    setattr(RecordingArray, f"__r{_name}__", _operator(f"__r{_name}__", _function, reflected=True))
    setattr(RecordingArray, f"__i{_name}__", _operator(f"__i{_name}__", getattr(operator, f"i{_name}"), in_place=True))
for _name in _COMPARED + _UNARY:
    setattr(RecordingArray, f"__{_name}__", _operator(f"__{_name}__", getattr(operator, _name)))
RecordingArray.__divmod__ = _operator("__divmod__", divmod)  # type: ignore[attr-defined]


# --- traced Python floats ------------------------------------------------------------------

_SYMBOLS = {
    "__add__": ("+", operator.add),
    "__sub__": ("-", operator.sub),
    "__mul__": ("*", operator.mul),
    "__truediv__": ("/", operator.truediv),
    "__floordiv__": ("//", operator.floordiv),
    "__mod__": ("%", operator.mod),
    "__pow__": ("**", operator.pow),
}
_COMPARISONS = {
    "__lt__": "<",
    "__le__": "<=",
    "__gt__": ">",
    "__ge__": ">=",
    "__eq__": "==",
    "__ne__": "!=",
}
_NUMBERS = (int, float)


class TracedScalar(float):
    """A Python float the trace follows: its arithmetic is recorded and recomputed at replay."""

    __slots__ = ("index",)

    def __new__(cls, value: float, index: int):
        self = float.__new__(cls, value)
        self.index = index
        return self

    __hash__ = float.__hash__

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _ufunc_call(ufunc, method, inputs, kwargs)

    def __neg__(self):
        return _scalar_op("-", operator.neg, (self,))

    def __pos__(self):
        return self

    def __abs__(self):
        return _scalar_op("abs", abs, (self,))

    def __bool__(self):
        return _scalar_check("bool", bool, (self,))

    def __int__(self):
        return _scalar_check("int", int, (self,))

    def __round__(self, digits=None):
        return _scalar_check("round", round, (self,) if digits is None else (self, digits))

    def __trunc__(self):
        return _scalar_check("int", int, (self,))

    def __repr__(self):
        tracer = current.tracer
        if tracer is not None and tracer.recording:
            tracer.graph_break("formats a traced float as text")
        return float.__repr__(self)

    __str__ = __repr__

    def __float__(self):
        tracer = current.tracer
        if tracer is not None and tracer.recording:
            tracer.escaped(self)
        return float.__float__(self)

    def __format__(self, spec):
        tracer = current.tracer
        if tracer is not None and tracer.recording:
            tracer.graph_break("formats a traced float as text")
        return float.__format__(float.__float__(self), spec)


def _operand(value):
    return type(value) is TracedScalar or (isinstance(value, _NUMBERS) and not isinstance(value, np.generic))


def _make_binary(symbol: str, function, reflected: bool):
    def op(self, other):
        if not _operand(other):
            return NotImplemented
        return _scalar_op(symbol, function, (other, self) if reflected else (self, other))

    return op


def _make_comparison(symbol: str):
    function = getattr(operator, {"<": "lt", "<=": "le", ">": "gt", ">=": "ge", "==": "eq", "!=": "ne"}[symbol])

    def op(self, other):
        if not _operand(other):
            return NotImplemented
        return _scalar_check(symbol, function, (self, other))

    return op


for _name, (_symbol, _function) in _SYMBOLS.items():
    setattr(TracedScalar, _name, _make_binary(_symbol, _function, False))
    setattr(TracedScalar, "__r" + _name[2:], _make_binary(_symbol, _function, True))
for _name, _symbol in _COMPARISONS.items():
    setattr(TracedScalar, _name, _make_comparison(_symbol))


def _scalar_op(symbol: str, function, operands: tuple):
    value = function(*[float.__float__(v) if type(v) is TracedScalar else v for v in operands])
    tracer = current.tracer
    if tracer is None or not tracer.recording or not isinstance(value, float):
        return value
    return tracer.scalar_op(symbol, operands, value)


def _scalar_check(symbol: str, function, operands: tuple):
    value = function(*[float.__float__(v) if type(v) is TracedScalar else v for v in operands])
    tracer = current.tracer
    if tracer is not None and tracer.recording:
        tracer.scalar_check(symbol, operands, value)
    return value


_VALUE_SHAPED = frozenset({"nonzero", "argwhere", "unique", "flatnonzero", "compress", "extract", "repeat"})


def _data_dependent_shape(kind: str, callee, plain_args: tuple) -> bool:
    name = callee if kind == "method" else getattr(callee, "__name__", "")
    if name in _VALUE_SHAPED:
        return True
    if name in ("__getitem__", "getitem") and len(plain_args) > 1:
        key = plain_args[1]
        keys = key if type(key) is tuple else (key,)
        return any(getattr(k, "dtype", None) == np.bool_ and not isinstance(k, (bool, np.generic)) for k in keys)
    return False


# --- the tracer ---------------------------------------------------------------------------------


class Tracer:
    """The program being recorded, and what the trace knows about each array."""

    def __init__(self, fullgraph: bool, name: str) -> None:
        self.fullgraph = fullgraph
        self.name = name
        self.recording = True
        self.instructions: list = []
        self.slot_of: dict = {}  # id(RecordingArray or its native array) -> slot
        self.plain: list = []  # slot -> the native array
        self.refs: list = []  # slot -> its SlotRef (one for all the instructions that read the slot)
        self.array_types: tuple = (np.ndarray,)  # the native array types of the backends in the trace
        self.backends: dict = {}  # native array type -> its backend (copies an array without copy())
        self.modules: dict = {}  # id(a backend's array module) -> its RecordingModule, for this trace
        self.item_readers: dict = {}  # native array type -> its backend's item(), as before the trace patched it
        self.recording_arrays: list = []  # slot -> the RecordingArray
        self.root_slots: dict = {}  # slot -> its source expression
        self.scalars: list = []  # scalar number -> early (known before the step runs)
        self.scalar_sources: dict = {}  # scalar number -> source expression (settings read at the start)
        self.scalar_roots: list = []  # scalar number -> the settings (scalar numbers) it is computed from
        self.frozen_settings: set = set()  # settings whose value went where the trace cannot follow
        self.problem: tuple | None = None  # (reason, location) when the trace cannot be replayed
        self.wrote_state = False  # an in-place write to memory of the captured state happened
        self.drew = False
        self.checks_after_draws = False
        self.depth = 0
        self.scalar_slots: set = set()  # slots whose kernel gave a NumPy scalar (an array at replay needs asarray)
        self.accumulated: set = set()  # ids of tensors whose .grad the backward filled
        self.backpropagated: set = set()  # ids of graph nodes a backward without retain_graph started from

    # --- stopping ---------------------------------------------------------------------------
    def graph_break(self, what: str) -> None:
        self.stop(what, user_location())

    def stop(self, reason: str, location: str | None = None) -> None:
        """The trace cannot be replayed: record why and where, and record nothing more."""
        if self.problem is None:
            self.problem = (reason, location or user_location())
        self.recording = False
        if self.fullgraph:
            reason, location = self.problem
            raise GraphBreak(
                f"ember.compile(fullgraph=True) cannot trace {self.name}: it {reason}, at {location}. "
                "Keep tensor values inside the graph (use ember.where instead of an `if`, return the tensor and "
                "call .item() outside the compiled function), or compile with fullgraph=False to run it eagerly."
            )

    # --- slots ------------------------------------------------------------------------------
    def new_slot(self, array, source: str | None = None):
        """A RecordingArray for the native array `array`, with a new slot (a NumPy scalar becomes a 0-d array)."""
        if isinstance(array, np.generic):
            array = np.asarray(array)
        recording = RecordingArray(array)
        slot = len(self.plain)
        self.plain.append(array)
        self.refs.append(SlotRef(slot))
        self.recording_arrays.append(recording)
        self.slot_of[id(recording)] = slot
        self.slot_of[id(array)] = slot
        if source is not None:
            self.root_slots[slot] = source
        return recording

    def encode(self, value):
        """(symbolic, plain) forms of an argument structure."""
        symbols, values = self.encode_items((value,))
        return symbols[0], values[0]

    def encode_items(self, items) -> tuple:
        """(symbolic, plain) forms of each of items, as two tuples: arrays as slot references, traced
        floats as scalar references, tuples, lists, dicts and slices searched."""
        symbols, values = [], []
        for value in items:
            kind = type(value)
            if kind is RecordingArray:
                slot = self.slot_of.get(id(value))
                if slot is None:
                    self.stop("uses an array made by an operation ember.compile does not record")
                    symbol, value = value, value.native
                else:
                    symbol, value = self.refs[slot], self.plain[slot]
            elif kind is TracedScalar:
                symbol, value = ScalarRef(value.index), float.__float__(value)
            elif kind is tuple:
                symbol, value = self.encode_items(value)
            elif kind is list:
                symbol, value = self.encode_items(value)
                symbol, value = list(symbol), list(value)
            elif kind is dict:
                symbol, value = self.encode_dict(value)
            elif kind is slice:
                (start, stop, step), (a, b, c) = self.encode_items((value.start, value.stop, value.step))
                symbol, value = slice(start, stop, step), slice(a, b, c)
            else:
                slot = self.slot_of.get(id(value)) if isinstance(value, self.array_types) else None
                symbol = value if slot is None else self.refs[slot]  # NOTE: a native array the trace made itself
            symbols.append(symbol)
            values.append(value)
        return tuple(symbols), tuple(values)

    def encode_dict(self, value: dict) -> tuple:
        """(symbolic, plain) forms of a dict of arguments, as two dicts."""
        if not value:
            return {}, {}
        symbols, values = self.encode_items(value.values())
        return dict(zip(value, symbols)), dict(zip(value, values))

    def adopt(self, result, outs: list):
        """The recorded form of a call's result: new or known slots."""
        if isinstance(result, self.array_types) or isinstance(result, np.generic):
            slot = self.slot_of.get(id(result))
            if slot is None:
                slot = len(self.plain)
                if isinstance(result, np.generic):
                    self.scalar_slots.add(slot)
                self.new_slot(result)
            outs.append(slot)
            return self.recording_arrays[slot]
        if type(result) is tuple and result and all(isinstance(r, (*self.array_types, np.generic)) for r in result):
            return tuple(self.adopt(r, outs) for r in result)
        return result

    # --- recording --------------------------------------------------------------------------
    def call(self, kind: str, callee, args: tuple, kwargs: dict, written: list, name: str | None = None, real=None):
        """Run one call on plain values and record it (`real`: what a draw calls on the stream)."""
        sym_args, plain_args = self.encode_items(args)
        sym_kwargs, plain_kwargs = self.encode_dict(kwargs)
        if kind == "method":
            result = getattr(plain_args[0], callee)(*plain_args[1:], **plain_kwargs)
        elif kind == "attr":
            result = getattr(plain_args[0], callee)
        elif kind == "draw":
            self.depth += 1  # NOTE: what the stream does inside is its own business, as a kernel's is
            try:
                result = real(*plain_args, **plain_kwargs)
            finally:
                self.depth -= 1
        else:
            result = callee(*plain_args, **plain_kwargs)
        if not self.recording:
            return result
        writes = []
        for array in written:
            symbol, _ = self.encode(array)
            if type(symbol) is not SlotRef:
                self.stop("writes in place to an array ember.compile did not capture")
                return result
            writes.append(symbol.index)
            self.note_write(symbol.index)
        outs: list = []
        recorded = self.adopt(result, outs)
        instruction = Instruction(kind, callee, sym_args, sym_kwargs, tuple(outs), tuple(writes), name=name)
        if not outs and result is not None:  # a Python value computed from arrays
            if not isinstance(result, (bool, int, str, tuple, type(None))) or isinstance(result, float):
                self.stop("computes a Python value from arrays")
                return result
            if not self.may_check():
                self.stop("branches on a value computed from arrays after changing the model's state")
                return result
            instruction.expected = result
        if kind == "draw":
            self.drew = True
        self.instructions.append(instruction)
        if _data_dependent_shape(kind, callee, plain_args) and not self.check_shapes(outs):
            return result
        return recorded

    def check_shapes(self, outs) -> bool:
        """Results whose shape depends on values (a boolean mask, nonzero): replay checks their shapes."""
        if not self.may_check():
            self.stop("makes an array whose shape depends on values after changing the model's state")
            return False
        for slot in outs:
            shape = self.plain[slot].shape
            self.instructions.append(Instruction("attr", "shape", (self.refs[slot],), {}, (), expected=shape))
        return True

    def note_write(self, slot: int) -> None:
        if self.wrote_state:
            return
        target = self.plain[slot]
        for root in self.root_slots:
            if may_share_memory(target, self.plain[root]):
                self.wrote_state = True
                return

    def may_check(self) -> bool:
        if self.wrote_state:
            return False
        if self.drew:
            self.checks_after_draws = True
        return True

    def scalar_from_array(self, array, args: tuple, value: float):
        symbol, _ = self.encode_items((array, *args))
        if type(symbol[0]) is not SlotRef:
            return value
        index = self.new_scalar(False)
        native = self.plain[symbol[0].index]
        kind, callee = ("method", "item") if hasattr(native, "item") else ("call", self.item_readers[type(native)])
        self.instructions.append(Instruction(kind, callee, symbol, {}, (("f", index),)))
        return TracedScalar(value, index)

    def new_scalar(self, early: bool, source: str | None = None, roots: frozenset = frozenset()) -> int:
        index = len(self.scalars)
        self.scalars.append(early)
        self.scalar_roots.append(roots if source is None else frozenset({index}))
        if source is not None:
            self.scalar_sources[index] = source
        return index

    def escaped(self, scalar) -> None:
        """A traced float left as a plain float (float(), formatting): its settings are frozen, so guarded."""
        self.frozen_settings |= self.scalar_roots[scalar.index]

    def scalar_op(self, symbol: str, operands: tuple, value: float):
        sym, _ = self.encode_items(operands)
        early = all(self.scalars[s.index] for s in sym if type(s) is ScalarRef)
        roots = frozenset().union(*(self.scalar_roots[s.index] for s in sym if type(s) is ScalarRef))
        index = self.new_scalar(early, roots=roots)
        self.instructions.append(Instruction("scalar", symbol, sym, {}, (("f", index),), early=early))
        return TracedScalar(value, index)

    def scalar_check(self, symbol: str, operands: tuple, value) -> None:
        sym, _ = self.encode_items(operands)
        early = all(self.scalars[s.index] for s in sym if type(s) is ScalarRef)
        if not early and not self.may_check():
            self.graph_break(f"branches on a float computed from arrays ({symbol})")
            return
        self.instructions.append(Instruction("check", symbol, sym, {}, (), expected=value, early=early))

    def read_value(self, array, name: str, value, what: str, check: bool, args: tuple = ()) -> None:
        if not check:
            self.graph_break(what)
            return
        symbol, _ = self.encode_items((array, *args))
        if type(symbol[0]) is not SlotRef:
            return
        if not self.may_check():
            self.graph_break(f"{what} after changing the model's state")
            return
        self.instructions.append(Instruction("method", name, symbol, {}, (), expected=value))
