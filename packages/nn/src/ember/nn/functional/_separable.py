"""A separable linear map: one small matrix applied along each trailing axis, as a differentiable op.

Adaptive average pooling and the linear, bilinear, bicubic and trilinear resizing modes are all this
op with different matrices. It is linear in its input, so its gradient is the same op with every
matrix transposed, and the one rule below serves every order of derivative.
"""

from __future__ import annotations

from ..._tensor import Tensor
from ...ops._op import Op, call


def _separable_kernel(b, x, *, matrices: tuple):
    """x with matrices[i] (out_i, in_i) applied along axis ndim - len(matrices) + i."""
    xp = b.xp
    first = x.ndim - len(matrices)
    for i, matrix in enumerate(matrices):
        axis = first + i
        if matrix is None:
            continue
        if axis == x.ndim - 1:
            x = b.matmul(x, matrix.T)
        else:
            x = xp.moveaxis(b.matmul(xp.moveaxis(x, axis, -1), matrix.T), -1, axis)
    return b.ascontiguous(x)


def _grad_separable(m, ctx, g):
    transposed = tuple(None if a is None else a.T for a in ctx.attrs["matrices"])
    return (m.run(SEPARABLE, g, matrices=transposed),)


SEPARABLE = Op("separable_linear_map", _separable_kernel, _grad_separable, node="SeparableLinearMapBackward0")


def separable_op(name: str, node: str) -> Op:
    """The separable map under another name, so graphs print PyTorch's node names."""
    return Op(name, _separable_kernel, _grad_separable, node=node)


def apply_separable(op: Op, input: Tensor, matrices: list) -> Tensor:
    """Run op on input with NumPy matrices (None leaves an axis alone), cast to input's dtype and device."""
    xp = input._backend.xp
    native = tuple(None if a is None else xp.asarray(a.astype(input.dtype.numpy)) for a in matrices)
    return call(op, (input,), (input._data,), input, {"matrices": native})
