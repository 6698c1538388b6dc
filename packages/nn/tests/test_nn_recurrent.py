"""Recurrent layers (RNN, LSTM, GRU, their cells) and nn.utils.rnn: layout, values against NumPy, gradients."""

import math

import ember
import numpy as np
import pytest
from ember import nn
from ember.autograd import gradcheck, gradgradcheck
from ember.nn.utils.rnn import (
    PackedSequence,
    pack_padded_sequence,
    pack_sequence,
    pad_packed_sequence,
    pad_sequence,
    unpack_sequence,
    unpad_sequence,
)

rng = np.random.default_rng(7)


def leaf(*shape):
    return ember.tensor(rng.standard_normal(shape), dtype=ember.float64, requires_grad=True)


def numpy_of(t):
    return t.detach().numpy()


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


# --- parameters: names, shapes, init ------------------------------------------------------------


def test_lstm_parameter_names_and_shapes_follow_pytorch():
    lstm = nn.LSTM(3, 5, num_layers=2, bidirectional=True, proj_size=2)
    shapes = {name: tuple(p.shape) for name, p in lstm.named_parameters()}
    expected = {}
    for layer, width in ((0, 3), (1, 4)):
        for suffix in ("", "_reverse"):
            expected |= {
                f"weight_ih_l{layer}{suffix}": (20, width),
                f"weight_hh_l{layer}{suffix}": (20, 2),
                f"bias_ih_l{layer}{suffix}": (20,),
                f"bias_hh_l{layer}{suffix}": (20,),
                f"weight_hr_l{layer}{suffix}": (2, 5),
            }
    assert shapes == expected
    assert list(shapes) == list(expected)  # PyTorch's order: layer, direction, then ih, hh, biases, hr
    assert lstm.all_weights[1][0] is lstm.weight_ih_l0_reverse
    lstm.flatten_parameters()  # PyTorch code calls it (for cuDNN); here a no-op


@pytest.mark.parametrize("cls, gates", [(nn.RNN, 1), (nn.GRU, 3), (nn.LSTM, 4)])
def test_layers_without_bias_and_init_range(cls, gates):
    layer = cls(4, 6, num_layers=2, bias=False)
    assert [n for n, _ in layer.named_parameters()] == ["weight_ih_l0", "weight_hh_l0", "weight_ih_l1", "weight_hh_l1"]
    assert layer.weight_ih_l1.shape == (gates * 6, 6)
    bound = 1 / math.sqrt(6)
    for p in layer.parameters():
        assert p.abs().max().item() <= bound and p.std().item() > bound / 4


@pytest.mark.parametrize("cls, gates", [(nn.RNNCell, 1), (nn.GRUCell, 3), (nn.LSTMCell, 4)])
def test_cell_parameters(cls, gates):
    cell = cls(3, 4)
    assert {n: tuple(p.shape) for n, p in cell.named_parameters()} == {
        "weight_ih": (4 * gates, 3),
        "weight_hh": (4 * gates, 4),
        "bias_ih": (4 * gates,),
        "bias_hh": (4 * gates,),
    }
    assert all(p.abs().max().item() <= 0.5 for p in cell.parameters())


def test_reprs():
    assert repr(nn.LSTM(3, 4)) == "LSTM(3, 4)"
    assert (
        repr(nn.GRU(3, 4, 2, bias=False, batch_first=True, dropout=0.5, bidirectional=True))
        == "GRU(3, 4, num_layers=2, bias=False, batch_first=True, dropout=0.5, bidirectional=True)"
    )
    assert repr(nn.LSTM(3, 4, proj_size=2)) == "LSTM(3, 4, proj_size=2)"
    assert repr(nn.RNN(3, 4, nonlinearity="relu")) == "RNN(3, 4)"
    assert repr(nn.RNNCell(3, 4, nonlinearity="relu")) == "RNNCell(3, 4, nonlinearity=relu)"
    assert repr(nn.LSTMCell(3, 4, bias=False)) == "LSTMCell(3, 4, bias=False)"


# --- shapes ------------------------------------------------------------------------------------

SHAPE_CASES = [
    (nn.RNN, {}),
    (nn.RNN, {"nonlinearity": "relu", "num_layers": 2, "batch_first": True}),
    (nn.GRU, {"bidirectional": True}),
    (nn.GRU, {"num_layers": 3, "batch_first": True, "bidirectional": True}),
    (nn.LSTM, {"num_layers": 2}),
    (nn.LSTM, {"bidirectional": True, "batch_first": True, "proj_size": 2}),
]


