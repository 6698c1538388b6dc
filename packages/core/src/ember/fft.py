"""``ember.fft``: PyTorch's ``torch.fft``, discrete Fourier transforms with their gradients.

Sizes (``n``, ``s``), dims and ``norm`` ("backward", "ortho", "forward") are PyTorch's. The
transforms run in the backend's ``fft`` kernel (``numpy.fft`` on the CPU, ``cupy.fft`` on CUDA);
float32 and complex64 give complex64, float64 and complex128 give complex128, and integers
compute in the default dtype. Each is one op of ``ember.ops.fourier`` with its adjoint as its rule.
"""

from __future__ import annotations

import builtins

from . import _dtype as dt
from ._creation import tensor
from ._tensor import Tensor, _wrap_dim
from ._writes import write_out
from .ops.fourier import SWAPPED_NORM, c2c, c2r, r2c, resize
from .ops.shape import roll

__all__ = [
    "fft",
    "ifft",
    "fft2",
    "ifft2",
    "fftn",
    "ifftn",
    "rfft",
    "irfft",
    "rfft2",
    "irfft2",
    "rfftn",
    "irfftn",
    "hfft",
    "ihfft",
    "hfft2",
    "ihfft2",
    "hfftn",
    "ihfftn",
    "fftfreq",
    "rfftfreq",
    "fftshift",
    "ifftshift",
]


# --- arguments ------------------------------------------------------------------------------------


def _norm(norm: str | None) -> str:
    if norm is None:
        return "backward"
    if norm not in SWAPPED_NORM:
        raise RuntimeError(f'Invalid normalization mode: "{norm}" (use "backward", "ortho" or "forward")')
    return norm


def _inexact(input: Tensor, name: str) -> Tensor:
    """input in a dtype the transforms take: integers and bool in the default float dtype."""
    if not isinstance(input, Tensor):
        raise TypeError(f"fft_{name}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.dtype is dt.float16:
        raise RuntimeError(f"Unsupported dtype Half (fft_{name}: convert first, e.g. x.float())")
    return input if input.dtype.inexact else input.to(dt.get_default_dtype())


def _as_complex(x: Tensor) -> Tensor:
    return x if x.dtype.is_complex else x.to(x.dtype.to_complex())


def _as_real(x: Tensor, name: str) -> Tensor:
    if x.dtype.is_complex:
        raise RuntimeError(f"{name} expects a real input tensor, but got {dt.scalar_type_name(x.dtype)}")
    return x


def _check_size(n: int) -> int:
    if n < 1:
        raise RuntimeError(f"Invalid number of data points ({n}) specified")
    return n


def _dims_and_sizes(x: Tensor, s, dim, name: str) -> tuple[tuple, list]:
    """The wrapped dims a transform runs over and the signal size along each (None: the input's own)."""
    if dim is None:
        dims = tuple(range(x.ndim)) if s is None else tuple(range(x.ndim - len(s), x.ndim))
    else:
        dims = tuple(_wrap_dim(d, x.ndim) for d in ((dim,) if isinstance(dim, int) else dim))
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"{name}: FFT dims must be unique")
    if s is None:
        return dims, [None] * len(dims)
    s = list(s)
    if len(s) != len(dims):
        raise RuntimeError(f"{name}: When given, dim and shape arguments must have the same length")
    if len(dims) > x.ndim:
        raise RuntimeError(f"{name}: Got shape with {len(s)} values but input tensor only has {x.ndim} dimensions.")
    return dims, [None if n == -1 else _check_size(int(n)) for n in s]


def _resized(x: Tensor, dims: tuple, sizes: list) -> Tensor:
    return resize(x, dims, tuple(x.shape[d] if n is None else n for d, n in zip(dims, sizes)))


def _written(result: Tensor, out: Tensor | None) -> Tensor:
    return result if out is None else write_out(out, result)


# --- complex to complex -----------------------------------------------------------------------------


def _c2c(name: str, input: Tensor, s, dim, norm, forward: bool, out) -> Tensor:
    x = _as_complex(_inexact(input, name))
    dims, sizes = _dims_and_sizes(x, s, dim, name)
    return _written(c2c(_resized(x, dims, sizes), dims, _norm(norm), forward), out)


