"""
Training a classifier
=====================

Everything so far, put together: two networks, a multi-layer perceptron and a small
convolutional network, learn to recognise handwritten digits. With a progress bar on
the training loop, a plot of loss and accuracy, a confusion matrix and sample
predictions.

The data is scikit-learn's bundled ``digits`` set: 1797 images of 8x8 pixels, no
download needed. The training follows the steps of the lecture notes (see
:doc:`03_nn_and_optim`): prepare the data, define the network, the loss and the
optimiser, train, record loss and accuracy, plot them, test.
"""

# %%
# The data
# --------
#
# Each image is 8x8 grey levels from 0 to 16, flattened into 64 numbers; the label is
# the digit. We scale the pixels to [0, 1] and keep a fifth of the images for testing.

import sys

import ember as torch
import matplotlib.pyplot as plt
from ember import nn, optim
from ember.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from tqdm import tqdm

torch.manual_seed(0)

digits = load_digits()
x_train, x_test, y_train, y_test = train_test_split(
    digits.data / 16.0,
    digits.target,
    test_size=0.2,
    random_state=0,
    stratify=digits.target,
)
x_train, x_test = (
    torch.tensor(x_train, dtype=torch.float32),
    torch.tensor(x_test, dtype=torch.float32),
)
y_train, y_test = torch.tensor(y_train), torch.tensor(y_test)
print(x_train.shape, y_train.shape, x_test.shape, y_test.shape)

# %%
# The first training images and their labels:

fig, axes = plt.subplots(1, 8, figsize=(8, 1.4))
for ax, image, label in zip(axes, x_train, y_train):
    ax.imshow(image.reshape(8, 8), cmap="gray_r")
    ax.set_title(int(label))
    ax.axis("off")
plt.show()

# %%
# The training loop
# -----------------
#
# One function trains either network: mini-batches of 32 shuffled images, the
# cross-entropy loss, the Adam optimiser. After each epoch it measures the accuracy on
# the test images, under ``no_grad`` and in evaluation mode. The progress bar
# (`tqdm <https://tqdm.github.io>`_) shows the epochs with the latest loss and
# accuracy; in a terminal it updates in place, on this page each update is a line.

BAR = "{desc} {percentage:3.0f}%|{bar:20}| {n}/{total} epochs [{elapsed}{postfix}]"
train_loader = DataLoader(
    TensorDataset(x_train, y_train), batch_size=32, shuffle=True
)


def accuracy(model, images, labels):
    model.eval()
    with torch.no_grad():
        predicted = model(images).argmax(dim=1)
    model.train()
    return (predicted == labels).float().mean().item()


def train(model, images_test, epochs, name, reshape=lambda batch: batch):
    optimizer = optim.Adam(model.parameters(), lr=0.005)
    criterion = nn.CrossEntropyLoss()
    history = {"loss": [], "accuracy": []}
    progress = tqdm(range(epochs), desc=name, file=sys.stdout, bar_format=BAR)
    for _ in progress:
        total, seen = 0.0, 0
        for images, labels in train_loader:
            loss = criterion(model(reshape(images)), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(labels)
            seen += len(labels)
        history["loss"].append(total / seen)
        history["accuracy"].append(accuracy(model, images_test, y_test))
        progress.set_postfix(
            loss=f"{history['loss'][-1]:.3f}",
            accuracy=f"{history['accuracy'][-1]:.3f}",
            refresh=False,
        )
    return history


# %%
# A multi-layer perceptron
# ------------------------
#
# 64 pixels in, one hidden layer of 128 neurons, 10 scores out (one per digit).

mlp = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
print(mlp)

mlp_history = train(mlp, x_test, epochs=15, name="MLP")

# %%
# A small convolutional network
# -----------------------------
#
# Two convolution-ReLU-pooling stages see each image as a 1x8x8 picture and learn local
# strokes; a linear layer maps the 32x2x2 features to the 10 scores. The same loop
# trains it, with the images reshaped to ``(batch, channel, height, width)``.

cnn = nn.Sequential(
    nn.Conv2d(1, 16, kernel_size=3, padding=1),
    nn.ReLU(),
    nn.MaxPool2d(2),
    nn.Conv2d(16, 32, kernel_size=3, padding=1),
    nn.ReLU(),
    nn.MaxPool2d(2),
    nn.Flatten(),
    nn.Linear(32 * 2 * 2, 10),
)
print(cnn)


def as_images(batch):
    return batch.reshape(-1, 1, 8, 8)


cnn_history = train(
    cnn, as_images(x_test), epochs=15, name="CNN", reshape=as_images
)

# %%
# Loss and accuracy
# -----------------
#
# Both networks learn within a few epochs; the test accuracy ends above 95%.

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
for history, name in [(mlp_history, "MLP"), (cnn_history, "CNN")]:
    epochs = range(1, len(history["loss"]) + 1)
    left.plot(epochs, history["loss"], marker="o", label=name)
    right.plot(epochs, history["accuracy"], marker="o", label=name)
left.set(title="training loss", xlabel="epoch", ylabel="cross-entropy")
right.set(title="test accuracy", xlabel="epoch", ylabel="accuracy")
for ax in (left, right):
    ax.grid(True)
    ax.legend()
plt.tight_layout()
plt.show()

print(f"MLP test accuracy: {mlp_history['accuracy'][-1]:.3f}")
print(f"CNN test accuracy: {cnn_history['accuracy'][-1]:.3f}")

# %%
# The confusion matrix
# --------------------
#
# Row :math:`i`, column :math:`j` counts the test images of digit :math:`i` that the
# CNN read as :math:`j`; the mistakes are off the diagonal.

cnn.eval()
with torch.no_grad():
    predicted = cnn(as_images(x_test)).argmax(dim=1)

confusion = torch.zeros(10, 10, dtype=torch.long)
for true_label, predicted_label in zip(y_test, predicted):
    confusion[true_label, predicted_label] += 1

fig, ax = plt.subplots(figsize=(5.5, 5))
ax.imshow(confusion, cmap="Blues")
for i in range(10):
    for j in range(10):
        count = confusion[i, j].item()
        if count:
            ax.text(
                j,
                i,
                str(count),
                ha="center",
                va="center",
                color="white" if count > 20 else "black",
            )
ax.set(
    xticks=range(10),
    yticks=range(10),
    xlabel="predicted",
    ylabel="true",
    title="CNN on the test images",
)
plt.show()

# %%
# Sample predictions
# ------------------
#
# The first 24 test images with the CNN's answer; the wrong ones in red, with the true
# digit in brackets.

fig, axes = plt.subplots(3, 8, figsize=(8, 3.6))
for ax, image, label, guess in zip(axes.flat, x_test, y_test, predicted):
    ax.imshow(image.reshape(8, 8), cmap="gray_r")
    right = int(guess) == int(label)
    ax.set_title(
        f"{int(guess)}" if right else f"{int(guess)} ({int(label)})",
        color="black" if right else "red",
    )
    ax.axis("off")
plt.tight_layout()
plt.show()
