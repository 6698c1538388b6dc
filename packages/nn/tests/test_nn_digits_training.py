"""End to end: a small CNN and an MLP learn scikit-learn's 8x8 digits (no download) and training is reproducible."""

import ember
import numpy as np
import pytest
from ember import nn
from ember.utils.data import DataLoader, TensorDataset

sklearn_datasets = pytest.importorskip("sklearn.datasets")


def digits():
    data = sklearn_datasets.load_digits()
    images = (data.images / 16.0).astype(np.float32)[:, None]
    order = np.random.default_rng(0).permutation(len(images))
    images, labels = images[order], data.target[order].astype(np.int64)
    split = 1400
    return images[:split], labels[:split], images[split:], labels[split:]


def cnn():
    return nn.Sequential(
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


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))


def train(make_model, seed: int, epochs: int):
    """Test accuracy and the last batch's loss per epoch, shuffling with a DataLoader seeded by `seed`."""
    ember.manual_seed(seed)
    model = make_model()
    optimizer = ember.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    train_x, train_y, test_x, test_y = digits()
    loader = DataLoader(TensorDataset(ember.tensor(train_x), ember.tensor(train_y)), batch_size=32, shuffle=True)
    losses = []
    for _ in range(epochs):
        model.train()
        for batch, target in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(batch), target)
            loss.backward()
            optimizer.step()
        losses.append(loss.item())
    model.eval()
    with ember.no_grad():
        predicted = model(ember.tensor(test_x)).argmax(1).numpy()
    return float((predicted == test_y).mean()), losses


@pytest.mark.parametrize(("make_model", "epochs"), [(cnn, 4), (mlp, 8)], ids=["cnn", "mlp"])
def test_classifier_reaches_95_percent_and_repeats_exactly(make_model, epochs):
    accuracy, losses = train(make_model, seed=1, epochs=epochs)
    assert accuracy >= 0.95, accuracy
    again, losses_again = train(make_model, seed=1, epochs=epochs)
    assert (again, losses_again) == (accuracy, losses)
