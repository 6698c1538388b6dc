"""Whole-function derivatives: `jacobian`, `hessian`, `vjp`, `jvp`, `vhp` and `hvp`.

Each takes a function of tensors and the point to differentiate it at, runs the function
on fresh copies of the inputs and differentiates with `ember.autograd.grad`. Inputs, outputs
and `v` may be a tensor or a tuple of tensors; a result is nested the way its arguments are
(a Jacobian block per output and input, each of shape output.shape + input.shape).

Forward mode is not built: `jvp` and `hvp` use the double-backward trick (the backward pass
is linear in its incoming gradient, so differentiating it with respect to that gradient
gives the forward-mode product), and `jacobian` runs reverse mode one output element at a time.
With `create_graph=False` results are detached; with `create_graph=True` they can be
differentiated again. `strict=True` raises where a result is independent of an input instead
of filling in zeros.
"""

from __future__ import annotations

from collections.abc import Callable

from .._autograd._api import grad
from .._autograd._grad_mode import enable_grad, is_grad_enabled, set_grad_enabled
from .._creation import zeros_like
from .._tensor import Tensor
from ..ops.shape import stack

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]


# --- arguments in, results out ----------------------------------------------------------------


def _tupled(value, what: str, fn: str) -> tuple[bool, tuple]:
    """Whether value was a tuple, and it as a tuple of tensors (a clear TypeError otherwise)."""
    was_tuple = isinstance(value, tuple)
    items = value if was_tuple else (value,)
    for index, item in enumerate(items):
        if not isinstance(item, Tensor):
            where = f"the value at index {index}" if was_tuple else f"the given {what}"
            raise TypeError(
                f"The {what} given to {fn} must be either a Tensor or a tuple of Tensors but {where} has type "
                f"{type(item)}."
            )
    return was_tuple, items


def _fresh(tensors: tuple, create_graph: bool, need_graph: bool) -> tuple:
    """Copies to differentiate at: kept on the caller's graph only when create_graph asks for it."""
    return tuple(
        t.view_as(t) if create_graph and t.requires_grad else t.detach().requires_grad_(need_graph) for t in tensors
    )


def _finished(results, create_graph: bool):
    """Results detached from the graph unless create_graph asked to keep it (tuples of tuples too)."""
    if isinstance(results, Tensor):
        return results if create_graph else results.detach()
    return tuple(_finished(r, create_graph) for r in results)


def _nested(results: tuple, outer_tuple: bool, inner_tuple: bool | None = None):
    """Unwrap the one-element tuples that stand for arguments given as a bare tensor."""
    if inner_tuple is not None and not inner_tuple:
        results = tuple(r[0] for r in results)
    return results if outer_tuple else results[0]


def _checked_v(v, like: tuple, like_tuple: bool, fn: str, create_graph: bool, what: str) -> tuple | None:
    """v as a tuple matching like's sizes; None allowed only where like is one single-element tensor."""
    if v is None:
        if len(like) != 1 or like[0].numel() != 1:
            raise RuntimeError(
                f"The vector v can only be None if the {what} a single Tensor with a single element; "
                f"pass v to {fn} otherwise."
            )
        return None
    _, v = _tupled(v, "v", fn)
    v = _fresh(v, create_graph, need_graph=False)
    if len(v) != len(like):
        if like_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(like)} but got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for index, (given, wanted) in enumerate(zip(v, like)):
        if given.shape != wanted.shape:
            entry = f"Entry {index} in " if like_tuple else ""
            raise RuntimeError(f"{entry}v has invalid size: should be {wanted.shape} but got {given.shape}.")
    return v


def _scalar_output(outputs: tuple, was_tuple: bool, fn: str) -> None:
    if was_tuple:
        raise RuntimeError(f"The function given to {fn} should return a single Tensor")
    if outputs[0].numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn} should contain a single element")


# --- strict mode -------------------------------------------------------------------------------

