"""Matrix products: matmul and its named forms (mm, bmm, mv, dot, outer, addmm), and einsum."""

from __future__ import annotations

from .. import _dtype as dt
from .._tensor import Tensor
from .._writes import write_out
from ._declare import export
from ._errors import OperandTypeError, mismatch, operand_type_error
from ._op import Op, call, device_mismatch

# --- matmul -----------------------------------------------------------------------------


def _grad_matmul(m, ctx, g):
    """Gradients of a @ b (a and b of any rank matmul accepts); batch dims are summed by the engine."""
    a, b = ctx.saved  # NOTE: with saved_for=(1, 0), b is kept when a needs a gradient, and a when b does
    a = None if a is None else m.conj(a)
    b = None if b is None else m.conj(b)
    a_ndim = a.ndim if a is not None else len(ctx.input_shape(0))
    b_ndim = b.ndim if b is not None else len(ctx.input_shape(1))
    if a_ndim == 1 and b_ndim == 1:
        return (None if b is None else g * b), (None if a is None else g * a)
    if a_ndim == 1:
        g = m.expand_dims(g, axis=g.ndim - 1)
    if b_ndim == 1:
        g = m.expand_dims(g, axis=g.ndim)
    grad_a = grad_b = None
    if b is not None:
        b2 = m.expand_dims(b, axis=1) if b_ndim == 1 else b
        grad_a = m.matmul(g, _swap_last(m, b2))
        if a_ndim == 1:
            grad_a = m.squeeze(grad_a, axes=(grad_a.ndim - 2,))
    if a is not None:
        a2 = m.expand_dims(a, axis=0) if a_ndim == 1 else a
        grad_b = m.matmul(_swap_last(m, a2), g)
        if b_ndim == 1:
            grad_b = m.squeeze(grad_b, axes=(grad_b.ndim - 1,))
    return grad_a, grad_b


def _swap_last(m, x):
    return m.swapaxes(x, d0=x.ndim - 2, d1=x.ndim - 1)


def _product_op(node: str, math: str | None = None) -> Op:
    return Op("matmul", "matmul", _grad_matmul, node=node, saves=(0, 1), saved_for=(1, 0), math=math)


# NOTE: PyTorch names matmul's node after the kernel it lowers to, so `print(y.grad_fn)` varies by rank.
_MATMUL_BY_RANK = {
    (1, 1): _product_op("DotBackward0"),
    (2, 1): _product_op("MvBackward0"),
    (2, 2): _product_op("MmBackward0"),
    (1, 2): _product_op("SqueezeBackward4"),
}
_MATMUL_BATCHED_RIGHT = _product_op("CloneBackward0")  # a matrix times a batch of matrices
_MATMUL_FOLDED = _product_op("UnsafeViewBackward0")
BMM = _product_op("BmmBackward0", math="matmul")


def _matmul_op(a_rank: int, b_rank: int) -> Op:
    found = _MATMUL_BY_RANK.get((a_rank, b_rank))
    if found is not None:
        return found
    return _MATMUL_BATCHED_RIGHT if a_rank == 2 else _MATMUL_FOLDED


def _shape_text(t: Tensor) -> str:
    return "x".join(str(n) for n in t.shape)


def _check_same_device(name: str, a: Tensor, b: Tensor) -> None:
    if a.device is not b.device and a.device != b.device:
        raise device_mismatch(name, a, b)


def _check_same_dtype(name: str, a: Tensor, b: Tensor) -> None:
    if a.dtype is not b.dtype:
        raise RuntimeError(
            f"{name}: expected m1 and m2 to have the same dtype, but got: {a.dtype} != {b.dtype}. "
            f"Convert one, e.g. with .to({a.dtype if a.dtype.itemsize >= b.dtype.itemsize else b.dtype})"
        )


