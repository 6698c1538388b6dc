"""Affine maps: linear and bilinear."""

from __future__ import annotations

from ..._tensor import Tensor
from ...ops.linalg import addmm


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """input @ weight.T + bias; with a bias, one addmm over the input seen as a matrix (as in PyTorch)."""
    if bias is None:
        return input.matmul(weight.t())
    if input.ndim == 2:
        return addmm(bias, input, weight.t())
    rows = addmm(bias, input.reshape(-1, input.shape[-1]), weight.t())
    return rows.view(*input.shape[:-1], weight.shape[0])


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y[..., k] = input1[..., i] * weight[k, i, j] * input2[..., j] + bias[k]."""
    if weight.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be 3-D (out, in1, in2), got size {list(weight.shape)}")
    out_features, in1, in2 = weight.shape
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(
            f"bilinear(): input batch dimensions do not match: got {list(input1.shape[:-1])} and "
            f"{list(input2.shape[:-1])}"
        )
    if input1.shape[-1] != in1 or input2.shape[-1] != in2:
        raise RuntimeError(
            f"bilinear(): input sizes {input1.shape[-1]} and {input2.shape[-1]} do not match the weight's "
            f"{in1} and {in2} (weight size {list(weight.shape)})"
        )
    lead = input1.shape[:-1]
    left = input1.reshape(-1, in1)
    mixed = left.matmul(weight.permute(1, 0, 2).reshape(in1, out_features * in2))
    out = (mixed.reshape(-1, out_features, in2) * input2.reshape(-1, 1, in2)).sum(-1).reshape(*lead, out_features)
    return out if bias is None else out + bias