@pytest.mark.parametrize("cls, kwargs", SHAPE_CASES)
def test_output_and_state_shapes(cls, kwargs):
    layer = cls(3, 5, **kwargs)
    d = 2 if kwargs.get("bidirectional") else 1
    layers = kwargs.get("num_layers", 1)
    out_size = kwargs.get("proj_size") or 5
    x = ember.randn(2, 7, 3) if kwargs.get("batch_first") else ember.randn(7, 2, 3)
    output, state = layer(x)
    assert output.shape == (x.shape[0], x.shape[1], d * out_size)
    states = state if isinstance(state, tuple) else (state,)
    assert states[0].shape == (d * layers, 2, out_size)
    if cls is nn.LSTM:
        assert states[1].shape == (d * layers, 2, 5)
    unbatched_out, unbatched_state = layer(ember.randn(7, 3))  # (L, H_in): batch_first does not apply
    assert unbatched_out.shape == (7, d * out_size)
    first = unbatched_state[0] if isinstance(unbatched_state, tuple) else unbatched_state
    assert first.shape == (d * layers, out_size)


def test_given_initial_state_is_used_and_unbatched_matches_a_batch_of_one():
    lstm = nn.LSTM(3, 4, num_layers=2).double()
    x, h0, c0 = leaf(5, 3), leaf(2, 4), leaf(2, 4)
    out, (h, c) = lstm(x, (h0, c0))
    batched_out, (bh, bc) = lstm(x[:, None], (h0[:, None], c0[:, None]))
    np.testing.assert_allclose(numpy_of(out), numpy_of(batched_out[:, 0]))
    np.testing.assert_allclose(numpy_of(c), numpy_of(bc[:, 0]))
    zero_start, _ = lstm(x)
    assert not np.allclose(numpy_of(out), numpy_of(zero_start))


# --- values against NumPy ----------------------------------------------------------------------


def test_lstm_cell_step_matches_numpy():
    cell = nn.LSTMCell(3, 4).double()
    x, h, c = leaf(2, 3), leaf(2, 4), leaf(2, 4)
    h1, c1 = cell(x, (h, c))
    w_ih, w_hh, b_ih, b_hh = (numpy_of(p) for p in cell.parameters())
    gates = numpy_of(x) @ w_ih.T + b_ih + numpy_of(h) @ w_hh.T + b_hh
    i, f, g, o = np.split(gates, 4, axis=1)
    c_ref = sigmoid(f) * numpy_of(c) + sigmoid(i) * np.tanh(g)
    np.testing.assert_allclose(numpy_of(c1), c_ref, rtol=1e-12)
    np.testing.assert_allclose(numpy_of(h1), sigmoid(o) * np.tanh(c_ref), rtol=1e-12)


def test_gru_cell_step_matches_numpy():
    cell = nn.GRUCell(3, 4).double()
    x, h = leaf(2, 3), leaf(2, 4)
    w_ih, w_hh, b_ih, b_hh = (numpy_of(p) for p in cell.parameters())
    x_r, x_z, x_n = np.split(numpy_of(x) @ w_ih.T + b_ih, 3, axis=1)
    h_r, h_z, h_n = np.split(numpy_of(h) @ w_hh.T + b_hh, 3, axis=1)
    r, z = sigmoid(x_r + h_r), sigmoid(x_z + h_z)
    n = np.tanh(x_n + r * h_n)
    np.testing.assert_allclose(numpy_of(cell(x, h)), (1 - z) * n + z * numpy_of(h), rtol=1e-12)


def test_rnn_cell_relu_and_unbatched():
    cell = nn.RNNCell(3, 4, nonlinearity="relu").double()
    x, h = leaf(3), leaf(4)
    w_ih, w_hh, b_ih, b_hh = (numpy_of(p) for p in cell.parameters())
    expected = np.maximum(w_ih @ numpy_of(x) + b_ih + w_hh @ numpy_of(h) + b_hh, 0)
    np.testing.assert_allclose(numpy_of(cell(x, h)), expected, rtol=1e-12)
    assert cell(x).shape == (4,)


@pytest.mark.parametrize("cls, cell_cls", [(nn.LSTM, nn.LSTMCell), (nn.GRU, nn.GRUCell), (nn.RNN, nn.RNNCell)])
def test_bidirectional_layer_is_its_cell_run_forwards_and_backwards(cls, cell_cls):
    layer = cls(3, 4, bidirectional=True).double()
    x = leaf(5, 2, 3)
    output, state = layer(x)
    final_h = state[0] if isinstance(state, tuple) else state
    for direction, suffix, steps in ((0, "", range(5)), (1, "_reverse", reversed(range(5)))):
        cell = cell_cls(3, 4).double()
        cell.load_state_dict({k: getattr(layer, f"{k}_l0{suffix}") for k in cell.state_dict()})
        hidden = None
        for t in steps:
            hidden = cell(x[t], hidden)
            h = hidden[0] if isinstance(hidden, tuple) else hidden
            np.testing.assert_allclose(numpy_of(output[t, :, 4 * direction : 4 * direction + 4]), numpy_of(h))
        np.testing.assert_allclose(numpy_of(final_h[direction]), numpy_of(h))


