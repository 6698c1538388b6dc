"""A traced step as a program over slots: what ran, on which arrays, in which order.

Arrays are named by slot numbers (``s3``), Python floats read from arrays or from optimizer
settings by scalar numbers (``f2``); everything else an instruction was given is a constant.
"""

from __future__ import annotations

import numpy as np


class SlotRef:
    """An array of the trace, as an argument of an instruction."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


class ScalarRef:
    """A traced Python float, as an argument of an instruction."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


class TypedScalarRef:
    """A traced Python float as a 0-d array of ``dtype``, converted once per replay where it is read."""

    __slots__ = ("index", "dtype", "dtype_name")

    def __init__(self, index: int, dtype) -> None:
        self.index = index
        self.dtype = dtype
        self.dtype_name = _dtype_name(dtype)


_DTYPE_NAMES: dict = {}  # dtype -> its name, which NumPy works out in Python on each read (equal dtypes, one name)


def _dtype_name(dtype) -> str:
    name = _DTYPE_NAMES.get(dtype)
    if name is None:
        name = _DTYPE_NAMES[dtype] = dtype.name
    return name


class Instruction:
    """One recorded call.

    ``kind`` is ``"call"`` (``callee(*args, **kwargs)``: a kernel, ufunc or NumPy function),
    ``"method"`` (``args[0].<callee>(*args[1:], **kwargs)``), ``"draw"`` (``callee.native().<name>``
    on an ember Generator), ``"attr"`` (``args[0].<callee>``), ``"scalar"`` (Python arithmetic on
    traced floats, ``callee`` an operator symbol) or ``"check"`` (a comparison of traced floats).
    An instruction with ``expected`` set is a value the step read and branched on: replay computes
    it again and leaves for eager mode when it differs.
    """

    __slots__ = ("kind", "callee", "name", "args", "kwargs", "outs", "writes", "expected", "early", "refs", "reads")

    def __init__(self, kind, callee, args, kwargs, outs, writes=(), name=None, expected=None, early=False) -> None:
        self.kind = kind
        self.callee = callee
        self.name = name
        self.args = args
        self.kwargs = kwargs
        self.outs = outs  # slot numbers (arrays) or ("f", n) for scalars
        self.writes = writes  # slot numbers this call writes in place
        self.expected = expected
        self.early = early  # reads only settings known before the step runs (hoisted to the prologue)
        self.refs = None  # the references among args and kwargs, found once (neither changes)
        self.reads = None  # the slots among them, found once

    def references(self) -> list:
        """The slot and scalar references among the arguments."""
        found = self.refs
        if found is None:
            found = self.refs = refs_in(self.kwargs.values(), refs_in(self.args, []))
        return found

    def slots_read(self) -> tuple:
        """The slot numbers among the references, in order."""
        found = self.reads
        if found is None:
            found = self.reads = _slots_among(self.references())
        return found

    def scalars_read(self) -> list:
        """The scalar numbers among the references (none for most instructions: then no search)."""
        refs = self.references()
        if len(self.slots_read()) == len(refs):
            return []
        return [r.index for r in refs if type(r) is not SlotRef]


def _slots_among(refs: list) -> tuple:
    slots = []
    for ref in refs:  # NOTE: a loop, not a comprehension: no function made per instruction
        if type(ref) is SlotRef:
            slots.append(ref.index)
    return tuple(slots)


def refs_in(items, found: list) -> list:
    """The slot and scalar references inside a sequence of argument structures."""
    for item in items:
        kind = type(item)
        if kind is SlotRef or kind is ScalarRef or kind is TypedScalarRef:
            found.append(item)
        elif kind is tuple or kind is list:
            refs_in(item, found)
        elif kind is dict:
            refs_in(item.values(), found)
        elif kind is slice:
            refs_in((item.start, item.stop, item.step), found)
    return found


def may_share_memory(a, b) -> bool:
    """Whether two arrays of a trace may share memory: NumPy's bounds check for NumPy arrays, the array
    library's own (NumPy's function, dispatched) for two arrays of another type, never across types
    (a CPU tensor beside a GPU one); True when the library cannot say."""
    kind = type(a)
    if kind is _NDARRAY and type(b) is _NDARRAY:
        return _may_share_ndarrays(a, b)
    if kind is not type(b):
        return isinstance(a, _NDARRAY) and isinstance(b, _NDARRAY) and _may_share(a, b)
    try:
        return bool(_may_share(a, b))
    except (TypeError, ValueError):
        return True


_NDARRAY = np.ndarray
_may_share = np.may_share_memory
# NOTE: the same function without its __array_function__ dispatch, which finds nothing to dispatch to on two ndarrays
_may_share_ndarrays = getattr(_may_share, "_implementation", _may_share)
