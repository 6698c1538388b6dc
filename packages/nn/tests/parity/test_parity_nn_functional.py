"""nn.functional, nn.init and nn.utils against PyTorch over grids of arguments."""

import itertools
import math

import ember
import ember.nn.functional as EF
import numpy as np
import pytest

torch = pytest.importorskip("torch")
TF = torch.nn.functional

rng = np.random.default_rng(5)


def pair(array, grad=True):
    return ember.tensor(array, requires_grad=grad), torch.tensor(array, requires_grad=grad)


def check(ember_fn, torch_fn, arrays, tol=1e-5, grads=True):
    """Same forward and (for float inputs) same input gradients under a random upstream gradient."""
    ember_inputs, torch_inputs = zip(*(pair(a, grads and a.dtype.kind == "f") for a in arrays))
    e_out, t_out = ember_fn(*ember_inputs), torch_fn(*torch_inputs)
    assert e_out.shape == tuple(t_out.shape)
    np.testing.assert_allclose(e_out.detach().numpy(), t_out.detach().numpy(), rtol=tol, atol=tol)
    if not (grads and t_out.requires_grad):
        return
    upstream = rng.standard_normal(tuple(t_out.shape)).astype(np.asarray(arrays[0]).dtype)
    e_out.backward(ember.tensor(upstream))
    t_out.backward(torch.tensor(upstream))
    for e, t in zip(ember_inputs, torch_inputs):
        if t.requires_grad:
            np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=10 * tol, atol=10 * tol)


