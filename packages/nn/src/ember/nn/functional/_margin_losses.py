"""Margin and embedding losses, written with differentiable ember ops (autograd comes from the parts).

Each takes reduction='mean' | 'sum' | 'none' (and the deprecated size_average/reduce flags where PyTorch does).
"""

from __future__ import annotations

from collections.abc import Callable

from ... import _dtype as dt
from ..._creation import arange
from ..._tensor import Tensor
from ...autograd import no_grad
from ._activation import logsigmoid, softplus
from ._loss import _reduce_tensor
from ._misc import pairwise_distance
from ._utils import check_reduction, legacy_reduction


def _reduction(size_average, reduce, reduction: str) -> str:
    return check_reduction(legacy_reduction(size_average, reduce, reduction))


def margin_ranking_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0.0,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """max(0, -target * (input1 - input2) + margin)."""
    reduction = _reduction(size_average, reduce, reduction)
    if not input1.ndim == input2.ndim == target.ndim:
        raise RuntimeError(
            "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} "
        )
    return _reduce_tensor((-target * (input1 - input2) + margin).clamp_min(0), reduction)


def hinge_embedding_loss(
    input: Tensor, target: Tensor, margin: float = 1.0, size_average=None, reduce=None, reduction: str = "mean"
) -> Tensor:
    """input where target is 1, max(0, margin - input) where target is -1."""
    reduction = _reduction(size_average, reduce, reduction)
    with no_grad():
        not_positive, not_negative = target != 1, target != -1
    below_margin = (margin - input).clamp_min(0).where(not_positive, 0.0)
    return _reduce_tensor(below_margin + input.where(not_negative, 0.0), reduction)


_COSINE_EPSILON = 1e-12


def cosine_embedding_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0.0,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """1 - cos(input1, input2) where target is 1, max(0, cos - margin) where target is -1."""
    reduction = _reduction(size_average, reduce, reduction)
    if target.ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input1.shape != input2.shape or input1.ndim != target.ndim + 1:
        raise RuntimeError(
            f"cosine_embedding_loss: expected input1 and input2 of the same shape with one dim more than target, "
            f"got input1 {list(input1.shape)}, input2 {list(input2.shape)} and target {list(target.shape)}"
        )
    dot = (input1 * input2).sum(-1)
    squares1 = (input1 * input1).sum(-1) + _COSINE_EPSILON
    squares2 = (input2 * input2).sum(-1) + _COSINE_EPSILON
    cosine = dot / (squares1 * squares2).sqrt()
    with no_grad():
        positive, negative = target == 1, target == -1
    loss = (1 - cosine).where(positive, 0.0) + (cosine - margin).clamp_min(0).where(negative, 0.0)
    return _reduce_tensor(loss, reduction)


def soft_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """log(1 + exp(-target * input))."""
    reduction = _reduction(size_average, reduce, reduction)
    return _reduce_tensor(softplus(-target * input), reduction)


