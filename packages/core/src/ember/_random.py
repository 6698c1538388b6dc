"""Random numbers: seeded generators per device and the sampling functions."""

from __future__ import annotations

import os

import numpy as np

from . import _dtype as dt
from ._creation import _place, finish, size_argument, sizes_of
from ._devices import backend_for, canonical_device
from ._tensor import Tensor, wrap
from ._writes import check_inplace_target, write_out

DEFAULT_SEED = 67280421310721


class Generator:
    """A random stream on one device; `manual_seed` makes it reproducible."""

    def __init__(self, device="cpu") -> None:
        self.device = canonical_device(device)
        self._seed = DEFAULT_SEED
        self._native = None

    def native(self):
        if self._native is None:
            self._native = backend_for(self.device).make_generator(self.device.index, self._seed)
        return self._native

    def manual_seed(self, seed: int) -> Generator:
        seed = int(seed)
        if seed < 0:
            seed += 1 << 64
        self._seed = seed
        if self._native is not None:
            self._native.seed(seed)
        return self

    def seed(self) -> int:
        fresh = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(fresh)
        return fresh

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self):
        return self.native().get_state()

    def set_state(self, state) -> Generator:
        self.native().set_state(state)
        return self

    def __repr__(self) -> str:
        return f"<ember.Generator object on {self.device}>"


_generators: dict = {}


def default_generator_for(device) -> Generator:
    found = _generators.get(device)
    if found is None:
        found = _generators[device] = Generator(device)
        found._seed = _last_seed[0]
    return found


_last_seed = [DEFAULT_SEED]
default_generator = Generator("cpu")
_generators[canonical_device("cpu")] = default_generator


def manual_seed(seed: int) -> Generator:
    """Seed every device's default generator."""
    _last_seed[0] = int(seed)
    for generator in _generators.values():
        generator.manual_seed(seed)
    return default_generator


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state) -> None:
    default_generator.set_state(state)


def _stream(generator: Generator | None, device):
    if generator is not None:
        return generator.native()
    return default_generator_for(device).native()


def _sample(kind: str, size: tuple, generator, dtype, device, requires_grad: bool, *params) -> Tensor:
    shape = sizes_of(size)
    target = dt.as_dtype(dtype) if dtype is not None else dt.get_default_dtype()
    if not target.is_floating_point:
        raise NotImplementedError(
            f'{_SAMPLERS[kind]}(): "{kind}" sampling is not implemented for {target}; sample a floating dtype '
            "and convert, or use ember.randint for integers"
        )
    dev, backend = _place(device)
    stream = _stream(generator, dev)
    data = getattr(stream, kind)(shape, *params, target.numpy)
    if not isinstance(data, backend.ndarray):
        data = backend.from_numpy(np.asarray(data), dev.index)
    return finish(data, backend, target, dev, requires_grad)


_SAMPLERS = {"uniform": "rand", "normal": "randn"}


def _into(result: Tensor, out: Tensor | None) -> Tensor:
    if out is None:
        return result
    return write_out(out, result)


def rand(*size, generator=None, dtype=None, device=None, requires_grad: bool = False, out=None, **keyword) -> Tensor:
    """Uniform samples from [0, 1)."""
    size = size_argument("rand", size, keyword)
    return _into(_sample("uniform", size, generator, dtype, device, requires_grad, 0.0, 1.0), out)


def randn(*size, generator=None, dtype=None, device=None, requires_grad: bool = False, out=None, **keyword) -> Tensor:
    """Standard normal samples."""
    size = size_argument("randn", size, keyword)
    return _into(_sample("normal", size, generator, dtype, device, requires_grad, 0.0, 1.0), out)


def _integer_arg(name: str, value) -> int:
    if isinstance(value, Tensor) and not value.dtype.is_floating_point and value.numel() == 1:
        return int(value.item())
    if isinstance(value, (bool, float)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"randint(): {name} must be an int, got {type(value).__name__} {value!r}")
    return int(value)


def randint(
    *args,
    size=None,
    low=None,
    high=None,
    generator=None,
    dtype=None,
    device=None,
    requires_grad: bool = False,
    out=None,
) -> Tensor:
    """Integers from [low, high): randint(high, size) or randint(low, high, size)."""
    bounds = [v for v in (low, high) if v is not None]
    args = list(args)
    if size is None:
        if not args:
            raise TypeError("randint() missing the size argument, e.g. ember.randint(0, 10, (3,))")
        size = args.pop()
    bounds = args + bounds
    if len(bounds) not in (1, 2):
        raise TypeError(f"randint() takes (high, size) or (low, high, size), got {len(bounds)} bounds")
    if not isinstance(size, (tuple, list)):
        raise TypeError(
            f"randint(): size must be a tuple of ints, got {type(size).__name__} {size!r} (e.g. ember.randint(0, 10, "
            f"({size},)))"
        )
    low_value, high_value = (0, bounds[0]) if len(bounds) == 1 else bounds
    low_value, high_value = _integer_arg("low", low_value), _integer_arg("high", high_value)
    if high_value <= low_value:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low_value} >= to={high_value}")
    target = dt.as_dtype(dtype) if dtype is not None else dt.int64
    result = _integers(low_value, high_value, sizes_of((size,)), generator, target, device)
    if requires_grad:
        result.requires_grad_(True)
    return _into(result, out)


