"""The two math namespaces a backward rule is written against.

A rule ``rule(m, ctx, g)`` calls functions of ``m`` by name (``m.cos(x)``,
``m.sum(g, axis=0, keepdims=True)``) and Python's operators. ``ArrayMath`` runs
them on one backend's arrays: an ordinary backward, no tensors, no graph.
``TensorMath`` runs them as ember ops on tensors, so that the backward pass can
itself be differentiated. Both are filled from one table of definitions, which the
op layer writes (``define``): every name means the same computation in both.
"""

from __future__ import annotations

import functools

from .. import _tensor
from ._grad_mode import state as grad_state


def define(name: str, on_arrays, on_tensors) -> None:
    """Add `name` to both namespaces: `on_arrays(m)` and `on_tensors(m)` return the function for m."""
    if hasattr(ArrayMath, name) or hasattr(TensorMath, name):
        raise RuntimeError(f"the math function {name!r} is defined twice")
    setattr(ArrayMath, name, _Resolved(name, on_arrays))
    setattr(TensorMath, name, _Resolved(name, on_tensors))


def define_optional(name: str, generic) -> None:
    """Add `name`, a backend's optional member: on arrays the backend's own where it has one, else
    `generic(m, ...)`, which tensors always use."""
    define(
        name,
        lambda m: getattr(m.backend, name, None) or functools.partial(generic, m),
        lambda m: functools.partial(generic, m),
    )


class _Resolved:
    """A math function's entry on a namespace class: made for one namespace on first use, and then
    held by that namespace itself (its own attribute, which later lookups find first).

    Definitions are never replaced, so a function held by a namespace cannot go stale. The classes have
    no ``__getattr__``: that keeps every lookup of a rule's ``m.<name>`` an ordinary attribute read.
    """

    __slots__ = ("name", "make")

    def __init__(self, name: str, make) -> None:
        self.name = name
        self.make = make

    def __get__(self, namespace, owner=None):
        if namespace is None:
            return self
        function = self.make(namespace)
        namespace.__dict__[self.name] = function
        return function


class ArrayMath:
    """Rule functions on one backend's native arrays (the ordinary backward pass)."""

    on_tensors = False
    records = False

    def __init__(self, backend) -> None:
        self.backend = backend

    def dtype_of(self, array):
        return self.backend.ember_dtype(array.dtype)

    def as_tensor(self, array, like):
        """A gradient array as a tensor of like's dtype on like's device."""
        backend = self.backend
        if not isinstance(array, backend.ndarray):
            array = backend.asarray(array, like.dtype, like.device.index)
        return _tensor.wrap(array, backend, like.dtype, like.device)

    def fit(self, g, shape: tuple, dtype):
        """g summed down to `shape` (undoing broadcasting) and cast to `dtype`."""
        if g.shape != shape:
            g = self.unbroadcast(g, shape=shape)
        have = self.backend.ember_dtype(g.dtype)
        if have is not dtype:
            if have.is_complex and not dtype.is_complex:
                g = self.backend.xp.real(g)  # NOTE: a real input fed a complex op: its gradient is the real part
            g = self.backend.astype(g, dtype)
        return g


class TensorMath:
    """Rule functions as ember ops on tensors (backward passes that record a graph)."""

    on_tensors = True

    @property
    def records(self) -> bool:
        return grad_state.enabled

    def dtype_of(self, tensor):
        return tensor.dtype

    def as_tensor(self, tensor, like):
        return tensor

    def fit(self, g, shape: tuple, dtype):
        if g._data.shape != shape:
            g = self.unbroadcast(g, shape=shape)
        if g.dtype is not dtype:
            if g.dtype.is_complex and not dtype.is_complex:
                g = self.real(g)
            g = g.to(dtype)
        return g


_TENSOR_MATH = TensorMath()


class _ArrayMaths(dict):
    """backend -> its ArrayMath, made on first use (`ARRAY_MATHS[backend]`)."""

    def __missing__(self, backend) -> ArrayMath:
        found = self[backend] = ArrayMath(backend)
        return found


ARRAY_MATHS = _ArrayMaths()


def tensor_math() -> TensorMath:
    return _TENSOR_MATH
