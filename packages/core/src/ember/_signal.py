"""The short-time Fourier transform and its inverse: `ember.stft` / `ember.istft` and the Tensor methods, as PyTorch's.

Both are built from ember's differentiable ops (indexing, unfold, the transforms of ember.fft,
index_add), so their gradients follow from those ops' rules.
"""

from __future__ import annotations

import warnings

from ._creation import arange, ones, zeros
from ._tensor import Tensor
from .fft import fft, ifft, irfft, rfft
from .ops.complex import view_as_real
from .ops.shape import cat

_PAD_MODES = ("constant", "reflect", "replicate", "circular")


def _call(name: str, input: Tensor, n_fft: int, hop: int, win: int, window, **more) -> str:
    """PyTorch's description of the call, which starts its error messages."""
    described = "None" if window is None else f"{window.type()}{{{list(window.shape)}}}"
    extra = "".join(f", {key}={value}" for key, value in more.items())
    return (
        f"{name}({input.type()}{list(input.shape)}, n_fft={n_fft}, hop_length={hop}, win_length={win}, "
        f"window={described}{extra})"
    )


def _padded(signal: Tensor, pad: int, mode: str) -> Tensor:
    """signal (..., L) with `pad` values added at both ends of the last dim, as F.pad's modes make them."""
    length = signal.shape[-1]
    if mode not in _PAD_MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if mode == "constant":
        edge = zeros((*signal.shape[:-1], pad), dtype=signal.dtype, device=signal.device)
        return cat([edge, signal, edge], -1)
    if mode == "reflect" and pad >= length:
        raise RuntimeError(
            f"Argument #4: Padding size should be less than the corresponding input dimension, but got: padding "
            f"({pad}, {pad}) at dimension {signal.ndim} of input {list(signal.shape)}"
        )
    positions = arange(-pad, length + pad, device=signal.device)
    if mode == "reflect":
        positions = (length - 1) - ((length - 1) - positions.abs()).abs()
    elif mode == "replicate":
        positions = positions.clamp(0, length - 1)
    else:
        positions = positions.remainder(length)
    return signal.index_select(-1, positions)


def _full_window(window: Tensor | None, win: int, n_fft: int, like: Tensor) -> Tensor:
    """The window as n_fft values: `win` of them centered in the frame, zeros around."""
    real = like.real.dtype if like.dtype.is_complex else like.dtype
    if window is None:
        window = ones(win, dtype=real, device=like.device)
    if win == n_fft:
        return window
    left = (n_fft - win) // 2
    before = zeros(left, dtype=window.dtype, device=window.device)
    after = zeros(n_fft - win - left, dtype=window.dtype, device=window.device)
    return cat([before, window, after])


