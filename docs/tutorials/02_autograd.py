"""
Automatic differentiation
=========================

Gradients of scalar outputs, vector-Jacobian products for tensor outputs, ``grad_fn``
and the recorded graph, turning recording off with ``no_grad``, and ``detach``.

This page follows the book chapter's section 2.4, the blitz's section 2 and the blog
post's section 8, with their code as they wrote it.

.. note::

   ``import ember as torch`` makes the code read exactly like PyTorch code; with PyTorch
   installed, ``import torch`` runs the same lines.
"""

# %%
# Tensors that record what is done to them
# ----------------------------------------
#
# Training a network means computing how the loss changes with each weight, its
# gradient, usually by backpropagation. ``ember.autograd`` does that for every
# operation on tensors, so you never derive gradients by hand.
#
# A tensor records the operations done to it when its ``requires_grad`` is ``True``.
# New tensors do not record by default; ask for it when creating the tensor:

import ember as torch

torch.manual_seed(0)

x = torch.ones(2, 2, requires_grad=True)
y = torch.ones(2, 2, requires_grad=True)
print(x.requires_grad)
print(y.requires_grad)

# %%
# Scalar outputs
# --------------
#
# Take :math:`z = \frac{1}{4}\sum_i (x_i + y_i)`:

z = x + y
z = z.mean()
print(z)

# %%
# A tensor computed by an operation has a ``grad_fn``: the function that made it,
# which knows how to pass gradients back to its inputs. (The book, written for an
# older PyTorch, shows ``MeanBackward1``; PyTorch 2 and ember print
# ``MeanBackward0``.)
#
# To get :math:`\partial z / \partial x` and :math:`\partial z / \partial y`, call
# ``backward()`` on ``z``:

z.backward()

# %%
# The gradients are now in ``x.grad`` and ``y.grad``: each element contributes a
# quarter of the mean.

print(x.grad)
print(y.grad)

# %%
# Tensor outputs
# --------------
#
# When ``z`` is not a scalar, ``backward()`` needs a tensor of the same size as ``z``,
# the vector it multiplies the Jacobian with. ``ones_like(z)`` asks for the gradient of
# the sum of ``z``:

x = torch.ones(2, 2, requires_grad=True)
y = torch.ones(2, 2, requires_grad=True)

z = 2 * x + 3 * y

z.backward(torch.ones_like(z))

print(x.grad)

print(y.grad)

# %%
# Turning recording off
# ---------------------
#
# Inside ``with torch.no_grad():`` nothing is recorded, even for tensors that require
# gradients. Testing a model's accuracy is the usual place for it.

print(x.requires_grad)
print((2 * x).requires_grad)
with torch.no_grad():
    print((2 * x).requires_grad)

# %%
# The graph, step by step
# -----------------------
#
# The blitz looks closer. ember builds the graph while the code runs
# ("define-by-run"), so each iteration can differ. A tensor that tracks its history:

x = torch.ones(2, 2, requires_grad=True)
print(x)

# %%
# An operation on it:

y = x + 2
print(y)

# %%
# ``y`` was made by an operation, so it has a ``grad_fn``. Tensors made by the user
# have ``grad_fn=None``.

print(y.grad_fn)

# %%
# More operations:

z = y * y * 3
out = z.mean()

print("z=", z)
print("out=", out)

# %%
# ``requires_grad_(True)`` switches recording on for an existing tensor (the trailing
# underscore: it changes the tensor itself):

a = torch.randn(2, 2)
a = (a * 3) / (a - 1)
print(a.requires_grad)
a.requires_grad_(True)
print(a.requires_grad)
b = (a * a).sum()
print(b.grad_fn)

# %%
# Gradients
# ---------
#
# ``out`` is a scalar, so ``out.backward()`` means ``out.backward(torch.tensor(1.))``:

out.backward()
# the gradient d(out)/dx
print(x.grad)

