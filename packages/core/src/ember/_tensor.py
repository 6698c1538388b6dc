"""The Tensor: one backend array plus its dtype, device and autograd state.

Operators and math methods are attached by the op declarations in `ember.ops`;
this module holds only what every tensor is: storage, metadata, autograd plumbing
and conversion to Python and NumPy.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np

from . import _dtype as dt
from ._device import device as Device
from ._printing import format_tensor
from ._size import Size

_new = object.__new__


class _Extra:
    """Rarely used per-tensor state, kept off the hot path."""

    __slots__ = ("hooks", "retains_grad", "accumulator", "link", "post_accumulate_hooks", "name", "output_nr")

    def __init__(self) -> None:
        self.hooks = None
        self.retains_grad = False
        self.accumulator = None
        self.link = None  # a leaf's (edge, (shape, dtype)) as ops record it; None after its shape changes
        self.post_accumulate_hooks = None
        self.name = None
        self.output_nr = 0  # which output of a multi-output node (custom Function) this tensor is


_NON_LEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be "
    "populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf "
    "Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure "
    "you access the leaf Tensor instead."
)


class _BoundSize:
    """`t.size` without a call: callable like the method, printed like PyTorch's built-in method."""

    __slots__ = ("__self__",)
    __name__ = "size"

    def __init__(self, tensor: Tensor) -> None:
        self.__self__ = tensor

    def __call__(self, dim: int | None = None):
        shape = self.__self__._data.shape
        if dim is None:
            return Size(shape)
        return shape[_wrap_dim(dim, len(shape))]

    def __repr__(self) -> str:
        return f"<built-in method size of Tensor object at {hex(id(self.__self__))}>"


class _SizeProperty(property):
    """`Tensor.size`: `t.size(...)` on instances, and `Tensor.size(t, ...)` on the class as in PyTorch."""

    def __call__(self, tensor: Tensor, dim: int | None = None):
        return _BoundSize(tensor)(dim)


