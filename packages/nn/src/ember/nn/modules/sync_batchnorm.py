"""SyncBatchNorm: batch normalisation whose statistics cover the batches of every process of a group."""

from __future__ import annotations

from ... import _dtype as dt
from ..._creation import tensor
from ..._tensor import Tensor
from ...autograd import no_grad
from .batchnorm import _BatchNorm
from .module import Module


class SyncBatchNorm(_BatchNorm):
    """Batch normalisation over the whole batch of all processes: each channel's mean and variance are all-reduced.

    In training, with `ember.distributed` initialized and more than one process in `process_group`
    (the default group when None), the statistics are those of the batches of every process, and
    the backward all-reduces their gradients; otherwise it is BatchNorm. Every process of the group
    must run the forward and the backward together. Unlike PyTorch's, it runs on any device.
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        process_group=None,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)
        self.process_group = process_group

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim < 2:
            raise ValueError(f"expected at least 2D input (got {input.ndim}D input)")
        if input.shape[1] == 0:
            raise ValueError("SyncBatchNorm number of input channels should be non-zero")

    def _synchronizing(self) -> bool:
        """Training, with ember.distributed initialized and more than one process in the group."""
        from ... import distributed as dist

        return (
            self.training
            and dist.is_available()
            and dist.is_initialized()
            and dist.get_world_size(self.process_group) > 1
        )

    def forward(self, input: Tensor) -> Tensor:
        if not self._synchronizing():
            return super().forward(input)
        self._check_input_dim(input)
        return _synced_batch_norm(self, input, self._running_factor())

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group=None) -> Module:
        """`module` with every BatchNorm*d in it replaced by a SyncBatchNorm holding the same parameters and buffers."""
        converted = module
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            converted = cls(
                module.num_features,
                module.eps,
                module.momentum,
                module.affine,
                module.track_running_stats,
                process_group,
            )
            if module.affine:
                converted.weight = module.weight
                converted.bias = module.bias
            converted.running_mean = module.running_mean
            converted.running_var = module.running_var
            converted.num_batches_tracked = module.num_batches_tracked
            converted.training = module.training
        for name, child in module.named_children():
            converted.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return converted


def _synced_batch_norm(layer: SyncBatchNorm, input: Tensor, factor: float) -> Tensor:
    from ... import distributed as dist
    from ...distributed.nn.functional import all_reduce

    group = layer.process_group
    axes = (0, *range(2, input.ndim))
    shape = (1, -1) + (1,) * (input.ndim - 2)
    count = tensor([input.numel() // max(input.shape[1], 1)], dtype=dt.int64, device=input.device)
    dist.all_reduce(count, group=group)
    total = int(count.item())
    if total <= 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")
    mean = all_reduce(input.sum(axes), group=group) / total
    centered = input - mean.reshape(shape)
    var = all_reduce((centered * centered).sum(axes), group=group) / total
    if layer.training and layer.running_mean is not None:
        with no_grad():
            layer.running_mean.mul_(1 - factor).add_(mean.detach() * factor)
            layer.running_var.mul_(1 - factor).add_(var.detach() * (factor * total / (total - 1)))
    out = centered * (var + layer.eps).rsqrt().reshape(shape)
    if layer.weight is not None:
        out = out * layer.weight.reshape(shape)
    if layer.bias is not None:
        out = out + layer.bias.reshape(shape)
    return out
