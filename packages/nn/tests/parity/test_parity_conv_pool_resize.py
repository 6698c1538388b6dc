"""N-d convolution, transposed convolution, pooling and resizing against PyTorch: values and gradients."""

import itertools

import ember
import ember.nn as EN
import ember.nn.functional as EF
import numpy as np
import pytest

torch = pytest.importorskip("torch")
TF = torch.nn.functional
TN = torch.nn


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """Small tensors: PyTorch's thread pool only adds overhead on a shared machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


rng = np.random.default_rng(21)


def pair(array, grad=True):
    return ember.tensor(array, requires_grad=grad), torch.tensor(array, requires_grad=grad)


def check(ember_fn, torch_fn, arrays, tol=1e-4):
    """Same forward and same input gradients under a random upstream gradient."""
    ember_inputs, torch_inputs = zip(*(pair(a, a.dtype.kind == "f") for a in arrays))
    e_out, t_out = ember_fn(*ember_inputs), torch_fn(*torch_inputs)
    if isinstance(t_out, tuple):  # (values, indices)
        np.testing.assert_array_equal(e_out[1].numpy(), t_out[1].numpy())
        e_out, t_out = e_out[0], t_out[0]
    assert e_out.shape == tuple(t_out.shape)
    np.testing.assert_allclose(e_out.detach().numpy(), t_out.detach().numpy(), rtol=tol, atol=tol)
    upstream = rng.standard_normal(tuple(t_out.shape)).astype(arrays[0].dtype)
    e_out.backward(ember.tensor(upstream))
    t_out.backward(torch.tensor(upstream))
    for e, t in zip(ember_inputs, torch_inputs):
        if t.requires_grad:
            ours = np.zeros(e.shape, arrays[0].dtype) if e.grad is None else e.grad.numpy()
            np.testing.assert_allclose(ours, t.grad.numpy(), rtol=10 * tol, atol=10 * tol)


def normal(*shape):
    return rng.standard_normal(shape).astype(np.float32)


SIZES = {1: (9,), 2: (7, 6), 3: (5, 6, 4)}
KERNELS = {1: (3,), 2: (3, 2), 3: (2, 3, 2)}


# --- convolution ------------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@pytest.mark.parametrize(
    "spatial,stride,padding,dilation,groups", list(itertools.product([1, 3], [1, 2], [0, 1, "same"], [1, 2], [1, 2]))
)
def test_conv_nd(spatial, stride, padding, dilation, groups):
    if padding == "same" and stride != 1:
        pytest.skip("same padding needs stride 1")
    x, w, b = normal(2, 4, *SIZES[spatial]), normal(6, 4 // groups, *KERNELS[spatial]), normal(6)
    args = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    name = f"conv{spatial}d"
    check(lambda *t: getattr(EF, name)(*t, **args), lambda *t: getattr(TF, name)(*t, **args), [x, w, b])


@pytest.mark.parametrize(
    "spatial,stride,padding,extra,groups,dilation",
    [
        (s, st, p, e, g, d)
        for s, st, p, e, g, d in itertools.product([1, 2, 3], [1, 3], [0, 2], [0, 1], [1, 2], [1, 2])
        if e < max(st, d)
    ],
)
def test_conv_transpose_nd(spatial, stride, padding, extra, groups, dilation):
    x, w, b = normal(2, 4, *SIZES[spatial]), normal(4, 6 // groups, *KERNELS[spatial]), normal(6)
    args = dict(stride=stride, padding=padding, output_padding=extra, groups=groups, dilation=dilation)
    name = f"conv_transpose{spatial}d"
    check(lambda *t: getattr(EF, name)(*t, **args), lambda *t: getattr(TF, name)(*t, **args), [x, w, b])


@pytest.mark.parametrize("spatial", [1, 2, 3])
@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
def test_conv_modules_and_state_dicts(spatial, mode):
    kind = f"Conv{spatial}d"
    args = dict(stride=1, padding="same" if mode == "circular" else 1, dilation=1, groups=2, padding_mode=mode)
    theirs, ours = getattr(TN, kind)(4, 6, 3, **args), getattr(EN, kind)(4, 6, 3, **args)
    assert repr(ours) == repr(theirs)
    ours.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    x = normal(2, 4, *SIZES[spatial])
    check(ours, theirs, [x])
    for ember_p, torch_p in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(ember_p.grad.numpy(), torch_p.grad.numpy(), rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("spatial", [1, 2, 3])
def test_conv_transpose_modules_output_size_and_repr(spatial):
    kind = f"ConvTranspose{spatial}d"
    args = dict(stride=2, padding=1, output_padding=1, groups=2, bias=False, dilation=1)
    theirs, ours = getattr(TN, kind)(4, 6, 3, **args), getattr(EN, kind)(4, 6, 3, **args)
    assert repr(ours) == repr(theirs)
    assert [k for k in ours.state_dict()] == [k for k in theirs.state_dict()]
    ours.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    x = normal(2, 4, *SIZES[spatial])
    check(ours, theirs, [x])
    size = [2 * n - 1 for n in SIZES[spatial]]
    check(lambda t: ours(t, output_size=size), lambda t: theirs(t, output_size=size), [x])
    assert repr(getattr(EN, kind)(3, 3, 2)) == repr(getattr(TN, kind)(3, 3, 2))


# --- pooling ----------------------------------------------------------------------------------------------

POOL_SIZES = {1: (2, 3, 11), 2: (2, 3, 9, 8), 3: (1, 2, 7, 6, 5)}


@pytest.mark.parametrize(
    "spatial,kernel,stride,padding,dilation,ceil_mode",
    [
        (d, k, s, p, dil, c)
        for d, k, s, p, dil, c in itertools.product([1, 3], [2, 3], [None, 1, 2], [0, 1], [1, 2], [False, True])
        if p <= k // 2
    ],
)
def test_max_pool_nd(spatial, kernel, stride, padding, dilation, ceil_mode):
    x = normal(*POOL_SIZES[spatial])
    args = dict(stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode, return_indices=True)
    name = f"max_pool{spatial}d"
    check(lambda t: getattr(EF, name)(t, kernel, **args), lambda t: getattr(TF, name)(t, kernel, **args), [x])


@pytest.mark.parametrize(
    "spatial,kernel,stride,padding,ceil_mode,include,divisor",
    [
        (d, k, s, p, c, i, dv)
        for d, k, s, p, c, i, dv in itertools.product(
            [1, 3], [2, 3], [None, 2], [0, 1], [False, True], [True, False], [None, 3]
        )
        if not (d == 1 and dv)
    ],
)
def test_avg_pool_nd(spatial, kernel, stride, padding, ceil_mode, include, divisor):
    x = normal(*POOL_SIZES[spatial])
    args = dict(stride=stride, padding=padding, ceil_mode=ceil_mode, count_include_pad=include)
    if divisor:
        args["divisor_override"] = divisor
    name = f"avg_pool{spatial}d"
    check(lambda t: getattr(EF, name)(t, kernel, **args), lambda t: getattr(TF, name)(t, kernel, **args), [x])


ADAPTIVE = {1: [1, 4, 5, 11, 13], 2: [(3, 5), (None, 2), 7, (9, 1)], 3: [(2, 3, 4), 1, (None, 4, 7)]}


@pytest.mark.parametrize("spatial,size", [(d, s) for d in ADAPTIVE for s in ADAPTIVE[d]])
@pytest.mark.parametrize("kind", ["avg", "max"])
def test_adaptive_pools(spatial, size, kind):
    x = normal(*POOL_SIZES[spatial])
    name = f"adaptive_{kind}_pool{spatial}d"
    extra = {"return_indices": True} if kind == "max" else {}
    check(lambda t: getattr(EF, name)(t, size, **extra), lambda t: getattr(TF, name)(t, size, **extra), [x])
    unbatched = x[0]
    check(lambda t: getattr(EF, name)(t, size), lambda t: getattr(TF, name)(t, size), [unbatched])


@pytest.mark.parametrize("spatial", [1, 2, 3])
@pytest.mark.parametrize("norm,kernel,stride,ceil_mode", [(2, 2, None, False), (3, 3, 2, True), (1.5, 2, 1, False)])
def test_lp_pool(spatial, norm, kernel, stride, ceil_mode):
    x = np.abs(normal(*POOL_SIZES[spatial])) + 0.1
    name = f"lp_pool{spatial}d"
    check(
        lambda t: getattr(EF, name)(t, norm, kernel, stride, ceil_mode),
        lambda t: getattr(TF, name)(t, norm, kernel, stride, ceil_mode),
        [x],
    )


UNPOOL_SIZES = {1: (2, 3, 8), 2: (2, 3, 8, 6), 3: (1, 2, 6, 4, 4)}


@pytest.mark.parametrize("spatial", [1, 2, 3])
@pytest.mark.parametrize("kernel,stride,padding,given", [(2, None, 0, False), (3, 2, 1, True), (2, 2, 0, True)])
def test_max_unpool(spatial, kernel, stride, padding, given):
    x = torch.tensor(normal(*UNPOOL_SIZES[spatial]))
    values, indices = getattr(TF, f"max_pool{spatial}d")(x, kernel, stride, padding, return_indices=True)
    name = f"max_unpool{spatial}d"
    args = dict(kernel_size=kernel, stride=stride, padding=padding, output_size=x.shape[2:] if given else None)
    e_idx = ember.tensor(indices.numpy())
    check(
        lambda t: getattr(EF, name)(t, e_idx, **args),
        lambda t: getattr(TF, name)(t, indices, **args),
        [values.numpy()],
    )


POOL_MODULES = [
    ("MaxPool3d", (2,), {"stride": 1, "padding": 1, "dilation": 1, "ceil_mode": True}),
    ("AvgPool3d", (3,), {"stride": 2, "padding": 1, "count_include_pad": False, "divisor_override": 2}),
    ("AdaptiveAvgPool1d", (4,), {}),
    ("AdaptiveAvgPool3d", ((None, 2, 3),), {}),
    ("AdaptiveMaxPool1d", (4,), {}),
    ("AdaptiveMaxPool2d", ((3, 2),), {"return_indices": True}),
    ("AdaptiveMaxPool3d", (2,), {}),
    ("LPPool1d", (2, 3), {}),
    ("LPPool2d", (1.5, (2, 3)), {"stride": 2, "ceil_mode": True}),
    ("LPPool3d", (2, 2), {}),
    ("MaxUnpool1d", (2,), {}),
    ("MaxUnpool2d", (3,), {"stride": 2, "padding": 1}),
    ("MaxUnpool3d", ((2, 1, 2),), {}),
]


@pytest.mark.parametrize("name,args,kwargs", POOL_MODULES)
def test_pool_module_reprs(name, args, kwargs):
    assert repr(getattr(EN, name)(*args, **kwargs)) == repr(getattr(TN, name)(*args, **kwargs))


# --- resizing ---------------------------------------------------------------------------------------------

RESIZE_INPUTS = {3: (2, 3, 7), 4: (2, 2, 5, 6), 5: (1, 2, 3, 4, 5)}
RESIZE_MODES = {
    "nearest": [3, 4, 5],
    "nearest-exact": [3, 4, 5],
    "linear": [3],
    "bilinear": [4],
    "bicubic": [4],
    "trilinear": [5],
    "area": [3, 4, 5],
}
RESIZES = [
    {"scale_factor": 2},
    {"scale_factor": 0.5},
    {"scale_factor": 1.7},
    {"scale_factor": 1.7, "recompute_scale_factor": True},
    {"scale_factor": 0.6, "recompute_scale_factor": False},
    {"size": 11},
    {"size": 3},
    {"size": 1},
]


INTERPOLATING = ("linear", "bilinear", "bicubic", "trilinear")


@pytest.mark.parametrize(
    "mode,ndim,align_corners",
    [
        (m, d, a)
        for m, dims in RESIZE_MODES.items()
        for d in dims
        for a in ([None, False, True] if m in INTERPOLATING else [None])
    ],
)
@pytest.mark.parametrize("resize", RESIZES)
def test_interpolate(mode, ndim, resize, align_corners):
    if mode == "area" and "recompute_scale_factor" in resize:
        pytest.skip("area mode with a scale factor recomputes it anyway")
    x = normal(*RESIZE_INPUTS[ndim])
    args = dict(resize, mode=mode, align_corners=align_corners)
    check(lambda t: EF.interpolate(t, **args), lambda t: TF.interpolate(t, **args), [x])


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("resize", [{"scale_factor": 0.3}, {"size": (4, 2)}, {"size": (9, 3)}, {"scale_factor": 1.7}])
@pytest.mark.parametrize("align_corners", [False, True])
def test_interpolate_antialias(mode, resize, align_corners):
    x = normal(2, 2, 13, 11)
    args = dict(resize, mode=mode, align_corners=align_corners, antialias=True)
    check(lambda t: EF.interpolate(t, **args), lambda t: TF.interpolate(t, **args), [x])


def test_interpolate_per_axis_sizes_and_scales():
    x = normal(1, 2, 4, 5)
    for args in [
        {"size": (7, 3), "mode": "bilinear"},
        {"scale_factor": (2.5, 0.5), "mode": "bicubic", "align_corners": True},
        {"size": (8, 5), "mode": "nearest"},
        {"scale_factor": (3, 1), "mode": "nearest-exact"},
    ]:
        check(lambda t: EF.interpolate(t, **args), lambda t: TF.interpolate(t, **args), [x])


@pytest.mark.parametrize(
    "name,args",
    [
        ("Upsample", dict(scale_factor=2, mode="bilinear")),
        ("Upsample", dict(size=(3, 9), mode="nearest")),
        ("Upsample", dict(scale_factor=(1.5, 2.0), mode="bicubic", align_corners=True)),
        ("UpsamplingNearest2d", dict(scale_factor=3)),
        ("UpsamplingBilinear2d", dict(size=(4, 7))),
    ],
)
def test_upsample_modules(name, args):
    ours, theirs = getattr(EN, name)(**args), getattr(TN, name)(**args)
    assert repr(ours) == repr(theirs)
    check(ours, theirs, [normal(2, 2, 5, 6)])


@pytest.mark.parametrize("factor,shape", [(2, (2, 8, 3, 4)), (3, (9, 2, 2)), (1, (1, 2, 3, 3, 3))])
def test_pixel_shuffle_and_unshuffle(factor, shape):
    x = normal(*shape)
    check(lambda t: EF.pixel_shuffle(t, factor), lambda t: TF.pixel_shuffle(t, factor), [x])
    y = normal(*shape[:-2], shape[-2] * factor, shape[-1] * factor)
    check(lambda t: EF.pixel_unshuffle(t, factor), lambda t: TF.pixel_unshuffle(t, factor), [y])
    assert repr(EN.PixelShuffle(factor)) == repr(TN.PixelShuffle(factor))
    assert repr(EN.PixelUnshuffle(factor)) == repr(TN.PixelUnshuffle(factor))


FOLDS = [
    dict(kernel_size=2),
    dict(kernel_size=(2, 3), stride=2, padding=1),
    dict(kernel_size=3, dilation=2, padding=(2, 1), stride=(1, 2)),
]


@pytest.mark.parametrize("args", FOLDS)
@pytest.mark.parametrize("batched", [True, False])
def test_unfold_and_fold(args, batched):
    x = normal(2, 3, 7, 8) if batched else normal(3, 7, 8)
    check(lambda t: EF.unfold(t, **args), lambda t: TF.unfold(t, **args), [x])
    cols = TF.unfold(torch.tensor(x), **args).numpy()
    check(lambda t: EF.fold(t, (7, 8), **args), lambda t: TF.fold(t, (7, 8), **args), [cols])
    assert repr(EN.Unfold(**args)) == repr(TN.Unfold(**args))
    assert repr(EN.Fold((7, 8), **args)) == repr(TN.Fold((7, 8), **args))


# --- sampling grids, shuffles, conv_tbc, *_with_indices ----------------------------------------------------


@pytest.mark.filterwarnings("ignore:Since version 1.3.0, affine_grid behavior has changed")
@pytest.mark.parametrize("size", [(2, 3, 4, 5), (2, 1, 1, 3), (2, 2, 3, 4, 2)])
@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid(size, align_corners):
    spatial = len(size) - 2
    theta = normal(2, spatial, spatial + 1)
    check(
        lambda t: EF.affine_grid(t, size, align_corners=align_corners),
        lambda t: TF.affine_grid(t, size, align_corners=align_corners),
        [theta],
    )


@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("spatial", [2, 3])
def test_grid_sample(mode, padding_mode, align_corners, spatial):
    if mode == "bicubic" and spatial == 3:
        pytest.skip("bicubic is 2-D only")
    x = normal(2, 3, *[5, 6, 4][:spatial])
    grid = rng.uniform(-1.3, 1.3, (2, *[4, 3, 2][:spatial], spatial)).astype(np.float32)
    args = dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    check(lambda a, g: EF.grid_sample(a, g, **args), lambda a, g: TF.grid_sample(a, g, **args), [x, grid])


@pytest.mark.parametrize("groups,shape", [(2, (2, 6, 3, 2)), (3, (1, 9, 4)), (1, (2, 2, 2, 2, 2))])
def test_channel_shuffle(groups, shape):
    check(lambda t: EF.channel_shuffle(t, groups), lambda t: TF.channel_shuffle(t, groups), [normal(*shape)])
    x = normal(*shape)
    native = TF.native_channel_shuffle(torch.tensor(x), groups).numpy()  # PyTorch has no derivative for this one
    np.testing.assert_array_equal(EF.native_channel_shuffle(ember.tensor(x), groups).numpy(), native)
    assert repr(EN.ChannelShuffle(groups)) == repr(TN.ChannelShuffle(groups))


@pytest.mark.parametrize("pad", [0, 1, 2])
def test_conv_tbc(pad):
    x, w, b = normal(7, 2, 3), normal(3, 3, 4), normal(4)
    check(lambda *t: EF.conv_tbc(*t, pad), lambda *t: TF.conv_tbc(*t, pad), [x, w, b])


def test_with_indices_variants():
    x = normal(2, 3, 6, 5, 4)
    for name, args in [
        ("max_pool1d_with_indices", (x[:, :, 0, 0], 2)),
        ("max_pool2d_with_indices", (x[:, :, 0], 2, 1)),
        ("max_pool3d_with_indices", (x, 2)),
        ("adaptive_max_pool1d_with_indices", (x[:, :, 0, 0], 3)),
        ("adaptive_max_pool2d_with_indices", (x[:, :, 0], (4, 2))),
        ("adaptive_max_pool3d_with_indices", (x, 2)),
    ]:
        check(lambda t: getattr(EF, name)(t, *args[1:]), lambda t: getattr(TF, name)(t, *args[1:]), [args[0]])


@pytest.mark.parametrize(
    "spatial,kernel,output_size,output_ratio",
    [
        (2, 2, (4, 3), None),
        (2, (3, 2), None, (0.5, 0.7)),
        (2, 3, 5, None),
        (3, 2, (3, 2, 3), None),
        (3, (2, 1, 2), None, (0.6,) * 3),
    ],
)
def test_fractional_max_pool(spatial, kernel, output_size, output_ratio):
    x = normal(*POOL_SIZES[spatial])
    samples = rng.uniform(0, 1, (x.shape[0], x.shape[1], spatial)).astype(np.float32)
    name = f"fractional_max_pool{spatial}d"
    args = dict(output_size=output_size, output_ratio=output_ratio, return_indices=True)
    check(
        lambda t: getattr(EF, name)(t, kernel, **args, _random_samples=ember.tensor(samples)),
        lambda t: getattr(TF, name)(t, kernel, **args, _random_samples=torch.tensor(samples)),
        [x],
    )
    check(
        lambda t: getattr(EF, f"{name}_with_indices")(
            t, kernel, output_size, output_ratio, _random_samples=ember.tensor(samples)
        ),
        lambda t: getattr(TF, f"{name}_with_indices")(
            t, kernel, output_size, output_ratio, _random_samples=torch.tensor(samples)
        ),
        [x],
    )
    layer = getattr(EN, f"FractionalMaxPool{spatial}d")(kernel, output_size, output_ratio)
    assert repr(layer) == repr(getattr(TN, f"FractionalMaxPool{spatial}d")(kernel, output_size, output_ratio))
    assert (
        layer(ember.tensor(x)).shape
        == getattr(TN, f"FractionalMaxPool{spatial}d")(kernel, output_size, output_ratio)(torch.tensor(x)).shape
    )


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
def test_conv_same_padding_with_even_kernels(mode):
    args = dict(padding="same", dilation=(1, 2, 1), padding_mode=mode)
    theirs, ours = TN.Conv3d(2, 3, (4, 2, 3), **args), EN.Conv3d(2, 3, (4, 2, 3), **args)
    ours.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    check(ours, theirs, [normal(1, 2, 6, 5, 4)])


@pytest.mark.parametrize(
    "name,shape",
    [
        ("LazyConv3d", (2, 4, 4, 5, 4)),
        ("LazyConvTranspose1d", (2, 4, 5)),
        ("LazyConvTranspose2d", (2, 4, 5, 3)),
        ("LazyConvTranspose3d", (1, 4, 3, 2, 3)),
    ],
)
def test_lazy_3d_and_transposed_convolutions(name, shape):
    args = dict(stride=2, padding=1, groups=2, bias=True)
    ours, theirs = getattr(EN, name)(6, 3, **args), getattr(TN, name)(6, 3, **args)
    assert repr(ours) == repr(theirs)
    x = normal(*shape)
    theirs(torch.tensor(x))
    ours(ember.tensor(x))
    assert type(ours).__name__ == type(theirs).__name__ == name.replace("Lazy", "")
    assert repr(ours) == repr(theirs)
    ours.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    check(ours, theirs, [x])
