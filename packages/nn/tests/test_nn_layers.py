"""Layers and their functional forms against NumPy references (no PyTorch needed)."""

import math

import ember
import ember.nn.functional as F
import numpy as np
import pytest
from ember import nn

rng = np.random.default_rng(7)


def values(t):
    return t.detach().numpy()


def close(actual, expected, tol=1e-5):
    np.testing.assert_allclose(values(actual), expected, rtol=tol, atol=tol)


# --- references -------------------------------------------------------------------------------------


def conv2d_reference(x, w, b, stride, padding, dilation, groups):
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding[0], padding[0]), (padding[1], padding[1])))
    oh = (h + 2 * padding[0] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (wd + 2 * padding[1] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    out = np.zeros((n, o, oh, ow))
    per_group = o // groups
    for oc in range(o):
        g = oc // per_group
        for i in range(oh):
            for j in range(ow):
                rows = i * stride[0] + dilation[0] * np.arange(kh)
                cols = j * stride[1] + dilation[1] * np.arange(kw)
                patch = xp[:, g * cg : (g + 1) * cg][:, :, rows][:, :, :, cols]
                out[:, oc, i, j] = (patch * w[oc]).sum(axis=(1, 2, 3))
    return out + (0 if b is None else b.reshape(1, -1, 1, 1))


def pool_reference(x, k, s, p, reduce, pad_value):
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=pad_value)
    oh = (x.shape[2] + 2 * p - k) // s + 1
    ow = (x.shape[3] + 2 * p - k) // s + 1
    out = np.zeros(x.shape[:2] + (oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = reduce(xp[:, :, i * s : i * s + k, j * s : j * s + k], axis=(2, 3))
    return out


# --- linear ---------------------------------------------------------------------------------------------


def test_linear_matches_numpy_and_default_init_bounds():
    layer = nn.Linear(20, 6)
    bound = 1 / math.sqrt(20)
    assert float(layer.weight.abs().max()) <= bound and float(layer.bias.abs().max()) <= bound
    assert float(layer.weight.std()) > bound / 3
    x = rng.standard_normal((4, 20)).astype(np.float32)
    expected = x @ values(layer.weight).T + values(layer.bias)
    close(layer(ember.tensor(x)), expected)
    batched = rng.standard_normal((2, 3, 20)).astype(np.float32)
    close(layer(ember.tensor(batched)), batched @ values(layer.weight).T + values(layer.bias))
    assert nn.Linear(3, 2, bias=False).bias is None
    assert nn.Linear(3, 2, dtype=ember.float64).weight.dtype is ember.float64


def test_linear_shape_error_names_both_shapes():
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(4x3 and 5x2\)"):
        nn.Linear(5, 2)(ember.ones(4, 3))


def test_bilinear_matches_einsum():
    layer = nn.Bilinear(3, 4, 2)
    x1 = rng.standard_normal((5, 3)).astype(np.float32)
    x2 = rng.standard_normal((5, 4)).astype(np.float32)
    expected = np.einsum("bi,kij,bj->bk", x1, values(layer.weight), x2) + values(layer.bias)
    close(layer(ember.tensor(x1), ember.tensor(x2)), expected)


def test_identity_flatten_unflatten():
    x = ember.randn(2, 3, 4)
    assert nn.Identity(54, unused=1)(x) is x
    assert nn.Flatten()(x).shape == (2, 12)
    assert nn.Flatten(0, 1)(x).shape == (6, 4)
    assert nn.Unflatten(1, (3, 1))(x).shape == (2, 3, 1, 4)
    assert repr(nn.Unflatten(1, (2, 2))) == "Unflatten(dim=1, unflattened_size=(2, 2))"


# --- convolution ----------------------------------------------------------------------------------------

CONV_CASES = [
    # (N, C, H, W, O, k, stride, padding, dilation, groups)
    (2, 3, 6, 5, 4, 3, (1, 1), (1, 1), (1, 1), 1),
    (1, 4, 9, 8, 6, 3, (2, 1), (0, 2), (1, 1), 2),
    (2, 2, 8, 8, 2, 2, (2, 2), (1, 1), (2, 2), 2),
    (1, 1, 5, 7, 3, 1, (1, 1), (0, 0), (1, 1), 1),
]


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d_matches_direct_loops(case):
    n, c, h, w, o, k, stride, padding, dilation, groups = case
    x = rng.standard_normal((n, c, h, w))
    weight = rng.standard_normal((o, c // groups, k, k))
    bias = rng.standard_normal(o)
    out = F.conv2d(ember.tensor(x), ember.tensor(weight), ember.tensor(bias), stride, padding, dilation, groups)
    close(out, conv2d_reference(x, weight, bias, stride, padding, dilation, groups), 1e-10)
    assert out.is_contiguous()


def test_conv2d_same_padding_even_kernel_and_unbatched_input():
    x = rng.standard_normal((1, 2, 5, 6))
    weight = rng.standard_normal((3, 2, 2, 4))
    out = F.conv2d(ember.tensor(x), ember.tensor(weight), padding="same")
    assert out.shape == (1, 3, 5, 6)
    padded = np.pad(x, ((0, 0), (0, 0), (0, 1), (1, 2)))
    close(out, conv2d_reference(padded, weight, None, (1, 1), (0, 0), (1, 1), 1), 1e-10)
    unbatched = F.conv2d(ember.tensor(x[0]), ember.tensor(weight), padding="valid")
    assert unbatched.shape == (3, 4, 3)
    close(unbatched, conv2d_reference(x, weight, None, (1, 1), (0, 0), (1, 1), 1)[0], 1e-10)


def test_conv1d_matches_conv2d_on_a_row():
    x = rng.standard_normal((2, 3, 11))
    weight = rng.standard_normal((4, 3, 3))
    out = F.conv1d(ember.tensor(x), ember.tensor(weight), None, 2, 1, 2)
    expected = conv2d_reference(x[:, :, None], weight[:, :, None], None, (1, 2), (0, 1), (1, 2), 1)[:, :, 0]
    close(out, expected, 1e-10)


def test_conv_modules_init_repr_and_padding_modes():
    conv = nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False)
    assert conv.weight.shape == (8, 3, 3, 3) and conv.bias is None
    assert float(conv.weight.abs().max()) <= 1 / math.sqrt(27)
    assert repr(conv) == "Conv2d(3, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=False)"
    assert repr(nn.Conv1d(2, 4, 5, groups=2, dilation=2)) == (
        "Conv1d(2, 4, kernel_size=(5,), stride=(1,), dilation=(2,), groups=2)"
    )
    assert repr(nn.Conv2d(1, 1, 3, padding="same")) == "Conv2d(1, 1, kernel_size=(3, 3), stride=(1, 1), padding=same)"
    circular = nn.Conv2d(1, 1, 3, padding=1, padding_mode="circular", bias=False)
    x = rng.standard_normal((1, 1, 4, 5)).astype(np.float32)
    wrapped = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), mode="wrap")
    expected = conv2d_reference(wrapped, values(circular.weight), None, (1, 1), (0, 0), (1, 1), 1)
    close(circular(ember.tensor(x)), expected)
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(1, 1, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="padding='same' is not supported for strided convolutions"):
        nn.Conv2d(1, 1, 3, stride=2, padding="same")


def test_conv_errors_name_shapes():
    weight = ember.randn(4, 3, 3, 3)
    with pytest.raises(RuntimeError, match=r"expected input\[2, 5, 6, 6\] to have 3 channels, but got 5 channels"):
        F.conv2d(ember.randn(2, 5, 6, 6), weight)
    with pytest.raises(RuntimeError, match=r"Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d"):
        F.conv2d(ember.randn(6, 6), weight)
    with pytest.raises(RuntimeError, match="Kernel size can't be greater than actual input size"):
        F.conv2d(ember.randn(1, 3, 2, 2), weight)
    with pytest.raises(RuntimeError, match="Input type .* and weight type .* should be the same"):
        F.conv2d(ember.randn(1, 3, 5, 5, dtype=ember.float64), weight)


# --- pooling --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("k,s,p", [(2, 2, 0), (3, 1, 0), (3, 2, 1), (2, 1, 1)])
def test_max_and_avg_pool_match_windows(k, s, p):
    x = rng.standard_normal((2, 3, 7, 6))
    close(F.max_pool2d(ember.tensor(x), k, s, p), pool_reference(x, k, s, p, np.max, -np.inf), 1e-12)
    close(F.avg_pool2d(ember.tensor(x), k, s, p), pool_reference(x, k, s, p, np.mean, 0.0), 1e-12)


def test_max_pool_indices_point_at_the_maxima():
    x = rng.standard_normal((1, 2, 5, 5))
    out, indices = F.max_pool2d(ember.tensor(x), 3, 2, 1, return_indices=True)
    flat = x.reshape(1, 2, -1)
    np.testing.assert_array_equal(
        np.take_along_axis(flat, indices.numpy().reshape(1, 2, -1), 2).reshape(out.shape), values(out)
    )
    assert indices.dtype is ember.int64
    layer = nn.MaxPool2d(2, return_indices=True)
    assert len(layer(ember.tensor(x))) == 2


def test_max_pool_gradient_goes_to_first_maximum_only():
    x = ember.zeros(1, 1, 2, 2, requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    assert x.grad.tolist() == [[[[1.0, 0.0], [0.0, 0.0]]]]


def test_overlapping_max_pool_gradient_accumulates():
    x = ember.tensor([[[[0.0, 5.0, 1.0, 0.0]]]], requires_grad=True)
    F.max_pool2d(x, (1, 2), (1, 1)).sum().backward()
    assert x.grad.tolist() == [[[[0.0, 2.0, 1.0, 0.0]]]]


def test_ceil_mode_and_count_include_pad():
    x = rng.standard_normal((1, 1, 5, 5))
    out = F.max_pool2d(ember.tensor(x), 2, ceil_mode=True)
    assert out.shape == (1, 1, 3, 3)
    assert out[0, 0, 2, 2].item() == x[0, 0, 4, 4]
    avg = F.avg_pool2d(ember.tensor(x), 3, 2, 1, count_include_pad=False)
    assert avg[0, 0, 0, 0].item() == pytest.approx(x[0, 0, :2, :2].mean())
    avg_included = F.avg_pool2d(ember.tensor(x), 3, 2, 1)
    assert avg_included[0, 0, 0, 0].item() == pytest.approx(x[0, 0, :2, :2].sum() / 9)
    override = F.avg_pool2d(ember.tensor(x), 2, divisor_override=1)
    assert override[0, 0, 0, 0].item() == pytest.approx(x[0, 0, :2, :2].sum())


def test_pool_1d_forms():
    x = rng.standard_normal((2, 3, 9))
    close(F.max_pool1d(ember.tensor(x), 3, 2), np.stack([x[..., i : i + 3].max(-1) for i in range(0, 7, 2)], -1), 1e-12)
    close(F.avg_pool1d(ember.tensor(x), 2), x[..., :8].reshape(2, 3, 4, 2).mean(-1), 1e-12)
    assert repr(nn.AvgPool1d(2)) == "AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))"


def test_adaptive_avg_pool_bins():
    x = rng.standard_normal((2, 3, 5, 7))
    out = F.adaptive_avg_pool2d(ember.tensor(x), (2, 3))
    rows = [(0, 3), (2, 5)]
    cols = [(0, 3), (2, 5), (4, 7)]
    expected = np.array([[x[:, :, r0:r1, c0:c1].mean(axis=(2, 3)) for c0, c1 in cols] for r0, r1 in rows])
    close(out, expected.transpose(2, 3, 0, 1), 1e-12)
    close(nn.AdaptiveAvgPool2d(1)(ember.tensor(x)), x.mean(axis=(2, 3), keepdims=True), 1e-12)
    assert nn.AdaptiveAvgPool2d((None, 2))(ember.tensor(x)).shape == (2, 3, 5, 2)


def test_pool_errors():
    with pytest.raises(RuntimeError, match="pad should be at most half of effective kernel size"):
        F.max_pool2d(ember.randn(1, 1, 4, 4), 2, padding=2)
    with pytest.raises(RuntimeError, match="Expected 3D or 4D"):
        F.max_pool2d(ember.randn(4, 4), 2)


# --- normalisation --------------------------------------------------------------------------------------


def test_batch_norm_training_updates_running_stats():
    bn = nn.BatchNorm2d(3)
    x = rng.standard_normal((4, 3, 2, 2)).astype(np.float32) * 3 + 1
    out = bn(ember.tensor(x))
    mean = x.mean(axis=(0, 2, 3))
    var = x.var(axis=(0, 2, 3))
    close(out, (x - mean.reshape(1, 3, 1, 1)) / np.sqrt(var.reshape(1, 3, 1, 1) + 1e-5), 1e-4)
    close(bn.running_mean, 0.1 * mean)
    close(bn.running_var, 0.9 + 0.1 * var * 16 / 15)
    assert bn.num_batches_tracked.item() == 1
    bn.eval()
    expected = (x - values(bn.running_mean).reshape(1, 3, 1, 1)) / np.sqrt(
        values(bn.running_var).reshape(1, 3, 1, 1) + 1e-5
    )
    close(bn(ember.tensor(x)), expected, 1e-4)
    assert bn.num_batches_tracked.item() == 1


def test_batch_norm_cumulative_average_and_no_tracking():
    bn = nn.BatchNorm1d(2, momentum=None)
    batches = [rng.standard_normal((5, 2)).astype(np.float32) for _ in range(3)]
    for batch in batches:
        bn(ember.tensor(batch))
    close(bn.running_mean, np.mean([b.mean(0) for b in batches], axis=0))
    free = nn.BatchNorm1d(2, affine=False, track_running_stats=False).eval()
    assert free.running_mean is None and list(free.state_dict()) == []
    x = batches[0]
    close(free(ember.tensor(x)), (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5), 1e-4)
    assert repr(bn) == "BatchNorm1d(2, eps=1e-05, momentum=None, affine=True, bias=True, track_running_stats=True)"
    assert list(nn.BatchNorm1d(2).state_dict()) == [
        "weight",
        "bias",
        "running_mean",
        "running_var",
        "num_batches_tracked",
    ]


def test_batch_norm_errors():
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        nn.BatchNorm1d(3)(ember.randn(1, 3))
    with pytest.raises(ValueError, match=r"expected 4D input \(got 2D input\)"):
        nn.BatchNorm2d(3)(ember.randn(2, 3))


def test_layer_and_group_norm():
    ln = nn.LayerNorm((2, 3))
    x = rng.standard_normal((4, 2, 3)).astype(np.float32)
    mean = x.mean(axis=(1, 2), keepdims=True)
    var = x.var(axis=(1, 2), keepdims=True)
    close(ln(ember.tensor(x)), (x - mean) / np.sqrt(var + 1e-5), 1e-4)
    assert repr(ln) == "LayerNorm((2, 3), eps=1e-05, elementwise_affine=True, bias=True)"
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[2, 3\], expected input with shape \[\*, 2, 3\]"):
        ln(ember.randn(3, 2))
    gn = nn.GroupNorm(2, 4)
    y = rng.standard_normal((2, 4, 3)).astype(np.float32)
    grouped = y.reshape(2, 2, -1)
    expected = ((grouped - grouped.mean(-1, keepdims=True)) / np.sqrt(grouped.var(-1, keepdims=True) + 1e-5)).reshape(
        y.shape
    )
    close(gn(ember.tensor(y)), expected, 1e-4)


# --- dropout and embedding --------------------------------------------------------------------------------


def test_dropout_scales_survivors_and_is_identity_in_eval():
    ember.manual_seed(3)
    layer = nn.Dropout(0.25)
    x = ember.ones(200, 50)
    out = values(layer(x))
    kept = out != 0
    assert abs(kept.mean() - 0.75) < 0.03
    np.testing.assert_allclose(out[kept], 1 / 0.75)
    layer.eval()
    assert layer(x) is x
    assert float(F.dropout(x, 1.0).abs().sum()) == 0
    ember.manual_seed(5)
    first = values(F.dropout(x, 0.5))
    ember.manual_seed(5)
    np.testing.assert_array_equal(first, values(F.dropout(x, 0.5)))
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)
    channels = values(F.dropout2d(ember.ones(4, 6, 3, 3), 0.5))
    assert all(len(np.unique(channels[n, c])) == 1 for n in range(4) for c in range(6))


def test_dropout_in_place_and_gradient_uses_the_mask():
    x = ember.ones(10, 10, requires_grad=True)
    out = F.dropout(x, 0.5)
    out.sum().backward()
    np.testing.assert_array_equal(values(x.grad), values(out))
    y = ember.ones(3, 3)
    assert F.dropout(y, 0.5, inplace=True) is y


def test_embedding_lookup_padding_and_gradient():
    emb = nn.Embedding(6, 3, padding_idx=0)
    assert values(emb.weight)[0].tolist() == [0.0, 0.0, 0.0]
    index = ember.tensor([[0, 2], [2, 5]])
    out = emb(index)
    assert out.shape == (2, 2, 3) and type(out.grad_fn).__name__ == "EmbeddingBackward0"
    np.testing.assert_array_equal(values(out), values(emb.weight)[index.numpy()])
    out.sum().backward()
    assert values(emb.weight.grad)[:, 0].tolist() == [0.0, 0.0, 2.0, 0.0, 0.0, 1.0]
    assert repr(emb) == "Embedding(6, 3, padding_idx=0)"
    with pytest.raises(IndexError, match="index out of range in self"):
        emb(ember.tensor([6]))
    with pytest.raises(RuntimeError, match="'indices' to have one of the following scalar types: Long, Int"):
        emb(ember.tensor([1.0]))
    frozen = nn.Embedding.from_pretrained(ember.eye(3))
    assert not frozen.weight.requires_grad and frozen(ember.tensor([1])).tolist() == [[0.0, 1.0, 0.0]]


def test_embedding_max_norm_renormalises_rows():
    emb = nn.Embedding(3, 2, max_norm=1.0)
    with ember.no_grad():
        emb.weight.copy_(ember.tensor([[3.0, 4.0], [0.1, 0.1], [6.0, 8.0]]))
    emb(ember.tensor([0, 1]))
    np.testing.assert_allclose(values(emb.weight), [[0.6, 0.8], [0.1, 0.1], [6.0, 8.0]], rtol=1e-5)


# --- activations ------------------------------------------------------------------------------------------

X = rng.standard_normal((4, 5)) * 3
ACTIVATIONS = [
    (nn.ReLU(), np.maximum(X, 0)),
    (nn.LeakyReLU(0.2), np.where(X > 0, X, 0.2 * X)),
    (nn.ELU(0.5), np.where(X > 0, X, 0.5 * np.expm1(X))),
    (nn.GELU(), 0.5 * X * (1 + np.vectorize(math.erf)(X / math.sqrt(2)))),
    (nn.GELU("tanh"), 0.5 * X * (1 + np.tanh(math.sqrt(2 / math.pi) * (X + 0.044715 * X**3)))),
    (nn.SiLU(), X / (1 + np.exp(-X))),
    (nn.Sigmoid(), 1 / (1 + np.exp(-X))),
    (nn.Tanh(), np.tanh(X)),
    (nn.Softplus(), np.log1p(np.exp(X))),
    (nn.Softplus(beta=2, threshold=1), np.where(2 * X > 1, X, np.log1p(np.exp(2 * X)) / 2)),
    (nn.Softmax(dim=1), np.exp(X) / np.exp(X).sum(1, keepdims=True)),
    (nn.LogSoftmax(dim=0), X - np.log(np.exp(X).sum(0, keepdims=True))),
    (nn.ReLU6(), np.clip(X, 0, 6)),
    (nn.Hardtanh(-2, 2), np.clip(X, -2, 2)),
    (nn.LogSigmoid(), -np.log1p(np.exp(-X))),
    (nn.Mish(), X * np.tanh(np.log1p(np.exp(X)))),
]


@pytest.mark.parametrize("layer,expected", ACTIVATIONS, ids=[repr(a) for a, _ in ACTIVATIONS])
def test_activation_values(layer, expected):
    close(layer(ember.tensor(X)), expected, 1e-7)


def test_activation_reprs_and_in_place_forms():
    assert [repr(m) for m in (nn.ReLU(), nn.ReLU(inplace=True), nn.LeakyReLU(), nn.ELU(inplace=True))] == [
        "ReLU()",
        "ReLU(inplace=True)",
        "LeakyReLU(negative_slope=0.01)",
        "ELU(alpha=1.0, inplace=True)",
    ]
    assert repr(nn.GELU()) == "GELU(approximate='none')"
    assert repr(nn.Softplus()) == "Softplus(beta=1.0, threshold=20.0)"
    assert repr(nn.Softmax(dim=-1)) == "Softmax(dim=-1)"
    y = ember.tensor([-1.0, 2.0])
    assert nn.LeakyReLU(0.5, inplace=True)(y) is y and y.tolist() == [-0.5, 2.0]
    assert F.relu(y, inplace=True) is y and y.tolist() == [0.0, 2.0]


def test_softmax_is_stable_for_large_inputs():
    big = ember.tensor([[1000.0, 1000.0, -1000.0]])
    close(F.softmax(big, dim=1), [[0.5, 0.5, 0.0]])
    close(F.log_softmax(big, dim=1), [[-math.log(2), -math.log(2), -2000 - math.log(2)]], 1e-4)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        F.softmax(big)


# --- padding and one-hot ----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode,numpy_mode", [("reflect", "reflect"), ("replicate", "edge"), ("circular", "wrap")])
def test_pad_modes_match_numpy(mode, numpy_mode):
    x = rng.standard_normal((1, 2, 4, 5))
    out = F.pad(ember.tensor(x), (2, 1, 1, 3), mode=mode)
    close(out, np.pad(x, ((0, 0), (0, 0), (1, 3), (2, 1)), mode=numpy_mode), 1e-12)


def test_constant_pad_and_crop():
    x = rng.standard_normal((2, 3, 4))
    close(F.pad(ember.tensor(x), (1, 2), value=9.0), np.pad(x, ((0, 0), (0, 0), (1, 2)), constant_values=9.0), 0)
    close(F.pad(ember.tensor(x), (-1, 1, 0, 0, 1, 0)), np.pad(x, ((1, 0), (0, 0), (0, 1)))[:, :, 1:], 0)
    with pytest.raises(ValueError, match="Padding length must be divisible by 2"):
        F.pad(ember.tensor(x), (1,))


def test_one_hot():
    out = F.one_hot(ember.tensor([0, 2, 1]))
    assert out.dtype is ember.int64 and out.tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
    assert F.one_hot(ember.tensor([[1]]), 4).shape == (1, 1, 4)
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes."):
        F.one_hot(ember.tensor([3]), 3)
    with pytest.raises(RuntimeError, match="one_hot is only applicable to index tensor"):
        F.one_hot(ember.tensor([1.0]))


def test_normalize_and_cosine_similarity():
    x = rng.standard_normal((3, 4))
    y = rng.standard_normal((3, 4))
    close(F.normalize(ember.tensor(x)), x / np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    expected = (x * y).sum(1) / (np.linalg.norm(x, axis=1) * np.linalg.norm(y, axis=1))
    close(F.cosine_similarity(ember.tensor(x), ember.tensor(y)), expected, 1e-12)


@pytest.mark.parametrize(
    ("shape", "message"),
    [((4, 8), "Received a 2-D input to dropout2d, which is deprecated"), ((4, 5, 6), "assuming that channel-wise 1D")],
)
def test_dropout2d_warns_on_2d_and_3d_input_and_drops_per_batch_and_channel(shape, message):
    with pytest.warns(UserWarning, match=message):
        out = values(nn.Dropout2d(0.5)(ember.ones(*shape)))
    assert out.shape == shape
    assert set(np.unique(out)) <= {0.0, 2.0}
    # NOTE: one draw per (n, c), shared along the remaining dims
    assert np.all(out == out[:, :, :1]) if len(shape) == 3 else len(np.unique(out)) == 2


def test_dropout2d_of_1d_input_warns_then_refuses():
    with pytest.warns(UserWarning, match="Received a 1-D input"), pytest.raises(RuntimeError, match="at least 2"):
        F.dropout2d(ember.ones(8), 0.5)
