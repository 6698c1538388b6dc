"""Dropout, embedding lookup, one-hot encoding, padding and vector normalisation."""

from __future__ import annotations

import warnings

import numpy as np

from ... import _dtype as dt
from ..._random import rand
from ..._tensor import Tensor
from ...autograd import no_grad
from ...ops._op import Op, call, make

# --- dropout --------------------------------------------------------------------------------------


def _keep_mask(input: Tensor, p: float, shape: tuple) -> Tensor:
    """1 / (1 - p) where an element survives (probability 1 - p), else 0; drawn from ember's RNG."""
    if p == 1:
        return input.new_zeros(shape)
    draws = rand(shape, dtype=input.dtype, device=input.device)
    return (draws < 1 - p).to(input.dtype) * (1.0 / (1 - p))


def _check_probability(p: float) -> None:
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability p and scale the rest by 1 / (1 - p); identity when not training."""
    _check_probability(p)
    if not training or p == 0:
        return input
    with no_grad():
        mask = _keep_mask(input, p, input.shape)
    return input.mul_(mask) if inplace else input * mask


def _drop_channels(input: Tensor, p: float, training: bool, inplace: bool, channel_dims: int) -> Tensor:
    """Zero whole channels: one draw per index of the first `channel_dims` dims, shared by the rest."""
    if not training or p == 0:
        return input
    with no_grad():
        mask = _keep_mask(input, p, tuple(input.shape[:channel_dims]) + (1,) * (input.ndim - channel_dims))
    return input.mul_(mask) if inplace else input * mask


def _feature_dropout(name: str, spatial: int, input: Tensor, p: float, training: bool, inplace: bool) -> Tensor:
    _check_probability(p)
    if input.ndim not in (spatial + 1, spatial + 2):
        raise RuntimeError(
            f"{name}: Expected {spatial + 1}D (unbatched) or {spatial + 2}D (batched) input, but got input of "
            f"size: {list(input.shape)}"
        )
    return _drop_channels(input, p, training, inplace, input.ndim - spatial)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, L) input with probability p."""
    return _feature_dropout("dropout1d", 1, input, p, training, inplace)


def _other_dims_warning(spatial: int, ndim: int) -> str:
    """PyTorch's deprecation warning for a dropout{spatial}d input with neither spatial + 1 nor spatial + 2 dims."""
    name = f"dropout{spatial}d"
    return (
        f"{name}: Received a {ndim}-D input to {name}, which is deprecated and will result in an error in a future "
        f"release. To retain the behavior and silence this warning, please use dropout instead. Note that {name} "
        f"exists to provide channel-wise dropout on inputs with {spatial} spatial dimensions, a channel dimension, "
        f"and an optional batch dimension (i.e. {spatial + 1}D or {spatial + 2}D inputs)."
    )


_DROPOUT2D_3D = (
    "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior is desired - "
    "input is interpreted as shape (N, C, L), where C is the channel dim. This behavior will change in a future "
    "release to interpret the input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
    "channel-wise dropout behavior, please switch to using dropout1d instead."
)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, H, W) input with probability p.

    As in PyTorch, other shapes warn and still drop channels of dim 1 (one draw per (n, c)): a 3-D input
    is (N, C, L), a 2-D input (N, C) drops single elements; a 1-D input is an error.
    """
    _check_probability(p)
    if input.ndim not in (3, 4):
        warnings.warn(_other_dims_warning(2, input.ndim), UserWarning, stacklevel=2)
    if input.ndim == 3:
        warnings.warn(_DROPOUT2D_3D, UserWarning, stacklevel=2)
    if input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    return _drop_channels(input, p, training, inplace, 2)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, D, H, W) or unbatched (C, D, H, W) input with probability p."""
    _check_probability(p)
    if input.ndim not in (4, 5):
        warnings.warn(_other_dims_warning(3, input.ndim), UserWarning, stacklevel=2)
    return _drop_channels(input, p, training, inplace, 2 if input.ndim == 5 else 1)


_SELU_NEGATIVE_LIMIT = 1.7580993408473766  # -selu(-inf): where alpha dropout sends dropped values


