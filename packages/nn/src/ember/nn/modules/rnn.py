"""Recurrent layers (RNN, LSTM, GRU) and their single-step cells, with PyTorch's parameter names and layout."""

from __future__ import annotations

import math
import numbers
import warnings

from ..._creation import empty, zeros
from ..._tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from ._recurrence import STEPS, run_layers
from .module import Module

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _check_type(name: str, value, kind: type) -> None:
    if not isinstance(value, kind):
        raise TypeError(f"{name} should be of type {kind.__name__}, got: {type(value).__name__}")


def _uniform_parameters(module: Module, hidden_size: int) -> None:
    bound = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0
    for weight in module.parameters():
        init.uniform_(weight, -bound, bound)


class RNNBase(Module):
    """The stacked recurrent layer behind RNN, LSTM and GRU (mode: RNN_TANH, RNN_RELU, LSTM or GRU)."""

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        if not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of an element being zeroed"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects "
                f"num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                stacklevel=3,
            )
        _check_type("bias", bias, bool)
        _check_type("batch_first", batch_first, bool)
        _check_type("input_size", input_size, int)
        if input_size <= 0:
            raise ValueError("input_size must be greater than zero")
        _check_type("hidden_size", hidden_size, int)
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        self._create_parameters(_GATES[mode] * hidden_size, {"device": device, "dtype": dtype})
        self.reset_parameters()

    def _create_parameters(self, gate_size: int, factory: dict) -> None:
        """weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}, weight_hr_l{k} (+ _reverse), as PyTorch orders them."""
        directions = 2 if self.bidirectional else 1
        real_hidden = self.proj_size or self.hidden_size
        for layer in range(self.num_layers):
            for direction in range(directions):
                layer_input = self.input_size if layer == 0 else real_hidden * directions
                shapes = {"weight_ih": (gate_size, layer_input), "weight_hh": (gate_size, real_hidden)}
                if self.bias:
                    shapes.update(bias_ih=(gate_size,), bias_hh=(gate_size,))
                if self.proj_size:
                    shapes["weight_hr"] = (self.proj_size, self.hidden_size)
                suffix = "_reverse" if direction == 1 else ""
                names = []
                for kind, shape in shapes.items():
                    name = f"{kind}_l{layer}{suffix}"
                    setattr(self, name, Parameter(empty(shape, **factory)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)

    def reset_parameters(self) -> None:
        """Every weight and bias uniform in +-1/sqrt(hidden_size)."""
        _uniform_parameters(self, self.hidden_size)

    def flatten_parameters(self) -> None:
        """Nothing to do: PyTorch packs the weights into one buffer for cuDNN; ember reads them in place."""

    @property
    def _flat_weights(self) -> list[Tensor | None]:
        return [getattr(self, name, None) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters of each layer and direction, in PyTorch's order."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def _layer_weights(self) -> list[tuple]:
        """(w_ih, w_hh, b_ih, b_hh, w_hr) per layer and direction, None where absent."""
        found = []
        for names in self._all_weights:
            weights = {name.split("_l")[0]: getattr(self, name) for name in names}
            found.append(tuple(weights.get(k) for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")))
        return found

    def _state_sizes(self) -> tuple[int, ...]:
        """The last dim of each state tensor: h (and c for an LSTM)."""
        return (self.hidden_size,)

    def check_input(self, input: Tensor, batch_sizes: Tensor | None) -> None:
        """Raise a clear error when input's dtype or sizes do not fit the layer."""
        weight = self.weight_ih_l0
        if input.dtype is not weight.dtype:
            raise ValueError(
                f"RNN input dtype ({input.dtype}) does not match weight dtype ({weight.dtype}). Convert input: "
                f"input.to({weight.dtype}), or convert model: model.to({input.dtype})"
            )
        expected = 2 if batch_sizes is not None else 3
        if input.ndim != expected:
            raise RuntimeError(f"input must have {expected} dimensions, got {input.ndim}")
        if self.input_size != input.shape[-1]:
            raise RuntimeError(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got {input.shape[-1]}"
            )

    def _check_state(self, state: tuple, batch: int) -> None:
        layers = self.num_layers * (2 if self.bidirectional else 1)
        names = ("hidden", "cell") if len(state) == 2 else ("hidden",)
        for s, size, name in zip(state, self._state_sizes(), names):
            expected = (layers, batch, size)
            if tuple(s.shape) != expected:
                raise RuntimeError(f"Expected {name} size {expected}, got {list(s.shape)}")

    def _unbatched_error(self, state: tuple, batched: bool) -> RuntimeError:
        wanted = 3 if batched else 2
        kind = "batched 3-D" if batched else "unbatched 2-D"
        dims = ", ".join(f"{s.ndim}-D" for s in state)
        if len(state) == 1:
            return RuntimeError(f"For {kind} input, hx should also be {wanted}-D but got {dims} tensor")
        return RuntimeError(f"For {kind} input, hx and cx should also be {wanted}-D but got ({dims}) tensors")

    def _run(self, input, state: tuple | None) -> tuple:
        """Shared forward: returns (output, final state tuple) in the caller's layout."""
        packed = isinstance(input, PackedSequence)
        name = type(self).__name__
        if packed:
            data, batch_sizes_tensor, sorted_indices, unsorted_indices = input
            batch_sizes = [int(n) for n in batch_sizes_tensor.tolist()]
            batch, batched = batch_sizes[0], True
            self.check_input(data, batch_sizes_tensor)
            if state is not None and sorted_indices is not None:
                state = tuple(s.index_select(1, sorted_indices) for s in state)
        else:
            if input.ndim not in (2, 3):
                raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.ndim}D tensor instead")
            batched = input.ndim == 3
            batch_sizes = None
            if not batched:
                input = input.unsqueeze(1)
            elif self.batch_first:
                input = input.transpose(0, 1)
            if state is not None:
                if any(s.ndim != (3 if batched else 2) for s in state):
                    raise self._unbatched_error(state, batched)
                if not batched:
                    state = tuple(s.unsqueeze(1) for s in state)
            batch = input.shape[1]
            self.check_input(input, None)
            if input.shape[0] == 0:
                raise RuntimeError(
                    f"Expected sequence length to be larger than 0 in RNN (input size {list(input.shape)})"
                )
            data = input
        if state is None:
            layers = self.num_layers * (2 if self.bidirectional else 1)
            state = tuple(zeros(layers, batch, n, dtype=data.dtype, device=data.device) for n in self._state_sizes())
        self._check_state(state, batch)
        output, final = run_layers(
            self.mode,
            data,
            batch_sizes,
            state,
            self._layer_weights(),
            self.num_layers,
            self.bidirectional,
            self.dropout,
            self.training,
        )
        if packed:
            if unsorted_indices is not None:
                final = tuple(s.index_select(1, unsorted_indices) for s in final)
            return PackedSequence(output, batch_sizes_tensor, sorted_indices, unsorted_indices), final
        if not batched:
            return output.squeeze(1), tuple(s.squeeze(1) for s in final)
        return (output.transpose(0, 1) if self.batch_first else output), final

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_(t-1) W_hh^T + b_hh) (or relu), stacked num_layers deep.

    Arguments as PyTorch's: input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True,
    batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None.
    """

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            nonlinearity = kwargs.pop("nonlinearity", "tanh")
        modes = {"tanh": "RNN_TANH", "relu": "RNN_RELU"}
        if nonlinearity not in modes:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(modes[nonlinearity], *args, **kwargs)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor | PackedSequence, hx: Tensor | None = None) -> tuple:
        """(output, h_n) for input (L, N, H_in), (N, L, H_in) with batch_first, (L, H_in), or a PackedSequence."""
        output, (h,) = self._run(input, None if hx is None else (hx,))
        return output, h


class LSTM(RNNBase):
    """Long short-term memory, stacked num_layers deep; gates i, f, g, o; optional projection of h (proj_size).

    Arguments as PyTorch's: input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
    dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__("LSTM", *args, **kwargs)

    def _state_sizes(self) -> tuple[int, ...]:
        return (self.proj_size or self.hidden_size, self.hidden_size)

    def forward(self, input: Tensor | PackedSequence, hx: tuple[Tensor, Tensor] | None = None) -> tuple:
        """(output, (h_n, c_n)) for input (L, N, H_in), (N, L, H_in) with batch_first, (L, H_in), or a PackedSequence."""
        output, final = self._run(input, None if hx is None else tuple(hx))
        return output, final


class GRU(RNNBase):
    """Gated recurrent unit, stacked num_layers deep; gates r, z, n as in PyTorch.

    Arguments as PyTorch's: input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
    dropout=0.0, bidirectional=False, device=None, dtype=None.
    """

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input: Tensor | PackedSequence, hx: Tensor | None = None) -> tuple:
        """(output, h_n) for input (L, N, H_in), (N, L, H_in) with batch_first, (L, H_in), or a PackedSequence."""
        output, (h,) = self._run(input, None if hx is None else (hx,))
        return output, h


# --- cells: one time step ----------------------------------------------------------------------


class RNNCellBase(Module):
    """One step of a recurrence: weight_ih (chunks * hidden, input), weight_hh (chunks * hidden, hidden), biases."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device=None, dtype=None) -> None:
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(empty((num_chunks * hidden_size, input_size), **factory))
        self.weight_hh = Parameter(empty((num_chunks * hidden_size, hidden_size), **factory))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, **factory))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, **factory))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias uniform in +-1/sqrt(hidden_size)."""
        _uniform_parameters(self, self.hidden_size)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _step(self, mode: str, input: Tensor, state: tuple | None) -> tuple:
        """One step of `mode` on input (N, input_size) or (input_size,); state tensors (N, hidden) or (hidden,)."""
        name = type(self).__name__
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        if state is not None:
            for index, s in enumerate(state):
                if s.ndim not in (1, 2):
                    which = "hidden" if len(state) == 1 else f"hx[{index}]"
                    raise ValueError(f"{name}: Expected {which} to be 1D or 2D, got {s.ndim}D instead")
        batched = input.ndim == 2
        if not batched:
            input = input.unsqueeze(0)
        if input.shape[1] != self.input_size:
            raise RuntimeError(
                f"{name}: input has inconsistent input_size: got {input.shape[1]} expected {self.input_size}"
            )
        if state is None:
            blank = zeros(input.shape[0], self.hidden_size, dtype=input.dtype, device=input.device)
            state = (blank,) * (2 if mode == "LSTM" else 1)
        elif not batched:
            state = tuple(s.unsqueeze(0) for s in state)
        for s in state:
            if tuple(s.shape) != (input.shape[0], self.hidden_size):
                raise RuntimeError(
                    f"{name}: hidden state has size {list(s.shape)}, expected {[input.shape[0], self.hidden_size]} "
                    "(batch, hidden_size) to match the input's batch"
                )
        x_gates = F.linear(input, self.weight_ih, self.bias_ih)
        state = STEPS[mode](x_gates, state, self.weight_hh, self.bias_hh)
        return state if batched else tuple(s.squeeze(0) for s in state)


class RNNCell(RNNCellBase):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu)."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """The next hidden state (N, hidden_size), or (hidden_size,) for unbatched input."""
        modes = {"tanh": "RNN_TANH", "relu": "RNN_RELU"}
        if self.nonlinearity not in modes:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        (h,) = self._step(modes[self.nonlinearity], input, None if hx is None else (hx,))
        return h


class LSTMCell(RNNCellBase):
    """One LSTM step: gates i, f, g, o; returns (h', c')."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        """The next (h, c), each (N, hidden_size), or (hidden_size,) for unbatched input."""
        h, c = self._step("LSTM", input, None if hx is None else tuple(hx))
        return h, c


class GRUCell(RNNCellBase):
    """One GRU step: gates r, z, n; h' = (1 - z) * n + z * h."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """The next hidden state (N, hidden_size), or (hidden_size,) for unbatched input."""
        (h,) = self._step("GRU", input, None if hx is None else (hx,))
        return h
