"""Book chapter 2 "PyTorch" (tutorials-source/000), sections 2.5 torch.nn / torch.optim and
2.6 linear regression, run with ``import ember as torch`` and ember's nn and optim.

Expected output is what PyTorch 2.13 prints for the same code (``torch.`` read as
``ember.``); training results are checked against the same gradient descent done in NumPy
and against the line y = 3x + 10 the text fits (tolerances PyTorch meets for any seed).
"""

import re

import ember as torch
import ember.nn as nn
import ember.optim as optim
import numpy as np
import pytest
from tutorial_checks import layout, printed_numbers

# --- 2.5 torch.nn and torch.optim -------------------------------------------------------


class net_name(nn.Module):
    def __init__(self):
        super(net_name, self).__init__()  # noqa: UP008 (as the text writes it)
        self.fc = nn.Linear(1, 1)
        # 其他层

    def forward(self, x):
        out = self.fc(x)
        return out


def test_2_5_1_define_model(capsys):
    """Book ch.2 §2.5.1: a one-layer nn.Module subclass; net = net_name()."""
    net = net_name()
    assert isinstance(net, nn.Module)
    assert [(n, tuple(p.shape)) for n, p in net.named_parameters()] == [
        ("fc.weight", (1, 1)),
        ("fc.bias", (1,)),
    ]
    x = torch.tensor([[1.0], [2.0], [3.0]])
    w, b = net.fc.weight.item(), net.fc.bias.item()
    np.testing.assert_allclose(net(x).detach().numpy(), x.numpy() * w + b, rtol=1e-6)
    print(net)
    assert (
        capsys.readouterr().out
        == """\
net_name(
  (fc): Linear(in_features=1, out_features=1, bias=True)
)
"""
    )


def test_2_5_2_one_training_iteration():
    """Book ch.2 §2.5.2: MSELoss + optim.SGD(lr=0.01): one zero_grad/forward/backward/step."""
    net = net_name()
    criterion = nn.MSELoss()
    optimizer = optim.SGD(net.parameters(), lr=0.01)
    # input and target are not given in the text
    input = torch.tensor([[1.0], [2.0], [3.0]])
    target = torch.tensor([[3.0], [5.0], [7.0]])
    w, b = net.fc.weight.item(), net.fc.bias.item()

    optimizer.zero_grad()  # 梯度清零

    output = net(input)

    loss = criterion(output, target)
    loss.backward()

    optimizer.step()  # 完成更新

    x, t = input.numpy().ravel(), target.numpy().ravel()
    r = x * w + b - t
    np.testing.assert_allclose(loss.item(), np.mean(r**2), rtol=1e-5)
    np.testing.assert_allclose(net.fc.weight.item(), w - 0.01 * 2 * np.mean(r * x), rtol=1e-5)
    np.testing.assert_allclose(net.fc.bias.item(), b - 0.01 * 2 * np.mean(r), rtol=1e-5)


def test_2_5_2_zero_grad_stops_accumulation():
    """Book ch.2 §2.5.2: without optimizer.zero_grad() the last gradient is added to."""
    net = net_name()
    criterion = nn.MSELoss()
    optimizer = optim.SGD(net.parameters(), lr=0.01)
    input = torch.tensor([[1.0], [2.0], [3.0]])
    target = torch.tensor([[3.0], [5.0], [7.0]])
    criterion(net(input), target).backward()
    once = net.fc.weight.grad.item()
    criterion(net(input), target).backward()
    np.testing.assert_allclose(net.fc.weight.grad.item(), 2 * once, rtol=1e-6)
    optimizer.zero_grad()
    assert net.fc.weight.grad is None and net.fc.bias.grad is None


# --- 2.6 linear regression --------------------------------------------------------------


def make_dataset():
    # y=3x+10，后面加上 torch.randn()函数制造噪音
    x = torch.unsqueeze(torch.linspace(-1, 1, 50), dim=1)
    y = 3 * x + 10 + 0.5 * torch.randn(x.size())
    return x, y


class LinearRegression(nn.Module):
    def __init__(self):
        super(LinearRegression, self).__init__()  # noqa: UP008 (as the text writes it)
        self.fc = nn.Linear(1, 1)

    def forward(self, x):
        out = self.fc(x)
        return out


