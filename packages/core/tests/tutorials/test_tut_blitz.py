""" "60 minute blitz" part 1, Chinese translation (tutorials-source/003): tensors and autograd.

Each code block, run with ``import ember as torch``; the text's comments are kept. Expected
output is what PyTorch 2.13 prints for the same code (``torch.`` read as ``ember.``), which
differs from the text where the text shows an older PyTorch (``AddBackward`` and
``MeanBackward1`` are ``AddBackward0`` and ``MeanBackward0`` now). Random blocks are checked
as written against NumPy and PyTorch's layout, and again with the random draws replaced by
the values the text printed, against PyTorch's exact text.
"""

import re

import ember as torch
import numpy as np
import pytest
from tutorial_checks import NODE, assert_prints, echo, replay

# The random values the text printed, used as replayed draws.
TEXT_RAND_1_1 = [
    [0.3380, 0.3845, 0.3217],
    [0.8337, 0.9050, 0.2650],
    [0.2979, 0.7141, 0.9069],
    [0.1449, 0.1132, 0.1375],
    [0.4675, 0.3947, 0.1426],
]
TEXT_RAND_1_2_1 = [
    [0.4311, 0.2798, 0.8444],
    [0.0829, 0.9029, 0.8463],
    [0.7139, 0.4225, 0.5623],
    [0.7642, 0.0329, 0.8816],
    [1.0000, 0.9830, 0.9256],
]
TEXT_TENSOR3 = [
    [-0.4491, -0.2634, -0.0040],
    [-0.1624, 0.4475, -0.8407],
    [-0.6539, -1.2772, 0.6060],
    [0.2304, 0.0879, -0.3876],
    [1.2900, -0.7475, -1.8212],
]
TEXT_SUM = [
    [0.1000, 0.1325, 0.0461],
    [0.4731, 0.4523, -0.7517],
    [0.2995, -0.9576, 1.4906],
    [1.0461, 0.7557, -0.0187],
    [2.2446, -0.3473, -1.0873],
]
# tensor4 is not printed; the text's sums give it back.
TEXT_TENSOR4 = (np.float32(TEXT_SUM) - np.float32(TEXT_TENSOR3)).tolist()


# --- 1.1 installation check -------------------------------------------------------------


def test_1_1_install_check_rand(capsys):
    """Blitz §1.1: torch.rand(5, 3) prints a 5x3 tensor of values in [0, 1)."""
    x = torch.rand(5, 3)
    print(x)
    v = x.numpy()
    assert x.shape == (5, 3) and x.dtype == torch.float32
    assert v.min() >= 0 and v.max() < 1
    assert_prints(capsys.readouterr().out, RAND_5x3, v)


def test_1_1_install_check_rand_prints_like_pytorch(monkeypatch, capsys):
    """Blitz §1.1: torch.rand(5, 3) printed, on the text's draw."""
    replay(monkeypatch, "rand", TEXT_RAND_1_1)
    x = torch.rand(5, 3)
    print(x)
    assert capsys.readouterr().out == RAND_5x3


RAND_5x3 = """\
tensor([[0.3380, 0.3845, 0.3217],
        [0.8337, 0.9050, 0.2650],
        [0.2979, 0.7141, 0.9069],
        [0.1449, 0.1132, 0.1375],
        [0.4675, 0.3947, 0.1426]])
"""  # output of test_1_1_install_check_rand_prints_like_pytorch#0


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")
def test_1_1_cuda_is_available(capsys):
    """Blitz §1.1: torch.cuda.is_available() answers False with no GPU."""
    echo(torch.cuda.is_available())
    assert capsys.readouterr().out == "False\n"


# --- 1.2.1 declaring tensors ------------------------------------------------------------


def test_1_2_1_empty(capsys):
    """Blitz §1.2.1: torch.empty(5, 3) is an uninitialized 5x3 float tensor."""
    # 创建一个 5*3 的矩阵
    x = torch.empty(5, 3)
    print(x)
    assert x.shape == (5, 3) and x.dtype == torch.float32
    row = r"\[([^,\]]+, ){2}[^,\]]+\]"
    rows = ",\n {8}".join([row] * 5)
    assert re.fullmatch(rf"tensor\(\[{rows}\]\)\n", capsys.readouterr().out)


