"""Moving between dtypes and devices: to(), type casts, cpu()/cuda(), copy_, fill_, zero_."""

from __future__ import annotations

from .. import _dtype as dt
from .._argument_checks import fill_value
from .._autograd._grad_mode import state as grad_state
from .._autograd._math import define
from .._device import device as Device
from .._devices import backend_for, canonical_device, installed_backend, unavailable_reason
from .._tensor import Tensor, _LegacyTensorType, wrap
from .._writes import check_inplace_target
from ._declare import export, method
from ._dispatch import _alias_for_inplace, promoted, rebase_inplace
from ._errors import overlap_error
from ._op import Op, call, record

CAST = Op(
    "to",
    lambda b, x, *, dtype: b.astype(x, dtype),
    lambda m, ctx, g: (g,),  # NOTE: the engine casts a gradient to its input's dtype
    node="ToCopyBackward0",
    math="astype",
)
TRANSFER = Op("to", None, lambda m, ctx, g: (m.to_device(g, device=ctx.attrs["source"]),), node="ToCopyBackward0")


def cast(x: Tensor, dtype: dt.dtype) -> Tensor:
    """x converted to dtype (gradients flow back in x's dtype)."""
    if dtype is x.dtype:
        return x
    return call(CAST, (x,), (x._data,), x, {"dtype": dtype})


def _moved(source_backend, array, target: Device):
    """A backend array copied onto the target device, through host memory (or the backend's own path)."""
    backend = backend_for(target)
    if backend is source_backend:
        return backend.to_device(array, target.index) if hasattr(backend, "to_device") else backend.copy(array)
    return backend.from_numpy(source_backend.to_numpy(array), target.index)


def transfer(x: Tensor, target: Device, pin_memory: bool = False) -> Tensor:
    """x copied onto another device, through host memory (or the backends' own path)."""
    out = wrap(_moved(x._backend, x._data, target), backend_for(target), x.dtype, target)
    if x._requires_grad and grad_state.enabled:
        record(TRANSFER, out, (x,), {"source": x.device})
    return out


def _parse_to(args: tuple, kwargs: dict):
    target_device = kwargs.pop("device", None)
    target_dtype = kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
    for arg in args:
        if arg is None:  # to(device, None): no dtype change, as in PyTorch
            continue
        if isinstance(arg, Tensor):
            target_device, target_dtype = arg.device, arg.dtype
        elif isinstance(arg, (dt.dtype, _LegacyTensorType)) or arg in (float, int, bool):
            target_dtype = arg
        elif isinstance(arg, (str, Device, int)):
            target_device = arg
        elif isinstance(arg, bool):
            continue
        else:
            raise TypeError(f"to() received an invalid combination of arguments: {arg!r}")
    if target_dtype is not None:
        target_dtype = dt.as_dtype(target_dtype)
    if target_device is not None:
        target_device = canonical_device(target_device)
    return target_device, target_dtype, copy


@method("to")
def to(self: Tensor, *args, **kwargs) -> Tensor:
    """Convert to a device and/or dtype: to(device), to(dtype), to(device, dtype), to(other).

    >>> x = ember.tensor([1, 2])
    >>> x.to(ember.float32)
    tensor([1., 2.])
    >>> x.to("cpu", dtype=ember.float64)
    tensor([1., 2.], dtype=ember.float64)
    """
    target_device, target_dtype, copy = _parse_to(args, kwargs)
    result = self
    if target_device is not None and target_device != self.device:
        result = transfer(result, target_device)
    if target_dtype is not None:
        result = cast(result, target_dtype)
    if copy and result is self:
        result = self.clone()
    return result


@method("cpu")
def cpu(self: Tensor, memory_format=None) -> Tensor:
    """The tensor on the CPU (itself when it is there)."""
    return to(self, "cpu")


