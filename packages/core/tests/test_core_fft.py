"""ember.fft against numpy.fft: values and dtypes of every transform, sizes, dims and norms;
frequencies and shifts; errors; finite-difference checks of the gradients (float64), through
real-valued losses and with complex inputs.
"""

import ember
import numpy as np
import pytest
from ember.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(3)
REAL = RNG.normal(size=(3, 4, 6))
COMPLEX = REAL + 1j * RNG.normal(size=(3, 4, 6))
NORMS = [None, "backward", "ortho", "forward"]


def _numpy_hfftn(x, s, axes, norm):
    swapped = {"backward": "forward", "forward": "backward", "ortho": "ortho"}[norm or "backward"]
    return np.fft.irfftn(np.conj(x), s=s, axes=axes, norm=swapped)


def _numpy_ihfftn(x, s, axes, norm):
    swapped = {"backward": "forward", "forward": "backward", "ortho": "ortho"}[norm or "backward"]
    return np.conj(np.fft.rfftn(x, s=s, axes=axes, norm=swapped))


# (ember name, NumPy reference (x, n or s, axis or axes, norm), input, one-dimensional)
ONE_DIMENSIONAL = [
    ("fft", np.fft.fft, COMPLEX),
    ("fft", np.fft.fft, REAL),
    ("ifft", np.fft.ifft, COMPLEX),
    ("rfft", np.fft.rfft, REAL),
    ("irfft", np.fft.irfft, COMPLEX),
    ("hfft", np.fft.hfft, COMPLEX),
    ("ihfft", np.fft.ihfft, REAL),
]
SEVERAL = [
    ("fft2", np.fft.fft2, COMPLEX, (-2, -1)),
    ("ifft2", np.fft.ifft2, COMPLEX, (-2, -1)),
    ("rfft2", np.fft.rfft2, REAL, (-2, -1)),
    ("irfft2", np.fft.irfft2, COMPLEX, (-2, -1)),
    ("fftn", np.fft.fftn, COMPLEX, None),
    ("ifftn", np.fft.ifftn, COMPLEX, None),
    ("rfftn", np.fft.rfftn, REAL, None),
    ("irfftn", np.fft.irfftn, COMPLEX, None),
    ("hfftn", _numpy_hfftn, COMPLEX, None),
    ("ihfftn", _numpy_ihfftn, REAL, None),
    ("hfft2", _numpy_hfftn, COMPLEX, (-2, -1)),
    ("ihfft2", _numpy_ihfftn, REAL, (-2, -1)),
]


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("n, dim", [(None, -1), (4, -1), (9, 0), (6, 1)])
@pytest.mark.parametrize("name, reference, data", ONE_DIMENSIONAL, ids=lambda v: v if isinstance(v, str) else "")
def test_one_dimensional_transforms_match_numpy(name, reference, data, n, dim, norm):
    got = getattr(ember.fft, name)(ember.tensor(data), n=n, dim=dim, norm=norm)
    np.testing.assert_allclose(got.numpy(), reference(data, n=n, axis=dim, norm=norm), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("s, dim", [(None, "default"), ((3, 5), "default"), ((5, -1), (0, 2)), (None, (0, 2))])
@pytest.mark.parametrize("name, reference, data, default_axes", SEVERAL, ids=lambda v: v if isinstance(v, str) else "")
def test_transforms_over_several_dims_match_numpy(name, reference, data, default_axes, s, dim, norm):
    axes = default_axes if dim == "default" else dim
    if axes is None and s is not None:
        axes = tuple(range(data.ndim - len(s), data.ndim))
    sizes = None if s is None else [data.shape[a] if n == -1 else n for a, n in zip(axes, s)]
    if sizes is not None and s[-1] == -1 and name.startswith(("irfft", "hfft")):
        sizes[-1] = 2 * (data.shape[axes[-1]] - 1)  # NOTE: as PyTorch: -1 is the default output length
    expected = reference(data, s=sizes, axes=axes, norm=norm)
    keywords = {} if dim == "default" else {"dim": dim}
    got = getattr(ember.fft, name)(ember.tensor(data), s=s, norm=norm, **keywords)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize(
    "name, given, result",
    [
        ("fft", ember.float32, ember.complex64),
        ("fft", ember.float64, ember.complex128),
        ("fft", ember.int64, ember.complex64),
        ("fft", ember.complex64, ember.complex64),
        ("ifft", ember.complex128, ember.complex128),
        ("rfft", ember.float32, ember.complex64),
        ("rfft", ember.int32, ember.complex64),
        ("rfft", ember.float64, ember.complex128),
        ("irfft", ember.complex64, ember.float32),
        ("irfft", ember.float32, ember.float32),
        ("irfft", ember.complex128, ember.float64),
        ("hfft", ember.complex64, ember.float32),
        ("ihfft", ember.float64, ember.complex128),
    ],
)
def test_result_dtypes_follow_the_input_precision(name, given, result):
    assert getattr(ember.fft, name)(ember.ones(8, dtype=given)).dtype is result


def test_float32_values_match_numpy_in_single_precision():
    x = REAL.astype(np.float32)
    got = ember.fft.rfft(ember.tensor(x))
    np.testing.assert_allclose(got.numpy(), np.fft.rfft(x.astype(np.float64)), rtol=1e-5, atol=1e-5)


def test_default_complex_dtype_follows_the_default_float_dtype():
    ember.set_default_dtype(ember.float64)
    try:
        assert ember.fft.fft(ember.arange(4)).dtype is ember.complex128
    finally:
        ember.set_default_dtype(ember.float32)


def test_out_is_written():
    out = ember.empty(0, dtype=ember.complex128)
    result = ember.fft.fft(ember.tensor(REAL[0, 0]), out=out)
    assert result is out
    np.testing.assert_allclose(out.numpy(), np.fft.fft(REAL[0, 0]))


@pytest.mark.parametrize("n, d", [(1, 1.0), (5, 1.0), (8, 0.1), (7, 2.5)])
def test_frequencies_match_numpy(n, d):
    np.testing.assert_allclose(ember.fft.fftfreq(n, d).numpy(), np.fft.fftfreq(n, d), rtol=1e-6)
    np.testing.assert_allclose(ember.fft.rfftfreq(n, d).numpy(), np.fft.rfftfreq(n, d), rtol=1e-6)
    assert ember.fft.fftfreq(n, d).dtype is ember.float32
    assert ember.fft.rfftfreq(n, d, dtype=ember.float64).dtype is ember.float64


@pytest.mark.parametrize("dim", [None, 0, -1, (0, 2), [1]])
def test_shifts_match_numpy(dim):
    x = np.arange(3 * 4 * 5).reshape(3, 4, 5)
    axes = tuple(dim) if isinstance(dim, list) else dim
    assert np.array_equal(ember.fft.fftshift(ember.tensor(x), dim).numpy(), np.fft.fftshift(x, axes))
    assert np.array_equal(ember.fft.ifftshift(ember.tensor(x), dim).numpy(), np.fft.ifftshift(x, axes))


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: ember.fft.fft(ember.ones(4), norm="bad"), RuntimeError, 'Invalid normalization mode: "bad"'),
        (lambda: ember.fft.fft(ember.ones(4), n=0), RuntimeError, r"Invalid number of data points \(0\)"),
        (lambda: ember.fft.rfft(ember.ones(4, dtype=ember.complex64)), RuntimeError, "expects a real input"),
        pytest.param(
            lambda: ember.fft.fft(ember.ones(4, dtype=ember.float16)),
            RuntimeError,
            "Unsupported dtype Half",
            marks=pytest.mark.needs_dtype("float16"),
        ),
        (lambda: ember.fft.irfft(ember.ones(1, dtype=ember.complex64)), RuntimeError, r"Invalid number of data"),
        (lambda: ember.fft.fftn(ember.ones(2, 2), s=(2,), dim=(0, 1)), RuntimeError, "must have the same length"),
        (lambda: ember.fft.fft2(ember.ones(2, 2), dim=(0, 0)), RuntimeError, "FFT dims must be unique"),
        (lambda: ember.fft.fft(ember.ones(2), dim=1), IndexError, "Dimension out of range"),
    ],
)
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_a_backend_without_the_kernel_is_named():
    from ember.ops.fourier import transform

    class Bare:
        name = "bare"

    with pytest.raises(NotImplementedError, match="'bare' backend does not have"):
        transform(Bare(), np.ones(2), "fftn", None, (0,), "backward")


