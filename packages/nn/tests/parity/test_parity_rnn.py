"""Recurrent layers against PyTorch: torch's state_dict loaded into ember; outputs, final states, gradients."""

import ember
import numpy as np
import pytest
from ember import nn as enn
from ember.nn.utils import rnn as ernn

torch = pytest.importorskip("torch")
tnn = torch.nn
trnn = torch.nn.utils.rnn

TOLERANCE = {torch.float32: 1e-5, torch.float64: 1e-10}
EMBER_DTYPE = {torch.float32: ember.float32, torch.float64: ember.float64}

CASES = {
    "RNN-tanh": ("RNN", {}),
    "RNN-relu-2layer-bidirectional": ("RNN", {"nonlinearity": "relu", "num_layers": 2, "bidirectional": True}),
    "RNN-batch_first-nobias": ("RNN", {"batch_first": True, "bias": False}),
    "LSTM": ("LSTM", {}),
    "LSTM-2layer-bidirectional": ("LSTM", {"num_layers": 2, "bidirectional": True}),
    "LSTM-3layer-batch_first": ("LSTM", {"num_layers": 3, "batch_first": True}),
    "LSTM-proj-bidirectional": ("LSTM", {"num_layers": 2, "bidirectional": True, "proj_size": 3}),
    "GRU": ("GRU", {}),
    "GRU-2layer-bidirectional-batch_first": ("GRU", {"num_layers": 2, "bidirectional": True, "batch_first": True}),
    "GRU-nobias": ("GRU", {"bias": False}),
}


def to_ember(t):
    return ember.from_numpy(t.detach().numpy().copy())


def build(name: str, kwargs: dict, dtype):
    """torch's layer and the ember layer with torch's state_dict loaded."""
    torch.manual_seed(0)
    torch_layer = getattr(tnn, name)(4, 5, **kwargs).to(dtype)
    ember_layer = getattr(enn, name)(4, 5, **kwargs).to(EMBER_DTYPE[dtype])
    assert list(ember_layer.state_dict()) == list(torch_layer.state_dict())
    ember_layer.load_state_dict({k: to_ember(v) for k, v in torch_layer.state_dict().items()})
    return torch_layer, ember_layer


def flat(result) -> list:
    """output, then the state tensors; a PackedSequence contributes its data."""
    output, state = result
    states = list(state) if isinstance(state, tuple) else [state]
    return [output.data if isinstance(output, (trnn.PackedSequence, ernn.PackedSequence)) else output, *states]


def assert_close(ember_tensor, torch_tensor, tol):
    np.testing.assert_allclose(ember_tensor.detach().numpy(), torch_tensor.detach().numpy(), rtol=tol, atol=tol)


def compare(torch_layer, ember_layer, torch_args, ember_args, tol):
    """Values of output and states, then gradients of every parameter and input for a random weighting."""
    torch_out = flat(torch_layer(*torch_args))
    ember_out = flat(ember_layer(*ember_args))
    assert len(torch_out) == len(ember_out)
    for e, t in zip(ember_out, torch_out):
        assert tuple(e.shape) == tuple(t.shape)
        assert_close(e, t, tol)
    weights = [torch.randn(t.shape, dtype=t.dtype) for t in torch_out]
    sum(((t * w).sum() for t, w in zip(torch_out, weights)), torch.zeros((), dtype=weights[0].dtype)).backward()
    ember_loss = sum((e * to_ember(w)).sum() for e, w in zip(ember_out, weights))
    ember_loss.backward()
    for (name, tp), (_, ep) in zip(torch_layer.named_parameters(), ember_layer.named_parameters()):
        assert ep.grad is not None, name
        assert_close(ep.grad, tp.grad, tol)


def leaves(torch_tensor):
    return torch_tensor.requires_grad_(), to_ember(torch_tensor).requires_grad_()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("case", CASES)
