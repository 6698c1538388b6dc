"""Blog post "PyTorch-入门学习" (tutorials-source/001), sections 1-7: tensors.

Each code block of the post, run with ``import ember as torch``; the text's comments are
kept. Expected output is what PyTorch 2.13 prints for the same code (``torch.`` read as
``ember.``). Blocks that draw random numbers are checked twice: as written, against NumPy
on the drawn values and against PyTorch's print layout; and with the draws replayed from a
PyTorch run (``torch.manual_seed(0)``), against PyTorch's exact printed text.
"""

import re

import ember as torch
import numpy as np
import pytest
from tutorial_checks import assert_prints, replay, spy

ANY_2x3 = re.compile(r"tensor\(\[\[([^,\]]+, ){2}[^,\]]+\],\n {8}\[([^,\]]+, ){2}[^,\]]+\]\]\)\n")


# --- 1. creating tensors ----------------------------------------------------------------


def test_sec1_create_from_data(capsys):
    """Blog §1 张量的创建: torch.tensor from scalars, lists and ndarrays; torch.Tensor(shape/list)."""
    # 1.torch.tensor() 根据指定数据创建张量
    # 0维张量:标量(scalar)
    print(torch.tensor(10))
    # 1维张量:向量(vector)
    print(torch.tensor([10, 10]))
    # 2维张量:矩阵(matrix)
    print(torch.tensor([[10, 10], [10, 10], [10, 10]]))
    # 多维张量
    print(torch.tensor([[[10, 10], [10, 10], [10, 10]]]))

    # numpy 数组, 由于 data 为 float64, 下面代码也使用该类型
    data_np = np.random.rand(2, 3)
    print(data_np)
    print(torch.tensor(data_np))

    data = [[10.0, 20, 30], [20, 30, 40]]
    print(data)
    print(torch.tensor(data))
    assert (
        capsys.readouterr().out
        == """\
tensor(10)
tensor([10, 10])
tensor([[10, 10],
        [10, 10],
        [10, 10]])
tensor([[[10, 10],
         [10, 10],
         [10, 10]]])
[[0.5488135  0.71518937 0.60276338]
 [0.54488318 0.4236548  0.64589411]]
tensor([[0.5488, 0.7152, 0.6028],
        [0.5449, 0.4237, 0.6459]], dtype=ember.float64)
[[10.0, 20, 30], [20, 30, 40]]
tensor([[10., 20., 30.],
        [20., 30., 40.]])
"""
    )

    # 2.torch.Tensor() 根据指定形状创建张量，也可以用来创建指定数据的张量
    # 创建2行3列的张量, 默认 dtype 为 float32
    data = torch.Tensor(2, 3)
    print(data)
    assert ANY_2x3.fullmatch(capsys.readouterr().out)  # uninitialized values
    assert data.shape == (2, 3) and data.dtype == torch.float32
    # 注意: 如果传递列表, 则创建包含指定元素的张量
    print(torch.Tensor([2]))
    print(torch.Tensor([[2, 3, 4], [5, 6, 7]]))
    assert (
        capsys.readouterr().out
        == """\
tensor([2.])
tensor([[2., 3., 4.],
        [5., 6., 7.]])
"""
    )


def test_sec1_linear_and_random(capsys):
    """Blog §1 张量的创建: torch.arange, torch.linspace and torch.randn."""
    # 创建线性
    # 1. 在指定区间按照步长生成元素 [start, end, step)
    data = torch.arange(0, 10, 2)
    print(data)
    # 2. 在指定区间按照元素个数生成 [start, end, num]
    data = torch.linspace(0, 11, 10)
    print(data)
    assert (
        capsys.readouterr().out
        == """\
tensor([0, 2, 4, 6, 8])
tensor([ 0.0000,  1.2222,  2.4444,  3.6667,  4.8889,  6.1111,  7.3333,  8.5556,
         9.7778, 11.0000])
"""
    )

    # torch.randn() 创建随机张量
    # 1. 创建随机张量
    data = torch.randn(2, 3)  # 创建2行3列张量
    print(data)
    assert data.shape == (2, 3) and data.dtype == torch.float32
    assert_prints(capsys.readouterr().out, SEC1_RANDN, data.numpy())