def test_lstm_projection_matches_numpy():
    lstm = nn.LSTM(2, 4, proj_size=3).double()
    x = leaf(3, 1, 2)
    output, (h_n, c_n) = lstm(x)
    w_ih, w_hh, b_ih, b_hh, w_hr = (numpy_of(p) for p in lstm.parameters())
    h, c = np.zeros((1, 3)), np.zeros((1, 4))
    for t in range(3):
        i, f, g, o = np.split(numpy_of(x[t]) @ w_ih.T + b_ih + h @ w_hh.T + b_hh, 4, axis=1)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = (sigmoid(o) * np.tanh(c)) @ w_hr.T
        np.testing.assert_allclose(numpy_of(output[t]), h, rtol=1e-12)
    np.testing.assert_allclose(numpy_of(c_n[0]), c, rtol=1e-12)


def test_dropout_acts_between_layers_only_in_training():
    ember.manual_seed(0)
    gru = nn.GRU(3, 4, num_layers=2, dropout=1.0)
    a, b = ember.randn(4, 2, 3), ember.randn(4, 2, 3)
    # p=1 zeroes the second layer's input, so its output no longer depends on x
    np.testing.assert_allclose(numpy_of(gru(a)[0]), numpy_of(gru(b)[0]))
    gru.eval()
    assert not np.allclose(numpy_of(gru(a)[0]), numpy_of(gru(b)[0]))
    np.testing.assert_array_equal(numpy_of(gru(a)[0]), numpy_of(gru(a)[0]))


def test_dropout_with_one_layer_warns():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.LSTM(2, 3, dropout=0.2)


# --- packed sequences --------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [nn.RNN, nn.GRU, nn.LSTM])
@pytest.mark.parametrize("batch_first", [False, True])
def test_packed_input_matches_each_sequence_run_alone(cls, batch_first):
    layer = cls(3, 4, num_layers=2, bidirectional=True, batch_first=batch_first).double()
    lengths = [3, 5, 1, 4]
    sequences = [leaf(n, 3) for n in lengths]
    padded = pad_sequence(sequences, batch_first=batch_first)
    packed = pack_padded_sequence(padded, lengths, batch_first=batch_first, enforce_sorted=False)
    out_packed, state = layer(packed)
    assert isinstance(out_packed, PackedSequence)
    output, out_lengths = pad_packed_sequence(out_packed, batch_first=batch_first)
    assert out_lengths.tolist() == lengths
    h_n = state[0] if isinstance(state, tuple) else state
    for b, (seq, n) in enumerate(zip(sequences, lengths)):
        alone, alone_state = layer(seq)
        row = output[b] if batch_first else output[:, b]
        np.testing.assert_allclose(numpy_of(row[:n]), numpy_of(alone), atol=1e-12)
        assert not row[n:].any()
        alone_h = alone_state[0] if isinstance(alone_state, tuple) else alone_state
        np.testing.assert_allclose(numpy_of(h_n[:, b]), numpy_of(alone_h), atol=1e-12)


def test_packed_input_with_initial_state_follows_the_original_batch_order():
    gru = nn.GRU(2, 3).double()
    lengths = [2, 4, 3]
    sequences = [leaf(n, 2) for n in lengths]
    h0 = leaf(1, 3, 3)
    _, h_n = gru(pack_sequence(sequences, enforce_sorted=False), h0)
    for b, seq in enumerate(sequences):
        _, alone = gru(seq, h0[:, b])
        np.testing.assert_allclose(numpy_of(h_n[:, b]), numpy_of(alone), atol=1e-12)


def test_gradients_through_packing_match_padded_runs_of_equal_length():
    lstm = nn.LSTM(2, 3).double()
    x = leaf(4, 3, 2)
    packed_out, _ = lstm(pack_padded_sequence(x, [4, 4, 4]))
    padded_out, _ = lstm(x)
    (gp,) = ember.autograd.grad(pad_packed_sequence(packed_out)[0].sum(), x)
    (gx,) = ember.autograd.grad(padded_out.sum(), x)
    np.testing.assert_allclose(numpy_of(gp), numpy_of(gx), atol=1e-12)


