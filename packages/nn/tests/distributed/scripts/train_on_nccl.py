"""The nccl group as the default group, on ember-cupy's simulated CUDA device: DDP trains the MLP with SGD and
momentum, each rank on its share of every batch, and ends with the parameters of one process trained on whole
batches on the CPU. Run under mpiexec; rank 0 prints the largest difference."""

import ember
import ember.distributed as dist
import numpy as np
from ember import nn, optim
from ember.nn.parallel import DistributedDataParallel
from ember_cupy.simulated import simulated_cuda


def mlp() -> nn.Module:
    ember.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))


def train(model: nn.Module, batches, device) -> nn.Module:
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for x, y in batches:
        loss = nn.functional.cross_entropy(model(x.to(device)), y.to(device))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model


with simulated_cuda(devices=2):
    dist.init_process_group("nccl")
    rank, size = dist.get_rank(), dist.get_world_size()
    device = ember.device("cuda", ember.cuda.current_device())
    rng = np.random.default_rng(0)
    batches = [
        (
            ember.from_numpy(rng.normal(size=(4 * size, 8)).astype(np.float32)),
            ember.from_numpy(rng.integers(0, 3, 4 * size)),
        )
        for _ in range(5)
    ]
    shares = [(x[4 * rank : 4 * (rank + 1)], y[4 * rank : 4 * (rank + 1)]) for x, y in batches]
    ddp = train(DistributedDataParallel(mlp().to(device)), shares, device)
    single = train(mlp(), batches, ember.device("cpu"))
    worst = max(
        float((a.detach().cpu() - b.detach()).abs().max()) for a, b in zip(ddp.module.parameters(), single.parameters())
    )
    assert dist.get_backend() == "nccl" and ddp.module[0].weight.device == device
    if rank == 0:
        print(f"nccl on {size} ranks: largest difference from one process {worst:.3g}", flush=True)
    dist.destroy_process_group()
