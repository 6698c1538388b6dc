"""Folding an evaluation-mode BatchNorm into the convolution or linear layer before it."""

from __future__ import annotations

import copy

from ..._tensor import Tensor
from ...autograd import no_grad
from ..parameter import Parameter


def _scale(bn_rv: Tensor, bn_eps: float, bn_w: Tensor | None) -> Tensor:
    scale = (bn_rv + bn_eps).rsqrt()
    return scale if bn_w is None else scale * bn_w


def _shift(bias: Tensor | None, bn_rm: Tensor, scale: Tensor, bn_b: Tensor | None) -> Tensor:
    shifted = (-bn_rm if bias is None else bias - bn_rm) * scale
    return shifted if bn_b is None else shifted + bn_b


def fuse_conv_bn_weights(
    conv_w: Tensor,
    conv_b: Tensor | None,
    bn_rm: Tensor,
    bn_rv: Tensor,
    bn_eps: float,
    bn_w: Tensor | None,
    bn_b: Tensor | None,
    transpose: bool = False,
) -> tuple[Parameter, Parameter]:
    """The weight and bias of one convolution equal to the convolution followed by the BatchNorm's normalisation."""
    scale = _scale(bn_rv, bn_eps, bn_w)
    shape = [1, -1] + [1] * (conv_w.ndim - 2) if transpose else [-1] + [1] * (conv_w.ndim - 1)
    weight = (conv_w * scale.reshape(shape)).to(conv_w.dtype)
    bias = _shift(conv_b, bn_rm, scale, bn_b).to(conv_w.dtype if conv_b is None else conv_b.dtype)
    return Parameter(weight, conv_w.requires_grad), Parameter(
        bias, conv_w.requires_grad if conv_b is None else conv_b.requires_grad
    )


def fuse_linear_bn_weights(
    linear_w: Tensor,
    linear_b: Tensor | None,
    bn_rm: Tensor,
    bn_rv: Tensor,
    bn_eps: float,
    bn_w: Tensor,
    bn_b: Tensor,
) -> tuple[Parameter, Parameter]:
    """The weight and bias of one linear layer equal to the linear layer followed by the BatchNorm's normalisation."""
    scale = _scale(bn_rv, bn_eps, bn_w)
    weight = linear_w * scale.unsqueeze(-1)
    bias = _shift(linear_b, bn_rm, scale, bn_b)
    return Parameter(weight, linear_w.requires_grad), Parameter(
        bias, linear_w.requires_grad if linear_b is None else linear_b.requires_grad
    )


def _check_eval(layer, bn) -> None:
    if layer.training or bn.training:
        raise AssertionError("Fusion only for eval!")


@no_grad()
def fuse_conv_bn_eval(conv, bn, transpose: bool = False):
    """A copy of the convolution with the evaluation-mode BatchNorm after it folded into its weight and bias."""
    _check_eval(conv, bn)
    fused = copy.deepcopy(conv)
    fused.weight, fused.bias = fuse_conv_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias, transpose
    )
    return fused


@no_grad()
def fuse_linear_bn_eval(linear, bn):
    """A copy of the linear layer with the evaluation-mode BatchNorm after it folded into its weight and bias."""
    _check_eval(linear, bn)
    if linear.out_features != bn.num_features and bn.num_features != 1:
        raise AssertionError("To fuse, linear.out_features must equal bn.num_features or bn.num_features must be 1")
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("BatchNorm must have running statistics to be fused")
    fused = copy.deepcopy(linear)
    fused.weight, fused.bias = fuse_linear_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias
    )
    return fused
