"""Book chapter 2 "PyTorch" (tutorials-source/000), sections 2.3 tensors and 2.4 autograd.

Every interactive example of those sections, run with ``import ember as torch``. Expected
output is what PyTorch 2.13 prints for the same code, with ``torch.`` read as ``ember.``.
A ``>>> expr`` line of the text is reproduced with ``echo(expr)``: the prompt's echo.
"""

import ember as torch
import numpy as np
import pytest
from tutorial_checks import echo, layout, printed_numbers, replay

# --- 2.3.1 creating tensors -------------------------------------------------------------


def test_2_3_1_randn(capsys):
    """Book ch.2 §2.3.1: torch.randn(2,2) makes and prints a 2x2 random float tensor."""
    x = torch.randn(2, 2)
    print(x)
    out = capsys.readouterr().out
    assert x.shape == (2, 2) and x.dtype == torch.float32
    assert layout(out) == layout("tensor([[-2.2093,  0.1976],\n        [-0.9493,  1.2901]])\n")
    np.testing.assert_allclose(printed_numbers(out), x.numpy().ravel(), rtol=1e-4, atol=6e-5)


def test_2_3_1_randn_prints_the_texts_values(monkeypatch, capsys):
    """Book ch.2 §2.3.1: given the text's random draws, randn's tensor prints as in the text."""
    replay(monkeypatch, "randn", [[-2.2093, 0.1976], [-0.9493, 1.2901]])
    x = torch.randn(2, 2)
    print(x)
    assert (
        capsys.readouterr().out
        == """\
tensor([[-2.2093,  0.1976],
        [-0.9493,  1.2901]])
"""
    )


def test_2_3_1_tensor_from_list(capsys):
    """Book ch.2 §2.3.1: torch.tensor from a nested Python list."""
    x = torch.tensor([[1, 2], [3, 4]])
    print(x)
    assert (
        capsys.readouterr().out
        == """\
tensor([[1, 2],
        [3, 4]])
"""
    )
    assert x.dtype == torch.int64


def test_2_3_1_zeros(capsys):
    """Book ch.2 §2.3.1: torch.zeros(2,2)."""
    x = torch.zeros(2, 2)
    print(x)
    assert (
        capsys.readouterr().out
        == """\
tensor([[0., 0.],
        [0., 0.]])
"""
    )


def test_2_3_1_ones_like(capsys):
    """Book ch.2 §2.3.1: torch.ones_like builds a new tensor from an existing one."""
    x = torch.zeros(2, 2)
    y = torch.ones_like(x)
    print(x)
    print(y)
    assert (
        capsys.readouterr().out
        == """\
tensor([[0., 0.],
        [0., 0.]])
tensor([[1., 1.],
        [1., 1.]])
"""
    )


def test_2_3_1_long_dtype(capsys):
    """Book ch.2 §2.3.1: torch.ones(2, 2, dtype=torch.long) makes an int64 tensor."""
    x = torch.ones(2, 2, dtype=torch.long)
    print(x)
    assert (
        capsys.readouterr().out
        == """\
tensor([[1, 1],
        [1, 1]])
"""
    )
    assert x.dtype == torch.int64


# --- 2.3.2 tensor arithmetic ------------------------------------------------------------


def test_2_3_2_add_operator(capsys):
    """Book ch.2 §2.3.2: two tensors added with +."""
    x = torch.ones(2, 2)
    y = torch.ones(2, 2)
    z = x + y
    print(z)
    assert (
        capsys.readouterr().out
        == """\
tensor([[2., 2.],
        [2., 2.]])
"""
    )


def test_2_3_2_torch_add(capsys):
    """Book ch.2 §2.3.2: two tensors added with torch.add()."""
    x = torch.ones(2, 2)
    y = torch.ones(2, 2)
    z = torch.add(x, y)
    print(z)
    assert (
        capsys.readouterr().out
        == """\
tensor([[2., 2.],
        [2., 2.]])
"""
    )


def test_2_3_2_add_in_place(capsys):
    """Book ch.2 §2.3.2: y.add_(x) adds in place and returns y."""
    x = torch.ones(2, 2)
    y = torch.ones(2, 2)
    echo(y.add_(x))
    print(y)
    assert (
        capsys.readouterr().out
        == """\
tensor([[2., 2.],
        [2., 2.]])
tensor([[2., 2.],
        [2., 2.]])
"""
    )
    assert y.add_(x) is y


def test_2_3_2_elementwise_mul(capsys):
    """Book ch.2 §2.3.2: x.mul(y) multiplies elementwise."""
    x = torch.tensor([[1, 2], [3, 4]])
    y = torch.tensor([[1, 2], [3, 4]])
    echo(x.mul(y))
    assert (
        capsys.readouterr().out
        == """\
tensor([[ 1,  4],
        [ 9, 16]])
"""
    )


