"""Random numbers: seeded generators per device and the sampling functions."""

from __future__ import annotations

import math
import os

import numpy as np

from . import _argument_checks as checks
from . import _dtype as dt
from ._creation import _place, finish, size_argument, sizes_of
from ._devices import backend_for, canonical_device
from ._tensor import Tensor, wrap
from ._writes import check_inplace_target, write_out
from .backends._host_views import dtype_view

DEFAULT_SEED = 67280421310721


class Generator:
    """A random stream on one device; `manual_seed` makes it reproducible."""

    def __init__(self, device="cpu") -> None:
        self.device = canonical_device(device)
        self._seed = DEFAULT_SEED
        self._native = None

    def native(self):
        """The backend's random stream behind this generator, made on first use."""
        if self._native is None:
            self._native = backend_for(self.device).make_generator(self.device.index, self._seed)
        return self._native

    def manual_seed(self, seed: int) -> Generator:
        """Restart the stream from `seed`; returns the generator."""
        seed = int(seed)
        if seed < 0:
            seed += 1 << 64
        self._seed = seed
        if self._native is not None:
            self._native.seed(seed)
        return self

    def seed(self) -> int:
        """Seed the stream from a fresh random seed and return it."""
        fresh = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(fresh)
        return fresh

    def initial_seed(self) -> int:
        """The seed the stream started from."""
        return self._seed

    def get_state(self):
        """The state of the stream, a value ``set_state`` takes back."""
        return self.native().get_state()

    def set_state(self, state) -> Generator:
        """Continue the stream from a state ``get_state`` gave."""
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
    """Seed every device's default generator.

    >>> _ = ember.manual_seed(0)
    >>> a = ember.rand(3)
    >>> _ = ember.manual_seed(0)
    >>> ember.equal(a, ember.rand(3))
    True
    """
    _last_seed[0] = int(seed)
    for generator in _generators.values():
        generator.manual_seed(seed)
    return default_generator


def seed() -> int:
    """Seed the default generators from a fresh random seed and return it."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed the default CPU generator started from."""
    return default_generator.initial_seed()


def get_rng_state():
    """The state of the default CPU generator, a value ``set_rng_state`` takes back."""
    return default_generator.get_state()


def set_rng_state(state) -> None:
    """Continue the default CPU generator from a state ``get_rng_state`` gave."""
    default_generator.set_state(state)


def _stream(op: str, generator: Generator | None, device):
    if generator is not None:
        checks.generator_argument(op, generator, Generator)
        return generator.native()
    return default_generator_for(device).native()


def _sample(op: str, kind: str, size: tuple, generator, dtype, device, requires_grad: bool, *params) -> Tensor:
    """`op`'s draws from the stream's `kind` sampler ("uniform" or "normal") into a new tensor."""
    shape = sizes_of(size)
    target = dt.as_dtype(dtype) if dtype is not None else dt.get_default_dtype()
    if target.is_complex:
        # NOTE: as PyTorch: both parts drawn independently; a normal's variance split evenly between them
        parts = params if kind == "uniform" else (params[0], params[1] / math.sqrt(2))
        pairs = _sample(op, kind, (*shape, 2), generator, target.to_real(), device, False, *parts)
        return finish(
            dtype_view(pairs._backend, pairs._data, target.numpy)[..., 0],
            pairs._backend,
            target,
            pairs.device,
            requires_grad,
        )
    if not target.is_floating_point:
        raise NotImplementedError(
            f'{op}(): "{kind}" sampling is not implemented for {target}; sample a floating dtype '
            "and convert, or use ember.randint for integers"
        )
    dev, backend = _place(device)
    stream = _stream(op, generator, dev)
    try:
        data = getattr(stream, kind)(shape, *params, target.numpy)
    except (MemoryError, ValueError, OverflowError) as error:
        checks.raise_allocation_failure(op, shape, target, error)
        raise
    if not isinstance(data, backend.ndarray):
        data = backend.from_numpy(np.asarray(data), dev.index)
    return finish(data, backend, target, dev, requires_grad)


def _into(result: Tensor, out: Tensor | None) -> Tensor:
    if out is None:
        return result
    return write_out(out, result)


def rand(*size, generator=None, dtype=None, device=None, requires_grad: bool = False, out=None, **keyword) -> Tensor:
    """Uniform samples from [0, 1).

    >>> _ = ember.manual_seed(0)
    >>> x = ember.rand(2, 3)
    >>> x.shape
    ember.Size([2, 3])
    >>> bool(((x >= 0) & (x < 1)).all())
    True
    """
    size = size_argument("rand", size, keyword)
    return _into(_sample("rand", "uniform", size, generator, dtype, device, requires_grad, 0.0, 1.0), out)