def _alpha_dropout(input: Tensor, p: float, training: bool, inplace: bool, shape: tuple) -> Tensor:
    """Set dropped values to selu's negative saturation, then rescale so mean and variance stay as they were."""
    _check_probability(p)
    if not training or p == 0:
        return input
    if p == 1:
        return input.mul_(0) if inplace else input * 0
    alpha = _SELU_NEGATIVE_LIMIT
    scale = ((alpha * alpha * p + 1) * (1 - p)) ** -0.5
    with no_grad():
        kept = (rand(shape, dtype=input.dtype, device=input.device) < 1 - p).to(input.dtype)
        factor = kept * scale
        shift = (kept - 1) * (alpha * scale) + alpha * scale * p
    return input.mul_(factor).add_(shift) if inplace else input * factor + shift


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Dropout for SELU networks: keeps the self-normalising mean and variance."""
    return _alpha_dropout(input, p, training, inplace, tuple(input.shape))


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """alpha_dropout of whole channels (one draw per index of dims 0 and 1)."""
    if input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    return _alpha_dropout(input, p, training, inplace, tuple(input.shape[:2]) + (1,) * (input.ndim - 2))


# --- embedding ---------------------------------------------------------------------------------


def _grad_embedding(m, ctx, g):
    index, padding_idx = ctx.attrs["index"], ctx.attrs["padding_idx"]
    rows, width = ctx.input_shape(0)
    flat_index = index.reshape(-1)
    flat = m.reshape(g, shape=(-1, width))
    if padding_idx is not None:
        flat = m.where(m.value((flat_index != padding_idx).unsqueeze(1)), flat, 0)
    if ctx.attrs["scale_grad_by_freq"]:
        counts = flat_index.new_zeros(rows).index_add(0, flat_index, flat_index.new_ones(flat_index.shape))
        flat = flat / m.value(counts[flat_index].unsqueeze(1).to(m.dtype_of(g)))
    zeros = m.full_like(g, value=0, shape=(rows, width))
    return (m.index_add(zeros, flat, axis=0, index=flat_index, alpha=1),)


EMBEDDING = Op(
    "embedding",
    lambda b, weight, *, index, padding_idx, scale_grad_by_freq: b.getitem(weight, index._data),
    _grad_embedding,
    node="EmbeddingBackward0",
)


def _renorm_rows(weight: Tensor, index: Tensor, max_norm: float, norm_type: float) -> None:
    """Scale the looked-up rows of weight, in place, so that their norm is at most max_norm."""
    with no_grad():
        rows = index.reshape(-1)  # NOTE: a repeated row is scaled and written twice, to the same values
        picked = weight[rows]
        norms = picked.norm(norm_type, 1, keepdim=True)
        scale = (max_norm / (norms + 1e-7)).clamp(max=1.0)
        weight[rows] = picked * scale


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Rows of weight picked by the integer indices in input (shape input.shape + (embedding_dim,))."""
    if input.dtype not in (dt.int64, dt.int32):
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got "
            f"{input.type()} instead (while checking arguments for embedding)"
        )
    rows = weight.shape[0]
    if padding_idx is not None:
        if not -rows <= padding_idx < rows:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx %= rows
    if input.numel() and (int(input.min()) < 0 or int(input.max()) >= rows):
        raise IndexError(
            f"index out of range in self (embedding indices must lie in [0, {rows - 1}], got values from "
            f"{int(input.min())} to {int(input.max())})"
        )
    if max_norm is not None:
        _renorm_rows(weight, input, max_norm, norm_type)
    attrs = {"index": input, "padding_idx": padding_idx, "scale_grad_by_freq": scale_grad_by_freq}
    return call(EMBEDDING, (weight,), (weight._data,), weight, attrs)


# --- one-hot ---------------------------------------------------------------------------------------


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """(..., num_classes) int64 tensor with a 1 at each index of tensor."""
    if tensor.dtype is not dt.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if tensor.numel() == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(tensor.max()) + 1
    if tensor.numel():
        if int(tensor.min()) < 0:
            raise RuntimeError("Class values must be non-negative.")
        if int(tensor.max()) >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    b = tensor._backend
    classes = b.arange(0, num_classes, 1, dt.int64, tensor.device.index)
    return make(b.astype(b.equal(tensor._data[..., None], classes), dt.int64), tensor)


# --- padding -----------------------------------------------------------------------------------------


def _pad_kernel(b, x, *, widths, value):
    """Constant padding; negative widths crop."""
    shape = tuple(n + before + after for n, (before, after) in zip(x.shape, widths))
    out = b.xp.full(shape, value, dtype=x.dtype)
    source = tuple(slice(max(-before, 0), n - max(-after, 0)) for n, (before, after) in zip(x.shape, widths))
    target = tuple(slice(max(before, 0), m - max(after, 0)) for m, (before, after) in zip(shape, widths))
    out[target] = x[source]
    return out


def _grad_pad(m, ctx, g):
    widths = tuple((-before, -after) for before, after in ctx.attrs["widths"])
    return (m.pad_constant(g, widths=widths, value=0),)