def _lengths(n_fft: int, hop_length: int | None, win_length: int | None) -> tuple[int, int]:
    return (n_fft // 4 if hop_length is None else hop_length), (n_fft if win_length is None else win_length)


def _check_window(described: str, window: Tensor | None, win: int, n_fft: int, hop: int) -> None:
    if hop <= 0:
        raise RuntimeError(f"{described} : expected hop_length > 0, but got hop_length={hop}")
    if not 0 < win <= n_fft:
        raise RuntimeError(f"{described} : expected 0 < win_length <= n_fft, but got win_length={win}")
    if window is not None and (window.ndim != 1 or window.shape[0] != win):
        raise RuntimeError(
            f"{described} : expected a 1D window tensor of size equal to win_length={win}, but got window with "
            f"size {list(window.shape)}"
        )


def stft(
    input: Tensor,
    n_fft: int,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: Tensor | None = None,
    center: bool = True,
    pad_mode: str = "reflect",
    normalized: bool = False,
    onesided: bool | None = None,
    return_complex: bool | None = None,
    align_to_window: bool | None = None,
) -> Tensor:
    """The short-time Fourier transform: (B?, N, T) spectra of the windowed frames of a (B?, L) signal."""
    if return_complex is None and not input.dtype.is_complex:
        raise RuntimeError(
            "stft requires the return_complex parameter be given for real inputs, and will further require that "
            "return_complex=True in a future PyTorch release."
        )
    if align_to_window is not None and center:
        raise RuntimeError("stft align_to_window should only be set when center = false")
    hop, win = _lengths(n_fft, hop_length, win_length)
    signal = input if input.ndim != 1 else input.unsqueeze(0)
    if center and input.ndim in (1, 2):
        signal = _padded(signal, n_fft // 2, pad_mode)
    described = _call(
        "stft",
        signal if input.ndim == 2 else signal.squeeze(0),
        n_fft,
        hop,
        win,
        window,
        normalized=int(normalized),
        onesided=onesided,
        return_complex=int(bool(return_complex)),
        align_to_window=align_to_window,
    )
    if input.ndim not in (1, 2):
        raise RuntimeError(f"{described} : expected a 1D or 2D tensor")
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise RuntimeError(f"{described} : expected a tensor of floating point or complex values")
    if not 0 < n_fft <= signal.shape[-1]:
        raise RuntimeError(f"{described} : expected 0 < n_fft <= {signal.shape[-1]}, but got n_fft={n_fft}")
    _check_window(described, window, win, n_fft, hop)
    complex_in = input.dtype.is_complex or (window is not None and window.dtype.is_complex)
    one_sided = not complex_in if onesided is None else onesided
    if one_sided and complex_in:
        raise RuntimeError("Cannot have onesided output if window or input is complex")
    if window is None:
        warnings.warn(
            "A window was not provided. A rectangular window will be applied,which is known to cause spectral "
            "leakage. Other windows such as torch.hann_window or torch.hamming_window are recommended to reduce "
            "spectral leakage.To suppress this warning and use a rectangular window, explicitly set "
            "`window=torch.ones(n_fft, device=<device>)`.",
            UserWarning,
            stacklevel=2,
        )
    if align_to_window and win < n_fft:  # frame t's window covers samples t * hop onwards: shift by the window's offset
        left = (n_fft - win) // 2
        before = zeros((*signal.shape[:-1], left), dtype=signal.dtype, device=signal.device)
        after = zeros((*signal.shape[:-1], n_fft - win - left), dtype=signal.dtype, device=signal.device)
        signal = cat([before, signal, after], -1)
    frames = signal.unfold(-1, n_fft, hop) * _full_window(window, win, n_fft, input)
    spectra = (rfft if one_sided else fft)(frames, dim=-1, norm="ortho" if normalized else "backward")
    spectra = spectra.transpose(-1, -2)
    if input.ndim == 1:
        spectra = spectra.squeeze(0)
    if return_complex is False:
        warnings.warn(
            "stft with return_complex=False is deprecated. In a future pytorch release, stft will return complex "
            "tensors for all inputs, and return_complex=False will raise an error. Note: you can still call "
            "torch.view_as_real on the complex output to recover the old return format.",
            UserWarning,
            stacklevel=2,
        )
        return view_as_real(spectra)
    return spectra


def istft(
    input: Tensor,
    n_fft: int,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: Tensor | None = None,
    center: bool = True,
    normalized: bool = False,
    onesided: bool | None = None,
    length: int | None = None,
    return_complex: bool = False,
) -> Tensor:
    """The inverse of stft: overlap-add of the inverse transforms of the frames, divided by the windows' overlap."""
    if not input.dtype.is_complex:
        raise RuntimeError(
            "istft requires a complex-valued input tensor matching the output from stft with return_complex=True."
        )
    hop, win = _lengths(n_fft, hop_length, win_length)
    described = _call(
        "istft",
        input,
        n_fft,
        hop,
        win,
        window,
        center=int(center),
        normalized=int(normalized),
        onesided=onesided,
        length=length,
        return_complex=int(return_complex),
    )
    if input.ndim not in (2, 3):
        raise RuntimeError(f"{described} : expected a tensor with 2 or 3 dimensions of complex values")
    _check_window(described, window, win, n_fft, hop)
    if window is None:
        warnings.warn(
            "A window was not provided. A rectangular window will be applied.Please provide the same window used by "
            "stft to make the inversion lossless.To suppress this warning and use a rectangular window, explicitly "
            "set `window=torch.ones(n_fft, device=<device>)`.",
            UserWarning,
            stacklevel=2,
        )
    one_sided = input.shape[-2] != n_fft if onesided is None else onesided
    if one_sided and (return_complex or (window is not None and window.dtype.is_complex)):
        raise RuntimeError("Cannot have onesided output if window or input is complex")
    spectra = input if input.ndim == 3 else input.unsqueeze(0)
    spectra = spectra.transpose(-1, -2)
    norm = "ortho" if normalized else "backward"
    if return_complex:
        frames = ifft(spectra, n=n_fft, dim=-1, norm=norm)
    else:  # a real signal: its two-sided spectrum's first half says everything (as PyTorch reads it)
        frames = irfft(spectra[..., : n_fft // 2 + 1], n=n_fft, dim=-1, norm=norm)
    full_window = _full_window(window, win, n_fft, frames)
    frames = frames * full_window
    count = frames.shape[-2]
    total = n_fft + hop * (count - 1)
    places = (arange(count, device=frames.device) * hop).unsqueeze(-1) + arange(n_fft, device=frames.device)
    places = places.reshape(-1)
    batch = frames.shape[0]
    signal = zeros((batch, total), dtype=frames.dtype, device=frames.device)
    signal = signal.index_add(-1, places, frames.reshape(batch, -1))
    squares = (full_window * full_window).expand(count, n_fft).reshape(-1)
    envelope = zeros(total, dtype=squares.dtype, device=squares.device).index_add(0, places, squares)
    start = n_fft // 2 if center else 0
    end = (total - n_fft // 2 if center else total) if length is None else min(start + length, total)
    signal, envelope = signal[:, start:end], envelope[start:end]
    lowest = float(envelope.abs().min()) if envelope.numel() else 0.0
    if not lowest > 1e-11:
        raise RuntimeError(f"{described} window overlap add min: {lowest:g}")
    signal = signal / envelope
    if length is not None and signal.shape[-1] < length:
        warnings.warn(
            "The length of signal is shorter than the length parameter. Result is being padded with zeros in the "
            "tail. Please check your center and hop_length settings.",
            UserWarning,
            stacklevel=2,
        )
        tail = zeros((batch, length - signal.shape[-1]), dtype=signal.dtype, device=signal.device)
        signal = cat([signal, tail], -1)
    return signal if input.ndim == 3 else signal.squeeze(0)


Tensor.stft = stft
Tensor.istft = istft