def randn(*size, generator=None, dtype=None, device=None, requires_grad: bool = False, out=None, **keyword) -> Tensor:
    """Standard normal samples.

    >>> _ = ember.manual_seed(0)
    >>> ember.randn(2, 3).shape
    ember.Size([2, 3])
    >>> ember.randn(4, dtype=ember.float64).dtype
    ember.float64
    """
    size = size_argument("randn", size, keyword)
    return _into(_sample("randn", "normal", size, generator, dtype, device, requires_grad, 0.0, 1.0), out)


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
    low_value = checks.integer_argument("randint", "low", low_value)
    high_value = checks.integer_argument("randint", "high", high_value)
    target = dt.as_dtype(dtype) if dtype is not None else dt.int64
    checks.random_bounds("randint", low_value, high_value, target)
    result = _integers("randint", low_value, high_value, sizes_of((size,)), generator, target, device)
    if requires_grad:
        result.requires_grad_(True)
    return _into(result, out)


def _integers(op: str, low: int, high: int, shape: tuple, generator, target: dt.dtype, device) -> Tensor:
    dev, backend = _place(device)
    stream = _stream(op, generator, dev)
    try:
        data = stream.integers(low, high, shape, target.numpy)
    except (MemoryError, ValueError, OverflowError) as error:
        checks.raise_allocation_failure(op, shape, target, error)
        raise
    if not isinstance(data, backend.ndarray):
        data = backend.from_numpy(np.asarray(data), dev.index)
    return wrap(data, backend, target, dev)


def randperm(n: int, *, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A random permutation of 0..n-1."""
    n = checks.integer_argument("randperm", "n", n)
    target = dt.as_dtype(dtype) if dtype is not None else dt.int64
    if n < 0 or target is not dt.int64:
        _check_randperm_arguments(n, target)
    dev, backend = _place(device)
    stream = _stream("randperm", generator, dev)
    try:
        data = stream.permutation(n)
    except (MemoryError, ValueError, OverflowError) as error:
        checks.raise_allocation_failure("randperm", (n,), dt.int64, error)
        raise
    if not isinstance(data, backend.ndarray):
        data = backend.from_numpy(np.asarray(data), dev.index)
    return wrap(backend.astype(data, target), backend, target, dev)


def _check_randperm_arguments(n: int, target: dt.dtype) -> None:
    """PyTorch's limits on randperm: n >= 0, and n - 1 must fit the dtype (exactly, if floating)."""
    sizes_of((n,))
    if target is dt.bool_:
        raise NotImplementedError(
            "\"randperm\" not implemented for 'Bool': a permutation needs a numeric dtype such as ember.int64"
        )
    digits = checks.MANTISSA_DIGITS.get(target)
    if digits is not None:
        if n > 2**digits + 1:
            raise RuntimeError(
                f"n cannot be greater than {2**digits + 1} for {dt.scalar_type_name(target)} type: randperm({n}) "
                f"would hold integers {target.name} cannot represent; use dtype=ember.int64"
            )
    elif n - 1 > checks.LIMITS[target][1]:
        raise checks.overflow_error(
            target,
            f"randperm({n}) holds values up to {n - 1}, but {target.name} holds at most "
            f"{checks.LIMITS[target][1]}; use dtype=ember.int64",
        )


def rand_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False, memory_format=None) -> Tensor:
    """A tensor of input's shape with samples uniform in ``[0, 1)``."""
    return rand(input.shape, dtype=dtype or input.dtype, device=device or input.device, requires_grad=requires_grad)


def randn_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False, memory_format=None) -> Tensor:
    """A tensor of input's shape with samples of the standard normal distribution."""
    return randn(input.shape, dtype=dtype or input.dtype, device=device or input.device, requires_grad=requires_grad)


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *, dtype=None, device=None) -> Tensor:
    """A tensor of input's shape with random integers in ``[low, high)``."""
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device)


def normal(
    mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad: bool = False
) -> Tensor:
    """Normal samples with the given mean and std (either may be a tensor)."""
    if isinstance(std, Tensor):
        checks.standard_deviations(std)
    elif isinstance(mean, Tensor):
        std = checks.standard_deviation(float(std))
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        like = mean if isinstance(mean, Tensor) else std
        shape = mean.shape if isinstance(mean, Tensor) else std.shape
        checks.floating_fill("normal", "normal_kernel_cpu", like.dtype)
        noise = _sample("normal", "normal", (shape,), generator, like.dtype, like.device, False, 0.0, 1.0)
        return (noise * std + mean).detach()
    if size is None:
        raise TypeError(
            "normal() needs a size when mean and std are numbers, e.g. ember.normal(0.0, 1.0, size=(3,)); or pass "
            "mean or std as a tensor"
        )
    mean, std = float(mean), checks.standard_deviation(float(std))
    return _sample("normal", "normal", (tuple(size),), generator, dtype, device, requires_grad, mean, std)