def test_sec1_randn_prints_like_pytorch(monkeypatch, capsys):
    """Blog §1 张量的创建: torch.randn(2, 3) printed, on PyTorch's draw."""
    replay(monkeypatch, "randn", SEC1_RANDN_DRAW)
    data = torch.randn(2, 3)  # 创建2行3列张量
    print(data)
    assert capsys.readouterr().out == SEC1_RANDN


SEC1_RANDN_DRAW = [
    [1.5409960746765137, -0.293428897857666, -2.1787893772125244],
    [0.5684312582015991, -1.0845223665237427, -1.3985954523086548],
]
SEC1_RANDN = """\
tensor([[ 1.5410, -0.2934, -2.1788],
        [ 0.5684, -1.0845, -1.3986]])
"""  # output of test_sec1_randn_prints_like_pytorch#0


def test_sec1_zeros_ones_full(capsys):
    """Blog §1 张量的创建: torch.zeros, torch.ones and torch.full."""
    # 创建0、1、指定值张量
    # 1. 创建指定形状全0张量
    data = torch.zeros(2, 3)
    print(data)
    # 2. 创建指定形状全1张量
    # torch.ones()创建全1张量
    data = torch.ones(2, 3)
    print(data)
    # 3. 创建指定形状指定值的张量
    # torch.full()创建全为指定值张量
    data = torch.full([2, 3], 10)
    print(data)
    assert (
        capsys.readouterr().out
        == """\
tensor([[0., 0., 0.],
        [0., 0., 0.]])
tensor([[1., 1., 1.],
        [1., 1., 1.]])
tensor([[10, 10, 10],
        [10, 10, 10]])
"""
    )


def test_sec1_type_conversion(capsys):
    """Blog §1 张量的创建: dtype conversion with data.type(torch.XTensor) and data.double() etc."""
    # 张量的类型转换
    # data.type(torch.DoubleTensor)
    data = torch.full([2, 3], 10)
    print(data.dtype)
    # 将 data 元素类型转换为 float64 类型
    data = data.type(torch.DoubleTensor)
    print(data.dtype)
    # 转换为其他类型
    data = data.type(torch.IntTensor)
    assert data.dtype == torch.int32
    data = data.type(torch.LongTensor)
    assert data.dtype == torch.int64
    data = data.type(torch.FloatTensor)
    assert data.dtype == torch.float32

    # data.double()
    data = torch.full([2, 3], 10)
    print(data.dtype)
    # 将 data 元素类型转换为 float64 类型
    data = data.double()
    print(data.dtype)
    # 转换为其他类型
    data = data.int()
    assert data.dtype == torch.int32
    data = data.long()
    assert data.dtype == torch.int64
    data = data.float()
    assert data.dtype == torch.float32
    assert (
        capsys.readouterr().out
        == """\
ember.int64
ember.float64
ember.int64
ember.float64
"""
    )
    assert data.tolist() == [[10.0, 10.0, 10.0], [10.0, 10.0, 10.0]]


# --- 2. tensors and NumPy ---------------------------------------------------------------


def test_sec2_tensor_to_numpy(capsys):
    """Blog §2 张量的类型转换: data_tensor.numpy() gives an ndarray."""
    # 1. 将张量转换为 numpy 数组
    data_tensor = torch.tensor([2, 3, 4])
    # 使用张量对象中的 numpy 函数进行转换
    data_numpy = data_tensor.numpy()
    print(type(data_tensor))
    print(type(data_numpy))
    print(data_numpy)
    assert (
        capsys.readouterr().out
        == """\
<class 'ember.Tensor'>
<class 'numpy.ndarray'>
[2 3 4]
"""
    )


