"""
Neural networks: ``nn`` and ``optim``
=====================================

The two packages every training loop uses: ``ember.nn`` to define models and losses,
``ember.optim`` to update their parameters. The module template, printing a 4-5-3
network, losses, one training iteration, and what batches, iterations and epochs are.

This page follows the book chapter's section 2.5 and the lecture notes, with their code
as they wrote it.

.. note::

   ``import torch.nn as nn`` names a module, so it cannot go through the ``torch``
   alias: with ember it reads ``import ember.nn as nn`` (or ``from ember import nn``).
   Everything after the imports is the same as in PyTorch.
"""

# %%
# ``ember.nn``
# ------------
#
# ``nn`` is the modular interface for neural networks, built on autograd: it is used
# to define and run models. Import it:

import ember as torch
import ember.nn as nn

torch.manual_seed(0)

# %%
# A model is a class that inherits from ``nn.Module``. Its ``__init__`` creates the
# layers, its ``forward`` computes the output from the input:


class net_name(nn.Module):
    def __init__(self):
        super(net_name, self).__init__()
        self.fc = nn.Linear(1, 1)
        # other layers

    def forward(self, x):
        out = self.fc(x)
        return out


# %%
# ``net_name`` is the class name, free to choose. ``nn.Module`` is the parent of every
# model: it keeps track of the layers and their parameters, and calling the model
# calls ``forward``. ``self.fc = nn.Linear(1, 1)`` is the whole model here: one fully
# connected (linear) layer, with input and output dimension 1, which is linear
# regression. A real network defines more layers here. To use the model, create an
# object of the class:

net = net_name()
print(net)

# %%
# ``ember.optim``
# ---------------
#
# ``optim`` implements optimisation algorithms: plain gradient descent, stochastic
# gradient descent (SGD), and more refined ones.

import ember.optim as optim

# %%
# A loss function measures how far each output is from the true label. ``nn`` has
# many; the simplest, ``nn.MSELoss()``, is the mean squared error between prediction
# and truth. ``output`` is the prediction and ``target`` the truth; here a few points
# of the line :math:`y = 3x + 1`:

input = torch.randn(10, 1)
target = 3 * input + 1
output = net(input)

criterion = nn.MSELoss()
loss = criterion(output, target)
print(loss)

# %%
# ``loss.backward()`` computes the gradients during backpropagation. SGD takes one
# line: ``net.parameters()`` are the parameters to learn, ``lr`` the learning rate,
# here 0.01.

optimizer = optim.SGD(net.parameters(), lr=0.01)

# %%
# One training iteration, a forward pass and a backward pass, uses both packages. The
# gradients must be zeroed at the start of each iteration, or they accumulate over
# iterations:

optimizer.zero_grad()  # zero the gradients

output = net(input)

loss = criterion(output, target)
loss.backward()

optimizer.step()  # update the parameters

# %%
# The loss on the same data is now lower:

print(criterion(net(input), target))

# %%
# A multi-layer perceptron
# ------------------------
#
# The lecture notes sum PyTorch up in three parts: NumPy-style tensor operations,
# automatic differentiation, and high-level building blocks: layers in ``torch.nn``
# (all inheriting from ``Module``), loss functions and activations in
# ``torch.nn.functional``, optimizers in ``torch.optim``. Layers with trainable
# parameters are usually modules; parameter-free functions such as ``softmax`` or
# ``relu`` are usually called from ``functional``.
#
# Their MLP has 4 inputs, a hidden layer of 5 neurons and 3 outputs:

import ember.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.hidden = nn.Linear(4, 5)
        self.out = nn.Linear(5, 3)

    def forward(self, x):
        x = F.relu(self.hidden(x))
        x = self.out(x)
        return x


net = Net()
print(net)

# %%
# The layers' weights and biases are the model's parameters:

for name, parameter in net.named_parameters():
    print(name, parameter.shape)

# %%
# The steps of a neural network
# -----------------------------
#
# 1. Prepare the data: a training set and a test set, with labels.
# 2. Define the network structure, ``model``.
# 3. Define the loss function.
# 4. Define the optimisation algorithm, ``optimizer``.
# 5. Train:
#
#    - the forward pass computes the network's ``output`` and the ``loss``;
#    - the backward pass updates the parameters: zero the previous iteration's
#      gradients with ``optimizer.zero_grad()``, compute the gradients with
#      ``loss.backward()``, update the weights with ``optimizer.step()``;
#    - optionally, keep the training loss, the validation loss and accuracy, and print
#      them; plot how loss and accuracy change during training.
#
# 6. Test on the test set.
#
# Here is one iteration of that loop for the 4-5-3 network, classifying 8 random
# samples into 3 classes with the cross-entropy loss:

inputs = torch.randn(8, 4)
labels = torch.randint(0, 3, (8,))
optimizer = optim.SGD(net.parameters(), lr=0.1)

output = net(inputs)
loss = F.cross_entropy(output, labels)
optimizer.zero_grad()
loss.backward()
optimizer.step()
print("loss before the step:", loss.item())
print("loss after the step: ", F.cross_entropy(net(inputs), labels).item())

# %%
# Batches, iterations and epochs
# ------------------------------
#
# Gradient descent can update the parameters in two extreme ways:
#
# 1. **Batch gradient descent** computes the loss over the whole data set, then the
#    gradient of every parameter, then updates. Each update looks at every sample: it
#    is expensive and slow, and cannot learn online.
# 2. **Stochastic gradient descent** computes the loss and the gradient of one sample
#    at a time and updates after each. It is fast but converges poorly: it wanders
#    around the optimum, and consecutive updates may cancel each other out.
#
# The compromise used today is **mini-batch gradient descent**: split the data into
# batches and update once per batch. The samples of a batch decide the direction of
# the step together, so it strays less; a batch is much smaller than the data set, so
# a step is cheap. This is the ``batch_size`` that deep learning code is full of.
#
# - One **iteration** is one update of the weights: ``batch_size`` samples go forward
#   to the loss, and backpropagation updates the parameters.
# - One **epoch** is one pass over all the training data, forward and backward: the
#   number of epochs is how many times training goes through the data.
#
# With 1000 training samples and a batch size of 10, one epoch is 100 iterations. A
# ``DataLoader`` (see :doc:`05_dataloader_regression`) counts the same:

from ember.utils.data import DataLoader, TensorDataset

samples = TensorDataset(torch.randn(1000, 4), torch.randint(0, 3, (1000,)))
loader = DataLoader(samples, batch_size=10, shuffle=True)
print("iterations per epoch:", len(loader))

# %%
# When the batch size does not divide the number of samples, the last batch is
# smaller: 100 samples in batches of 16 make 7 iterations, the last one of 4 samples.

loader = DataLoader(TensorDataset(torch.randn(100, 1)), batch_size=16)
print([len(batch) for (batch,) in loader])