def fft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *, out=None) -> Tensor:
    """The one-dimensional discrete Fourier transform of input along dim (n: crop or zero-pad to n first)."""
    return _c2c("fft", input, None if n is None else (n,), (dim,), norm, True, out)


def ifft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *, out=None) -> Tensor:
    """The one-dimensional inverse discrete Fourier transform of input along dim."""
    return _c2c("ifft", input, None if n is None else (n,), (dim,), norm, False, out)


def fft2(input: Tensor, s=None, dim=(-2, -1), norm: str | None = None, *, out=None) -> Tensor:
    """The two-dimensional discrete Fourier transform over dim (the last two by default)."""
    return _c2c("fft2", input, s, dim, norm, True, out)


def ifft2(input: Tensor, s=None, dim=(-2, -1), norm: str | None = None, *, out=None) -> Tensor:
    """The two-dimensional inverse discrete Fourier transform over dim (the last two by default)."""
    return _c2c("ifft2", input, s, dim, norm, False, out)


def fftn(input: Tensor, s=None, dim=None, norm: str | None = None, *, out=None) -> Tensor:
    """The N-dimensional discrete Fourier transform over dim (every dim, or the last len(s), by default)."""
    return _c2c("fftn", input, s, dim, norm, True, out)


def ifftn(input: Tensor, s=None, dim=None, norm: str | None = None, *, out=None) -> Tensor:
    """The N-dimensional inverse discrete Fourier transform over dim."""
    return _c2c("ifftn", input, s, dim, norm, False, out)


# --- real to complex and back -------------------------------------------------------------------------


def _r2c(name: str, input: Tensor, s, dim, norm: str) -> Tensor:
    x = _as_real(_inexact(input, name), name)
    dims, sizes = _dims_and_sizes(x, s, dim, name)
    if not dims:
        raise RuntimeError(f"{name} must transform at least one axis")
    return r2c(_resized(x, dims, sizes), dims, norm)


def _c2r(name: str, input: Tensor, s, dim, norm: str) -> Tensor:
    x = _as_complex(_inexact(input, name))
    dims, sizes = _dims_and_sizes(x, s, dim, name)
    if not dims:
        raise RuntimeError(f"{name} must transform at least one axis")
    last = sizes[-1] if sizes[-1] is not None else _check_size(2 * (x.shape[dims[-1]] - 1))
    sizes[-1] = last // 2 + 1
    return c2r(_resized(x, dims, sizes), dims, norm, last)


def rfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *, out=None) -> Tensor:
    """The discrete Fourier transform of a real input: the n // 2 + 1 non-negative frequencies."""
    return _written(_r2c("rfft", input, None if n is None else (n,), (dim,), _norm(norm)), out)


def irfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *, out=None) -> Tensor:
    """The inverse of rfft: a real signal of length n (2 * (size - 1) by default) from its one-sided spectrum."""
    return _written(_c2r("irfft", input, None if n is None else (n,), (dim,), _norm(norm)), out)


def rfft2(input: Tensor, s=None, dim=(-2, -1), norm: str | None = None, *, out=None) -> Tensor:
    """The two-dimensional discrete Fourier transform of a real input (one-sided in the last dim)."""
    return _written(_r2c("rfft2", input, s, dim, _norm(norm)), out)


def irfft2(input: Tensor, s=None, dim=(-2, -1), norm: str | None = None, *, out=None) -> Tensor:
    """The inverse of rfft2: a real signal from its one-sided two-dimensional spectrum."""
    return _written(_c2r("irfft2", input, s, dim, _norm(norm)), out)


def rfftn(input: Tensor, s=None, dim=None, norm: str | None = None, *, out=None) -> Tensor:
    """The N-dimensional discrete Fourier transform of a real input (one-sided in the last dim)."""
    return _written(_r2c("rfftn", input, s, dim, _norm(norm)), out)


def irfftn(input: Tensor, s=None, dim=None, norm: str | None = None, *, out=None) -> Tensor:
    """The inverse of rfftn: a real signal from its one-sided N-dimensional spectrum."""
    return _written(_c2r("irfftn", input, s, dim, _norm(norm)), out)


