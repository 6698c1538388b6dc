"""Blog post "PyTorch-入门学习" (tutorials-source/001), sections 8 autograd (with
torch.nn.MSELoss) and 9 the TensorDataset/DataLoader linear regression case.

Run with ``import ember as torch``; the text's comments are kept. Expected output is what
PyTorch 2.13 prints for the same code (``torch.`` read as ``ember.``). Training results are
held to tolerances PyTorch itself meets for any seed.
"""

import logging
import subprocess
import sys

import ember as torch
import numpy as np
import pytest
from tutorial_checks import layout, printed_numbers, replay, spy

# --- 8. autograd ------------------------------------------------------------------------


def test_sec8_nn_reachable_after_import_torch():
    """Blog §8/§9: after a bare `import torch`, torch.nn, torch.optim, torch.utils.data are there."""
    code = (
        "import ember as torch\n"
        "print(torch.nn.MSELoss.__name__, torch.nn.functional.relu.__name__,"
        " torch.optim.SGD.__name__, torch.utils.data.DataLoader.__name__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout == "MSELoss relu SGD DataLoader\n", done.stderr


def test_sec8_scalar_gradient(capsys):
    """Blog §8 自动微分模块 test01: z = x*w + b, MSELoss to 0 gives dw = 80, db = 16."""

    def test01():
        x = torch.tensor(5)
        # 目标值
        y = torch.tensor(0.0)
        # 设置要更新的权重和偏置的初始值
        w = torch.tensor(1.0, requires_grad=True, dtype=torch.float32)
        b = torch.tensor(3.0, requires_grad=True, dtype=torch.float32)
        # 设置网络的输出值
        z = x * w + b  # 矩阵乘法
        # 设置损失函数，并进行损失的计算
        loss = torch.nn.MSELoss()
        loss = loss(z, y)
        # 自动微分
        loss.backward()
        # 打印 w,b 变量的梯度
        # backward 函数计算的梯度值会存储在张量的 grad 变量中
        print("W的梯度:", w.grad)
        print("b的梯度", b.grad)

    test01()
    assert (
        capsys.readouterr().out
        == """\
W的梯度: tensor(80.)
b的梯度 tensor(16.)
"""
    )


def test02():
    # 输入张量 2*5
    x = torch.ones(2, 5)
    # 目标值是 2*3
    y = torch.zeros(2, 3)
    # 设置要更新的权重和偏置的初始值
    w = torch.randn(5, 3, requires_grad=True)
    b = torch.randn(3, requires_grad=True)
    # 设置网络的输出值
    z = torch.matmul(x, w) + b  # 矩阵乘法
    # 设置损失函数，并进行损失的计算
    loss = torch.nn.MSELoss()
    loss = loss(z, y)
    # 自动微分
    loss.backward()
    # 打印 w,b 变量的梯度
    # backward 函数计算的梯度值会存储在张量的 grad 变量中
    print("W的梯度:", w.grad)
    print("b的梯度", b.grad)


test02.__test__ = False  # the text's name, not a pytest test


def test_sec8_matrix_gradient(monkeypatch, capsys):
    """Blog §8 自动微分模块 test02: gradients of MSELoss(ones(2,5) @ w + b, zeros) vs NumPy."""
    drawn = spy(monkeypatch, "randn")
    test02()
    w, b = drawn
    assert w.shape == (5, 3) and b.shape == (3,)
    z = np.ones((2, 5)) @ w + b
    dz = 2 * z / z.size  # d mean((z - 0)^2) / dz
    out = capsys.readouterr().out
    assert layout(out) == layout(SEC8_TEST02)
    expected = np.concatenate([(np.ones((2, 5)).T @ dz).ravel(), dz.sum(axis=0)])
    np.testing.assert_allclose(printed_numbers(out), expected, rtol=1e-4, atol=6e-5)


def test_sec8_matrix_gradient_prints_like_pytorch(monkeypatch, capsys):
    """Blog §8 自动微分模块 test02: printed gradients, on PyTorch's draws."""
    replay(monkeypatch, "randn", *SEC8_DRAWS)
    test02()
    assert capsys.readouterr().out == SEC8_TEST02


SEC8_DRAWS = [
    [
        [1.5409960746765137, -0.293428897857666, -2.1787893772125244],
        [0.5684312582015991, -1.0845223665237427, -1.3985954523086548],
        [0.40334683656692505, 0.8380263447761536, -0.7192575931549072],
        [-0.40334352850914, -0.5966353416442871, 0.18203648924827576],
        [-0.8566746115684509, 1.1006041765213013, -1.0711873769760132],
    ],
    [0.1227012425661087, -0.5663174986839294, 0.3731146454811096],
]
SEC8_TEST02 = """\
W的梯度: tensor([[ 0.9170, -0.4015, -3.2085],
        [ 0.9170, -0.4015, -3.2085],
        [ 0.9170, -0.4015, -3.2085],
        [ 0.9170, -0.4015, -3.2085],
        [ 0.9170, -0.4015, -3.2085]])
b的梯度 tensor([ 0.9170, -0.4015, -3.2085])
"""  # output of test_sec8_matrix_gradient_prints_like_pytorch#0


# --- 9. linear regression with TensorDataset and DataLoader ------------------------------


def blog_regression():
    """The text's §9 script up to the end of training (plots: test_sec9_plots)."""
    from ember import (
        nn,  # nn模块中有平方损失函数和假设函数
        optim,  # optim模块中有优化器函数
    )
    from ember.utils.data import (
        DataLoader,  # 数据加载器
        TensorDataset,  # 构造数据集对象
    )
    from sklearn.datasets import make_regression  # 创建线性回归模型数据集

    # 构建数据集
    def create_dataset():
        x, y, coef = make_regression(n_samples=100, n_features=1, noise=10, coef=True, bias=1.5, random_state=0)
        x = torch.tensor(x)
        y = torch.tensor(y)
        return x, y, coef

    # 构造数据集
    x, y, coef = create_dataset()
    # 构造数据集对象
    dataset = TensorDataset(x, y)
    # 构造数据加载器
    # dataset=:数据集对象
    # batch_size=:批量训练样本数据
    # shuffle=:样本数据是否进行乱序
    dataloader = DataLoader(dataset=dataset, batch_size=16, shuffle=True)
    # 构造模型
    # in_features指的是输入张量的大小size
    # out_features指的是输出张量的大小size
    model = nn.Linear(in_features=1, out_features=1)

    # 损失和优化器
    # 构造平方损失函数
    criterion = nn.MSELoss()
    # 构造优化函数
    optimizer = optim.SGD(params=model.parameters(), lr=1e-2)

    epochs = 100
    # 损失的变化
    loss_epoch = []
    total_loss = 0.0
    train_sample = 0.0
    for _ in range(epochs):
        for train_x, train_y in dataloader:
            # 将一个batch的训练数据送入模型
            y_pred = model(train_x.type(torch.float32))
            # 计算损失值
            loss = criterion(y_pred, train_y.reshape(-1, 1).type(torch.float32))
            total_loss += loss.item()
            train_sample += len(train_y)
            # 梯度清零
            optimizer.zero_grad()
            # 自动微分(反向传播)
            loss.backward()
            # 更新参数
            optimizer.step()
        # 获取每个batch的损失
        loss_epoch.append(total_loss / train_sample)
    return x, y, coef, model, epochs, loss_epoch


def test_sec9_dataloader_batches():
    """Blog §9 线性回归案例: 100 samples at batch_size=16, shuffled, make 7 batches, the last of 4."""
    from ember.utils.data import DataLoader, TensorDataset

    # the shapes and dtypes make_regression(n_samples=100, n_features=1) gives
    x = torch.tensor(np.random.randn(100, 1))
    y = torch.tensor(np.random.randn(100))
    dataset = TensorDataset(x, y)
    dataloader = DataLoader(dataset=dataset, batch_size=16, shuffle=True)
    assert len(dataset) == 100 and len(dataloader) == 7
    for _ in range(2):  # two epochs: each sees every sample once, in a fresh order
        batches = list(dataloader)
        assert [len(train_y) for _, train_y in batches] == [16] * 6 + [4]
        train_x, train_y = batches[0]
        assert train_x.shape == (16, 1) and train_x.dtype == torch.float64
        assert train_y.shape == (16,) and train_y.dtype == torch.float64
        seen = np.concatenate([train_x.numpy().ravel() for train_x, _ in batches])
        assert sorted(seen) == sorted(x.numpy().ravel())
        assert not np.array_equal(seen, x.numpy().ravel())


def test_sec9_linear_regression():
    """Blog §9 线性回归案例: SGD on make_regression data fits its coefficient and bias 1.5."""
    pytest.importorskip("sklearn")
    x, y, coef, model, epochs, loss_epoch = blog_regression()
    assert x.dtype == torch.float64 and x.shape == (100, 1) and y.shape == (100,)
    w, b = model.weight.item(), model.bias.item()
    ols_w, ols_b = np.linalg.lstsq(np.c_[x.numpy(), np.ones(100)], y.numpy(), rcond=None)[0]
    assert abs(w - float(coef)) < 1.5 and abs(b - 1.5) < 2.0  # coef is 42.39 here
    assert abs(w - ols_w) < 1.0 and abs(b - ols_b) < 1.0
    assert len(loss_epoch) == epochs == 100
    assert loss_epoch[-1] < loss_epoch[0] / 5


@pytest.mark.filterwarnings("ignore::UserWarning")  # SimHei/CJK glyphs missing; show() on Agg
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # NumPy 2 __array_wrap__, from v * coef
def test_sec9_plots(tmp_path):
    """Blog §9 线性回归案例: loss curve and fitted vs true line, plotted from tensors (Agg)."""
    pytest.importorskip("sklearn")
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)  # no SimHei here
    plt.rcParams["font.sans-serif"] = ["SimHei"]  # 用来正常显示中文标签
    plt.rcParams["axes.unicode_minus"] = False  # 用来正常显示负号
    x, y, coef, model, epochs, loss_epoch = blog_regression()

    # 绘制损失变化曲线
    plt.plot(range(epochs), loss_epoch)
    plt.title("损失变化曲线")
    plt.grid()
    plt.savefig(tmp_path / "loss.png")
    plt.show()

    # 绘制拟合直线
    plt.scatter(x, y)
    x = torch.linspace(x.min(), x.max(), 1000)
    y1 = torch.tensor([v * model.weight + model.bias for v in x])
    y2 = torch.tensor([v * coef + 1.5 for v in x])
    plt.plot(x, y1, label="训练")
    plt.plot(x, y2, label="真实")
    plt.grid()
    plt.legend()
    plt.savefig(tmp_path / "fit.png")
    plt.show()
    plt.close("all")

    assert x.shape == (1000,) and x.dtype == torch.float32
    assert y1.shape == (1000,) and y1.dtype == torch.float32
    assert y2.shape == (1000,) and y2.dtype == torch.float64  # a 0-d float64 ndarray promotes
    w, b = model.weight.item(), model.bias.item()
    np.testing.assert_allclose(y1.numpy(), x.numpy() * w + b, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(y2.numpy(), x.numpy().astype(np.float64) * coef + 1.5, rtol=1e-6)
    assert (tmp_path / "loss.png").stat().st_size > 0 and (tmp_path / "fit.png").stat().st_size > 0
