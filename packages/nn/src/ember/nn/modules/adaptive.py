"""AdaptiveLogSoftmaxWithLoss: a softmax over many classes that spends less on the rare ones.

The classes are split by `cutoffs` into a shortlist of frequent classes and clusters of rarer ones.
The head scores the shortlist and one entry per cluster; each cluster's own classes are scored by a
two-layer tail whose hidden size shrinks by `div_value` per cluster. log p(class) is the head's log
probability of the class, or of its cluster plus the tail's log probability within the cluster.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..._tensor import Tensor
from ...ops._op import make
from ...ops.shape import cat
from .. import functional as F
from .container import ModuleList, Sequential
from .linear import Linear
from .module import Module

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


def _check_shapes(input: Tensor, target: Tensor) -> None:
    if target.ndim == 1:
        if input.shape[0] != target.shape[0]:
            raise RuntimeError("Input and target should have the same size in the batch dimension.")
        if input.ndim != 2:
            raise RuntimeError(
                f"1D target tensor expects 2D input tensors, but found inputs with size {list(input.shape)}"
            )
    elif target.ndim == 0:
        if input.ndim != 1:
            raise RuntimeError(
                f"0D target tensor expects 1D input tensors, but found inputs with size {list(input.shape)}"
            )
    else:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")


class AdaptiveLogSoftmaxWithLoss(Module):
    """Efficient softmax approximation for large output spaces (Grave et al., 2016)."""

    def __init__(
        self,
        in_features: int,
        n_classes: int,
        cutoffs,
        div_value: float = 4.0,
        head_bias: bool = False,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        cutoffs = list(cutoffs)
        if (
            not cutoffs
            or cutoffs != sorted(cutoffs)
            or min(cutoffs) <= 0
            or max(cutoffs) > n_classes - 1
            or len(set(cutoffs)) != len(cutoffs)
            or any(int(c) != c for c in cutoffs)
        ):
            raise ValueError(
                "cutoffs should be a sequence of unique, positive integers sorted in an increasing order, where "
                "each value is between 1 and n_classes-1"
            )
        self.in_features = in_features
        self.n_classes = n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value = div_value
        self.head_bias = head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias, device=device, dtype=dtype)
        self.tail = ModuleList(
            Sequential(
                Linear(in_features, int(in_features // (div_value ** (i + 1))), bias=False, device=device, dtype=dtype),
                Linear(
                    int(in_features // (div_value ** (i + 1))),
                    self.cutoffs[i + 1] - self.cutoffs[i],
                    bias=False,
                    device=device,
                    dtype=dtype,
                ),
            )
            for i in range(self.n_clusters)
        )

    def reset_parameters(self) -> None:
        """Draw the head's and every tail cluster's weights anew from their initial distribution."""
        self.head.reset_parameters()
        for cluster in self.tail:
            for layer in cluster:
                layer.reset_parameters()

    def forward(self, input_: Tensor, target_: Tensor) -> _ASMoutput:
        """(log probability of each target, mean negative log likelihood)."""
        _check_shapes(input_, target_)
        batched = target_.ndim == 1
        input, target = (input_, target_) if batched else (input_.unsqueeze(0), target_.unsqueeze(0))
        labels = np.asarray(target.tolist(), dtype=np.int64)
        if labels.size and (labels.min() < 0 or labels.max() >= self.n_classes):
            raise RuntimeError(
                f"Target values should be in [0, {self.n_classes - 1}], but values in range "
                f"[{labels.min()}, {labels.max()}] were found. "
            )
        cluster_of = np.searchsorted(np.asarray(self.cutoffs), labels, side="right")  # 0: the shortlist
        head_column = np.where(cluster_of == 0, labels, self.shortlist_size + cluster_of - 1)
        backend = input._backend
        as_index = lambda array: make(backend.from_numpy(array, backend.device_index(input._data)), input)  # noqa: E731
        head_logprob = F.log_softmax(self.head(input), dim=1)
        output = head_logprob.gather(1, as_index(head_column).unsqueeze(1)).squeeze(1)
        for i, cluster in enumerate(self.tail, start=1):
            rows = np.flatnonzero(cluster_of == i)
            if rows.size == 0:
                continue
            cluster_logprob = F.log_softmax(cluster(input.index_select(0, as_index(rows))), dim=1)
            within = as_index(labels[rows] - self.cutoffs[i - 1]).unsqueeze(1)
            output = output.index_add(0, as_index(rows), cluster_logprob.gather(1, within).squeeze(1))
        loss = (-output).mean()
        return _ASMoutput(output if batched else output.squeeze(0), loss)

    def _full_log_prob(self, input: Tensor, head_output: Tensor) -> Tensor:
        head_logprob = F.log_softmax(head_output, dim=1)
        parts = [head_logprob[:, : self.shortlist_size]]
        for i, cluster in enumerate(self.tail):
            cluster_logprob = F.log_softmax(cluster(input), dim=1)
            parts.append(cluster_logprob + head_logprob[:, self.shortlist_size + i].unsqueeze(1))
        return cat(parts, 1)

    def log_prob(self, input: Tensor) -> Tensor:
        """log probabilities of every class, (N, n_classes) or (n_classes,)."""
        batched = input.ndim == 2
        input = input if batched else input.unsqueeze(0)
        out = self._full_log_prob(input, self.head(input))
        return out if batched else out.squeeze(0)

    def predict(self, input: Tensor) -> Tensor:
        """The most likely class of each sample."""
        return self.log_prob(input).argmax(dim=-1)