def test_sec2_numpy_to_tensor(capsys):
    """Blog §2 张量的类型转换: torch.from_numpy (shares memory) and torch.tensor (copies)."""
    # 使用from_numpy()可以将ndarray数组转换为Tensor
    data_numpy = np.array([2, 3, 4])
    # 将 numpy 数组转换为张量类型
    # 1. from_numpy
    # 2. torch.tensor(ndarray)
    data_tensor = torch.from_numpy(data_numpy)
    print(data_tensor)
    print(data_numpy)
    data_numpy[0] = 20
    assert data_tensor.tolist() == [20, 3, 4]

    # 使用torch.tensor()可以将ndarray数组转换为Tensor。
    data_numpy = np.array([2, 3, 4])
    data_tensor = torch.tensor(data_numpy)
    print(data_tensor)
    print(data_numpy)
    data_numpy[0] = 20
    assert data_tensor.tolist() == [2, 3, 4]
    assert (
        capsys.readouterr().out
        == """\
tensor([2, 3, 4])
[2 3 4]
tensor([2, 3, 4])
[2 3 4]
"""
    )


def test_sec2_item(capsys):
    """Blog §2 张量的类型转换: data.item() turns a one-element tensor into a Python number."""
    # 当张量只包含一个元素时, 可以通过 item() 函数提取出该值
    data = torch.tensor([30,])  # fmt: skip
    print(data.item())
    assert type(data.item()) is int
    data = torch.tensor(30)
    print(data.item())
    assert (
        capsys.readouterr().out
        == """\
30
30
"""
    )


# --- 3. arithmetic ----------------------------------------------------------------------


def sec3_basic_arithmetic():
    data = torch.randint(0, 10, [2, 3])
    print(data)
    # 1. 不修改原数据
    new_data = data.add(10)  # 等价 new_data = data + 10
    print(new_data)
    # 2. 直接修改原数据 注意: 带下划线的函数为修改原数据本身
    data.add_(10)  # 等价 data += 10
    print(data)
    # 3. 其他函数
    print(data.sub(100))
    print(data.mul(100))
    print(data.div(100))
    print(data.neg())


def test_sec3_basic_arithmetic(monkeypatch, capsys):
    """Blog §3 张量基本运算: add/sub/mul/div/neg and in-place add_ on torch.randint(0, 10, [2, 3])."""
    drawn = spy(monkeypatch, "randint")
    sec3_basic_arithmetic()
    (d,) = drawn
    assert d.shape == (2, 3) and d.dtype == np.int64 and d.min() >= 0 and d.max() < 10
    data = d + 10
    assert_prints(
        capsys.readouterr().out,
        SEC3_PRINTED,
        *(d, data, data, data - 100, data * 100, data / 100, -data),
    )


def test_sec3_basic_arithmetic_prints_like_pytorch(monkeypatch, capsys):
    """Blog §3 张量基本运算: the block's printed text, on PyTorch's draw."""
    replay(monkeypatch, "randint", [[4, 9, 3], [0, 3, 9]])
    sec3_basic_arithmetic()
    assert capsys.readouterr().out == SEC3_PRINTED


SEC3_PRINTED = """\
tensor([[4, 9, 3],
        [0, 3, 9]])
tensor([[14, 19, 13],
        [10, 13, 19]])
tensor([[14, 19, 13],
        [10, 13, 19]])
tensor([[-86, -81, -87],
        [-90, -87, -81]])
tensor([[1400, 1900, 1300],
        [1000, 1300, 1900]])
tensor([[0.1400, 0.1900, 0.1300],
        [0.1000, 0.1300, 0.1900]])
tensor([[-14, -19, -13],
        [-10, -13, -19]])
"""  # output of test_sec3_basic_arithmetic_prints_like_pytorch#0


def test_sec3_hadamard_product(capsys):
    """Blog §3 点乘运算: torch.mul and * multiply elementwise."""
    data1 = torch.tensor([[1, 2], [3, 4]])
    data2 = torch.tensor([[5, 6], [7, 8]])
    # 第一种方式
    data = torch.mul(data1, data2)
    print(data)
    # 第二种方式
    data = data1 * data2
    print(data)
    assert (
        capsys.readouterr().out
        == """\
tensor([[ 5, 12],
        [21, 32]])
tensor([[ 5, 12],
        [21, 32]])
"""
    )


