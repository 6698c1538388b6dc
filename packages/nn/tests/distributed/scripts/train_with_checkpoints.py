"""Train the digits MLP with DDP, saving each rank's checkpoint after every epoch; optionally inject a fault.

    mpiexec -n 2 python train_with_checkpoints.py OUT [--fault kill|raise|hang|exit] [--fault-rank 1]
        [--fault-epoch 2] [--epochs 4] [--timeout 30]

Each rank writes OUT/rank<r>.pt ({"epoch", "model", "optimizer"}) and prints one line per epoch.
The fault strikes in the middle of --fault-epoch, on --fault-rank only.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

import ember
import ember.distributed as dist
import numpy as np
from ember import nn, optim
from ember.nn.parallel import DistributedDataParallel
from ember.utils.data import DataLoader, DistributedSampler, TensorDataset
from sklearn.datasets import load_digits


def inject(fault: str) -> None:
    print(f"rank {dist.get_rank()}: injecting fault {fault!r}", flush=True)
    if fault == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    elif fault == "raise":
        raise RuntimeError("injected fault")
    elif fault == "hang":
        time.sleep(3600)
    elif fault == "exit":
        sys.exit(3)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--fault", choices=["none", "kill", "raise", "hang", "exit"], default="none")
    parser.add_argument("--fault-rank", type=int, default=1)
    parser.add_argument("--fault-epoch", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=30)
    args = parser.parse_args()

    dist.init_process_group("mpi", timeout=args.timeout)
    rank = dist.get_rank()
    digits = load_digits()
    data = TensorDataset(ember.tensor((digits.data / 16.0).astype(np.float32)), ember.tensor(digits.target))
    sampler = DistributedSampler(data, seed=0)
    loader = DataLoader(data, batch_size=32, sampler=sampler)
    ember.manual_seed(0)
    model = DistributedDataParallel(nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10)))
    optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(args.epochs):
        sampler.set_epoch(epoch)
        for step, (images, labels) in enumerate(loader):
            if args.fault != "none" and rank == args.fault_rank and epoch == args.fault_epoch and step == 10:
                inject(args.fault)
            loss = loss_fn(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        state = {"epoch": epoch, "model": model.module.state_dict(), "optimizer": optimizer.state_dict()}
        ember.save(state, args.out / f"rank{rank}.pt")
        print(f"rank {rank}: epoch {epoch} loss {loss.item():.4f} saved", flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