_INDEPENDENT = {
    "back": "The output of the user-provided function is independent of input {i}.",
    "back_trick": (
        "The gradient with respect to the input is independent of entry {i} in the grad_outputs when using the "
        "double backward trick to compute forward mode gradients."
    ),
    "double_back": "The jacobian of the user-provided function is independent of input {i}.",
    "double_back_trick": (
        "The hessian of the user-provided function is independent of entry {i} in the grad_jacobian, which "
        "prevents using the double backward trick to replace forward mode AD."
    ),
}


def _require_outputs_differentiable(outputs: tuple, strict: bool) -> None:
    if strict:
        for i, out in enumerate(outputs):
            if not out.requires_grad:
                raise RuntimeError(
                    f"Output {i} of the user-provided function does not require gradients. The outputs must be "
                    "computed in a differentiable manner from the input when running in strict mode."
                )


_NOT_DIFFERENTIABLE = {
    "grad_inputs": "The gradient with respect to input {i} is independent of the inputs of the user-provided function.",
    "jacobian": (
        "While computing the hessian, found that the jacobian of the user-provided function with respect to input "
        "{i} is independent of the input. Make sure the function is twice differentiable and its jacobian depends "
        "on the inputs (a linear function's does not, for example)."
    ),
    "hessian": (
        "The hessian of the user-provided function with respect to input {i} is independent of the input. Make "
        "sure the function is thrice differentiable and its hessian depends on the inputs."
    ),
}


def _require_dependent(grads: tuple, strict: bool, stage: str) -> None:
    """In strict mode, refuse gradients that are missing or carry no graph back to the inputs."""
    if not strict:
        return
    for i, g in enumerate(grads):
        if g is None:
            raise RuntimeError(_INDEPENDENT["back"].format(i=i) + " This is not allowed in strict mode.")
        if not g.requires_grad:
            raise RuntimeError(_NOT_DIFFERENTIABLE[stage].format(i=i) + " This is not allowed in strict mode.")


def _zeros_for_missing(grads: tuple, refs: tuple, strict: bool, create_graph: bool, stage: str) -> tuple:
    """Missing gradients as zeros shaped like refs (strict mode raises instead)."""
    filled = []
    for i, g in enumerate(grads):
        if g is None:
            if strict:
                raise RuntimeError(_INDEPENDENT[stage].format(i=i) + " This is not allowed in strict mode.")
            g = zeros_like(refs[i])
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if stage.startswith("double") else "jacobian"
            raise RuntimeError(
                f"The {what} of the user-provided function is independent of input {i}. This is not allowed in "
                "strict mode when create_graph=True."
            )
        filled.append(g)
    return tuple(filled)


def _grad_of_used(outputs: tuple, inputs: tuple, grad_outputs: tuple | None = None, **options) -> tuple:
    """`grad` over the outputs that carry a graph; None for each input nothing reaches."""
    pairs = [
        (out, None if grad_outputs is None else grad_outputs[k])
        for k, out in enumerate(outputs)
        if out is not None and out.requires_grad
    ]
    if not pairs:
        return (None,) * len(inputs)
    used, weights = zip(*pairs)
    return grad(used, inputs, weights, allow_unused=True, **options)


# --- the products ------------------------------------------------------------------------------


def vjp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """func's outputs and the vector-Jacobian product v^T J at inputs: a tuple (outputs, vjp).

    v is shaped like func's outputs (omit it for a single-element output); the product like inputs.
    """
    with enable_grad():
        inputs_tuple, inputs = _tupled(inputs, "inputs", "vjp")
        inputs = _fresh(inputs, create_graph, need_graph=True)
        outputs_tuple, outputs = _tupled(func(*inputs), "outputs of the user-provided function", "vjp")
        _require_outputs_differentiable(outputs, strict)
        v = _checked_v(v, outputs, outputs_tuple, "vjp", create_graph, "user-provided function returns")
    with set_grad_enabled(create_graph or is_grad_enabled()):
        product = _grad_of_used(outputs, inputs, v, create_graph=create_graph)
        product = _zeros_for_missing(product, inputs, strict, create_graph, "back")
    return (
        _nested(_finished(outputs, create_graph), outputs_tuple),
        _nested(_finished(product, create_graph), inputs_tuple),
    )


def jvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """func's outputs and the Jacobian-vector product J v at inputs: a tuple (outputs, jvp).

    v is shaped like inputs (omit it for a single-element input); the product like the outputs.
    """
    with enable_grad():
        inputs_tuple, inputs = _tupled(inputs, "inputs", "jvp")
        inputs = _fresh(inputs, create_graph, need_graph=True)
        v = _checked_v(v, inputs, inputs_tuple, "jvp", create_graph, "input to the user-provided function is")
        outputs_tuple, outputs = _tupled(func(*inputs), "outputs of the user-provided function", "jvp")
        _require_outputs_differentiable(outputs, strict)
        # The backward pass is linear in these placeholders, so their value never shows in the result.
        placeholders = tuple(zeros_like(out, requires_grad=True) for out in outputs)
        backward_of = _grad_of_used(outputs, inputs, placeholders, create_graph=True)
        _require_dependent(backward_of, strict, "grad_inputs")
    with set_grad_enabled(create_graph or is_grad_enabled()):
        product = _grad_of_used(backward_of, placeholders, v, create_graph=create_graph)
        product = _zeros_for_missing(product, outputs, strict, create_graph, "back_trick")
    return (
        _nested(_finished(outputs, create_graph), outputs_tuple),
        _nested(_finished(product, create_graph), outputs_tuple),
    )


def _scalar_function_gradient(func: Callable, inputs, fn: str, create_graph: bool, strict: bool, v):
    """The shared start of vhp and hvp: fresh inputs, checked v, func's output and its gradient (with graph)."""
    with enable_grad():
        inputs_tuple, inputs = _tupled(inputs, "inputs", fn)
        inputs = _fresh(inputs, create_graph, need_graph=True)
        v = _checked_v(v, inputs, inputs_tuple, fn, create_graph, "input to the user-provided function is")
        outputs_tuple, outputs = _tupled(func(*inputs), "outputs of the user-provided function", fn)
        _require_outputs_differentiable(outputs, strict)
        _scalar_output(outputs, outputs_tuple, fn)
        gradient = _grad_of_used(outputs, inputs, create_graph=True)
        _require_dependent(gradient, strict, "jacobian")
    return inputs_tuple, inputs, v, outputs, gradient


def vhp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """A scalar func's output and the vector-Hessian product v^T H at inputs: a tuple (output, vhp)."""
    inputs_tuple, inputs, v, outputs, gradient = _scalar_function_gradient(func, inputs, "vhp", create_graph, strict, v)
    with set_grad_enabled(create_graph or is_grad_enabled()):
        product = _grad_of_used(gradient, inputs, v, create_graph=create_graph)
        product = _zeros_for_missing(product, inputs, strict, create_graph, "double_back")
    return _finished(outputs[0], create_graph), _nested(_finished(product, create_graph), inputs_tuple)


def hvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """A scalar func's output and the Hessian-vector product H v at inputs: a tuple (output, hvp).

    Equal to vhp's result for twice continuously differentiable functions (the Hessian is symmetric);
    computed with one more backward pass, by the double-backward trick.
    """
    inputs_tuple, inputs, v, outputs, gradient = _scalar_function_gradient(func, inputs, "hvp", create_graph, strict, v)
    with enable_grad():
        placeholders = tuple(zeros_like(x, requires_grad=True) for x in inputs)
        backward_of = _grad_of_used(gradient, inputs, placeholders, create_graph=True)
        _require_dependent(gradient, strict, "hessian")
    with set_grad_enabled(create_graph or is_grad_enabled()):
        product = _grad_of_used(backward_of, placeholders, v, create_graph=create_graph)
        product = _zeros_for_missing(product, inputs, strict, create_graph, "double_back_trick")
    return _finished(outputs[0], create_graph), _nested(_finished(product, create_graph), inputs_tuple)


# --- full matrices -----------------------------------------------------------------------------


