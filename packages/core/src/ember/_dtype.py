"""Interned dtypes and PyTorch's type promotion, computed by table lookup."""

from __future__ import annotations

import numpy as np

BOOL, INTEGER, FLOATING, COMPLEX = 0, 1, 2, 3


class dtype:
    """An ember scalar type; one interned object per type (`ember.float32 is ember.float`)."""

    __slots__ = {
        "name": "The name after ``ember.``: ``'float32'``.",
        "itemsize": "The size of one element in bytes.",
        "category": "The kind of type in promotion: 0 bool, 1 integers, 2 floating point, 3 complex.",
        "numpy": "The NumPy dtype of the same type, which native arrays carry.",
        "is_floating_point": "Whether it is a floating-point type.",
        "is_signed": "Whether it holds negative numbers.",
        "is_complex": "Whether it is a complex type.",
        "inexact": "Whether it is floating point or complex (the dtypes whose tensors can require grad).",
        "_rank": "",
    }

    def __init__(self, name: str, numpy_dtype, category: int, rank: int, itemsize: int = 0) -> None:
        self.name = name
        if numpy_dtype is not None:
            self.numpy = np.dtype(numpy_dtype)
        self.itemsize = itemsize or self.numpy.itemsize
        self.category = category
        self.is_floating_point = category == FLOATING
        self.is_complex = category == COMPLEX
        self.inexact = category >= FLOATING
        self.is_signed = name != "uint8" and name != "bool"
        self._rank = rank

    def __repr__(self) -> str:
        return f"ember.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))

    def to_real(self) -> dtype:
        """The real dtype of this one: the type of a complex type's parts, else itself."""
        return _REAL.get(self, self)

    def to_complex(self) -> dtype:
        """The complex dtype whose parts are this floating-point type (a complex type gives itself)."""
        found = _COMPLEX.get(self)
        if found is None:
            raise RuntimeError(f"to_complex is not supported for {self}")
        return found


_NUMPY_SLOT = dtype.__dict__["numpy"]

#: Called, in order, when a plugged dtype's NumPy dtype is first needed (the backend registry loads
#: its plugins, whose import registers the dtypes they provide).
HOST_DTYPE_LOADERS: list = []


def load_host_dtypes() -> None:
    """Have the backends give the plugged dtypes they provide (on a plugged dtype's first need)."""
    for load in HOST_DTYPE_LOADERS:
        load()


class _PluggedDtype(dtype):
    """A dtype NumPy lacks: its NumPy dtype comes from a backend (`register_host_dtype`), on first need."""

    __slots__ = ()

    @property
    def numpy(self):
        try:
            return _NUMPY_SLOT.__get__(self)
        except AttributeError:
            load_host_dtypes()
        try:
            return _NUMPY_SLOT.__get__(self)
        except AttributeError:
            raise TypeError(
                f"ember.{self.name} needs a backend that provides it on the host: NumPy has no {self.name}; "
                "ember-numpy gives it with ml_dtypes 0.7 or later: pip install -U ember-numpy 'ml_dtypes>=0.7'"
            ) from None


def register_host_dtype(d: dtype, numpy_dtype) -> None:
    """Give a plugged dtype (ember.bfloat16) its NumPy dtype; a backend that provides one calls this."""
    native = np.dtype(numpy_dtype)
    _NUMPY_SLOT.__set__(d, native)
    _BY_NUMPY[native] = d


bool_ = dtype("bool", np.bool_, BOOL, 0)
uint8 = dtype("uint8", np.uint8, INTEGER, 1)
int8 = dtype("int8", np.int8, INTEGER, 2)
int16 = dtype("int16", np.int16, INTEGER, 3)
int32 = dtype("int32", np.int32, INTEGER, 4)
int64 = dtype("int64", np.int64, INTEGER, 5)
float16 = dtype("float16", np.float16, FLOATING, 6)
bfloat16 = _PluggedDtype("bfloat16", None, FLOATING, 7, itemsize=2)
float32 = dtype("float32", np.float32, FLOATING, 8)
float64 = dtype("float64", np.float64, FLOATING, 9)
complex64 = dtype("complex64", np.complex64, COMPLEX, 10)
complex128 = dtype("complex128", np.complex128, COMPLEX, 11)

ALL_DTYPES = (bool_, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64)  # the real dtypes
COMPLEX_DTYPES = (complex64, complex128)
_BY_NAME = {d.name: d for d in ALL_DTYPES + COMPLEX_DTYPES}
_BY_NUMPY = {d.numpy: d for d in ALL_DTYPES + COMPLEX_DTYPES if d is not bfloat16}
_REAL = {complex64: float32, complex128: float64}
# NOTE: float16's complex type (PyTorch's experimental complex32) is not an ember dtype: complex64 stands in
_COMPLEX = {
    float16: complex64,
    bfloat16: complex64,
    float32: complex64,
    float64: complex128,
    complex64: complex64,
    complex128: complex128,
}

ALIASES = {
    "half": float16,
    "float": float32,
    "double": float64,
    "short": int16,
    "int": int32,
    "long": int64,
    "cfloat": complex64,
    "cdouble": complex128,
}


# PyTorch's scalar type names, as its error messages spell them ("Float", "Long", ...).
SCALAR_TYPE_NAMES = {
    float16: "Half",
    bfloat16: "BFloat16",
    float32: "Float",
    float64: "Double",
    uint8: "Byte",
    int8: "Char",
    int16: "Short",
    int32: "Int",
    int64: "Long",
    bool_: "Bool",
    complex64: "ComplexFloat",
    complex128: "ComplexDouble",
}


def scalar_type_name(d: dtype) -> str:
    return SCALAR_TYPE_NAMES[d]


def _by_name(name: str) -> dtype:
    return _BY_NAME[name]


