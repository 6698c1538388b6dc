"""scaled_dot_product_attention, MultiheadAttention and the Transformer modules: values, masks, shapes, gradients."""

import math

import ember
import ember.nn.functional as F
import numpy as np
import pytest
from ember import nn
from ember.autograd import gradcheck, gradgradcheck

rng = np.random.default_rng(5)


def leaf(*shape, dtype=ember.float64):
    return ember.tensor(rng.standard_normal(shape), dtype=dtype, requires_grad=True)


def numpy_attention(q, k, v, keep=None, scale=None):
    """softmax(q k^T * scale) v with NumPy, keys where keep is False excluded."""
    scores = q @ np.swapaxes(k, -1, -2) * (1 / math.sqrt(q.shape[-1]) if scale is None else scale)
    if keep is not None:
        scores = np.where(keep, scores, -np.inf)
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    return (weights / weights.sum(-1, keepdims=True)) @ v


# --- scaled_dot_product_attention ---------------------------------------------------------------------


def test_sdpa_matches_numpy():
    q, k, v = leaf(2, 3, 4, 5), leaf(2, 3, 6, 5), leaf(2, 3, 6, 7)
    out = F.scaled_dot_product_attention(q, k, v)
    assert tuple(out.shape) == (2, 3, 4, 7)
    np.testing.assert_allclose(out.detach().numpy(), numpy_attention(*(t.detach().numpy() for t in (q, k, v))))


def test_sdpa_bool_and_float_masks_and_scale():
    q, k, v = leaf(3, 4), leaf(5, 4), leaf(5, 2)
    keep = rng.random((3, 5)) > 0.4
    keep[:, 0] = True
    arrays = [t.detach().numpy() for t in (q, k, v)]
    expected = numpy_attention(*arrays, keep=keep, scale=0.3)
    by_bool = F.scaled_dot_product_attention(q, k, v, attn_mask=ember.tensor(keep), scale=0.3)
    additive = ember.tensor(np.where(keep, 0.0, -np.inf))
    by_float = F.scaled_dot_product_attention(q, k, v, attn_mask=additive, scale=0.3)
    np.testing.assert_allclose(by_bool.detach().numpy(), expected)
    np.testing.assert_allclose(by_float.detach().numpy(), expected)


@pytest.mark.parametrize("target, source", [(4, 4), (3, 5), (5, 3)])
def test_sdpa_causal_equals_explicit_lower_triangular_mask(target, source):
    q, k, v = leaf(2, target, 3), leaf(2, source, 3), leaf(2, source, 3)
    causal = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    explicit = F.scaled_dot_product_attention(q, k, v, attn_mask=ember.ones(target, source, dtype=ember.bool).tril())
    np.testing.assert_array_equal(causal.detach().numpy(), explicit.detach().numpy())


def test_sdpa_fully_masked_row_gives_zeros_and_zero_gradient():
    q, k, v = leaf(2, 3), leaf(4, 3), leaf(4, 3)
    keep = ember.tensor([[True, False, True, False], [False, False, False, False]])
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)
    np.testing.assert_array_equal(out[1].detach().numpy(), 0)
    out.sum().backward()
    assert np.isfinite(q.grad.numpy()).all()
    np.testing.assert_array_equal(q.grad[1].numpy(), 0)


def test_sdpa_grouped_query_attention_repeats_key_heads():
    q, k, v = leaf(1, 4, 2, 3), leaf(1, 2, 5, 3), leaf(1, 2, 5, 3)
    grouped = F.scaled_dot_product_attention(q, k, v, enable_gqa=True)
    repeated = F.scaled_dot_product_attention(q, k.repeat_interleave(2, 1), v.repeat_interleave(2, 1))
    np.testing.assert_allclose(grouped.detach().numpy(), repeated.detach().numpy())


def test_sdpa_dropout_uses_embers_generator():
    q, k, v = leaf(4, 6), leaf(6, 6), leaf(6, 6)
    ember.manual_seed(3)
    first = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    ember.manual_seed(3)
    second = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    np.testing.assert_array_equal(first.detach().numpy(), second.detach().numpy())
    assert not np.allclose(first.detach().numpy(), F.scaled_dot_product_attention(q, k, v).detach().numpy())
    np.testing.assert_array_equal(F.scaled_dot_product_attention(q, k, v, dropout_p=1.0).detach().numpy(), 0)


def test_sdpa_errors():
    q = leaf(2, 3)
    with pytest.raises(RuntimeError, match="attn_mask should not be set when is_causal"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=ember.ones(2, 2, dtype=ember.bool), is_causal=True)
    with pytest.raises(RuntimeError, match="same dtype"):
        F.scaled_dot_product_attention(q, q.float(), q)
    with pytest.raises(RuntimeError, match="attn_mask dtype"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=ember.ones(2, 2, dtype=ember.int64))
    with pytest.raises(RuntimeError, match="at least 2 dimensional"):
        F.scaled_dot_product_attention(q[0], q[0], q[0])
    with pytest.raises(RuntimeError, match="must divide the number of heads"):
        F.scaled_dot_product_attention(leaf(3, 2, 2), leaf(2, 2, 2), leaf(2, 2, 2), enable_gqa=True)


