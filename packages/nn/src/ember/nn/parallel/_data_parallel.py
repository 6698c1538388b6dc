"""DataParallel: one process, several CUDA devices; each forward splits the batch over them.

The batch is scattered along `dim`, the module replicated on each device (its parameters copied
there by differentiable moves, so gradients flow back to the originals), the replicas run in one
thread each, and the outputs are gathered on `output_device`. Without CUDA it calls the module.
"""

from __future__ import annotations

import copy
import threading
import warnings
from contextlib import nullcontext
from typing import Any

import ember
from ember import Tensor
from ember.autograd import Function, enable_grad, grad

from ..modules.module import Module


def _index(device) -> int:
    if isinstance(device, int):
        return device
    found = ember.device(device)
    if found.type != "cuda":
        raise ValueError(f"DataParallel works on CUDA devices, got {found}")
    return found.index if found.index is not None else ember.cuda.current_device()


def scatter(inputs: Any, target_gpus: list, dim: int = 0) -> tuple:
    """One piece of `inputs` per device: tensors chunked along `dim` (and moved there), the rest repeated."""

    def split(value):
        if isinstance(value, Tensor):
            chunks = value.chunk(len(target_gpus), dim)
            return [chunk.to(ember.device("cuda", _index(gpu))) for chunk, gpu in zip(chunks, target_gpus)]
        if isinstance(value, tuple) and value:
            return list(zip(*map(split, value)))
        if isinstance(value, list) and value:
            return [list(piece) for piece in zip(*map(split, value))]
        if isinstance(value, dict) and value:
            return [type(value)(zip(value.keys(), piece)) for piece in zip(*map(split, value.values()))]
        return [value for _ in target_gpus]

    return tuple(split(inputs))


def scatter_kwargs(inputs: tuple, kwargs: dict | None, target_gpus: list, dim: int = 0) -> tuple[tuple, tuple]:
    """scatter() of the positional and keyword arguments, padded to the same number of pieces."""
    pieces = list(scatter(inputs, target_gpus, dim)) if inputs else []
    keyword_pieces = list(scatter(kwargs, target_gpus, dim)) if kwargs else []
    count = max(len(pieces), len(keyword_pieces))
    pieces += [() for _ in range(count - len(pieces))]
    keyword_pieces += [{} for _ in range(count - len(keyword_pieces))]
    return tuple(pieces), tuple(keyword_pieces)


def replicate(network: Module, devices: list, detach: bool = False) -> list[Module]:
    """Copies of `network`, one per device, whose parameters are differentiable copies of the originals.

    On the network's own device the replica holds the original parameters and buffers, so what
    it does to its buffers (BatchNorm's running statistics) stays.
    """
    home = next((t.device for t in (*network.parameters(), *network.buffers())), None)
    replicas = []
    for device in devices:
        target = ember.device("cuda", _index(device))
        replicas.append(_replica_with(network, {}, target, target == home, detach))
    return replicas


def parallel_apply(modules: list, inputs: list, kwargs_tup: list | None = None, devices: list | None = None) -> list:
    """Call each module on its inputs and keyword arguments, in one thread each (on devices[i]), in the caller's grad mode."""
    kwargs_tup = kwargs_tup or [{} for _ in modules]
    devices = devices or [None] * len(modules)
    results: list = [None] * len(modules)
    grad_enabled = ember.is_grad_enabled()

    def work(i: int) -> None:
        try:
            place = nullcontext() if devices[i] is None else ember.cuda.device(_index(devices[i]))
            with ember.set_grad_enabled(grad_enabled), place:
                arguments = inputs[i] if isinstance(inputs[i], (list, tuple)) else (inputs[i],)
                results[i] = modules[i](*arguments, **kwargs_tup[i])
        except BaseException as error:  # re-raised in the caller, naming the replica
            results[i] = error

    threads = [threading.Thread(target=work, args=(i,)) for i in range(1, len(modules))]
    for thread in threads:
        thread.start()
    if modules:
        work(0)
    for thread in threads:
        thread.join()
    for i, result in enumerate(results):
        if isinstance(result, BaseException):
            device = devices[i] if devices[i] is not None else "?"
            raise type(result)(
                f"Caught {type(result).__name__} in replica {i} on device {device}: {result}"
            ) from result
    return results


def gather(outputs: Any, target_device, dim: int = 0) -> Any:
    """The replicas' outputs joined along `dim` on `target_device` (-1: the CPU); structures gathered item by item."""
    target = ember.device("cpu") if target_device == -1 else ember.device("cuda", _index(target_device))

    def join(values):
        first = values[0]
        if isinstance(first, Tensor):
            if first.ndim == 0:
                warnings.warn(
                    "Was asked to gather along dimension 0, but all input tensors were scalars; will instead "
                    "unsqueeze and return a vector.",
                    UserWarning,
                    stacklevel=4,
                )
                return ember.stack([v.to(target) for v in values])
            return ember.cat([v.to(target) for v in values], dim)
        if first is None:
            return None
        if isinstance(first, dict):
            return type(first)((key, join([v[key] for v in values])) for key in first)
        if isinstance(first, (list, tuple)):
            joined = [join(list(parts)) for parts in zip(*values)]
            return type(first)(joined) if not hasattr(first, "_fields") else type(first)(*joined)
        return first

    return join(list(outputs))


