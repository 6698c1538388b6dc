"""Convolution layers: Conv1d/2d/3d and ConvTranspose1d/2d/3d."""

from __future__ import annotations

import math

from ..._creation import empty
from ..._tensor import Tensor
from .. import functional as F
from .. import init
from ..functional._conv import conv_transpose_size, convolution, same_padding, transposed_convolution
from ..functional._utils import as_tuple
from ..parameter import Parameter
from .module import Module

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    spatial = 0
    transposed = False

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
        output_padding=0,
    ) -> None:
        super().__init__()
        n = self.spatial
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups:
            raise ValueError("out_channels must be divisible by groups")
        if self.transposed and padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {set(_PADDING_MODES)}, but got padding_mode='{padding_mode}'"
            )
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = as_tuple(kernel_size, n, "kernel_size")
        self.stride = as_tuple(stride, n, "stride")
        self.dilation = as_tuple(dilation, n, "dilation")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if self.transposed:
                raise ValueError(f"{type(self).__name__} does not support string padding, got {padding!r}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            self.padding = padding
        else:
            self.padding = as_tuple(padding, n, "padding")
        self.output_padding = as_tuple(output_padding, n, "output_padding")
        self.groups = groups
        self.padding_mode = padding_mode
        self.weight = Parameter(empty(self._weight_shape(), device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def _weight_shape(self) -> tuple:
        """(in_channels, out_channels / groups, *kernel_size) when transposed, else (out_channels, in_channels / groups, ...)."""
        if self.transposed:
            return (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
        return (self.out_channels, self.in_channels // self.groups, *self.kernel_size)

    def reset_parameters(self) -> None:
        """Kaiming-uniform weight (a=sqrt(5)) and a bias uniform in +-1/sqrt(fan_in), as PyTorch does."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def _edge_padding(self) -> tuple:
        """F.pad widths (last dim first) for the non-zero padding modes."""
        if self.padding == "valid":
            return (0, 0) * self.spatial
        if self.padding == "same":
            pairs = same_padding(self.kernel_size, self.dilation)
            return tuple(p for i in reversed(range(self.spatial)) for p in pairs[2 * i : 2 * i + 2])
        return tuple(p for p in reversed(self.padding) for _ in range(2))

    def _conv_forward(self, input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
        """The convolution with given weight and bias (as in PyTorch, for subclasses that transform them)."""
        name = f"conv{self.spatial}d"
        if self.padding_mode != "zeros":
            padded = F.pad(input, self._edge_padding(), mode=self.padding_mode)
            return convolution(name, self.spatial, padded, weight, bias, self.stride, 0, self.dilation, self.groups)
        return convolution(
            name, self.spatial, input, weight, bias, self.stride, self.padding, self.dilation, self.groups
        )

    def forward(self, input: Tensor) -> Tensor:
        return self._conv_forward(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * len(self.padding):
            text += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class Conv1d(_ConvNd):
    """1-D convolution over (N, C_in, L) input."""

    spatial = 1


class Conv2d(_ConvNd):
    """2-D convolution over (N, C_in, H, W) input.

    >>> conv = ember.nn.Conv2d(3, 8, kernel_size=3, padding=1)
    >>> conv
    Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
    >>> conv(ember.zeros(2, 3, 16, 16)).shape
    ember.Size([2, 8, 16, 16])
    """

    spatial = 2


class Conv3d(_ConvNd):
    """3-D convolution over (N, C_in, D, H, W) input."""

    spatial = 3


class _ConvTransposeNd(_ConvNd):
    transposed = True

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        groups: int = 1,
        bias: bool = True,
        dilation=1,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            device,
            dtype,
            output_padding=output_padding,
        )

    def _output_padding(self, input: Tensor, output_size) -> tuple:
        """The output_padding that gives `output_size` (PyTorch's rule), or the layer's own."""
        if output_size is None:
            return self.output_padding
        n = self.spatial
        wanted = [int(v) for v in output_size]
        if len(wanted) in (n + 1, n + 2):
            wanted = wanted[-n:]
        if len(wanted) != n:
            raise ValueError(
                f"ConvTranspose{n}D: for {input.ndim}D input, output_size must have {n} or {n + 2} elements "
                f"(got {len(wanted)})"
            )
        sizes = input.shape[-n:]
        smallest = [
            conv_transpose_size(size, k, s, p, d, 0)
            for size, k, s, p, d in zip(sizes, self.kernel_size, self.stride, self.padding, self.dilation)
        ]
        for want, low, s in zip(wanted, smallest, self.stride):
            if not low <= want <= low + s - 1:
                raise ValueError(
                    f"requested an output size of {wanted}, but valid sizes range from {smallest} to "
                    f"{[m + s - 1 for m, s in zip(smallest, self.stride)]} (for an input of {list(sizes)})"
                )
        return tuple(w - low for w, low in zip(wanted, smallest))

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        return transposed_convolution(
            f"conv_transpose{self.spatial}d",
            self.spatial,
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self._output_padding(input, output_size),
            self.groups,
            self.dilation,
        )


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution over (N, C_in, L) input (the adjoint of Conv1d)."""

    spatial = 1


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution over (N, C_in, H, W) input (the adjoint of Conv2d)."""

    spatial = 2


class ConvTranspose3d(_ConvTransposeNd):
    """3-D transposed convolution over (N, C_in, D, H, W) input (the adjoint of Conv3d)."""

    spatial = 3