def test_sec3_matrix_product(capsys):
    """Blog §3 乘法运算: the @ operator and torch.matmul on (3, 2) @ (2, 2)."""
    # 乘法运算
    data1 = torch.tensor([[1, 2], [3, 4], [5, 6]])
    data2 = torch.tensor([[5, 6], [7, 8]])
    # 方式一:
    data3 = data1 @ data2
    print("data3-->", data3)
    # 方式二:
    data4 = torch.matmul(data1, data2)
    print("data4-->", data4)
    assert (
        capsys.readouterr().out
        == """\
data3--> tensor([[19, 22],
        [43, 50],
        [67, 78]])
data4--> tensor([[19, 22],
        [43, 50],
        [67, 78]])
"""
    )


# --- 4. math functions ------------------------------------------------------------------


def sec4_math_functions():
    data = torch.randint(0, 10, [2, 3], dtype=torch.float64)
    print(data)
    # 1. 计算均值
    # 注意: tensor 必须为 Float 或者 Double 类型
    print(data.mean())
    # 2. 计算总和
    print(data.sum())
    # 3. 计算平方
    print(torch.pow(data, 2))
    # 4. 计算平方根
    print(data.sqrt())
    # 5. 指数计算, e^n 次方
    print(data.exp())
    # 6. 对数计算
    print(data.log())  # 以 e 为底
    print(data.log2())
    print(data.log10())


def test_sec4_math_functions(monkeypatch, capsys):
    """Blog §4 张量运算函数: mean/sum/pow/sqrt/exp/log/log2/log10 on float64 randint data."""
    drawn = spy(monkeypatch, "randint")
    with np.errstate(divide="ignore"):
        sec4_math_functions()
        (d,) = drawn
        expected = (d, d.mean(), d.sum(), d**2, np.sqrt(d), np.exp(d))
        expected += (np.log(d), np.log2(d), np.log10(d))
    assert d.shape == (2, 3) and d.dtype == np.float64 and d.min() >= 0 and d.max() < 10
    assert np.array_equal(d, np.round(d))
    out = capsys.readouterr().out
    assert out.count("dtype=ember.float64") == 9
    assert_prints(out, SEC4_PRINTED, *expected)


def test_sec4_math_functions_print_like_pytorch(monkeypatch, capsys):
    """Blog §4 张量运算函数: the block's printed text (with log(0) = -inf), on PyTorch's draw."""
    replay(monkeypatch, "randint", [[4.0, 9.0, 3.0], [0.0, 3.0, 9.0]])
    sec4_math_functions()
    assert capsys.readouterr().out == SEC4_PRINTED


SEC4_PRINTED = """\
tensor([[4., 9., 3.],
        [0., 3., 9.]], dtype=ember.float64)
tensor(4.6667, dtype=ember.float64)
tensor(28., dtype=ember.float64)
tensor([[16., 81.,  9.],
        [ 0.,  9., 81.]], dtype=ember.float64)
tensor([[2.0000, 3.0000, 1.7321],
        [0.0000, 1.7321, 3.0000]], dtype=ember.float64)
tensor([[5.4598e+01, 8.1031e+03, 2.0086e+01],
        [1.0000e+00, 2.0086e+01, 8.1031e+03]], dtype=ember.float64)
tensor([[1.3863, 2.1972, 1.0986],
        [  -inf, 1.0986, 2.1972]], dtype=ember.float64)
tensor([[2.0000, 3.1699, 1.5850],
        [  -inf, 1.5850, 3.1699]], dtype=ember.float64)
tensor([[0.6021, 0.9542, 0.4771],
        [  -inf, 0.4771, 0.9542]], dtype=ember.float64)
"""  # output of test_sec4_math_functions_print_like_pytorch#0


# --- 5. indexing ------------------------------------------------------------------------


def sec5_indexing():
    # 数据准备
    # 随机生成数据
    data = torch.randint(0, 10, [4, 5])
    print(data)

    """
    • 简单行列索引的使用
    """
    print(data[0])
    print(data[:, 0])

    """
    • 列表索引的使用
    """
    # 返回 (0, 1)、(1, 2) 两个位置的元素
    print(data[[0, 1], [1, 2]])
    # 返回 0、1 行的 1、2 列共4个元素
    print(data[[[0], [1]], [1, 2]])

    """
    • 范围索引的使用
    """
    # 前3行的前2列数据
    print(data[:3, :2])
    # 第2行到最后的前2列数据
    print(data[2:, :2])

    """
    • 多维索引的使用
    """
    data = torch.randint(0, 10, [3, 4, 5])
    print(data)
    # 获取0轴上的第一个数据
    print(data[0, :, :])
    # 获取1轴上的第一个数据
    print(data[:, 0, :])
    # 获取2轴上的第一个数据
    print(data[:, :, 0])


