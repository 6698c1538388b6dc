"""PyTorch's errors where a backend would answer differently (NumPy raises other types, or computes)."""

from __future__ import annotations

import numbers

import numpy as np

from .. import _dtype as dt


def kind_of(value) -> str:
    """NumPy's kind letter of an array or a Python scalar: b(ool), i(nt), u(nsigned), f(loat)."""
    native = getattr(value, "dtype", None)
    kind = getattr(native, "kind", None)
    if kind is not None:
        return "f" if kind == "V" else kind  # NOTE: ml_dtypes' bfloat16 is kind "V" to NumPy
    if native is not None:
        found = dt.of_native(native)
        return "f" if found.inexact and not found.is_complex else "c" if found.is_complex else found.numpy.kind
    return "b" if isinstance(value, bool) else "i" if isinstance(value, int) else "f"


_TYPE_WORDS = {"b": "Bool", "u": "Byte", "i": "Long", "f": "Float"}


def type_word(array) -> str:
    """PyTorch's scalar type name of an array (Float, Long, ...)."""
    native = getattr(array, "dtype", None)
    found = dt._BY_NAME.get(getattr(native, "name", ""))
    if found is None and native is not None:
        found = dt.FOREIGN_NATIVE.get(native)  # NOTE: a backend's own dtype object (the array API standard's)
    return dt.SCALAR_TYPE_NAMES[found] if found is not None else _TYPE_WORDS[kind_of(array)]


def unordered(name: str, x, error=NotImplementedError) -> Exception:
    """PyTorch's refusal of complex input by an op that orders values (max, sort, ...)."""
    if error is NotImplementedError:
        return NotImplementedError(
            f"\"{name}\" not implemented for '{type_word(x._data)}': complex numbers have no order"
        )
    return error(f"{name} does not support complex input: complex numbers have no order; use .real or .abs() first")


def not_implemented_for(name: str, array) -> NotImplementedError:
    return NotImplementedError(
        f"\"{name}\" not implemented for '{type_word(array)}'; convert the tensor first (e.g. t.float())"
    )


def refusing(name: str, kinds: str, kernel):
    """A kernel that raises PyTorch's NotImplementedError for inputs whose kind is in `kinds`."""

    def guarded(b, x, *args, **kwargs):
        if kind_of(x) in kinds:
            raise not_implemented_for(name, x)
        return kernel(b, x, *args, **kwargs)

    return guarded


def integer_only(name: str, kernel):
    """Bitwise kernels: PyTorch raises NotImplementedError for floating inputs."""

    def checked(b, x, y):
        try:
            return kernel(b, x, y)
        except TypeError:
            raise not_implemented_for(name, x if kind_of(x) == "f" else y) from None

    return checked


def mismatch(shape_a: tuple, shape_b: tuple) -> tuple | None:
    """(dimension, size in a, size in b) of the last pair of sizes that do not broadcast, or None."""
    for i in range(1, min(len(shape_a), len(shape_b)) + 1):
        size_a, size_b = shape_a[-i], shape_b[-i]
        if size_a != size_b and size_a != 1 and size_b != 1:
            return max(len(shape_a), len(shape_b)) - i, size_a, size_b
    return None


def broadcast_error(name: str, x, y, error: ValueError) -> Exception:
    """PyTorch's RuntimeError for shapes that don't broadcast (NumPy raises ValueError)."""
    shape_a, shape_b = getattr(x, "shape", ()), getattr(y, "shape", ())
    found = mismatch(shape_a, shape_b)
    if found is None:
        return error
    dimension, size_a, size_b = found
    return RuntimeError(
        f"The size of tensor a ({size_a}) must match the size of tensor b ({size_b}) at non-singleton "
        f"dimension {dimension} (in {name}: shapes {list(shape_a)} and {list(shape_b)} don't broadcast)"
    )


class OperandTypeError(TypeError):
    """An operand that is neither a tensor nor a number: the operators answer NotImplemented for it."""


def is_number(value) -> bool:
    """A Python or NumPy scalar number (bool included), as PyTorch's Number arguments accept."""
    return isinstance(value, (numbers.Number, np.bool_))


def operand_type_error(name: str, value, role: str = "other", expected: str = "Tensor or Number") -> OperandTypeError:
    return OperandTypeError(
        f"{name}(): argument '{role}' must be {expected}, not {type(value).__name__}; "
        "convert it first, e.g. with ember.tensor(...)"
    )


def wrapped_integer(b, value, like):
    """A Python int outside an integer dtype's range, wrapped into it as PyTorch's C++ cast does."""
    if isinstance(value, int) and not isinstance(value, bool) and hasattr(like, "dtype"):
        return b.astype(b.xp.asarray(value, dtype=b.native_dtype(dt.int64)), b.ember_dtype(like.dtype))
    return value


OVERLAP_MESSAGE = (
    "unsupported operation: more than one element of the written-to tensor refers to a single memory location. "
    "Please clone() the tensor before performing the operation."
)


def overlap_error(error: ValueError) -> Exception:
    """NumPy refuses writes into broadcast (expanded) views as read-only; PyTorch's words for that."""
    return RuntimeError(OVERLAP_MESSAGE) if "read-only" in str(error) else error
