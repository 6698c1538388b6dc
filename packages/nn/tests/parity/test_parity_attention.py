"""Attention and Transformer layers against PyTorch: outputs, attention weights, input and parameter gradients.

Each ember module loads the torch module's state_dict (so the state_dict keys and layouts must match) and
both run in eval mode (dropout off) on the same float32 inputs.
"""

import ember
import ember.nn.functional as F
import numpy as np
import pytest
from ember import nn as enn

torch = pytest.importorskip("torch")
tnn = torch.nn
TF = torch.nn.functional

TOL = 1e-5
rng = np.random.default_rng(7)


def array(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def pair(data, requires_grad=True):
    """The same values as a torch tensor and an ember tensor (float data become leaves requiring grad)."""
    is_float = data.dtype.kind == "f"
    return (
        torch.tensor(data, requires_grad=requires_grad and is_float),
        ember.tensor(data, requires_grad=requires_grad and is_float),
    )


def assert_close(ember_tensor, torch_tensor, tol=TOL):
    assert ember_tensor is not None and torch_tensor is not None
    np.testing.assert_allclose(ember_tensor.detach().numpy(), torch_tensor.detach().numpy(), rtol=tol, atol=tol)


def load_from_torch(ember_module, torch_module):
    state = {k: ember.tensor(v.detach().numpy().copy()) for k, v in torch_module.state_dict().items()}
    assert list(state) == list(ember_module.state_dict())
    ember_module.load_state_dict(state)
    return ember_module.eval()


def backward_both(ember_out, torch_out):
    """Backpropagate the same random projection of the output through both graphs."""
    weights = array(*torch_out.shape)
    (torch_out * torch.tensor(weights)).sum().backward()
    (ember_out * ember.tensor(weights)).sum().backward()


def assert_same_grads(ember_module, torch_module, ember_inputs=(), torch_inputs=()):
    for (name, e), (_, t) in zip(ember_module.named_parameters(), torch_module.named_parameters()):
        assert e.grad is not None, name
        assert_close(e.grad, t.grad)
    for e, t in zip(ember_inputs, torch_inputs):
        if t.requires_grad:
            assert_close(e.grad, t.grad)


# --- scaled_dot_product_attention ---------------------------------------------------------------------


def causal_bool(target, source):
    return np.tril(np.ones((target, source), dtype=bool))


SDPA_CASES = {
    "plain": ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), {}),
    "bool-mask": ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), {"attn_mask": rng.random((4, 6)) > 0.3}),
    "float-mask": ((2, 4, 5), (2, 6, 5), (2, 6, 3), {"attn_mask": array(2, 4, 6)}),
    "causal-square": ((2, 2, 5, 4), (2, 2, 5, 4), (2, 2, 5, 4), {"is_causal": True}),
    "causal-rect": ((1, 4, 3), (1, 6, 3), (1, 6, 2), {"is_causal": True}),
    "scale": ((3, 4, 5), (3, 4, 5), (3, 4, 5), {"scale": 0.7}),
    "gqa": ((2, 4, 3, 5), (2, 2, 6, 5), (2, 2, 6, 5), {"enable_gqa": True}),
    "fully-masked-row": (
        (1, 3, 4),
        (1, 5, 4),
        (1, 5, 4),
        {"attn_mask": np.array([[1, 1, 0, 0, 0]] * 2 + [[0] * 5], bool)},
    ),
}


@pytest.mark.parametrize("name", SDPA_CASES)
def test_scaled_dot_product_attention(name):
    q_shape, k_shape, v_shape, options = SDPA_CASES[name]
    (tq, eq), (tk, ek), (tv, ev) = pair(array(*q_shape)), pair(array(*k_shape)), pair(array(*v_shape))
    torch_options = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in options.items()}
    ember_options = {k: ember.tensor(v) if isinstance(v, np.ndarray) else v for k, v in options.items()}
    torch_out = TF.scaled_dot_product_attention(tq, tk, tv, **torch_options)
    ember_out = F.scaled_dot_product_attention(eq, ek, ev, **ember_options)
    assert_close(ember_out, torch_out)
    backward_both(ember_out, torch_out)
    for e, t in ((eq, tq), (ek, tk), (ev, tv)):
        assert_close(e.grad, t.grad)


