"""
Tensors
=======

What ember is, and everything about tensors: creating them, dtypes and conversion,
arithmetic, math functions, indexing, changing shapes, joining, the NumPy bridge with
its shared memory, and devices.

This page follows the tensor parts of the four tutorial texts ember was built against
(a book chapter on PyTorch, section 2.3; a blog post's "PyTorch basic syntax",
sections 1-7; a translation of the official "60 minute blitz", section 1), in English
and with their code as they wrote it. Every cell below ran when this page was built:
what you see under a cell is what it printed.

.. note::

   The code says ``import ember as torch``, so it reads exactly like PyTorch code. With
   PyTorch installed, ``import torch`` runs the same lines and prints the same things,
   with ``torch.`` where ember prints ``ember.``.
"""

# %%
# What ember is
# -------------
#
# ember is a deep learning framework for Python with the PyTorch API. Like PyTorch it
# has three layers:
#
# - **Tensors**, multi-dimensional arrays in the style of NumPy's ``ndarray``, on the CPU
#   or on a GPU. Functions and methods mirror each other: ``ember.add(x, y)`` is
#   ``x.add(y)`` is ``x + y``.
# - **Automatic differentiation** (``ember.autograd``): operations on tensors record a
#   graph as they run ("define-by-run"), and ``backward()`` walks it to compute
#   gradients. The graph is rebuilt on every run, so ordinary Python control flow and
#   debugging work. See :doc:`02_autograd`.
# - **Neural-network building blocks**: layers and losses in ``ember.nn``, optimizers in
#   ``ember.optim``, data loading in ``ember.utils.data``. See :doc:`03_nn_and_optim`.
#
# Where PyTorch has one big C++ core, ember keeps its array work in *backends*,
# installed as plugins: ``ember-numpy`` computes on the CPU with NumPy, ``ember-cupy``
# on NVIDIA GPUs with CuPy. The tensor API on top is the same.
#
# Checking the installation
# -------------------------
#
# The blitz checks an installation by making a random 5x3 tensor. The numbers differ
# from run to run; we fix the random seed so this page prints the same ones on every
# build (ember draws with NumPy's generator, so they are not PyTorch's numbers either).

import ember as torch
import numpy as np

torch.manual_seed(0)
np.random.seed(0)

x = torch.rand(5, 3)
print(x)

# %%
# The book checks the installation by importing the library and printing its
# version:

print(torch.__version__)

# %%
# Whether a GPU can be used (``False`` on the machine that built these pages; see
# :doc:`07_gpu`):

torch.cuda.is_available()

# %%
# Creating tensors
# ----------------
#
# A tensor is ember's basic unit of computation, like a NumPy array, that can also live
# on a GPU. The book starts with a random 2x2 tensor:

x = torch.randn(2, 2)
print(x)

# %%
# From a Python list:

x = torch.tensor([[1, 2], [3, 4]])
print(x)

# %%
# All zeros:

x = torch.zeros(2, 2)
print(x)

# %%
# A new tensor shaped like an existing one:

x = torch.zeros(2, 2)
y = torch.ones_like(x)
print(x)
print(y)

# %%
# With a data type, here 64-bit integers ("long"):

x = torch.ones(2, 2, dtype=torch.long)
print(x)

# %%
# The blitz declares a 5x3 matrix without initialising it: ``empty`` only reserves
# memory, so the values are whatever was there before.

# create a 5x3 matrix
x = torch.empty(5, 3)
print(x)

# %%
# A randomly initialised matrix:

# a randomly initialised 5x3 matrix
rand_x = torch.rand(5, 3)
print(rand_x)

# %%
# Zeros of type long:

# a matrix of zeros, of type long
zero_x = torch.zeros(5, 3, dtype=torch.long)
print(zero_x)

# %%
# ``torch.ones`` makes a tensor of ones the same way. A tensor can also be made
# directly from values:

# the tensor [5.5, 3]
tensor1 = torch.tensor([5.5, 3])
print(tensor1)

# %%
# New tensors can be made from existing ones. They keep the existing tensor's
# properties (dtype, device) unless you give new ones. The ``new_*`` methods take a
# size:

# a new 5x3 tensor of ones, of type double
tensor2 = tensor1.new_ones(
    5, 3, dtype=torch.double
)  # new_* methods take the size
print(tensor2)

# %%
# ``randn_like`` keeps the size and, here, changes the dtype:

# change the dtype
tensor3 = torch.randn_like(tensor2, dtype=torch.float)
print("tensor3: ", tensor3)

# %%
# ``size()`` gives the size. ``ember.Size`` is a tuple, so every tuple operation works
# on it.

print(tensor3.size())

