"""LayerNorm, GroupNorm, RMSNorm and LocalResponseNorm."""

from __future__ import annotations

from ..._creation import empty
from ..._tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module


class _TrailingDimsNorm(Module):
    """What LayerNorm and RMSNorm share: the trailing normalized_shape, eps and the elementwise parameters."""

    normalized_shape: tuple[int, ...]
    eps: float | None
    elementwise_affine: bool

    def _init_trailing_dims(self, normalized_shape, eps, elementwise_affine: bool, affine: dict, device, dtype) -> None:
        """Set the shape and eps, and each parameter named in `affine`: created where True, else None."""
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        for name, created in affine.items():
            if created:
                setattr(self, name, Parameter(empty(self.normalized_shape, device=device, dtype=dtype)))
            else:
                self.register_parameter(name, None)


class LayerNorm(_TrailingDimsNorm):
    """Normalise over the trailing normalized_shape dims, then scale and shift elementwise."""

    weight: Parameter | None
    bias: Parameter | None

    def __init__(
        self,
        normalized_shape,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        affine = {"weight": elementwise_affine, "bias": elementwise_affine and bias}
        self._init_trailing_dims(normalized_shape, eps, elementwise_affine, affine, device, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Set the weight to ones and the bias to zeros."""
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
            f"bias={self.bias is not None}"
        )


class GroupNorm(Module):
    """Normalise groups of channels per sample, then scale and shift per channel."""

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        device=None,
        dtype=None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if num_channels % num_groups:
            raise ValueError("num_channels must be divisible by num_groups")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        if affine:
            self.weight = Parameter(init.ones_(empty(num_channels, device=device, dtype=dtype)))
        else:
            self.register_parameter("weight", None)
        if affine and bias:
            self.bias = Parameter(init.zeros_(empty(num_channels, device=device, dtype=dtype)))
        else:
            self.register_parameter("bias", None)

    def forward(self, input: Tensor) -> Tensor:
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, bias={self.bias is not None}"


class RMSNorm(_TrailingDimsNorm):
    """Divide by the root mean square over the trailing normalized_shape dims, then scale elementwise."""

    weight: Parameter | None

    def __init__(
        self, normalized_shape, eps: float | None = None, elementwise_affine: bool = True, device=None, dtype=None
    ) -> None:
        super().__init__()
        affine = {"weight": elementwise_affine}
        self._init_trailing_dims(normalized_shape, eps, elementwise_affine, affine, device, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Set the weight to ones."""
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, input: Tensor) -> Tensor:
        return F.rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class LocalResponseNorm(Module):
    """Divide each value by a power of the mean square over neighbouring channels."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
