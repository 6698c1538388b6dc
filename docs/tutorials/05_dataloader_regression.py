"""
Linear regression with a ``DataLoader``
=======================================

Linear regression again, now trained in mini-batches: the data goes into a
``TensorDataset``, and a ``DataLoader`` serves it in shuffled batches.

This page follows the blog post's section 9 ("a linear regression case"), with its code
as it wrote it.
"""

# %%
# The model, the loss and gradient descent
# ----------------------------------------
#
# **Linear regression** is a supervised model of a linear relation between input
# features :math:`X` and a continuous output :math:`y`:
#
# .. math::
#
#    \hat{y} = wX + b
#
# - :math:`w`, the weight (slope), sets how much each feature counts;
# - :math:`b`, the bias (intercept), shifts everything.
#
# The **goal** is the :math:`w` and :math:`b` whose predictions come closest to the
# true values.
#
# A **loss function** measures the difference between predictions and true values.
# Linear regression usually takes the mean squared error (MSE), the average of the
# squared differences over the :math:`n` samples:
#
# .. math::
#
#    L = \frac{1}{n} \sum_{i=1}^{n} (\hat{y}_i - y_i)^2
#
# **Gradient descent** finds the minimum of the loss: compute the gradient of the loss
# with respect to the parameters, step the other way, repeat. With learning rate
# :math:`\eta`:
#
# .. math::
#
#    w \leftarrow w - \eta \frac{\partial L}{\partial w}, \qquad
#    b \leftarrow b - \eta \frac{\partial L}{\partial b}, \qquad
#    \frac{\partial L}{\partial w} = \frac{2}{n} \sum_i (\hat{y}_i - y_i) x_i, \qquad
#    \frac{\partial L}{\partial b} = \frac{2}{n} \sum_i (\hat{y}_i - y_i)
#
# The learning rate sets the step: too large and training oscillates, too small and
# it crawls. The number of iterations sets how many updates there are. Together:
#
# 1. initialise :math:`w` and :math:`b` at random;
# 2. forward pass: predict :math:`\hat{y} = wX + b`;
# 3. compute the loss, the MSE;
# 4. compute the gradients of the loss with respect to :math:`w` and :math:`b`;
# 5. update :math:`w` and :math:`b` against their gradients;
# 6. repeat steps 2-5 until the loss converges or the iterations run out.
#
# A worked example: house prices
# ------------------------------
#
# Predict a price :math:`y` (in units of 10,000 yuan) from an area :math:`x` (in
# square metres), from three houses:
#
# ==========  =====
# area (m²)   price
# ==========  =====
# 80          320
# 100         400
# 120         480
# ==========  =====
#
# Assume :math:`\hat{y} = wx + b`, start from :math:`w = 3`, :math:`b = 50`, and let
# autograd do steps 2 to 5 once, with :math:`\eta = 0.0001`:

import ember as torch
import matplotlib.pyplot as plt

torch.manual_seed(0)

area = torch.tensor([80.0, 100.0, 120.0])
price = torch.tensor([320.0, 400.0, 480.0])
w = torch.tensor(3.0, requires_grad=True)
b = torch.tensor(50.0, requires_grad=True)

prediction = w * area + b  # the first house: 3 * 80 + 50 = 290
loss = ((prediction - price) ** 2).mean()
loss.backward()
print("predictions:", prediction)
print("loss:", loss)
print("gradients:", w.grad, b.grad)
with torch.no_grad():
    w -= 0.0001 * w.grad
    b -= 0.0001 * b.grad
print("updated: w =", w.item(), " b =", b.item())

# %%
# The predictions are too low, so both gradients are negative and the step raises
# :math:`w` and :math:`b`.
#
# The same with PyTorch's building blocks
# ---------------------------------------
#
# A model in PyTorch is built in four steps: prepare the training data; build the
# model; set the loss function and the optimiser; train. The data comes from
# scikit-learn's ``make_regression``: 100 samples of one feature, with noise, the
# true coefficient and a bias of 1.5.
#
# (The blog sets Matplotlib's font to SimHei to show its Chinese labels; the labels
# here are in English, so that line is left out.)

from ember import (
    nn,  # nn has the squared loss and the model
    optim,  # optim has the optimisers
)
from ember.utils.data import (
    DataLoader,  # the data loader
    TensorDataset,  # the data set object
)
from sklearn.datasets import make_regression  # a data set for linear regression


# build the data set
def create_dataset():
    x, y, coef = make_regression(
        n_samples=100,
        n_features=1,
        noise=10,
        coef=True,
        bias=1.5,
        random_state=0,
    )
    x = torch.tensor(x)
    y = torch.tensor(y)
    return x, y, coef


# the data
x, y, coef = create_dataset()
# the data set object
dataset = TensorDataset(x, y)
# the data loader
# dataset=: the data set object
# batch_size=: the number of samples in a batch
# shuffle=: whether to shuffle the samples
dataloader = DataLoader(dataset=dataset, batch_size=16, shuffle=True)
# the model
# in_features is the size of the input
# out_features is the size of the output
model = nn.Linear(in_features=1, out_features=1)

# the loss and the optimiser
# the squared loss
criterion = nn.MSELoss()
# the optimiser
optimizer = optim.SGD(params=model.parameters(), lr=1e-2)

epochs = 100
# the loss over training
loss_epoch = []
total_loss = 0.0
train_sample = 0.0
for _ in range(epochs):
    for train_x, train_y in dataloader:
        # a batch of training data through the model
        y_pred = model(train_x.type(torch.float32))
        # the loss
        loss = criterion(y_pred, train_y.reshape(-1, 1).type(torch.float32))
        total_loss += loss.item()
        train_sample += len(train_y)
        # zero the gradients
        optimizer.zero_grad()
        # automatic differentiation (backpropagation)
        loss.backward()
        # update the parameters
        optimizer.step()
    # the loss of each batch
    loss_epoch.append(total_loss / train_sample)

# %%
# 100 samples in batches of 16 make 7 batches per epoch, the last of 4 samples:

print(len(dataloader), [len(batch_y) for _, batch_y in dataloader])

# %%
# The loss over training. (The blog divides the running total of the batch losses by
# the running number of samples, so the curve falls smoothly and slowly.)

# the loss curve
plt.plot(range(epochs), loss_epoch)
plt.title("loss")
plt.grid()
plt.show()

# %%
# The trained line against the true one. ``plt.scatter`` accepts tensors directly
# (they implement ``__array__``).

# the fitted line
plt.scatter(x, y)
x = torch.linspace(x.min(), x.max(), 1000)
y1 = torch.tensor([v * model.weight + model.bias for v in x])
y2 = torch.tensor([v * coef + 1.5 for v in x])
plt.plot(x, y1, label="trained")
plt.plot(x, y2, label="true")
plt.grid()
plt.legend()
plt.show()

# %%
# The learned weight is close to the coefficient ``make_regression`` used:

print("learned:", model.weight.item(), model.bias.item())
print("true:   ", coef, 1.5)
