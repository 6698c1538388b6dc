"""DistributedDataParallel: the same model on every rank, gradients averaged during backward."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import ember
import ember.distributed as dist

from ..modules.module import Module
from ._buckets import DEFAULT_BUCKET_CAP_MB
from ._reducer import Reducer


class DistributedDataParallel(Module):
    """Wrap `module` so that `loss.backward()` leaves every rank with the gradient averaged over the ranks.

    Each rank feeds its own share of every batch (see `ember.utils.data.distributed.DistributedSampler`);
    with equal shares, training matches one process fed the whole batch. At construction the
    parameters and buffers are copied from rank 0. Gradients travel in buckets of about
    `bucket_cap_mb` megabytes, each all-reduced as soon as backward has filled it.

    `find_unused_parameters=True` lets a forward leave some parameters out of the loss;
    `no_sync()` skips the averaging (gradient accumulation); `gradient_as_bucket_view=True` makes
    `.grad` a view of the bucket (saves a copy); `module` is the wrapped model, whose state dict
    keys appear here with the prefix `module.`.
    """

    def __init__(
        self,
        module: Module,
        device_ids=None,
        output_device=None,
        dim: int = 0,
        broadcast_buffers: bool = True,
        init_sync: bool = True,
        process_group: dist.ProcessGroup | None = None,
        bucket_cap_mb: float | None = None,
        find_unused_parameters: bool = False,
        check_reduction: bool = False,
        gradient_as_bucket_view: bool = False,
        static_graph: bool = False,
    ) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel wraps an ember.nn.Module, got {type(module).__name__}")
        if device_ids is not None and len(device_ids) > 1:
            raise ValueError(
                f"DistributedDataParallel(device_ids={device_ids}): one device per process; start one process per "
                "device and give each its own device_ids=[i]"
            )
        self.module = module
        if not dist._world.is_member(process_group):
            raise ValueError(
                "DistributedDataParallel(process_group=GroupMember.NON_GROUP_MEMBER): this rank is not in the group; "
                "wrap the model only on the ranks of the group"
            )
        self.process_group = dist._world.resolve(process_group)
        self.device_ids = device_ids
        self.output_device = output_device
        self.dim = dim
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.require_backward_grad_sync = True
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        if not named:
            raise RuntimeError(
                "DistributedDataParallel is not needed when a module doesn't have any parameter that requires a "
                "gradient."
            )
        self.bucket_bytes_cap = int((DEFAULT_BUCKET_CAP_MB if bucket_cap_mb is None else bucket_cap_mb) * 1024 * 1024)
        if self.bucket_bytes_cap <= 0:
            raise ValueError(f"DistributedDataParallel(bucket_cap_mb={bucket_cap_mb}): the cap must be positive")
        self._check_same_model()
        if init_sync:
            self._broadcast([*module.parameters(), *module.buffers()])
        self.reducer = Reducer(
            named, self.process_group, self.bucket_bytes_cap, find_unused_parameters, gradient_as_bucket_view
        )

    def _check_same_model(self) -> None:
        """Every rank must wrap the same architecture: compare counts of tensors and elements."""
        tensors = [*self.module.parameters(), *self.module.buffers()]
        mine = [len(tensors), sum(t.numel() for t in tensors)]
        device = self.process_group.device
        low, high = (ember.tensor(mine, dtype=ember.int64, device=device) for _ in range(2))
        works = [
            dist.all_reduce(low, dist.ReduceOp.MIN, self.process_group, async_op=True),
            dist.all_reduce(high, dist.ReduceOp.MAX, self.process_group, async_op=True),
        ]
        for work in works:
            work.wait()
        if low.tolist() != high.tolist():
            raise ValueError(
                "DistributedDataParallel: the ranks wrap different models (parameters and buffers, and their "
                f"elements, range from {low.tolist()} to {high.tolist()} across ranks; this rank has {mine}). "
                "Build the same model on every rank."
            )

    def _broadcast(self, tensors: list) -> None:
        works = [dist.broadcast(t, group=self.process_group, async_op=True, group_src=0) for t in tensors]
        for work in works:
            work.wait()

    def forward(self, *inputs, **kwargs):
        syncing = ember.is_grad_enabled() and self.require_backward_grad_sync
        if syncing and self.broadcast_buffers:
            buffers = list(self.module.buffers())
            if buffers:
                self._broadcast(buffers)
        output = self.module(*inputs, **kwargs)
        if syncing:
            self.reducer.prepare(output)
        return output

    @contextmanager
    def no_sync(self) -> Iterator[None]:
        """Inside, backward only accumulates local gradients; the first synced backward after averages them all."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous
