"""Lecture notes "PyTorch 简介" (tutorials-source/002): the 4-5-3 MLP and batch/epoch.

The notes' one code example (class Net, ``print(net)``) run with ``import ember.nn as nn``
and ``import ember.nn.functional as F``; its printed text is PyTorch 2.13's. The training
steps and the batch/iteration/epoch arithmetic the notes state in prose are checked too.
"""

import ember as torch
import ember.nn as nn
import ember.nn.functional as F
import ember.optim as optim
import numpy as np
from ember.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()  # noqa: UP008 (as the text writes it)
        self.hidden = nn.Linear(4, 5)
        self.out = nn.Linear(5, 3)

    def forward(self, x):
        x = F.relu(self.hidden(x))
        x = self.out(x)
        return x


def test_mlp_print_net(capsys):
    """Lecture notes (002) fig. 8.3: print(net) of the 4-5-3 MLP."""
    net = Net()
    print(net)
    assert (
        capsys.readouterr().out
        == """\
Net(
  (hidden): Linear(in_features=4, out_features=5, bias=True)
  (out): Linear(in_features=5, out_features=3, bias=True)
)
"""
    )


def test_mlp_forward():
    """Lecture notes (002) fig. 8.3: forward is relu(hidden(x)) then out, as in NumPy."""
    net = Net()
    x = torch.randn(8, 4)
    params = {name: p.detach().numpy() for name, p in net.named_parameters()}
    hidden = np.maximum(x.numpy() @ params["hidden.weight"].T + params["hidden.bias"], 0)
    expected = hidden @ params["out.weight"].T + params["out.bias"]
    y = net(x)
    assert y.shape == (8, 3)
    np.testing.assert_allclose(y.detach().numpy(), expected, rtol=1e-5, atol=1e-6)
    assert sum(p.numel() for p in net.parameters()) == 4 * 5 + 5 + 5 * 3 + 3


def test_training_steps():
    """Lecture notes (002) 神经网络实现的基本步骤: zero_grad, backward, step lower the loss."""
    # three separable classes of 4 features, standing in for the notes' unnamed data set
    centers = np.array([[2, 0, 0, 0], [0, 2, 0, 0], [0, 0, 2, 0]], dtype=np.float32)
    labels = np.repeat(np.arange(3), 30)
    features = centers[labels] + 0.3 * np.random.randn(90, 4).astype(np.float32)
    inputs, targets = torch.from_numpy(features), torch.from_numpy(labels)

    net = Net()
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=0.1)
    losses = []
    for _ in range(200):
        output = net(inputs)  # 前向传播计算网络输出 output
        loss = criterion(output, targets)  # 计算损失函数 loss
        optimizer.zero_grad()  # 将上次迭代计算的梯度值清 0
        loss.backward()  # 反向传播，计算梯度值
        optimizer.step()  # 更新权值参数
        losses.append(loss.item())
    # bounds PyTorch meets for every seed (a ReLU unit that dies can cost a class)
    assert losses[-1] < 0.6 * losses[0]
    accuracy = (net(inputs).argmax(dim=1) == targets).float().mean().item()
    assert accuracy > 0.6


def test_batch_iterations_per_epoch():
    """Lecture notes (002): 1000 samples at batch size 10 take 100 iterations for 1 epoch."""
    dataset = TensorDataset(torch.randn(1000, 4), torch.randint(0, 3, (1000,)))
    loader = DataLoader(dataset, batch_size=10, shuffle=True)
    assert len(loader) == 100
    batches = [len(target) for _, target in loader]  # one epoch
    assert batches == [10] * 100
