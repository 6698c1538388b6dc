"""Discrete Fourier transforms: complex to complex, real to complex (one-sided), complex to real.

Each transform is linear, so its backward is its adjoint: the transform the other way with the
normalization swapped ("backward" <-> "forward"; "ortho" is its own). The one-sided transforms
need more (PyTorch's rules): rfft's adjoint pads the gradient with zeros to the full length and
keeps the real part; irfft's is rfft of the gradient with the entries that stand for two
(their mirror image is left out of the one-sided half) doubled.
"""

from __future__ import annotations

from .._tensor import Tensor
from ._op import Op, apply

SWAPPED_NORM = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def transform(b, x, kind: str, s, axes: tuple, norm: str):
    """The backend's fft kernel (an optional member), or an error naming the backend."""
    kernel = getattr(b, "fft", None)
    if kernel is None:
        raise NotImplementedError(
            f"ember.fft needs the backend's optional fft kernel, which the {b.name!r} backend does not have"
        )
    return kernel(x, kind, s, axes, norm)


# --- sizes: crop or pad with zeros -----------------------------------------------------------


def _resize_kernel(b, x, *, axes: tuple, sizes: tuple):
    crop = [slice(None)] * x.ndim
    widths = [(0, 0)] * x.ndim
    for axis, size in zip(axes, sizes):
        crop[axis] = slice(0, min(size, x.shape[axis]))
        widths[axis] = (0, max(size - x.shape[axis], 0))
    out = x[tuple(crop)]
    return b.pad(out, widths, 0) if any(w for _, w in widths) else b.copy(out)


def _grad_resize(m, ctx, g):
    axes = ctx.attrs["axes"]
    shape = ctx.input_shape(0)
    return (m.resize_axes(g, axes=axes, sizes=tuple(shape[a] for a in axes)),)


# m.resize_axes(x, axes=, sizes=): x cropped or padded with zeros to sizes along axes (its own adjoint's kind)
RESIZE = Op("resize", _resize_kernel, _grad_resize, node="ConstantPadNdBackward0", math="resize_axes")


def resize(x: Tensor, axes: tuple, sizes: tuple) -> Tensor:
    """x cropped or padded with zeros to `sizes` along `axes` (x itself where nothing changes)."""
    changed = [(a, n) for a, n in zip(axes, sizes) if x.shape[a] != n]
    if not changed:
        return x
    return apply(RESIZE, x, axes=tuple(a for a, _ in changed), sizes=tuple(n for _, n in changed))


# --- the transforms ------------------------------------------------------------------------------


def _c2c_kernel(b, x, *, axes: tuple, norm: str, forward: bool):
    return transform(b, x, "fftn" if forward else "ifftn", None, axes, norm)


def _grad_c2c(m, ctx, g):
    a = ctx.attrs
    return (m.fourier_c2c(g, axes=a["axes"], norm=SWAPPED_NORM[a["norm"]], forward=not a["forward"]),)


# m.fourier_c2c(z, axes=, norm=, forward=): fftn (forward) or ifftn of a complex array
C2C = Op("fft_c2c", _c2c_kernel, _grad_c2c, node="FftC2CBackward0", math="fourier_c2c")


def _r2c_kernel(b, x, *, axes: tuple, norm: str):
    return transform(b, x, "rfftn", None, axes, norm)


def _grad_r2c(m, ctx, g):
    axes, norm = ctx.attrs["axes"], ctx.attrs["norm"]
    last = axes[-1]
    full = m.resize_axes(g, axes=(last,), sizes=(ctx.input_shape(0)[last],))
    return (m.real(m.fourier_c2c(full, axes=axes, norm=SWAPPED_NORM[norm], forward=False)),)


# m.fourier_r2c(x, axes=, norm=): rfftn of a real array (the last axis one-sided)
R2C = Op("fft_r2c", _r2c_kernel, _grad_r2c, node="FftR2CBackward0", math="fourier_r2c")


def _c2r_kernel(b, x, *, axes: tuple, norm: str, last_size: int):
    sizes = tuple(x.shape[a] for a in axes[:-1]) + (last_size,)
    return transform(b, x, "irfftn", sizes, axes, norm)


def _grad_c2r(m, ctx, g):
    a = ctx.attrs
    half = m.fourier_r2c(g, axes=a["axes"], norm=SWAPPED_NORM[a["norm"]])
    count = a["last_size"] - ctx.input_shape(0)[a["axes"][-1]]
    return (m.double_mirrored(half, axis=a["axes"][-1], count=count) if count > 0 else half,)


# m.fourier_c2r(z, axes=, norm=, last_size=): irfftn of a one-sided complex array, last_size long on the last axis
C2R = Op("fft_c2r", _c2r_kernel, _grad_c2r, node="FftC2RBackward0", math="fourier_c2r")


def _double_kernel(b, x, *, axis: int, count: int):
    out = b.copy(x)
    key = (slice(None),) * axis + (slice(1, 1 + count),)
    out[key] = out[key] * 2
    return out


# m.double_mirrored(z, axis=, count=): entries 1..count along axis doubled (a real diagonal map: its own adjoint)
DOUBLE_MIRRORED = Op(
    "double_mirrored",
    _double_kernel,
    lambda m, ctx, g: (m.double_mirrored(g, axis=ctx.attrs["axis"], count=ctx.attrs["count"]),),
    node="MulBackward0",
    math="double_mirrored",
)


def c2c(x: Tensor, axes: tuple, norm: str, forward: bool) -> Tensor:
    return apply(C2C, x, axes=axes, norm=norm, forward=forward)


def r2c(x: Tensor, axes: tuple, norm: str) -> Tensor:
    return apply(R2C, x, axes=axes, norm=norm)


def c2r(x: Tensor, axes: tuple, norm: str, last_size: int) -> Tensor:
    return apply(C2R, x, axes=axes, norm=norm, last_size=last_size)