CONV_GRID = list(
    itertools.product(
        [1, 2],  # stride
        [0, 1, "same"],  # padding
        [1, 2],  # dilation
        [1, 2],  # groups
    )
)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@pytest.mark.parametrize("stride,padding,dilation,groups", CONV_GRID)
def test_conv2d_grid(stride, padding, dilation, groups):
    if padding == "same" and stride != 1:
        pytest.skip("same padding needs stride 1")
    x = rng.standard_normal((2, 4, 7, 6)).astype(np.float32)
    w = rng.standard_normal((6, 4 // groups, 3, 2)).astype(np.float32)
    b = rng.standard_normal(6).astype(np.float32)
    args = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    check(lambda *t: EF.conv2d(*t, **args), lambda *t: TF.conv2d(*t, **args), [x, w, b], 1e-4)


@pytest.mark.parametrize("stride,padding,dilation,groups", CONV_GRID)
def test_conv1d_grid(stride, padding, dilation, groups):
    if padding == "same" and stride != 1:
        pytest.skip("same padding needs stride 1")
    x = rng.standard_normal((2, 4, 11)).astype(np.float32)
    w = rng.standard_normal((2, 4 // groups, 4)).astype(np.float32)
    args = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    check(lambda *t: EF.conv1d(*t, **args), lambda *t: TF.conv1d(*t, **args), [x, w], 1e-4)


def test_conv2d_double_backward_matches():
    x = rng.standard_normal((1, 2, 5, 5))
    w = rng.standard_normal((3, 2, 3, 3))
    (ex, tx), (ew, tw) = pair(x), pair(w)
    e_gx, e_gw = ember.autograd.grad(EF.conv2d(ex, ew, stride=2, padding=1).pow(2).sum(), (ex, ew), create_graph=True)
    t_gx, t_gw = torch.autograd.grad(TF.conv2d(tx, tw, stride=2, padding=1).pow(2).sum(), (tx, tw), create_graph=True)
    np.testing.assert_allclose(e_gx.detach().numpy(), t_gx.detach().numpy(), rtol=1e-10)
    e_second = ember.autograd.grad((e_gx.sum() + (e_gw**2).sum()), (ex, ew))
    t_second = torch.autograd.grad((t_gx.sum() + (t_gw**2).sum()), (tx, tw))
    for e, t in zip(e_second, t_second):
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-9, atol=1e-9)


POOL_GRID = [
    (2, None, 0, 1, False),
    (3, 1, 1, 1, False),
    (3, 2, 1, 1, True),
    ((2, 3), (1, 2), (1, 0), 1, False),
    (2, 2, 1, 2, True),
    (3, 3, 0, 1, True),
]


@pytest.mark.parametrize("kernel,stride,padding,dilation,ceil_mode", POOL_GRID)
def test_max_pool2d_grid_with_indices(kernel, stride, padding, dilation, ceil_mode):
    x = rng.standard_normal((2, 3, 8, 7)).astype(np.float32)
    args = dict(kernel_size=kernel, stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode)
    check(lambda t: EF.max_pool2d(t, **args), lambda t: TF.max_pool2d(t, **args), [x])
    _, e_idx = EF.max_pool2d(ember.tensor(x), return_indices=True, **args)
    _, t_idx = TF.max_pool2d(torch.tensor(x), return_indices=True, **args)
    np.testing.assert_array_equal(e_idx.numpy(), t_idx.numpy())


@pytest.mark.parametrize("kernel,stride,padding,dilation,ceil_mode", POOL_GRID)
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool2d_grid(kernel, stride, padding, dilation, ceil_mode, count_include_pad):
    x = rng.standard_normal((2, 3, 8, 7)).astype(np.float32)
    args = dict(kernel_size=kernel, stride=stride, padding=padding, ceil_mode=ceil_mode)
    args["count_include_pad"] = count_include_pad
    check(lambda t: EF.avg_pool2d(t, **args), lambda t: TF.avg_pool2d(t, **args), [x])


@pytest.mark.parametrize("size", [(1, 1), (2, 2), (3, 5), (7, 4), 6, (None, 3)])
def test_adaptive_avg_pool2d(size):
    x = rng.standard_normal((2, 3, 7, 9)).astype(np.float32)
    check(lambda t: EF.adaptive_avg_pool2d(t, size), lambda t: TF.adaptive_avg_pool2d(t, size), [x])


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("widths", [(1, 2), (2, 0, 1, 1), (0, 1, 2, 1)])
def test_pad_modes(mode, widths):
    x = rng.standard_normal((1, 2, 4, 5)[: 2 + len(widths) // 2]).astype(np.float32)
    check(lambda t: EF.pad(t, widths, mode=mode), lambda t: TF.pad(t, widths, mode=mode), [x])


def test_non_constant_padding_takes_the_same_sizes():
    for shape, widths in [((1, 2, 4, 5), (1, 1)), ((4, 5), (1, 1, 1, 1)), ((1, 1, 1, 2, 3, 4), (1, 1, 1, 1))]:
        with pytest.raises(NotImplementedError):
            TF.pad(torch.zeros(shape), widths, mode="replicate")
        with pytest.raises(NotImplementedError, match="is not supported for"):
            EF.pad(ember.zeros(shape), widths, mode="replicate")


def test_constant_pad_value_and_negative_widths():
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    check(lambda t: EF.pad(t, (1, -1, -1, 2), value=3.5), lambda t: TF.pad(t, (1, -1, -1, 2), value=3.5), [x])


def test_embedding_max_norm_and_gradients():
    weight = rng.standard_normal((7, 3)).astype(np.float32) * 2
    index = np.array([[0, 3, 3], [6, 1, 0]])
    e_w, t_w = pair(weight.copy()), pair(weight.copy())
    e_out = EF.embedding(ember.tensor(index), e_w[0], padding_idx=1, max_norm=1.5)
    t_out = TF.embedding(torch.tensor(index), t_w[1], padding_idx=1, max_norm=1.5)
    np.testing.assert_allclose(e_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-5)
    np.testing.assert_allclose(e_w[0].detach().numpy(), t_w[1].detach().numpy(), rtol=1e-5)
    e_out.sum().backward()
    t_out.sum().backward()
    np.testing.assert_allclose(e_w[0].grad.numpy(), t_w[1].grad.numpy())
    check(
        lambda w: EF.embedding(ember.tensor(index), w, scale_grad_by_freq=True),
        lambda w: TF.embedding(torch.tensor(index), w, scale_grad_by_freq=True),
        [weight],
    )


def test_activations_with_arguments():
    x = (rng.standard_normal((3, 7)) * 4).astype(np.float32)
    cases = [
        (lambda t: EF.leaky_relu(t, 0.3), lambda t: TF.leaky_relu(t, 0.3)),
        (lambda t: EF.elu(t, 2.0), lambda t: TF.elu(t, 2.0)),
        (lambda t: EF.softplus(t, 0.5, 2.0), lambda t: TF.softplus(t, 0.5, 2.0)),
        (lambda t: EF.hardtanh(t, -0.3, 0.8), lambda t: TF.hardtanh(t, -0.3, 0.8)),
        (lambda t: EF.softmax(t, 0), lambda t: TF.softmax(t, 0)),
        (lambda t: EF.log_softmax(t, 1, dtype=ember.float64), lambda t: TF.log_softmax(t, 1, dtype=torch.float64)),
        (lambda t: EF.normalize(t, p=1.0, dim=0), lambda t: TF.normalize(t, p=1.0, dim=0)),
        (lambda t: EF.cosine_similarity(t, t.flip(0)), lambda t: TF.cosine_similarity(t, t.flip(0))),
        (lambda t: EF.relu6(t), lambda t: TF.relu6(t)),
        (lambda t: EF.logsigmoid(t), lambda t: TF.logsigmoid(t)),
    ]
    for ember_fn, torch_fn in cases:
        check(ember_fn, torch_fn, [x])


def test_in_place_activations_keep_autograd_working():
    x = rng.standard_normal((3, 4)).astype(np.float32)
    for name in ("relu", "leaky_relu", "elu", "silu", "hardtanh", "relu6", "selu", "mish", "hardswish", "hardsigmoid"):
        check(
            lambda t, n=name: getattr(EF, n)(t * 1, inplace=True),
            lambda t, n=name: getattr(TF, n)(t * 1, inplace=True),
            [x],
        )


def test_one_hot_matches():
    labels = np.array([[0, 4], [2, 1]])
    np.testing.assert_array_equal(EF.one_hot(ember.tensor(labels)).numpy(), TF.one_hot(torch.tensor(labels)).numpy())
    np.testing.assert_array_equal(
        EF.one_hot(ember.tensor(labels), 6).numpy(), TF.one_hot(torch.tensor(labels), 6).numpy()
    )


def test_batch_and_layer_norm_functional_forms():
    x = rng.standard_normal((5, 3, 4)).astype(np.float32)
    w = rng.standard_normal(3).astype(np.float32)
    b = rng.standard_normal(3).astype(np.float32)
    check(
        lambda t, ww, bb: EF.batch_norm(t, None, None, ww, bb, training=True, eps=1e-3),
        lambda t, ww, bb: TF.batch_norm(t, None, None, ww, bb, training=True, eps=1e-3),
        [x, w, b],
        1e-4,
    )
    mean, var = rng.standard_normal(3).astype(np.float32), rng.uniform(0.5, 2, 3).astype(np.float32)
    check(
        lambda t: EF.batch_norm(t, ember.tensor(mean), ember.tensor(var)),
        lambda t: TF.batch_norm(t, torch.tensor(mean), torch.tensor(var)),
        [x],
        1e-4,
    )
    check(lambda t: EF.layer_norm(t, (3, 4)), lambda t: TF.layer_norm(t, (3, 4)), [x], 1e-4)
    check(lambda t: EF.group_norm(t, 3), lambda t: TF.group_norm(t, 3), [x], 1e-4)


def test_init_gains_and_fans_match():
    for name, param in [("linear", None), ("tanh", None), ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2)]:
        assert ember.nn.init.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name, param))
    for shape in [(3, 4), (5, 2, 3, 3), (2, 6, 7)]:
        e_fans = ember.nn.init._calculate_fan_in_and_fan_out(ember.empty(shape))
        t_fans = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
        assert e_fans == t_fans
    ember_bound = float(ember.nn.Linear(50, 8).weight.abs().max())
    assert ember_bound <= 1 / math.sqrt(50)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf, 3.0])
