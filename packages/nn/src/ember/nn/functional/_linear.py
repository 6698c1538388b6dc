"""Affine maps: linear and bilinear."""

from __future__ import annotations

import functools

from ..._autograd._node import shown_node, shown_node_type
from ..._tensor import Tensor
from ...ops._op import Op, call, device_mismatch


def _product_kernel(b, x, w):
    return b.matmul(x, w.T)


def _affine_kernel(b, bias, x, w):
    out = b.matmul(x, w.T)
    out += bias
    return out


def _grad_linear(m, ctx, g, *, bias: bool):
    """Gradients of x @ w.T, and first of the bias where there is one (bias + x @ w.T)."""
    x, w = ctx.saved  # NOTE: with saved_for, x is kept only for w's gradient and w only for x's
    grad_x = None if w is None else m.matmul(g, w)
    grad_w = None if x is None else m.matmul(g.T, x)  # NOTE: g is a matrix; .T is the array's own (cheapest)
    if not bias:
        return grad_x, grad_w
    return (m.sum(g, axis=0) if ctx.needs(0) else None), grad_x, grad_w


_WEIGHT_TRANSPOSE = shown_node_type("TBackward0")


def _weight_behind_transpose(node) -> tuple:
    """PyTorch's edges for a linear: the weight's gradient passes a TBackward0 (ember computes it directly)."""
    *others, weight = node._edges
    if weight[0] is not None:
        weight = (shown_node(_WEIGHT_TRANSPOSE, node, (weight,)), 0)
    return (*others, weight)


# NOTE: PyTorch runs a 2-D linear as addmm(bias, x, w.t()) (or mm(x, w.t()) without a bias) and shows that
# graph; one op here computes the weight's gradient directly, and next_functions shows PyTorch's edges.
AFFINE = Op(
    "linear",
    _affine_kernel,
    functools.partial(_grad_linear, bias=True),
    node="AddmmBackward0",
    saves=(1, 2),
    saved_for=(2, 1),
    shown_edges=_weight_behind_transpose,
)
PRODUCT = Op(
    "linear",
    _product_kernel,
    functools.partial(_grad_linear, bias=False),
    node="MmBackward0",
    saves=(0, 1),
    saved_for=(1, 0),
    shown_edges=_weight_behind_transpose,
)


def _check_affine(input: Tensor, weight: Tensor) -> None:
    if input.device is not weight.device and input.device != weight.device:
        raise device_mismatch("linear", input, weight)
    if input._data.shape[-1] != weight._data.shape[1]:
        n, k = input._data.shape
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({n}x{k} and {weight.shape[1]}x{weight.shape[0]}): "
            f"the input's last dim ({k}) must equal the layer's in_features ({weight.shape[1]})"
        )
    if input.dtype is not weight.dtype:
        raise RuntimeError(
            f"mat1 and mat2 must have the same dtype, but got {input.dtype} and {weight.dtype}; convert the input "
            f"with .to({weight.dtype}) or the layer with .to({input.dtype})"
        )


def _affine(input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    _check_affine(input, weight)
    if bias is None:
        return call(PRODUCT, (input, weight), (input._data, weight._data), input)
    if bias.dtype is not input.dtype or bias.device is not input.device:
        bias = bias.to(input.device, input.dtype)
    return call(AFFINE, (bias, input, weight), (bias._data, input._data, weight._data), input)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """input @ weight.T + bias; with a bias, one addmm over the input seen as a matrix (as in PyTorch)."""
    if input._data.ndim == 2 and weight._data.ndim == 2:
        return _affine(input, weight, bias)
    if bias is None:
        return input.matmul(weight.t())
    rows = _affine(input.reshape(-1, input.shape[-1]), weight, bias)
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