def _batch_shape(name: str, a: Tensor, b: Tensor) -> None:
    """Raise PyTorch's error when the batch dimensions of a matmul don't broadcast."""
    found = mismatch(a._data.shape[:-2], b._data.shape[:-2])
    if found is not None:
        dimension, da, db = found
        raise RuntimeError(
            f"{name}: The size of tensor a ({da}) must match the size of tensor b ({db}) at non-singleton "
            f"dimension {dimension}; the batch dimensions of {list(a.shape)} and {list(b.shape)} must broadcast"
        )


def _check_matmul(name: str, a: Tensor, b: Tensor) -> None:
    if a.device is not b.device and a.device != b.device:
        raise device_mismatch(name, a, b)
    shape_a, shape_b = a._data.shape, b._data.shape
    if not shape_a or not shape_b:
        raise RuntimeError(
            f"{name}: both arguments to matmul need to be at least 1D, but they are {a.ndim}D and {b.ndim}D"
        )
    inner_a = shape_a[-1]
    inner_b = shape_b[0] if len(shape_b) == 1 else shape_b[-2]
    if inner_a != inner_b:
        raise RuntimeError(
            f"{name}: mat1 and mat2 shapes cannot be multiplied ({_shape_text(a)} and {_shape_text(b)}); "
            f"the last dim of the first ({inner_a}) must equal the {'first' if len(shape_b) == 1 else 'second-to-last'} "
            f"dim of the second ({inner_b})"
        )
    if a.dtype is not b.dtype:
        _check_same_dtype(name, a, b)
    if a.dtype is dt.bool_:
        raise NotImplementedError(f"\"{name}\" not implemented for 'Bool'; convert first, e.g. a.int() @ b.int()")
    if len(shape_a) > 2 and len(shape_b) > 2:
        _batch_shape(name, a, b)


def _product(name: str, input: Tensor, other: Tensor, out: Tensor | None) -> Tensor:
    try:
        _check_matmul(name, input, other)
    except AttributeError:
        for role, operand in (("input", input), ("other", other)):
            if not isinstance(operand, Tensor):
                raise operand_type_error(name, operand, role, "Tensor") from None
        raise
    op = _matmul_op(input._data.ndim, other._data.ndim)
    result = call(op, (input, other), (input._data, other._data), input)
    return result if out is None else write_out(out, result)


