"""Affine maps: linear and bilinear."""

from __future__ import annotations

from ..._tensor import Tensor
from ...ops._op import Op, call, device_mismatch


def _affine_kernel(b, x, w, bias):
    out = b.matmul(x, w.T)
    if bias is not None:
        out += bias
    return out


def _grad_affine(m, ctx, g):
    """Gradients of x @ w.T + bias."""
    x, w = ctx.saved  # NOTE: with saved_for=(1, 0), x is kept only for w's gradient and w only for x's
    grad_x = None if w is None else m.matmul(g, w)
    grad_w = None if x is None else m.matmul(m.t(g), x)
    grad_bias = m.sum(g, axis=0) if len(ctx.next_functions) > 2 and ctx.needs(2) else None
    return grad_x, grad_w, grad_bias


# NOTE: PyTorch runs a 2-D linear as addmm(bias, x, w.t()) (or mm without a bias) and names the node so;
# one op computes the weight's gradient directly, without a transpose node in between.
AFFINE = Op("linear", _affine_kernel, _grad_affine, node="AddmmBackward0", saves=(0, 1), saved_for=(1, 0))
PRODUCT = Op("linear", _affine_kernel, _grad_affine, node="MmBackward0", saves=(0, 1), saved_for=(1, 0))


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
        return call(PRODUCT, (input, weight), (input._data, weight._data, None), input)
    if bias.dtype is not input.dtype or bias.device is not input.device:
        bias = bias.to(input.device, input.dtype)
    return call(AFFINE, (input, weight, bias), (input._data, weight._data, bias._data), input)


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
