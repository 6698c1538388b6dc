"""N-d convolution, transposed convolution, pooling and resizing: values against direct NumPy loops,
float64 first and second derivatives, errors and reprs."""

import itertools
import math

import ember
import ember.nn.functional as F
import numpy as np
import pytest
from ember import nn
from ember.autograd import gradcheck, gradgradcheck

rng = np.random.default_rng(3)


def leaf(*shape):
    return ember.tensor(rng.standard_normal(shape), dtype=ember.float64, requires_grad=True)


def close(actual, expected, tol=1e-10):
    np.testing.assert_allclose(actual.detach().numpy(), expected, rtol=tol, atol=tol)


# --- references: direct loops over output positions -----------------------------------------------------


def conv_reference(x, w, b, stride, padding, dilation, groups):
    d = x.ndim - 2
    padded = np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in padding])
    kernel = w.shape[2:]
    out_size = [(n - dl * (k - 1) - 1) // s + 1 for n, k, s, dl in zip(padded.shape[2:], kernel, stride, dilation)]
    out = np.zeros((x.shape[0], w.shape[0], *out_size))
    per_group_in, per_group_out = x.shape[1] // groups, w.shape[0] // groups
    for o in itertools.product(*(range(n) for n in out_size)):
        window = padded[
            (slice(None), slice(None))
            + tuple(
                slice(o[a] * stride[a], o[a] * stride[a] + dilation[a] * (kernel[a] - 1) + 1, dilation[a])
                for a in range(d)
            )
        ]
        for g in range(groups):
            part = window[:, g * per_group_in : (g + 1) * per_group_in]
            weights = w[g * per_group_out : (g + 1) * per_group_out]
            out[(slice(None), slice(g * per_group_out, (g + 1) * per_group_out), *o)] = np.tensordot(
                part, weights, axes=(list(range(1, d + 2)), list(range(1, d + 2)))
            )
    return out if b is None else out + b.reshape(1, -1, *(1,) * d)


def conv_transpose_reference(x, w, b, stride, padding, extra, groups, dilation):
    kernel = w.shape[2:]
    sizes = [
        (n - 1) * s - 2 * p + dl * (k - 1) + e + 1
        for n, k, s, p, dl, e in zip(x.shape[2:], kernel, stride, padding, dilation, extra)
    ]
    full = np.zeros((x.shape[0], w.shape[1] * groups, *(n + 2 * p for n, p in zip(sizes, padding))))
    per_group_in, per_group_out = x.shape[1] // groups, w.shape[1]
    for i in itertools.product(*(range(n) for n in x.shape[2:])):
        for k in itertools.product(*(range(n) for n in kernel)):
            place = tuple(a * s + c * dl for a, s, c, dl in zip(i, stride, k, dilation))
            for g in range(groups):
                source = x[(slice(None), slice(g * per_group_in, (g + 1) * per_group_in), *i)]
                taps = w[(slice(g * per_group_in, (g + 1) * per_group_in), slice(None), *k)]
                full[(slice(None), slice(g * per_group_out, (g + 1) * per_group_out), *place)] += source @ taps
    out = full[(slice(None), slice(None), *(slice(p, p + n) for p, n in zip(padding, sizes)))]
    return out if b is None else out + b.reshape(1, -1, *(1,) * len(kernel))


def pool_reference(x, kernel, stride, padding, reduce, fill):
    d = x.ndim - 2
    padded = np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in padding], constant_values=fill)
    out_size = [(n - k) // s + 1 for n, k, s in zip(padded.shape[2:], kernel, stride)]
    out = np.zeros((*x.shape[:2], *out_size))
    for o in itertools.product(*(range(n) for n in out_size)):
        window = padded[
            (slice(None), slice(None)) + tuple(slice(o[a] * stride[a], o[a] * stride[a] + kernel[a]) for a in range(d))
        ]
        out[(slice(None), slice(None), *o)] = reduce(window.reshape(*x.shape[:2], -1), -1)
    return out


def adaptive_reference(x, out_size, reduce):
    out = np.zeros((*x.shape[:2], *out_size))
    sizes = x.shape[2:]
    for o in itertools.product(*(range(n) for n in out_size)):
        bins = tuple(slice(i * n // m, -(-((i + 1) * n) // m)) for i, n, m in zip(o, sizes, out_size))
        out[(slice(None), slice(None), *o)] = reduce(x[(slice(None), slice(None), *bins)].reshape(*x.shape[:2], -1), -1)
    return out


# --- convolution ------------------------------------------------------------------------------------------

CONVS = [
    # spatial, stride, padding, dilation, groups
    (1, 2, 1, 1, 1),
    (1, 1, 0, 2, 2),
    (3, 1, 1, 1, 1),
    (3, (2, 1, 1), (1, 0, 1), (1, 2, 1), 2),
]


def spread(value, d):
    return tuple(value) if isinstance(value, tuple) else (value,) * d


@pytest.mark.parametrize("spatial,stride,padding,dilation,groups", CONVS)
def test_conv_matches_direct_loops(spatial, stride, padding, dilation, groups):
    x = rng.standard_normal((2, 4, *[6, 5, 4][:spatial]))
    w = rng.standard_normal((6, 4 // groups, *[3, 2, 2][:spatial]))
    b = rng.standard_normal(6)
    conv = getattr(F, f"conv{spatial}d")
    out = conv(ember.tensor(x), ember.tensor(w), ember.tensor(b), stride, padding, dilation, groups)
    d = lambda v: spread(v, spatial)  # noqa: E731
    close(out, conv_reference(x, w, b, d(stride), d(padding), d(dilation), groups))


TRANSPOSES = [
    # spatial, stride, padding, output_padding, groups, dilation
    (1, 2, 1, 1, 1, 1),
    (1, 1, 0, 1, 2, 2),
    (2, (2, 3), (1, 0), (1, 2), 2, 1),
    (3, 2, 1, 0, 1, (1, 2, 1)),
]


@pytest.mark.parametrize("spatial,stride,padding,extra,groups,dilation", TRANSPOSES)
def test_conv_transpose_matches_scatter_loops(spatial, stride, padding, extra, groups, dilation):
    x = rng.standard_normal((2, 4, *[5, 4, 3][:spatial]))
    w = rng.standard_normal((4, 6 // groups, *[3, 2, 2][:spatial]))
    b = rng.standard_normal(6)
    fn = getattr(F, f"conv_transpose{spatial}d")
    out = fn(ember.tensor(x), ember.tensor(w), ember.tensor(b), stride, padding, extra, groups, dilation)
    d = lambda v: spread(v, spatial)  # noqa: E731
    close(out, conv_transpose_reference(x, w, b, d(stride), d(padding), d(extra), groups, d(dilation)))


def test_conv_transpose_is_the_adjoint_of_conv():
    x, y = rng.standard_normal((2, 3, 5, 5, 6)), rng.standard_normal((2, 4, 3, 3, 4))
    w = rng.standard_normal((4, 3, 3, 2, 2))
    args = dict(stride=2, padding=1, dilation=1)
    forward = F.conv3d(ember.tensor(x), ember.tensor(w), **args).numpy()
    back = F.conv_transpose3d(ember.tensor(y), ember.tensor(w), output_padding=(0, 1, 0), **args).numpy()
    assert back.shape == x.shape
    assert math.isclose(float((forward * y).sum()), float((x * back).sum()), rel_tol=1e-10)


def test_conv_modules_shapes_reprs_and_errors():
    conv = nn.Conv3d(4, 6, (3, 2, 1), stride=2, padding=1, groups=2, bias=False, padding_mode="replicate")
    assert conv.weight.shape == (6, 2, 3, 2, 1) and conv.bias is None
    assert repr(conv) == (
        "Conv3d(4, 6, kernel_size=(3, 2, 1), stride=(2, 2, 2), padding=(1, 1, 1), groups=2, bias=False, "
        "padding_mode=replicate)"
    )
    assert conv(ember.randn(1, 4, 5, 5, 5)).shape == (1, 6, 3, 3, 4)
    up = nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2)
    assert up.weight.shape == (4, 3, 3, 3) and up.bias.shape == (6,)
    assert repr(up) == (
        "ConvTranspose2d(4, 6, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), output_padding=(1, 1), groups=2)"
    )
    assert up(ember.randn(2, 4, 5, 3)).shape == (2, 6, 10, 6)
    assert up(ember.randn(4, 5, 3), output_size=[9, 5]).shape == (6, 9, 5)
    with pytest.raises(ValueError, match="valid sizes range"):
        up(ember.randn(1, 4, 5, 3), output_size=[12, 6])
    with pytest.raises(ValueError, match='Only "zeros" padding mode'):
        nn.ConvTranspose1d(2, 2, 3, padding_mode="reflect")
    with pytest.raises(RuntimeError, match="output padding must be smaller"):
        F.conv_transpose1d(ember.randn(1, 2, 4), ember.randn(2, 2, 3), stride=2, output_padding=2)
    with pytest.raises(RuntimeError, match="expected input"):
        F.conv_transpose3d(ember.randn(1, 3, 2, 2, 2), ember.randn(2, 2, 1, 1, 1))
    with pytest.raises(RuntimeError, match="Expected 4D .unbatched. or 5D"):
        F.conv3d(ember.randn(1, 2, 3), ember.randn(2, 2, 1, 1, 1))


# --- pooling ----------------------------------------------------------------------------------------------


def test_pool3d_match_windows():
    x = rng.standard_normal((2, 2, 5, 6, 4))
    close(
        F.max_pool3d(ember.tensor(x), 2, (1, 2, 1), 1),
        pool_reference(x, (2,) * 3, (1, 2, 1), (1,) * 3, np.max, -np.inf),
    )
    close(
        F.avg_pool3d(ember.tensor(x), (3, 2, 2), 2, (1, 0, 1)),
        pool_reference(x, (3, 2, 2), (2,) * 3, (1, 0, 1), np.mean, 0.0),
    )
    values, indices = F.max_pool3d(ember.tensor(x), 2, return_indices=True)
    flat = x.reshape(2, 2, -1)
    np.testing.assert_array_equal(
        np.take_along_axis(flat, indices.numpy().reshape(2, 2, -1), 2), values.numpy().reshape(2, 2, -1)
    )


@pytest.mark.parametrize("sizes,out", [((7,), (3,)), ((7,), (7,)), ((5, 6), (3, 4)), ((5, 6, 4), (2, 4, 3))])
def test_adaptive_pools_match_bins(sizes, out):
    x = rng.standard_normal((2, 3, *sizes))
    d = len(sizes)
    avg, mx = getattr(F, f"adaptive_avg_pool{d}d"), getattr(F, f"adaptive_max_pool{d}d")
    close(avg(ember.tensor(x), out), adaptive_reference(x, out, np.mean))
    values, indices = mx(ember.tensor(x), out, return_indices=True)
    close(values, adaptive_reference(x, out, np.max))
    flat = x.reshape(2, 3, -1)
    picked = np.take_along_axis(flat, indices.numpy().reshape(2, 3, -1), 2)
    np.testing.assert_array_equal(picked, values.numpy().reshape(2, 3, -1))


def test_lp_pool_is_the_window_norm():
    x = np.abs(rng.standard_normal((2, 3, 6, 4))) + 0.1
    expected = pool_reference(x**3, (2, 2), (2, 2), (0, 0), np.sum, 0.0) ** (1 / 3)
    close(F.lp_pool2d(ember.tensor(x), 3, 2), expected)
    close(
        F.lp_pool1d(ember.tensor(x[:, :, 0]), 2, 3, 1),
        pool_reference(x[:, :, 0] ** 2, (3,), (1,), (0,), np.sum, 0.0) ** 0.5,
    )


def test_max_unpool_places_values_at_their_indices():
    x = rng.standard_normal((2, 3, 4, 6))
    values, indices = F.max_pool2d(ember.tensor(x), 2, return_indices=True)
    restored = F.max_unpool2d(values, indices, 2).numpy()
    assert restored.shape == x.shape
    np.testing.assert_array_equal(restored[restored != 0], x[restored != 0])
    assert (restored != 0).sum() == values.numel()
    with pytest.raises(RuntimeError, match="invalid max index"):
        F.max_unpool1d(ember.randn(1, 1, 2), ember.tensor([[[0, 9]]]), 2)


# --- resizing ---------------------------------------------------------------------------------------------


def resize_reference_1d(x, out, mode, align_corners):
    """One axis (the last) by PyTorch's formulas, element by element."""
    size = x.shape[-1]
    result = np.zeros((*x.shape[:-1], out))
    for j in range(out):
        if mode == "nearest":
            result[..., j] = x[..., min(int(np.floor(np.float32(j) * np.float32(size / out))), size - 1)]
        elif mode == "nearest-exact":
            result[..., j] = x[..., min(int(np.floor((j + 0.5) * size / out)), size - 1)]
        else:
            scale = (size - 1) / (out - 1) if align_corners else size / out
            if align_corners:
                source = scale * j if out > 1 else 0.0
            else:
                source = scale * (j + 0.5) - 0.5
            if mode == "linear":
                source = max(source, 0.0)
                low = min(int(np.floor(source)), size - 1)
                high = min(low + 1, size - 1)
                t = source - low
                result[..., j] = (1 - t) * x[..., low] + t * x[..., high]
            else:
                low = int(np.floor(source))
                t = source - low
                a = -0.75
                near = lambda s: ((a + 2) * s - (a + 3)) * s * s + 1  # noqa: E731
                far = lambda s: ((a * s - 5 * a) * s + 8 * a) * s - 4 * a  # noqa: E731
                for k, weight in enumerate((far(t + 1), near(t), near(1 - t), far(2 - t))):
                    result[..., j] += weight * x[..., min(max(low + k - 1, 0), size - 1)]
    return result


@pytest.mark.parametrize(
    "mode,align_corners",
    [
        ("nearest", None),
        ("nearest-exact", None),
        ("linear", False),
        ("linear", True),
        ("bicubic", False),
        ("bicubic", True),
    ],
)
@pytest.mark.parametrize("sizes", [((5, 7), (8, 3)), ((4, 4), (4, 9))])
def test_interpolate_matches_per_axis_formulas(mode, align_corners, sizes):
    (h, w), (oh, ow) = sizes
    x = rng.standard_normal((2, 3, h, w))
    expected = resize_reference_1d(
        resize_reference_1d(x, ow, mode.replace("linear", "linear"), align_corners).swapaxes(-1, -2),
        oh,
        mode,
        align_corners,
    ).swapaxes(-1, -2)
    ember_mode = {"linear": "bilinear"}.get(mode, mode)
    close(F.interpolate(ember.tensor(x), (oh, ow), mode=ember_mode, align_corners=align_corners), expected)


def test_interpolate_area_trilinear_and_errors():
    x = rng.standard_normal((1, 2, 4, 6, 3))
    close(F.interpolate(ember.tensor(x), (2, 3, 1), mode="area"), adaptive_reference(x, (2, 3, 1), np.mean))
    up = F.interpolate(ember.tensor(x), scale_factor=2, mode="trilinear", align_corners=True).numpy()
    assert up.shape == (1, 2, 8, 12, 6)
    np.testing.assert_allclose(up[..., ::7, ::11, ::5], x[..., ::3, ::5, ::2], atol=1e-12)
    t = ember.randn(1, 1, 4)
    with pytest.raises(ValueError, match="only one of size or scale_factor"):
        F.interpolate(t, size=3, scale_factor=2)
    with pytest.raises(ValueError, match="either size or scale_factor"):
        F.interpolate(t)
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        F.interpolate(t, size=3, align_corners=True)
    with pytest.raises(NotImplementedError, match="bilinear mode needs 4D input"):
        F.interpolate(t, size=3, mode="bilinear")
    with pytest.raises(ValueError, match="same number of spatial dimensions"):
        F.interpolate(t, size=(3, 3))


def test_upsample_modules_repr_and_forward():
    assert repr(nn.Upsample(scale_factor=2, mode="bilinear")) == "Upsample(scale_factor=2.0, mode='bilinear')"
    assert repr(nn.UpsamplingNearest2d(size=(3, 4))) == "UpsamplingNearest2d(size=(3, 4), mode='nearest')"
    x = ember.arange(4.0).reshape(1, 1, 2, 2)
    np.testing.assert_array_equal(
        nn.UpsamplingNearest2d(scale_factor=2)(x).numpy()[0, 0], np.repeat(np.repeat(x.numpy()[0, 0], 2, 0), 2, 1)
    )
    corners = nn.UpsamplingBilinear2d(size=(3, 3))(x).numpy()[0, 0]
    np.testing.assert_allclose(corners, [[0, 0.5, 1], [1, 1.5, 2], [2, 2.5, 3]])


def test_pixel_shuffle_moves_channels_into_blocks():
    r = 2
    x = rng.standard_normal((2, 3 * r * r, 3, 4))
    out = F.pixel_shuffle(ember.tensor(x), r).numpy()
    for c, h, w, i, j in itertools.product(range(3), range(3), range(4), range(r), range(r)):
        assert out[:, c, h * r + i, w * r + j].tolist() == x[:, c * r * r + i * r + j, h, w].tolist()
    np.testing.assert_array_equal(F.pixel_unshuffle(ember.tensor(out), r).numpy(), x)
    assert repr(nn.PixelShuffle(2)) == "PixelShuffle(upscale_factor=2)"
    with pytest.raises(RuntimeError, match="divisible by the square of upscale_factor"):
        F.pixel_shuffle(ember.randn(1, 3, 2, 2), 2)


def test_unfold_and_fold_match_block_loops():
    x = rng.standard_normal((2, 3, 5, 6))
    kernel, stride, padding, dilation = (2, 3), (2, 1), (1, 1), (1, 2)
    cols = F.unfold(ember.tensor(x), kernel, dilation, padding, stride).numpy()
    padded = np.pad(x, [(0, 0), (0, 0), (1, 1), (1, 1)])
    oh, ow = (7 - 2) // 2 + 1, (8 - 5) // 1 + 1
    expected = np.zeros((2, 3, 2, 3, oh, ow))
    for i, j, a, b in itertools.product(range(2), range(3), range(oh), range(ow)):
        expected[:, :, i, j, a, b] = padded[:, :, a * 2 + i, b + 2 * j]
    np.testing.assert_array_equal(cols, expected.reshape(2, 18, oh * ow))
    folded = F.fold(ember.tensor(cols), (5, 6), kernel, dilation, padding, stride).numpy()
    counts = F.fold(
        F.unfold(ember.ones(1, 1, 5, 6, dtype=ember.float64), kernel, dilation, padding, stride),
        (5, 6),
        kernel,
        dilation,
        padding,
        stride,
    ).numpy()
    np.testing.assert_allclose(folded, x * counts, atol=1e-12)
    assert repr(nn.Unfold(2, stride=2)) == "Unfold(kernel_size=2, dilation=1, padding=0, stride=2)"
    with pytest.raises(RuntimeError, match="calculated number of sliding blocks"):
        F.fold(ember.randn(1, 4, 5), (3, 3), 2)


# --- gradients ----------------------------------------------------------------------------------------------

FUNCTIONS = {
    "conv1d": lambda: (lambda x, w, b: F.conv1d(x, w, b, 2, "valid", 1, 2), leaf(1, 2, 5), leaf(2, 1, 2), leaf(2)),
    "conv3d": lambda: (
        lambda x, w, b: F.conv3d(x, w, b, (1, 2, 1), 1),
        leaf(1, 1, 3, 3, 2),
        leaf(2, 1, 2, 1, 2),
        leaf(2),
    ),
    "conv3d-same": lambda: (
        lambda x, w: F.conv3d(x, w, padding="same", dilation=(1, 2, 1)),
        leaf(1, 1, 3, 3, 2),
        leaf(1, 1, 2, 2, 1),
    ),
    "conv_transpose1d": lambda: (
        lambda x, w, b: F.conv_transpose1d(x, w, b, 2, 1, 1, 2),
        leaf(1, 2, 3),
        leaf(2, 1, 3),
        leaf(2),
    ),
    "conv_transpose1d-dilated": lambda: (
        lambda x, w: F.conv_transpose1d(x, w, None, 1, 0, 1, 1, 2),
        leaf(1, 1, 3),
        leaf(1, 2, 2),
    ),
    "conv_transpose2d": lambda: (
        lambda x, w, b: F.conv_transpose2d(x, w, b, 2, (1, 0), (0, 1)),
        leaf(1, 2, 2, 3),
        leaf(2, 1, 2, 2),
        leaf(1),
    ),
    "conv_transpose3d": lambda: (
        lambda x, w: F.conv_transpose3d(x, w, stride=(2, 1, 1)),
        leaf(1, 1, 2, 2, 1),
        leaf(1, 1, 2, 1, 2),
    ),
    "max_pool3d": lambda: (lambda x: F.max_pool3d(x, 2, 1), leaf(1, 1, 3, 3, 2)),
    "avg_pool3d": lambda: (lambda x: F.avg_pool3d(x, 2, 1, 1, count_include_pad=False), leaf(1, 1, 2, 3, 2)),
    "adaptive_avg_pool1d": lambda: (lambda x: F.adaptive_avg_pool1d(x, 3), leaf(1, 2, 5)),
    "adaptive_avg_pool3d": lambda: (lambda x: F.adaptive_avg_pool3d(x, (2, None, 1)), leaf(1, 1, 3, 2, 3)),
    "adaptive_max_pool1d": lambda: (lambda x: F.adaptive_max_pool1d(x, 3), leaf(1, 2, 5)),
    "adaptive_max_pool2d": lambda: (lambda x: F.adaptive_max_pool2d(x, (2, 3)), leaf(1, 1, 3, 4)),
    "adaptive_max_pool3d": lambda: (lambda x: F.adaptive_max_pool3d(x, 2), leaf(1, 1, 3, 2, 3)),
    "lp_pool1d": lambda: (lambda x: F.lp_pool1d(x.abs() + 0.5, 2, 2), leaf(1, 2, 4)),
    "lp_pool2d": lambda: (lambda x: F.lp_pool2d(x.abs() + 0.5, 3, 2, 1), leaf(1, 1, 3, 3)),
    "max_unpool2d": lambda: (lambda x: F.max_unpool2d(x, ember.tensor([[[[0, 3], [9, 14]]]]), 2), leaf(1, 1, 2, 2)),
    "interpolate-nearest": lambda: (lambda x: F.interpolate(x, scale_factor=1.5), leaf(1, 1, 3, 2)),
    "interpolate-linear": lambda: (lambda x: F.interpolate(x, 5, mode="linear"), leaf(1, 2, 3)),
    "interpolate-bilinear": lambda: (
        lambda x: F.interpolate(x, (3, 2), mode="bilinear", align_corners=True),
        leaf(1, 1, 2, 3),
    ),
    "interpolate-bicubic": lambda: (lambda x: F.interpolate(x, (3, 4), mode="bicubic"), leaf(1, 1, 2, 3)),
    "interpolate-trilinear": lambda: (
        lambda x: F.interpolate(x, scale_factor=(1, 2, 1.5), mode="trilinear"),
        leaf(1, 1, 2, 2, 2),
    ),
    "interpolate-antialias": lambda: (
        lambda x: F.interpolate(x, (2, 3), mode="bicubic", antialias=True),
        leaf(1, 1, 5, 4),
    ),
    "interpolate-area": lambda: (lambda x: F.interpolate(x, (2, 2), mode="area"), leaf(1, 1, 3, 3)),
    "pixel_shuffle": lambda: (lambda x: F.pixel_shuffle(x, 2), leaf(1, 4, 2, 1)),
    "pixel_unshuffle": lambda: (lambda x: F.pixel_unshuffle(x, 2), leaf(1, 1, 2, 4)),
    "unfold": lambda: (lambda x: F.unfold(x, 2, 1, 1, 2), leaf(1, 2, 3, 3)),
    "fold": lambda: (lambda x: F.fold(x, (3, 3), 2, stride=1), leaf(1, 4, 4)),
}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_first_and_second_derivatives(name):
    function, *inputs = FUNCTIONS[name]()
    assert gradcheck(function, tuple(inputs))
    assert gradgradcheck(function, tuple(inputs))


@pytest.mark.parametrize(
    "layer,shape",
    [
        (lambda: nn.Conv3d(2, 2, 2, padding=1, padding_mode="circular"), (1, 2, 2, 2, 2)),
        (lambda: nn.ConvTranspose2d(2, 2, 2, stride=2, groups=2), (1, 2, 2, 2)),
    ],
)
def test_layer_parameter_derivatives(layer, shape):
    module = layer().double()
    params = tuple(module.parameters())
    x = leaf(*shape)
    function = lambda *args: module(args[0])  # noqa: E731
    assert gradcheck(function, (x, *params))
    assert gradgradcheck(function, (x, *params))


def test_resizing_keeps_inf_and_nan_local_and_names_nodes_as_pytorch():
    x = np.arange(12.0).reshape(1, 1, 12)
    x[0, 0, 5], x[0, 0, 9] = np.inf, np.nan
    pooled = F.adaptive_avg_pool1d(ember.tensor(x), 4).numpy()[0, 0]
    np.testing.assert_array_equal(pooled, [1.0, np.inf, 7.0, np.nan])
    resized = F.interpolate(ember.tensor(x), 24, mode="linear").numpy()[0, 0]
    assert np.isfinite(resized[:9]).all() and np.isfinite(resized[-3:]).all()
    t = ember.randn(1, 1, 4, 4, requires_grad=True)
    assert type(F.interpolate(t, scale_factor=2, mode="bilinear").grad_fn).__name__ == "UpsampleBilinear2DBackward0"
    assert type(F.interpolate(t, size=3).grad_fn).__name__ == "UpsampleNearest2DBackward0"
    assert type(F.adaptive_avg_pool2d(t, 3).grad_fn).__name__ == "AdaptiveAvgPool2DBackward0"
    w = ember.randn(1, 2, 2, 2, requires_grad=True)
    assert type(F.conv_transpose2d(t, w).grad_fn).__name__ == "ConvolutionBackward0"


# --- sampling grids, shuffles, conv_tbc ---------------------------------------------------------------------


def bilinear_sample_reference(image, x, y):
    """Zero-padded bilinear read of a (C, H, W) image at pixel coordinates (x, y)."""
    height, width = image.shape[1:]
    total = np.zeros(image.shape[0])
    x0, y0 = int(np.floor(x)), int(np.floor(y))
    for xi, yi in itertools.product((x0, x0 + 1), (y0, y0 + 1)):
        if 0 <= xi < width and 0 <= yi < height:
            total += (1 - abs(x - xi)) * (1 - abs(y - yi)) * image[:, yi, xi]
    return total


@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_matches_bilinear_reads(align_corners):
    x = rng.standard_normal((2, 3, 4, 5))
    grid = rng.uniform(-1.2, 1.2, (2, 3, 2, 2))
    out = F.grid_sample(ember.tensor(x), ember.tensor(grid), align_corners=align_corners).numpy()
    for n, i, j in itertools.product(range(2), range(3), range(2)):
        gx, gy = grid[n, i, j]
        if align_corners:
            px, py = (gx + 1) / 2 * 4, (gy + 1) / 2 * 3
        else:
            px, py = ((gx + 1) * 5 - 1) / 2, ((gy + 1) * 4 - 1) / 2
        np.testing.assert_allclose(out[n, :, i, j], bilinear_sample_reference(x[n], px, py), atol=1e-12)


@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
def test_identity_affine_grid_samples_the_image_back(mode):
    x = rng.standard_normal((2, 3, 4, 5))
    theta = ember.tensor(np.tile(np.eye(2, 3), (2, 1, 1)))
    for align_corners in (False, True):
        grid = F.affine_grid(theta, (2, 3, 4, 5), align_corners=align_corners)
        if align_corners:
            np.testing.assert_allclose(grid.numpy()[0, 0, :, 0], np.linspace(-1, 1, 5), atol=1e-12)
        back = F.grid_sample(ember.tensor(x), grid, mode=mode, align_corners=align_corners)
        close(back, x, 1e-9)
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.affine_grid(theta, (2, 3, 4, 5))
    with pytest.raises(ValueError, match="Nx2x3"):
        F.affine_grid(ember.randn(2, 3, 3), (2, 3, 4, 5), align_corners=False)


def test_channel_shuffle_and_conv_tbc():
    x = rng.standard_normal((2, 6, 3))
    expected = x.reshape(2, 2, 3, 3).transpose(0, 2, 1, 3).reshape(2, 6, 3)
    np.testing.assert_array_equal(F.channel_shuffle(ember.tensor(x), 2).numpy(), expected)
    assert repr(nn.ChannelShuffle(2)) == "ChannelShuffle(groups=2)"
    seq, w, b = rng.standard_normal((7, 2, 3)), rng.standard_normal((3, 3, 4)), rng.standard_normal(4)
    reference = conv_reference(seq.transpose(1, 2, 0), w.transpose(2, 1, 0), b, (1,), (1,), (1,), 1).transpose(2, 0, 1)
    close(F.conv_tbc(ember.tensor(seq), ember.tensor(w), ember.tensor(b), 1), reference)
    values, indices = F.max_pool2d_with_indices(ember.tensor(x[None]), 2)
    same, same_indices = F.max_pool2d(ember.tensor(x[None]), 2, return_indices=True)
    np.testing.assert_array_equal(values.numpy(), same.numpy())
    np.testing.assert_array_equal(indices.numpy(), same_indices.numpy())


SAMPLING = {
    "affine_grid": lambda: (lambda t: F.affine_grid(t, (1, 1, 3, 2), align_corners=False), leaf(1, 2, 3)),
    "affine_grid-3d": lambda: (lambda t: F.affine_grid(t, (1, 1, 2, 2, 3), align_corners=True), leaf(1, 3, 4)),
    "grid_sample-bilinear": lambda: (
        lambda x, g: F.grid_sample(x, g, align_corners=False),
        leaf(1, 2, 3, 3),
        ember.tensor(rng.uniform(-1.1, 1.1, (1, 2, 2, 2)), requires_grad=True),
    ),
    "grid_sample-border-3d": lambda: (
        lambda x, g: F.grid_sample(x, g, padding_mode="border", align_corners=True),
        leaf(1, 1, 2, 3, 2),
        ember.tensor(rng.uniform(-0.9, 0.9, (1, 2, 1, 2, 3)), requires_grad=True),
    ),
    "grid_sample-bicubic-reflection": lambda: (
        lambda x, g: F.grid_sample(x, g, mode="bicubic", padding_mode="reflection", align_corners=False),
        leaf(1, 1, 3, 4),
        ember.tensor(rng.uniform(-1.3, 1.3, (1, 2, 1, 2)), requires_grad=True),
    ),
    "channel_shuffle": lambda: (lambda x: F.channel_shuffle(x, 2), leaf(1, 4, 3)),
    "conv_tbc": lambda: (lambda x, w, b: F.conv_tbc(x, w, b, 1), leaf(4, 1, 2), leaf(2, 2, 3), leaf(3)),
}


@pytest.mark.parametrize("name", SAMPLING)
def test_sampling_derivatives(name):
    function, *inputs = SAMPLING[name]()
    assert gradcheck(function, tuple(inputs))
    assert gradgradcheck(function, tuple(inputs))


def test_fractional_max_pool_windows():
    x = rng.standard_normal((2, 3, 9, 7))
    samples = rng.uniform(0, 1, (2, 3, 2))
    out_h, out_w, k = 4, 3, 2
    values, indices = F.fractional_max_pool2d(
        ember.tensor(x), k, (out_h, out_w), return_indices=True, _random_samples=ember.tensor(samples)
    )

    def starts(u, size, out):
        alpha = (size - k) / (out - 1)
        return [int((i + u) * alpha) - int(u * alpha) for i in range(out - 1)] + [size - k]

    for n, c in itertools.product(range(2), range(3)):
        rows, cols = starts(samples[n, c, 1], 9, out_h), starts(samples[n, c, 0], 7, out_w)
        for i, j in itertools.product(range(out_h), range(out_w)):
            window = x[n, c, rows[i] : rows[i] + k, cols[j] : cols[j] + k]
            assert values.numpy()[n, c, i, j] == window.max()
            assert x[n, c].flat[indices.numpy()[n, c, i, j]] == window.max()
    layer = nn.FractionalMaxPool3d(2, output_ratio=0.5)
    assert layer(ember.randn(1, 2, 6, 6, 4)).shape == (1, 2, 3, 3, 2)
    with pytest.raises(ValueError, match="output_ratio must be between 0 and 1"):
        nn.FractionalMaxPool2d(2, output_ratio=1.5)
    samples = ember.tensor(rng.uniform(0, 1, (1, 1, 2)))
    function = lambda t: F.fractional_max_pool2d(t, 2, (2, 2), _random_samples=samples)  # noqa: E731
    assert gradcheck(function, (leaf(1, 1, 4, 4),))
    assert gradgradcheck(function, (leaf(1, 1, 4, 4),))


def test_antialiased_downscaling_averages_with_the_stretched_triangle():
    x = rng.standard_normal((1, 1, 1, 8))
    out = F.interpolate(ember.tensor(x), (1, 4), mode="bilinear", antialias=True).numpy()[0, 0, 0]
    # output j is centred on input 2j + 0.5 with a triangle of half-width 2: weights 1, 3, 3, 1 (over 8)
    padded = np.concatenate([x[0, 0, 0], [0.0]])
    expected = []
    for j in range(4):
        taps = [(i, 1 - abs(i + 0.5 - (2 * j + 1)) / 2) for i in range(2 * j - 1, 2 * j + 3) if 0 <= i < 8]
        total = sum(w for _, w in taps)
        expected.append(sum(w * padded[i] for i, w in taps) / total)
    np.testing.assert_allclose(out, expected, atol=1e-12)
    flat = F.interpolate(ember.ones(1, 2, 9, 7, dtype=ember.float64), (4, 2), mode="bicubic", antialias=True)
    np.testing.assert_allclose(flat.numpy(), 1.0, atol=1e-12)
    with pytest.raises(ValueError, match="Anti-alias option is restricted"):
        F.interpolate(ember.randn(1, 1, 4), 2, mode="linear", antialias=True)


def test_conv_forward_hook_for_subclasses():
    class Standardized(nn.Conv2d):
        def forward(self, input):
            w = self.weight
            return self._conv_forward(input, (w - w.mean()) / w.std(), self.bias)

    layer = Standardized(2, 3, 3, padding=1, padding_mode="circular")
    x = ember.randn(1, 2, 4, 4)
    w = layer.weight.detach()
    expected = nn.Conv2d(2, 3, 3, padding=1, padding_mode="circular")
    expected.load_state_dict({"weight": (w - w.mean()) / w.std(), "bias": layer.bias.detach()})
    np.testing.assert_allclose(layer(x).detach().numpy(), expected(x).detach().numpy(), atol=1e-6)
