"""torch's top-level forms of nn.functional's functions, where their arguments differ (ember.batch_norm, ...).

torch exposes ATen's own signatures at top level: the weight before the running statistics
(batch_norm), the weight before the indices (embedding), the reduction as a number (0 none,
1 mean, 2 sum; left out, torch's bindings take 0), a required `train` flag (dropout) and both outputs of adaptive_max_pool1d. Each
function here puts its arguments in nn.functional's order and calls it. ember-nn hands these, and
the nn.functional functions whose signatures agree, to `ember` through the `ember.functions`
entry points of its pyproject.toml.
"""

from __future__ import annotations

from ember import Tensor

from . import _likelihood_losses, _loss, _margin_losses, _misc, _normalization
from ._adaptive_pooling import adaptive_max_pool1d as _adaptive_max_pool1d
from ._ctc import ctc_loss as _ctc_loss

_REDUCTIONS = ("none", "mean", "sum")


def _reduction(reduction: int | str) -> str:
    return reduction if isinstance(reduction, str) else _REDUCTIONS[reduction]


def batch_norm(
    input: Tensor,
    weight: Tensor | None,
    bias: Tensor | None,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    training: bool,
    momentum: float,
    eps: float,
    cudnn_enabled: bool = True,
) -> Tensor:
    """Batch normalization with ATen's argument order (the weight and bias before the running statistics)."""
    return _normalization.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(
    input: Tensor,
    weight: Tensor | None,
    bias: Tensor | None,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    use_input_stats: bool,
    momentum: float,
    eps: float,
    cudnn_enabled: bool = True,
) -> Tensor:
    """Instance normalization with ATen's argument order (the weight and bias before the running statistics)."""
    return _normalization.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


def layer_norm(
    input: Tensor,
    normalized_shape,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-05,
    cudnn_enable: bool = True,
) -> Tensor:
    """Layer normalization over the trailing `normalized_shape` dims (ATen's form, with cudnn_enable)."""
    return _normalization.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-05,
    cudnn_enabled: bool = True,
) -> Tensor:
    """Group normalization over `num_groups` groups of channels (ATen's form, with cudnn_enabled)."""
    return _normalization.group_norm(input, num_groups, weight, bias, eps)


def embedding(
    weight: Tensor, indices: Tensor, padding_idx: int = -1, scale_grad_by_freq: bool = False, sparse: bool = False
) -> Tensor:
    """The rows of `weight` at `indices` (ATen's order: the weight first; padding_idx -1 means none)."""
    return _misc.embedding(indices, weight, None if padding_idx == -1 else padding_idx, None, 2.0, scale_grad_by_freq)


def dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """Zero each element with probability p and scale the rest by 1 / (1 - p) when `train`."""
    return _misc.dropout(input, p, train)


def dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place :func:`dropout`."""
    return _misc.dropout(input, p, train, True)


def alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """Dropout that keeps a SELU network's mean and variance, when `train`."""
    return _misc.alpha_dropout(input, p, train)


def alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place :func:`alpha_dropout`."""
    return _misc.alpha_dropout(input, p, train, True)


def _check_features(input: Tensor) -> None:
    if input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")


def feature_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """Zero whole channels (one draw per index of dims 0 and 1) with probability p when `train`."""
    _check_features(input)
    _misc._check_probability(p)
    return _misc._drop_channels(input, p, train, False, 2)


def feature_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place :func:`feature_dropout`."""
    _check_features(input)
    _misc._check_probability(p)
    return _misc._drop_channels(input, p, train, True, 2)


def feature_alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """alpha_dropout of whole channels (one draw per index of dims 0 and 1) when `train`."""
    return _misc.feature_alpha_dropout(input, p, train)


def feature_alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place :func:`feature_alpha_dropout`."""
    return _misc.feature_alpha_dropout(input, p, train, True)


def adaptive_max_pool1d(input: Tensor, output_size) -> tuple[Tensor, Tensor]:
    """The maxima over adaptive windows of (N, C, L) input, and their indices."""
    return _adaptive_max_pool1d(input, output_size, return_indices=True)


def kl_div(input: Tensor, target: Tensor, reduction: int | str = 0, *, log_target: bool = False) -> Tensor:
    """The Kullback-Leibler divergence of log-probabilities `input` from `target` (reduction 0, 1 or 2)."""
    pointwise = _loss.kl_div(input, target, reduction="none", log_target=log_target)  # NOTE: torch's has no warning
    reduction = _reduction(reduction)
    return pointwise if reduction == "none" else getattr(pointwise, reduction)()


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    pos_weight: Tensor | None = None,
    reduction: int | str = 0,
) -> Tensor:
    """Binary cross-entropy of logits (reduction 0 none, 1 mean, 2 sum)."""
    return _loss.binary_cross_entropy_with_logits(
        input, target, weight, reduction=_reduction(reduction), pos_weight=pos_weight
    )


def margin_ranking_loss(
    input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, reduction: int | str = 0
) -> Tensor:
    """``max(0, -target * (input1 - input2) + margin)`` (reduction 0 none, 1 mean, 2 sum)."""
    return _margin_losses.margin_ranking_loss(input1, input2, target, margin, reduction=_reduction(reduction))


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, reduction: int | str = 0) -> Tensor:
    """The hinge embedding loss of `input` for targets 1 and -1 (reduction 0 none, 1 mean, 2 sum)."""
    return _margin_losses.hinge_embedding_loss(input, target, margin, reduction=_reduction(reduction))


def cosine_embedding_loss(
    input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, reduction: int | str = 0
) -> Tensor:
    """The cosine embedding loss of two inputs for targets 1 and -1 (reduction 0 none, 1 mean, 2 sum)."""
    return _margin_losses.cosine_embedding_loss(input1, input2, target, margin, reduction=_reduction(reduction))


def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2.0,
    eps: float = 1e-06,
    swap: bool = False,
    reduction: int | str = 0,
) -> Tensor:
    """The triplet margin loss of anchor, positive and negative samples (reduction 0 none, 1 mean, 2 sum)."""
    return _margin_losses.triplet_margin_loss(
        anchor, positive, negative, margin, p, eps, swap, reduction=_reduction(reduction)
    )


def poisson_nll_loss(
    input: Tensor, target: Tensor, log_input: bool, full: bool, eps: float, reduction: int | str
) -> Tensor:
    """The Poisson negative log-likelihood of `target` (reduction 0 none, 1 mean, 2 sum)."""
    return _likelihood_losses.poisson_nll_loss(input, target, log_input, full, eps=eps, reduction=_reduction(reduction))


def ctc_loss(
    log_probs: Tensor,
    targets: Tensor,
    input_lengths,
    target_lengths,
    blank: int = 0,
    reduction: int | str = 0,
    zero_infinity: bool = False,
) -> Tensor:
    """The connectionist temporal classification loss (reduction 0 none, 1 mean, 2 sum)."""
    return _ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, _reduction(reduction), zero_infinity)
