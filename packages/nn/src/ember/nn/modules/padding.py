"""Padding layers: constant (and zero), reflection, replication and circular, over F.pad."""

from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from ..functional._utils import as_tuple
from .module import Module


class _PadNd(Module):
    """Pads the last `dims` dims by `padding` (an int for every side, or 2 * dims ints) in `mode`."""

    dims: int = 1
    mode: str = "constant"

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = as_tuple(padding, 2 * self.dims, "padding")

    def forward(self, input: Tensor) -> Tensor:
        if self.mode == "circular" and input.ndim not in (self.dims + 1, self.dims + 2):
            raise ValueError(f"expected {self.dims + 1}D or {self.dims + 2}D input (got {input.ndim}D input)")
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pads the last dim with the constant `value`."""

    dims = 1


class ConstantPad2d(_ConstantPadNd):
    """Pads the last 2 dims with a constant `value`."""

    dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pads the last 3 dims with a constant `value`."""

    dims = 3


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd):
    """Pads the last dim with zeros."""

    dims = 1


class ZeroPad2d(_ZeroPadNd):
    """Pads the last 2 dims with zeros."""

    dims = 2


class ZeroPad3d(_ZeroPadNd):
    """Pads the last 3 dims with zeros."""

    dims = 3


class ReflectionPad1d(_PadNd):
    """Pads the last dim with the input mirrored at each edge (the edge value not repeated)."""

    dims, mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    """Pads the last 2 dims with the input mirrored at each edge (the edge value not repeated)."""

    dims, mode = 2, "reflect"


class ReflectionPad3d(_PadNd):
    """Pads the last 3 dims with the input mirrored at each edge (the edge value not repeated)."""

    dims, mode = 3, "reflect"


class ReplicationPad1d(_PadNd):
    """Pads the last dim with copies of the edge values."""

    dims, mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    """Pads the last 2 dims with copies of the edge values."""

    dims, mode = 2, "replicate"


class ReplicationPad3d(_PadNd):
    """Pads the last 3 dims with copies of the edge values."""

    dims, mode = 3, "replicate"


class CircularPad1d(_PadNd):
    """Pads the last dim with the input wrapped around: each side gets values from the opposite end."""

    dims, mode = 1, "circular"


class CircularPad2d(_PadNd):
    """Pads the last 2 dims with the input wrapped around: each side gets values from the opposite end."""

    dims, mode = 2, "circular"


class CircularPad3d(_PadNd):
    """Pads the last 3 dims with the input wrapped around: each side gets values from the opposite end."""

    dims, mode = 3, "circular"
