"""Window functions for spectral analysis: hann, hamming, blackman, bartlett and kaiser, as in torch.

A symmetric window of length N is sampled at n = 0 .. N-1; a periodic one (the default, ready for
the FFT) is the symmetric window of length N + 1 without its last sample.
"""

from __future__ import annotations

import math

from .. import _dtype as dt
from .._creation import arange, ones
from .._tensor import Tensor
from ._declare import export


def _window(name: str, window_length: int, periodic: bool, dtype, device, requires_grad: bool, shape) -> Tensor:
    """The window `shape(n, N)` at n = 0 .. window_length-1, for the full size N, after torch's checks."""
    dtype = dtype or dt.get_default_dtype()
    if not dtype.is_floating_point:
        raise RuntimeError(f"{name} expects floating point dtypes, got: {dtype}")
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={window_length}")
    if window_length <= 1:
        return ones(window_length, dtype=dtype, device=device, requires_grad=requires_grad)
    full = window_length + 1 if periodic else window_length
    window = shape(arange(window_length, dtype=dtype, device=device), full)
    return window.requires_grad_(requires_grad)


def _cosine_sum(n: Tensor, full: int, coefficients: tuple) -> Tensor:
    """sum_k (-1)^k a_k cos(2 pi k n / (N-1)), the family of hann, hamming and blackman."""
    step = 2 * math.pi / (full - 1)
    window = coefficients[0] + 0 * n
    for k, a in enumerate(coefficients[1:], start=1):
        window = window + (-1) ** k * a * (n * (k * step)).cos()
    return window


@export(method=False)
def hann_window(
    window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None, requires_grad: bool = False
) -> Tensor:
    """The Hann window, ``0.5 - 0.5 cos(2 pi n / (N-1))``."""
    return _window("hann_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n, full: _cosine_sum(n, full, (0.5, 0.5)))  # fmt: skip


@export(method=False)
def hamming_window(
    window_length: int,
    periodic: bool = True,
    alpha: float = 0.54,
    beta: float = 0.46,
    *,
    dtype=None,
    layout=None,
    device=None,
    requires_grad: bool = False,
) -> Tensor:
    """The Hamming window, ``alpha - beta cos(2 pi n / (N-1))``."""
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n, full: _cosine_sum(n, full, (alpha, beta)))  # fmt: skip


@export(method=False)
def blackman_window(
    window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None, requires_grad: bool = False
) -> Tensor:
    """The Blackman window, ``0.42 - 0.5 cos(2 pi n / (N-1)) + 0.08 cos(4 pi n / (N-1))``."""
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n, full: _cosine_sum(n, full, (0.42, 0.5, 0.08)))  # fmt: skip


@export(method=False)
def bartlett_window(
    window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None, requires_grad: bool = False
) -> Tensor:
    """The Bartlett (triangular) window, ``1 - |2n / (N-1) - 1|``."""
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n, full: 1 - (n * (2 / (full - 1)) - 1).abs())  # fmt: skip


def _kaiser(n: Tensor, full: int, beta: float) -> Tensor:
    half = (full - 1) / 2
    ratio = (n - half) / half
    return (beta * (1 - ratio * ratio).clamp(min=0).sqrt()).i0() / (beta + 0 * n[:1]).i0()


@export(method=False)
def kaiser_window(
    window_length: int,
    periodic: bool = True,
    beta: float = 12.0,
    *,
    dtype=None,
    layout=None,
    device=None,
    requires_grad: bool = False,
) -> Tensor:
    """The Kaiser window, ``I0(beta sqrt(1 - ((n - (N-1)/2) / ((N-1)/2))^2)) / I0(beta)``."""
    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n, full: _kaiser(n, full, beta))  # fmt: skip
