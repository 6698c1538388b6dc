"""The tutorials' CUDA examples, run unchanged against the simulated GPU (``import ember as torch``).

Expected output is what PyTorch prints on a GPU (``torch.`` read as ``ember.``): the
blitz translation (tutorials-source/003, §1.4) and the book's chapter 2 (000, §2.3.4).
"""

import re

import ember as torch
import pytest


def blitz_1_4(x):
    """Blitz §1.4, as written."""
    # 当 CUDA 可用的时候，可用运行下方这段代码，采用 torch.device() 方法来改变 tensors 是否在 GPU 上进行计算操作
    if torch.cuda.is_available():
        device = torch.device("cuda")  # 定义一个 CUDA 设备对象
        y = torch.ones_like(x, device=device)  # 显示创建在 GPU 上的一个 tensor
        x = x.to(device)  # 也可以采用 .to("cuda")
        z = x + y
        print(z)
        print(z.to("cpu", torch.double))  # .to() 方法也可以改变数值类型
    return x


def test_blitz_1_4_prints_what_pytorch_prints_on_a_gpu(sim, capsys):
    x = torch.tensor([0.4549])  # the draw behind the tutorial's printed output
    x = blitz_1_4(x)
    assert capsys.readouterr().out == "tensor([1.4549], device='cuda:0')\ntensor([1.4549], dtype=ember.float64)\n"
    assert x.device == torch.device("cuda", 0)


def test_blitz_1_4_with_a_random_draw(sim, capsys):
    x = torch.randn(1)
    expected = x.item() + 1
    blitz_1_4(x)
    first, second = capsys.readouterr().out.splitlines()
    on_gpu = re.fullmatch(r"tensor\(\[(-?\d\.\d{4})\], device='cuda:0'\)", first)
    on_cpu = re.fullmatch(r"tensor\(\[(-?\d\.\d{4})\], dtype=ember.float64\)", second)
    assert on_gpu and on_cpu, (first, second)
    assert float(on_gpu[1]) == pytest.approx(expected, abs=6e-5)
    assert on_gpu[1] == on_cpu[1]


def test_book_2_3_4_cuda_tensor(sim, capsys):
    a = torch.ones(2, 2)
    if torch.cuda.is_available():
        a_cuda = a.cuda()
        print(a_cuda)
    assert capsys.readouterr().out == "tensor([[1., 1.],\n        [1., 1.]], device='cuda:0')\n"
    assert a.device == torch.device("cpu") and a_cuda.is_cuda


def test_blitz_cuda_check_answers_true_with_a_gpu(sim, capsys):
    print(torch.cuda.is_available())
    assert capsys.readouterr().out == "True\n"
