"""Train a tiny model with an installed ember: `nox -s wheels` runs it in fresh venvs.

It checks that ember and ember.nn were imported from the environment running it (not
from a source tree) and that a linear model fits a line.
"""

import sys
from pathlib import Path

import ember as torch
from ember import nn, optim

for module in (torch, nn):
    where = Path(module.__file__).resolve()
    assert where.is_relative_to(Path(sys.prefix).resolve()), f"{module.__name__} was imported from {where}"

x = torch.linspace(-1, 1, 64).unsqueeze(1)
y = 3 * x + 1
model, loss_fn = nn.Linear(1, 1), nn.MSELoss()
optimizer = optim.SGD(model.parameters(), lr=0.5)
for _ in range(200):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
assert loss.item() < 1e-6, f"the model did not fit: loss {loss.item()}"
print(f"ember {torch.__version__} from {Path(torch.__file__).parent}: fitted y = 3x + 1, loss {loss.item():.1e}")
