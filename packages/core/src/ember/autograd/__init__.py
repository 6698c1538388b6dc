"""Automatic differentiation: backward, grad, grad modes, custom Functions, gradcheck, functional."""

from __future__ import annotations

from .._autograd._anomaly import detect_anomaly, is_anomaly_check_nan_enabled, is_anomaly_enabled, set_detect_anomaly
from .._autograd._api import backward, grad
from .._autograd._function import Function, FunctionCtx, once_differentiable
from .._autograd._grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from . import function, functional, grad_mode, graph
from ._gradcheck import GradcheckError, gradcheck, gradgradcheck


def Variable(data, requires_grad: bool = False, volatile: bool = False):
    """Legacy `Variable(tensor, requires_grad=...)`: tensors are variables now; returns the tensor."""
    return data.requires_grad_(requires_grad) if requires_grad else data


__all__ = [
    "Function",
    "FunctionCtx",
    "GradcheckError",
    "Variable",
    "backward",
    "detect_anomaly",
    "enable_grad",
    "function",
    "functional",
    "grad",
    "grad_mode",
    "gradcheck",
    "gradgradcheck",
    "graph",
    "inference_mode",
    "is_anomaly_check_nan_enabled",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "is_inference_mode_enabled",
    "no_grad",
    "once_differentiable",
    "set_detect_anomaly",
    "set_grad_enabled",
]