def test_sdpa_float32_mask_keeps_the_query_dtype():
    q = leaf(2, 3)
    out = F.scaled_dot_product_attention(q, q, q, attn_mask=ember.zeros(2, 2, dtype=ember.float32))
    assert out.dtype == ember.float64


SDPA_GRADCHECKS = {
    "plain": lambda: ((leaf(2, 3, 2), leaf(2, 4, 2), leaf(2, 4, 3)), {}),
    "causal": lambda: ((leaf(3, 2), leaf(3, 2), leaf(3, 2)), {"is_causal": True}),
    "bool-mask-masked-row": lambda: (
        (leaf(2, 2), leaf(3, 2), leaf(3, 2)),
        {"attn_mask": ember.tensor([[True, False, True], [False, False, False]])},
    ),
    "float-mask-scale": lambda: ((leaf(2, 2), leaf(3, 2), leaf(3, 2)), {"attn_mask": leaf(2, 3), "scale": 0.5}),
    "gqa": lambda: ((leaf(2, 2, 2), leaf(1, 3, 2), leaf(1, 3, 2)), {"enable_gqa": True}),
}


@pytest.mark.parametrize("name", SDPA_GRADCHECKS)
def test_sdpa_gradients(name):
    inputs, options = SDPA_GRADCHECKS[name]()
    mask = options.get("attn_mask")
    extra = (mask,) if mask is not None and mask.requires_grad else ()

    def attention(q, k, v, *maybe_mask):
        return F.scaled_dot_product_attention(q, k, v, **{**options, **dict(zip(["attn_mask"], maybe_mask))})

    assert gradcheck(attention, inputs + extra)
    assert gradgradcheck(attention, inputs + extra)


# --- MultiheadAttention ---------------------------------------------------------------------------------


def test_multihead_attention_parameters_and_init():
    packed = nn.MultiheadAttention(8, 2)
    assert list(packed.state_dict()) == ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
    assert tuple(packed.in_proj_weight.shape) == (24, 8)
    bound = math.sqrt(6 / (24 + 8))
    assert np.abs(packed.in_proj_weight.detach().numpy()).max() <= bound
    np.testing.assert_array_equal(packed.in_proj_bias.detach().numpy(), 0)
    np.testing.assert_array_equal(packed.out_proj.bias.detach().numpy(), 0)
    separate = nn.MultiheadAttention(8, 2, bias=False, add_bias_kv=True, kdim=3, vdim=5)
    assert list(separate.state_dict()) == [
        "q_proj_weight",
        "k_proj_weight",
        "v_proj_weight",
        "bias_k",
        "bias_v",
        "out_proj.weight",
    ]
    assert tuple(separate.k_proj_weight.shape) == (8, 3) and tuple(separate.v_proj_weight.shape) == (8, 5)
    assert separate.in_proj_weight is None and separate.in_proj_bias is None and separate.out_proj.bias is None
    assert tuple(separate.bias_k.shape) == (1, 1, 8)


def test_multihead_attention_constructor_errors():
    with pytest.raises(AssertionError, match="divisible by num_heads"):
        nn.MultiheadAttention(6, 4)
    with pytest.raises(ValueError, match="greater than 0"):
        nn.MultiheadAttention(0, 1)


def numpy_multihead(module, query, key, value, keep=None):
    """Multi-head attention written out in NumPy for one (L, E) sequence."""
    w_q, w_k, w_v = np.split(module.in_proj_weight.detach().numpy(), 3)
    b_q, b_k, b_v = np.split(module.in_proj_bias.detach().numpy(), 3)
    heads, head_dim = module.num_heads, module.head_dim
    split = lambda x: x.reshape(x.shape[0], heads, head_dim).transpose(1, 0, 2)  # noqa: E731
    q, k, v = split(query @ w_q.T + b_q), split(key @ w_k.T + b_k), split(value @ w_v.T + b_v)
    merged = numpy_attention(q, k, v, keep).transpose(1, 0, 2).reshape(query.shape[0], -1)
    return merged @ module.out_proj.weight.detach().numpy().T + module.out_proj.bias.detach().numpy()