# %%
# Every element is 4.5. With :math:`o` for ``out``:
#
# .. math::
#
#    o = \frac{1}{4}\sum_i z_i, \qquad z_i = 3(x_i + 2)^2, \qquad z_i\big|_{x_i=1} = 27,
#
# so
#
# .. math::
#
#    \frac{\partial o}{\partial x_i} = \frac{3}{2}(x_i + 2), \qquad
#    \frac{\partial o}{\partial x_i}\bigg|_{x_i=1} = \frac{9}{2} = 4.5.
#
# Vector-Jacobian products
# ------------------------
#
# For a vector-valued function :math:`\vec{y} = f(\vec{x})` the gradient is the
# Jacobian matrix
#
# .. math::
#
#    J = \begin{pmatrix}
#        \frac{\partial y_1}{\partial x_1} & \cdots & \frac{\partial y_1}{\partial x_n} \\
#        \vdots & \ddots & \vdots \\
#        \frac{\partial y_m}{\partial x_1} & \cdots & \frac{\partial y_m}{\partial x_n}
#        \end{pmatrix}
#
# and autograd is an engine for computing vector-Jacobian products
# :math:`v^\top J` without ever forming :math:`J`. Here ``y`` is not a scalar:

x = torch.randn(3, requires_grad=True)

y = x * 2
while y.data.norm() < 1000:
    y = y * 2

print(y)

# %%
# Passing a vector to ``backward()`` gives the vector-Jacobian product. ``y`` is
# ``x`` times a power of two, so the gradient is that power of two times ``v``:

v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
y.backward(v)

print(x.grad)

# %%
# And ``no_grad`` again:

print(x.requires_grad)
print((x**2).requires_grad)

with torch.no_grad():
    print((x**2).requires_grad)

# %%
# Detaching
# ---------
#
# ``detach()`` returns the same values as a new tensor outside the graph: no
# ``grad_fn``, no gradient flowing back through it. Use it to keep a result (to plot
# it, or to turn it into a NumPy array) without keeping its history.

y = x * 2
d = y.detach()
print(y.requires_grad, d.requires_grad, d.grad_fn)
print(d.numpy())

# %%
# The gradients of a loss
# -----------------------
#
# The blog post computes the gradients of a mean squared error loss with respect to a
# weight and a bias, first with scalars:


def test01():
    x = torch.tensor(5)
    # the target
    y = torch.tensor(0.0)
    # the initial weight and bias, to be updated
    w = torch.tensor(1.0, requires_grad=True, dtype=torch.float32)
    b = torch.tensor(3.0, requires_grad=True, dtype=torch.float32)
    # the output
    z = x * w + b
    # the loss function, and the loss
    loss = torch.nn.MSELoss()
    loss = loss(z, y)
    # automatic differentiation
    loss.backward()
    # print the gradients of w and b
    # backward stores them in each tensor's grad attribute
    print("gradient of W:", w.grad)
    print("gradient of b", b.grad)


test01()

# %%
# :math:`z = 5 \cdot 1 + 3 = 8` and the loss is :math:`(z - 0)^2`, so its gradient is
# :math:`2z \cdot 5 = 80` for ``w`` and :math:`2z = 16` for ``b``. Then with matrices,
# a 2x5 input and a 5x3 weight:


def test02():
    # the input, 2*5
    x = torch.ones(2, 5)
    # the target, 2*3
    y = torch.zeros(2, 3)
    # the initial weight and bias, to be updated
    w = torch.randn(5, 3, requires_grad=True)
    b = torch.randn(3, requires_grad=True)
    # the output
    z = torch.matmul(x, w) + b  # a matrix product
    # the loss function, and the loss
    loss = torch.nn.MSELoss()
    loss = loss(z, y)
    # automatic differentiation
    loss.backward()
    # print the gradients of w and b
    # backward stores them in each tensor's grad attribute
    print("gradient of W:", w.grad)
    print("gradient of b", b.grad)


test02()