@method("cuda")
def cuda(self: Tensor, device=None, non_blocking: bool = False, memory_format=None) -> Tensor:
    """The tensor on a CUDA device (itself when it is there)."""
    if device is None:
        device = "cuda"  # NOTE: the current CUDA device (see ember.cuda.set_device)
    if isinstance(device, int):
        device = f"cuda:{device}"
    target = canonical_device(device)
    if target.type != "cuda":
        raise RuntimeError(f"Invalid device, must be cuda device (got {target}); use .to({str(target)!r}) instead")
    return to(self, target)


# --- pinned host memory and DLPack ---------------------------------------------------------------

# m.to_device(x, device=...): an array, or a tensor (recorded), moved to another device
define(
    "to_device",
    lambda m: lambda x, *, device: _moved(m.backend, x, device),
    lambda m: lambda x, *, device: transfer(x, device),
)
PIN = Op("pin_memory", lambda b, x, *, pinner: pinner.pin_memory(b.to_numpy(x)), lambda m, ctx, g: (g,))


def _cuda_backend_for(name: str):
    """The CUDA backend (which page-locks host memory); RuntimeError saying why when CUDA is unusable."""
    reason = unavailable_reason("cuda")
    if reason is not None:
        raise RuntimeError(f"{name}() needs CUDA to page-lock host memory, but CUDA is not available: {reason}")
    return installed_backend("cuda")


@method("pin_memory")
def pin_memory(self: Tensor, device=None) -> Tensor:
    """A copy in page-locked host memory, from which copies to the GPU are faster (needs CUDA)."""
    if self.device.type != "cpu":
        raise RuntimeError(f"cannot pin '{self.type()}' only dense CPU tensors can be pinned")
    pinner = _cuda_backend_for("pin_memory")
    if pinner.is_pinned(self._backend.to_numpy(self._data)):
        return self
    return call(PIN, (self,), (self._data,), self, {"pinner": pinner})


@method("is_pinned")
def is_pinned(self: Tensor, device=None) -> bool:
    """Whether the tensor is in page-locked host memory (see pin_memory)."""
    if self.device.type != "cpu" or unavailable_reason("cuda") is not None:
        return False
    return bool(installed_backend("cuda").is_pinned(self._backend.to_numpy(self._data)))


def _dlpack(self: Tensor, *args, **kwargs):
    if self._requires_grad:
        raise RuntimeError("Can't export tensors that require gradient, use tensor.detach()")
    return self._data.__dlpack__(*args, **kwargs)


Tensor.__dlpack__ = _dlpack
Tensor.__dlpack_device__ = lambda self: self._data.__dlpack_device__()


def _caster(name: str, dtype: dt.dtype):
    def convert(self: Tensor, memory_format=None) -> Tensor:
        return cast(self, dtype)

    convert.__name__ = name
    convert.__doc__ = f"self.to(ember.{dtype.name})"
    setattr(Tensor, name, convert)


for _name, _dtype in (
    ("double", dt.float64),
    ("float", dt.float32),
    ("half", dt.float16),
    ("bfloat16", dt.bfloat16),
    ("long", dt.int64),
    ("int", dt.int32),
    ("short", dt.int16),
    ("char", dt.int8),
    ("byte", dt.uint8),
    ("bool", dt.bool_),
    ("cfloat", dt.complex64),
    ("cdouble", dt.complex128),
):
    _caster(_name, _dtype)


def _operand(value, name: str, position: int):
    if isinstance(value, Tensor) or type(value) in (bool, int, float):
        return value
    raise TypeError(
        f"result_type(): argument '{name}' (position {position}) must be Tensor or Number, not {type(value).__name__}"
    )


@export(method=False)
def result_type(tensor, other) -> dt.dtype:
    """The dtype an arithmetic op on the two operands (tensors or Python numbers) gives, by PyTorch's promotion."""
    tensor, other = _operand(tensor, "tensor", 1), _operand(other, "other", 2)
    if isinstance(tensor, Tensor) or isinstance(other, Tensor):
        return promoted(tensor, other)
    return dt.result_type(dt.scalar_dtype(tensor), 0, dt.scalar_dtype(other), 0)


@export(method=False)
def can_cast(from_: dt.dtype, to: dt.dtype) -> bool:
    """Whether PyTorch's casting rules allow ``from_`` to become ``to``: never floating to integer or to bool."""
    return dt.as_dtype(from_).category <= dt.as_dtype(to).category


