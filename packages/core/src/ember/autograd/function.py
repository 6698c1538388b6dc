"""Public home of custom Functions (`ember.autograd.function.Function`, `once_differentiable`)."""

from .._autograd._function import BackwardCFunction, Function, FunctionCtx, once_differentiable

__all__ = ["BackwardCFunction", "Function", "FunctionCtx", "once_differentiable"]