def _replica_call(module: Module, device: int, first: bool):
    """A callable running a replica of `module` on `device`, whose backward also runs there.

    The backend computes only on its current device, and autograd runs in the caller's thread:
    so each replica's graph is kept behind one node (_OnDevice) whose backward runs it with its
    device current. The first replica holds the module's own parameters and buffers.
    """
    parameters = list(module.parameters())

    def call(*inputs, **kwargs):
        flat_inputs = [x for x in inputs if isinstance(x, Tensor)]
        return _OnDevice.apply(module, device, first, len(flat_inputs), inputs, kwargs, *flat_inputs, *parameters)

    return call


class _OnDevice(Function):
    @staticmethod
    def forward(ctx, module, device, first, count, inputs, kwargs, *tensors):
        leaves = [t.detach().requires_grad_(t.requires_grad) for t in tensors]
        feed = iter(leaves[:count])
        arguments = [next(feed) if isinstance(x, Tensor) else x for x in inputs]
        target = ember.device("cuda", device)
        with enable_grad(), ember.cuda.device(device):
            replica = _replica_with(module, dict(zip(map(id, tensors[count:]), leaves[count:])), target, first)
            outputs = replica(*arguments, **kwargs)
        single = isinstance(outputs, Tensor)
        results = (outputs,) if single else tuple(outputs)
        ctx.graph = (results, leaves, device)
        detached = tuple(r.detach() if isinstance(r, Tensor) else r for r in results)
        return detached[0] if single else detached

    @staticmethod
    def backward(ctx, *grads):
        results, leaves, device = ctx.graph
        pairs = [(r, g) for r, g in zip(results, grads) if isinstance(r, Tensor) and r.requires_grad and g is not None]
        wanted = [leaf for leaf in leaves if leaf.requires_grad]
        found = iter(())
        if pairs and wanted:
            with ember.cuda.device(device):
                found = iter(grad([r for r, _ in pairs], wanted, [g for _, g in pairs], allow_unused=True))
        return (None,) * 6 + tuple(next(found) if leaf.requires_grad else None for leaf in leaves)


def _replica_with(module: Module, leaves: dict, target: ember.device, first: bool, detach: bool = False) -> Module:
    """A copy of module's tree on `target`: each parameter is its leaf in `leaves` (itself when absent), moved
    there; buffers are the module's own in the `first` replica, copies elsewhere."""

    def placed(tensor: Tensor | None) -> Tensor | None:
        if tensor is None:
            return None
        leaf = leaves.get(id(tensor), tensor)
        if leaf.device == target:
            return leaf
        moved = leaf.to(target)
        return moved.detach() if detach else moved

    copies: dict[int, Module] = {}

    def copy_of(part: Module) -> Module:
        if id(part) in copies:
            return copies[id(part)]
        replica = copies[id(part)] = copy.copy(part)
        object.__setattr__(replica, "_parameters", {n: placed(p) for n, p in part._parameters.items()})
        buffers = part._buffers if first else {n: None if b is None else b.to(target) for n, b in part._buffers.items()}
        object.__setattr__(replica, "_buffers", dict(buffers))
        object.__setattr__(
            replica, "_modules", {n: None if m is None else copy_of(m) for n, m in part._modules.items()}
        )
        return replica

    return copy_of(module)


class DataParallel(Module):
    """Split each batch along `dim` over `device_ids` (every CUDA device by default), run a replica of `module`
    on each, and gather the outputs on `output_device`. Without CUDA, the module runs as it is.

    The module's parameters and buffers must be on device_ids[0]. For several processes or
    machines, use DistributedDataParallel.
    """

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0) -> None:
        super().__init__()
        self.module = module
        self.dim = dim
        if not ember.cuda.is_available():
            self.device_ids: list[int] = []
            self.output_device = None
            return
        self.device_ids = (
            list(range(ember.cuda.device_count())) if device_ids is None else [_index(d) for d in device_ids]
        )
        self.output_device = self.device_ids[0] if output_device is None else _index(output_device)
        self.src_device_obj = ember.device("cuda", self.device_ids[0])

    def forward(self, *inputs, **kwargs):
        if not self.device_ids:
            return self.module(*inputs, **kwargs)
        for tensor in (*self.module.parameters(), *self.module.buffers()):
            if tensor.device != self.src_device_obj:
                raise RuntimeError(
                    f"module must have its parameters and buffers on device {self.src_device_obj} (device_ids[0]) "
                    f"but found one of them on device: {tensor.device}"
                )
        pieces, keyword_pieces = scatter_kwargs(inputs, kwargs, self.device_ids, self.dim)
        if not pieces and not keyword_pieces:
            pieces, keyword_pieces = ((),), ({},)
        if len(self.device_ids) == 1:
            return self.module(*pieces[0], **keyword_pieces[0])
        devices = self.device_ids[: len(pieces)]
        calls = [_replica_call(self.module, device, first=i == 0) for i, device in enumerate(devices)]
        outputs = parallel_apply(calls, list(pieces), list(keyword_pieces), devices)
        return gather(outputs, self.output_device, self.dim)


def data_parallel(
    module: Module, inputs, device_ids=None, output_device=None, dim: int = 0, module_kwargs=None
) -> Tensor:
    """The module run by ``DataParallel(module, device_ids, output_device, dim)`` on `inputs` and `module_kwargs`."""
    if not isinstance(inputs, tuple):
        inputs = (inputs,)
    return DataParallel(module, device_ids, output_device, dim)(*inputs, **(module_kwargs or {}))
