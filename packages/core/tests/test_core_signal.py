"""ember.stft and ember.istft against a direct NumPy evaluation of the definition, the round trip, errors, and
float64 gradcheck/gradgradcheck of both."""

from __future__ import annotations

import warnings

import ember
import numpy as np
import pytest
from ember.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(0)


def hann(n: int) -> np.ndarray:
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)


def reference_stft(x, n_fft, hop, window, center=True, pad_mode="reflect", normalized=False, onesided=True):
    """X[b, f, t] = sum_k w[k] x[b, t * hop + k] exp(-2 pi i f k / n_fft), on the padded signal."""
    x = np.atleast_2d(x)
    if center:
        mode = {"reflect": "reflect", "constant": "constant", "replicate": "edge", "circular": "wrap"}[pad_mode]
        x = np.pad(x, ((0, 0), (n_fft // 2, n_fft // 2)), mode=mode)
    win = np.zeros(n_fft, dtype=complex if np.iscomplexobj(window) else float)
    left = (n_fft - len(window)) // 2
    win[left : left + len(window)] = window
    count = 1 + (x.shape[-1] - n_fft) // hop
    k = np.arange(n_fft)
    freqs = np.arange(n_fft // 2 + 1 if onesided else n_fft)
    basis = np.exp(-2j * np.pi * np.outer(freqs, k) / n_fft)
    frames = np.stack([x[:, t * hop : t * hop + n_fft] * win for t in range(count)], axis=-1)  # (B, n_fft, T)
    out = np.einsum("fk,bkt->bft", basis, frames)
    return out / np.sqrt(n_fft) if normalized else out


CASES = [
    dict(n_fft=8, hop=2, win=8, center=True, pad_mode="reflect"),
    dict(n_fft=16, hop=5, win=11, center=True, pad_mode="constant"),
    dict(n_fft=8, hop=3, win=8, center=True, pad_mode="replicate", normalized=True),
    dict(n_fft=8, hop=4, win=6, center=True, pad_mode="circular"),
    dict(n_fft=10, hop=3, win=7, center=False),
    dict(n_fft=8, hop=2, win=8, center=False, onesided=False),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(f"{k}{v}" for k, v in c.items()))
@pytest.mark.parametrize("batch", [False, True], ids=["1d", "batched"])
def test_stft_matches_the_definition(case, batch):
    x = RNG.normal(size=(3, 50) if batch else 50)
    window = hann(case["win"])
    got = ember.stft(
        ember.tensor(x),
        case["n_fft"],
        hop_length=case["hop"],
        win_length=case["win"],
        window=ember.tensor(window),
        center=case["center"],
        pad_mode=case.get("pad_mode", "reflect"),
        normalized=case.get("normalized", False),
        onesided=case.get("onesided"),
        return_complex=True,
    )
    expected = reference_stft(
        x,
        case["n_fft"],
        case["hop"],
        window,
        case["center"],
        case.get("pad_mode", "reflect"),
        case.get("normalized", False),
        case.get("onesided", True) is not False,
    )
    assert got.dtype == ember.complex128
    np.testing.assert_allclose(got.numpy(), expected if batch else expected[0], atol=1e-12)


def test_float32_gives_complex64_and_the_method_is_the_function():
    x = ember.tensor(RNG.normal(size=40).astype(np.float32))
    window = ember.tensor(hann(8).astype(np.float32))
    spectra = x.stft(8, window=window, return_complex=True)
    assert spectra.dtype == ember.complex64
    np.testing.assert_array_equal(spectra.numpy(), ember.stft(x, 8, window=window, return_complex=True).numpy())


def test_complex_input_gives_the_two_sided_spectrum():
    x = RNG.normal(size=30) + 1j * RNG.normal(size=30)
    got = ember.stft(ember.tensor(x), 8, window=ember.tensor(hann(8)))
    np.testing.assert_allclose(got.numpy(), reference_stft(x, 8, 2, hann(8), onesided=False)[0], atol=1e-12)


@pytest.mark.parametrize("center", [True, False])
@pytest.mark.parametrize("onesided", [True, False])
def test_istft_inverts_stft(center, onesided):
    x = RNG.normal(size=(2, 64))
    window = ember.tensor(hann(16) + 0.1)  # no zero, so the windows overlap everywhere, ends included
    spectra = ember.stft(ember.tensor(x), 16, 4, window=window, center=center, onesided=onesided, return_complex=True)
    back = ember.istft(spectra, 16, 4, window=window, center=center, onesided=onesided, length=64)
    np.testing.assert_allclose(back.numpy(), x, atol=1e-12)


def test_istft_length_pads_and_trims():
    x = RNG.normal(size=40)
    window = ember.tensor(hann(8))
    spectra = ember.stft(ember.tensor(x), 8, window=window, return_complex=True)
    assert ember.istft(spectra, 8, window=window).shape == (40,)
    np.testing.assert_allclose(ember.istft(spectra, 8, window=window, length=30).numpy(), x[:30], atol=1e-12)
    with pytest.warns(UserWarning, match="Result is being padded with zeros in the tail"):
        longer = ember.istft(spectra, 8, window=window, length=50).numpy()
    np.testing.assert_allclose(longer[:40], x, atol=1e-12)
    np.testing.assert_allclose(longer[40:44], x[38:34:-1], atol=1e-12)  # the right reflect padding, recovered
    np.testing.assert_array_equal(longer[44:], 0)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda x: ember.stft(x, 8), RuntimeError, "stft requires the return_complex parameter be given for real"),
        (lambda x: ember.stft(x.reshape(1, 2, 20), 4, return_complex=True), RuntimeError, "expected a 1D or 2D tensor"),
        (
            lambda x: ember.stft(x, 8, win_length=10, return_complex=True),
            RuntimeError,
            "expected 0 < win_length <= n_fft",
        ),
        (lambda x: ember.stft(x, 8, hop_length=0, return_complex=True), RuntimeError, "expected hop_length > 0"),
        (
            lambda x: ember.stft(x, 8, window=ember.ones(5), return_complex=True),
            RuntimeError,
            "expected a 1D window tensor of size equal to win_length=8",
        ),
        (
            lambda x: ember.stft(x, 8, align_to_window=True, return_complex=True),
            RuntimeError,
            "only be set when center",
        ),
        (lambda x: ember.stft(x, 8, pad_mode="zeros", return_complex=True), NotImplementedError, "padding mode zeros"),
        (lambda x: ember.stft(x, 96, return_complex=True), RuntimeError, "Padding size should be less than"),
        (lambda x: ember.stft(x.int(), 8, return_complex=True), RuntimeError, "floating point or complex"),
        (lambda x: ember.istft(x.reshape(5, 8), 8), RuntimeError, "istft requires a complex-valued input"),
        (
            lambda x: ember.istft(
                ember.stft(x, 8, center=False, return_complex=True),
                8,
                window=ember.ones(8),
                center=False,
                hop_length=8,
                win_length=4,
            ),
            RuntimeError,
            "expected a 1D window tensor",
        ),
    ],
)
def test_errors(call, error, message):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error, match=message):
            call(ember.arange(40.0))