def _integers(low: int, high: int, shape: tuple, generator, target: dt.dtype, device) -> Tensor:
    dev, backend = _place(device)
    data = _stream(generator, dev).integers(low, high, shape, target.numpy)
    if not isinstance(data, backend.ndarray):
        data = backend.from_numpy(np.asarray(data), dev.index)
    return wrap(data, backend, target, dev)


def randperm(n: int, *, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A random permutation of 0..n-1."""
    target = dt.as_dtype(dtype) if dtype is not None else dt.int64
    dev, backend = _place(device)
    data = _stream(generator, dev).permutation(int(n))
    if not isinstance(data, backend.ndarray):
        data = backend.from_numpy(np.asarray(data), dev.index)
    return wrap(backend.astype(data, target), backend, target, dev)


def rand_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False, memory_format=None) -> Tensor:
    return rand(input.shape, dtype=dtype or input.dtype, device=device or input.device, requires_grad=requires_grad)


def randn_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False, memory_format=None) -> Tensor:
    return randn(input.shape, dtype=dtype or input.dtype, device=device or input.device, requires_grad=requires_grad)


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *, dtype=None, device=None) -> Tensor:
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device)


def normal(
    mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad: bool = False
) -> Tensor:
    """Normal samples with the given mean and std (either may be a tensor)."""
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        like = mean if isinstance(mean, Tensor) else std
        shape = mean.shape if isinstance(mean, Tensor) else std.shape
        noise = randn(shape, generator=generator, dtype=like.dtype, device=like.device)
        return (noise * std + mean).detach()
    return _sample("normal", (tuple(size),), generator, dtype, device, requires_grad, float(mean), float(std))


def bernoulli(input: Tensor, p=None, *, generator=None) -> Tensor:
    """1 with probability p (input holds the probabilities), else 0."""
    probabilities = input if p is None else input.new_full(input.shape, p)
    draws = rand(input.shape, generator=generator, dtype=probabilities.dtype, device=input.device)
    return (draws < probabilities).to(input.dtype).detach()


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *, generator=None) -> Tensor:
    """Indices sampled from the rows of input (non-negative weights)."""
    weights = input.detach().double()._host()
    rows = weights.reshape(-1, weights.shape[-1])
    stream = _stream(generator, input.device)
    picks = []
    for row in rows:
        chances = row / row.sum()
        if replacement:
            cumulative = np.cumsum(chances)
            draws = input._backend.to_numpy(stream.uniform((num_samples,), 0.0, 1.0, np.float64))
            picks.append(np.minimum(np.searchsorted(cumulative, draws, side="right"), len(row) - 1))
        else:
            if num_samples > np.count_nonzero(row):
                raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
            keys = np.log(input._backend.to_numpy(stream.uniform(row.shape, 0.0, 1.0, np.float64))) / np.where(
                row > 0, chances, 1e-300
            )
            picks.append(np.argsort(-keys)[:num_samples])
    result = np.stack(picks).reshape(*weights.shape[:-1], num_samples).astype(np.int64)
    backend = backend_for(input.device)
    return wrap(backend.from_numpy(result, input.device.index), backend, dt.int64, input.device)


# --- in-place sampling methods -----------------------------------------------------------------


def _fill_from(self: Tensor, sample: Tensor) -> Tensor:
    check_inplace_target(self)
    self._backend.copy_into(self._data, sample._data)
    self._version[0] += 1
    return self


def uniform_(self: Tensor, a: float = 0.0, b: float = 1.0, *, generator=None) -> Tensor:
    stream = _stream(generator, self.device)
    data = stream.uniform(self._data.shape, float(a), float(b), self.dtype.numpy)
    return _fill_from(self, _as_tensor_on(self, data))


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
    stream = _stream(generator, self.device)
    data = stream.normal(self._data.shape, float(mean), float(std), self.dtype.numpy)
    return _fill_from(self, _as_tensor_on(self, data))


def random_(self: Tensor, low: int = 0, high: int | None = None, *, generator=None) -> Tensor:
    if high is None:
        low, high = 0, low if low else 2**24
    return _fill_from(self, _integers(int(low), int(high), self._data.shape, generator, self.dtype, self.device))


def bernoulli_(self: Tensor, p=0.5, *, generator=None) -> Tensor:
    probabilities = p if isinstance(p, Tensor) else self.new_full(self.shape, p, dtype=dt.float64)
    return _fill_from(self, bernoulli(probabilities, generator=generator).to(self.dtype))


def exponential_(self: Tensor, lambd: float = 1.0, *, generator=None) -> Tensor:
    unit = rand(self.shape, generator=generator, dtype=dt.float64, device=self.device)
    return _fill_from(self, (-(1 - unit).log() / lambd).to(self.dtype))


def _as_tensor_on(self: Tensor, data) -> Tensor:
    backend = self._backend
    if not isinstance(data, backend.ndarray):
        data = backend.from_numpy(np.asarray(data), self.device.index)
    return wrap(data, backend, self.dtype, self.device)


for _method in (uniform_, normal_, random_, bernoulli_, exponential_):
    setattr(Tensor, _method.__name__, _method)
Tensor.bernoulli = lambda self, p=None, *, generator=None: bernoulli(self, p, generator=generator)