def test_padded_input_with_and_without_initial_state(case, dtype):
    name, kwargs = CASES[case]
    torch_layer, ember_layer = build(name, kwargs, dtype)
    shape = (3, 6, 4) if kwargs.get("batch_first") else (6, 3, 4)
    tx, ex = leaves(torch.randn(shape, dtype=dtype))
    compare(torch_layer, ember_layer, (tx,), (ex,), TOLERANCE[dtype])
    assert_close(ex.grad, tx.grad, TOLERANCE[dtype])

    torch_layer.zero_grad()
    ember_layer.zero_grad()
    layers = kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
    h_size = kwargs.get("proj_size") or 5
    th, eh = leaves(torch.randn(layers, 3, h_size, dtype=dtype))
    if name == "LSTM":
        tc, ec = leaves(torch.randn(layers, 3, 5, dtype=dtype))
        torch_state, ember_state = (th, tc), (eh, ec)
    else:
        torch_state, ember_state = th, eh
    compare(torch_layer, ember_layer, (tx, torch_state), (ex, ember_state), TOLERANCE[dtype])
    assert_close(eh.grad, th.grad, TOLERANCE[dtype])


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("enforce_sorted", [True, False], ids=["sorted", "unsorted"])
@pytest.mark.parametrize("case", ["RNN-relu-2layer-bidirectional", "LSTM-proj-bidirectional", "GRU"])
def test_packed_input(case, enforce_sorted, dtype):
    name, kwargs = CASES[case]
    torch_layer, ember_layer = build(name, kwargs, dtype)
    lengths = [6, 4, 4, 1] if enforce_sorted else [3, 6, 1, 4]
    tx, ex = leaves(torch.randn(6, 4, 4, dtype=dtype))
    torch_packed = trnn.pack_padded_sequence(tx, lengths, enforce_sorted=enforce_sorted)
    ember_packed = ernn.pack_padded_sequence(ex, lengths, enforce_sorted=enforce_sorted)
    assert_close(ember_packed.data, torch_packed.data, 0)
    assert ember_packed.batch_sizes.tolist() == torch_packed.batch_sizes.tolist()
    for e, t in (
        (ember_packed.sorted_indices, torch_packed.sorted_indices),
        (ember_packed.unsorted_indices, torch_packed.unsorted_indices),
    ):
        assert (e is None and t is None) or e.tolist() == t.tolist()
    compare(torch_layer, ember_layer, (torch_packed,), (ember_packed,), TOLERANCE[dtype])
    assert_close(ex.grad, tx.grad, TOLERANCE[dtype])

    torch_out, _ = torch_layer(torch_packed)
    ember_out, _ = ember_layer(ember_packed)
    torch_padded, torch_lengths = trnn.pad_packed_sequence(torch_out, batch_first=True, total_length=7)
    ember_padded, ember_lengths = ernn.pad_packed_sequence(ember_out, batch_first=True, total_length=7)
    assert_close(ember_padded, torch_padded, TOLERANCE[dtype])
    assert ember_lengths.tolist() == torch_lengths.tolist()


@pytest.mark.parametrize("case", ["RNN-tanh", "LSTM-proj-bidirectional", "GRU-2layer-bidirectional-batch_first"])
def test_unbatched_input(case):
    name, kwargs = CASES[case]
    torch_layer, ember_layer = build(name, kwargs, torch.float64)
    tx, ex = leaves(torch.randn(5, 4, dtype=torch.float64))
    compare(torch_layer, ember_layer, (tx,), (ex,), 1e-10)
    assert_close(ex.grad, tx.grad, 1e-10)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name, kwargs", [("RNNCell", {"nonlinearity": "relu"}), ("LSTMCell", {}), ("GRUCell", {})])
def test_cells(name, kwargs, dtype):
    torch.manual_seed(0)
    torch_cell = getattr(tnn, name)(4, 5, **kwargs).to(dtype)
    ember_cell = getattr(enn, name)(4, 5, **kwargs).to(EMBER_DTYPE[dtype])
    ember_cell.load_state_dict({k: to_ember(v) for k, v in torch_cell.state_dict().items()})
    tx, ex = leaves(torch.randn(3, 4, dtype=dtype))
    torch_out = torch_cell(tx)
    ember_out = ember_cell(ex)
    torch_out = torch_out if isinstance(torch_out, tuple) else (torch_out,)
    ember_out = ember_out if isinstance(ember_out, tuple) else (ember_out,)
    for e, t in zip(ember_out, torch_out):
        assert_close(e, t, TOLERANCE[dtype])
    sum(t.sum() for t in torch_out).backward()
    sum(e.sum() for e in ember_out).backward()
    assert_close(ex.grad, tx.grad, TOLERANCE[dtype])
    for (_, tp), (_, ep) in zip(torch_cell.named_parameters(), ember_cell.named_parameters()):
        assert_close(ep.grad, tp.grad, TOLERANCE[dtype])


def test_pad_sequence_matches_torch():
    sequences = [torch.randn(n, 2) for n in (2, 5, 3)]
    for side in ("right", "left"):
        for batch_first in (False, True):
            expected = trnn.pad_sequence(sequences, batch_first, -1.0, side)
            got = ernn.pad_sequence([to_ember(s) for s in sequences], batch_first, -1.0, side)
            assert_close(got, expected, 0)
    packed = trnn.pack_sequence(sequences, enforce_sorted=False)
    ember_packed = ernn.pack_sequence([to_ember(s) for s in sequences], enforce_sorted=False)
    assert_close(ember_packed.data, packed.data, 0)
    assert ember_packed.sorted_indices.tolist() == packed.sorted_indices.tolist()
    assert ember_packed.unsorted_indices.tolist() == packed.unsorted_indices.tolist()


def test_reprs_and_init_statistics_match_torch():
    for name, kwargs in CASES.values():
        assert repr(getattr(enn, name)(4, 5, **kwargs)) == repr(getattr(tnn, name)(4, 5, **kwargs))
    for name in ("RNNCell", "LSTMCell", "GRUCell"):
        assert repr(getattr(enn, name)(4, 5, bias=False)) == repr(getattr(tnn, name)(4, 5, bias=False))
    ember_weight = enn.LSTM(4, 100).weight_hh_l0.detach().numpy()
    assert abs(ember_weight.std() - 0.1 / np.sqrt(3)) < 2e-3 and np.abs(ember_weight).max() <= 0.1
