"""Module backward hooks: see the gradients of a module's inputs and outputs, and replace them.

A module with backward hooks passes its tensor inputs, and then its tensor outputs, through an
identity Function. When the backward pass reaches the outputs' node, the pre-hooks see (and may
replace) grad_output; when it reaches the inputs' node, the full hooks see grad_input with that
grad_output (and may replace grad_input). If no input needs a gradient, the full hooks run at the
outputs' node with grad_input all None, as in PyTorch.
"""

from __future__ import annotations

from ..._autograd._grad_mode import is_grad_enabled
from ..._tensor import Tensor
from ...autograd import Function


class _Pass:
    """What the two identity nodes of one call share."""

    def __init__(self, module, input_count: int) -> None:
        self.module = module
        self.input_count = input_count
        self.inputs_hooked = False
        self.grad_output: tuple = ()


def _replaced(name: str, old: tuple, new) -> tuple:
    new = (new,) if isinstance(new, Tensor) or new is None else tuple(new)
    if len(new) != len(old):
        raise RuntimeError(
            f"Backward hook returned an invalid number of grad_{name}, got {len(new)}, but expected {len(old)}"
        )
    return new


def _run_full_hooks(state: _Pass, grad_input: tuple) -> tuple:
    for hook in list(state.module._backward_hooks.values()):
        result = hook(state.module, grad_input, state.grad_output)
        if result is not None:
            grad_input = _replaced("input", grad_input, result)
    return grad_input


class _PassNode(Function):
    """Passes the tensors through as views, so that its backward sees their gradients; keeps the pass state."""

    @staticmethod
    def forward(ctx, state: _Pass, *tensors):
        ctx.set_materialize_grads(False)
        ctx.state = state
        return tensors[0].view_as(tensors[0]) if len(tensors) == 1 else tuple(t.view_as(t) for t in tensors)


class _InputsNode(_PassNode):
    @staticmethod
    def backward(ctx, *grads):
        return (None, *_run_full_hooks(ctx.state, grads))


class _OutputsNode(_PassNode):
    @staticmethod
    def backward(ctx, *grads):
        state = ctx.state
        module = state.module
        for hook in list(module._backward_pre_hooks.values()):
            result = hook(module, grads)
            if result is not None:
                grads = _replaced("output", grads, result)
        state.grad_output = grads
        if not state.inputs_hooked and module._backward_hooks:
            _run_full_hooks(state, (None,) * state.input_count)
        return (None, *grads)


def _through(node: type[Function], state: _Pass, values) -> tuple:
    """values with their tensors that need a gradient replaced by the node's identity outputs."""
    positions = [i for i, v in enumerate(values) if isinstance(v, Tensor) and v.requires_grad]
    if not positions:
        return tuple(values), False
    passed = node.apply(state, *(values[i] for i in positions))
    passed = (passed,) if isinstance(passed, Tensor) else passed
    out = list(values)
    for i, tensor in zip(positions, passed):
        out[i] = tensor
    return tuple(out), True


def hook_inputs(module, args: tuple) -> tuple:
    """(args routed through the inputs' node, the shared state), or (args, None) when nothing is recorded."""
    if not is_grad_enabled():
        return args, None
    state = _Pass(module, sum(isinstance(a, Tensor) for a in args))
    if module._backward_hooks:
        args, state.inputs_hooked = _through(_InputsNode, state, args)
    return args, state


def hook_outputs(state: _Pass | None, output):
    """output (a tensor, or a tuple or list of values) routed through the outputs' node."""
    if state is None:
        return output
    if isinstance(output, Tensor):
        return _through(_OutputsNode, state, (output,))[0][0]
    if isinstance(output, (tuple, list)):
        values = _through(_OutputsNode, state, tuple(output))[0]
        return type(output)(values) if isinstance(output, list) else values
    return output