CONSTANT_PAD = Op("constant_pad_nd", _pad_kernel, _grad_pad, node="ConstantPadNdBackward0", math="pad_constant")


def _source_positions(mode: str, size: int, before: int, after: int, dim: int, shape) -> list:
    """For each output position along one dim, the input position it copies (reflect/replicate/circular)."""
    if mode == "reflect" and (before >= size or after >= size):
        raise RuntimeError(
            f"Argument #4: Padding size should be less than the corresponding input dimension, but got: padding "
            f"({before}, {after}) at dimension {dim} of input {list(shape)}"
        )
    if mode == "circular" and (before > size or after > size):
        raise ValueError("Padding value causes wrapping around more than once.")
    positions = []
    for i in range(-before, size + after):
        if mode == "reflect":
            period = 2 * (size - 1) if size > 1 else 1
            j = i % period
            positions.append(j if j < size else period - j)
        elif mode == "replicate":
            positions.append(min(max(i, 0), size - 1))
        else:
            positions.append(i % size)
    return positions


def pad(input: Tensor, pad: tuple, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last len(pad) // 2 dims: pad = (left_last, right_last, left_second_last, ...)."""
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise ValueError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise ValueError(
            "Padding length should be less than or equal to two times the input dimension but got padding length "
            f"{len(pad)} and input of dimension {input.ndim}"
        )
    pairs = [(pad[i], pad[i + 1]) for i in range(0, len(pad), 2)]
    if mode == "constant":
        widths = [(0, 0)] * (input.ndim - len(pairs)) + pairs[::-1]
        for n, (before, after) in zip(input.shape, widths):
            if n + before + after < 0:
                raise RuntimeError(f"pad: padding {pad} would make a dimension of size {n} negative")
        return call(CONSTANT_PAD, (input,), (input._data,), input, {"widths": tuple(widths), "value": value or 0})
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(
            f"pad: unsupported padding mode {mode!r}; use constant, reflect, replicate or circular"
        )
    if len(pairs) > 3 or input.ndim not in (len(pairs) + 1, len(pairs) + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.ndim}D input tensor. {mode} padding takes 2, 4 or "
            "6 values for the last 1, 2 or 3 dims of an input with one or two more dims (batch and channels)."
        )
    out = input
    for offset, (before, after) in enumerate(pairs):
        dim = input.ndim - 1 - offset
        positions = _source_positions(mode, input.shape[dim], before, after, dim, input.shape)
        out = out.index_select(dim, make(input._backend.asarray(positions, dt.int64, input.device.index), input))
    return out


# --- normalising vectors ------------------------------------------------------------------------------


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Tensor | None = None) -> Tensor:
    """input / max(||input||_p along dim, eps)."""
    result = input / input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    return result if out is None else out.copy_(result)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """p-norm of x1 - x2 + eps along the last dim."""
    difference = x1 - x2 + eps
    if difference.ndim == 0:
        return difference.abs()
    return difference.norm(p, -1, keepdim=keepdim)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Cosine of the angle between x1 and x2 along dim (norms clamped below by eps)."""
    unit1 = x1 / x1.norm(2, dim, keepdim=True).clamp_min(eps)
    unit2 = x2 / x2.norm(2, dim, keepdim=True).clamp_min(eps)
    return (unit1 * unit2).sum(dim)


# --- channel shuffle -------------------------------------------------------------------------------


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Interleave the channels (dim 1) of ``groups`` groups: ``(N, g * k, ...)`` read as ``(N, g, k, ...)``, transposed."""
    if input.ndim < 3:
        raise RuntimeError(
            f"channel_shuffle expects input to have at least 3 dimensions, but got input with sizes {list(input.shape)}"
        )
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    channels = input.shape[1]
    if channels % groups:
        raise RuntimeError(
            f"Number of channels must be divisible by groups. Got {channels} channels and {groups} groups."
        )
    batch, rest = input.shape[0], tuple(input.shape[2:])
    grouped = input.reshape((batch, groups, channels // groups) + rest)
    return grouped.transpose(1, 2).reshape(input.shape)


native_channel_shuffle = channel_shuffle


def pdist(input: Tensor, p: float = 2) -> Tensor:
    """p-norm distances between the rows of an (N, M) input, for each pair i < j in row-major order."""
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    xp = input._backend.xp
    first, second = (make(xp.asarray(rows), input) for rows in np.triu_indices(input.shape[0], 1))
    return (input.index_select(0, first) - input.index_select(0, second)).norm(p, 1)
