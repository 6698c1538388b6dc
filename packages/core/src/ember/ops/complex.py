"""Complex numbers: the parts of a complex tensor, conjugation, polar form, and real <-> complex views.

Gradients follow PyTorch's convention: the gradient of a real loss L with respect to a complex z = x + iy
is dL/dx + i dL/dy (the conjugate Wirtinger derivative, doubled), so a rule multiplies by the conjugate
of the derivative (m.conj). On real arrays m.conj is the array itself.
"""

from __future__ import annotations

import functools
import operator

from .. import _dtype as dt
from .._autograd._math import define
from .._tensor import Tensor
from .._writes import write_out
from ..backends._host_views import imag_part, on_host, real_part
from ._declare import export
from ._errors import kind_of
from ._op import Op, apply
from .shape import view_call

# NOTE: the array's (or a Python number's) own method, one native call: a NumPy-like array of a real dtype
# gives itself, so m.conj costs real gradients nothing
_conjugate = operator.methodcaller("conjugate")


def _conj_kernel(b, x):
    try:
        kind = b.dtypes[x.dtype]
    except AttributeError:
        return x.conjugate()  # NOTE: a Python number in a rule (the scalar of x * 2j)
    return b.xp.conj(x) if kind.is_complex else x


CONJ = Op("conj", _conj_kernel, lambda m, ctx, g: (m.conj(g),), node="ConjBackward0")


def _conjugate_on(backend):
    """m.conj on one backend's arrays: the arrays' own method when they have one, else the kernel."""
    if hasattr(backend.ndarray, "conjugate"):
        return _conjugate
    return functools.partial(_conj_kernel, backend)


def _conj_recorded(x):
    if isinstance(x, Tensor):
        return apply(CONJ, x) if x.dtype.is_complex else x
    return x.conjugate()


# m.conj(x): the complex conjugate (x itself when real), the factor every complex rule conjugates by
define("conj", lambda m: _conjugate_on(m.backend), lambda m: _conj_recorded)
CONJ_PHYSICAL = Op("conj_physical", _conj_kernel, lambda m, ctx, g: (m.conj(g),), node="ConjPhysicalBackward0")


def _refuse_real(name: str, x: Tensor) -> None:
    if not x.dtype.is_complex:
        raise RuntimeError(f"{name} is not implemented for tensors with non-complex dtypes (got {x.dtype}).")


# m.real(z) / m.imag(z): the parts of a complex array (the gradient of a real input fed by a complex one)
REAL = Op("real", real_part, lambda m, ctx, g: (g,), node="RealBackward0", math="real")
IMAG = Op("imag", imag_part, lambda m, ctx, g: (g * 1j,), node="ImagBackward0", math="imag")


@export
def real(input: Tensor) -> Tensor:
    """The real part of a complex tensor (a view; a real tensor is returned as it is)."""
    if not input.dtype.is_complex:
        return input
    return view_call(REAL, input)


@export
def imag(input: Tensor) -> Tensor:
    """The imaginary part of a complex tensor (a view)."""
    _refuse_real("imag", input)
    return view_call(IMAG, input)


def _set_part(part):
    def setter(self: Tensor, value) -> None:
        getattr(self, part).copy_(value)

    return setter


Tensor.real = property(real, _set_part("real"), doc="The real part (a view of a complex tensor).")
Tensor.imag = property(imag, _set_part("imag"), doc="The imaginary part (a view of a complex tensor).")


@export
def conj(input: Tensor) -> Tensor:
    """The complex conjugate (a real tensor is returned as it is; ember computes it, never lazily)."""
    if not input.dtype.is_complex:
        return input
    return apply(CONJ, input)


@export
def conj_physical(input: Tensor) -> Tensor:
    """The complex conjugate, computed (the same as conj in ember, which has no lazy conjugation)."""
    if not input.dtype.is_complex:
        return input.clone()
    return apply(CONJ_PHYSICAL, input)


@export
def resolve_conj(input: Tensor) -> Tensor:
    """The tensor itself: ember never conjugates lazily, so there is nothing to resolve."""
    return input


@export
def resolve_neg(input: Tensor) -> Tensor:
    """The tensor itself: ember never negates lazily, so there is nothing to resolve."""
    return input


@export
def is_conj(input: Tensor) -> bool:
    """Whether the tensor is a lazy conjugate (never in ember)."""
    return False


def _conj_physical_(self: Tensor) -> Tensor:
    return self.copy_(conj_physical(self)) if self.dtype.is_complex else self