@export
def matmul(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Matrix product with NumPy/PyTorch broadcasting of batch dimensions.

    >>> a = ember.tensor([[1., 2.], [3., 4.]])
    >>> ember.matmul(a, a)
    tensor([[ 7., 10.],
            [15., 22.]])
    >>> ember.matmul(a, ember.tensor([1., 1.]))
    tensor([3., 7.])
    """
    return _product("matmul", input, other, out)


def _matmul_operator(self: Tensor, other) -> Tensor:
    try:
        return _product("matmul", self, other, None)
    except OperandTypeError:
        return NotImplemented  # NOTE: so Python raises its TypeError for x @ 2, as with PyTorch


def _reflected_matmul_operator(self: Tensor, other) -> Tensor:
    try:
        return _product("matmul", other, self, None)
    except OperandTypeError:
        return NotImplemented


Tensor.__matmul__ = _matmul_operator
Tensor.__rmatmul__ = _reflected_matmul_operator


def _require_rank(name: str, tensor: Tensor, rank: int, role: str) -> None:
    if tensor.ndim != rank:
        kind = {1: "a vector", 2: "a matrix", 3: "a 3D tensor"}[rank]
        raise RuntimeError(
            f"{name}: {role} must be {kind}, but got a {tensor.ndim}D tensor of shape {list(tensor.shape)}"
        )


@export
def mm(input: Tensor, mat2: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Product of two matrices."""
    _require_rank("mm", input, 2, "self")
    _require_rank("mm", mat2, 2, "mat2")
    return _product("mm", input, mat2, out)


@export
def bmm(input: Tensor, mat2: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Batched product of two 3D tensors with the same batch size (no broadcasting)."""
    _require_rank("bmm", input, 3, "batch1")
    _require_rank("bmm", mat2, 3, "batch2")
    _check_same_device("bmm", input, mat2)
    expected = [input.shape[0], input.shape[2]]
    if list(mat2.shape[:2]) != expected:
        raise RuntimeError(
            f"bmm: Expected size for first two dimensions of batch2 tensor to be: {expected} but got: "
            f"{list(mat2.shape[:2])} (batch1 is {list(input.shape)}, batch2 is {list(mat2.shape)})."
        )
    _check_same_dtype("bmm", input, mat2)
    result = call(BMM, (input, mat2), (input._data, mat2._data), input)
    return result if out is None else write_out(out, result)


@export
def mv(input: Tensor, vec: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Product of a matrix and a vector."""
    _require_rank("mv", input, 2, "self")
    _require_rank("mv", vec, 1, "vec")
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(
            f"size mismatch, got input ({input.shape[0]}), mat ({_shape_text(input)}), vec ({vec.shape[0]}); "
            "mv needs the matrix's columns to equal the vector's length"
        )
    return _product("mv", input, vec, out)


@export
def dot(input: Tensor, tensor: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Inner product of two vectors of the same length and dtype."""
    if input.ndim != 1 or tensor.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {tensor.ndim}D tensors (in dot)")
    if input.shape[0] != tensor.shape[0]:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src [{tensor.shape[0]}] to have the "
            f"same number of elements, but got {input.shape[0]} and {tensor.shape[0]} elements respectively"
        )
    if input.dtype is not tensor.dtype:
        raise RuntimeError(
            f"dot : expected both vectors to have same dtype, but found {input.dtype} and {tensor.dtype}"
        )
    return _product("dot", input, tensor, out)


export(dot, name="inner")


@export
def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """Outer product of two vectors."""
    _require_rank("outer", input, 1, "self")
    _require_rank("outer", vec2, 1, "vec2")
    return input.unsqueeze(1) * vec2.unsqueeze(0)


export(outer, name="ger")


# --- addmm --------------------------------------------------------------------------------


def _grad_addmm(m, ctx, g):
    a, b = ctx.saved
    beta, alpha = ctx.attrs["beta"], ctx.attrs["alpha"]
    grad_bias = (g * beta if beta != 1 else g) if ctx.needs(0) else None
    grad_a = grad_b = None
    if ctx.needs(1):
        grad_a = m.matmul(g, m.t(b))
        grad_a = grad_a * alpha if alpha != 1 else grad_a
    if ctx.needs(2):
        grad_b = m.matmul(m.t(a), g)
        grad_b = grad_b * alpha if alpha != 1 else grad_b
    return grad_bias, grad_a, grad_b


def _addmm_kernel(b, bias, x, y, *, beta, alpha):
    product = b.matmul(x, y)
    if alpha != 1:
        product *= alpha
    if beta == 0:
        return product
    product += bias if beta == 1 else beta * bias
    return product


ADDMM = Op("addmm", _addmm_kernel, _grad_addmm, node="AddmmBackward0", saves=(1, 2), saved_for=(2, 1))


def _broadcasts_to(shape: tuple, target: tuple) -> bool:
    if len(shape) > len(target):
        return False
    return all(s == t or s == 1 for s, t in zip(reversed(shape), reversed(target)))


@export
def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1, out: Tensor | None = None) -> Tensor:
    """beta * input + alpha * (mat1 @ mat2), in one kernel call (the Linear layer's op)."""
    _require_rank("addmm", mat1, 2, "mat1")
    _require_rank("addmm", mat2, 2, "mat2")
    _check_matmul("addmm", mat1, mat2)
    _check_same_device("addmm", input, mat1)
    target = (mat1.shape[0], mat2.shape[1])
    if not _broadcasts_to(tuple(input.shape), target):
        raise RuntimeError(
            f"addmm: The expanded size of the tensor input {list(input.shape)} must broadcast to the product's "
            f"shape {list(target)} (mat1 {list(mat1.shape)} @ mat2 {list(mat2.shape)})"
        )
    if input.dtype is not mat1.dtype:
        _check_same_dtype("addmm", input, mat1)
    arrays = (input._data, mat1._data, mat2._data)
    result = call(ADDMM, (input, mat1, mat2), arrays, mat1, {"beta": beta, "alpha": alpha})
    return result if out is None else write_out(out, result)


# --- einsum ---------------------------------------------------------------------------------


def _parse_equation(equation: str, operands: tuple) -> tuple:
    """(input subscripts per operand, output subscripts), with the implicit output filled in."""
    equation = equation.replace(" ", "")
    if "." in equation:
        raise NotImplementedError("einsum(): ellipsis ('...') subscripts are not supported; write every dimension")
    inputs, arrow, output = equation.partition("->")
    specs = inputs.split(",")
    if len(specs) != len(operands):
        raise ValueError(
            f"einsum(): the equation {equation!r} names {len(specs)} operands but {len(operands)} were given"
        )
    if not arrow:
        letters = "".join(specs)
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    sizes: dict = {}
    for spec, operand in zip(specs, operands):
        if len(spec) != operand.ndim:
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({len(spec)}) does not match the number "
                f"of dimensions ({operand.ndim}) for operand {specs.index(spec)} of shape {list(operand.shape)}"
            )
        for letter, size in zip(spec, operand.shape):
            seen = sizes.setdefault(letter, size)
            if seen != size and seen != 1 and size != 1:
                raise RuntimeError(
                    f"einsum(): subscript {letter} has size {size} for operand {specs.index(spec)} which does not "
                    f"broadcast with previously seen size {seen}"
                )
    return specs, output


def _grad_einsum(m, ctx, g):
    specs, output = ctx.attrs["specs"], ctx.attrs["output"]
    operands = ctx.saved
    grads = []
    for i, spec in enumerate(specs):
        if not ctx.needs(i):
            grads.append(None)
            continue
        others = [op for j, op in enumerate(operands) if j != i]
        other_specs = [s for j, s in enumerate(specs) if j != i]
        # Letters of this operand that appear nowhere else were summed out: broadcast them back.
        missing = set(spec) - set(output) - set("".join(other_specs))
        target = "".join(dict.fromkeys(c for c in spec if c not in missing))
        inputs = [output, *other_specs]
        equation = ",".join(inputs) + "->" + target
        grad = m.einsum(g, *others, equation=equation, specs=inputs, output=target)
        grads.append(_place_gradient(m, grad, target, spec, ctx.input_shape(i)))
    return tuple(grads)


def _place_gradient(m, grad, target: str, spec: str, shape: tuple):
    """Lay a gradient over the `target` letters out in the operand's own `spec` and shape."""
    if len(set(spec)) != len(spec):
        raise NotImplementedError("einsum(): gradients through repeated subscripts in one operand are not supported")
    full = tuple(grad.shape[target.index(c)] if c in target else 1 for c in spec)
    # Summed-out letters expand back; letters the operand broadcast (size 1) are summed by the engine.
    return m.broadcast_to(m.reshape(grad, shape=full), shape=tuple(max(f, s) for f, s in zip(full, shape)))


EINSUM = Op(
    "einsum",
    lambda b, *xs, equation, specs, output: b.einsum(equation, *xs),
    _grad_einsum,
    node="EinsumBackward0",
    saves="all",
    math="einsum",
)


@export
def einsum(equation: str, *operands) -> Tensor:
    """Einstein summation, differentiable (each operand's gradient is itself an einsum)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise ValueError("einsum(): must provide at least one operand")
    for other in operands[1:]:
        _check_same_device("einsum", operands[0], other)
    specs, output = _parse_equation(equation, operands)
    attrs = {"equation": ",".join(specs) + "->" + output, "specs": specs, "output": output}
    return call(EINSUM, operands, tuple(t._data for t in operands), operands[0], attrs)