# %%
# The blog post lists the ways to create tensors: ``torch.tensor`` makes a tensor from
# given data, ``torch.Tensor`` makes one from a shape (or from data).

# 1. torch.tensor() makes a tensor from the given data
# a 0-dimensional tensor: a scalar
print(torch.tensor(10))
# a 1-dimensional tensor: a vector
print(torch.tensor([10, 10]))
# a 2-dimensional tensor: a matrix
print(torch.tensor([[10, 10], [10, 10], [10, 10]]))
# more dimensions
print(torch.tensor([[[10, 10], [10, 10], [10, 10]]]))

# a NumPy array: its dtype is float64, so the tensor's is too
data_np = np.random.rand(2, 3)
print(data_np)
print(torch.tensor(data_np))

data = [[10.0, 20, 30], [20, 30, 40]]
print(data)
print(torch.tensor(data))

# %%
# ``torch.Tensor(2, 3)`` makes an uninitialised 2x3 tensor of the default dtype
# (float32); given a list, it makes a tensor of those values:

# 2. torch.Tensor() makes a tensor of the given shape, or of the given data
# 2 rows and 3 columns, dtype float32 by default
data = torch.Tensor(2, 3)
print(data)
# note: given a list, it makes a tensor holding those elements
print(torch.Tensor([2]))
print(torch.Tensor([[2, 3, 4], [5, 6, 7]]))

# %%
# Ranges and random tensors: ``arange`` steps through ``[start, end)``, ``linspace``
# spaces a number of points over ``[start, end]``, ``randn`` draws from the standard
# normal distribution.

# 1. elements from start to end by step: [start, end, step)
data = torch.arange(0, 10, 2)
print(data)
# 2. a number of elements from start to end: [start, end, num]
data = torch.linspace(0, 11, 10)
print(data)

# random tensors: 2 rows, 3 columns
data = torch.randn(2, 3)
print(data)

# %%
# Tensors of zeros, of ones, and of one given value:

# 1. all zeros
data = torch.zeros(2, 3)
print(data)
# 2. all ones
data = torch.ones(2, 3)
print(data)
# 3. all the given value
data = torch.full([2, 3], 10)
print(data)

# %%
# Data types and conversion
# -------------------------
#
# ``type()`` with a legacy tensor type, or the short methods ``double()``, ``int()``,
# ``long()``, ``float()``, convert a tensor's elements to another type:

data = torch.full([2, 3], 10)
print(data.dtype)
# convert the elements to float64
data = data.type(torch.DoubleTensor)
print(data.dtype)
# to other types
data = data.type(torch.IntTensor)
data = data.type(torch.LongTensor)
data = data.type(torch.FloatTensor)

data = torch.full([2, 3], 10)
print(data.dtype)
# convert the elements to float64
data = data.double()
print(data.dtype)
# to other types
data = data.int()
data = data.long()
data = data.float()

# %%
# A one-element tensor gives its value as a Python number with ``item()``:

data = torch.tensor([30])
print(data.item())
data = torch.tensor(30)
print(data.item())

# %%
# Arithmetic
# ----------
#
# Tensor arithmetic works like NumPy's. Two tensors added:

x = torch.ones(2, 2)
y = torch.ones(2, 2)
z = x + y
print(z)

# %%
# The same with ``torch.add()``:

x = torch.ones(2, 2)
y = torch.ones(2, 2)
z = torch.add(x, y)
print(z)

# %%
# ``add_()`` adds in place, replacing the tensor's values. Methods that change their
# tensor end in an underscore, like ``x.copy_(y)`` or ``x.t_()``.

x = torch.ones(2, 2)
y = torch.ones(2, 2)
y.add_(x)

# %%

print(y)

# %%
# There are two kinds of multiplication. Element by element:

x = torch.tensor([[1, 2], [3, 4]])
y = torch.tensor([[1, 2], [3, 4]])
x.mul(y)

# %%
# And the matrix product, the more common one:

x = torch.tensor([[1, 2], [3, 4]])
y = torch.tensor([[1, 2], [3, 4]])
x.mm(y)

# %%
# The blitz shows the ways to add: the ``+`` operator, ``torch.add`` (optionally into
# an ``out`` tensor), and the in-place ``add_``.

tensor4 = torch.rand(5, 3)
print("tensor3 + tensor4= ", tensor3 + tensor4)
print("tensor3 + tensor4= ", torch.add(tensor3, tensor4))
# a new tensor to hold the result
result = torch.empty(5, 3)
torch.add(tensor3, tensor4, out=result)
print("add result= ", result)
# change tensor3 itself
tensor3.add_(tensor4)
print("tensor3= ", tensor3)