def test_1_2_1_rand(capsys):
    """Blitz §1.2.1: torch.rand(5, 3) is a random 5x3 tensor of values in [0, 1)."""
    # 创建一个随机初始化的 5*3 矩阵
    rand_x = torch.rand(5, 3)
    print(rand_x)
    v = rand_x.numpy()
    assert v.min() >= 0 and v.max() < 1
    assert_prints(capsys.readouterr().out, RAND_5x3, v)


def test_1_2_1_rand_prints_like_pytorch(monkeypatch, capsys):
    """Blitz §1.2.1: torch.rand(5, 3) printed, on the text's draw."""
    replay(monkeypatch, "rand", TEXT_RAND_1_2_1)
    rand_x = torch.rand(5, 3)
    print(rand_x)
    assert (
        capsys.readouterr().out
        == """\
tensor([[0.4311, 0.2798, 0.8444],
        [0.0829, 0.9029, 0.8463],
        [0.7139, 0.4225, 0.5623],
        [0.7642, 0.0329, 0.8816],
        [1.0000, 0.9830, 0.9256]])
"""
    )


def test_1_2_1_zeros_long(capsys):
    """Blitz §1.2.1: torch.zeros(5, 3, dtype=torch.long)."""
    # 创建一个数值皆是 0，类型为 long 的矩阵
    zero_x = torch.zeros(5, 3, dtype=torch.long)
    print(zero_x)
    assert (
        capsys.readouterr().out
        == """\
tensor([[0, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
        [0, 0, 0]])
"""
    )


def test_1_2_1_tensor_from_data(capsys):
    """Blitz §1.2.1: torch.tensor([5.5, 3])."""
    # tensor 数值是 [5.5, 3]
    tensor1 = torch.tensor([5.5, 3])
    print(tensor1)
    assert (
        capsys.readouterr().out
        == """\
tensor([5.5000, 3.0000])
"""
    )


def test_1_2_1_new_ones(capsys):
    """Blitz §1.2.1: tensor1.new_ones(5, 3, dtype=torch.double)."""
    tensor1 = torch.tensor([5.5, 3])
    # 显示定义新的尺寸是 5*3，数值类型是 torch.double
    tensor2 = tensor1.new_ones(5, 3, dtype=torch.double)  # new_* 方法需要输入 tensor 大小
    print(tensor2)
    assert (
        capsys.readouterr().out
        == """\
tensor([[1., 1., 1.],
        [1., 1., 1.],
        [1., 1., 1.],
        [1., 1., 1.],
        [1., 1., 1.]], dtype=ember.float64)
"""
    )


def test_1_2_1_randn_like_and_size(capsys):
    """Blitz §1.2.1: torch.randn_like(tensor2, dtype=torch.float) keeps the size; .size()."""
    tensor1 = torch.tensor([5.5, 3])
    tensor2 = tensor1.new_ones(5, 3, dtype=torch.double)
    # 修改数值类型
    tensor3 = torch.randn_like(tensor2, dtype=torch.float)
    print("tensor3: ", tensor3)
    assert tensor3.dtype == torch.float32
    assert_prints(capsys.readouterr().out, TENSOR3, tensor3.numpy())
    print(tensor3.size())
    # 输出: torch.Size([5, 3])
    assert capsys.readouterr().out == "ember.Size([5, 3])\n"
    assert isinstance(tensor3.size(), tuple) and tensor3.size() == (5, 3)


def test_1_2_1_randn_like_prints_like_pytorch(monkeypatch, capsys):
    """Blitz §1.2.1: tensor3 printed, on the text's draw."""
    replay(monkeypatch, "randn_like", TEXT_TENSOR3)
    tensor1 = torch.tensor([5.5, 3])
    tensor2 = tensor1.new_ones(5, 3, dtype=torch.double)
    tensor3 = torch.randn_like(tensor2, dtype=torch.float)
    print("tensor3: ", tensor3)
    assert capsys.readouterr().out == TENSOR3


