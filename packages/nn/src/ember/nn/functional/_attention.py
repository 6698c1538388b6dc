"""Scaled dot-product attention and the multi-head attention forward pass.

Both are compositions of differentiable ember ops (matmul, softmax, masked_fill, linear, dropout), so their
gradients, first and higher order, come from those ops' rules. The arithmetic follows PyTorch's reference
(math) path; PyTorch's fused kernels and nested-tensor fast path are not reproduced.
"""

from __future__ import annotations

import math
import warnings

from ... import _dtype as dt
from ..._creation import ones, zeros, zeros_like
from ..._tensor import Tensor
from ...ops.shape import cat
from ._activation import softmax
from ._linear import linear
from ._misc import dropout, pad

# --- masks -----------------------------------------------------------------------------------------


def canonical_mask(
    mask: Tensor | None,
    mask_name: str,
    other_type,
    other_name: str,
    target_type,
    check_other: bool = True,
    stacklevel: int = 3,
) -> Tensor | None:
    """A bool mask (True = masked out) as an additive float mask of target_type; a float mask unchanged."""
    if mask is None:
        return None
    if mask.dtype != dt.bool_ and not mask.is_floating_point():
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(
            f"Support for mismatched {mask_name} and {other_name} is deprecated. Use same type for both instead.",
            stacklevel=stacklevel,
        )
    if mask.dtype == dt.bool_:
        return zeros_like(mask, dtype=target_type).masked_fill_(mask, float("-inf"))
    return mask


def canonical_masks(
    key_padding_mask: Tensor | None, key_padding_name: str, attn_mask: Tensor | None, attn_name: str, target_type
) -> tuple[Tensor | None, Tensor | None]:
    """(key_padding_mask, attn_mask) as canonical_mask makes them; the padding mask's type is checked against attn_mask's."""
    attn_type = None if attn_mask is None else attn_mask.dtype
    key_padding_mask = canonical_mask(
        key_padding_mask, key_padding_name, attn_type, attn_name, target_type, stacklevel=4
    )
    attn_mask = canonical_mask(attn_mask, attn_name, None, "", target_type, check_other=False)
    return key_padding_mask, attn_mask


def _causal_keep(query: Tensor, target_len: int, source_len: int) -> Tensor:
    """True where query position i may attend to key position j (j <= i, top-left aligned)."""
    return ones((target_len, source_len), dtype=dt.bool_, device=query.device).tril()


def _additive_mask(query: Tensor, attn_mask: Tensor | None) -> Tensor | None:
    """scaled_dot_product_attention's mask as a float tensor added to the scores (bool True = take part)."""
    if attn_mask is None:
        return None
    if attn_mask.is_floating_point():
        return attn_mask.to(query.dtype)
    return zeros(attn_mask.shape, dtype=query.dtype, device=query.device).masked_fill_(
        attn_mask.logical_not(), float("-inf")
    )


def _softmax_zero_for_masked_rows(scores: Tensor) -> Tensor:
    """Softmax over the last dim; a row whose scores are all -inf gives zeros instead of NaN (and zero gradient)."""
    masked_rows = (scores == float("-inf")).all(-1, keepdim=True)
    weights = softmax(scores.masked_fill(masked_rows, 0.0), -1)
    return weights.masked_fill(masked_rows, 0.0)


# --- scaled dot-product attention ---------------------------------------------------------------------


def _check_sdpa(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None, is_causal: bool) -> None:
    if not (query.dtype == key.dtype == value.dtype):
        raise RuntimeError(
            "scaled_dot_product_attention: Expected query, key, and value to have the same dtype, but got "
            f"query.dtype: {query.dtype} key.dtype: {key.dtype} and value.dtype: {value.dtype} instead."
        )
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise RuntimeError(
            "scaled_dot_product_attention: Expected query, key, and value to all be at least 2 dimensional, but got "
            f"query.dim: {query.ndim} key.dim: {key.ndim} and value.dim: {value.ndim} instead."
        )
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise RuntimeError(
            "scaled_dot_product_attention: query and key need the same embedding size and key and value the same "
            f"sequence length, got query {list(query.shape)}, key {list(key.shape)}, value {list(value.shape)}."
        )
    if attn_mask is None:
        return
    if is_causal:
        raise RuntimeError(
            "_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True; "
            "pass one or the other."
        )
    if attn_mask.dtype not in (dt.bool_, dt.float32, query.dtype):
        raise RuntimeError(
            "scaled_dot_product_attention: Expected attn_mask dtype to be bool or float or to match query dtype, "
            f"but got attn_mask.dtype: {attn_mask.dtype} and query.dtype: {query.dtype} instead. "
            "Convert the mask with .to(query.dtype)."
        )