# --- MultiheadAttention ------------------------------------------------------------------------------

MHA_CONFIGS = {
    "default": ((8, 2), {}),
    "bias-false": ((8, 4), {"bias": False}),
    "bias-kv-zero-attn": ((6, 3), {"add_bias_kv": True, "add_zero_attn": True}),
    "kdim-vdim": ((8, 2), {"kdim": 5, "vdim": 3}),
    "batch-first": ((8, 2), {"batch_first": True}),
    "kdim-batch-first-bias-kv": ((6, 2), {"kdim": 4, "vdim": 7, "batch_first": True, "add_bias_kv": True}),
}

L, S, N = 4, 5, 3


def mha_inputs(module, self_attention):
    """query, key, value arrays for the module's layout; self-attention passes the same tensor three times."""
    if module.batch_first:
        shape = lambda length, dim: (N, length, dim)  # noqa: E731
    else:
        shape = lambda length, dim: (length, N, dim)  # noqa: E731
    if self_attention:
        return (array(*shape(L, module.embed_dim)),)
    return array(*shape(L, module.embed_dim)), array(*shape(S, module.kdim)), array(*shape(S, module.vdim))


CALLS = {
    "weights": (False, {}),
    "no-weights": (False, {"need_weights": False}),
    "per-head-weights": (False, {"average_attn_weights": False}),
    "bool-key-padding": (False, {"key_padding_mask": np.array([[0, 0, 1, 0, 1], [0] * 5, [1, 0, 0, 0, 0]], bool)}),
    "float-attn-mask-no-weights": (False, {"attn_mask": array(L, S), "need_weights": False}),
    "bool-attn-mask-and-padding": (
        False,
        {
            "attn_mask": np.triu(np.ones((L, S), bool), 2),
            "key_padding_mask": np.array([[0, 0, 0, 0, 1], [0] * 5, [0, 0, 0, 1, 1]], bool),
        },
    ),
    "self-attention": (True, {}),
    "self-causal-no-weights": (True, {"attn_mask": ~causal_bool(L, L), "is_causal": True, "need_weights": False}),
    "self-causal-weights": (True, {"attn_mask": ~causal_bool(L, L), "is_causal": True}),
}


@pytest.mark.parametrize("config", MHA_CONFIGS)
@pytest.mark.parametrize("call", CALLS)
def test_multihead_attention(config, call):
    (embed_dim, heads), options = MHA_CONFIGS[config]
    self_attention, call_options = CALLS[call]
    if self_attention and options.get("kdim"):
        pytest.skip("self-attention needs kdim == vdim == embed_dim")
    torch.manual_seed(0)
    torch_module = tnn.MultiheadAttention(embed_dim, heads, **options).eval()
    ember_module = load_from_torch(enn.MultiheadAttention(embed_dim, heads, **options), torch_module)
    arrays = mha_inputs(ember_module, self_attention)
    pairs = [pair(a) for a in arrays] * (3 if self_attention else 1)
    torch_inputs, ember_inputs = [p[0] for p in pairs], [p[1] for p in pairs]
    torch_options = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in call_options.items()}
    ember_options = {k: ember.tensor(v) if isinstance(v, np.ndarray) else v for k, v in call_options.items()}
    torch_out, torch_weights = torch_module(*torch_inputs, **torch_options)
    ember_out, ember_weights = ember_module(*ember_inputs, **ember_options)
    assert_close(ember_out, torch_out)
    if torch_weights is None:
        assert ember_weights is None
    else:
        assert_close(ember_weights, torch_weights)
    backward_both(ember_out, torch_out)
    assert_same_grads(ember_module, torch_module, ember_inputs[: len(arrays)], torch_inputs[: len(arrays)])