#: The ember dtypes of native dtypes that are not NumPy's (an array API namespace's own), filled in by
#: the backends that use them (ArrayAPIBackend), for code that reads a native array's dtype without
#: its backend at hand.
FOREIGN_NATIVE: dict = {}


def of_native(native) -> dtype:
    """The ember dtype of a native dtype of any installed backend (NumPy's, or one a backend registered)."""
    found = _BY_NUMPY.get(native) if hasattr(native, "kind") else FOREIGN_NATIVE.get(native)
    if found is None:
        raise TypeError(f"{native!r} is the dtype of no installed backend")
    return found


def from_numpy_dtype(np_dtype) -> dtype:
    """The ember dtype of a NumPy dtype; raises TypeError for types ember has no equivalent of."""
    native = np.dtype(np_dtype)
    found = _BY_NUMPY.get(native)
    if found is None:
        load_host_dtypes()  # NOTE: a plugged dtype's array (ml_dtypes' bfloat16) may be its first need
        found = _BY_NUMPY.get(native)
    if found is None:
        raise TypeError(
            f"can't convert np.ndarray of type {native}. The only supported types are: "
            "float64, float32, float16, bfloat16, complex64, complex128, int64, int32, int16, int8, uint8, and bool."
        )
    return found


def _promote_pair(a: dtype, b: dtype) -> dtype:
    if a is b:
        return a
    if a.category == COMPLEX and b.category == FLOATING or b.category == COMPLEX and a.category == FLOATING:
        # NOTE: complex with floating point: complex parts wide enough for both (float64 + complex64 -> complex128)
        return _promote_pair(a.to_real(), b.to_real()).to_complex()
    if a.category != b.category:
        return a if a.category > b.category else b
    if {a, b} == {uint8, int8}:
        return int16
    if {a, b} == {float16, bfloat16}:
        return float32
    return a if a._rank > b._rank else b


_EVERY = ALL_DTYPES + COMPLEX_DTYPES
PROMOTE = {(a, b): _promote_pair(a, b) for a in _EVERY for b in _EVERY}


def promote_types(a: dtype, b: dtype) -> dtype:
    """The dtype that an op on the two dtypes gives."""
    return PROMOTE[a, b]


# --- the default dtype -------------------------------------------------------

_default = [float32]


def get_default_dtype() -> dtype:
    """The floating-point dtype that creation functions give by default."""
    return _default[0]


def set_default_dtype(d: dtype) -> None:
    """Set the floating-point dtype that creation functions give by default."""
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default[0] = d
    _RESULT_CACHE.clear()


# --- promotion among operands of different "weight" ------------------------
# Operands rank by weight: a dimensioned tensor (2) outranks a 0-dim tensor (1),
# which outranks a Python scalar (0). A lighter operand only decides the result
# when its category is higher than every heavier operand's.

_SCALAR_DTYPES = {bool: bool_, int: int64, float: None, complex: None}
_RESULT_CACHE: dict = {}


def _scalar_dtype(value_type) -> dtype:
    d = _SCALAR_DTYPES.get(value_type)
    if d is None:
        if value_type is float:
            return _default[0]
        if issubclass(value_type, bool):
            return bool_
        if issubclass(value_type, int):
            return int64
        if issubclass(value_type, complex):
            return _COMPLEX[_default[0]]
        return _default[0]
    return d


def default_complex_dtype() -> dtype:
    """The complex dtype of Python complex numbers: the complex type of the default float dtype."""
    return _COMPLEX[_default[0]]


def _compute_result(a: dtype, wa: int, b: dtype, wb: int) -> dtype:
    if wa == wb:
        return PROMOTE[a, b]
    heavy, light = (a, b) if wa > wb else (b, a)
    if light.category > heavy.category:
        if light.category == COMPLEX and heavy.category == FLOATING:
            return heavy.to_complex()  # NOTE: a lighter complex operand keeps the heavy operand's precision
        if min(wa, wb) == 0:
            return (
                _default[0]
                if light.category == FLOATING
                else _COMPLEX[_default[0]]
                if light.category == COMPLEX
                else light
            )
        return light
    return heavy


def result_type(a: dtype, wa: int, b: dtype, wb: int) -> dtype:
    """Promoted dtype of two operands with weights (2 dimensioned, 1 zero-dim, 0 Python scalar)."""
    key = (a, wa, b, wb)
    found = _RESULT_CACHE.get(key)
    if found is None:
        found = _RESULT_CACHE[key] = _compute_result(a, wa, b, wb)
    return found


def scalar_dtype(value) -> dtype:
    return _scalar_dtype(type(value))


def as_dtype(value) -> dtype:
    """Accept an ember dtype, a NumPy dtype, a Python type or a legacy tensor type."""
    if isinstance(value, dtype):
        return value
    legacy = getattr(value, "dtype", None)
    if isinstance(legacy, dtype):
        return legacy
    if value is float:
        return float64
    if value is int:
        return int64
    if value is bool:
        return bool_
    if value is complex:
        return complex128
    if isinstance(value, str) and value in _BY_NAME:
        return _BY_NAME[value]
    try:
        return from_numpy_dtype(value)
    except TypeError:
        raise TypeError(f"expected an ember dtype such as ember.float32, got {value!r}") from None


def is_host_array(value) -> bool:
    """Whether value is a NumPy array (an operand PyTorch treats as a dimensioned tensor)."""
    return isinstance(value, np.ndarray)


def is_host_scalar(value) -> bool:
    """Whether value is a NumPy scalar (np.float32(1.5), np.int64(3), ...)."""
    return isinstance(value, np.generic)


def host_array(values, dtype=None) -> np.ndarray:
    """Python values (a list, a range, ...) as a host array, for keys and data that start on the host."""
    return np.asarray(values, dtype=dtype)