def test_warnings_as_pytorch_gives_them():
    x = ember.arange(40.0)
    with pytest.warns(UserWarning, match="A window was not provided"):
        ember.stft(x, 8, return_complex=True)
    with pytest.warns(UserWarning, match="return_complex=False is deprecated"):
        assert ember.stft(x, 8, window=ember.ones(8), return_complex=False).shape == (5, 21, 2)
    spectra = ember.stft(x, 8, window=ember.ones(8), return_complex=True)
    with pytest.warns(UserWarning, match="A window was not provided"):
        ember.istft(spectra, 8)


def _signal(shape=(2, 24)):
    return ember.tensor(RNG.normal(size=shape), requires_grad=True)


def _window(n=8):
    return ember.tensor(hann(n) + 0.1, requires_grad=True)


GRAD_CASES = {
    "stft": (lambda x, w: ember.view_as_real(ember.stft(x, 8, 3, window=w, return_complex=True)), (_signal, _window)),
    "stft-constant-normalized": (
        lambda x, w: ember.view_as_real(
            ember.stft(x, 8, 2, window=w, pad_mode="constant", normalized=True, return_complex=True)
        ),
        (_signal, _window),
    ),
    "stft-two-sided-uncentered": (
        lambda x, w: ember.view_as_real(
            ember.stft(x, 8, 2, window=w, center=False, onesided=False, return_complex=True)
        ),
        (_signal, _window),
    ),
    "istft": (
        lambda s, w: ember.istft(ember.view_as_complex(s), 8, 2, window=w),
        (lambda: ember.tensor(RNG.normal(size=(2, 5, 9, 2)), requires_grad=True), _window),
    ),
}


@pytest.mark.parametrize("name", list(GRAD_CASES))
def test_gradcheck(name):
    function, makers = GRAD_CASES[name]
    assert gradcheck(function, tuple(make() for make in makers))


@pytest.mark.parametrize("name", list(GRAD_CASES))
def test_gradgradcheck(name):
    function, makers = GRAD_CASES[name]
    assert gradgradcheck(function, tuple(make() for make in makers))
