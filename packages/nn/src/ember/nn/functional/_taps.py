"""A sparse separable linear map: along each of some axes, every output element is a weighted sum of a
few input elements ("taps"), as one differentiable op.

The resizing modes and adaptive average pooling are this op. An axis map is a list of taps (index, weight): out[..., i, ...] is the
sum over taps of weight[i] * x[..., index[i], ...] (weight None means 1). Its adjoint, the gradient, is
again a list of taps: for each input position, the outputs that read it, padded to equal length with
a position past the end that reads zeros. Both directions are gathers (no scatter-add), and the one rule
swaps a map for its adjoint, so every order of derivative works.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..._tensor import Tensor
from ...ops._op import Op, call


class AxisMap(NamedTuple):
    """Taps along one axis: ((index, weight or None), ...), over an input of `size` (index == size reads 0)."""

    axis: int
    size: int
    taps: tuple
    padded: bool


def _gather(b, x, axis_map: AxisMap):
    xp = b.xp
    axis = axis_map.axis
    if axis_map.padded:
        zeros = b.zeros((*x.shape[:axis], 1, *x.shape[axis + 1 :]), b.ember_dtype(x.dtype), b.device_index(x))
        x = b.concat([x, zeros], axis=axis)
    total = None
    trailing = (1,) * (x.ndim - 1 - axis)
    for index, weight in axis_map.taps:
        part = xp.take(x, index, axis=axis)
        if weight is not None:
            if weight.dtype != x.dtype:
                weight = b.astype(weight, b.dtypes[x.dtype])
            part *= b.reshape(weight, (-1, *trailing))
        if total is None:
            total = part
        else:
            total += part
    return total


def _taps_kernel(b, x, *, maps: tuple, adjoints: tuple):
    for axis_map in maps:
        x = _gather(b, x, axis_map)
    return x


def _grad_taps(m, ctx, g):
    return (m.run(TAPS, g, maps=ctx.attrs["adjoints"], adjoints=ctx.attrs["maps"]),)


TAPS = Op("resample", _taps_kernel, _grad_taps, node="ResampleBackward0")


def taps_op(name: str, node: str) -> Op:
    """The taps map under another name, so graphs print PyTorch's node names."""
    return Op(name, _taps_kernel, _grad_taps, node=node)


def _adjoint(taps: list, size: int, out: int) -> list:
    """For each of the `size` inputs, the (output, weight) pairs that read it, as taps over the outputs."""
    sources = np.concatenate([index for index, _ in taps])
    targets = np.tile(np.arange(out), len(taps))
    weights = np.concatenate([np.ones(out) if w is None else w for _, w in taps])
    keep = (weights != 0) & (sources < size)
    sources, targets, weights = sources[keep], targets[keep], weights[keep]
    # merge repeated (input, output) pairs: clamped taps at the edges read one input twice
    pairs, inverse = np.unique(sources * (out + 1) + targets, return_inverse=True)
    weights = np.bincount(inverse, weights)
    sources, targets = pairs // (out + 1), pairs % (out + 1)
    counts = np.bincount(sources, minlength=size)
    rank = np.arange(len(sources)) - np.repeat(np.cumsum(counts) - counts, counts)
    width = int(counts.max()) if len(counts) else 0
    index = np.full((width, size), out, dtype=np.int64)
    weight = np.zeros((width, size))
    index[rank, sources] = targets
    weight[rank, sources] = weights
    unweighted = all(w is None for _, w in taps) and np.all(weights == 1)
    return [(index[k], None if unweighted else weight[k]) for k in range(width)]


def apply_taps(op: Op, input: Tensor, per_axis: dict) -> Tensor:
    """Run op on input with NumPy taps for some axes ({axis: (taps, output length)})."""
    xp = input._backend.xp

    def native(taps, axis, size, padded):
        moved = tuple((xp.asarray(i), None if w is None else xp.asarray(w.astype(input.dtype.numpy))) for i, w in taps)
        return AxisMap(axis, size, moved, padded)

    maps, adjoints = [], []
    for axis, (taps, out) in per_axis.items():
        size = input.shape[axis]
        maps.append(native(taps, axis, size, any(bool((index == size).any()) for index, _ in taps)))
        adjoints.append(native(_adjoint(taps, size, out), axis, out, True))
    return call(op, (input,), (input._data,), input, {"maps": tuple(maps), "adjoints": tuple(adjoints)})