def test_multihead_attention_matches_numpy_with_key_padding():
    module = nn.MultiheadAttention(6, 3).double()
    nn.init.normal_(module.in_proj_bias)
    query, key = rng.standard_normal((4, 2, 6)), rng.standard_normal((5, 2, 6))
    padding = np.array([[False, False, True, False, True], [False] * 5])
    out, weights = module(
        ember.tensor(query), ember.tensor(key), ember.tensor(key), key_padding_mask=ember.tensor(padding)
    )
    assert tuple(out.shape) == (4, 2, 6) and tuple(weights.shape) == (2, 4, 5)
    for n in range(2):
        expected = numpy_multihead(module, query[:, n], key[:, n], key[:, n], keep=~padding[n])
        np.testing.assert_allclose(out[:, n].detach().numpy(), expected)
    np.testing.assert_array_equal(weights[0, :, [2, 4]].detach().numpy(), 0)
    np.testing.assert_allclose(weights.detach().numpy().sum(-1), 1)


def test_multihead_attention_layouts_agree():
    """batch_first, unbatched, need_weights and per-head weights all describe the same computation."""
    module = nn.MultiheadAttention(4, 2).double()
    x = leaf(3, 2, 4)
    out, weights = module(x, x, x)
    first = nn.MultiheadAttention(4, 2, batch_first=True).double()
    first.load_state_dict(module.state_dict())
    batch_first_out, first_weights = first(x.transpose(0, 1), x.transpose(0, 1), x.transpose(0, 1))
    np.testing.assert_allclose(batch_first_out.transpose(0, 1).detach().numpy(), out.detach().numpy())
    np.testing.assert_allclose(first_weights.detach().numpy(), weights.detach().numpy())
    single, single_weights = module(x[:, 1], x[:, 1], x[:, 1])
    np.testing.assert_allclose(single.detach().numpy(), out[:, 1].detach().numpy())
    np.testing.assert_allclose(single_weights.detach().numpy(), weights[1].detach().numpy())
    no_weights, none = module(x, x, x, need_weights=False)
    assert none is None
    np.testing.assert_allclose(no_weights.detach().numpy(), out.detach().numpy())
    _, per_head = module(x, x, x, average_attn_weights=False)
    assert tuple(per_head.shape) == (2, 2, 3, 3)
    np.testing.assert_allclose(per_head.mean(1).detach().numpy(), weights.detach().numpy())


def test_multihead_attention_causal_hint_equals_mask():
    module = nn.MultiheadAttention(4, 2).double()
    x = leaf(5, 2, 4)
    mask = nn.Transformer.generate_square_subsequent_mask(5, dtype=ember.float64)
    explicit, _ = module(x, x, x, attn_mask=mask)
    hinted, _ = module(x, x, x, attn_mask=mask, is_causal=True, need_weights=False)
    bool_mask, _ = module(x, x, x, attn_mask=ember.ones(5, 5, dtype=ember.bool).triu(1))
    np.testing.assert_allclose(hinted.detach().numpy(), explicit.detach().numpy())
    np.testing.assert_allclose(bool_mask.detach().numpy(), explicit.detach().numpy())
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        module(x, x, x, is_causal=True)


def test_multihead_attention_errors():
    module = nn.MultiheadAttention(4, 2)
    x = ember.randn(3, 2, 4)
    with pytest.raises(RuntimeError, match="shape of the 2D attn_mask"):
        module(x, x, x, attn_mask=ember.zeros(3, 4))
    with pytest.raises(AssertionError, match="only bool and floating types of key_padding_mask"):
        module(x, x, x, key_padding_mask=ember.zeros(2, 3, dtype=ember.int64))
    with pytest.raises(AssertionError, match="expecting key_padding_mask shape"):
        module(x, x, x, key_padding_mask=ember.zeros(2, 4, dtype=ember.bool))
    with pytest.raises(AssertionError, match="unbatched 2D or batched 3D"):
        module(ember.randn(4), ember.randn(4), ember.randn(4))


def test_multihead_attention_dropout_only_in_training():
    module = nn.MultiheadAttention(4, 2, dropout=0.5)
    x = ember.randn(3, 2, 4)
    ember.manual_seed(1)
    trained, _ = module(x, x, x)
    ember.manual_seed(1)
    again, _ = module(x, x, x)
    np.testing.assert_array_equal(trained.detach().numpy(), again.detach().numpy())
    module.eval()
    evaluated, _ = module(x, x, x)
    assert not np.allclose(trained.detach().numpy(), evaluated.detach().numpy())


MHA_GRADCHECKS = {
    "self": lambda: (nn.MultiheadAttention(4, 2), (leaf(3, 2, 4),) * 3, {}),
    "cross-kdim-bias-kv-zero-attn": lambda: (
        nn.MultiheadAttention(4, 2, kdim=3, vdim=2, add_bias_kv=True, add_zero_attn=True),
        (leaf(2, 1, 4), leaf(3, 1, 3), leaf(3, 1, 2)),
        {"key_padding_mask": ember.tensor([[False, True, False]])},
    ),
    "no-weights-float-mask": lambda: (
        nn.MultiheadAttention(4, 2, bias=False, batch_first=True),
        (leaf(1, 2, 4), leaf(1, 3, 4), leaf(1, 3, 4)),
        {"attn_mask": ember.tensor(rng.standard_normal((2, 3))), "need_weights": False},
    ),
}


