"""One rank of a distributed benchmark job (started by `benchmarks.distributed` under mpiexec).

    mpiexec -n N python -m benchmarks.distributed_worker scaling '{"samples": 60000, ...}'
    mpiexec -n 2 python -m benchmarks.distributed_worker allreduce '{"megabytes": 10, ...}'

Rank 0 prints one JSON line with the result.
"""

from __future__ import annotations

import json
import statistics
import sys
import time

import ember
import ember.distributed as dist
import numpy as np
from ember import nn, optim
from ember.nn.parallel import DistributedDataParallel
from mpi4py import MPI

from .workloads import mlp_data


def timed(comm, step, repeats: int) -> list[float]:
    """Seconds of each call of step, every rank starting together (after a barrier)."""
    times = []
    for _ in range(repeats):
        comm.Barrier()
        start = time.perf_counter()
        step()
        comm.Barrier()
        times.append(time.perf_counter() - start)
    return times


def scaling(comm, samples: int, batch_size: int, repeats: int) -> dict:
    """One epoch of the MLP 784-256-10 (SGD momentum) over `samples`, each rank taking 1/N, batch_size per rank."""
    size, rank = comm.Get_size(), comm.Get_rank()
    x_np, y_np = mlp_data(samples)
    share = samples // size
    x = ember.from_numpy(x_np[rank * share : (rank + 1) * share])
    y = ember.from_numpy(y_np[rank * share : (rank + 1) * share])
    ember.manual_seed(0)
    model = DistributedDataParallel(nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10)))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def epoch() -> None:
        for start in range(0, share, batch_size):
            loss = loss_fn(model(x[start : start + batch_size]), y[start : start + batch_size])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    epoch()  # warm-up
    seconds = statistics.median(timed(comm, epoch, repeats))
    return {"ranks": size, "seconds": seconds, "samples_per_s": share * size / seconds}


class _Gradients(nn.Module):
    """`count` parameters holding `megabytes` of float32 in all; forward returns them (backward is not timed)."""

    def __init__(self, megabytes: float, count: int) -> None:
        super().__init__()
        each = max(1, int(megabytes * 2**20 / 4 / count))
        self.values = nn.ParameterList([nn.Parameter(ember.ones(each)) for _ in range(count)])

    def forward(self):
        return list(self.values)


def allreduce(comm, megabytes: float, parameters: int, repeats: int, view: bool = False) -> dict:
    """DDP's gradient averaging of `megabytes` vs mpi4py's Allreduce of the same bytes, interleaved.

    The averaging is the reducer's whole work in one backward: each parameter's hook called as
    backward calls it (last parameter first) on gradients already computed, through the end of
    the reduction. The gradients are rebuilt before each call and not timed: new arrays, as
    after `zero_grad()`; with `view`, DDP(gradient_as_bucket_view=True) and the gradients
    refilled where they are, as a backward after `zero_grad(set_to_none=False)` leaves them.
    """
    model = DistributedDataParallel(_Gradients(megabytes, parameters), gradient_as_bucket_view=view)
    reducer = model.reducer
    params = list(model.parameters())
    hooks = [(slot.param, reducer._hook(slot)) for slot in reversed(reducer.slots)]
    grads = [np.ones(p.numel(), np.float32) for p in params]
    raw = np.ones(sum(p.numel() for p in params), np.float32)

    def average() -> None:
        reducer.prepare(None)
        for param, hook in hooks:
            hook(param)

    raw_times, ddp_times = [], []
    for _ in range(repeats):
        raw_times += timed(comm, lambda: comm.Allreduce(MPI.IN_PLACE, raw), 1)
        for param, grad in zip(params, grads):
            if view and param.grad is not None:
                param.grad.numpy().fill(1)
            else:
                grad.fill(1)
                param.grad = ember.from_numpy(grad)
        ddp_times += timed(comm, average, 1)
    return {
        "megabytes": megabytes,
        "ranks": comm.Get_size(),
        "buckets": len(reducer.buckets),
        "raw": raw_times,
        "ddp": ddp_times,
    }


TASKS = {"scaling": scaling, "allreduce": allreduce}


def main() -> None:
    task, options = sys.argv[1], json.loads(sys.argv[2])
    dist.init_process_group("mpi")
    comm = MPI.COMM_WORLD
    result = TASKS[task](comm, **options)
    if comm.Get_rank() == 0:
        print(json.dumps(result), flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
