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


Parameter.__module__ = "ember.nn.parameter"
Buffer.__module__ = "ember.nn.parameter"
register_parameter_type(Parameter)
