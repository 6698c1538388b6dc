"""A small MLP trained in bfloat16 (`model.to(torch.bfloat16)`) against PyTorch: outputs, gradients, steps."""

import ember
import numpy as np
import pytest
from ember import nn

torch = pytest.importorskip("torch")


def _to_ember(t):
    return ember.tensor(t.detach().float().numpy()).to(ember.bfloat16)


def _close(mine, theirs, atol):
    assert mine.dtype is ember.bfloat16 and theirs.dtype is torch.bfloat16
    np.testing.assert_allclose(
        np.asarray(mine.float().tolist()), theirs.detach().float().numpy(), rtol=2**-6, atol=atol
    )


def test_an_mlp_trains_in_bfloat16_as_torch():
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3)).to(torch.bfloat16)
    mine = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3)).to(ember.bfloat16)
    mine.load_state_dict({k: _to_ember(v) for k, v in theirs.state_dict().items()})
    assert all(p.dtype is ember.bfloat16 for p in mine.parameters())
    x, y = torch.randn(8, 6).to(torch.bfloat16), torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])
    ex, ey = _to_ember(x), ember.tensor(y.numpy())
    their_opt = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    my_opt = ember.optim.SGD(mine.parameters(), lr=0.1, momentum=0.9)
    for _ in range(3):
        their_opt.zero_grad()
        my_opt.zero_grad()
        their_loss = torch.nn.functional.cross_entropy(theirs(x), y)
        my_loss = nn.functional.cross_entropy(mine(ex), ey)
        _close(my_loss, their_loss, atol=2**-6)
        their_loss.backward()
        my_loss.backward()
        for p, q in zip(mine.parameters(), theirs.parameters()):
            _close(p.grad, q.grad, atol=2**-6)
        their_opt.step()
        my_opt.step()
    _close(mine(ex), theirs(x), atol=2**-5)


def test_module_bfloat16_converts_floating_parameters_and_buffers():
    mine = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2)).bfloat16()
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2)).bfloat16()
    assert {k: str(v.dtype)[6:] for k, v in mine.state_dict().items()} == {
        k: str(v.dtype)[6:] for k, v in theirs.state_dict().items()
    }


def test_linear_forward_in_bfloat16():
    torch.manual_seed(1)
    theirs = torch.nn.Linear(32, 8).to(torch.bfloat16)
    mine = nn.Linear(32, 8).to(ember.bfloat16)
    mine.load_state_dict({k: _to_ember(v) for k, v in theirs.state_dict().items()})
    x = torch.randn(4, 32).to(torch.bfloat16)
    _close(mine(_to_ember(x)), theirs(x), atol=2**-7)


@pytest.mark.parametrize("name", ["layer_norm", "batch_norm", "group_norm", "instance_norm"])
def test_normalization_in_bfloat16(name):
    data = np.random.default_rng(2).normal(size=(4, 6, 5, 5)).astype(np.float32) * 3 + 1
    calls = {
        "layer_norm": lambda m, x, w, b: m.nn.functional.layer_norm(x.transpose(1, 3), (6,), w, b),
        "batch_norm": lambda m, x, w, b: m.nn.functional.batch_norm(x, None, None, w, b, training=True),
        "group_norm": lambda m, x, w, b: m.nn.functional.group_norm(x, 3, w, b),
        "instance_norm": lambda m, x, w, b: m.nn.functional.instance_norm(x, weight=w, bias=b),
    }
    results = []
    for m in (ember, torch):
        x = m.tensor(data).to(m.bfloat16).requires_grad_()
        w, b = (m.linspace(*span, 6).to(m.bfloat16).requires_grad_() for span in ((0.5, 1.5), (-1.0, 1.0)))
        y = calls[name](m, x, w, b)
        y.backward(m.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)).astype(np.float32)).to(m.bfloat16))
        results.append((y, x.grad, w.grad, b.grad))
    (y, dx, dw, db), (ty, tdx, tdw, tdb) = results
    if name == "layer_norm":  # NOTE: float32 statistics, one rounding: PyTorch's values exactly
        assert y.float().tolist() == ty.float().tolist()
    _close(y, ty, atol=2**-5)
    _close(dx, tdx, atol=2**-6)
    # NOTE: weight and bias gradients sum 100 bfloat16 products; ember's float32 sums are the closer ones
    _close(dw, tdw, atol=2**-2)
    _close(db, tdb, atol=2**-2)


LAYERS = {
    "conv2d": (lambda n: n.Conv2d(3, 4, 3), (2, 3, 6, 6)),
    "conv_transpose2d": (lambda n: n.ConvTranspose2d(3, 4, 3), (2, 3, 5, 5)),
    "lstm": (lambda n: n.LSTM(4, 5, batch_first=True), (2, 3, 4)),
    "gru": (lambda n: n.GRU(4, 5), (3, 2, 4)),
    "transformer_encoder_layer": (
        lambda n: n.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True),
        (2, 3, 8),
    ),
    "cnn": (
        lambda n: n.Sequential(n.Conv2d(3, 2, 3), n.BatchNorm2d(2), n.MaxPool2d(2), n.Flatten(), n.Linear(8, 3)),
        (2, 3, 6, 6),
    ),
}


@pytest.mark.parametrize("name", list(LAYERS))
def test_layers_in_bfloat16(name):
    build, shape = LAYERS[name]
    torch.manual_seed(0)
    theirs = build(torch.nn).to(torch.bfloat16)
    mine = build(nn).to(ember.bfloat16)
    mine.load_state_dict({k: _to_ember(v) for k, v in theirs.state_dict().items()})
    data = torch.tensor(np.random.default_rng(0).normal(size=shape).astype(np.float32)).bfloat16()
    tx, x = data.clone().requires_grad_(), _to_ember(data).requires_grad_()
    ty, y = theirs(tx), mine(x)
    ty, y = (ty[0], y[0]) if isinstance(ty, tuple) else (ty, y)
    _close(y, ty, atol=2**-5)
    ty.float().sum().backward()
    y.float().sum().backward()
    _close(x.grad, tx.grad, atol=2**-5)