# --- nn.utils.rnn ----------------------------------------------------------------------------


def test_pad_sequence_sides_and_layouts():
    a, b = ember.tensor([1.0, 2.0, 3.0]), ember.tensor([4.0])
    assert pad_sequence([a, b]).tolist() == [[1.0, 4.0], [2.0, 0.0], [3.0, 0.0]]
    assert pad_sequence([a, b], batch_first=True, padding_value=-1).tolist() == [[1, 2, 3], [4, -1, -1]]
    assert pad_sequence([a, b], batch_first=True, padding_side="left").tolist() == [[1, 2, 3], [0, 0, 4]]
    with pytest.raises(ValueError, match="padding_side"):
        pad_sequence([a, b], padding_side="middle")


def test_pack_padded_sequence_layout_and_round_trip():
    x = ember.tensor([[1.0, 4.0, 6.0], [2.0, 5.0, 0.0], [3.0, 0.0, 0.0]])  # (T, B), lengths 3, 2, 1
    packed = pack_padded_sequence(x, ember.tensor([3, 2, 1]))
    assert packed.data.tolist() == [1.0, 4.0, 6.0, 2.0, 5.0, 3.0]
    assert packed.batch_sizes.tolist() == [3, 2, 1] and packed.batch_sizes.dtype == ember.int64
    assert packed.sorted_indices is None and packed.unsorted_indices is None
    padded, lengths = pad_packed_sequence(packed, batch_first=True, total_length=4, padding_value=9.0)
    assert padded.tolist() == [[1, 2, 3, 9], [4, 5, 9, 9], [6, 9, 9, 9]]
    assert lengths.tolist() == [3, 2, 1]


def test_unsorted_packing_round_trips_and_records_the_permutation():
    sequences = [ember.arange(2.0), ember.arange(5.0), ember.arange(3.0)]
    packed = pack_sequence(sequences, enforce_sorted=False)
    assert packed.sorted_indices.tolist() == [1, 2, 0]
    assert packed.unsorted_indices.tolist() == [2, 0, 1]
    assert [s.tolist() for s in unpack_sequence(packed)] == [s.tolist() for s in sequences]
    padded = pad_sequence(sequences)
    assert [s.tolist() for s in unpad_sequence(padded, ember.tensor([2, 5, 3]))] == [s.tolist() for s in sequences]


def test_packing_errors():
    with pytest.raises(RuntimeError, match="sorted in decreasing order"):
        pack_padded_sequence(ember.zeros(3, 2), [1, 3])
    with pytest.raises(RuntimeError, match="greater than 0"):
        pack_padded_sequence(ember.zeros(3, 2), [3, 0])
    with pytest.raises(RuntimeError, match="batch size"):
        pack_padded_sequence(ember.zeros(3, 2), [3, 2, 1])
    with pytest.raises(ValueError, match="total_length"):
        pad_packed_sequence(pack_sequence([ember.zeros(3)]), total_length=2)


def test_packed_sequence_conversions():
    packed = pack_sequence([ember.ones(2, 3), ember.ones(1, 3)])
    assert packed.double().data.dtype == ember.float64
    assert packed.to(ember.float64).batch_sizes is packed.batch_sizes
    assert not packed.is_cuda
    data, batch_sizes, *_ = packed
    assert PackedSequence(data, batch_sizes).batch_sizes.tolist() == [2, 1]


def test_pack_and_pad_gradients():
    x = leaf(3, 2, 2)
    assert gradcheck(lambda x: pack_padded_sequence(x, [3, 1]).data, (x,))
    assert gradcheck(lambda x: pad_packed_sequence(pack_padded_sequence(x, [3, 2]), batch_first=True)[0], (x,))
    a, b = leaf(3, 2), leaf(1, 2)
    assert gradgradcheck(lambda a, b: pad_sequence([a, b], padding_side="left"), (a, b))


# --- gradients ---------------------------------------------------------------------------------


def check_gradients(module, *inputs):
    module.double()
    params = tuple(module.parameters())

    def function(*args):
        out = module(*args[: len(inputs)])
        return out if not isinstance(out, tuple) else tuple(_flatten(out))

    assert gradcheck(function, inputs + params)
    assert gradgradcheck(function, inputs + params)


def _flatten(items):
    for item in items:
        if isinstance(item, tuple):
            yield from _flatten(item)
        else:
            yield item


