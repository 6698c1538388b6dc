"""nn.utils' get_total_norm, clip_grads_with_norm_, fuse_*_bn_* and stateless.functional_call against torch 2.13."""

from __future__ import annotations

import math
import warnings

import ember
import numpy as np
import pytest

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(5)


@pytest.mark.parametrize("norm_type", [2.0, 0.5, math.inf])
def test_total_norm_and_clipping(norm_type):
    arrays = [RNG.normal(size=(2, 3)), RNG.normal(size=4)]
    results = []
    for fw in (ember, torch):
        params = [fw.tensor(a, requires_grad=True) for a in arrays]
        for p, a in zip(params, arrays):
            p.grad = fw.tensor(a)
        total = fw.nn.utils.get_total_norm([p.grad for p in params], norm_type)
        fw.nn.utils.clip_grads_with_norm_(params, 0.7, total)
        results.append([float(total), *(p.grad.numpy() for p in params)])
    for got, expected in zip(*results):
        np.testing.assert_allclose(got, expected, rtol=1e-12)


def _conv_bn(fw, transpose):
    fw.manual_seed(0)
    conv = (fw.nn.ConvTranspose2d(2, 3, 2) if transpose else fw.nn.Conv2d(2, 3, 3)).double()
    bn = fw.nn.BatchNorm2d(3).double()
    with fw.no_grad():
        conv.weight.copy_(fw.tensor(np.random.default_rng(1).normal(size=tuple(conv.weight.shape))))
        conv.bias.copy_(fw.tensor([0.1, 0.2, 0.3]))
        bn.running_mean.copy_(fw.tensor([0.5, -0.5, 0.1]))
        bn.running_var.copy_(fw.tensor([2.0, 0.5, 1.5]))
        bn.weight.copy_(fw.tensor([1.5, -0.5, 2.0]))
        bn.bias.copy_(fw.tensor([0.0, 1.0, -1.0]))
    conv.eval()
    bn.eval()
    return conv, bn


@pytest.mark.parametrize("transpose", [False, True])
def test_fused_convolution(transpose):
    x = RNG.normal(size=(1, 2, 5, 5))
    results = []
    for fw in (ember, torch):
        conv, bn = _conv_bn(fw, transpose)
        fused = fw.nn.utils.fuse_conv_bn_eval(conv, bn, transpose=transpose)
        results.append(
            [fused.weight.detach().numpy(), fused.bias.detach().numpy(), fused(fw.tensor(x)).detach().numpy()]
        )
    for got, expected in zip(*results):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_fused_linear():
    results = []
    for fw in (ember, torch):
        fw.manual_seed(0)
        linear, bn = fw.nn.Linear(4, 3).double(), fw.nn.BatchNorm1d(3).double()
        with fw.no_grad():
            linear.weight.copy_(fw.tensor(np.arange(12.0).reshape(3, 4) / 10))
            linear.bias.copy_(fw.tensor([0.3, -0.1, 0.2]))
            bn.running_var.copy_(fw.tensor([2.0, 0.5, 1.5]))
        linear.eval()
        bn.eval()
        fused = fw.nn.utils.fuse_linear_bn_eval(linear, bn)
        results.append([fused.weight.detach().numpy(), fused.bias.detach().numpy()])
    for got, expected in zip(*results):
        np.testing.assert_allclose(got, expected, rtol=1e-12)


def _tied(fw):
    class Tied(fw.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = fw.nn.Linear(3, 3, bias=False)
            self.head = fw.nn.Linear(3, 3)
            self.head.weight = self.embed.weight

        def forward(self, x):
            return self.head(self.embed(x))

    fw.manual_seed(0)
    model = Tied().double()
    with fw.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(fw.tensor(np.random.default_rng(i).normal(size=tuple(p.shape))))
    return model


def test_functional_call():
    x = RNG.normal(size=(2, 3))
    w = RNG.normal(size=(3, 3))
    results = []
    for fw in (ember, torch):
        model = _tied(fw)
        weight = fw.tensor(w, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = fw.nn.utils.stateless.functional_call(model, {"embed.weight": weight}, (fw.tensor(x),))
            untied = fw.nn.utils.stateless.functional_call(
                model, {"embed.weight": weight}, fw.tensor(x), tie_weights=False
            )
        (out.sum() + untied.sum()).backward()
        results.append([out.detach().numpy(), untied.detach().numpy(), weight.grad.numpy()])
    for got, expected in zip(*results):
        np.testing.assert_allclose(got, expected, rtol=1e-12)


@pytest.mark.parametrize(
    "given",
    [
        {"embed.weight": "ones", "head.weight": "zeros"},
        {"embed.weight": "ones", "nope": "ones"},
    ],
)
def test_functional_call_errors(given):
    caught = []
    for fw in (ember, torch):
        model = _tied(fw)
        values = {k: getattr(fw, v)(3, 3, dtype=fw.float64) for k, v in given.items()}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(Exception) as info:
                fw.nn.utils.stateless.functional_call(model, values, fw.ones(1, 3, dtype=fw.float64), strict=True)
        caught.append(info.value)
    assert type(caught[0]) is type(caught[1])
    assert str(caught[0]).split(":")[0] == str(caught[1]).split(":")[0], (str(caught[0]), str(caught[1]))
