"""The timed workloads. Each builder returns a zero-argument `step` to time.

ember and PyTorch run the very same code (`fw` is the `ember` or `torch` module);
NumPy runs hand-written forward and backward passes: the floor a NumPy backend
cannot beat.
"""

from __future__ import annotations

import numpy as np

RNG_SEED = 0


def _data(shape, seed: int = RNG_SEED, dtype=np.float32) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


# --- per-op overhead -----------------------------------------------------------------


def add_framework(fw, size: int = 2, requires_grad: bool = False):
    a = fw.tensor(_data((size, size), 1), requires_grad=requires_grad)
    b = fw.tensor(_data((size, size), 2), requires_grad=requires_grad)
    return lambda: a + b


def add_numpy(size: int = 2, requires_grad: bool = False):
    a, b = _data((size, size), 1), _data((size, size), 2)
    return lambda: a + b


def expression_framework(fw, size: int = 2):
    x = fw.tensor(_data((size, size), 1))
    w = fw.tensor(_data((size, size), 2), requires_grad=True)
    b = fw.tensor(_data((size, size), 3), requires_grad=True)

    def step():
        w.grad = b.grad = None
        loss = ((x * w + b).relu() ** 2).mean()
        loss.backward()

    return step


def expression_numpy(size: int = 2):
    x, w, b = _data((size, size), 1), _data((size, size), 2), _data((size, size), 3)
    count = np.float32(size * size)

    def step():
        z = x * w + b
        r = np.maximum(z, 0)
        (r * r).mean()
        grad_r = 2 * r / count
        grad_z = grad_r * (z > 0)
        return grad_z * x, grad_z

    return step


# --- tutorial: linear regression, full batch ---------------------------------------------


def _regression_points(n: int = 50):
    rng = np.random.default_rng(RNG_SEED)
    x = rng.uniform(-1, 1, (n, 1)).astype(np.float32)
    y = (3 * x + 10 + 0.1 * rng.standard_normal((n, 1))).astype(np.float32)
    return x, y


def linear_regression_framework(fw, epochs: int = 1000, points: int = 50):
    nn, optim = fw.nn, fw.optim
    x_np, y_np = _regression_points(points)
    x, y = fw.from_numpy(x_np), fw.from_numpy(y_np)

    def step():
        fw.manual_seed(0)
        model = nn.Linear(1, 1)
        loss_fn = nn.MSELoss()
        optimizer = optim.SGD(model.parameters(), lr=0.1)
        for _ in range(epochs):
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return loss.item()

    return step


def linear_regression_numpy(epochs: int = 1000, points: int = 50):
    x, y = _regression_points(points)

    def step():
        w = np.array([[0.5]], dtype=np.float32)
        b = np.array([0.1], dtype=np.float32)
        for _ in range(epochs):
            err = x @ w + b - y
            loss = (err * err).mean()
            grad_out = 2 * err / np.float32(err.size)
            w -= 0.1 * (x.T @ grad_out)
            b -= 0.1 * grad_out.sum(0)
        return float(loss)

    return step


# --- the same, compiled (ember.compile; PyTorch eager in the torch column) ----------------------


def _compiled(fw, fn):
    """ember.compile(fn) for ember; PyTorch runs these rows eagerly (torch.compile needs a C++ toolchain)."""
    return fw.compile(fn) if fw.__name__ == "ember" else fn


def expression_compiled_framework(fw, size: int = 2):
    x = fw.tensor(_data((size, size), 1))
    w = fw.tensor(_data((size, size), 2), requires_grad=True)
    b = fw.tensor(_data((size, size), 3), requires_grad=True)

    def step():
        w.grad = b.grad = None
        loss = ((x * w + b).relu() ** 2).mean()
        loss.backward()
        return loss.detach()

    return _compiled(fw, step)


def linear_regression_compiled_framework(fw, epochs: int = 1000, points: int = 50):
    """The tutorial with its epoch compiled; each measured run traces afresh (first-call cost included)."""
    nn, optim = fw.nn, fw.optim
    x_np, y_np = _regression_points(points)
    x, y = fw.from_numpy(x_np), fw.from_numpy(y_np)

    def step():
        fw.manual_seed(0)
        model = nn.Linear(1, 1)
        loss_fn = nn.MSELoss()
        optimizer = optim.SGD(model.parameters(), lr=0.1)

        def epoch():
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            return loss.detach()

        epoch = _compiled(fw, epoch)
        for _ in range(epochs):
            loss = epoch()
        return loss.item()

    return step


# --- tutorial: TensorDataset + DataLoader --------------------------------------------------