@pytest.mark.parametrize("need_weights", [True, False])
def test_multihead_attention_3d_mask_and_unbatched(need_weights):
    torch_module = tnn.MultiheadAttention(6, 3).eval()
    ember_module = load_from_torch(enn.MultiheadAttention(6, 3), torch_module)
    (tq, eq), (tk, ek) = pair(array(L, 6)), pair(array(S, 6))
    mask = array(3, L, S)
    torch_out, torch_weights = torch_module(tq, tk, tk, attn_mask=torch.tensor(mask), need_weights=need_weights)
    ember_out, ember_weights = ember_module(eq, ek, ek, attn_mask=ember.tensor(mask), need_weights=need_weights)
    assert tuple(ember_out.shape) == (L, 6)
    assert_close(ember_out, torch_out)
    if need_weights:
        assert_close(ember_weights, torch_weights)
    backward_both(ember_out, torch_out)
    assert_same_grads(ember_module, torch_module, (eq, ek), (tq, tk))


def test_multihead_attention_batched_3d_mask():
    torch_module = tnn.MultiheadAttention(4, 2).eval()
    ember_module = load_from_torch(enn.MultiheadAttention(4, 2), torch_module)
    (tq, eq), (tk, ek) = pair(array(L, N, 4)), pair(array(S, N, 4))
    mask = rng.random((N * 2, L, S)) > 0.6
    mask[:, :, 0] = False
    for need_weights in (True, False):
        torch_out, _ = torch_module(tq, tk, tk, attn_mask=torch.tensor(mask), need_weights=need_weights)
        ember_out, _ = ember_module(eq, ek, ek, attn_mask=ember.tensor(mask), need_weights=need_weights)
        assert_close(ember_out, torch_out)


# --- Transformer layers ---------------------------------------------------------------------------------

D_MODEL, HEADS, FEEDFORWARD = 8, 2, 16

LAYER_OPTIONS = {
    "post-norm-relu": {},
    "pre-norm-gelu": {"norm_first": True, "activation": "gelu"},
    "post-norm-gelu-batch-first": {"activation": "gelu", "batch_first": True},
    "pre-norm-relu-nobias": {"norm_first": True, "bias": False, "layer_norm_eps": 1e-3},
}


def sequence(length, batch_first, batch=N):
    return array(batch, length, D_MODEL) if batch_first else array(length, batch, D_MODEL)


def square_causal(size):
    return np.triu(np.full((size, size), -np.inf, np.float32), 1)


ENCODER_MASKS = {
    "none": {},
    "causal-mask": {"src_mask": square_causal(L)},
    "causal-hint": {"src_mask": square_causal(L), "is_causal": True},
    "padding": {"src_key_padding_mask": np.array([[0, 0, 0, 1], [0] * 4, [0, 1, 1, 1]], bool)},
}


@pytest.mark.parametrize("options", LAYER_OPTIONS)
@pytest.mark.parametrize("masks", ENCODER_MASKS)
def test_transformer_encoder_layer(options, masks):
    layer_options = LAYER_OPTIONS[options]
    torch_layer = tnn.TransformerEncoderLayer(D_MODEL, HEADS, FEEDFORWARD, **layer_options).eval()
    ember_layer = load_from_torch(
        enn.TransformerEncoderLayer(D_MODEL, HEADS, FEEDFORWARD, **layer_options), torch_layer
    )
    tx, ex = pair(sequence(L, layer_options.get("batch_first", False)))
    call = ENCODER_MASKS[masks]
    torch_out = torch_layer(tx, **{k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in call.items()})
    ember_out = ember_layer(ex, **{k: ember.tensor(v) if isinstance(v, np.ndarray) else v for k, v in call.items()})
    assert_close(ember_out, torch_out)
    backward_both(ember_out, torch_out)
    assert_same_grads(ember_layer, torch_layer, (ex,), (tx,))


DECODER_MASKS = {
    "none": {},
    "causal": {"tgt_mask": square_causal(L), "tgt_is_causal": True},
    "all-masks": {
        "tgt_mask": square_causal(L),
        "memory_mask": np.triu(np.ones((L, S), bool), 3),
        "tgt_key_padding_mask": np.array([[0, 0, 0, 1], [0] * 4, [0, 0, 1, 1]], bool),
        "memory_key_padding_mask": np.array([[0, 0, 0, 1, 1], [0] * 5, [0, 0, 0, 0, 1]], bool),
    },
}


