"""`backward()` and `grad()`: the user-facing entry points to the engine."""

from __future__ import annotations

import warnings

from .. import _tensor
from ._engine import run_backward
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
    grad_outputs = [] if given is None else _as_list(given)
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is None:
        if create_graph:
            warnings.warn(_CREATE_GRAPH_WARNING, UserWarning, stacklevel=3)
        run_backward(outputs, grad_outputs, retain_graph, create_graph)
        return
    chosen = _as_list(inputs)
    if not chosen:
        raise RuntimeError("'inputs' argument to backward() cannot be empty; pass the tensors to accumulate into")
    captured = run_backward(outputs, grad_outputs, retain_graph, create_graph, _targets(chosen))
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
    if retain_graph is None:
        retain_graph = create_graph
    captured = run_backward(output_list, _as_list(grad_outputs), retain_graph, create_graph, _targets(input_list))
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