@pytest.mark.parametrize(
    "make",
    [
        lambda: (nn.RNNCell(2, 3), leaf(2, 2), leaf(2, 3)),
        lambda: (nn.RNNCell(2, 3, nonlinearity="relu"), leaf(2, 2), leaf(2, 3)),
        lambda: (nn.GRUCell(2, 3), leaf(2, 2), leaf(2, 3)),
        lambda: (nn.GRUCell(2, 2, bias=False), leaf(2), leaf(2)),
    ],
    ids=["RNNCell", "RNNCell-relu", "GRUCell", "GRUCell-unbatched-nobias"],
)
def test_cell_gradients(make):
    cell, *inputs = make()
    check_gradients(cell, *inputs)


def test_lstm_cell_gradients():
    cell = nn.LSTMCell(2, 2).double()
    x, h, c = leaf(2, 2), leaf(2, 2), leaf(2, 2)
    params = tuple(cell.parameters())
    assert gradcheck(lambda x, h, c, *p: cell(x, (h, c)), (x, h, c) + params)
    assert gradgradcheck(lambda x, h, c, *p: cell(x, (h, c)), (x, h, c) + params)


def test_two_layer_bidirectional_lstm_gradients():
    lstm = nn.LSTM(2, 2, num_layers=2, bidirectional=True).double()
    x, h0, c0 = leaf(3, 1, 2), leaf(4, 1, 2), leaf(4, 1, 2)
    params = tuple(lstm.parameters())
    function = lambda x, h0, c0, *p: tuple(_flatten(lstm(x, (h0, c0))))  # noqa: E731
    assert gradcheck(function, (x, h0, c0) + params)
    # second order: every parameter would take ~15 s; the inputs and the last layer's reverse weights suffice
    assert gradgradcheck(function, (x, h0, c0, lstm.weight_hh_l1_reverse, lstm.bias_ih_l1_reverse))


def test_packed_gru_gradients():
    gru = nn.GRU(2, 2, bidirectional=True).double()
    x = leaf(3, 2, 2)
    params = tuple(gru.parameters())

    def function(x, *p):
        out, h = gru(pack_padded_sequence(x, [1, 3], enforce_sorted=False))
        return out.data, h

    assert gradcheck(function, (x,) + params)
    assert gradgradcheck(function, (x,) + params)


# --- errors ------------------------------------------------------------------------------------


def test_constructor_errors():
    with pytest.raises(ValueError, match="only supported for LSTM"):
        nn.GRU(2, 3, proj_size=1)
    with pytest.raises(ValueError, match="smaller than hidden_size"):
        nn.LSTM(2, 3, proj_size=3)
    with pytest.raises(ValueError, match="Unknown nonlinearity"):
        nn.RNN(2, 3, nonlinearity="gelu")
    with pytest.raises(ValueError, match="dropout should be a number"):
        nn.LSTM(2, 3, 2, dropout=1.5)
    with pytest.raises(ValueError, match="hidden_size must be greater than zero"):
        nn.GRU(2, 0)
    with pytest.raises(TypeError, match="batch_first should be of type bool"):
        nn.GRU(2, 3, batch_first=1)


def test_forward_errors():
    lstm = nn.LSTM(3, 4)
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size. Expected 3, got 2"):
        lstm(ember.zeros(5, 2, 2))
    with pytest.raises(ValueError, match="Expected input to be 2D or 3D, got 4D"):
        lstm(ember.zeros(1, 5, 2, 3))
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(1, 2, 4\), got \[1, 3, 4\]"):
        lstm(ember.zeros(5, 2, 3), (ember.zeros(1, 3, 4), ember.zeros(1, 2, 4)))
    with pytest.raises(RuntimeError, match="hx and cx should also be 2-D"):
        lstm(ember.zeros(5, 3), (ember.zeros(1, 1, 4), ember.zeros(1, 1, 4)))
    with pytest.raises(ValueError, match="does not match weight dtype"):
        lstm(ember.zeros(5, 2, 3, dtype=ember.float64))
    with pytest.raises(RuntimeError, match="hx should also be 3-D"):
        nn.GRU(3, 4)(ember.zeros(5, 2, 3), ember.zeros(2, 4))
    with pytest.raises(RuntimeError, match="sequence length to be larger than 0"):
        lstm(ember.zeros(0, 2, 3))
    assert nn.GRU(3, 4)(ember.zeros(5, 0, 3))[1].shape == (1, 0, 4)  # an empty batch is fine
    with pytest.raises(ValueError, match="Expected input to be 1D or 2D"):
        nn.GRUCell(3, 4)(ember.zeros(1, 2, 3))
    with pytest.raises(RuntimeError, match="inconsistent input_size"):
        nn.GRUCell(3, 4)(ember.zeros(2, 2))