def _check_strategy(strategy: str, argument: str, fn: str) -> None:
    if strategy == "forward-mode":
        raise NotImplementedError(
            f"ember.autograd.functional.{fn}({argument}='forward-mode') is not supported: ember has no forward-mode "
            f"AD. Use {argument}='reverse-mode' (the default), which gives the same result."
        )
    if strategy != "reverse-mode":
        raise ValueError(
            f'ember.autograd.functional.{fn}: expected {argument} to be either "forward-mode" or "reverse-mode", '
            f"got {strategy!r}."
        )


def _jacobian_block_rows(out: Tensor, k: int, inputs: tuple, create_graph: bool, strict: bool) -> tuple:
    """d out / d input for each input, each of shape out.shape + input.shape, one output element at a time."""
    rows: list[list] = [[] for _ in inputs]
    flat = out.reshape(-1)
    for j in range(out.numel()):
        grads = _grad_of_used((flat[j],), inputs, retain_graph=True, create_graph=create_graph)
        for i, (g, x) in enumerate(zip(grads, inputs)):
            if g is None:
                if strict:
                    raise RuntimeError(
                        f"Output {k} of the user-provided function is independent of input {i}. This is not allowed "
                        "in strict mode."
                    )
                g = zeros_like(x)
            elif strict and create_graph and not g.requires_grad:
                raise RuntimeError(
                    f"The jacobian of the user-provided function is independent of input {i}. This is not allowed "
                    "in strict mode when create_graph=True."
                )
            rows[i].append(g)
    return tuple(
        stack(row).view(out.shape + x.shape) if row else x.new_zeros(out.shape + x.shape)
        for row, x in zip(rows, inputs)
    )


def jacobian(
    func: Callable,
    inputs,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
):
    """The Jacobian of func at inputs.

    One block per (output, input) pair, of shape output.shape + input.shape, nested as
    ``result[output][input]`` where both are tuples, with the level of a bare tensor left out.
    `vectorize=True` is accepted and computes the same result row by row.
    """
    _check_strategy(strategy, "strategy", "jacobian")
    if vectorize and strict:
        raise RuntimeError(
            "ember.autograd.functional.jacobian: `strict=True` and `vectorize=True` are not supported together. "
            "Set `strict=False` or `vectorize=False`."
        )
    with enable_grad():
        inputs_tuple, inputs = _tupled(inputs, "inputs", "jacobian")
        inputs = _fresh(inputs, create_graph, need_graph=True)
        outputs_tuple, outputs = _tupled(func(*inputs), "outputs of the user-provided function", "jacobian")
        _require_outputs_differentiable(outputs, strict)
        blocks = tuple(_jacobian_block_rows(out, k, inputs, create_graph, strict) for k, out in enumerate(outputs))
    return _nested(_finished(blocks, create_graph), outputs_tuple, inputs_tuple)


def hessian(
    func: Callable,
    inputs,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    outer_jacobian_strategy: str = "reverse-mode",
):
    """The Hessian of a scalar func at inputs: the Jacobian of its gradient.

    One block per pair of inputs, of shape input_i.shape + input_j.shape, nested as
    ``result[i][j]`` where inputs is a tuple, a single tensor otherwise.
    """
    _check_strategy(outer_jacobian_strategy, "outer_jacobian_strategy", "hessian")
    inputs_tuple, inputs = _tupled(inputs, "inputs", "hessian")

    def scalar_func(*args):
        outputs_tuple, outputs = _tupled(func(*args), "outputs of the user-provided function", "hessian")
        _require_outputs_differentiable(outputs, strict)
        _scalar_output(outputs, outputs_tuple, "hessian")
        return outputs[0].squeeze()

    def gradient(*args):
        first = jacobian(scalar_func, args, create_graph=True)
        _require_dependent(first, strict, "jacobian")
        return first

    blocks = jacobian(gradient, inputs, create_graph=create_graph, strict=strict, vectorize=vectorize)
    return _nested(blocks, inputs_tuple, inputs_tuple)