TENSOR3 = """\
tensor3:  tensor([[-0.4491, -0.2634, -0.0040],
        [-0.1624,  0.4475, -0.8407],
        [-0.6539, -1.2772,  0.6060],
        [ 0.2304,  0.0879, -0.3876],
        [ 1.2900, -0.7475, -1.8212]])
"""  # output of test_1_2_1_randn_like_prints_like_pytorch#0


# --- 1.2.2 operations -------------------------------------------------------------------


def operations(tensor3):
    """The text's §1.2.2 addition block, given its tensor3."""
    tensor4 = torch.rand(5, 3)
    print("tensor3 + tensor4= ", tensor3 + tensor4)
    print("tensor3 + tensor4= ", torch.add(tensor3, tensor4))
    # 新声明一个 tensor 变量保存加法操作的结果
    result = torch.empty(5, 3)
    torch.add(tensor3, tensor4, out=result)
    print("add result= ", result)
    # 直接修改变量
    tensor3.add_(tensor4)
    print("tensor3= ", tensor3)
    return tensor4, result


def test_1_2_2_addition(capsys):
    """Blitz §1.2.2: +, torch.add, torch.add(out=) and add_ give the same sum."""
    tensor3 = torch.randn_like(torch.ones(5, 3, dtype=torch.double), dtype=torch.float)
    before = tensor3.numpy().copy()
    tensor4, result = operations(tensor3)
    total = before + tensor4.numpy()
    assert np.allclose(result.numpy(), total) and np.allclose(tensor3.numpy(), total)
    assert_prints(capsys.readouterr().out, ADDITION, total, total, total, total)


def test_1_2_2_addition_prints_like_pytorch(monkeypatch, capsys):
    """Blitz §1.2.2: the addition block's printed text, on the text's draws."""
    replay(monkeypatch, "rand", TEXT_TENSOR4)
    operations(torch.tensor(TEXT_TENSOR3))
    assert capsys.readouterr().out == ADDITION


ADDITION = """\
tensor3 + tensor4=  tensor([[ 0.1000,  0.1325,  0.0461],
        [ 0.4731,  0.4523, -0.7517],
        [ 0.2995, -0.9576,  1.4906],
        [ 1.0461,  0.7557, -0.0187],
        [ 2.2446, -0.3473, -1.0873]])
tensor3 + tensor4=  tensor([[ 0.1000,  0.1325,  0.0461],
        [ 0.4731,  0.4523, -0.7517],
        [ 0.2995, -0.9576,  1.4906],
        [ 1.0461,  0.7557, -0.0187],
        [ 2.2446, -0.3473, -1.0873]])
add result=  tensor([[ 0.1000,  0.1325,  0.0461],
        [ 0.4731,  0.4523, -0.7517],
        [ 0.2995, -0.9576,  1.4906],
        [ 1.0461,  0.7557, -0.0187],
        [ 2.2446, -0.3473, -1.0873]])
tensor3=  tensor([[ 0.1000,  0.1325,  0.0461],
        [ 0.4731,  0.4523, -0.7517],
        [ 0.2995, -0.9576,  1.4906],
        [ 1.0461,  0.7557, -0.0187],
        [ 2.2446, -0.3473, -1.0873]])
"""  # output of test_1_2_2_addition_prints_like_pytorch#0


def test_1_2_2_index_column(capsys):
    """Blitz §1.2.2: tensor3[:, 0] is the first column."""
    tensor3 = torch.tensor(TEXT_SUM)
    # 访问 tensor3 第一列数据
    print(tensor3[:, 0])
    assert (
        capsys.readouterr().out
        == """\
tensor([0.1000, 0.4731, 0.2995, 1.0461, 2.2446])
"""
    )