def bernoulli(input: Tensor, p=None, *, generator=None) -> Tensor:
    """1 with probability p (input holds the probabilities, or p is one for all), else 0."""
    if p is None:
        checks.probabilities("bernoulli", input)
        flips = _coin_flips("bernoulli", input.shape, input, generator, input.dtype, input.device)
    else:
        draws_dtype = input.dtype if input.dtype.is_floating_point else dt.float64
        flips = _coin_flips("bernoulli", input.shape, _probability(p), generator, draws_dtype, input.device)
    return flips.to(input.dtype).detach()


def _probability(p) -> float:
    p = float(p)
    checks.probability("bernoulli_", p)
    return p


def _coin_flips(op: str, shape, probabilities, generator, draws_dtype: dt.dtype, device) -> Tensor:
    """True where a uniform draw falls below the probability (a number, or a tensor broadcast to shape)."""
    draws = _sample(op, "uniform", (shape,), generator, draws_dtype, device, False, 0.0, 1.0)
    return draws < probabilities


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *, generator=None) -> Tensor:
    """Indices sampled from the rows of input (non-negative weights)."""
    num_samples = checks.multinomial_arguments(input, num_samples, replacement)
    stream = _stream("multinomial", generator, input.device)
    weights = input.detach().double()._host()
    rows = weights if weights.ndim == 2 else weights[None]
    totals = checks.multinomial_weights(rows)
    picks = []
    for row, total in zip(rows, totals):
        chances = row / total
        if replacement:
            cumulative = np.cumsum(chances)
            draws = input._backend.to_numpy(stream.uniform((num_samples,), 0.0, 1.0, np.float64))
            picks.append(np.minimum(np.searchsorted(cumulative, draws, side="right"), len(row) - 1))
        else:
            # NOTE: zero weights get the lowest keys, so they are drawn last, as in PyTorch.
            keys = np.log(input._backend.to_numpy(stream.uniform(row.shape, 0.0, 1.0, np.float64))) / np.where(
                row > 0, chances, 1e-300
            )
            picks.append(np.argsort(-keys)[:num_samples])
    result = np.array(picks, dtype=np.int64).reshape(*weights.shape[:-1], num_samples)
    backend = backend_for(input.device)
    return wrap(backend.from_numpy(result, input.device.index), backend, dt.int64, input.device)


# --- in-place sampling methods -----------------------------------------------------------------


def _fill_from(self: Tensor, sample: Tensor) -> Tensor:
    check_inplace_target(self)
    self._backend.copy_into(self._data, sample._data)
    self._version[0] += 1
    return self


def uniform_(self: Tensor, a: float = 0.0, b: float = 1.0, *, generator=None) -> Tensor:
    """Fill the tensor with samples uniform in ``[from, to)``, in place."""
    a, b = float(a), float(b)
    checks.uniform_bounds(a, b, self.dtype)
    stream = _stream("uniform_", generator, self.device)
    data = stream.uniform(self._data.shape, a, b, self.dtype.numpy)
    return _fill_from(self, _as_tensor_on(self, data))


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
    """Fill the tensor with samples of the normal distribution, in place."""
    checks.floating_fill("normal_", "normal_kernel_cpu", self.dtype)
    mean, std = float(mean), checks.standard_deviation(float(std))
    stream = _stream("normal_", generator, self.device)
    data = stream.normal(self._data.shape, mean, std, self.dtype.numpy)
    return _fill_from(self, _as_tensor_on(self, data))


def _default_random_range(target: dt.dtype) -> tuple[int, int]:
    """random_()'s range without bounds: every integer the dtype holds exactly, from 0."""
    digits = checks.MANTISSA_DIGITS.get(target)
    return 0, (2**digits if digits is not None else checks.LIMITS[target][1]) + 1


def random_(self: Tensor, low: int | None = None, high: int | None = None, *, generator=None) -> Tensor:
    """Integers from [low, high); random_(high) draws from [0, high), random_() from the dtype's whole range."""
    if low is None and high is None:
        low, high = _default_random_range(self.dtype)
    else:
        low, high = (0, low) if high is None else (low, high)
        low = checks.integer_argument("random_", "from", low)
        high = checks.integer_argument("random_", "to", high)
        checks.random_bounds("random_", low, high, self.dtype)
    return _fill_from(self, _integers("random_", low, high, self._data.shape, generator, self.dtype, self.device))