def train(model, x, y):
    # 定义损失函数和优化函数
    criterion = nn.MSELoss()
    optimizer = optim.SGD(model.parameters(), lr=5e-3)

    num_epochs = 1000  # 遍历整个训练集的次数
    for epoch in range(num_epochs):
        # forward
        out = model(x)  # 前向传播
        loss = criterion(out, y)  # 计算损失函数
        # backward
        optimizer.zero_grad()  # 梯度归零
        loss.backward()  # 反向传播
        optimizer.step()  # 更新参数

        if (epoch + 1) % 20 == 0:
            print("Epoch[{}/{}], loss: {:.6f}".format(epoch + 1, num_epochs, loss.detach().numpy()))  # noqa: UP032


def numpy_gradient_descent(x, y, w, b, lr=5e-3, epochs=1000):
    """The same full-batch gradient descent on MSE, in float64; loss before every step."""
    losses = []
    for _ in range(epochs):
        r = x * w + b - y
        losses.append(np.mean(r**2))
        w, b = w - lr * 2 * np.mean(r * x), b - lr * 2 * np.mean(r)
    return w, b, np.array(losses)


def test_2_6_dataset():
    """Book ch.2 §2.6.2 (1): 50 points on y = 3x + 10 in [-1, 1] plus 0.5 * randn noise."""
    x, y = make_dataset()
    assert x.shape == (50, 1) and y.shape == (50, 1) and y.dtype == torch.float32
    np.testing.assert_allclose(x.numpy().ravel(), np.linspace(-1, 1, 50), atol=1e-6)
    noise = (y - 3 * x - 10).numpy() / 0.5
    assert 0.6 < noise.std() < 1.4 and np.abs(noise).max() < 5


def test_2_6_train_linear_regression(capsys):
    """Book ch.2 §2.6.2 (2-3): 1000 epochs of SGD(lr=5e-3) print the loss every 20 and fit w≈3, b≈10."""
    x, y = make_dataset()
    model = LinearRegression()
    w0, b0 = model.fc.weight.item(), model.fc.bias.item()
    train(model, x, y)
    lines = capsys.readouterr().out.splitlines()

    assert len(lines) == 50
    parsed = [re.fullmatch(r"Epoch\[(\d+)/1000\], loss: (\d+\.\d{6})", line) for line in lines]
    assert all(parsed), lines
    assert [int(m[1]) for m in parsed] == list(range(20, 1001, 20))
    xs, ys = x.numpy().ravel().astype(np.float64), y.numpy().ravel().astype(np.float64)
    w, b, losses = numpy_gradient_descent(xs, ys, w0, b0)
    np.testing.assert_allclose([float(m[2]) for m in parsed], losses[19::20], rtol=1e-3, atol=2e-6)
    np.testing.assert_allclose(model.fc.weight.item(), w, atol=1e-3)
    np.testing.assert_allclose(model.fc.bias.item(), b, atol=1e-3)
    # the text reads w1 = 2.7447, w0 = 10.1136: close to y = 10 + 3x
    assert abs(model.fc.weight.item() - 3) < 0.5 and abs(model.fc.bias.item() - 10) < 0.3


def test_2_6_named_parameters(capsys):
    """Book ch.2 §2.6.2 (4): list(model.named_parameters()) shows the fitted w1 and w0."""
    x, y = make_dataset()
    model = LinearRegression()
    train(model, x, y)
    capsys.readouterr()
    print(repr(list(model.named_parameters())))
    out = capsys.readouterr().out
    assert layout(out) == layout(
        "[('fc.weight', Parameter containing:\n"
        "tensor([[3.0473]], requires_grad=True)), ('fc.bias', Parameter containing:\n"
        "tensor([10.0240], requires_grad=True))]\n"
    )
    w, b = model.fc.weight.item(), model.fc.bias.item()
    np.testing.assert_allclose(printed_numbers(out), [w, b], rtol=1e-4, atol=6e-5)


@pytest.mark.filterwarnings("ignore::UserWarning")  # CJK glyphs missing from the font; show() on Agg
def test_2_6_evaluate_and_plot(tmp_path):
    """Book ch.2 §2.6.2 (4): model.eval(), predict, and plot data and fitted line (Agg)."""
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x, y = make_dataset()
    model = LinearRegression()
    train(model, x, y)

    model.eval()
    y_hat = model(x)
    plt.scatter(x.numpy(), y.numpy(), label="原始数据")
    plt.plot(x.numpy(), y_hat.detach().numpy(), c="r", label="拟合直线")
    # 显示图例
    plt.legend()
    plt.savefig(tmp_path / "fit.png")
    plt.show()
    plt.close("all")

    assert model.training is False
    w, b = model.fc.weight.item(), model.fc.bias.item()
    np.testing.assert_allclose(y_hat.detach().numpy(), x.numpy() * w + b, rtol=1e-5)
    assert (tmp_path / "fit.png").stat().st_size > 0