def test_1_2_2_view(capsys):
    """Blitz §1.2.2: x.view(16) and x.view(-1, 8) of a 4x4 tensor."""
    x = torch.randn(4, 4)
    y = x.view(16)
    # -1 表示除给定维度外的其余维度的乘积
    z = x.view(-1, 8)
    print(x.size(), y.size(), z.size())
    assert (
        capsys.readouterr().out
        == """\
ember.Size([4, 4]) ember.Size([16]) ember.Size([2, 8])
"""
    )
    assert np.array_equal(y.numpy(), x.numpy().reshape(16))
    assert np.array_equal(z.numpy(), x.numpy().reshape(2, 8))


def test_1_2_2_item(capsys):
    """Blitz §1.2.2: x.item() of a one-element tensor is a Python float."""
    x = torch.randn(1)
    print(x)
    print(x.item())
    out = capsys.readouterr().out
    assert type(x.item()) is float and x.item() == float(x.numpy()[0])
    printed, item = out.splitlines()
    assert_prints(printed + "\n", "tensor([0.4549])\n", x.numpy())
    assert item == repr(x.item())


def test_1_2_2_item_prints_like_pytorch(monkeypatch, capsys):
    """Blitz §1.2.2: x and x.item() printed, on the text's draw."""
    replay(monkeypatch, "randn", [0.4549027979373932])
    x = torch.randn(1)
    print(x)
    print(x.item())
    assert (
        capsys.readouterr().out
        == """\
tensor([0.4549])
0.4549027979373932
"""
    )


# --- 1.3 NumPy bridge -------------------------------------------------------------------


def test_1_3_1_tensor_to_numpy(capsys):
    """Blitz §1.3.1: a.numpy() shares memory with a, so a.add_(1) shows in b."""
    a = torch.ones(5)
    print(a)
    b = a.numpy()
    print(b)
    a.add_(1)
    print(a)
    print(b)
    assert (
        capsys.readouterr().out
        == """\
tensor([1., 1., 1., 1., 1.])
[1. 1. 1. 1. 1.]
tensor([2., 2., 2., 2., 2.])
[2. 2. 2. 2. 2.]
"""
    )


def test_1_3_2_numpy_to_tensor(capsys):
    """Blitz §1.3.2: torch.from_numpy(a) shares memory, so np.add(a, 1, out=a) shows in b."""
    a = np.ones(5)
    b = torch.from_numpy(a)
    np.add(a, 1, out=a)
    print(a)
    print(b)
    assert (
        capsys.readouterr().out
        == """\
[2. 2. 2. 2. 2.]
tensor([2., 2., 2., 2., 2.], dtype=ember.float64)
"""
    )


# --- 1.4 CUDA tensors -------------------------------------------------------------------


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present: the CUDA variant runs")
def test_1_4_cuda_block_is_skipped_without_gpu(capsys):
    """Blitz §1.4: with no GPU the `if torch.cuda.is_available():` block does nothing."""
    assert torch.cuda.is_available() is False
    x = torch.randn(1)
    # 当 CUDA 可用的时候，可用运行下方这段代码，采用 torch.device() 方法来改变 tensors 是否在 GPU 上进行计算操作
    if torch.cuda.is_available():
        device = torch.device("cuda")  # 定义一个 CUDA 设备对象
        y = torch.ones_like(x, device=device)  # 显示创建在 GPU 上的一个 tensor
        x = x.to(device)  # 也可以采用 .to("cuda")
        z = x + y
        print(z)
        print(z.to("cpu", torch.double))  # .to() 方法也可以改变数值类型
    assert capsys.readouterr().out == ""
    assert x.device == torch.device("cpu")


# --- 2.1 autograd: tensors --------------------------------------------------------------


def test_2_1_track_operations(capsys):
    """Blitz §2.1: y = x + 2, z = y * y * 3, out = z.mean() record AddBackward0/MulBackward0/MeanBackward0."""
    x = torch.ones(2, 2, requires_grad=True)
    print(x)
    y = x + 2
    print(y)
    assert (
        capsys.readouterr().out
        == """\
tensor([[1., 1.],
        [1., 1.]], requires_grad=True)
tensor([[3., 3.],
        [3., 3.]], grad_fn=<AddBackward0>)
"""
    )
    print(y.grad_fn)
    assert re.fullmatch(NODE.format("Add"), capsys.readouterr().out)
    z = y * y * 3
    out = z.mean()

    print("z=", z)
    print("out=", out)
    assert (
        capsys.readouterr().out
        == """\
z= tensor([[27., 27.],
        [27., 27.]], grad_fn=<MulBackward0>)
out= tensor(27., grad_fn=<MeanBackward0>)
"""
    )


