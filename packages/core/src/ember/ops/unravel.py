"""unravel_index: flat indices into coordinates of a shape, as torch.unravel_index."""

from __future__ import annotations

from .. import _dtype as dt
from .._creation import tensor
from .._tensor import Tensor
from ._declare import export


@export(method=False)
def unravel_index(indices: Tensor, shape) -> tuple:
    """The coordinates in `shape` of each flat (row-major) index, one tensor per dim; indices wrap around."""
    if indices.dtype.is_floating_point or indices.dtype.is_complex or indices.dtype is dt.bool_:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    if isinstance(shape, int):
        shape = (shape,)
    elif not isinstance(shape, (tuple, list)):
        raise TypeError(f"expected 'shape' to be int or sequence of ints, but got {type(shape)}")
    for size in shape:
        if not isinstance(size, int):
            raise TypeError(f"expected 'shape' sequence to only contain ints, but got {type(size)}")
    if any(size < 0 for size in shape):
        raise ValueError(f"'shape' cannot have negative values, but got {tuple(shape)}")
    strides = [1] * len(shape)
    for i in range(len(shape) - 2, -1, -1):
        strides[i] = strides[i + 1] * shape[i + 1]
    on = dict(dtype=dt.int64, device=indices.device)
    coordinates = indices.long().unsqueeze(-1).div(tensor(strides, **on), rounding_mode="floor") % tensor(shape, **on)
    return coordinates.unbind(-1)
