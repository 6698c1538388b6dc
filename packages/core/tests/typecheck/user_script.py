"""A user's script, type-checked against ember's stubs with mypy's strict settings (see mypy.ini).

`assert_type` lines state what mypy must infer. Under TYPE_CHECKING are deliberate errors:
each carries the `# type: ignore[code]` that mypy must need, and `warn_unused_ignores`
fails the run if the stubs stop reporting one. The script also runs (tests/test_stubs.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, assert_type

import ember as torch
import ember.nn.functional as F
from ember import Tensor, nn, optim
from ember.utils.data import DataLoader, Dataset, TensorDataset


class TwoLayer(nn.Module):
    def __init__(self, features: int) -> None:
        super().__init__()
        self.hidden = nn.Linear(features, 8)
        self.out = nn.Linear(8, 1)

    def forward(self, x: Tensor) -> Tensor:
        hidden: Tensor = F.relu(self.hidden(x))
        out: Tensor = self.out(hidden)
        return out


def tensor_methods() -> None:
    t = torch.randn(4, 3)
    w = torch.ones(3, 2, dtype=torch.float32)
    assert_type(t.sum(), Tensor)
    assert_type(t.mean(dim=0), Tensor)
    assert_type(t.exp().log().abs(), Tensor)
    assert_type(t @ w, Tensor)
    assert_type(t + 1, Tensor)
    assert_type(1 + t, Tensor)
    assert_type(2.0 * t - t / 3, Tensor)
    assert_type(t > 0, Tensor)
    assert_type(t == t, Tensor)
    assert_type(-t, Tensor)
    assert_type(t[0], Tensor)
    assert_type(t[:, 1:], Tensor)
    assert_type(t.add_(1), Tensor)
    assert_type(t.shape, torch.Size)
    assert_type(t.shape[0], int)
    assert_type(t.size(), torch.Size)
    assert_type(t.size(1), int)
    assert_type(t.dtype, torch.dtype)
    assert_type(t.device, torch.device)
    assert_type(t.grad, Tensor | None)
    assert_type(t.item() if t.numel() == 1 else 0.0, int | float | bool)
    assert_type(len(t), int)
    assert_type(bool(t[0, 0] > 0), bool)
    for row in t:
        assert_type(row, Tensor)
    values, indices = t.max(dim=1)
    assert_type(values, Tensor)
    assert_type(t.max(dim=1).indices, Tensor)
    assert_type(t.max(), Tensor)
    assert_type(torch.max(t, 1), torch.return_types.ReturnTuple)
    assert_type(torch.cat([t, t], dim=0), Tensor)
    square = t[:, :2] @ t[:, :2].T
    u, s, vh = torch.linalg.svd(square)
    assert_type(torch.linalg.svd(square).Vh, Tensor)
    assert_type(torch.linalg.eigh(square), torch.return_types.linalg_eigh)
    assert_type(torch.linalg.inv(square), Tensor)
    assert_type(square.det(), Tensor)


def train(epochs: int) -> float:
    torch.manual_seed(0)
    x = torch.randn(16, 3)
    y = x.sum(dim=1, keepdim=True)
    dataset: Dataset[tuple[Tensor, ...]] = TensorDataset(x, y)
    loader = DataLoader(dataset, batch_size=4, shuffle=True)
    model = TwoLayer(3)
    optimizer = optim.SGD(model.parameters(), lr=0.05)
    loss_fn = nn.MSELoss()
    total = 0.0
    for _ in range(epochs):
        for xb, yb in loader:
            optimizer.zero_grad()
            loss: Tensor = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item()
    with torch.no_grad():
        prediction: Tensor = model(x)
    learning_rate: float = optimizer.param_groups[0]["lr"]
    return total + float(prediction.mean()) * learning_rate


if TYPE_CHECKING:
    t = torch.zeros(2)
    n: str = t.sum()  # type: ignore[assignment]
    t.no_such_method()  # type: ignore[attr-defined]
    nn.Linear("3", 4)  # type: ignore[arg-type]
    size: str = t.shape[0]  # type: ignore[assignment]


if __name__ == "__main__":
    tensor_methods()
    print(train(epochs=2))