def test_2_3_2_matrix_mm(capsys):
    """Book ch.2 §2.3.2: x.mm(y) is the matrix product."""
    x = torch.tensor([[1, 2], [3, 4]])
    y = torch.tensor([[1, 2], [3, 4]])
    echo(x.mm(y))
    assert (
        capsys.readouterr().out
        == """\
tensor([[ 7, 10],
        [15, 22]])
"""
    )


# --- 2.3.3 tensors and NumPy arrays -----------------------------------------------------


def test_2_3_3_tensor_to_numpy_shares_memory(capsys):
    """Book ch.2 §2.3.3 (1): a.numpy() is an ndarray that sees a.add_(1)."""
    a = torch.ones(2, 2)
    b = a.numpy()
    print(type(a))
    print(type(b))
    echo(a.add_(1))
    print(b)
    assert (
        capsys.readouterr().out
        == """\
<class 'ember.Tensor'>
<class 'numpy.ndarray'>
tensor([[2., 2.],
        [2., 2.]])
[[2. 2.]
 [2. 2.]]
"""
    )


def test_2_3_3_numpy_to_tensor_shares_memory(capsys):
    """Book ch.2 §2.3.3 (2): torch.from_numpy(a) is a tensor that sees np.add(a, 1, out=a)."""
    a = np.array([[1, 1], [1, 1]])
    b = torch.from_numpy(a)
    print(type(a))
    print(type(b))
    echo(np.add(a, 1, out=a))
    print(b)
    # NOTE: the text shows dtype=torch.int32 (NumPy's default int on Windows before NumPy 2);
    # NumPy's default int is int64 here, which prints with no dtype.
    assert (
        capsys.readouterr().out
        == """\
<class 'numpy.ndarray'>
<class 'ember.Tensor'>
array([[2, 2],
       [2, 2]])
tensor([[2, 2],
        [2, 2]])
"""
    )


# --- 2.3.4 CUDA tensors -----------------------------------------------------------------


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present: the CUDA variant runs")
def test_2_3_4_cuda_block_is_skipped_without_gpu(capsys):
    """Book ch.2 §2.3.4: with no GPU the `if torch.cuda.is_available():` block does nothing."""
    assert torch.cuda.is_available() is False
    a = torch.ones(2, 2)
    if torch.cuda.is_available():
        a_cuda = a.cuda()
        print(a_cuda)
    assert capsys.readouterr().out == ""
    assert a.device == torch.device("cpu")


# --- 2.4 autograd -----------------------------------------------------------------------


def test_2_4_requires_grad(capsys):
    """Book ch.2 §2.4: tensors made with requires_grad=True report it."""
    x = torch.ones(2, 2, requires_grad=True)
    y = torch.ones(2, 2, requires_grad=True)
    print(x.requires_grad)
    print(y.requires_grad)
    assert capsys.readouterr().out == "True\nTrue\n"


def test_2_4_1_scalar_output_backward(capsys):
    """Book ch.2 §2.4.1: z = mean(x + y); z.backward() gives dz/dx = dz/dy = 1/4."""
    x = torch.ones(2, 2, requires_grad=True)
    y = torch.ones(2, 2, requires_grad=True)
    z = x + y
    z = z.mean()
    print(z)
    z.backward()
    print(x.grad)
    print(y.grad)
    # NOTE: the text shows grad_fn=<MeanBackward1> (an older PyTorch); 2.13 prints MeanBackward0.
    assert (
        capsys.readouterr().out
        == """\
tensor(2., grad_fn=<MeanBackward0>)
tensor([[0.2500, 0.2500],
        [0.2500, 0.2500]])
tensor([[0.2500, 0.2500],
        [0.2500, 0.2500]])
"""
    )


def test_2_4_2_tensor_output_backward(capsys):
    """Book ch.2 §2.4.2: z = 2x + 3y is not a scalar, so backward gets torch.ones_like(z)."""
    x = torch.ones(2, 2, requires_grad=True)
    y = torch.ones(2, 2, requires_grad=True)

    z = 2 * x + 3 * y

    z.backward(torch.ones_like(z))

    print(x.grad)

    print(y.grad)
    assert (
        capsys.readouterr().out
        == """\
tensor([[2., 2.],
        [2., 2.]])
tensor([[3., 3.],
        [3., 3.]])
"""
    )


def test_2_4_3_no_grad(capsys):
    """Book ch.2 §2.4.3: inside `with torch.no_grad():` results do not require grad."""
    x = torch.ones(2, 2, requires_grad=True)
    print(x.requires_grad)
    print((2 * x).requires_grad)
    with torch.no_grad():
        print((2 * x).requires_grad)
    assert capsys.readouterr().out == "True\nTrue\nFalse\n"
