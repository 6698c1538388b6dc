"""`backward()` and `grad()`: the user-facing entry points to the engine."""

from __future__ import annotations

import warnings

from .. import _tensor
from ._engine import filled_array, run_backward
from ._node import accumulate

_CREATE_GRAPH_WARNING = (
    "Using backward() with create_graph=True will create a reference cycle between the parameter and its "
    "gradient which can cause a memory leak. We recommend using autograd.grad when creating the graph to "
    "avoid this. If you have to use this function, make sure to reset the .grad fields of your parameters "
    "to None after use to break the cycle and avoid the leak."
)


def _as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _starts(outputs: list, grad_outputs: list) -> tuple[list, list]:
    """Each output's edge, and the gradient it starts from (None for the implicit 1 of a scalar)."""
    if grad_outputs and len(grad_outputs) != len(outputs):
        raise RuntimeError(
            f"Mismatch in number of gradients: got {len(grad_outputs)} gradients for {len(outputs)} outputs; "
            "pass one gradient (or None) per output."
        )
    roots = []
    grads = []
    for i, output in enumerate(outputs):
        edge = output._edge()
        if edge[0] is None:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn. Call "
                "requires_grad_() on the inputs before computing it, and don't compute it under no_grad()."
            )
        roots.append(edge)
        given = grad_outputs[i] if grad_outputs else None
        if given is None:
            if output._data.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs (output {i} has shape "
                    f"{list(output.shape)}). Pass a gradient of that shape, e.g. "
                    "out.backward(ember.ones_like(out)), or reduce the output first (out.sum().backward())."
                )
            if not output.dtype.is_floating_point:
                raise RuntimeError(
                    f"grad can be implicitly created only for real scalar outputs but got {output.dtype}"
                )
        elif not hasattr(given, "_data"):
            given = _filled(output, given)
        elif given._data.shape != output._data.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {given.shape} and output[{i}] has a shape "
                f"of {output.shape}."
            )
        grads.append(given)
    return roots, grads


def _filled(like, value):
    """A tensor of like's shape, dtype and device filled with value."""
    return _tensor.wrap(filled_array(like, value), like._backend, like.dtype, like.device)


def _targets(inputs: list) -> list:
    edges = []
    for key, tensor in enumerate(inputs):
        if not tensor.requires_grad:
            raise RuntimeError(
                f"One of the differentiated Tensors does not require grad (input {key} of shape "
                f"{list(tensor.shape)}); call requires_grad_() on it before computing the outputs."
            )
        edges.append(tensor._edge())
    return edges


def backward(
    tensors,
    grad_tensors=None,
    retain_graph=None,
    create_graph: bool = False,
    grad_variables=None,
    inputs=None,
) -> None:
    """Accumulate d(tensors)/d(leaf) into each leaf's `.grad` (only into `inputs`' when given)."""
    outputs = [tensors] if isinstance(tensors, _tensor.Tensor) else _as_list(tensors)
    given = grad_tensors if grad_tensors is not None else grad_variables
    roots, grads = _starts(outputs, [] if given is None else _as_list(given))
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is None:
        if create_graph:
            warnings.warn(_CREATE_GRAPH_WARNING, UserWarning, stacklevel=3)
        run_backward(roots, outputs, grads, retain_graph, create_graph)
        return
    chosen = _as_list(inputs)
    if not chosen:
        raise RuntimeError("'inputs' argument to backward() cannot be empty; pass the tensors to accumulate into")
    captured = run_backward(roots, outputs, grads, retain_graph, create_graph, _targets(chosen))
    for key, tensor in enumerate(chosen):
        g = captured.get(key)
        if g is not None:
            accumulate(tensor, g if create_graph else g._data, False, create_graph)


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph=None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused=None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
):
    """The gradients of outputs with respect to inputs, returned (no `.grad` changes).

    `grad_outputs` weighs each output (vector-Jacobian product); `create_graph=True`
    records the backward pass so the result can be differentiated again.

    >>> x = ember.tensor(3.0, requires_grad=True)
    >>> ember.autograd.grad(x ** 2, x)
    (tensor(6.),)
    """
    if is_grads_batched:
        raise NotImplementedError("ember.autograd.grad(is_grads_batched=True) is not supported; loop instead")
    output_list = _as_list(outputs)
    input_list = _as_list(inputs)
    if not input_list:
        raise RuntimeError("grad requires at least one input to differentiate with respect to")
    if allow_unused is None:
        allow_unused = materialize_grads
    roots, grads = _starts(output_list, _as_list(grad_outputs))
    if retain_graph is None:
        retain_graph = create_graph
    captured = run_backward(roots, output_list, grads, retain_graph, create_graph, _targets(input_list))
    results = []
    for key, tensor in enumerate(input_list):
        g = captured.get(key)
        if g is None:
            if materialize_grads:
                g = tensor.new_zeros(tensor.shape)
            elif not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {key} appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior."
                )
        elif g._data.shape != tensor._data.shape:
            g = g.sum_to_size(tensor.shape)
        results.append(g)
    return tuple(results)
