"""Lazy modules: layers whose input size is read from their first input.

A lazy layer starts with `UninitializedParameter` placeholders. Its first call runs
`initialize_parameters(*args, **kwargs)`, which materializes them from the input's shape and
initialises them, and then the layer becomes an instance of its ordinary class (`cls_to_become`):
a `LazyLinear(10)` called on (N, 3) input is afterwards a `Linear(3, 10)`.
"""

from __future__ import annotations

from ... import _dtype as dt
from ..._creation import tensor
from ..._tensor import Tensor
from ...autograd import no_grad
from ..parameter import UninitializedBuffer, UninitializedParameter, is_lazy
from .batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from .linear import Linear


class LazyModuleMixin:
    """Mixin (listed first) that makes a module's parameters wait for the first input."""

    cls_to_become: type | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._initialize_hook = self.register_forward_pre_hook(_infer_parameters, with_kwargs=True)

    def has_uninitialized_params(self) -> bool:
        """Whether a parameter or buffer of this module is still a placeholder."""
        return any(is_lazy(v) for v in (*self._parameters.values(), *self._buffers.values()))

    def initialize_parameters(self, *args, **kwargs) -> None:
        """Materialize the placeholders from the first input's shape (each lazy class defines it)."""
        raise NotImplementedError(f"initialize_parameters is not implemented for {type(self).__name__}")

    def _apply(self, fn, recurse: bool = True):
        """Casts and moves keep placeholder buffers placeholders (parameters stay the same objects anyway)."""
        placeholders = {name: value for name, value in self._buffers.items() if is_lazy(value)}
        super()._apply(fn, recurse)
        with no_grad():
            for name, value in placeholders.items():
                value.data = fn(value)
                self._buffers[name] = value
        return self

    def _save_to_state_dict(self, destination, prefix, keep_vars) -> None:
        """Placeholders are saved as themselves, so that a lazy module's state_dict shows them as such."""
        super()._save_to_state_dict(destination, prefix, keep_vars)
        for registry in (self._parameters, self._buffers):
            for name, value in registry.items():
                if is_lazy(value) and prefix + name in destination:
                    destination[prefix + name] = value

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs) -> None:
        """A checkpoint's tensors give placeholders their shapes before they are copied."""
        for registry in (self._parameters, self._buffers):
            for name, value in registry.items():
                key = prefix + name
                if is_lazy(value) and key in state_dict and not is_lazy(state_dict[key]):
                    with no_grad():
                        value.materialize(state_dict[key].shape)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)


def _infer_parameters(module: LazyModuleMixin, args: tuple, kwargs: dict) -> None:
    module.initialize_parameters(*args, **kwargs)
    if module.has_uninitialized_params():
        raise RuntimeError(f"module {type(module).__name__} has not been fully initialized")
    _become_initialized(module)


def _become_initialized(module: LazyModuleMixin) -> None:
    module._initialize_hook.remove()
    del module._initialize_hook
    if module.cls_to_become is not None:
        module.__class__ = module.cls_to_become


class LazyLinear(LazyModuleMixin, Linear):
    """A Linear layer whose in_features is the last dim of its first input."""

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(0, 0, False)
        self.out_features = out_features
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor, *args, **kwargs) -> None:
        self.in_features = input.shape[-1]
        if not self.has_uninitialized_params():
            return
        with no_grad():
            self.weight.materialize((self.out_features, self.in_features))
            if self.bias is not None:
                self.bias.materialize((self.out_features,))
            self.reset_parameters()


class _LazyConvMixin(LazyModuleMixin):
    """Lazy form of any _ConvNd subclass: in_channels is dim 1 of the first (batched) input."""

    def __init__(
        self,
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
    ) -> None:
        settings = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
        super().__init__(0, 0, kernel_size, bias=False, padding_mode=padding_mode, **settings)
        self._add_placeholders(out_channels, bias, device, dtype)

    def _add_placeholders(self, out_channels: int, bias: bool, device, dtype) -> None:
        self.out_channels = out_channels
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor, *args, **kwargs) -> None:
        batched = input.ndim == self.spatial + 2
        self.in_channels = input.shape[1] if batched else input.shape[0]
        if not self.has_uninitialized_params():
            return
        if self.in_channels % self.groups:
            raise ValueError("in_channels must be divisible by groups")
        with no_grad():
            self.weight.materialize(self._weight_shape())
            if self.bias is not None:
                self.bias.materialize((self.out_channels,))
            self.reset_parameters()