def bernoulli_(self: Tensor, p=0.5, *, generator=None) -> Tensor:
    """Fill the tensor with 0 or 1, drawn with probability `p` of 1, in place."""
    if isinstance(p, Tensor):
        checks.probabilities("bernoulli_", p)
        flips = _coin_flips("bernoulli_", p.shape, p, generator, p.dtype, p.device)
    else:
        flips = _coin_flips("bernoulli_", self.shape, _probability(p), generator, dt.float64, self.device)
    return _fill_from(self, flips.to(self.dtype))


def exponential_(self: Tensor, lambd: float = 1.0, *, generator=None) -> Tensor:
    """Fill the tensor with samples of the exponential distribution of rate `lambd`, in place."""
    lambd = float(lambd)
    checks.exponential_rate(lambd, self.dtype)
    unit = _sample("exponential_", "uniform", (self.shape,), generator, dt.float64, self.device, False, 0.0, 1.0)
    return _fill_from(self, (-(1 - unit).log() / lambd).to(self.dtype))


def cauchy_(self: Tensor, median: float = 0.0, sigma: float = 1.0, *, generator=None) -> Tensor:
    """Fill the tensor with samples of the Cauchy distribution, in place."""
    checks.floating_fill("cauchy_", "cauchy_kernel_cpu", self.dtype)
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}; pass a positive scale")
    unit = _sample("cauchy_", "uniform", (self.shape,), generator, dt.float64, self.device, False, 0.0, 1.0)
    return _fill_from(self, (median + sigma * (math.pi * (unit - 0.5)).tan()).to(self.dtype))


def log_normal_(self: Tensor, mean: float = 1.0, std: float = 2.0, *, generator=None) -> Tensor:
    """Fill the tensor with samples whose log is normal with `mean` and `std`, in place."""
    checks.floating_fill("log_normal_", "log_normal_cpu", self.dtype)
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}; pass a positive std")
    normal = _sample("log_normal_", "normal", (self.shape,), generator, dt.float64, self.device, False, 0.0, 1.0)
    return _fill_from(self, (normal * std + mean).exp().to(self.dtype))


def geometric_(self: Tensor, p: float, *, generator=None) -> Tensor:
    """Fill the tensor with the number of Bernoulli(p) trials up to the first success (1, 2, ...), in place."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    unit = _sample("geometric_", "uniform", (self.shape,), generator, dt.float64, self.device, False, 0.0, 1.0)
    return _fill_from(self, ((1 - unit).log() / math.log1p(-p)).ceil().clamp(min=1).to(self.dtype))


def _as_tensor_on(self: Tensor, data) -> Tensor:
    backend = self._backend
    if not isinstance(data, backend.ndarray):
        data = backend.from_numpy(np.asarray(data), self.device.index)
    return wrap(data, backend, self.dtype, self.device)


for _method in (uniform_, normal_, random_, bernoulli_, exponential_, cauchy_, log_normal_, geometric_):
    setattr(Tensor, _method.__name__, _method)
Tensor.bernoulli = bernoulli
Tensor.multinomial = multinomial


def poisson(input: Tensor, generator=None) -> Tensor:
    """Poisson counts with the rates in input: exponential inter-arrival times counted within unit time."""
    rate = input.detach()
    if bool((rate < 0).any()):
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    shape = tuple(rate.shape)
    elapsed, count = rate.new_zeros(shape), rate.new_zeros(shape)
    running = rate > 0
    while running.any():  # NOTE: one pass per expected event, so a rate of r costs about r passes
        draws = _sample("poisson", "uniform", (shape,), generator, rate.dtype, rate.device, False, 0.0, 1.0)
        elapsed = elapsed + -(-draws).log1p() / rate
        running = running & (elapsed <= 1)
        count = count + running.to(rate.dtype)
    return count


def binomial(count: Tensor, prob: Tensor, generator=None) -> Tensor:
    """The number of successes of `count` trials, each with probability `prob` (broadcast together)."""
    if not count.dtype.is_floating_point:
        raise ValueError(
            f"binomial only supports floating-point dtypes for count, got: {dt.scalar_type_name(count.dtype)}"
        )
    count, prob = count.detach(), prob.detach()
    shape = tuple(np.broadcast_shapes(tuple(count.shape), tuple(prob.shape)))
    trials = int(count.max().item()) if count.numel() else 0
    flips = bernoulli(prob.expand((trials, *shape)), generator=generator)
    counted = count.new_tensor(range(trials)).reshape((-1,) + (1,) * len(shape)) < count
    return (flips * counted.to(flips.dtype)).sum(0)