@method("type_as")
def type_as(self: Tensor, other: Tensor) -> Tensor:
    """The tensor converted to the dtype of `other`."""
    return cast(self, other.dtype)


# --- writes into an existing tensor --------------------------------------------------------


def _grad_copy(m, ctx, g):
    return (m.zeros_like(g) if ctx.needs(0) else None), g


COPY = Op(
    "copy_",
    lambda b, x, src: b.astype(b.broadcast_to(src, x.shape), b.ember_dtype(x.dtype)),
    _grad_copy,
    node="CopyBackwards",
)


@method("copy_")
def copy_(self: Tensor, src, non_blocking: bool = False) -> Tensor:
    """Copy src's values into self (broadcasting, converting dtype and device)."""
    if not isinstance(src, Tensor):
        from .._creation import tensor

        src = tensor(src, dtype=self.dtype, device=self.device)
    if src.device != self.device:
        src = transfer(src, self.device)
    if grad_state.enabled and (self._requires_grad or src._requires_grad):
        check_inplace_target(self)
        alias = _alias_for_inplace(COPY, self)
        return rebase_inplace(self, call(COPY, (alias, src), (alias._data, src._data), self), "copy")
    try:
        self._backend.copy_into(self._data, src._data)
    except ValueError as error:
        if "read-only" in str(error):
            raise overlap_error(error) from None
        raise RuntimeError(
            f"copy_(): the source of shape {list(src.shape)} cannot be broadcast to the destination's shape "
            f"{list(self.shape)}; the sizes must match or be 1 in each trailing dimension"
        ) from None
    self._version[0] += 1
    return self


def _fill_kernel(b, x, value):
    try:
        return b.xp.full(x.shape, value, dtype=x.dtype)
    except TypeError:  # NOTE: a 0-dim array value, where full takes Python scalars only (the array API standard)
        out = b.empty(x.shape, b.ember_dtype(x.dtype), b.device_index(x))
        b.copy_into(out, value)
        return out


def _grad_fill(m, ctx, g):
    grad_value = m.sum(g) if len(ctx.next_functions) > 1 and ctx.needs(1) else None
    return (m.zeros_like(g) if ctx.needs(0) else None), grad_value


# NOTE: PyTorch numbers fill_'s node by overload: 2 for a number, 3 for a 0-dim tensor; zero_ has its own.
FILL = Op("fill_", _fill_kernel, _grad_fill, node="FillBackward2")
FILL_TENSOR = Op("fill_", _fill_kernel, _grad_fill, node="FillBackward3")
ZERO = Op("zero_", _fill_kernel, _grad_fill, node="ZeroBackward0")


def _fill(self: Tensor, value, op: Op) -> Tensor:
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} dimensions."
            )
        if grad_state.enabled and (self._requires_grad or value._requires_grad):
            check_inplace_target(self)
            data = value._backend.astype(value._data, self.dtype)
            return rebase_inplace(self, call(FILL_TENSOR, (self, value), (self._data, data), self), "fill")
        value = value.item()
    else:
        value = fill_value("fill_", value, self.dtype)
    if grad_state.enabled and self._requires_grad:
        check_inplace_target(self)
        return rebase_inplace(self, call(op, (self,), (self._data, value), self), "fill")
    try:
        self._backend.copy_into(self._data, value)
    except ValueError as error:
        raise overlap_error(error) from None
    self._version[0] += 1
    return self


@method("fill_")
def fill_(self: Tensor, value) -> Tensor:
    """Set every element to value (a number or a 0-dim tensor)."""
    return _fill(self, value, FILL)


@method("zero_")
def zero_(self: Tensor) -> Tensor:
    """Set every element to zero."""
    return _fill(self, 0, ZERO)


@export(method=False)
def fill(input: Tensor, value) -> Tensor:
    """A copy of the tensor with every element set to value (a number or a 0-dim tensor)."""
    return _fill(input.clone(), value, FILL)