class Tensor:
    """A multi-dimensional array of one dtype on one device, whose ops autograd can record."""

    __slots__ = {
        "_data": "",
        "_backend": "",
        "dtype": "The data type of the elements, an :class:`ember.dtype`.",
        "device": "The :class:`ember.device` the elements live on.",
        "_requires_grad": "",
        "_grad": "",
        "grad_fn": "The backward node of the op that made the tensor, or None for a leaf.",
        "_version": "",
        "_base": "",
        "_extra": "",
        "__weakref__": "",
        "__dict__": "",
    }
    __array_priority__ = 1000
    __hash__ = object.__hash__

    # --- metadata -----------------------------------------------------------------
    @property
    def shape(self) -> Size:
        """The size of each dimension, as an :class:`ember.Size`."""
        return Size(self._data.shape)

    size = _SizeProperty(_BoundSize, doc="The shape as an ember.Size, or the size of one dim: t.size(dim).")

    def dim(self) -> int:
        """The number of dimensions."""
        return self._data.ndim

    ndimension = dim

    @property
    def ndim(self) -> int:
        """The number of dimensions (as ``dim()``)."""
        return self._data.ndim

    def numel(self) -> int:
        """The number of elements."""
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        """The size of one element in bytes."""
        return self.dtype.itemsize

    @property
    def itemsize(self) -> int:
        """The size of one element in bytes (as ``element_size()``)."""
        return self.dtype.itemsize

    @property
    def nbytes(self) -> int:
        """The bytes the elements take: ``numel() * element_size()``."""
        return self.dtype.itemsize * int(self._data.size)

    def stride(self, dim: int | None = None):
        """The step in elements between neighbours along each dimension, or along `dim`."""
        strides = tuple(s // self.dtype.itemsize for s in self._backend.strides(self._data))
        return strides if dim is None else strides[_wrap_dim(dim, self._data.ndim)]

    def is_contiguous(self, memory_format=None) -> bool:
        """Whether the elements are laid out in row-major order without gaps."""
        return self._backend.is_contiguous(self._data)

    @property
    def is_cuda(self) -> bool:
        """Whether the tensor lives on a CUDA device."""
        return self.device.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        """Whether the tensor lives on the CPU."""
        return self.device.type == "cpu"

    def get_device(self) -> int:
        """The CUDA device index, or -1 on the CPU."""
        return -1 if self.device.type == "cpu" else (self.device.index or 0)

    def is_floating_point(self) -> bool:
        """Whether the dtype is a floating-point type."""
        return self.dtype.is_floating_point

    def is_complex(self) -> bool:
        """Whether the dtype is a complex type."""
        return self.dtype.is_complex

    def is_conj(self) -> bool:
        """Whether the tensor is a lazy conjugate view (never: ember's conj computes the values)."""
        return False

    @property
    def is_leaf(self) -> bool:
        """Whether the tensor was made by the user rather than by a recorded op."""
        return self.grad_fn is None

    @property
    def layout(self) -> str:
        """The memory layout: always ``ember.strided``."""
        return "ember.strided"

    def data_ptr(self) -> int:
        """The address of the first element in memory (device memory for a CUDA tensor)."""
        data = self._data
        interface = getattr(data, "__cuda_array_interface__", None) or getattr(data, "__array_interface__", None)
        if interface is None:
            if not self.is_cpu:
                return 0
            interface = np.asarray(self._backend.to_numpy(data)).__array_interface__
        return int(interface["data"][0])

    def type(self, dtype=None, non_blocking: bool = False):
        """The type name (``'ember.FloatTensor'``), or a copy converted to the given type."""
        if dtype is None:
            prefix = "ember.cuda." if self.device.type == "cuda" else "ember."
            return prefix + _LEGACY_NAMES[self.dtype]
        if isinstance(dtype, str):
            dtype = _legacy_by_name(dtype)
        if isinstance(dtype, _LegacyTensorType) and dtype.device_type != self.device.type:
            return self.to(dtype.device_type, dtype.dtype)  # NOTE: ember.cuda.FloatTensor also moves to the GPU
        return self.to(dt.as_dtype(dtype))

    # --- autograd -----------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        """Whether autograd records operations on the tensor."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if self.grad_fn is not None:
            message = "you can only change requires_grad flags of leaf variables."
            if not value:
                message += (
                    " If you want to use a computed variable in a subgraph that doesn't require differentiation use "
                    "var_no_grad = var.detach()."
                )
            raise RuntimeError(message)
        if value and not self.dtype.inexact:
            raise RuntimeError(
                f"only Tensors of floating point dtype can require gradients (got {self.dtype}); "
                "convert first, e.g. t.float().requires_grad_()"
            )
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set whether autograd records operations on the tensor, in place; returns the tensor."""
        if self.grad_fn is not None and requires_grad:
            return self
        self.requires_grad = requires_grad
        return self

    @property
    def grad(self):
        """The gradient accumulated by backward() (leaves, and non-leaves that called retain_grad())."""
        grad = self._grad
        if grad is None and self.grad_fn is not None and not self.retains_grad:
            warnings.warn(_NON_LEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            _check_assigned_grad(self, value)
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    @property
    def output_nr(self) -> int:
        """Which output of the op that made it the tensor is (0 for a leaf)."""
        return 0 if self._extra is None else self._extra.output_nr

    @property
    def retains_grad(self) -> bool:
        """Whether ``.grad`` is filled for this non-leaf tensor (see ``retain_grad``)."""
        return self._extra is not None and self._extra.retains_grad

    def _extras(self) -> _Extra:
        if self._extra is None:
            self._extra = _Extra()
        return self._extra

    def _storage_changed(self) -> None:
        """After `_data` was replaced by an array of another shape or dtype."""
        if self._extra is not None:
            self._extra.link = None

    def detach(self) -> Tensor:
        """The same data (and version counter) without history: requires_grad=False.

        >>> x = ember.ones(2, requires_grad=True)
        >>> (x * 2).detach()
        tensor([2., 2.])
        """
        out = wrap(self._data, self._backend, self.dtype, self.device)
        out._version = self._version
        return out

    def detach_(self) -> Tensor:
        """Cut this tensor from its history in place."""
        self.grad_fn = None
        self._requires_grad = False
        if self._extra is not None:
            self._extra.output_nr = 0
        return self

    @property
    def data(self) -> Tensor:
        """The tensor's values, detached from the graph; assigning replaces them."""
        return self.detach()

    @data.setter
    def data(self, value: Tensor) -> None:
        self._data = value._data
        self._backend = value._backend
        self.dtype = value.dtype
        self.device = value.device
        self._storage_changed()

    # --- conversion -----------------------------------------------------------------
    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The data as a NumPy array, sharing memory on CPU."""
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        if self.device.type != "cpu" and not force:
            raise TypeError(
                f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() to copy the "
                "tensor to host memory first."
            )
        return self._backend.to_numpy(self._data)

    def __array__(self, dtype=None, copy=None):
        array = self.numpy()
        if dtype is not None and array.dtype != dtype:
            return array.astype(dtype)
        return array.copy() if copy else array

    def _host(self) -> np.ndarray:
        return self._backend.to_numpy(self._data)

    def item(self):
        """The value of a one-element tensor as a Python number.

        >>> ember.tensor([2.5]).item()
        2.5
        """
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar; "
                "item() needs exactly one element (index it first, e.g. t[0].item())"
            )
        return self._host().reshape(()).item()

    def tolist(self):
        """The data as (nested) Python lists of Python numbers."""
        return self._host().tolist()

    def _scalar(self, kind: str):
        if self._data.size != 1:
            raise ValueError(
                f"only one element tensors can be converted to Python scalars (this {kind}() got a tensor with "
                f"{self._data.size} elements)"
            )
        return self._host().reshape(()).item()

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __reversed__(self) -> Tensor:
        return self if self._data.ndim == 0 else self.flip(0)

    def __contains__(self, element) -> bool:
        if not isinstance(element, (Tensor, int, float, bool)):
            raise RuntimeError(
                f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a {type(element)}."
            )
        return bool((self == element).any().item())

    def __bool__(self) -> bool:
        size = self._data.size
        if size != 1:
            what = "no values" if size == 0 else "more than one value"
            raise RuntimeError(
                f"Boolean value of Tensor with {what} is ambiguous (it has {size}); use .any() or .all(), "
                "or compare one element"
            )
        return bool(self._host().reshape(()).item())

    def __float__(self) -> float:
        value = self._scalar("float")
        return float(value.real if isinstance(value, complex) else value)  # NOTE: as PyTorch, the real part

    def __int__(self) -> int:
        return int(self._scalar("int"))

    def __complex__(self) -> complex:
        return complex(self._scalar("complex"))

    def __index__(self) -> int:
        if self.dtype.is_floating_point or self._data.size != 1:
            raise TypeError(
                f"only integer tensors of a single element can be converted to an index (got {self.dtype} with "
                f"{self._data.size} elements)"
            )
        return int(self._host().reshape(()).item())

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0 and type(self) is Tensor:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __repr__(self, *, tensor_contents=None) -> str:
        grad_fn = self.grad_fn
        return format_tensor(
            self._host(),
            dtype_name=self.dtype.name,
            show_dtype=self.dtype is not dt.get_default_dtype() and self.dtype is not dt.default_complex_dtype(),
            device=None if self.device.type == "cpu" else str(self.device),
            requires_grad=self._requires_grad,
            grad_fn=None if grad_fn is None else type(grad_fn).__name__,
        )

    __str__ = __repr__

    def __copy__(self):
        out = wrap(self._data, self._backend, self.dtype, self.device)
        out.__class__ = type(self)
        out._version = self._version
        out._requires_grad = self._requires_grad
        return out

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol at the "
                "moment. Use t.detach().clone() to copy a computed tensor."
            )
        found = memo.get(id(self))
        if found is not None:
            return found
        out = wrap(self._backend.copy(self._data), self._backend, self.dtype, self.device)
        out.__class__ = type(self)
        out._requires_grad = self._requires_grad
        memo[id(self)] = out
        if self._grad is not None:
            out._grad = copy.deepcopy(self._grad, memo)
        state = getattr(self, "__dict__", None)
        if state:
            out.__dict__.update(copy.deepcopy(state, memo))
        return out


Tensor.__module__ = "ember"


def wrap(data, backend, dtype: dt.dtype, device: Device) -> Tensor:
    """A tensor around a backend array (no copy, no graph)."""
    t = _new(Tensor)
    t._data = data
    t._backend = backend
    t.dtype = dtype
    t.device = device
    t._requires_grad = False
    t._grad = None
    t.grad_fn = None
    t._version = [0]
    t._base = None
    t._extra = None
    return t


def _check_assigned_grad(tensor: Tensor, grad) -> None:
    if not isinstance(grad, Tensor):
        raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type {type(grad).__name__}")
    if grad.dtype is not tensor.dtype:
        raise RuntimeError(
            f"assigned grad has data of a different type ({grad.dtype} for a tensor of {tensor.dtype}); "
            f"convert it first with grad.to({tensor.dtype})"
        )
    if grad.device != tensor.device:
        raise RuntimeError(
            f"assigned grad has data located on a different device ({grad.device} for a tensor on {tensor.device}); "
            f"move it first with grad.to({str(tensor.device)!r})"
        )
    if grad._data.shape != tensor._data.shape:
        raise RuntimeError(
            f"attempting to assign a gradient of size '{list(grad.shape)}' to a tensor of size "
            f"'{list(tensor.shape)}'. Please ensure that the gradient and the tensor are the same size"
        )


def _wrap_dim(dim: int, ndim: int) -> int:
    size = max(ndim, 1)
    if not -size <= dim < size:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-size}, {size - 1}], but got {dim})")
    return dim % size


# --- legacy tensor types: ember.FloatTensor and friends ---------------------------

_LEGACY_NAMES = {d: name + "Tensor" for d, name in dt.SCALAR_TYPE_NAMES.items()}


class _LegacyTensorType(type):
    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor) and obj.dtype is cls.dtype and obj.device.type == cls.device_type

    def __repr__(cls) -> str:
        prefix = "ember.cuda." if cls.device_type == "cuda" else "ember."
        return f"<class '{prefix}{cls.__name__}'>"


def _make_legacy(name: str, dtype: dt.dtype, device_type: str) -> type:
    where = "a CUDA" if device_type == "cuda" else "a CPU"
    return _LegacyTensorType(
        name,
        (),
        {
            "__doc__": f"The legacy type of {where} tensor of dtype {dtype}: ``isinstance`` checks both.",
            "dtype": dtype,
            "device_type": device_type,
            "is_cuda": device_type == "cuda",
        },
    )


# NOTE: complex dtypes have type names (x.type() is 'ember.ComplexFloatTensor') but, as in PyTorch, no legacy class
LEGACY_TYPES = {name: _make_legacy(name, d, "cpu") for d, name in _LEGACY_NAMES.items() if not d.is_complex}
CUDA_LEGACY_TYPES = {name: _make_legacy(name, d, "cuda") for d, name in _LEGACY_NAMES.items() if not d.is_complex}


def _legacy_by_name(name: str):
    for prefix, table in (("ember.cuda.", CUDA_LEGACY_TYPES), ("torch.cuda.", CUDA_LEGACY_TYPES)):
        if name.startswith(prefix):
            return table[name[len(prefix) :]]
    return LEGACY_TYPES[name.split(".")[-1]]


__all__ = ["Tensor", "wrap"]
