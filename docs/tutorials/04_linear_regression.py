"""
Linear regression
=================

A complete model, trained and checked: fitting a straight line to noisy points with
full-batch gradient descent.

This page follows the book chapter's section 2.6, with its code as it wrote it.
"""

# %%
# How linear regression works
# ---------------------------
#
# Linear regression is the simplest machine-learning algorithm, used to predict
# numbers (house prices, credit limits). It looks for the line (or plane) that best
# fits the data:
#
# .. math::
#
#    \hat{y} = w_0 + w_1 x
#
# where :math:`\hat{y}` is the prediction and :math:`w_0`, :math:`w_1` are the
# parameters to find. We want predictions as close to the true values :math:`y` as
# possible, and measure the distance with a cost function: the average of the
# per-sample losses over the training set. With the mean squared error,
#
# .. math::
#
#    J = \frac{1}{2m} \sum_{i=1}^{m} (\hat{y}_i - y_i)^2
#
# for :math:`m` samples (dividing by :math:`2m` rather than :math:`m` only makes the
# derivative of the square tidier). The smaller :math:`J`, the better the fit.
#
# Gradient descent minimises :math:`J`: at any point the function changes fastest
# along its gradient, so stepping against the gradient approaches the minimum. With
# learning rate :math:`\alpha`, every iteration updates
#
# .. math::
#
#    w_0 \leftarrow w_0 - \alpha \frac{\partial J}{\partial w_0}, \qquad
#    w_1 \leftarrow w_1 - \alpha \frac{\partial J}{\partial w_1}
#
# and after enough iterations :math:`J` approaches its minimum and the line is found.
#
# The data
# --------
#
# Fifty points on the line :math:`y = 3x + 10`, with noise from ``torch.randn()``:

import time

import ember as torch
import ember.nn as nn
import ember.optim as optim
import matplotlib.pyplot as plt

torch.manual_seed(0)

# y = 3x + 10, plus noise from torch.randn()
x = torch.unsqueeze(torch.linspace(-1, 1, 50), dim=1)
y = 3 * x + 10 + 0.5 * torch.randn(x.size())

# %%
# How the data is spread:

plt.scatter(x.numpy(), y.numpy())
plt.show()

# %%
# The model
# ---------


class LinearRegression(nn.Module):
    def __init__(self):
        super(LinearRegression, self).__init__()
        self.fc = nn.Linear(1, 1)

    def forward(self, x):
        out = self.fc(x)
        return out


model = LinearRegression()

# %%
# The loss is the mean squared error and the optimiser gradient descent:

# the loss function and the optimiser
criterion = nn.MSELoss()
optimizer = optim.SGD(model.parameters(), lr=5e-3)

# %%
# Training
# --------
#
# Each of the 1000 iterations is one pass over the whole data set: the forward pass
# computes the cost, the backward pass its gradients. The gradients are zeroed before
# each backward pass, or they would accumulate and training would not converge. Every
# 20 iterations the loss is printed.

num_epochs = 1000  # passes over the whole training set
for epoch in range(num_epochs):
    # forward
    out = model(x)  # forward pass
    loss = criterion(out, y)  # the loss
    # backward
    optimizer.zero_grad()  # zero the gradients
    loss.backward()  # backward pass
    optimizer.step()  # update the parameters

    if (epoch + 1) % 20 == 0:
        print(
            "Epoch[{}/{}], loss: {:.6f}".format(
                epoch + 1, num_epochs, loss.detach().numpy()
            )
        )

# %%
# Testing
# -------
#
# ``model.eval()`` switches the model from training to evaluation mode; then it
# predicts, and Matplotlib shows how close the fitted line is to the data.
# ``y_hat.detach()`` stops tracking gradients: training needs them, testing does not.
# (The book labels the plot in Chinese; here the labels are in English.)

model.eval()
y_hat = model(x)
plt.scatter(x.numpy(), y.numpy(), label="original data")
plt.plot(x.numpy(), y_hat.detach().numpy(), c="r", label="fitted line")
# show the legend
plt.legend()
plt.show()

# %%
# The line fits the data well. Its parameters :math:`w_1` (the weight) and
# :math:`w_0` (the bias):

list(model.named_parameters())

# %%
# They are close to the line :math:`y = 10 + 3x` the data was made from, but
# not equal to it: the noise moves the best fit, and with a learning rate of
# 0.005 the loss is still falling after 1000 iterations. The book, from its own
# random start and noise, found :math:`w_0 = 10.1136` and :math:`w_1 = 2.7447`.

# %%
# Faster with ``torch.compile``
# -----------------------------
#
# Every iteration above runs the same code on tensors of the same shapes.
# ``torch.compile`` runs such a step once while recording every array
# computation it makes, then replays the recording without the per-op cost of
# Python (see :doc:`/howto/compiling`); the results are the same, bit for bit.
# Here the model trains for another 1000 iterations, timed both ways:


def train_step():
    loss = criterion(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss


model.train()
compiled_step = torch.compile(train_step)
seconds = {}
for name, step in [("eager", train_step), ("compiled", compiled_step)]:
    start = time.perf_counter()
    for _ in range(num_epochs):
        loss = step()
    seconds[name] = time.perf_counter() - start
    print(f"{name}: {seconds[name]:.3f} s, loss {loss.item():.6f}")
print(f"speed-up: {seconds['eager'] / seconds['compiled']:.1f}x")
