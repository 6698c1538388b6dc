"""nn.init distributions and nn.utils (gradient clipping, parameter vectors)."""

import math

import ember
import numpy as np
import pytest
from ember import nn
from ember.nn import init
from ember.nn.utils import clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters


def test_calculate_gain():
    assert init.calculate_gain("linear") == 1 and init.calculate_gain("conv2d") == 1
    assert init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01**2)))
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="Unsupported nonlinearity foo"):
        init.calculate_gain("foo")


def big(*shape):
    return nn.Parameter(ember.empty(*shape))


def test_uniform_families_respect_their_bounds_and_spread():
    w = big(200, 300)
    init.xavier_uniform_(w, gain=2.0)
    bound = 2.0 * math.sqrt(6 / 500)
    assert float(w.abs().max()) <= bound and float(w.abs().max()) > 0.95 * bound
    assert float(w.std()) == pytest.approx(bound / math.sqrt(3), rel=0.02)
    init.kaiming_uniform_(w, mode="fan_out", nonlinearity="relu")
    assert float(w.abs().max()) <= math.sqrt(2) * math.sqrt(3 / 200)
    init.uniform_(w, -0.5, 2.0)
    assert -0.5 <= float(w.min()) and float(w.max()) < 2.0
    assert float(w.mean()) == pytest.approx(0.75, abs=0.01)


def test_normal_families_have_the_right_std():
    w = big(300, 200)
    init.xavier_normal_(w)
    assert float(w.std()) == pytest.approx(math.sqrt(2 / 500), rel=0.02)
    init.kaiming_normal_(w, nonlinearity="relu")
    assert float(w.std()) == pytest.approx(math.sqrt(2 / 200), rel=0.02)
    init.normal_(w, 3.0, 0.5)
    assert float(w.mean()) == pytest.approx(3.0, abs=0.01)
    init.trunc_normal_(w, std=1.0, a=-0.5, b=0.5)
    assert -0.5 <= float(w.min()) and float(w.max()) <= 0.5
    assert w.requires_grad and w.grad_fn is None


def test_constant_eye_dirac_orthogonal():
    w = big(3, 4)
    init.constant_(w, 2.5)
    assert w.tolist() == [[2.5] * 4] * 3
    init.zeros_(w)
    assert float(w.abs().sum()) == 0
    init.ones_(w)
    assert float(w.sum()) == 12
    init.eye_(w)
    np.testing.assert_array_equal(w.detach().numpy(), np.eye(3, 4))
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.eye_(big(2, 2, 2))
    conv = nn.Conv2d(2, 2, 3, padding=1, bias=False)
    init.dirac_(conv.weight)
    x = ember.randn(1, 2, 4, 4)
    np.testing.assert_allclose(conv(x).detach().numpy(), x.numpy(), atol=1e-6)
    q = big(5, 3)
    init.orthogonal_(q)
    np.testing.assert_allclose(q.detach().numpy().T @ q.detach().numpy(), np.eye(3), atol=1e-5)


def test_fan_errors_and_generator_reproducibility():
    with pytest.raises(ValueError, match="Fan in and fan out can not be computed"):
        init.xavier_uniform_(big(3))
    first = init.kaiming_uniform_(big(4, 4), generator=ember.Generator().manual_seed(1)).detach().numpy().copy()
    second = init.kaiming_uniform_(big(4, 4), generator=ember.Generator().manual_seed(1)).detach().numpy()
    np.testing.assert_array_equal(first, second)


def test_seeded_linear_init_is_reproducible():
    ember.manual_seed(42)
    a = nn.Linear(3, 3)
    ember.manual_seed(42)
    b = nn.Linear(3, 3)
    np.testing.assert_array_equal(a.weight.detach().numpy(), b.weight.detach().numpy())


def with_grads(*grads):
    params = [nn.Parameter(ember.zeros(len(g))) for g in grads]
    for p, g in zip(params, grads):
        p.grad = ember.tensor(g)
    return params


def test_clip_grad_norm_scales_all_gradients_together():
    params = with_grads([3.0, 0.0], [0.0, 4.0])
    total = clip_grad_norm_(params, 1.0)
    assert total.item() == pytest.approx(5.0)
    np.testing.assert_allclose(params[0].grad.numpy(), [0.6, 0.0], rtol=1e-5)
    np.testing.assert_allclose(params[1].grad.numpy(), [0.0, 0.8], rtol=1e-5)
    small = with_grads([0.1, 0.2])
    clip_grad_norm_(small, 10.0)
    np.testing.assert_allclose(small[0].grad.numpy(), [0.1, 0.2], rtol=1e-6)
    inf_norm = with_grads([-3.0, 1.0])
    assert clip_grad_norm_(inf_norm, 1.5, norm_type="inf").item() == pytest.approx(3.0)
    np.testing.assert_allclose(inf_norm[0].grad.numpy(), [-1.5, 0.5], rtol=1e-5)
    assert clip_grad_norm_([nn.Parameter(ember.ones(1))], 1.0).item() == 0.0
    with pytest.raises(RuntimeError, match="is non-finite, so it cannot be clipped"):
        clip_grad_norm_(with_grads([math.inf]), 1.0, error_if_nonfinite=True)


def test_clip_grad_value_():
    params = with_grads([-5.0, 0.3, 2.0])
    clip_grad_value_(params, 1.0)
    np.testing.assert_allclose(params[0].grad.numpy(), [-1.0, 0.3, 1.0], rtol=1e-6)
    single = with_grads([4.0])[0]
    clip_grad_value_(single, 0.5)
    assert single.grad.tolist() == [0.5]


def test_parameters_to_vector_round_trip():
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    vector = parameters_to_vector(model.parameters())
    assert vector.shape == (13,) and type(vector.grad_fn).__name__ == "CatBackward0"
    expected = np.concatenate([p.detach().numpy().reshape(-1) for p in model.parameters()])
    np.testing.assert_array_equal(vector.detach().numpy(), expected)
    vector_to_parameters(ember.arange(13.0), model.parameters())
    assert model[0].weight.tolist() == [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]
    assert model[1].bias.tolist() == [12.0]
    assert isinstance(model[0].weight, nn.Parameter)
    with pytest.raises(TypeError, match="expected ember.Tensor, but got: list"):
        vector_to_parameters([1.0], model.parameters())