def test_sec5_indexing(monkeypatch, capsys):
    """Blog §5 张量索引操作: row/column, list (advanced), range and multi-dimensional indexing."""
    drawn = spy(monkeypatch, "randint")
    sec5_indexing()
    a, b = drawn
    assert a.shape == (4, 5) and b.shape == (3, 4, 5)
    expected = (a, a[0], a[:, 0], a[[0, 1], [1, 2]], a[[[0], [1]], [1, 2]], a[:3, :2], a[2:, :2])
    expected += (b, b[0, :, :], b[:, 0, :], b[:, :, 0])
    assert_prints(capsys.readouterr().out, SEC5_PRINTED, *expected)


def test_sec5_indexing_prints_like_pytorch(monkeypatch, capsys):
    """Blog §5 张量索引操作: the block's printed text, on PyTorch's draws."""
    replay(monkeypatch, "randint", *SEC5_DRAWS)
    sec5_indexing()
    assert capsys.readouterr().out == SEC5_PRINTED


SEC5_DRAWS = [
    [[4, 9, 3, 0, 3], [9, 7, 3, 7, 3], [1, 6, 6, 9, 8], [6, 6, 8, 4, 3]],
    [
        [[6, 9, 1, 4, 4], [1, 9, 9, 9, 0], [1, 2, 3, 0, 5], [5, 2, 9, 1, 8]],
        [[8, 3, 6, 9, 1], [7, 3, 5, 2, 1], [0, 9, 3, 1, 1], [0, 3, 6, 6, 7]],
        [[9, 6, 3, 4, 5], [0, 8, 2, 8, 2], [7, 5, 0, 0, 8], [1, 9, 6, 1, 0]],
    ],
]
SEC5_PRINTED = """\
tensor([[4, 9, 3, 0, 3],
        [9, 7, 3, 7, 3],
        [1, 6, 6, 9, 8],
        [6, 6, 8, 4, 3]])
tensor([4, 9, 3, 0, 3])
tensor([4, 9, 1, 6])
tensor([9, 3])
tensor([[9, 3],
        [7, 3]])
tensor([[4, 9],
        [9, 7],
        [1, 6]])
tensor([[1, 6],
        [6, 6]])
tensor([[[6, 9, 1, 4, 4],
         [1, 9, 9, 9, 0],
         [1, 2, 3, 0, 5],
         [5, 2, 9, 1, 8]],

        [[8, 3, 6, 9, 1],
         [7, 3, 5, 2, 1],
         [0, 9, 3, 1, 1],
         [0, 3, 6, 6, 7]],

        [[9, 6, 3, 4, 5],
         [0, 8, 2, 8, 2],
         [7, 5, 0, 0, 8],
         [1, 9, 6, 1, 0]]])
tensor([[6, 9, 1, 4, 4],
        [1, 9, 9, 9, 0],
        [1, 2, 3, 0, 5],
        [5, 2, 9, 1, 8]])
tensor([[6, 9, 1, 4, 4],
        [8, 3, 6, 9, 1],
        [9, 6, 3, 4, 5]])
tensor([[6, 1, 1, 5],
        [8, 7, 0, 0],
        [9, 0, 7, 1]])
"""  # output of test_sec5_indexing_prints_like_pytorch#0


# --- 6. shape operations ----------------------------------------------------------------


def test_sec6_reshape(capsys):
    """Blog §6 reshape()函数: data.shape, data.size (printed unbound) and data.reshape(1, 6)."""
    data = torch.tensor([[10, 20, 30], [40, 50, 60]])
    # 1. 使用 shape 属性或者 size 方法都可以获得张量的形状
    print(data.shape)
    assert (
        capsys.readouterr().out
        == """\
ember.Size([2, 3])
"""
    )
    print(data.size)
    # The text prints the method itself (no call); PyTorch shows a built-in method.
    assert re.fullmatch(r"<built-in method size of Tensor object at 0x[0-9a-f]+>\n", capsys.readouterr().out)
    # 2. 使用 reshape 函数修改张量形状
    new_data = data.reshape(1, 6)
    print(new_data)
    print(new_data.shape)
    assert (
        capsys.readouterr().out
        == """\
tensor([[10, 20, 30, 40, 50, 60]])
ember.Size([1, 6])
"""
    )