# --- gradients --------------------------------------------------------------------------------------


def _real(*shape):
    return ember.tensor(RNG.normal(size=shape), dtype=ember.float64, requires_grad=True)


def _complex(*shape):
    values = RNG.normal(size=shape) + 1j * RNG.normal(size=shape)
    return ember.tensor(values, dtype=ember.complex128, requires_grad=True)


# each case: (name, function, input makers); the real-to-complex-to-real ones are the losses users write
GRADIENT_CASES = [
    ("abs_fft_sum", lambda x: ember.fft.fft(x).abs().sum(), [lambda: _real(6)]),
    ("fft_ortho_n", lambda x: ember.fft.fft(x, n=8, norm="ortho").abs(), [lambda: _real(5)]),
    ("fft_forward_crop", lambda x: ember.view_as_real(ember.fft.fft(x, n=3, norm="forward")), [lambda: _real(5)]),
    ("ifft", lambda z: ember.fft.ifft(z), [lambda: _complex(5)]),
    ("ifft_ortho_dim0", lambda z: ember.fft.ifft(z, n=4, dim=0, norm="ortho"), [lambda: _complex(3, 2)]),
    ("rfft", lambda x: ember.view_as_real(ember.fft.rfft(x)), [lambda: _real(6)]),
    ("rfft_odd", lambda x: ember.fft.rfft(x, norm="ortho").abs(), [lambda: _real(7)]),
    ("rfft_padded", lambda x: ember.fft.rfft(x, n=9, norm="forward"), [lambda: _real(6)]),
    ("irfft_even", lambda z: ember.fft.irfft(z), [lambda: _complex(4)]),
    ("irfft_odd_n", lambda z: ember.fft.irfft(z, n=7, norm="ortho"), [lambda: _complex(4)]),
    ("irfft_cropped", lambda z: ember.fft.irfft(z, n=4, norm="forward"), [lambda: _complex(5)]),
    ("irfft_of_real", lambda x: ember.fft.irfft(x, n=6), [lambda: _real(4)]),
    ("hfft", lambda z: ember.fft.hfft(z), [lambda: _complex(4)]),
    ("hfft_n", lambda z: ember.fft.hfft(z, n=5, norm="ortho"), [lambda: _complex(4)]),
    ("ihfft", lambda x: ember.fft.ihfft(x), [lambda: _real(5)]),
    ("fft2", lambda z: ember.fft.fft2(z, s=(3, 2)), [lambda: _complex(2, 3)]),
    ("ifft2_ortho", lambda z: ember.fft.ifft2(z, norm="ortho"), [lambda: _complex(2, 3)]),
    ("rfft2", lambda x: ember.fft.rfft2(x).abs().sum(), [lambda: _real(3, 4)]),
    ("irfft2", lambda z: ember.fft.irfft2(z, s=(3, 5)), [lambda: _complex(3, 3)]),
    ("fftn_dims", lambda z: ember.fft.fftn(z, dim=(0, 2), norm="forward"), [lambda: _complex(2, 2, 3)]),
    ("rfftn", lambda x: ember.view_as_real(ember.fft.rfftn(x, norm="ortho")), [lambda: _real(2, 2, 4)]),
    ("irfftn", lambda z: ember.fft.irfftn(z, s=(2, 2, 4)), [lambda: _complex(2, 2, 3)]),
    ("round_trip", lambda x: ember.fft.irfft(ember.fft.rfft(x) * ember.fft.rfft(x), n=5), [lambda: _real(5)]),
    ("shift", lambda z: ember.fft.fftshift(ember.fft.fft(z)), [lambda: _complex(5)]),
]


@pytest.mark.parametrize("name, function, makers", GRADIENT_CASES, ids=[c[0] for c in GRADIENT_CASES])
def test_gradcheck(name, function, makers):
    assert gradcheck(function, tuple(make() for make in makers))


@pytest.mark.parametrize("name, function, makers", GRADIENT_CASES, ids=[c[0] for c in GRADIENT_CASES])
def test_gradgradcheck(name, function, makers):
    assert gradgradcheck(function, tuple(make() for make in makers))


def test_backward_nodes_are_named_as_in_pytorch():
    x = _real(4)
    assert type(ember.fft.rfft(x).grad_fn).__name__ == "FftR2CBackward0"
    assert type(ember.fft.irfft(ember.fft.rfft(x)).grad_fn).__name__ == "FftC2RBackward0"
    assert type(ember.fft.ifft(ember.fft.rfft(x)).grad_fn).__name__ == "FftC2CBackward0"
