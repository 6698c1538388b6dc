"""Automatic differentiation: backward, grad, grad modes, custom Functions, gradcheck."""

from __future__ import annotations

from . import graph
from ._anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from ._api import backward, grad
from ._function import Function, FunctionCtx
from ._grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from ._gradcheck import gradcheck, gradgradcheck

Variable = None  # replaced below: the legacy wrapper returns the tensor itself


def _variable(data, requires_grad: bool = False, volatile: bool = False):
    """Legacy `Variable(tensor, requires_grad=...)`: tensors are variables now."""
    return data.requires_grad_(requires_grad) if requires_grad else data


Variable = _variable

__all__ = [
    "Function",
    "FunctionCtx",
    "Variable",
    "backward",
    "detect_anomaly",
    "enable_grad",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "graph",
    "inference_mode",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "is_inference_mode_enabled",
    "no_grad",
    "set_detect_anomaly",
    "set_grad_enabled",
]
