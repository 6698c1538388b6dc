"""`backward()` and `grad()`: the user-facing entry points to the engine."""

from __future__ import annotations

from ._engine import run_backward

_NOT_SCALAR = "grad can be implicitly created only for scalar outputs"


def _as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _root_grads(outputs: list, grad_outputs: list) -> list:
    grads = []
    for i, output in enumerate(outputs):
        given = grad_outputs[i] if i < len(grad_outputs) else None
        if given is None:
            if output.numel() != 1:
                raise RuntimeError(
                    f"{_NOT_SCALAR} (the output has shape {list(output.shape)}); pass a gradient of that shape, "
                    "e.g. out.backward(ember.ones_like(out))"
                )
            if not output.dtype.is_floating_point:
                raise RuntimeError(
                    f"grad can be implicitly created only for real scalar outputs but got {output.dtype}"
                )
            given = output.new_ones(output.shape)
        elif not hasattr(given, "_data"):
            given = output.new_full(output.shape, given)
        elif given.shape != output.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {list(given.shape)} and output[{i}] has a shape "
                f"of {list(output.shape)}."
            )
        grads.append(given)
    return grads


def _roots(outputs: list) -> list:
    roots = []
    for i, output in enumerate(outputs):
        edge = output._edge()
        if edge is None:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn. Did you call "
                "requires_grad_() on the inputs, or compute it under no_grad()?"
            )
        roots.append(edge)
    return roots


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph: bool = False, inputs=None) -> None:
    """Accumulate d(tensors)/d(leaf) into each leaf's `.grad`."""
    outputs = _as_list(tensors)
    grads = _root_grads(outputs, _as_list(grad_tensors))
    if retain_graph is None:
        retain_graph = create_graph
    roots = _roots(outputs)
    if inputs is not None:
        targets = _as_list(inputs)
        captured = run_backward(roots, grads, retain_graph, create_graph, _capture_map(targets))
        for key, tensor in enumerate(targets):
            g = captured.get(key)
            if g is not None:
                tensor.grad = g if tensor.grad is None else tensor.grad + g
        return
    run_backward(roots, grads, retain_graph, create_graph)


def _capture_map(inputs: list) -> dict:
    capture = {}
    for key, tensor in enumerate(inputs):
        if not tensor.requires_grad:
            raise RuntimeError(f"One of the differentiated Tensors (input {key}) does not require grad")
        capture[tensor._edge()] = key
    return capture


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph=None,
    create_graph: bool = False,
    allow_unused=None,
    materialize_grads: bool = False,
):
    """The gradients of outputs with respect to inputs, returned (leaves' `.grad` untouched)."""
    output_list = _as_list(outputs)
    input_list = _as_list(inputs)
    grads = _root_grads(output_list, _as_list(grad_outputs))
    if retain_graph is None:
        retain_graph = create_graph
    captured = run_backward(_roots(output_list), grads, retain_graph, create_graph, _capture_map(input_list))
    results = []
    for key, tensor in enumerate(input_list):
        g = captured.get(key)
        if g is None:
            if materialize_grads:
                g = tensor.new_zeros(tensor.shape)
            elif not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior."
                )
        elif g.shape != tensor.shape:
            g = g.sum_to_size(tensor.shape)
        results.append(g)
    return tuple(results)
