"""Connectionist temporal classification loss, written with differentiable ember ops.

The forward (alpha) recursion runs over the extended label sequence (blank, l1, blank, l2, ..., blank) in
probability space, each step divided by its own total so that nothing underflows; the log of the
probability is the sum of the logs of those totals. Autograd differentiates the recursion itself, so the
gradient is the exact derivative with respect to log_probs (PyTorch's kernel returns one that is exact only
after a log_softmax, which is how the loss is always used: the gradients through a log_softmax agree).
"""

from __future__ import annotations

import math

import numpy as np

from ..._tensor import Tensor
from ...autograd import no_grad
from ...ops._op import make
from ._misc import pad
from ._utils import check_reduction


def _lengths(name: str, lengths, batch: int) -> np.ndarray:
    values = np.asarray(lengths.tolist() if isinstance(lengths, Tensor) else lengths, dtype=np.int64).reshape(-1)
    if values.shape != (batch,):
        raise RuntimeError(f"{name} must be of size batch_size ({batch}, one per sequence), got {values.size} values")
    return values


def _target_rows(targets: Tensor, target_lengths: np.ndarray) -> list:
    """Each batch element's target labels, from padded (N, S) or concatenated 1-D targets."""
    flat = np.asarray(targets.tolist(), dtype=np.int64)
    if flat.ndim == 2:
        if target_lengths.size and target_lengths.max() > flat.shape[1]:
            raise RuntimeError(
                f"ctc_loss: target length {target_lengths.max()} exceeds the targets' width {flat.shape[1]}"
            )
        return [flat[n, :length] for n, length in enumerate(target_lengths)]
    ends = np.cumsum(target_lengths)
    if ends.size and ends[-1] > flat.size:
        raise RuntimeError(f"ctc_loss: target_lengths sum to {ends[-1]} but targets hold {flat.size} labels")
    return [flat[end - length : end] for end, length in zip(ends, target_lengths)]


def _extended_labels(rows: list, blank: int) -> tuple:
    """(labels (N, S), may-skip (N, S), valid (N, S)) over S = 2 * max_length + 1 extended positions."""
    width = 2 * max((len(r) for r in rows), default=0) + 1
    labels = np.full((len(rows), width), blank, dtype=np.int64)
    for n, row in enumerate(rows):
        labels[n, 1 : 2 * len(row) : 2] = row
    skip = np.zeros(labels.shape, dtype=bool)
    skip[:, 2:] = (labels[:, 2:] != blank) & (labels[:, 2:] != labels[:, :-2])
    valid = np.arange(width)[None, :] < np.array([2 * len(r) + 1 for r in rows])[:, None]
    return labels, skip, valid


def ctc_loss(
    log_probs: Tensor,
    targets: Tensor,
    input_lengths,
    target_lengths,
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
) -> Tensor:
    """Negative log probability of each target sequence under per-step class log_probs (T, N, C), summed over alignments."""
    check_reduction(reduction)
    unbatched = log_probs.ndim == 2
    if log_probs.ndim not in (2, 3):
        raise RuntimeError(f"ctc_loss: expected log_probs of shape (T, N, C) or (T, C), got {list(log_probs.shape)}")
    if unbatched:
        log_probs, targets = log_probs.unsqueeze(1), targets.reshape(1, -1)
    steps, batch, classes = log_probs.shape
    if not 0 <= blank < classes:
        raise RuntimeError(f"ctc_loss: blank must be in label range [0, {classes}), got {blank}")
    input_lengths = _lengths("input_lengths", input_lengths, batch)
    target_lengths = _lengths("target_lengths", target_lengths, batch)
    if input_lengths.size and input_lengths.max() > steps:
        raise RuntimeError(
            f"Expected input_lengths to have value at most {steps}, but got value {input_lengths.max()} "
            "(while checking arguments for ctc_loss)"
        )
    labels, skip, valid = _extended_labels(_target_rows(targets, target_lengths), blank)
    width = labels.shape[1]
    with no_grad():
        as_tensor = lambda array: make(log_probs._backend.xp.asarray(array), log_probs)
        skip_t, valid_t = as_tensor(skip).to(log_probs.dtype), as_tensor(valid).to(log_probs.dtype)
        index = as_tensor(labels).unsqueeze(0).expand(steps, batch, width)
        alpha = as_tensor(np.eye(1, width).repeat(batch, 0)).to(log_probs.dtype)
    probs = log_probs.gather(2, index).exp() * valid_t
    log_total = log_probs.new_zeros(batch)
    for t in range(int(input_lengths.max(initial=0))):
        step = (alpha + pad(alpha, (1, -1)) + pad(alpha, (2, -2)) * skip_t) * probs[t]
        total = step.sum(1)
        with no_grad():
            active = as_tensor(t < input_lengths)
            usable = active & (total > 0)
        total = total.where(usable, 1.0)
        alpha = (step / total.unsqueeze(1)).where(active.unsqueeze(1), alpha)
        log_total = log_total + total.log()
    ends = np.stack([2 * target_lengths, np.maximum(2 * target_lengths - 1, 0)], 1)
    with no_grad():
        last_two = as_tensor(np.stack([np.ones(batch), target_lengths > 0], 1)).to(log_probs.dtype)
    final = (alpha.gather(1, as_tensor(ends)) * last_two).sum(1)
    with no_grad():
        reachable = final > 0
    loss = (-(log_total + final.where(reachable, 1.0).log())).where(reachable, math.inf)
    if zero_infinity:
        loss = loss.where(reachable, 0.0)
    if reduction == "mean":
        return (loss / as_tensor(np.maximum(target_lengths, 1)).to(loss.dtype)).mean()
    if reduction == "sum":
        return loss.sum()
    return loss.squeeze(0) if unbatched else loss
