"""Elementwise dispatch: promotion, device checks and in-place writes around `Op.forward`.

The entry points (`unary`, `binary`) add dtype promotion by table lookup and device
checks to `ember.ops._op.call`; in-place variants write into the tensor's own buffer
so that NumPy views see the change.
"""

from __future__ import annotations

from .. import _dtype as dt
from .._autograd._grad_mode import state as grad_state
from .._tensor import Tensor, wrap
from .._writes import check_inplace_target
from ._errors import (
    broadcast_error,
    is_number,
    operand_type_error,
    overlap_error,
    wrapped_integer,
)
from ._op import Op, device_mismatch, record
from ._view_writes import rebase_view

_result_type = dt.result_type
_scalar_dtype = dt._scalar_dtype


# --- elementwise ------------------------------------------------------------------------

FLOAT_RESULT = "float"  # integer inputs compute in the default float dtype (div, exp, ...)
PROMOTE = "promote"
BOOL_RESULT = "bool"  # comparisons: computed on the inputs as they are, bool out
ORDERED = "ordered"  # lt, le, gt, ge: as BOOL_RESULT, and complex operands refused
REAL_ONLY = "real"  # maximum, minimum: as PROMOTE, and complex operands refused
# The dtypes each rule but PROMOTE computes on as they are, without a trip through promotion
_AS_THEY_ARE = {
    FLOAT_RESULT: frozenset(d for d in dt.ALL_DTYPES + dt.COMPLEX_DTYPES if d.inexact),
    BOOL_RESULT: frozenset(dt.ALL_DTYPES + dt.COMPLEX_DTYPES),
    ORDERED: frozenset(dt.ALL_DTYPES),
    REAL_ONLY: frozenset(dt.ALL_DTYPES),
}


def unary(op: Op, x: Tensor, rule: str = PROMOTE, attrs: dict | None = None) -> Tensor:
    data = x._data
    if rule is FLOAT_RESULT and not x.dtype.inexact:
        data = x._backend.astype(data, dt._default[0])
    backend = x._backend
    result = op.forward(backend, data, **attrs) if attrs else op.forward(backend, data)
    if type(result) is not backend.ndarray:
        result = backend.xp.asarray(result)
    out = wrap(result, backend, backend.dtypes[result.dtype], x.device)
    if x._requires_grad and grad_state.enabled:
        record(op, out, (x,), attrs)
    return out


def promoted(a, b) -> dt.dtype:
    """The result dtype of a binary elementwise op (PyTorch's rules)."""
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            if a.dtype is b.dtype:
                return a.dtype
            return _result_type(a.dtype, 2 if a._data.ndim else 1, b.dtype, 2 if b._data.ndim else 1)
        if (type(b) is float or type(b) is int) and a.dtype.inexact:
            return a.dtype  # NOTE: a Python number never changes a floating tensor's dtype
        return _result_type(a.dtype, 2 if a._data.ndim else 1, _scalar_dtype(type(b)), 0)
    return _result_type(_scalar_dtype(type(a)), 0, b.dtype, 2 if b._data.ndim else 1)


def _binary_arrays(name: str, a, b, rule: str):
    """Backend arrays for a and b cast to the computation dtype, and the tensor that leads."""
    if isinstance(a, Tensor):
        like = a
        if isinstance(b, Tensor):
            if b.device is not a.device and b.device != a.device:
                raise device_mismatch(name, a, b)
        elif dt.is_host_array(b):
            b = host_operand(b, a)
        elif not is_number(b):
            raise operand_type_error(name, b)
    else:
        like = b
        if not isinstance(b, Tensor):
            raise TypeError(
                f"{name}(): expected at least one Tensor argument, got {type(a).__name__} and {type(b).__name__}"
            )
        if dt.is_host_array(a):
            a = host_operand(a, b)
        elif not is_number(a):
            raise operand_type_error(name, a, "input")
    want = promoted(a, b)
    if rule is FLOAT_RESULT and not want.inexact:
        want = dt._default[0]
    if rule is REAL_ONLY and want.is_complex:
        raise RuntimeError(f"{name} not implemented for complex tensors: complex numbers have no order")
    if rule is BOOL_RESULT or rule is ORDERED:
        if rule is ORDERED and want.is_complex:
            raise NotImplementedError(
                f"\"{name}_cpu\" not implemented for '{dt.scalar_type_name(want)}': complex numbers have no order; "
                "compare their real parts or sizes (.real, .abs())"
            )
        xa = a._data if isinstance(a, Tensor) else a
        xb = b._data if isinstance(b, Tensor) else b
        return xa, xb, like, want
    if isinstance(a, Tensor):
        xa = a._data if a.dtype is want else a._backend.astype(a._data, want)
    else:
        xa = _scalar_as(a, want)
    if isinstance(b, Tensor):
        xb = b._data if b.dtype is want else b._backend.astype(b._data, want)
    else:
        xb = _scalar_as(b, want)
    return xa, xb, like, want


def host_operand(array, like: Tensor) -> Tensor:
    """A NumPy array operand as a tensor on like's device (PyTorch treats it as dimensioned)."""
    backend = like._backend
    data = backend.from_numpy(array, backend.device_index(like._data))
    return wrap(data, backend, dt.from_numpy_dtype(array.dtype), like.device)


def _scalar_as(value, want: dt.dtype):
    if want.is_complex:
        return complex(value)
    if want.inexact:
        return float(value)
    if want is dt.bool_:
        return bool(value)
    return int(value)


