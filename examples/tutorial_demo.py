"""Train the tutorials' models with ember on the NumPy backend: print losses, write plots.

    python examples/tutorial_demo.py --out demo-output

1. the book's linear regression (full-batch gradient descent, 1000 epochs),
2. the blog's make_regression fit with TensorDataset + DataLoader,
3. the lecture notes' 4-5-3 MLP (printed, one training iteration),
4. an MLP and a small CNN classifying scikit-learn's 8x8 digits.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import ember as torch  # noqa: E402
import ember.nn.functional as F  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from ember import nn, optim  # noqa: E402
from ember.utils.data import DataLoader, TensorDataset  # noqa: E402


def linear_regression(out: Path) -> None:
    print("== 1. Linear regression, full batch (the book's section 2.6) ==")
    torch.manual_seed(0)
    x = torch.unsqueeze(torch.linspace(-1, 1, 50), dim=1)
    y = 3 * x + 10 + 0.5 * torch.randn(x.size())

    class LinearRegression(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(1, 1)

        def forward(self, x):
            return self.fc(x)

    model = LinearRegression()
    criterion = nn.MSELoss()
    optimizer = optim.SGD(model.parameters(), lr=5e-3)
    num_epochs = 1000
    for epoch in range(num_epochs):
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if (epoch + 1) % 200 == 0:
            print(f"Epoch[{epoch + 1}/{num_epochs}], loss: {loss.detach().numpy():.6f}")
    print(f"learned w = {model.fc.weight.item():.4f}, b = {model.fc.bias.item():.4f} (data: w = 3, b = 10)")
    compiled_speedup(model, criterion, optimizer, x, y, num_epochs)
    model.eval()
    y_hat = model(x)
    plt.figure(figsize=(5, 4))
    plt.scatter(x.numpy(), y.numpy(), label="data")
    plt.plot(x.numpy(), y_hat.detach().numpy(), c="r", label="fitted line")
    plt.legend()
    plt.title("Linear regression")
    plt.savefig(out / "linear_regression.png", dpi=100)
    plt.close()


def compiled_speedup(model, criterion, optimizer, x, y, num_epochs: int) -> None:
    """Time the same training step eager and through ember.compile (which traces it once, then replays it)."""

    def train_step():
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    compiled_step = torch.compile(train_step)
    seconds = {}
    for name, step in (("eager", train_step), ("ember.compile", compiled_step)):
        start = time.perf_counter()
        for _ in range(num_epochs):
            loss = step()
        seconds[name] = time.perf_counter() - start
        print(f"{num_epochs} more epochs, {name}: {seconds[name] * 1e3:.1f} ms (loss {loss.item():.6f})")
    print(f"ember.compile speed-up: {seconds['eager'] / seconds['ember.compile']:.1f}x (tracing included)")


def dataloader_regression(out: Path) -> None:
    print("\n== 2. TensorDataset + DataLoader on make_regression (the blog's section 9) ==")
    from sklearn.datasets import make_regression

    torch.manual_seed(0)
    x, y, coef = make_regression(n_samples=100, n_features=1, noise=10, coef=True, bias=1.5, random_state=0)
    x, y = torch.tensor(x), torch.tensor(y)
    dataloader = DataLoader(dataset=TensorDataset(x, y), batch_size=16, shuffle=True)
    print(f"{len(dataloader)} batches per epoch of 100 samples at batch size 16")
    model = nn.Linear(in_features=1, out_features=1)
    criterion = nn.MSELoss()
    optimizer = optim.SGD(params=model.parameters(), lr=1e-2)
    epochs, loss_epoch = 100, []
    for epoch in range(epochs):
        total_loss, seen = 0.0, 0
        for train_x, train_y in dataloader:
            loss = criterion(model(train_x.type(torch.float32)), train_y.reshape(-1, 1).type(torch.float32))
            total_loss += loss.item() * len(train_y)
            seen += len(train_y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        loss_epoch.append(total_loss / seen)
        if (epoch + 1) % 25 == 0:
            print(f"epoch {epoch + 1:3d}: mean loss {loss_epoch[-1]:.3f}")
    print(
        f"learned w = {model.weight.item():.3f}, b = {model.bias.item():.3f} (true coefficient {float(coef):.3f}, bias 1.5)"
    )
    plt.figure(figsize=(5, 4))
    plt.plot(range(epochs), loss_epoch)
    plt.title("Loss per epoch")
    plt.grid()
    plt.savefig(out / "dataloader_loss.png", dpi=100)
    plt.close()
    grid = torch.linspace(x.min(), x.max(), 100)
    plt.figure(figsize=(5, 4))
    plt.scatter(x, y, s=10)
    plt.plot(grid, (grid * model.weight + model.bias).detach().reshape(-1), label="trained")
    plt.plot(grid, grid * float(coef) + 1.5, label="true")
    plt.grid()
    plt.legend()
    plt.savefig(out / "dataloader_fit.png", dpi=100)
    plt.close()


def mlp_453() -> None:
    print("\n== 3. The 4-5-3 MLP (the lecture notes) ==")

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden = nn.Linear(4, 5)
            self.out = nn.Linear(5, 3)

        def forward(self, x):
            return self.out(F.relu(self.hidden(x)))

    torch.manual_seed(0)
    net = Net()
    print(net)
    optimizer = optim.SGD(net.parameters(), lr=0.01)
    criterion = nn.CrossEntropyLoss()
    inputs, target = torch.randn(8, 4), torch.randint(0, 3, (8,))
    optimizer.zero_grad()
    loss = criterion(net(inputs), target)
    loss.backward()
    optimizer.step()
    print(f"one iteration: loss {loss.item():.4f} -> {criterion(net(inputs), target).item():.4f}")


def digits(out: Path) -> None:
    print("\n== 4. Classifying the 8x8 digits: an MLP and a small CNN ==")
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = torch.tensor(bunch.images / 16.0, dtype=torch.float32).unsqueeze(1)
    labels = torch.tensor(bunch.target)
    torch.manual_seed(0)
    order = torch.randperm(len(labels))
    train, test = order[:1400], order[1400:]
    models = {
        "MLP": nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10)),
        "CNN": nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(32 * 2 * 2, 10),
        ),
    }
    plt.figure(figsize=(6, 4))
    for name, model in models.items():
        loader = DataLoader(TensorDataset(images[train], labels[train]), batch_size=32, shuffle=True)
        optimizer = optim.Adam(model.parameters(), lr=3e-3)
        criterion = nn.CrossEntropyLoss()
        history, start = [], time.perf_counter()
        for _ in range(15):
            model.train()
            for batch, target in loader:
                loss = criterion(model(batch), target)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            model.eval()
            with torch.no_grad():
                accuracy = (model(images[test]).argmax(1) == labels[test]).float().mean().item()
            history.append(accuracy)
        print(f"{name}: test accuracy {history[-1]:.3f} after 15 epochs ({time.perf_counter() - start:.1f} s)")
        plt.plot(range(1, 16), history, label=name)
    plt.xlabel("epoch")
    plt.ylabel("test accuracy")
    plt.grid()
    plt.legend()
    plt.savefig(out / "digits_accuracy.png", dpi=100)
    plt.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="demo-output", help="folder for the plots")
    out = Path(parser.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    linear_regression(out)
    dataloader_regression(out)
    mlp_453()
    digits(out)
    print(f"\nplots written to {out.resolve()}")


if __name__ == "__main__":
    main()
