"""The reducer: averages gradients over the ranks during backward, bucket by bucket.

Each parameter's post-accumulate-grad hook puts its gradient, divided by the world size, into
its bucket. A bucket whose gradients are all in starts a non-blocking all-reduce at once, so
communication overlaps the rest of the backward. Buckets start in index order on every rank,
whatever order the gradients arrive in (MPI needs the same order of collectives everywhere).
The hook of the last expected gradient waits for every bucket and hands the averages to `.grad`.
"""

from __future__ import annotations

import ember
import numpy as np
from ember.distributed import ReduceOp
from ember.distributed._host import store

from ._buckets import Bucket, Slot, assign

UNFINISHED = (
    "Expected to have finished reduction in the prior iteration before starting a new one. This error "
    "indicates that your module has parameters that were not used in producing loss. You can enable unused "
    "parameter detection by passing the keyword argument `find_unused_parameters=True` to "
    "`ember.nn.parallel.DistributedDataParallel`, and by making sure all `forward` function outputs "
    "participate in calculating loss. Parameters that received no gradient on rank {rank}: {names}"
)


class Reducer:
    def __init__(self, named_params: list, group, bucket_cap_bytes: int, find_unused: bool, as_view: bool) -> None:
        self.group = group
        self.world = group.size()
        self.find_unused = find_unused
        self.as_view = as_view
        self.slots = [Slot(i, name, param) for i, (name, param) in enumerate(named_params)]
        self.buckets = assign(self.slots, bucket_cap_bytes)
        self._expecting = False  # a forward prepared this iteration and its gradients are awaited
        self._started = False  # some gradient arrived in this iteration
        self._ready = bytearray(len(self.slots))
        self._pending = [0] * len(self.buckets)
        self._in_place: list = [None] * len(self.buckets)  # a lone gradient reduced in its own memory
        self._works: list = [None] * len(self.buckets)
        self._next = 0  # the bucket whose all-reduce starts next
        self._used: np.ndarray | None = None
        self._handles = [slot.param.register_post_accumulate_grad_hook(self._hook(slot)) for slot in self.slots]

    def _hook(self, slot: Slot):
        def gradient_ready(param) -> None:
            if self._expecting:
                self._started = True
                self._mark_ready(slot, param.grad)

        return gradient_ready

    def remove_hooks(self) -> None:
        for handle in self._handles:
            handle.remove()

    # --- one iteration ---------------------------------------------------------------------
    def prepare(self, outputs) -> None:
        """A forward ran: expect every parameter's gradient (or only those the outputs reach)."""
        if self._expecting and self._started:
            missing = [s.name for s in self.slots if not self._ready[s.index]]
            raise RuntimeError(UNFINISHED.format(rank=self.group.rank(), names=", ".join(missing)))
        self._ready = bytearray(len(self.slots))
        self._pending = [len(bucket.slots) for bucket in self.buckets]
        self._in_place = [None] * len(self.buckets)
        self._works = [None] * len(self.buckets)
        self._next = 0
        self._expecting, self._started = True, False
        if self.find_unused:
            reached = _parameters_reached(outputs)
            self._used = np.array([id(s.param) in reached for s in self.slots], np.uint8)
            for slot in self.slots:
                if not self._used[slot.index]:
                    self._mark_ready(slot, None)

    def _mark_ready(self, slot: Slot, grad) -> None:
        if self._ready[slot.index]:
            raise RuntimeError(
                f"DistributedDataParallel: parameter {slot.name!r} received a gradient twice in one iteration "
                "(or after it was found unused). Run every backward but the last inside no_sync(), and make the "
                "loss depend on the parameters only through the outputs of the wrapped module's forward"
            )
        self._ready[slot.index] = 1
        bucket = slot.bucket
        self._load(bucket, slot, grad)
        self._pending[bucket.index] -= 1
        while self._next < len(self.buckets) and self._pending[self._next] == 0:
            self._launch(self.buckets[self._next])
            self._next += 1
        if self._next == len(self.buckets):
            self._finish()
        elif self._next:
            self._works[self._next - 1].is_completed()  # NOTE: MPI moves a transfer on only inside its calls

    def _load(self, bucket: Bucket, slot: Slot, grad) -> None:
        """Put grad / world_size where the bucket's all-reduce reads it (zeros for an unused parameter)."""
        if grad is None:
            bucket.region(slot).fill(0)
            return
        source = grad.detach().numpy(force=True)
        if len(bucket.slots) == 1 and grad.device.type == "cpu" and _reducible(source, bucket):
            np.divide(source, self.world, out=source)
            self._in_place[bucket.index] = source
            return
        np.divide(source, self.world, out=bucket.region(slot))

    def _launch(self, bucket: Bucket) -> None:
        array = self._in_place[bucket.index]
        buffer = bucket.flat_buffer() if array is None else array
        self._works[bucket.index] = self.group.allreduce(ember.from_numpy(buffer), ReduceOp.SUM)

    def _finish(self) -> None:
        used_anywhere = None
        if self.find_unused:
            used_anywhere = self._used.copy()
            used_work = self.group.allreduce(ember.from_numpy(used_anywhere), ReduceOp.MAX)
        for work in self._works:
            work.wait()
        if self.find_unused:
            used_work.wait()
        for bucket in self.buckets:
            if self._in_place[bucket.index] is not None:
                continue  # the gradient's own memory holds the average
            for slot in bucket.slots:
                if used_anywhere is None or used_anywhere[slot.index]:
                    self._hand_back(slot, bucket.region(slot))
        self._expecting = False
        self._works = [None] * len(self.buckets)

    def _hand_back(self, slot: Slot, average: np.ndarray) -> None:
        param = slot.param
        if self.as_view and param.device.type == "cpu":
            param.grad = ember.from_numpy(average)
        elif param.grad is None:  # unused here, used elsewhere
            param.grad = ember.from_numpy(average.copy()).to(param.device)
        else:
            store(param.grad, average)


def _reducible(array: np.ndarray, bucket: Bucket) -> bool:
    return array.flags.c_contiguous and array.flags.writeable and array.dtype == bucket.dtype


def _parameters_reached(outputs) -> set:
    """ids of the leaf tensors the outputs' graph leads to (the parameters this forward used)."""
    reached: set = set()
    seen: set = set()
    stack = []
    for tensor in _tensors_in(outputs):
        if tensor.grad_fn is None:
            reached.add(id(tensor))
        else:
            stack.append(tensor.grad_fn)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        variable = getattr(node, "variable", None)
        if variable is not None:
            reached.add(id(variable))
        for child, _ in node.next_functions:
            if child is not None and id(child) not in seen:
                stack.append(child)
    return reached


def _tensors_in(value):
    if isinstance(value, ember.Tensor):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _tensors_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _tensors_in(item)