def _dataloader_regression(fw, epochs: int, samples: int, batch_size: int, compiled: bool):
    nn, optim = fw.nn, fw.optim
    data = fw.utils.data
    x_np, y_np = _regression_points(samples)
    dataset = data.TensorDataset(fw.from_numpy(x_np), fw.from_numpy(y_np))

    def step():
        fw.manual_seed(0)
        loader = data.DataLoader(dataset, batch_size=batch_size, shuffle=True)
        model = nn.Linear(1, 1)
        loss_fn = nn.MSELoss()
        optimizer = optim.SGD(model.parameters(), lr=0.05)

        def batch(features, target):
            loss = loss_fn(model(features), target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            return loss.detach() if compiled else loss  # NOTE: a compiled step returns no pending backward

        if compiled:
            batch = _compiled(fw, batch)
        for _ in range(epochs):
            for features, target in loader:
                loss = batch(features, target)
        return loss.item()

    return step


def dataloader_regression_framework(fw, epochs: int = 100, samples: int = 100, batch_size: int = 16):
    return _dataloader_regression(fw, epochs, samples, batch_size, compiled=False)


def dataloader_regression_compiled_framework(fw, epochs: int = 100, samples: int = 100, batch_size: int = 16):
    """The DataLoader tutorial with each batch's step compiled (the last, smaller batch is a second trace)."""
    return _dataloader_regression(fw, epochs, samples, batch_size, compiled=True)


def dataloader_regression_numpy(epochs: int = 100, samples: int = 100, batch_size: int = 16):
    x, y = _regression_points(samples)
    rng = np.random.default_rng(0)

    def step():
        w = np.array([[0.5]], dtype=np.float32)
        b = np.array([0.1], dtype=np.float32)
        for _ in range(epochs):
            order = rng.permutation(samples)
            for start in range(0, samples, batch_size):
                index = order[start : start + batch_size]
                features, target = x[index], y[index]
                err = features @ w + b - target
                grad_out = 2 * err / np.float32(err.size)
                w -= 0.05 * (features.T @ grad_out)
                b -= 0.05 * grad_out.sum(0)
        return float((err * err).mean())

    return step


# --- MLP 784-256-10 on synthetic data ------------------------------------------------------


def mlp_data(samples: int):
    rng = np.random.default_rng(RNG_SEED)
    x = rng.standard_normal((samples, 784), dtype=np.float32)
    y = rng.integers(0, 10, samples).astype(np.int64)
    return x, y


def _epoch_of_batches(fw, model, loss_fn, optimizer, x, y, batch_size: int, compiled: bool):
    """One epoch over (x, y) in batches; with `compiled`, each batch's step under ember.compile."""

    def batch(inputs, targets):
        loss = loss_fn(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.detach()

    run = _compiled(fw, batch) if compiled else batch
    samples = len(x)

    def step():
        for start in range(0, samples, batch_size):
            loss = run(x[start : start + batch_size], y[start : start + batch_size])
        return loss.item()

    return step


def mlp_framework(fw, batch_size: int = 128, samples: int = 60000, compiled: bool = False):
    nn, optim = fw.nn, fw.optim
    x_np, y_np = mlp_data(samples)
    x, y = fw.from_numpy(x_np), fw.from_numpy(y_np)
    fw.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return _epoch_of_batches(fw, model, loss_fn, optimizer, x, y, batch_size, compiled)


def mlp_compiled_framework(fw, batch_size: int = 128, samples: int = 60000):
    return mlp_framework(fw, batch_size, samples, compiled=True)


def mlp_numpy(batch_size: int = 128, samples: int = 60000):
    x, y = mlp_data(samples)
    rng = np.random.default_rng(0)
    bound1, bound2 = 1 / np.sqrt(784), 1 / np.sqrt(256)
    params = [
        rng.uniform(-bound1, bound1, (784, 256)).astype(np.float32),
        rng.uniform(-bound1, bound1, 256).astype(np.float32),
        rng.uniform(-bound2, bound2, (256, 10)).astype(np.float32),
        rng.uniform(-bound2, bound2, 10).astype(np.float32),
    ]
    velocity = [np.zeros_like(p) for p in params]

    def step():
        w1, b1, w2, b2 = params
        for start in range(0, samples, batch_size):
            xb, yb = x[start : start + batch_size], y[start : start + batch_size]
            hidden = xb @ w1 + b1
            active = np.maximum(hidden, 0)
            logits = active @ w2 + b2
            shifted = logits - logits.max(1, keepdims=True)
            log_probs = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
            rows = np.arange(len(yb))
            loss = -log_probs[rows, yb].mean()
            grad_logits = np.exp(log_probs)
            grad_logits[rows, yb] -= 1
            grad_logits /= np.float32(len(yb))
            grad_active = grad_logits @ w2.T
            grad_hidden = grad_active * (hidden > 0)
            grads = [xb.T @ grad_hidden, grad_hidden.sum(0), active.T @ grad_logits, grad_logits.sum(0)]
            for p, v, g in zip(params, velocity, grads):
                v *= 0.9
                v += g
                p -= 0.01 * v
        return float(loss)

    return step


# --- small CNN on the 8x8 digits -------------------------------------------------------------


def digits_data():
    try:
        from sklearn.datasets import load_digits

        digits = load_digits()
        return (digits.images / 16.0).astype(np.float32)[:, None], digits.target.astype(np.int64)
    except ImportError:
        rng = np.random.default_rng(RNG_SEED)
        return rng.random((1797, 1, 8, 8), dtype=np.float32), rng.integers(0, 10, 1797)


def cnn_framework(fw, batch_size: int = 32, compiled: bool = False):
    nn, optim = fw.nn, fw.optim
    x_np, y_np = digits_data()
    x, y = fw.from_numpy(x_np), fw.from_numpy(y_np)
    fw.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 2 * 2, 10),
    )
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    return _epoch_of_batches(fw, model, loss_fn, optimizer, x, y, batch_size, compiled)


def cnn_compiled_framework(fw, batch_size: int = 32):
    return cnn_framework(fw, batch_size, compiled=True)