def test_clip_grad_norm_matches(norm_type):
    grads = [rng.standard_normal(s).astype(np.float32) for s in [(3, 4), (5,), (2, 2)]]
    ember_params = [ember.nn.Parameter(ember.zeros(g.shape)) for g in grads]
    torch_params = [torch.nn.Parameter(torch.zeros(g.shape)) for g in grads]
    for e, t, g in zip(ember_params, torch_params, grads):
        e.grad, t.grad = ember.tensor(g), torch.tensor(g)
    e_total = ember.nn.utils.clip_grad_norm_(ember_params, 0.7, norm_type)
    t_total = torch.nn.utils.clip_grad_norm_(torch_params, 0.7, norm_type)
    assert e_total.item() == pytest.approx(t_total.item(), rel=1e-5)
    for e, t in zip(ember_params, torch_params):
        np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-5)


def test_clip_grad_value_and_vector_conversions_match():
    grads = rng.standard_normal(10).astype(np.float32) * 3
    e_param, t_param = ember.nn.Parameter(ember.zeros(10)), torch.nn.Parameter(torch.zeros(10))
    e_param.grad, t_param.grad = ember.tensor(grads), torch.tensor(grads)
    ember.nn.utils.clip_grad_value_(e_param, 1.2)
    torch.nn.utils.clip_grad_value_(t_param, 1.2)
    np.testing.assert_allclose(e_param.grad.numpy(), t_param.grad.numpy())
    values = rng.standard_normal(7).astype(np.float32)
    e_params = [ember.nn.Parameter(ember.zeros(3)), ember.nn.Parameter(ember.zeros(2, 2))]
    t_params = [torch.nn.Parameter(torch.zeros(3)), torch.nn.Parameter(torch.zeros(2, 2))]
    ember.nn.utils.vector_to_parameters(ember.tensor(values), e_params)
    torch.nn.utils.vector_to_parameters(torch.tensor(values), t_params)
    for e, t in zip(e_params, t_params):
        np.testing.assert_array_equal(e.detach().numpy(), t.detach().numpy())
    np.testing.assert_array_equal(
        ember.nn.utils.parameters_to_vector(e_params).detach().numpy(),
        torch.nn.utils.parameters_to_vector(t_params).detach().numpy(),
    )