@pytest.mark.parametrize("name", MHA_GRADCHECKS)
def test_multihead_attention_gradients(name):
    module, inputs, options = MHA_GRADCHECKS[name]()
    module.double()
    params = tuple(module.parameters())
    distinct = tuple(dict.fromkeys(inputs))

    def attention(*args):
        given = args[: len(distinct)]
        by_identity = dict(zip(map(id, distinct), given))
        return module(*(by_identity[id(x)] for x in inputs), **options)[0]

    assert gradcheck(attention, distinct + params)
    assert gradgradcheck(attention, distinct + params)


# --- Transformer ------------------------------------------------------------------------------------------


def test_generate_square_subsequent_mask():
    mask = nn.Transformer.generate_square_subsequent_mask(3)
    assert mask.dtype == ember.float32
    np.testing.assert_array_equal(mask.numpy(), [[0, -np.inf, -np.inf], [0, 0, -np.inf], [0, 0, 0]])


def test_transformer_state_dict_keys_and_init():
    model = nn.Transformer(8, 2, 1, 1, 16)
    keys = list(model.state_dict())
    for key in (
        "encoder.layers.0.self_attn.in_proj_weight",
        "encoder.layers.0.linear1.weight",
        "encoder.layers.0.norm1.weight",
        "encoder.norm.weight",
        "decoder.layers.0.multihead_attn.out_proj.bias",
        "decoder.layers.0.norm3.bias",
        "decoder.norm.bias",
    ):
        assert key in keys
    linear1 = model.encoder.layers[0].linear1.weight.detach().numpy()
    assert np.abs(linear1).max() <= math.sqrt(6 / (8 + 16))


def test_transformer_encoder_layer_options():
    assert nn.TransformerEncoderLayer(4, 2, activation="gelu").activation is F.gelu
    assert nn.TransformerEncoderLayer(4, 2).activation_relu_or_gelu == 1
    custom = nn.TransformerEncoderLayer(4, 2, activation=nn.GELU())
    assert custom.activation_relu_or_gelu == 2 and "activation" in dict(custom.named_children())
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(4, 2, activation="tanh")
    without_bias = nn.TransformerEncoderLayer(4, 2, bias=False)
    assert without_bias.linear1.bias is None and without_bias.norm1.bias is None


def test_transformer_encoder_causal_detection_and_padding():
    layer = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0).double()
    encoder = nn.TransformerEncoder(layer, 2)
    x = leaf(5, 2, 4)
    mask = nn.Transformer.generate_square_subsequent_mask(5, dtype=ember.float64)
    detected = encoder(x, mask=mask)
    explicit = encoder(x, mask=mask, is_causal=False)
    np.testing.assert_allclose(detected.detach().numpy(), explicit.detach().numpy())
    padding = ember.tensor([[False, False, False, True, True], [False] * 5])
    padded = encoder(x, src_key_padding_mask=padding)
    trimmed = encoder(x[:3, :1])
    np.testing.assert_allclose(padded[:3, :1].detach().numpy(), trimmed.detach().numpy())


def test_transformer_decoder_ignores_future_targets():
    model = nn.Transformer(4, 2, 1, 1, 8, dropout=0.0).double()
    src, tgt = leaf(3, 1, 4), leaf(4, 1, 4)
    mask = nn.Transformer.generate_square_subsequent_mask(4, dtype=ember.float64)
    full = model(src, tgt, tgt_mask=mask)
    prefix = model(src, tgt[:2], tgt_mask=mask[:2, :2])
    np.testing.assert_allclose(full[:2].detach().numpy(), prefix.detach().numpy())
    assert tuple(full.shape) == (4, 1, 4)
    with pytest.raises(RuntimeError, match="feature number of src and tgt"):
        model(leaf(3, 1, 5), tgt)
    with pytest.raises(RuntimeError, match="batch number of src and tgt"):
        model(leaf(3, 2, 4), tgt)


def test_transformer_layer_gradients():
    layer = nn.TransformerDecoderLayer(4, 2, 6, dropout=0.0, norm_first=True, activation="gelu").double()
    tgt, memory = leaf(2, 1, 4), leaf(3, 1, 4)
    mask = nn.Transformer.generate_square_subsequent_mask(2, dtype=ember.float64)
    params = tuple(layer.parameters())
    function = lambda t, m, *_: layer(t, m, tgt_mask=mask)  # noqa: E731
    assert gradcheck(function, (tgt, memory) + params)