def test_sec6_squeeze_unsqueeze(capsys):
    """Blog §6 squeeze()和unsqueeze()函数: add and remove size-1 dimensions."""
    mydata1 = torch.tensor([1, 2, 3, 4, 5])
    print("mydata1--->", mydata1.shape, mydata1)  # 一个普通的数组 1维数据
    mydata2 = mydata1.unsqueeze(dim=0)
    print("在0维度上 拓展维度：", mydata2, mydata2.shape)  # 1*5
    mydata3 = mydata1.unsqueeze(dim=1)
    print("在1维度上 拓展维度：", mydata3, mydata3.shape)  # 5*1
    mydata4 = mydata1.unsqueeze(dim=-1)
    print("在-1维度上 拓展维度：", mydata4, mydata4.shape)  # 5*1
    mydata5 = mydata4.squeeze()
    print("压缩维度：", mydata5, mydata5.shape)  # 1*5
    assert (
        capsys.readouterr().out
        == """\
mydata1---> ember.Size([5]) tensor([1, 2, 3, 4, 5])
在0维度上 拓展维度： tensor([[1, 2, 3, 4, 5]]) ember.Size([1, 5])
在1维度上 拓展维度： tensor([[1],
        [2],
        [3],
        [4],
        [5]]) ember.Size([5, 1])
在-1维度上 拓展维度： tensor([[1],
        [2],
        [3],
        [4],
        [5]]) ember.Size([5, 1])
压缩维度： tensor([1, 2, 3, 4, 5]) ember.Size([5])
"""
    )


def test_sec6_transpose_permute(capsys):
    """Blog §6 transpose()和permute()函数: swap dimensions of a (3, 4, 5) tensor."""
    data = torch.tensor(np.random.randint(0, 10, [3, 4, 5]))
    print(data)
    print("data shape:", data.size())
    # 1 交换1和2维度
    mydata2 = torch.transpose(data, 1, 2)
    print("mydata2.shape--->", mydata2.shape)
    # 2 将data 的形状修改为 (4, 5, 3), 需要变换多次
    mydata3 = torch.transpose(data, 0, 1)
    mydata4 = torch.transpose(mydata3, 1, 2)
    print("mydata4.shape--->", mydata4.shape)
    # 3 使用 permute 函数将形状修改为 (4, 5, 3)
    # 3-1 方法1
    mydata5 = torch.permute(data, [1, 2, 0])
    print("mydata5.shape--->", mydata5.shape)
    # 3-2 方法2
    mydata6 = data.permute([1, 2, 0])
    print("mydata6.shape--->", mydata6.shape)
    assert (
        capsys.readouterr().out
        == """\
tensor([[[5, 0, 3, 3, 7],
         [9, 3, 5, 2, 4],
         [7, 6, 8, 8, 1],
         [6, 7, 7, 8, 1]],

        [[5, 9, 8, 9, 4],
         [3, 0, 3, 5, 0],
         [2, 3, 8, 1, 3],
         [3, 3, 7, 0, 1]],

        [[9, 9, 0, 4, 7],
         [3, 2, 7, 2, 0],
         [0, 4, 5, 5, 6],
         [8, 4, 1, 4, 9]]])
data shape: ember.Size([3, 4, 5])
mydata2.shape---> ember.Size([3, 5, 4])
mydata4.shape---> ember.Size([4, 5, 3])
mydata5.shape---> ember.Size([4, 5, 3])
mydata6.shape---> ember.Size([4, 5, 3])
"""
    )
    d = data.numpy()
    assert np.array_equal(mydata2.numpy(), d.transpose(0, 2, 1))
    assert np.array_equal(mydata4.numpy(), d.transpose(1, 2, 0))
    assert np.array_equal(mydata5.numpy(), d.transpose(1, 2, 0))
    assert np.array_equal(mydata6.numpy(), d.transpose(1, 2, 0))