@pytest.mark.parametrize("options", LAYER_OPTIONS)
@pytest.mark.parametrize("masks", DECODER_MASKS)
def test_transformer_decoder_layer(options, masks):
    layer_options = LAYER_OPTIONS[options]
    batch_first = layer_options.get("batch_first", False)
    torch_layer = tnn.TransformerDecoderLayer(D_MODEL, HEADS, FEEDFORWARD, **layer_options).eval()
    ember_layer = load_from_torch(
        enn.TransformerDecoderLayer(D_MODEL, HEADS, FEEDFORWARD, **layer_options), torch_layer
    )
    (tt, et), (tm, em) = pair(sequence(L, batch_first)), pair(sequence(S, batch_first))
    call = DECODER_MASKS[masks]
    torch_out = torch_layer(tt, tm, **{k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in call.items()})
    ember_out = ember_layer(et, em, **{k: ember.tensor(v) if isinstance(v, np.ndarray) else v for k, v in call.items()})
    assert_close(ember_out, torch_out)
    backward_both(ember_out, torch_out)
    assert_same_grads(ember_layer, torch_layer, (et, em), (tt, tm))


def test_transformer_encoder_and_decoder_stacks():
    torch_encoder = tnn.TransformerEncoder(
        tnn.TransformerEncoderLayer(D_MODEL, HEADS, FEEDFORWARD), 2, tnn.LayerNorm(D_MODEL), enable_nested_tensor=False
    ).eval()
    ember_encoder = load_from_torch(
        enn.TransformerEncoder(enn.TransformerEncoderLayer(D_MODEL, HEADS, FEEDFORWARD), 2, enn.LayerNorm(D_MODEL)),
        torch_encoder,
    )
    torch_decoder = tnn.TransformerDecoder(tnn.TransformerDecoderLayer(D_MODEL, HEADS, FEEDFORWARD), 2).eval()
    ember_decoder = load_from_torch(
        enn.TransformerDecoder(enn.TransformerDecoderLayer(D_MODEL, HEADS, FEEDFORWARD), 2), torch_decoder
    )
    (ts, es), (tt, et) = pair(sequence(S, False)), pair(sequence(L, False))
    torch_memory = torch_encoder(ts, mask=torch.tensor(square_causal(S)))
    ember_memory = ember_encoder(es, mask=ember.tensor(square_causal(S)))
    assert_close(ember_memory, torch_memory)
    torch_out = torch_decoder(tt, torch_memory, tgt_mask=torch.tensor(square_causal(L)))
    ember_out = ember_decoder(et, ember_memory, tgt_mask=ember.tensor(square_causal(L)))
    assert_close(ember_out, torch_out)
    backward_both(ember_out, torch_out)
    assert_same_grads(ember_encoder, torch_encoder, (es, et), (ts, tt))
    assert_same_grads(ember_decoder, torch_decoder)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer(batch_first, norm_first):
    options = {"batch_first": batch_first, "norm_first": norm_first}
    torch_model = tnn.Transformer(D_MODEL, HEADS, 2, 2, FEEDFORWARD, **options).eval()
    ember_model = load_from_torch(enn.Transformer(D_MODEL, HEADS, 2, 2, FEEDFORWARD, **options), torch_model)
    (ts, es), (tt, et) = pair(sequence(S, batch_first)), pair(sequence(L, batch_first))
    padding = np.array([[0, 0, 0, 1, 1], [0] * 5, [0, 0, 0, 0, 1]], bool)
    torch_out, ember_out = (
        model(
            src,
            tgt,
            tgt_mask=lib.nn.Transformer.generate_square_subsequent_mask(L),
            src_key_padding_mask=lib.tensor(padding),
            memory_key_padding_mask=lib.tensor(padding),
        )
        for model, lib, src, tgt in ((torch_model, torch, ts, tt), (ember_model, ember, es, et))
    )
    assert_close(ember_out, torch_out)
    backward_both(ember_out, torch_out)
    assert_same_grads(ember_model, torch_model, (es, et), (ts, tt))