Tensor.conj_physical_ = _conj_physical_


# --- angle, polar form and parts ---------------------------------------------------------------


def _angle_kernel(b, x):
    if kind_of(x) in "biu":
        x = b.astype(x, dt.get_default_dtype())
    return b.astype(b.xp.angle(x), b.ember_dtype(x.dtype).to_real())


def _grad_angle(m, ctx, g):
    (z,) = ctx.saved
    if m.dtype_of(z).is_complex:
        size = m.abs(z)
        return (m.where(size == 0, 0, g * z / (size * size) * 1j),)
    return (m.zeros_like(z),)


ANGLE = Op("angle", _angle_kernel, _grad_angle, node="AngleBackward0", saves=(0,))


@export
def angle(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The argument (phase) of each element, in radians; 0 or pi for real tensors (NaN stays NaN)."""
    result = apply(ANGLE, input)
    return result if out is None else write_out(out, result)


def _complex_kernel(b, x, y):
    return b.astype(b.add(x, b.multiply(y, 1j)), dt._COMPLEX[b.ember_dtype(x.dtype)])


COMPLEX = Op(
    "complex",
    _complex_kernel,
    lambda m, ctx, g: (m.real(g), m.imag(g)),
    node="ComplexBackward0",
)


def _check_parts(name: str, real: Tensor, imag: Tensor) -> None:
    if real.dtype is not imag.dtype:
        raise RuntimeError(
            f"Expected object of scalar type {real.dtype} but got scalar type {imag.dtype} for second argument"
        )
    if not real.dtype.is_floating_point or real.dtype is dt.float16:
        raise RuntimeError(
            f"Expected both inputs to be Float or Double tensors but got {dt.scalar_type_name(real.dtype)} and "
            f"{dt.scalar_type_name(imag.dtype)}"
        )


@export(method=False)
def complex(real: Tensor, imag: Tensor) -> Tensor:  # noqa: A001
    """The complex tensor real + i * imag (two float32 or float64 tensors of one dtype)."""
    _check_parts("complex", real, imag)
    return apply(COMPLEX, real, imag)


@export(method=False)
def polar(abs: Tensor, angle: Tensor) -> Tensor:  # noqa: A002
    """The complex tensor abs * (cos(angle) + i sin(angle))."""
    _check_parts("polar", abs, angle)
    return complex(abs * angle.cos(), abs * angle.sin())


def _as_real(x):
    return x[..., None].view(x.real.dtype)  # NOTE: (..., 1) complex viewed as (..., 2) real, 0-dim included


def _as_real_kernel(b, x):
    try:
        return _as_real(x)
    except AttributeError:  # NOTE: an array without NumPy's view (the array API standard's)
        return on_host(b, x, _as_real)


def _as_complex_kernel(b, x):
    complex_ = dt._COMPLEX[b.ember_dtype(x.dtype)].numpy
    try:
        return x.view(complex_)[..., 0]
    except AttributeError:
        return on_host(b, x, lambda host: host.view(complex_)[..., 0])


# m.as_real(z) / m.as_complex(x): the (..., 2) real view of a complex array and back; each the other's rule
AS_REAL = Op(
    "view_as_real", _as_real_kernel, lambda m, ctx, g: (m.as_complex(g),), node="ViewAsRealBackward0", math="as_real"
)
AS_COMPLEX = Op(
    "view_as_complex",
    _as_complex_kernel,
    lambda m, ctx, g: (m.as_real(g),),
    node="ViewAsComplexBackward0",
    math="as_complex",
)


@export(method=False)
def view_as_real(input: Tensor) -> Tensor:
    """A real view of a complex tensor with a last dimension of size 2 (real and imaginary parts)."""
    if not input.dtype.is_complex:
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return view_call(AS_REAL, input)


@export(method=False)
def view_as_complex(input: Tensor) -> Tensor:
    """A complex view of a real tensor whose last dimension (of size 2) holds real and imaginary parts."""
    if input.dtype not in (dt.float32, dt.float64):
        raise RuntimeError(
            f"view_as_complex is only supported for float and double tensors, but got a tensor of scalar type: {dt.scalar_type_name(input.dtype)}"
        )
    if not input._data.ndim or input.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    if input._backend.strides(input._data)[-1] != input.dtype.itemsize:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    return view_call(AS_COMPLEX, input)


for _op in (REAL, IMAG, AS_REAL, AS_COMPLEX):
    _op.node._view_op = _op  # NOTE: how a write through the view is replayed on its base (ops._view_writes)
