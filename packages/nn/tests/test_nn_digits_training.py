"""End to end: a small CNN learns scikit-learn's 8x8 digits (no download) and training is reproducible."""

import ember
import numpy as np
import pytest
from ember import nn

sklearn_datasets = pytest.importorskip("sklearn.datasets")


def digits():
    data = sklearn_datasets.load_digits()
    images = (data.images / 16.0).astype(np.float32)[:, None]
    order = np.random.default_rng(0).permutation(len(images))
    images, labels = images[order], data.target[order].astype(np.int64)
    split = 1400
    return images[:split], labels[:split], images[split:], labels[split:]


def train_cnn(seed: int, epochs: int = 4):
    ember.manual_seed(seed)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Dropout(0.1),
        nn.Linear(32 * 2 * 2, 10),
    )
    optimizer = ember.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    train_x, train_y, test_x, test_y = digits()
    x, y = ember.tensor(train_x), ember.tensor(train_y)
    losses = []
    for _ in range(epochs):
        model.train()
        for start in range(0, len(train_x), 32):
            optimizer.zero_grad()
            loss = loss_fn(model(x[start : start + 32]), y[start : start + 32])
            loss.backward()
            optimizer.step()
        losses.append(loss.item())
    model.eval()
    with ember.no_grad():
        predicted = model(ember.tensor(test_x)).argmax(1).numpy()
    return float((predicted == test_y).mean()), losses


def test_cnn_reaches_95_percent_and_repeats_exactly():
    accuracy, losses = train_cnn(seed=1)
    assert accuracy >= 0.95, accuracy
    again, losses_again = train_cnn(seed=1)
    assert (again, losses_again) == (accuracy, losses)
