"""Train the digits classifier on every process that mpiexec starts, with DistributedDataParallel.

mpiexec -n 2 python ddp_digits.py
python -m ember.distributed.run -n 2 ddp_digits.py      # the same, with the installed MPI
"""

import argparse
import json

import ember as torch
import ember.distributed as dist
from ember import nn, optim
from ember.nn.parallel import DistributedDataParallel as DDP
from ember.utils.data import DataLoader, DistributedSampler, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument(
    "--losses", help="write the loss of each epoch to this JSON file"
)
args = parser.parse_args()

# --- one process per rank: rank and size come from MPI ----------------------------
dist.init_process_group("mpi")
rank, world_size = dist.get_rank(), dist.get_world_size()

digits = load_digits()
x_train, x_test, y_train, y_test = train_test_split(
    digits.data / 16.0,
    digits.target,
    test_size=357,
    random_state=0,
    stratify=digits.target,
)
train_set = TensorDataset(
    torch.tensor(x_train, dtype=torch.float32), torch.tensor(y_train)
)
x_test, y_test = torch.tensor(x_test, dtype=torch.float32), torch.tensor(y_test)

# each rank draws its own share of every epoch; together, 64 samples per step
sampler = DistributedSampler(train_set, seed=0)
loader = DataLoader(train_set, batch_size=64 // world_size, sampler=sampler)

torch.manual_seed(0)
model = DDP(nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10)))
optimizer = optim.Adam(model.parameters(), lr=0.005)
criterion = nn.CrossEntropyLoss()
if rank == 0:
    print(
        f"{world_size} process(es), each training on {len(sampler)} of {len(train_set)} samples per epoch"
    )

losses = []
for epoch in range(args.epochs):
    sampler.set_epoch(epoch)  # a new shuffle, the same on every rank
    totals = torch.zeros(2, dtype=torch.float64)  # summed loss, samples
    for images, labels in loader:
        loss = criterion(model(images), labels)
        optimizer.zero_grad()
        loss.backward()  # the gradients are averaged over the ranks here
        optimizer.step()
        totals += torch.tensor(
            [loss.item() * len(labels), len(labels)], dtype=torch.float64
        )
    dist.all_reduce(totals)  # add up every rank's totals
    losses.append(totals[0].item() / totals[1].item())
    if rank == 0:
        with torch.no_grad():
            accuracy = (model(x_test).argmax(1) == y_test).float().mean().item()
        print(
            f"epoch {epoch + 1:2d}: loss {losses[-1]:.4f}, test accuracy {accuracy:.3f}"
        )

if rank == 0 and args.losses:
    with open(args.losses, "w") as file:
        json.dump(losses, file)
dist.destroy_process_group()
