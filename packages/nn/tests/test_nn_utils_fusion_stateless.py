"""nn.utils: get_total_norm and clip_grads_with_norm_ (what clip_grad_norm_ is made of), BatchNorm folded into
the layer before it, and stateless.functional_call."""

from __future__ import annotations

import math

import ember
import numpy as np
import pytest
from ember import nn
from ember.autograd import gradcheck
from ember.nn import utils
from ember.nn.utils.stateless import functional_call

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
def test_total_norm_is_the_norm_of_the_norms_and_clipping_uses_it(norm_type):
    arrays = [RNG.normal(size=(3, 4)), RNG.normal(size=5)]
    flat = np.concatenate([a.ravel() for a in arrays])
    expected = np.abs(flat).max() if norm_type == math.inf else (np.abs(flat) ** norm_type).sum() ** (1 / norm_type)
    total = utils.get_total_norm([ember.tensor(a) for a in arrays], norm_type)
    np.testing.assert_allclose(float(total), expected, rtol=1e-12)
    params = [ember.tensor(a, requires_grad=True) for a in arrays]
    for p, a in zip(params, arrays):
        p.grad = ember.tensor(a)
    utils.clip_grads_with_norm_(params, 1.0, total)
    np.testing.assert_allclose(params[0].grad.numpy(), arrays[0] * min(1.0, 1.0 / (expected + 1e-6)), rtol=1e-12)
    with pytest.raises(RuntimeError, match="non-finite"):
        utils.get_total_norm([ember.tensor([math.nan])], error_if_nonfinite=True)


def _eval(*layers):
    for layer in layers:
        layer.eval()
    return layers


def _statistics(bn, channels):
    with ember.no_grad():
        bn.running_mean.copy_(ember.tensor(RNG.normal(size=channels)))
        bn.running_var.copy_(ember.tensor(RNG.random(channels) + 0.5))
        if bn.weight is not None:
            bn.weight.copy_(ember.tensor(RNG.normal(size=channels)))
            bn.bias.copy_(ember.tensor(RNG.normal(size=channels)))


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize(
    ("layer", "norm", "shape", "transpose"),
    [
        (lambda: nn.Conv2d(2, 3, 3), nn.BatchNorm2d, (2, 2, 6, 6), False),
        (lambda: nn.Conv1d(2, 3, 2, bias=False), nn.BatchNorm1d, (2, 2, 7), False),
        (lambda: nn.ConvTranspose2d(2, 3, 2), nn.BatchNorm2d, (1, 2, 4, 4), True),
    ],
)
def test_a_folded_batchnorm_gives_the_same_outputs(layer, norm, shape, transpose, affine):
    ember.manual_seed(0)
    conv, bn = _eval(layer().double(), norm(3, affine=affine).double())
    _statistics(bn, 3)
    fused = utils.fuse_conv_bn_eval(conv, bn, transpose=transpose)
    x = ember.tensor(RNG.normal(size=shape))
    np.testing.assert_allclose(fused(x).detach().numpy(), bn(conv(x)).detach().numpy(), rtol=1e-10, atol=1e-12)
    assert isinstance(fused.weight, nn.Parameter) and fused is not conv


def test_linear_folding_and_its_checks():
    linear, bn = _eval(nn.Linear(4, 3).double(), nn.BatchNorm1d(3).double())
    _statistics(bn, 3)
    x = ember.tensor(RNG.normal(size=(5, 4)))
    fused = utils.fuse_linear_bn_eval(linear, bn)
    np.testing.assert_allclose(fused(x).detach().numpy(), bn(linear(x)).detach().numpy(), rtol=1e-10, atol=1e-12)
    with pytest.raises(AssertionError, match="Fusion only for eval!"):
        utils.fuse_linear_bn_eval(nn.Linear(4, 3), bn)
    with pytest.raises(AssertionError, match="out_features must equal bn.num_features"):
        utils.fuse_linear_bn_eval(_eval(nn.Linear(4, 2))[0], bn)


class Tied(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Linear(3, 3, bias=False)
        self.head = nn.Linear(3, 3)
        self.head.weight = self.embed.weight
        self.register_buffer("offset", ember.zeros(3))

    def forward(self, x):
        return self.head(self.embed(x)) + self.offset


def test_functional_call_uses_the_given_tensors_and_restores_the_module():
    model = Tied()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    weight = ember.tensor(RNG.normal(size=(3, 3)), dtype=ember.float32, requires_grad=True)
    offset = ember.ones(3)
    x = ember.tensor(RNG.normal(size=(2, 3)), dtype=ember.float32)
    out = functional_call(model, {"embed.weight": weight, "offset": offset}, (x,))
    expected = (x @ weight.T) @ weight.T + model.head.bias + 1.0  # the tied head.weight follows embed.weight
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-5)
    out.sum().backward()
    assert weight.grad is not None and model.embed.weight.grad is None
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), before[key].numpy())
    untied = functional_call(model, {"embed.weight": weight}, x, tie_weights=False)
    np.testing.assert_allclose(
        untied.detach().numpy(), ((x @ weight.T) @ model.head.weight.T + model.head.bias).detach().numpy(), rtol=1e-5
    )


def test_functional_call_checks_what_it_is_given():
    model = Tied()
    with pytest.raises(ValueError, match="which are tied"):
        functional_call(model, {"embed.weight": ember.ones(3, 3), "head.weight": ember.zeros(3, 3)}, ember.ones(1, 3))
    with pytest.raises(RuntimeError, match=r"Missing key\(s\): 'head.bias'"):
        functional_call(
            model, {"embed.weight": ember.ones(3, 3), "offset": ember.ones(3)}, ember.ones(1, 3), strict=True
        )
    with pytest.raises(ValueError, match="appeared in multiple dictionaries"):
        functional_call(model, ({"offset": ember.ones(3)}, {"offset": ember.ones(3)}), ember.ones(1, 3))


def test_gradcheck_through_functional_call():
    model = nn.Sequential(nn.Linear(3, 2), nn.Tanh()).double()
    x = ember.tensor(RNG.normal(size=(4, 3)))
    weight = ember.tensor(RNG.normal(size=(2, 3)), requires_grad=True)
    bias = ember.tensor(RNG.normal(size=2), requires_grad=True)
    assert gradcheck(lambda w, b: functional_call(model, {"0.weight": w, "0.bias": b}, x), (weight, bias))