def test_2_1_requires_grad_in_place(capsys):
    """Blitz §2.1: a.requires_grad_(True) switches tracking on; (a * a).sum() has SumBackward0."""
    a = torch.randn(2, 2)
    a0 = a.numpy().copy()
    a = (a * 3) / (a - 1)
    print(a.requires_grad)
    a.requires_grad_(True)
    print(a.requires_grad)
    b = (a * a).sum()
    print(b.grad_fn)
    assert re.fullmatch("False\nTrue\n" + NODE.format("Sum"), capsys.readouterr().out)
    a1 = a0 * 3 / (a0 - 1)
    np.testing.assert_allclose(b.item(), (a1 * a1).sum(), rtol=1e-5)


# --- 2.2 autograd: gradients ------------------------------------------------------------


def test_2_2_backward_scalar(capsys):
    """Blitz §2.2: out.backward() gives d(out)/dx = 4.5 everywhere."""
    x = torch.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    out.backward()
    # 输出梯度 d(out)/dx
    print(x.grad)
    assert (
        capsys.readouterr().out
        == """\
tensor([[4.5000, 4.5000],
        [4.5000, 4.5000]])
"""
    )


def vector_jacobian_product():
    x = torch.randn(3, requires_grad=True)

    y = x * 2
    while y.data.norm() < 1000:
        y = y * 2

    print(y)
    v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
    y.backward(v)

    print(x.grad)
    return x, y, v


def test_2_2_vector_jacobian_product(capsys):
    """Blitz §2.2: y = x * 2**k until |y| >= 1000; y.backward(v) gives x.grad = v * 2**k."""
    x, y, v = vector_jacobian_product()
    xs, ys, vs = x.detach().numpy(), y.detach().numpy(), v.numpy()
    k = int(np.round(np.log2(ys[0] / xs[0])))
    assert np.array_equal(ys, xs * np.float32(2**k))
    assert np.linalg.norm(ys) >= 1000 and np.linalg.norm(ys / 2) < 1000
    assert np.array_equal(x.grad.numpy(), vs * np.float32(2**k))
    printed_y, printed_grad = capsys.readouterr().out.split("\n", 1)
    assert_prints(printed_y + "\n", VJP.split("\n", 1)[0] + "\n", ys)
    # max/min > 1000, so PyTorch prints the gradient in scientific notation
    grad = ", ".join(f"{g:.4e}" for g in x.grad.numpy())
    assert printed_grad == f"tensor([{grad}])\n"


def test_2_2_vector_jacobian_product_prints_like_pytorch(monkeypatch, capsys):
    """Blitz §2.2: the vector-Jacobian block's printed text, on the text's draw (k = 10)."""
    replay(monkeypatch, "randn", (np.float32([237.5009, 1774.2396, 274.0625]) / 1024).tolist())
    vector_jacobian_product()
    assert capsys.readouterr().out == VJP


VJP = """\
tensor([ 237.5009, 1774.2396,  274.0625], grad_fn=<MulBackward0>)
tensor([1.0240e+02, 1.0240e+03, 1.0240e-01])
"""  # output of test_2_2_vector_jacobian_product_prints_like_pytorch#0


def test_2_2_no_grad(capsys):
    """Blitz §2.2: under `with torch.no_grad():` x ** 2 does not require grad."""
    x = torch.randn(3, requires_grad=True)
    print(x.requires_grad)
    print((x**2).requires_grad)

    with torch.no_grad():
        print((x**2).requires_grad)
    assert capsys.readouterr().out == "True\nTrue\nFalse\n"
