"""stft and istft against torch 2.13: values, gradients (of the signal and the window), errors and warnings."""

from __future__ import annotations

import warnings

import ember
import numpy as np
import pytest

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(1)
SIGNAL = RNG.normal(size=(2, 45))


def hann(n: int) -> np.ndarray:
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n) + 0.05


STFT_CASES = {
    "default": dict(n_fft=8),
    "hop-win": dict(n_fft=16, hop_length=5, win_length=11),
    "constant-normalized": dict(n_fft=8, hop_length=3, pad_mode="constant", normalized=True),
    "replicate": dict(n_fft=8, hop_length=2, pad_mode="replicate"),
    "circular": dict(n_fft=10, hop_length=4, pad_mode="circular"),
    "uncentered": dict(n_fft=8, hop_length=3, center=False),
    "two-sided": dict(n_fft=8, onesided=False),
    "aligned": dict(n_fft=12, hop_length=3, win_length=7, center=False, align_to_window=True),
}


def run_stft(fw, signal, window, case, requires_grad=False):
    x = fw.tensor(signal, requires_grad=requires_grad)
    w = fw.tensor(window, requires_grad=requires_grad)
    return x, w, fw.stft(x, window=w, return_complex=True, **case)


@pytest.mark.parametrize("name", list(STFT_CASES))
@pytest.mark.parametrize("batched", [False, True])
def test_stft_values_and_gradients(name, batched):
    case = STFT_CASES[name]
    signal = SIGNAL if batched else SIGNAL[0]
    window = hann(case.get("win_length", case["n_fft"]))
    xe, we, e = run_stft(ember, signal, window, case, requires_grad=True)
    xt, wt, t = run_stft(torch, signal, window, case, requires_grad=True)
    assert tuple(e.shape) == tuple(t.shape) and str(e.dtype)[6:] == str(t.dtype)[6:]
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), atol=1e-12)
    weights = RNG.normal(size=tuple(t.shape))
    (ember.view_as_real(e)[..., 0] * ember.tensor(weights) + e.abs()).sum().backward()
    (torch.view_as_real(t)[..., 0] * torch.tensor(weights) + t.abs()).sum().backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(we.grad.numpy(), wt.grad.numpy(), atol=1e-10)


def test_stft_of_float32_and_complex_input():
    for signal in (SIGNAL.astype(np.float32), SIGNAL + 1j * SIGNAL[:, ::-1]):
        window = hann(8).astype(np.float32 if signal.dtype == np.float32 else np.float64)
        e = ember.stft(ember.tensor(signal), 8, window=ember.tensor(window), return_complex=True)
        t = torch.stft(torch.tensor(signal), 8, window=torch.tensor(window), return_complex=True)
        assert str(e.dtype)[6:] == str(t.dtype)[6:]
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-5, atol=1e-5)


ISTFT_CASES = {
    "default": dict(n_fft=8),
    "length-shorter": dict(n_fft=8, length=30),
    "length-longer": dict(n_fft=8, length=60),
    "hop-win-normalized": dict(n_fft=16, hop_length=5, win_length=11, normalized=True),
    "uncentered": dict(n_fft=8, hop_length=2, center=False),
    "two-sided": dict(n_fft=8, onesided=False),
    "two-sided-complex": dict(n_fft=8, onesided=False, return_complex=True),
}


@pytest.mark.parametrize("name", list(ISTFT_CASES))
def test_istft_values_and_gradients(name):
    case = dict(ISTFT_CASES[name])
    making = {k: case[k] for k in ("n_fft", "hop_length", "win_length", "center", "normalized") if k in case}
    window = hann(case.get("win_length", case["n_fft"]))
    spectra = torch.stft(
        torch.tensor(SIGNAL),
        window=torch.tensor(window),
        return_complex=True,
        onesided=case.get("onesided", True) is not False,
        **making,
    ).numpy()
    results = {}
    for fw in (ember, torch):
        s = fw.tensor(spectra, requires_grad=True)
        w = fw.tensor(window, requires_grad=True)
        out = fw.istft(s, window=w, **case)
        real = out.abs() if out.dtype.is_complex else out
        (real * fw.tensor(np.arange(real.shape[-1], dtype=np.float64))).sum().backward()
        results[fw.__name__] = (out.detach().numpy(), s.grad.numpy(), w.grad.numpy())
    for got, expected in zip(results["ember"], results["torch"]):
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, atol=1e-10)


ERRORS = [
    lambda fw, x: fw.stft(x, 8),
    lambda fw, x: fw.stft(x.reshape(1, 3, 15), 4, return_complex=True),
    lambda fw, x: fw.stft(x, 8, win_length=10, return_complex=True),
    lambda fw, x: fw.stft(x, 8, hop_length=0, return_complex=True),
    lambda fw, x: fw.stft(x, 8, window=fw.ones(5), return_complex=True),
    lambda fw, x: fw.stft(x, 8, align_to_window=True, return_complex=True),
    lambda fw, x: fw.stft(x, 8, pad_mode="zeros", return_complex=True),
    lambda fw, x: fw.stft(x, 96, return_complex=True),
    lambda fw, x: fw.stft(x.int(), 8, return_complex=True),
    lambda fw, x: fw.stft(x.to(fw.complex128), 8, onesided=True, return_complex=True),
    lambda fw, x: fw.istft(x.reshape(5, 9), 8),
    lambda fw, x: fw.istft(
        fw.stft(x, 8, window=fw.ones(8), return_complex=True), 8, window=fw.ones(8), return_complex=True
    ),
]


@pytest.mark.parametrize("index", range(len(ERRORS)))
def test_errors_have_pytorchs_types_and_words(index):
    caught = {}
    for fw in (ember, torch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(Exception) as info:
                ERRORS[index](fw, fw.arange(45.0, dtype=fw.float64))
        caught[fw.__name__] = info.value
    assert type(caught["ember"]) is type(caught["torch"])
    words = str(caught["torch"]).split(":")[-1].strip().split(",")[0]
    assert words.replace("torch.", "ember.") in str(caught["ember"]), (str(caught["ember"]), str(caught["torch"]))