def run_binary(op: Op, backend, xa, xb):
    """op's forward on two operands, with PyTorch's errors for shapes and out-of-range Python ints."""
    kernel = op.kernel
    try:
        return getattr(backend, kernel)(xa, xb) if kernel is not None else op.forward(backend, xa, xb)
    except ValueError as error:
        raise broadcast_error(op.name, xa, xb, error) from None
    except OverflowError:
        return op.forward(backend, wrapped_integer(backend, xa, xb), wrapped_integer(backend, xb, xa))


def binary(op: Op, a, b, rule: str = PROMOTE) -> Tensor:
    # NOTE: the common cases need no promotion: two tensors of one dtype on one device, or a
    # floating tensor and a Python number (which never changes a floating dtype).
    if (
        isinstance(a, Tensor)
        and (
            (isinstance(b, Tensor) and a.dtype is b.dtype and a.device is b.device)
            or ((type(b) is float or type(b) is int) and a.dtype.inexact)
        )
        and (rule is PROMOTE or a.dtype in _AS_THEY_ARE[rule])
    ):
        like = a
        xa, xb = a._data, (b._data if isinstance(b, Tensor) else b)
    else:
        xa, xb, like, _ = _binary_arrays(op.name, a, b, rule)
    backend = like._backend
    kernel = op.kernel
    try:
        result = getattr(backend, kernel)(xa, xb) if kernel is not None else op.forward(backend, xa, xb)
    except (ValueError, OverflowError):
        result = run_binary(op, backend, xa, xb)  # NOTE: again, to translate the error or wrap the ints
    if type(result) is not backend.ndarray:
        result = backend.xp.asarray(result)
    out = wrap(result, backend, backend.dtypes[result.dtype], like.device)
    if (
        (isinstance(a, Tensor) and a._requires_grad) or (isinstance(b, Tensor) and b._requires_grad)
    ) and grad_state.enabled:
        record(op, out, (a, b), None)
    return out


# --- in place -------------------------------------------------------------------------


def _check_castable(name: str, result: dt.dtype, target: Tensor) -> None:
    if result.category > target.dtype.category:
        raise RuntimeError(
            f"{name}_(): result type {_type_word(result)} can't be cast to the desired output type "
            f"{_type_word(target.dtype)}. Convert the tensor first (e.g. t = t.float()) or use the "
            "out-of-place op."
        )


_type_word = dt.scalar_type_name


def bump_version(x: Tensor) -> None:
    x._version[0] += 1


def inplace_binary(op: Op, x: Tensor, other, rule: str = PROMOTE) -> Tensor:
    check_inplace_target(x)
    if (x._requires_grad or (isinstance(other, Tensor) and other._requires_grad)) and grad_state.enabled:
        return rebase_inplace(x, binary(op, _alias_for_inplace(op, x), other, rule), op.name)
    xa, xb, _, want = _binary_arrays(op.name, x, other, rule)
    _check_castable(op.name, want, x)
    kernel = op.kernel
    if kernel is not None and _broadcasts_into(getattr(xb, "shape", ()), x._data.shape):
        try:
            getattr(x._backend, kernel)(x._data, xb, out=x._data, casting="unsafe")
        except ValueError as error:
            raise overlap_error(error) from None
    else:
        write_into(x, run_binary(op, x._backend, xa, xb), op.name)
    x._version[0] += 1
    return x


def inplace_unary(op: Op, x: Tensor, rule: str = PROMOTE, attrs: dict | None = None) -> Tensor:
    check_inplace_target(x)
    if x._requires_grad and grad_state.enabled:
        return rebase_inplace(x, unary(op, _alias_for_inplace(op, x), rule, attrs), op.name)
    if rule is FLOAT_RESULT and not x.dtype.inexact:
        _check_castable(op.name, dt._default[0], x)
    result = op.forward(x._backend, x._data, **attrs) if attrs else op.forward(x._backend, x._data)
    write_into(x, result, op.name)
    x._version[0] += 1
    return x


def _broadcasts_into(shape: tuple, target: tuple) -> bool:
    if len(shape) > len(target):
        return False
    for s, t in zip(reversed(shape), reversed(target)):
        if s != t and s != 1:
            return False
    return True


def write_into(x: Tensor, result, name: str) -> None:
    shape = getattr(result, "shape", ())
    if shape != x._data.shape and not _broadcasts_into(shape, x._data.shape):
        raise RuntimeError(
            f"{name}_(): output with shape {list(x._data.shape)} doesn't match the broadcast shape "
            f"{list(shape)}; in-place ops cannot grow the tensor they write into."
        )
    try:
        x._backend.copy_into(x._data, result)
    except ValueError as error:
        raise overlap_error(error) from None


def _alias_for_inplace(op: Op, x: Tensor) -> Tensor:
    """A stand-in for x's value before the write (copied when the backward rule reads it)."""
    data = x._backend.copy(x._data) if op.saves else x._data
    alias = wrap(data, x._backend, x.dtype, x.device)
    alias._requires_grad = x._requires_grad
    alias.grad_fn = x.grad_fn
    alias._extra = x._extras() if x.grad_fn is None and x._requires_grad else x._extra
    return alias


def rebase_inplace(x: Tensor, result: Tensor, name: str) -> Tensor:
    """Write `result` into x's buffer and make x's history the op that produced it."""
    _check_castable(name, result.dtype, x)
    write_into(x, result._data, name)
    x._version[0] += 1
    history = x.grad_fn
    x.grad_fn = result.grad_fn
    x._requires_grad = result._requires_grad
    if x._extra is not None:
        x._history_changed(history)
    if x._base is not None and result.grad_fn is not None:
        rebase_view(x, history)  # a write through a view changes its base's history too
    return x