def test_generate_square_subsequent_mask():
    expected = tnn.Transformer.generate_square_subsequent_mask(5)
    actual = enn.Transformer.generate_square_subsequent_mask(5)
    assert actual.dtype == ember.float32
    np.testing.assert_array_equal(actual.numpy(), expected.numpy())


def test_reprs_match():
    for torch_module, ember_module in (
        (tnn.MultiheadAttention(8, 2, kdim=3), enn.MultiheadAttention(8, 2, kdim=3)),
        (
            tnn.TransformerDecoderLayer(8, 2, 16, activation=tnn.GELU()),
            enn.TransformerDecoderLayer(8, 2, 16, activation=enn.GELU()),
        ),
        (tnn.Transformer(8, 2, 2, 1, 16), enn.Transformer(8, 2, 2, 1, 16)),
    ):
        assert repr(ember_module) == repr(torch_module)


def test_transformer_unbatched_and_state_dict_back_to_torch():
    ember_model = enn.Transformer(D_MODEL, HEADS, 1, 1, FEEDFORWARD, activation="gelu").eval()
    torch_model = tnn.Transformer(D_MODEL, HEADS, 1, 1, FEEDFORWARD, activation="gelu").eval()
    torch_model.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in ember_model.state_dict().items()})
    (ts, es), (tt, et) = pair(array(S, D_MODEL)), pair(array(L, D_MODEL))
    mask = np.triu(np.ones((L, L), bool), 1)
    torch_out = torch_model(ts, tt, tgt_mask=torch.tensor(mask), tgt_is_causal=True)
    ember_out = ember_model(es, et, tgt_mask=ember.tensor(mask), tgt_is_causal=True)
    assert tuple(ember_out.shape) == (L, D_MODEL)
    assert_close(ember_out, torch_out)
    backward_both(ember_out, torch_out)
    assert_same_grads(ember_model, torch_model, (es, et), (ts, tt))


def test_multi_head_attention_forward_static_keys():
    embed_dim, heads = 4, 2
    weights = {name: pair(array(*shape)) for name, shape in {"in_w": (12, 4), "in_b": (12,), "out_w": (4, 4)}.items()}
    (tq, eq), (tk, ek) = pair(array(L, N, embed_dim)), pair(array(N * heads, S, embed_dim // heads))
    results = []
    for index, (module, query, static) in enumerate(((TF, tq, tk), (F, eq, ek))):
        w = {name: tensors[index] for name, tensors in weights.items()}
        out, attention = module.multi_head_attention_forward(
            query, query, query, embed_dim, heads, w["in_w"], w["in_b"], None, None, False, 0.0, w["out_w"], None,
            training=False, static_k=static, static_v=static,
        )  # fmt: skip
        results.append((out, attention))
    (torch_out, torch_weights), (ember_out, ember_weights) = results
    assert_close(ember_out, torch_out)
    assert_close(ember_weights, torch_weights)
    backward_both(ember_out, torch_out)
    for name, (t, e) in weights.items():
        assert_close(e.grad, t.grad)
    assert_close(ek.grad, tk.grad)


def test_float64_modules():
    torch_module = tnn.TransformerEncoderLayer(D_MODEL, HEADS, FEEDFORWARD, dtype=torch.float64).eval()
    ember_module = enn.TransformerEncoderLayer(D_MODEL, HEADS, FEEDFORWARD, dtype=ember.float64)
    assert all(p.dtype == ember.float64 for p in ember_module.parameters())
    ember_module.load_state_dict({k: ember.tensor(v.numpy()) for k, v in torch_module.state_dict().items()})
    x = rng.standard_normal((L, N, D_MODEL))
    ember_out = ember_module.eval()(ember.tensor(x))
    assert ember_out.dtype == ember.float64
    assert_close(ember_out, torch_module(torch.tensor(x)), tol=1e-10)