class _LazyConvTransposeMixin(_LazyConvMixin):
    """Lazy form of a transposed convolution (PyTorch's argument order: output_padding before groups)."""

    def __init__(
        self,
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
        settings = {"stride": stride, "padding": padding, "output_padding": output_padding, "groups": groups}
        LazyModuleMixin.__init__(
            self, 0, 0, kernel_size, bias=False, dilation=dilation, padding_mode=padding_mode, **settings
        )
        self._add_placeholders(out_channels, bias, device, dtype)


class LazyConv1d(_LazyConvMixin, Conv1d):
    """A Conv1d whose in_channels is read from its first input."""

    cls_to_become = Conv1d


class LazyConv2d(_LazyConvMixin, Conv2d):
    """A Conv2d whose in_channels is read from its first input."""

    cls_to_become = Conv2d


class LazyConv3d(_LazyConvMixin, Conv3d):
    """A Conv3d whose in_channels is read from its first input."""

    cls_to_become = Conv3d


class LazyConvTranspose1d(_LazyConvTransposeMixin, ConvTranspose1d):
    """A ConvTranspose1d whose in_channels is read from its first input."""

    cls_to_become = ConvTranspose1d


class LazyConvTranspose2d(_LazyConvTransposeMixin, ConvTranspose2d):
    """A ConvTranspose2d whose in_channels is read from its first input."""

    cls_to_become = ConvTranspose2d


class LazyConvTranspose3d(_LazyConvTransposeMixin, ConvTranspose3d):
    """A ConvTranspose3d whose in_channels is read from its first input."""

    cls_to_become = ConvTranspose3d


class _LazyNormMixin(LazyModuleMixin):
    """Lazy form of batch and instance norm: num_features is the channel dim of the first input."""

    def __init__(
        self,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device=None,
        dtype=None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__(0, eps, momentum, False, False, device, dtype)
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            if bias:
                self.bias = UninitializedParameter(device=device, dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype)
            self.num_batches_tracked = tensor(0, dtype=dt.int64, device=device)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor, *args, **kwargs) -> None:
        spatial = getattr(self, "spatial_dims", None)
        batched = spatial is None or input.ndim == spatial + 2
        self.num_features = input.shape[1] if batched else input.shape[0]
        if not self.has_uninitialized_params():
            return
        with no_grad():
            for value in (*self._parameters.values(), *self._buffers.values()):
                if is_lazy(value):
                    value.materialize((self.num_features,))
            self.reset_parameters()


class LazyBatchNorm1d(_LazyNormMixin, BatchNorm1d):
    """A BatchNorm1d whose num_features is read from its first input."""

    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyNormMixin, BatchNorm2d):
    """A BatchNorm2d whose num_features is read from its first input."""

    cls_to_become = BatchNorm2d


class LazyBatchNorm3d(_LazyNormMixin, BatchNorm3d):
    """A BatchNorm3d whose num_features is read from its first input."""

    cls_to_become = BatchNorm3d


class LazyInstanceNorm1d(_LazyNormMixin, InstanceNorm1d):
    """An InstanceNorm1d whose num_features is read from its first input."""

    cls_to_become = InstanceNorm1d


class LazyInstanceNorm2d(_LazyNormMixin, InstanceNorm2d):
    """An InstanceNorm2d whose num_features is read from its first input."""

    cls_to_become = InstanceNorm2d


class LazyInstanceNorm3d(_LazyNormMixin, InstanceNorm3d):
    """An InstanceNorm3d whose num_features is read from its first input."""

    cls_to_become = InstanceNorm3d
