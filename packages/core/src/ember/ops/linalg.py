"""Matrix products: matmul and its named forms (mm, bmm, mv, dot, outer, addmm)."""

from __future__ import annotations

from .._tensor import Tensor
from ._declare import export
from ._dispatch import Op, call, device_mismatch, promoted, write_out


def _matmul_grads(ctx, g):
    a, b = ctx.saved
    need_a = ctx.next_functions[0][0] is not None
    need_b = ctx.next_functions[1][0] is not None
    if a.ndim == 1 and b.ndim == 1:
        return (g * b if need_a else None), (g * a if need_b else None)
    a2 = a.unsqueeze(0) if a.ndim == 1 else a
    b2 = b.unsqueeze(-1) if b.ndim == 1 else b
    g2 = g
    if a.ndim == 1:
        g2 = g2.unsqueeze(-2)
    if b.ndim == 1:
        g2 = g2.unsqueeze(-1)
    grad_a = grad_b = None
    if need_a:
        grad_a = g2.matmul(b2.transpose(-1, -2))
        if a.ndim == 1:
            grad_a = grad_a.squeeze(-2)
    if need_b:
        grad_b = a2.transpose(-1, -2).matmul(g2)
        if b.ndim == 1:
            grad_b = grad_b.squeeze(-1)
    return grad_a, grad_b


def _matmul_kernel(b, x, y):
    return b.matmul(x, y)


_NODE_BY_RANK = {(2, 2): "MmBackward0", (1, 1): "DotBackward0", (2, 1): "MvBackward0", (3, 3): "BmmBackward0"}
_OPS = {
    ranks: Op("matmul", _matmul_kernel, _matmul_grads, node=name, saves=(0, 1)) for ranks, name in _NODE_BY_RANK.items()
}
MATMUL = Op("matmul", _matmul_kernel, _matmul_grads, node="UnsafeViewBackward0", saves=(0, 1))


def _check_operands(name: str, a: Tensor, b: Tensor) -> None:
    if a.device is not b.device and a.device != b.device:
        raise device_mismatch(name, a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"{name}: both arguments to matmul need to be at least 1D, but they are {a.ndim}D and {b.ndim}D"
        )
    inner_a = a.shape[-1]
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if inner_a != inner_b:
        raise RuntimeError(
            f"{name}: mat1 and mat2 shapes cannot be multiplied ({_shape_text(a)} and {_shape_text(b)}); "
            f"the last dim of the first ({inner_a}) must equal the {'first' if b.ndim == 1 else 'second-to-last'} "
            f"dim of the second ({inner_b})"
        )
    if a.dtype is not b.dtype:
        raise RuntimeError(
            f"{name}: expected both operands to have the same dtype, but got {a.dtype} and {b.dtype}; "
            f"convert one with .to({promoted(a, b)})"
        )


def _shape_text(t: Tensor) -> str:
    return "x".join(str(n) for n in t.shape)


@export
def matmul(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Matrix product with NumPy/PyTorch broadcasting of batch dimensions."""
    _check_operands("matmul", input, other)
    op = _OPS.get((input.ndim, other.ndim), MATMUL)
    result = call(op, (input, other), (input._data, other._data), input)
    return result if out is None else write_out(out, result)


Tensor.__matmul__ = lambda self, other: matmul(self, other)
Tensor.__rmatmul__ = lambda self, other: matmul(other, self)


def _ranked(name: str, ranks: tuple):
    def product(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
        if (input.ndim, other.ndim) != ranks:
            raise RuntimeError(
                f"{name}: expected {ranks[0]}-D and {ranks[1]}-D tensors, got {input.ndim}-D and {other.ndim}-D"
            )
        return matmul(input, other, out=out)

    product.__name__ = product.__qualname__ = name
    product.__doc__ = f"Matrix product of a {ranks[0]}-D and a {ranks[1]}-D tensor."
    return export(product)


mm = _ranked("mm", (2, 2))
bmm = _ranked("bmm", (3, 3))
mv = _ranked("mv", (2, 1))
dot = _ranked("dot", (1, 1))
export(dot, name="inner")


@export
def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """Outer product of two vectors."""
    return input.unsqueeze(1) * vec2.unsqueeze(0)


export(outer, name="ger")


def _grad_addmm(ctx, g):
    a, b = ctx.saved
    beta, alpha = ctx.attrs["beta"], ctx.attrs["alpha"]
    grad_bias = g * beta if ctx.next_functions[0][0] is not None else None
    grad_a = g.matmul(b.t()) * alpha if ctx.next_functions[1][0] is not None else None
    grad_b = a.t().matmul(g) * alpha if ctx.next_functions[2][0] is not None else None
    return grad_bias, grad_a, grad_b


def _addmm_kernel(b, bias, x, y, beta, alpha):
    product = b.matmul(x, y)
    if alpha != 1:
        product *= alpha
    if beta == 0:
        return product
    product += bias if beta == 1 else beta * bias
    return product


ADDMM = Op("addmm", _addmm_kernel, _grad_addmm, node="AddmmBackward0", saves=(1, 2))


@export
def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * (mat1 @ mat2), in one kernel call (the Linear layer's op)."""
    _check_operands("addmm", mat1, mat2)
    if mat1.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"addmm: expected 2-D matrices, got {mat1.ndim}-D and {mat2.ndim}-D")
    if input.dtype is not mat1.dtype:
        input = input.to(mat1.dtype)
    return call(ADDMM, (input, mat1, mat2), (input._data, mat1._data, mat2._data), mat1, {"beta": beta, "alpha": alpha})


@export
def einsum(equation: str, *operands) -> Tensor:
    """Einstein summation, differentiable through its composite of products and sums."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    return call(EINSUM, operands, tuple(t._data for t in operands), operands[0], {"equation": equation})


def _grad_einsum(ctx, g):
    equation = ctx.attrs["equation"].replace(" ", "")
    inputs_spec, _, output_spec = equation.partition("->")
    specs = inputs_spec.split(",")
    operands = ctx.saved
    grads = []
    for i, spec in enumerate(specs):
        if ctx.next_functions[i][0] is None:
            grads.append(None)
            continue
        others = [op for j, op in enumerate(operands) if j != i]
        other_specs = [s for j, s in enumerate(specs) if j != i]
        missing = "".join(sorted(set(spec) - set(output_spec) - set("".join(other_specs))))
        grad = einsum(
            ",".join([output_spec, *other_specs]) + "->" + "".join(c for c in spec if c not in missing), g, *others
        )
        if missing:
            shape = operands[i].shape
            grad = grad.reshape([1 if c in missing else n for c, n in zip(spec, shape)]).expand(shape)
        grads.append(grad)
    return tuple(grads)


EINSUM = Op(
    "einsum", lambda b, *xs, equation: b.einsum(equation, *xs), _grad_einsum, node="EinsumBackward0", saves="all"
)
