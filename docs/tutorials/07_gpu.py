"""
Running on a GPU
================

The texts' CUDA examples, what they do on a machine without a GPU (like the one that
built this page), and the device-agnostic way to write code that runs on both.

This page follows the book chapter's section 2.3.4 and the blitz's sections 1.1 and
1.4.
"""

# %%
# Is there a GPU?
# ---------------
#
# ember reaches NVIDIA GPUs through the ``ember-cupy`` backend plugin (see
# :doc:`/howto/installing`). ``torch.cuda.is_available()`` says whether it can use one
# here:

import ember as torch

torch.manual_seed(0)

torch.cuda.is_available()

# %%
# It is ``False`` on the machine that built this page. Unlike PyTorch, ember also says
# why, and what to do about it:

print(torch.cuda.unavailable_reason())

# %%
# ``python -m ember`` prints the same reason for every installed backend.
#
# Code guarded by the check
# -------------------------
#
# The texts guard their CUDA code with ``if torch.cuda.is_available():``, so it runs
# anywhere. The book moves a tensor to the GPU with ``.cuda()``:

a = torch.ones(2, 2)
if torch.cuda.is_available():
    a_cuda = a.cuda()
    print(a_cuda)

# %%
# Here the block is skipped and nothing is printed. The blitz uses a device object:
# ``torch.device("cuda")`` names the GPU, ``device=`` creates a tensor there, and
# ``.to()`` moves a tensor, and can change its dtype on the way.

x = torch.randn(1)

# when CUDA is available, this code runs; torch.device() decides where tensors are computed
if torch.cuda.is_available():
    device = torch.device("cuda")  # a CUDA device object
    y = torch.ones_like(x, device=device)  # create a tensor on the GPU directly
    x = x.to(device)  # or just .to("cuda")
    z = x + y
    print(z)
    print(z.to("cpu", torch.double))  # .to() can change the dtype too
print(x)

# %%
# Without the check
# -----------------
#
# Asking for a CUDA tensor on a machine without a usable GPU raises a ``RuntimeError``
# saying why CUDA is unavailable:

try:
    torch.ones(2, 2).cuda()
except RuntimeError as error:
    print("RuntimeError:", error)

# %%
# Tensors on different devices cannot be mixed in one operation either; the error
# names the operation, both devices and the fix (``.to(device)``).
#
# Writing code for both
# ---------------------
#
# The usual pattern picks the device once and creates or moves everything there. It
# runs on the GPU when there is one, and on the CPU otherwise:

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(device)

model = torch.nn.Linear(3, 1).to(device)
inputs = torch.randn(4, 3, device=device)
print(model(inputs).device)

# %%
# What it looks like on a GPU
# ---------------------------
#
# To show the output a GPU machine gives, this section borrows the CUDA device that
# ``ember-cupy``'s own tests simulate on NumPy. It is a test fixture, not a GPU, and
# not meant for real work; it runs the real ``ember-cupy`` backend code, so tensors
# print as they do on a GPU.

from ember_cupy.simulated import simulated_cuda

with simulated_cuda(devices=1):
    print(torch.cuda.is_available())
    a = torch.ones(2, 2)
    if torch.cuda.is_available():
        a_cuda = a.cuda()
        print(a_cuda)

    x = torch.tensor([0.4549])
    if torch.cuda.is_available():
        device = torch.device("cuda")
        y = torch.ones_like(x, device=device)
        x = x.to(device)
        z = x + y
        print(z)
        print(z.to("cpu", torch.double))

# %%
# The tensor on the GPU prints ``device='cuda:0'``; copied back to the CPU as float64 it
# prints its dtype instead. Outside the ``with`` block the simulated device is gone:

print(torch.cuda.is_available())
