"""The recurrences behind RNN, LSTM and GRU, composed from differentiable ember ops.

A step maps the input's share of the gates at one time step (``x @ weight_ih.T + bias_ih``, computed
for all steps by one matmul up front) and the state (a tuple: ``(h,)``, or ``(h, c)`` for an LSTM) to
the next state. Gate order follows PyTorch: i, f, g, o for the LSTM and r, z, n for the GRU.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..._tensor import Tensor
from ...autograd import Function
from ...ops.shape import cat, stack
from .. import functional as F

State = tuple  # (h,) or (h, c)


class _Pieces(Function):
    """x cut along dim into pieces of the given sizes (None: unbound), whose gradients one node joins.

    NOTE: a view taken by indexing sends its gradient back as zeros of the whole input with the piece
    filled in; over T time steps that is T full-size arrays to sum, quadratic in T. Here one stack or
    cat of the pieces' gradients does it (and stays differentiable, for double backward).
    """

    @staticmethod
    def forward(ctx, x: Tensor, sizes: list[int] | None, dim: int) -> tuple:
        ctx.dim, ctx.unbound = dim, sizes is None
        return x.unbind(dim) if sizes is None else x.split(sizes, dim)

    @staticmethod
    def backward(ctx, *grads: Tensor) -> tuple:
        return (stack(grads, ctx.dim) if ctx.unbound else cat(grads, ctx.dim)), None, None


def pieces(x: Tensor, sizes: list[int] | None, dim: int = 0) -> tuple:
    """x.split(sizes, dim) (x.unbind(dim) for None), with a gradient linear in the number of pieces."""
    return _Pieces.apply(x, sizes, dim)


def rnn_tanh_step(x_gates: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None, w_hr=None) -> State:
    return ((x_gates + F.linear(state[0], w_hh, b_hh)).tanh(),)


def rnn_relu_step(x_gates: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None, w_hr=None) -> State:
    return ((x_gates + F.linear(state[0], w_hh, b_hh)).relu(),)


def lstm_step(x_gates: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None, w_hr: Tensor | None = None) -> State:
    h, c = state
    h_size = c.shape[1]
    i, f, g, o = pieces(x_gates + F.linear(h, w_hh, b_hh), [h_size] * 4, 1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    h = o.sigmoid() * c.tanh()
    if w_hr is not None:
        h = F.linear(h, w_hr)
    return h, c


def gru_step(x_gates: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None, w_hr=None) -> State:
    (h,) = state
    thirds = [h.shape[1]] * 3
    x_r, x_z, x_n = pieces(x_gates, thirds, 1)
    h_r, h_z, h_n = pieces(F.linear(h, w_hh, b_hh), thirds, 1)
    r = (x_r + h_r).sigmoid()
    z = (x_z + h_z).sigmoid()
    n = (x_n + r * h_n).tanh()
    return (n + z * (h - n),)  # (1 - z) * n + z * h


STEPS: dict[str, Callable] = {"RNN_TANH": rnn_tanh_step, "RNN_RELU": rnn_relu_step, "LSTM": lstm_step, "GRU": gru_step}


def scan(
    step: Callable, x_gates: Sequence[Tensor], initial: State, weights: tuple, reverse: bool
) -> tuple[list[Tensor], State]:
    """Run `step` over the time steps; returns the h of each step and the final state of every sequence.

    Step t holds the first ``x_gates[t].shape[0]`` sequences of the batch (sequences sorted longest
    first, so these sizes never grow with t). Forwards, a sequence's final state is set aside when it
    ends; in reverse, a sequence joins at its last step, starting from its initial state.
    """
    state = tuple(s[: x_gates[-1 if reverse else 0].shape[0]] for s in initial)
    ended = []
    outputs = [None] * len(x_gates)
    for t in reversed(range(len(x_gates))) if reverse else range(len(x_gates)):
        running, held = x_gates[t].shape[0], state[0].shape[0]
        if running < held:
            ended.append(tuple(s[running:] for s in state))
            state = tuple(s[:running] for s in state)
        elif running > held:
            state = tuple(cat([s, s0[held:running]]) for s, s0 in zip(state, initial))
        state = step(x_gates[t], state, *weights)
        outputs[t] = state[0]
    if ended:
        state = tuple(cat([s, *parts[::-1]]) for s, parts in zip(state, zip(*ended)))
    return outputs, state


def run_layers(
    mode: str,
    input: Tensor,
    batch_sizes: list[int] | None,
    initial: State,
    weights: list[tuple],
    num_layers: int,
    bidirectional: bool,
    dropout: float,
    training: bool,
) -> tuple[Tensor, State]:
    """The stacked (and optionally bidirectional) recurrence over a time-major input.

    `input` is (T, N, I), or a PackedSequence's data (sum of lengths, I) when `batch_sizes` is given.
    `initial` holds states of shape ``(num_layers * directions, N, size)``; `weights` one tuple
    (w_ih, w_hh, b_ih, b_hh, w_hr) per layer and direction. Returns the last layer's output, in the
    input's layout, and the final states, shaped as `initial`.
    """
    step = STEPS[mode]
    directions = 2 if bidirectional else 1
    finals = []
    for layer in range(num_layers):
        if layer and dropout and training:
            input = F.dropout(input, dropout, training=True)
        outputs = []
        for direction in range(directions):
            w_ih, w_hh, b_ih, b_hh, w_hr = weights[layer * directions + direction]
            x_gates = F.linear(input, w_ih, b_ih)
            x_gates = pieces(x_gates, batch_sizes)
            start = tuple(s[layer * directions + direction] for s in initial)
            hs, final = scan(step, x_gates, start, (w_hh, b_hh, w_hr), reverse=direction == 1)
            outputs.append(stack(hs) if batch_sizes is None else cat(hs))
            finals.append(final)
        input = outputs[0] if directions == 1 else cat(outputs, -1)
    return input, tuple(stack(parts) for parts in zip(*finals))