# --- Hermitian signals: the real transforms the other way, conjugated, normalization swapped ----------------


def hfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *, out=None) -> Tensor:
    """The real spectrum of a signal with Hermitian symmetry, given by its one-sided half."""
    x = _as_complex(_inexact(input, "hfft")).conj()
    return _written(_c2r("hfft", x, None if n is None else (n,), (dim,), SWAPPED_NORM[_norm(norm)]), out)


def ihfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *, out=None) -> Tensor:
    """The inverse of hfft: the one-sided half of the Hermitian signal whose spectrum is the real input."""
    half = _r2c("ihfft", input, None if n is None else (n,), (dim,), SWAPPED_NORM[_norm(norm)])
    return _written(half.conj(), out)


def hfft2(input: Tensor, s=None, dim=(-2, -1), norm: str | None = None, *, out=None) -> Tensor:
    """The two-dimensional hfft: the real spectrum of a Hermitian signal given by its one-sided half."""
    x = _as_complex(_inexact(input, "hfft2")).conj()
    return _written(_c2r("hfft2", x, s, dim, SWAPPED_NORM[_norm(norm)]), out)


def ihfft2(input: Tensor, s=None, dim=(-2, -1), norm: str | None = None, *, out=None) -> Tensor:
    """The inverse of hfft2."""
    return _written(_r2c("ihfft2", input, s, dim, SWAPPED_NORM[_norm(norm)]).conj(), out)


def hfftn(input: Tensor, s=None, dim=None, norm: str | None = None, *, out=None) -> Tensor:
    """The N-dimensional hfft: the real spectrum of a Hermitian signal given by its one-sided half."""
    x = _as_complex(_inexact(input, "hfftn")).conj()
    return _written(_c2r("hfftn", x, s, dim, SWAPPED_NORM[_norm(norm)]), out)


def ihfftn(input: Tensor, s=None, dim=None, norm: str | None = None, *, out=None) -> Tensor:
    """The inverse of hfftn."""
    return _written(_r2c("ihfftn", input, s, dim, SWAPPED_NORM[_norm(norm)]).conj(), out)


# --- frequencies and shifts -------------------------------------------------------------------------


def _frequencies(values: list, n: int, d: float, dtype, device, requires_grad: bool) -> Tensor:
    dtype = dt.get_default_dtype() if dtype is None else dt.as_dtype(dtype)
    scale = 1.0 / (n * d)
    result = tensor([v * scale for v in values], dtype=dtype, device=device)
    return result.requires_grad_(requires_grad) if requires_grad else result


def fftfreq(
    n: int, d: float = 1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False
) -> Tensor:
    """The sample frequencies of an n-point fft: [0, 1, ..., n // 2 - 1 or so, -(n // 2), ..., -1] / (d * n)."""
    values = list(builtins.range((n + 1) // 2)) + list(builtins.range(-(n // 2), 0))
    return _written(_frequencies(values, n, d, dtype, device, requires_grad), out)


def rfftfreq(
    n: int, d: float = 1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False
) -> Tensor:
    """The sample frequencies of an n-point rfft: [0, 1, ..., n // 2] / (d * n)."""
    return _written(_frequencies(list(builtins.range(n // 2 + 1)), n, d, dtype, device, requires_grad), out)


def _shift(input: Tensor, dim, sign: int) -> Tensor:
    dims = tuple(builtins.range(input.ndim)) if dim is None else (dim,) if isinstance(dim, int) else tuple(dim)
    if not dims:
        return input.clone()
    shifts = tuple(sign * (input.shape[d] // 2) for d in dims)
    return roll(input, shifts, dims)


def fftshift(input: Tensor, dim=None) -> Tensor:
    """The zero frequency moved to the centre: a roll by size // 2 along dim (every dim by default)."""
    return _shift(input, dim, 1)


def ifftshift(input: Tensor, dim=None) -> Tensor:
    """The inverse of fftshift: a roll by -(size // 2) along dim."""
    return _shift(input, dim, -1)
