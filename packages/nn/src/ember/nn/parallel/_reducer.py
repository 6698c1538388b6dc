"""The reducer: averages gradients over the ranks during backward, bucket by bucket.

Each parameter's post-accumulate-grad hook hands its gradient to its bucket (small ones are
copied, divided by the world size, into the bucket's flat buffer; large ones stay where they
are; with gradient_as_bucket_view, a gradient that already is its view of the flat buffer is
divided where it is). A bucket whose gradients are all in is queued for all-reduce at once, in pieces of at
most `piece_bytes`, so communication overlaps the rest of the backward. One non-blocking
all-reduce is in flight at a time, the next starting as the last one ends (checked at every
hook): on CPU, several at once only compete for the same memory. Buckets go in index order on
every rank, whatever order the gradients arrive in: MPI needs the same order of collectives
everywhere. The hook of the last expected gradient drains the queue and hands the averages
to `.grad`.
"""

from __future__ import annotations

from collections import deque

import ember
from ember.distributed import ReduceOp

from ._buckets import PIECE_BYTES, Bucket, Slot, assign

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
        self.piece_bytes = PIECE_BYTES
        self.slots = [Slot(i, name, param) for i, (name, param) in enumerate(named_params)]
        self.buckets = assign(self.slots, bucket_cap_bytes, pack_all=as_view)
        self._scale = averager(self.world)
        self._expecting = False  # a forward prepared this iteration and its gradients are awaited
        self._started = False  # some gradient arrived in this iteration
        self._ready = bytearray(len(self.slots))
        self._own: list = [None] * len(self.slots)  # where each large gradient is reduced this iteration
        self._pending = [0] * len(self.buckets)
        self._undivided: list[list] = [[] for _ in self.buckets]  # per bucket: regions that are .grad, not yet divided
        self._next = 0  # the bucket queued next
        self._queue: deque = deque()  # (array, op, divide first) waiting for the all-reduce in flight
        self._in_flight = None
        self._used: list[bool] = []  # with find_unused_parameters: which parameters this forward used
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
        self._own = [None] * len(self.slots)
        self._pending = [len(bucket.slots) for bucket in self.buckets]
        self._undivided = [[] for _ in self.buckets]
        self._next = 0
        self._expecting, self._started = True, False
        if self.find_unused:
            reached = _parameters_reached(outputs)
            self._used = [id(s.param) in reached for s in self.slots]
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
        self._load(slot, grad)
        bucket = slot.bucket
        self._pending[bucket.index] -= 1
        while self._next < len(self.buckets) and self._pending[self._next] == 0:
            self._enqueue(self.buckets[self._next])
            self._next += 1
        if self._next == len(self.buckets):
            self._finish()
        else:
            self._pump()

    def _load(self, slot: Slot, grad) -> None:
        """Put the gradient where its bucket's all-reduce reads it (zeros for an unused parameter).

        A packed gradient is divided by the world size on its way into the flat buffer, unless it
        already is its region of the buffer (gradient_as_bucket_view): then it is divided with its
        bucket, piece by piece, at launch, as a large gradient is where it is reduced.
        """
        bucket = slot.bucket
        if slot.packed:
            region = bucket.region(slot)
            if grad is None:
                region.zero_()
            elif _is_view_of(grad, region):
                self._undivided[bucket.index].append(region)
            else:
                self._scale(grad.detach(), region)
            return
        if grad is not None:
            values = grad.detach()
            if values.is_contiguous() and values.dtype == bucket.dtype and values.device == bucket.device:
                self._own[slot.index] = values.view(-1)
                return
        if slot.staging is None:
            slot.staging = ember.empty(slot.numel, dtype=bucket.dtype, device=bucket.device)
        if grad is None:
            slot.staging.zero_()
        else:
            slot.staging.copy_(grad.detach().reshape(-1))
        self._own[slot.index] = slot.staging

    def _enqueue(self, bucket: Bucket) -> None:
        """Queue the bucket's all-reduces: its flat buffer, then each large gradient, in pieces."""
        if bucket.packed_numel:
            undivided = self._undivided[bucket.index]
            whole = len(undivided) == bucket.packed_count  # every packed gradient is still to be divided
            if not whole:
                for region in undivided:
                    self._scale(region, region)
            self._enqueue_pieces(bucket.flat_buffer(), ReduceOp.SUM, divide=whole)
        for slot in bucket.slots:
            if not slot.packed:
                self._enqueue_pieces(self._own[slot.index], ReduceOp.SUM, divide=True)

    def _enqueue_pieces(self, buffer: ember.Tensor, op: ReduceOp, divide: bool) -> None:
        step = max(1, self.piece_bytes // buffer.element_size())
        if buffer.numel() <= step:
            self._queue.append((buffer, op, divide))
            return
        for start in range(0, buffer.numel(), step):
            self._queue.append((buffer[start : start + step], op, divide))

    def _pump(self) -> None:
        """Start the next queued all-reduce if none is in flight (polling the one that is moves it on)."""
        if self._in_flight is not None:
            if not self._in_flight.is_completed():
                return
            self._in_flight = None
        if self._queue:
            piece, op, divide = self._queue.popleft()
            if divide:  # NOTE: just before sending, so that the piece is in cache for the transfer
                self._scale(piece, piece)
            self._in_flight = self.group.allreduce(piece, op)

    def _finish(self) -> None:
        used = None
        if self.find_unused:
            used = ember.tensor(self._used, dtype=ember.uint8, device=self.slots[0].param.device)
            self._queue.append((used, ReduceOp.MAX, False))
        self._pump()
        while self._in_flight is not None:
            self._in_flight.wait()
            self._pump()
        used_anywhere = None if used is None else used.tolist()
        for slot in self.slots:
            if used_anywhere is not None and not used_anywhere[slot.index]:
                continue
            if slot.packed:
                self._hand_back(slot, slot.bucket.region(slot))
            elif self._own[slot.index] is slot.staging:
                self._hand_back(slot, slot.staging.view(tuple(slot.param.shape)))
        self._expecting = False
        self._own = [None] * len(self.slots)

    def _hand_back(self, slot: Slot, average: ember.Tensor) -> None:
        param = slot.param
        if self.as_view:
            if not _is_view_of(param.grad, average):
                param.grad = average
        elif param.grad is None:  # unused here, used elsewhere
            param.grad = average.clone()
        else:
            param.grad.detach().copy_(average)


def averager(world: int):
    """`scale(values, out)`: out = values / world; as a multiplication where 1/world is exact (world a power of 2).

    Multiplying costs about half as much as dividing, and gives the same numbers when 1/world is exact.
    Where `values` is `out`'s own memory, the scaling runs in place (out= would compute a temporary and copy it).
    """
    exact = world & (world - 1) == 0
    factor = 1.0 / world

    def scale(values: ember.Tensor, out: ember.Tensor) -> None:
        in_place = _is_view_of(values, out)
        if exact:
            out.mul_(factor) if in_place else ember.mul(values, factor, out=out)
        else:
            out.div_(world) if in_place else ember.div(values, world, out=out)

    return scale


def _is_view_of(grad, region: ember.Tensor) -> bool:
    """Whether `.grad` is already exactly this region of the bucket (so nothing needs handing back)."""
    return grad is region or (
        grad is not None
        and grad.device == region.device
        and grad.data_ptr() == region.data_ptr()
        and grad.shape == region.shape
        and grad.stride() == region.stride()
    )


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
        for child, _ in node._edges:
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
