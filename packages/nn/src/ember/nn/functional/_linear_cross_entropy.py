"""linear_cross_entropy: cross entropy of linearly projected inputs, optionally chunked over the batch.

The reference path is `cross_entropy(logits, target)` with the logits of the projection. The
chunked path (`options=LinearCrossEntropyOptions(...)`) never holds the logits of the whole batch:
its forward computes each chunk's losses without a graph, and its backward computes each chunk
again, with one, and takes that chunk's gradients. Both paths are the same ops (linear and
cross_entropy, with their own rules); the chunked one only changes when they run.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Literal

from ... import _dtype as dt
from ..._creation import zeros
from ..._tensor import Tensor
from ...autograd import Function, enable_grad, grad, once_differentiable
from ...ops.shape import cat
from ._loss import cross_entropy, kept_weight_total
from ._utils import check_reduction

_ACC_POLICIES = ("accurate", "balanced", "compact", "auto")
_AUTO_CHUNKING = "aspect_ratio:2"  # ember has no per-device measurements: "auto" means this


@dataclass
class LinearCrossEntropyOptions:
    """How linear_cross_entropy chunks the batch (passing options opts into the chunked path).

    `batch_chunk_size` rows per chunk, or `chunking_method`: "aspect_ratio" sizes a chunk's logits
    like the input (the next power of 2 of ceil(rows / ceil(classes / in_features))), "aspect_ratio:N"
    divides that by N, "auto" is "aspect_ratio:2", None uses batch_chunk_size (None: one chunk).
    The weight's gradient is summed over the chunks in `acc_dtype` (float32 for float16 and bfloat16
    input when None). `acc_policy` is checked and otherwise not used: it picks among CUDA kernels ember does not have.
    """

    allow_retain_graph: bool = False
    batch_chunk_size: int | None = None
    chunking_method: str | None = "auto"
    acc_policy: Literal["accurate", "balanced", "compact", "auto"] = "auto"
    acc_dtype: dt.dtype | None = None

    def __post_init__(self) -> None:
        if self.acc_policy not in _ACC_POLICIES:
            raise ValueError(f"invalid acc_policy: {self.acc_policy!r}")
        if self.chunking_method is not None and _aspect_divisor(self.chunking_method) is None:
            raise ValueError(f"invalid chunking_method: {self.chunking_method!r}")
        if self.batch_chunk_size is not None and self.batch_chunk_size < 1:
            raise ValueError(f"batch_chunk_size must be positive, got {self.batch_chunk_size}")

    def chunk_rows(self, rows: int, classes: int, features: int) -> int:
        """The rows of one chunk, for a batch of `rows` inputs of `features` and `classes` classes."""
        if self.chunking_method is None:
            return rows if self.batch_chunk_size is None else self.batch_chunk_size
        method = _AUTO_CHUNKING if self.chunking_method == "auto" else self.chunking_method
        pieces = math.ceil(classes / max(features, 1))
        size = 1 << max(0, math.ceil(math.log2(max(1, math.ceil(rows / pieces)))))
        picked = max(1, size // _aspect_divisor(method))
        if self.batch_chunk_size is not None and self.batch_chunk_size != picked:
            raise ValueError(
                f"LinearCrossEntropyOptions: batch_chunk_size={self.batch_chunk_size} and chunking_method="
                f"{self.chunking_method!r} (which gives {picked}) disagree; set chunking_method=None to use batch_chunk_size"
            )
        return picked


def _aspect_divisor(method: str) -> int | None:
    if method in ("auto", "aspect_ratio"):
        return 1
    name, _, divisor = method.partition(":")
    if name == "aspect_ratio" and divisor.isdigit() and int(divisor) >= 1:
        return int(divisor)
    return None


def _logits(input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    """(N, C, *out_features) logits of (N, in_features) input, for a (C, *out_features, in_features) weight."""
    flat = weight.reshape(-1, weight.shape[-1])
    logits = input @ flat.t()
    if bias is not None:
        logits = logits + bias.reshape(-1)
    return logits.reshape(*input.shape[:-1], *weight.shape[:-1])


def _check(input: Tensor, weight: Tensor, bias: Tensor | None) -> None:
    if input.ndim not in (1, 2):
        raise RuntimeError(f"expected input with dimensionality 1 or 2, got {input.ndim}")
    if input.shape[-1] != weight.shape[-1]:
        raise RuntimeError(
            "expected equal input and linear_weight last dimensions (in_features), got "
            f"{input.shape[-1]} and {weight.shape[-1]}, respectively"
        )
    if bias is not None and tuple(bias.shape) != tuple(weight.shape[:-1]):
        raise RuntimeError(f"expected linear_bias shape {tuple(weight.shape[:-1])}, got {tuple(bias.shape)}")


def linear_cross_entropy(
    input: Tensor,
    linear_weight: Tensor,
    target: Tensor,
    *,
    linear_bias: Tensor | None = None,
    weight: Tensor | None = None,
    reduction: str = "mean",
    ignore_index: int | None = None,
    label_smoothing: float = 0.0,
    options: LinearCrossEntropyOptions | None = None,
) -> Tensor:
    """cross_entropy(linear(input, linear_weight, linear_bias), target); chunked over the batch with `options`."""
    reduction = check_reduction(reduction)
    _check(input, linear_weight, linear_bias)
    index = -100 if ignore_index is None else ignore_index
    out_features = tuple(linear_weight.shape[1:-1])
    if options is not None:
        if (
            reduction in ("mean", "sum", "none")
            and label_smoothing == 0
            and target.dtype is dt.int64
            and not out_features
        ):
            return _chunked(input, linear_weight, linear_bias, target, weight, reduction, index, options)
        warnings.warn(
            "linear_cross_entropy: ``options`` ignored; chunked path needs reduction in {'mean','sum','none'}, "
            f"label_smoothing == 0, target.dtype == int64, out_features == (). Got reduction={reduction!r}, "
            f"label_smoothing={label_smoothing}, target.dtype={target.dtype}, out_features={out_features}.",
            UserWarning,
            stacklevel=2,
        )
    logits = _logits(input, linear_weight, linear_bias)
    return cross_entropy(
        logits, target, weight, ignore_index=index, reduction=reduction, label_smoothing=label_smoothing
    )


def _chunked(input, linear_weight, bias, target, weight, reduction, index, options) -> Tensor:
    single = input.ndim == 1
    rows = 1 if single else input.shape[0]
    step = options.chunk_rows(rows, linear_weight.shape[0], input.shape[-1])
    losses = _ChunkedLosses.apply(
        input.reshape(rows, -1), linear_weight, bias, target.reshape(rows), weight, index, step, options, reduction
    )
    if reduction == "none":
        return losses.reshape(()) if single else losses
    total = losses.sum()
    return total / kept_weight_total(target.reshape(rows), weight, index) if reduction == "mean" else total


class _ChunkedLosses(Function):
    """Per-row losses, chunk by chunk: no graph in forward; backward runs each chunk again with one."""

    @staticmethod
    def forward(ctx, input, linear_weight, bias, target, weight, index, step, options, reduction):
        ctx.save_for_backward(input, linear_weight, bias, target, weight)
        ctx.index, ctx.step, ctx.options, ctx.scalar, ctx.used = index, step, options, reduction != "none", False
        pieces = [
            cross_entropy(
                _logits(input[s : s + step], linear_weight, bias), target[s : s + step], weight,
                ignore_index=index, reduction="none",
            )
            for s in range(0, input.shape[0], step)
        ]  # fmt: skip
        return cat(pieces) if pieces else zeros(0, dtype=input.dtype, device=input.device)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_losses):
        if ctx.used and ctx.scalar and not ctx.options.allow_retain_graph:
            raise RuntimeError(
                "linear_cross_entropy: backward ran twice through the chunked path; pass "
                "LinearCrossEntropyOptions(allow_retain_graph=True) to backward with retain_graph=True"
            )
        ctx.used = True
        input, linear_weight, bias, target, weight = ctx.saved_tensors
        wants_input, wants_weight, wants_bias = ctx.needs_input_grad[:3]
        acc = ctx.options.acc_dtype or (dt.float32 if linear_weight.dtype in (dt.float16, dt.bfloat16) else None)
        grad_input = zeros(input.shape, dtype=input.dtype, device=input.device) if wants_input else None
        grad_weight = grad_bias = None
        step = ctx.step
        for s in range(0, input.shape[0], step):
            with enable_grad():
                piece = input[s : s + step].detach().requires_grad_(wants_input)
                w = linear_weight.detach().requires_grad_(wants_weight)
                b = None if bias is None else bias.detach().requires_grad_(wants_bias)
                losses = cross_entropy(
                    _logits(piece, w, b), target[s : s + step], weight, ignore_index=ctx.index, reduction="none"
                )
                wanted = [
                    t
                    for t, want in ((piece, wants_input), (w, wants_weight), (b, wants_bias))
                    if want and t is not None
                ]
                found = iter(grad(losses, wanted, grad_losses[s : s + step]))
            if wants_input:
                grad_input[s : s + step] = next(found)
            if wants_weight:
                grad_weight = _summed(grad_weight, next(found), acc)
            if wants_bias and bias is not None:
                grad_bias = _summed(grad_bias, next(found), acc)
        cast = linear_weight.dtype
        return (
            grad_input,
            None if grad_weight is None else grad_weight.to(cast),
            None if grad_bias is None else grad_bias.to(cast),
            None, None, None, None, None, None,
        )  # fmt: skip


def _summed(total: Tensor | None, part: Tensor, acc) -> Tensor:
    part = part if acc is None else part.to(acc)
    return part if total is None else total + part