# %%
# The blog post's basic operations: ``add``, ``sub``, ``mul``, ``div``, ``neg`` return
# new tensors; ``add_``, ``sub_``, ``mul_``, ``div_``, ``neg_`` change the tensor.

data = torch.randint(0, 10, [2, 3])
print(data)
# 1. the data is not changed
new_data = data.add(10)  # same as new_data = data + 10
print(new_data)
# 2. the data is changed: functions ending in an underscore change their tensor
data.add_(10)  # same as data += 10
print(data)
# 3. other functions
print(data.sub(100))
print(data.mul(100))
print(data.div(100))
print(data.neg())

# %%
# The element-wise (Hadamard) product multiplies the elements at the same positions,
# with ``mul`` or the operator ``*``:

data1 = torch.tensor([[1, 2], [3, 4]])
data2 = torch.tensor([[5, 6], [7, 8]])
# first way
data = torch.mul(data1, data2)
print(data)
# second way
data = data1 * data2
print(data)

# %%
# The matrix product of shapes ``(n, m)`` and ``(m, p)`` has shape ``(n, p)``. The
# operator ``@`` computes it, and so does ``torch.matmul``, which also accepts other
# shapes as long as their dimensions follow the rules of matrix multiplication.

data1 = torch.tensor([[1, 2], [3, 4], [5, 6]])
data2 = torch.tensor([[5, 6], [7, 8]])
# first way
data3 = data1 @ data2
print("data3-->", data3)
# second way
data4 = torch.matmul(data1, data2)
print("data4-->", data4)

# %%
# Math functions
# --------------
#
# Sums, means, square roots, powers, exponentials and logarithms. ``mean`` needs a
# floating-point tensor (float or double).

data = torch.randint(0, 10, [2, 3], dtype=torch.float64)
print(data)
# 1. the mean
print(data.mean())
# 2. the sum
print(data.sum())
# 3. the square
print(torch.pow(data, 2))
# 4. the square root
print(data.sqrt())
# 5. the exponential, e to the n
print(data.exp())
# 6. logarithms
print(data.log())  # base e
print(data.log2())
print(data.log10())

# %%
# Indexing
# --------
#
# Indexing picks elements out of a tensor, as in NumPy. Rows and columns:

data = torch.randint(0, 10, [4, 5])
print(data)

print(data[0])
print(data[:, 0])

# %%
# Lists of indices: the elements at (0, 1) and (1, 2); then rows 0 and 1 of columns
# 1 and 2, four elements:

print(data[[0, 1], [1, 2]])
print(data[[[0], [1]], [1, 2]])

# %%
# Ranges: the first two columns of the first three rows; the first two columns from
# the third row on:

print(data[:3, :2])
print(data[2:, :2])

# %%
# More dimensions: the first element along each axis in turn:

data = torch.randint(0, 10, [3, 4, 5])
print(data)
# the first element along axis 0
print(data[0, :, :])
# along axis 1
print(data[:, 0, :])
# along axis 2
print(data[:, :, 0])

# %%
# The blitz takes the first column of ``tensor3``:

print(tensor3[:, 0])

# %%
# Shapes
# ------
#
# ``reshape`` changes the shape while keeping the data. ``shape`` and ``size()`` both
# give the shape (the blog prints ``size`` without calling it, which shows the method
# itself).

data = torch.tensor([[10, 20, 30], [40, 50, 60]])
# 1. the shape attribute, or the size method
print(data.shape)
print(data.size)
# 2. reshape
new_data = data.reshape(1, 6)
print(new_data)
print(new_data.shape)

# %%
# ``squeeze`` removes dimensions of size 1, ``unsqueeze`` adds one:

mydata1 = torch.tensor([1, 2, 3, 4, 5])
print("mydata1--->", mydata1.shape, mydata1)  # a plain 1-dimensional tensor
mydata2 = mydata1.unsqueeze(dim=0)
print("a new dimension 0:", mydata2, mydata2.shape)  # 1*5
mydata3 = mydata1.unsqueeze(dim=1)
print("a new dimension 1:", mydata3, mydata3.shape)  # 5*1
mydata4 = mydata1.unsqueeze(dim=-1)
print("a new dimension -1:", mydata4, mydata4.shape)  # 5*1
mydata5 = mydata4.squeeze()
print("squeezed:", mydata5, mydata5.shape)  # 1*5

# %%
# ``transpose`` swaps two dimensions, so a ``(3, 4, 5)`` tensor can become
# ``(3, 5, 4)``; ``permute`` reorders all of them at once.