def _repeat_key_value_heads(query: Tensor, key: Tensor, value: Tensor) -> tuple[Tensor, Tensor]:
    """Grouped-query attention: each key/value head serves query.size(-3) // key.size(-3) query heads."""
    query_heads, key_heads, value_heads = query.shape[-3], key.shape[-3], value.shape[-3]
    if query_heads % key_heads or query_heads % value_heads:
        raise RuntimeError(
            "scaled_dot_product_attention: Number of heads in key and value must divide the number of heads in "
            f"query (enable_gqa=True), got {key_heads} key, {value_heads} value and {query_heads} query heads."
        )
    return (
        key.repeat_interleave(query_heads // key_heads, dim=-3),
        value.repeat_interleave(query_heads // value_heads, dim=-3),
    )


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """``softmax(query @ key.mT * scale + mask) @ value``, with optional causal masking and dropout on the weights.

    A bool attn_mask marks with True the keys that take part; a float mask is added to the scores. A row
    whose keys are all masked out yields zeros. ``dropout_p`` is applied whenever it is positive.
    """
    _check_sdpa(query, key, value, attn_mask, is_causal)
    if enable_gqa:
        key, value = _repeat_key_value_heads(query, key, value)
    if is_causal:
        attn_mask = _causal_keep(query, query.shape[-2], key.shape[-2])
    bias = _additive_mask(query, attn_mask)
    scale = 1 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = (query @ key.transpose(-2, -1)) * scale
    if bias is None:
        weights = softmax(scores, -1)
    else:
        weights = _softmax_zero_for_masked_rows(scores + bias)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p)
    return weights @ value


# --- multi-head attention ----------------------------------------------------------------------------


def _require(condition: bool, message: str) -> None:
    """PyTorch states these preconditions as assertions; ember raises the same AssertionError."""
    if not condition:
        raise AssertionError(message)


def _is_batched(
    query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Tensor | None, attn_mask: Tensor | None, heads: int
) -> bool:
    """True for (L, N, E) inputs, False for unbatched (L, E); checks that every input agrees."""
    batched = query.ndim == 3
    if not batched:
        _require(
            query.ndim == 2,
            f"query should be unbatched 2D or batched 3D tensor but received {query.ndim}-D query tensor",
        )
    kind = "batched (3-D)" if batched else "unbatched (2-D)"
    _require(
        key.ndim == query.ndim and value.ndim == query.ndim,
        f"For {kind} `query`, expected `key` and `value` to be {query.ndim}-D but found "
        f"{key.ndim}-D and {value.ndim}-D tensors respectively",
    )
    if key_padding_mask is not None:
        _require(
            key_padding_mask.ndim == query.ndim - 1,
            f"For {kind} `query`, expected `key_padding_mask` to be `None` or {query.ndim - 1}-D but found "
            f"{key_padding_mask.ndim}-D tensor instead",
        )
    if attn_mask is not None:
        _require(
            attn_mask.ndim in (2, 3),
            f"For {kind} `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found "
            f"{attn_mask.ndim}-D tensor instead",
        )
        if not batched and attn_mask.ndim == 3:
            expected = (heads, query.shape[0], key.shape[0])
            _require(
                tuple(attn_mask.shape) == expected,
                f"Expected `attn_mask` shape to be {expected} but got {tuple(attn_mask.shape)}",
            )
    return batched


def _in_projection(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    in_proj_weight: Tensor | None,
    in_proj_bias: Tensor | None,
    separate_weights: tuple[Tensor, Tensor, Tensor] | None,
) -> tuple[Tensor, Tensor, Tensor]:
    """q, k, v = the three input projections; self-attention with a packed weight takes one matmul."""
    biases = in_proj_bias.chunk(3) if in_proj_bias is not None else (None, None, None)
    if separate_weights is None:
        if query is key and key is value:
            return linear(query, in_proj_weight, in_proj_bias).chunk(3, dim=-1)
        weights = in_proj_weight.chunk(3)
    else:
        weights = separate_weights
    return tuple(linear(x, w, b) for x, w, b in zip((query, key, value), weights, biases))


def _check_attn_mask(attn_mask: Tensor, target_len: int, source_len: int, batch_heads: int) -> Tensor:
    """A 2-D (L, S) mask as (1, L, S); a 3-D mask must be (N * num_heads, L, S)."""
    if attn_mask.ndim == 2:
        if tuple(attn_mask.shape) != (target_len, source_len):
            raise RuntimeError(
                f"The shape of the 2D attn_mask is {tuple(attn_mask.shape)}, but should be {(target_len, source_len)}."
            )
        return attn_mask.unsqueeze(0)
    if attn_mask.ndim == 3:
        if tuple(attn_mask.shape) != (batch_heads, target_len, source_len):
            raise RuntimeError(
                f"The shape of the 3D attn_mask is {tuple(attn_mask.shape)}, but should be "
                f"{(batch_heads, target_len, source_len)}."
            )
        return attn_mask
    raise RuntimeError(f"attn_mask's dimension {attn_mask.ndim} is not supported")


def _pad_last(mask: Tensor | None) -> Tensor | None:
    """One more key column, not masked, for an appended bias or zero key."""
    return None if mask is None else pad(mask, (0, 1))


def _split_heads(x: Tensor, batch_heads: int, head_dim: int) -> Tensor:
    """(S, N, E) -> (N * num_heads, S, head_dim)."""
    return x.reshape(x.shape[0], batch_heads, head_dim).transpose(0, 1)


def _check_static(static: Tensor, name: str, batch_heads: int, head_dim: int) -> Tensor:
    _require(
        static.shape[0] == batch_heads,
        f"expecting {name}.size(0) of {batch_heads}, but got {static.shape[0]}",
    )
    _require(static.shape[2] == head_dim, f"expecting {name}.size(2) of {head_dim}, but got {static.shape[2]}")
    return static


def multi_head_attention_forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    embed_dim_to_check: int,
    num_heads: int,
    in_proj_weight: Tensor | None,
    in_proj_bias: Tensor | None,
    bias_k: Tensor | None,
    bias_v: Tensor | None,
    add_zero_attn: bool,
    dropout_p: float,
    out_proj_weight: Tensor,
    out_proj_bias: Tensor | None,
    training: bool = True,
    key_padding_mask: Tensor | None = None,
    need_weights: bool = True,
    attn_mask: Tensor | None = None,
    use_separate_proj_weight: bool = False,
    q_proj_weight: Tensor | None = None,
    k_proj_weight: Tensor | None = None,
    v_proj_weight: Tensor | None = None,
    static_k: Tensor | None = None,
    static_v: Tensor | None = None,
    average_attn_weights: bool = True,
    is_causal: bool = False,
) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention of (L, N, E) query over (S, N, E) key and value; returns (output, weights or None).

    Bool masks mark with True the positions that are masked out; float masks are added to the scores.
    """
    batched = _is_batched(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    target_len, batch, embed_dim = query.shape
    source_len = key.shape[0]
    key_padding_mask = canonical_mask(
        key_padding_mask, "key_padding_mask", None if attn_mask is None else attn_mask.dtype, "attn_mask", query.dtype
    )
    if is_causal and attn_mask is None:
        raise RuntimeError(
            "Need attn_mask if specifying the is_causal hint. You may use the Transformer module method "
            "`generate_square_subsequent_mask` to create this mask."
        )
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # scaled_dot_product_attention builds the causal mask itself
    else:
        attn_mask = canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, check_other=False)
        if key_padding_mask is not None:
            is_causal = False  # the padding mask merged into attn_mask makes it no longer causal
    _require(
        embed_dim == embed_dim_to_check,
        f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}",
    )
    head_dim = embed_dim // num_heads
    _require(head_dim * num_heads == embed_dim, f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        _require(
            key.shape[:2] == value.shape[:2],
            f"key's sequence and batch dims {tuple(key.shape[:2])} do not match value's {tuple(value.shape[:2])}",
        )
        separate = (q_proj_weight, k_proj_weight, v_proj_weight)
        _require(all(w is not None for w in separate), "use_separate_proj_weight is True but a proj_weight is None")
    else:
        _require(
            key.shape == value.shape, f"key shape {tuple(key.shape)} does not match value shape {tuple(value.shape)}"
        )
        _require(in_proj_weight is not None, "use_separate_proj_weight is False but in_proj_weight is None")
        separate = None
    q, k, v = _in_projection(query, key, value, in_proj_weight, in_proj_bias, separate)

    batch_heads = batch * num_heads
    if attn_mask is not None:
        attn_mask = _check_attn_mask(attn_mask, target_len, source_len, batch_heads)
    if bias_k is not None and bias_v is not None:
        _require(static_k is None, "bias cannot be added to static key.")
        _require(static_v is None, "bias cannot be added to static value.")
        k = cat([k, bias_k.repeat(1, batch, 1)])
        v = cat([v, bias_v.repeat(1, batch, 1)])
        attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
    else:
        _require(bias_k is None and bias_v is None, "bias_k and bias_v must both be given or both be None")

    q = _split_heads(q, batch_heads, head_dim)
    k = (
        _split_heads(k, batch_heads, head_dim)
        if static_k is None
        else _check_static(static_k, "static_k", batch_heads, head_dim)
    )
    v = (
        _split_heads(v, batch_heads, head_dim)
        if static_v is None
        else _check_static(static_v, "static_v", batch_heads, head_dim)
    )
    if add_zero_attn:
        k = cat([k, zeros((batch_heads, 1, head_dim), dtype=k.dtype, device=k.device)], dim=1)
        v = cat([v, zeros((batch_heads, 1, head_dim), dtype=v.dtype, device=v.device)], dim=1)
        attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
    source_len = k.shape[1]

    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (batch, source_len):
            raise AssertionError(
                f"expecting key_padding_mask shape of {(batch, source_len)}, but got {tuple(key_padding_mask.shape)}"
            )
        per_head = key_padding_mask.reshape(batch, 1, 1, source_len).expand(-1, num_heads, -1, -1)
        per_head = per_head.reshape(batch_heads, 1, source_len)
        attn_mask = per_head if attn_mask is None else attn_mask + per_head
    if not training:
        dropout_p = 0.0

    if need_weights:
        _require(not (is_causal and attn_mask is None), "is_causal without an attn_mask needs need_weights=False")
        scores = (q * math.sqrt(1.0 / head_dim)) @ k.transpose(-2, -1)
        if attn_mask is not None:
            scores = attn_mask + scores
        weights = softmax(scores, -1)
        if dropout_p > 0.0:
            weights = dropout(weights, p=dropout_p)
        output = (weights @ v).transpose(0, 1).reshape(target_len * batch, embed_dim)
        output = linear(output, out_proj_weight, out_proj_bias).reshape(target_len, batch, embed_dim)
        weights = weights.reshape(batch, num_heads, target_len, source_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not batched:
            output, weights = output.squeeze(1), weights.squeeze(0)
        return output, weights

    if attn_mask is not None:
        if attn_mask.shape[0] == 1 and attn_mask.ndim == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.reshape(batch, num_heads, -1, source_len)
    q = q.reshape(batch, num_heads, target_len, head_dim)
    k = k.reshape(batch, num_heads, source_len, head_dim)
    v = v.reshape(batch, num_heads, source_len, head_dim)
    output = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    output = output.permute(2, 0, 1, 3).reshape(batch * target_len, embed_dim)
    output = linear(output, out_proj_weight, out_proj_bias).reshape(target_len, batch, embed_dim)
    if not batched:
        output = output.squeeze(1)
    return output, None