def test_sec6_view_contiguous(capsys):
    """Blog §6 view()和contiguous()函数: is_contiguous() and view(3, 2)."""
    # 1 若要使用view函数, 需要使用contiguous() 变成连续以后再使用view函数
    # 2 判断张量是否使用整块内存
    data = torch.tensor([[10, 20, 30], [40, 50, 60]])
    print("data--->", data, data.shape)
    # 1 判断是否使用整块内存
    print(data.is_contiguous())  # True
    # 2 view
    mydata2 = data.view(3, 2)
    print("mydata2--->", mydata2, mydata2.shape)
    assert (
        capsys.readouterr().out
        == """\
data---> tensor([[10, 20, 30],
        [40, 50, 60]]) ember.Size([2, 3])
True
mydata2---> tensor([[10, 20],
        [30, 40],
        [50, 60]]) ember.Size([3, 2])
"""
    )


# --- 7. concatenation -------------------------------------------------------------------


def sec7_cat():
    data1 = torch.randint(0, 10, [1, 2, 3])
    data2 = torch.randint(0, 10, [1, 2, 3])
    print(data1)
    print(data2)
    # 1. 按0维度拼接
    new_data = torch.cat([data1, data2], dim=0)
    print(new_data.shape)
    # 2. 按1维度拼接
    new_data = torch.cat([data1, data2], dim=1)
    print(new_data.shape)
    # 3. 按2维度拼接
    new_data = torch.cat([data1, data2], dim=2)
    print(new_data.shape)
    return new_data


def test_sec7_cat(monkeypatch, capsys):
    """Blog §7 torch.cat(): concatenate two (1, 2, 3) tensors along dims 0, 1 and 2."""
    drawn = spy(monkeypatch, "randint")
    new_data = sec7_cat()
    a, b = drawn
    shapes = ([2, 2, 3], [1, 4, 3], [1, 2, 6])
    assert_prints(capsys.readouterr().out, SEC7_PRINTED, a, b, *shapes)
    assert np.array_equal(new_data.numpy(), np.concatenate([a, b], axis=2))


def test_sec7_cat_prints_like_pytorch(monkeypatch, capsys):
    """Blog §7 torch.cat(): the block's printed text, on PyTorch's draws."""
    replay(monkeypatch, "randint", [[[4, 9, 3], [0, 3, 9]]], [[[7, 3, 7], [3, 1, 6]]])
    sec7_cat()
    assert capsys.readouterr().out == SEC7_PRINTED


SEC7_PRINTED = """\
tensor([[[4, 9, 3],
         [0, 3, 9]]])
tensor([[[7, 3, 7],
         [3, 1, 6]]])
ember.Size([2, 2, 3])
ember.Size([1, 4, 3])
ember.Size([1, 2, 6])
"""  # output of test_sec7_cat_prints_like_pytorch#0


# --- 9. the worked example in prose -----------------------------------------------------


def test_sec9_worked_example_house_prices():
    """Blog §9 实例演示（房价预测）: one MSE gradient step from w=3, b=50 at η=0.0001 (prose, no code)."""
    x = torch.tensor([80.0, 100.0, 120.0])  # 面积（㎡）
    y = torch.tensor([320.0, 400.0, 480.0])  # 房价（万元）
    w = torch.tensor(3.0, requires_grad=True)
    b = torch.tensor(50.0, requires_grad=True)
    y_hat = w * x + b
    loss = ((y_hat - y) ** 2).mean()
    loss.backward()
    assert y_hat.tolist() == [290.0, 350.0, 410.0]
    assert loss.item() == pytest.approx((30**2 + 50**2 + 70**2) / 3)
    assert w.grad.item() == pytest.approx(2 / 3 * -(30 * 80 + 50 * 100 + 70 * 120))
    assert b.grad.item() == pytest.approx(2 / 3 * -(30 + 50 + 70))
    with torch.no_grad():
        w -= 0.0001 * w.grad
        b -= 0.0001 * b.grad
    assert w.item() == pytest.approx(3 + 0.0001 * 31600 / 3, rel=1e-6)
    assert b.item() == pytest.approx(50.01, rel=1e-6)
