"""`Parameter` (a tensor a Module trains) and `Buffer` (state a Module keeps but does not train)."""

from __future__ import annotations

from .. import _creation
from .._tensor import Tensor, wrap
from ..serialization import register_parameter_type


def _share(cls: type, data: Tensor | None) -> Tensor:
    """A `cls` instance holding data's buffer (no copy), detached from any history."""
    if data is None:
        data = _creation.empty(0)
    if not isinstance(data, Tensor):
        raise TypeError(f"{cls.__name__} expects a Tensor as its data, got {type(data).__name__}")
    out = wrap(data._data, data._backend, data.dtype, data.device)
    out._version = data._version
    out.__class__ = cls
    return out


class Parameter(Tensor):
    """A tensor registered as a trainable parameter when assigned to a Module attribute."""

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> Parameter:
        out = _share(cls, data)
        if requires_grad:
            out.requires_grad_(True)
        return out

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        return (Parameter, (self.detach(), self._requires_grad))

    def __deepcopy__(self, memo) -> Parameter:
        if id(self) in memo:
            return memo[id(self)]
        result = Parameter(self.detach().clone(), self._requires_grad)
        if self.grad is not None:
            result.grad = self.grad.clone()
        memo[id(self)] = result
        return result


class Buffer(Tensor):
    """Marks a tensor to be registered as a buffer when assigned to a Module attribute."""

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True) -> Buffer:
        out = _share(cls, data)
        out.persistent = persistent
        return out


class _Uninitialized:
    """A placeholder whose shape is not known yet: `materialize(shape)` gives it storage and its real class."""

    cls_to_become: type = Tensor

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Give the placeholder empty storage of `shape` (on its device, in its dtype unless given)."""
        data = _creation.empty(shape, device=device or self.device, dtype=dtype or self.dtype)
        self.data = data
        self.__class__ = self.cls_to_become

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    __str__ = __repr__


class UninitializedParameter(_Uninitialized, Parameter):
    """A Parameter of a lazy module before its first call: it has no shape until materialized."""

    cls_to_become = Parameter

    def __new__(cls, requires_grad: bool = True, device=None, dtype=None) -> UninitializedParameter:
        return Parameter.__new__(cls, _creation.empty(0, device=device, dtype=dtype), requires_grad)

    def __reduce_ex__(self, protocol):
        return (UninitializedParameter, (self._requires_grad,))

    def __deepcopy__(self, memo) -> UninitializedParameter:
        if id(self) not in memo:
            memo[id(self)] = UninitializedParameter(self._requires_grad, self.device, self.dtype)
        return memo[id(self)]


class UninitializedBuffer(_Uninitialized, Tensor):
    """A buffer of a lazy module before its first call: it has no shape until materialized."""

    def __new__(cls, requires_grad: bool = False, device=None, dtype=None, persistent: bool = True):
        out = _share(cls, _creation.empty(0, device=device, dtype=dtype))
        out.requires_grad_(requires_grad)
        out.persistent = persistent
        return out


def is_lazy(value) -> bool:
    """Whether value is an uninitialized parameter or buffer."""
    return isinstance(value, _Uninitialized)


Parameter.__module__ = "ember.nn.parameter"
UninitializedParameter.__module__ = "ember.nn.parameter"
UninitializedBuffer.__module__ = "ember.nn.parameter"
Buffer.__module__ = "ember.nn.parameter"
register_parameter_type(Parameter)