def multilabel_soft_margin_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Binary cross-entropy of sigmoid(input) against 0/1 targets, averaged over classes (the last dim)."""
    reduction = _reduction(size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(-1) / input.shape[-1]
    return _reduce_tensor(loss, reduction)


def _class_indices(name: str, input: Tensor, target: Tensor) -> tuple:
    """(input as (N, C), target as (N,)) for 1-D or 2-D input; target must hold class indices."""
    if target.dtype not in (dt.int64, dt.int32):
        raise RuntimeError(f"{name}: expected target of class indices (int64), got {target.dtype}")
    if input.ndim not in (1, 2) or target.numel() != (input.shape[0] if input.ndim == 2 else 1):
        raise RuntimeError(
            f"{name}: expected input of shape (N, C) or (C,) and target of shape (N,) or (), got input "
            f"{list(input.shape)} and target {list(target.shape)}"
        )
    classes = input.shape[-1]
    if target.numel() and (int(target.min()) < 0 or int(target.max()) >= classes):
        raise IndexError(f"{name}: target values must lie in [0, {classes - 1}]")
    return input.reshape(-1, classes), target.reshape(-1)


def _class_positions(scores: Tensor) -> Tensor:
    """(1, C) int64 tensor 0, 1, ..., C - 1 for (N, C) scores."""
    return arange(scores.shape[1], device=scores.device).unsqueeze(0)


def multi_margin_loss(
    input: Tensor,
    target: Tensor,
    p: int = 1,
    margin: float = 1.0,
    weight: Tensor | None = None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Multi-class hinge loss: ``sum(max(0, margin - x[y] + x[i]) ** p) / C`` over the wrong classes ``i``."""
    reduction = _reduction(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    scores, labels = _class_indices("multi_margin_loss", input, target)
    picked = scores.gather(1, labels.unsqueeze(1))
    hinge = (margin - picked + scores).clamp_min(0)
    if p == 2:
        hinge = hinge * hinge
    if weight is not None:
        hinge = hinge * weight[labels].unsqueeze(1)
    with no_grad():
        wrong = labels.unsqueeze(1) != _class_positions(scores)
    loss = hinge.where(wrong, 0.0).sum(1) / scores.shape[1]
    return _reduce_tensor(loss if input.ndim == 2 else loss.reshape(()), reduction)


def multilabel_margin_loss(
    input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean"
) -> Tensor:
    """Multi-label hinge loss; target lists each sample's classes and ends at the first -1."""
    reduction = _reduction(size_average, reduce, reduction)
    if input.shape != target.shape or input.ndim not in (1, 2):
        raise RuntimeError(
            f"multilabel_margin_loss: expected input and target of the same shape (N, C) or (C,), got "
            f"{list(input.shape)} and {list(target.shape)}"
        )
    scores = input.reshape(-1, input.shape[-1])
    with no_grad():
        labels = target.reshape(scores.shape).to(dt.int64)
        listed = (labels >= 0).to(dt.int64).cumprod(1).bool()
        safe_labels = labels.where(listed, 0)
        classes = _class_positions(scores)
        is_target = ((labels.unsqueeze(2) == classes.unsqueeze(1)) & listed.unsqueeze(2)).any(1)
        pair_mask = listed.unsqueeze(2) & ~is_target.unsqueeze(1)
    picked = scores.gather(1, safe_labels)
    hinge = (1 - picked.unsqueeze(2) + scores.unsqueeze(1)).clamp_min(0)
    loss = hinge.where(pair_mask, 0.0).sum((1, 2)) / scores.shape[1]
    return _reduce_tensor(loss if input.ndim == 2 else loss.reshape(()), reduction)


def triplet_margin_with_distance_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    *,
    distance_function: Callable | None = None,
    margin: float = 1.0,
    swap: bool = False,
    reduction: str = "mean",
) -> Tensor:
    """max(0, margin + d(anchor, positive) - d(anchor, negative)), d pairwise_distance unless given."""
    check_reduction(reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    return _triplet_loss(anchor, positive, negative, distance_function or pairwise_distance, margin, swap, reduction)


def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """``max(0, margin + d(anchor, positive) - d(anchor, negative))`` with the p-norm distance ``d``."""
    reduction = _reduction(size_average, reduce, reduction)

    def distance(x1: Tensor, x2: Tensor) -> Tensor:
        return pairwise_distance(x1, x2, p, eps)

    return _triplet_loss(anchor, positive, negative, distance, margin, swap, reduction)


def _triplet_loss(anchor, positive, negative, distance, margin: float, swap: bool, reduction: str) -> Tensor:
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number of dimensions, but "
            f"got: anchor {anchor.ndim}D, positive {positive.ndim}D, and negative {negative.ndim}D inputs"
        )
    to_positive = distance(anchor, positive)
    to_negative = distance(anchor, negative)
    if swap:
        to_negative = to_negative.minimum(distance(positive, negative))
    return _reduce_tensor((margin + to_positive - to_negative).clamp_min(0), reduction)