data = torch.tensor(np.random.randint(0, 10, [3, 4, 5]))
print(data)
print("data shape:", data.size())
# 1. swap dimensions 1 and 2
mydata2 = torch.transpose(data, 1, 2)
print("mydata2.shape--->", mydata2.shape)
# 2. to (4, 5, 3) with transpose takes two steps
mydata3 = torch.transpose(data, 0, 1)
mydata4 = torch.transpose(mydata3, 1, 2)
print("mydata4.shape--->", mydata4.shape)
# 3. permute does it in one
# 3-1 the function
mydata5 = torch.permute(data, [1, 2, 0])
print("mydata5.shape--->", mydata5.shape)
# 3-2 the method
mydata6 = data.permute([1, 2, 0])
print("mydata6.shape--->", mydata6.shape)

# %%
# ``view`` changes the shape too, but only of a tensor stored in one contiguous block
# of memory (``is_contiguous()``); a transposed tensor is not, and needs
# ``contiguous()`` first.

data = torch.tensor([[10, 20, 30], [40, 50, 60]])
print("data--->", data, data.shape)
# 1. is the tensor in one block of memory?
print(data.is_contiguous())  # True
# 2. view
mydata2 = data.view(3, 2)
print("mydata2--->", mydata2, mydata2.shape)

# %%
# The blitz's ``view``, where ``-1`` stands for "whatever the other dimensions leave":

x = torch.randn(4, 4)
y = x.view(16)
# -1: the size that the other dimensions leave
z = x.view(-1, 8)
print(x.size(), y.size(), z.size())

# %%
# And ``item()`` on a one-element tensor:

x = torch.randn(1)
print(x)
print(x.item())

# %%
# Joining tensors
# ---------------
#
# ``torch.cat`` joins tensors along an existing dimension; the number of dimensions
# stays the same.

data1 = torch.randint(0, 10, [1, 2, 3])
data2 = torch.randint(0, 10, [1, 2, 3])
print(data1)
print(data2)
# 1. along dimension 0
new_data = torch.cat([data1, data2], dim=0)
print(new_data.shape)
# 2. along dimension 1
new_data = torch.cat([data1, data2], dim=1)
print(new_data.shape)
# 3. along dimension 2
new_data = torch.cat([data1, data2], dim=2)
print(new_data.shape)

# %%
# Tensors and NumPy arrays
# ------------------------
#
# A tensor on the CPU and the NumPy array made from it share their memory: change one
# and the other changes too. ``numpy()`` turns a tensor into an array:

a = torch.ones(2, 2)
b = a.numpy()
print(type(a))
print(type(b))

# %%
# Changing the tensor in place changes the array:

a.add_(1)

# %%

print(b)

# %%
# ``torch.from_numpy()`` turns an array into a tensor, sharing its memory the same way:

a = np.array([[1, 1], [1, 1]])
b = torch.from_numpy(a)
print(type(a))
print(type(b))

# %%
# Changing the array changes the tensor:

np.add(a, 1, out=a)

# %%
# The book, written on Windows, shows ``dtype=torch.int32`` here: NumPy's default
# integer there is 32-bit. On Linux and macOS it is 64-bit, which is ember's default
# integer type too, so no dtype is printed.

print(b)

# %%
# The blitz does the same with one-dimensional tensors:

a = torch.ones(5)
print(a)
b = a.numpy()
print(b)

# %%

a.add_(1)
print(a)
print(b)

# %%

a = np.ones(5)
b = torch.from_numpy(a)
np.add(a, 1, out=a)
print(a)
print(b)

# %%
# The blog post converts both ways, and with ``torch.tensor(ndarray)``, which copies
# instead of sharing:

# 1. tensor to NumPy array
data_tensor = torch.tensor([2, 3, 4])
data_numpy = data_tensor.numpy()
print(type(data_tensor))
print(type(data_numpy))
print(data_numpy)

# NumPy array to tensor, 1: from_numpy shares the memory
data_numpy = np.array([2, 3, 4])
data_tensor = torch.from_numpy(data_numpy)
print(data_tensor)
print(data_numpy)

# 2: torch.tensor(ndarray) copies
data_numpy = np.array([2, 3, 4])
data_tensor = torch.tensor(data_numpy)
print(data_tensor)
print(data_numpy)

# %%
# Devices
# -------
#
# New tensors live on the CPU. With a GPU and the CUDA backend (``ember-cupy``), a
# tensor moves there with ``.cuda()`` or ``.to(device)``, and prints
# ``device='cuda:0'``. The check keeps this code runnable anywhere:

a = torch.ones(2, 2)
if torch.cuda.is_available():
    a_cuda = a.cuda()
    print(a_cuda)
print(a.device)

# %%
# :doc:`07_gpu` runs the CUDA examples of the texts and shows what happens on a
# machine without a GPU.
