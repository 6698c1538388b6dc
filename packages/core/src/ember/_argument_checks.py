"""Checks on the arguments of the creation and random functions.

Each check raises the exception type PyTorch raises for the same mistake, and its
message names the function and the argument, what was wrong and how to fix the call.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from . import _dtype as dt
from ._tensor import Tensor
from ._type_info import finfo, iinfo

INT64_MAX = 2**63 - 1
UINT64_LIMIT = 2**64
MAX_CATEGORIES = 2**24  # the largest count float32 holds exactly, as PyTorch's multinomial requires


def _limits(d: dt.dtype) -> tuple:
    if d is dt.bool_:
        return 0, 1
    info = finfo(d) if d.is_floating_point else iinfo(d)
    return info.min, info.max


LIMITS = {d: _limits(d) for d in dt.ALL_DTYPES}
LIMITS.update({d: LIMITS[d.to_real()] for d in dt.COMPLEX_DTYPES})  # NOTE: the range of each part
# Python ints that fill a dtype as they are: in its range, and in the int64/uint64 range PyTorch takes.
_PLAIN_INT_FILLS = {
    d: (max(lowest, -(2**63)), min(highest, UINT64_LIMIT - 1)) for d, (lowest, highest) in LIMITS.items()
}
MANTISSA_DIGITS = {dt.float16: 11, dt.bfloat16: 8, dt.float32: 24, dt.float64: 53}


def _range_text(target: dt.dtype) -> str:
    lowest, highest = LIMITS[target]
    if target.is_floating_point:
        return f"{target.name} holds [{lowest:g}, {highest:g}]"
    return f"{target.name} holds [{lowest}, {highest}]"


# --- plain arguments ---------------------------------------------------------------------------


def integer_argument(op: str, name: str, value) -> int:
    """An int argument as PyTorch takes it: a Python or NumPy integer, or a one-element integer tensor."""
    if type(value) is int:
        return value
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, Tensor) and not value.dtype.is_floating_point and value.numel() == 1:
        return int(value.item())
    raise TypeError(
        f"{op}(): argument '{name}' must be int, not {type(value).__name__} ({value!r}); pass a whole number"
    )


def generator_argument(op: str, generator, generator_type: type) -> None:
    if not isinstance(generator, generator_type):
        raise TypeError(
            f"{op}(): argument 'generator' must be ember.Generator, not {type(generator).__name__}; "
            "make one with ember.Generator().manual_seed(seed), or leave generator=None for the default"
        )


# --- allocation -------------------------------------------------------------------------------


def _readable_bytes(count: int) -> str:
    units = ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
    power = min(len(units) - 1, max(0, (count.bit_length() - 1) // 10))
    return f"{count / 1024**power:.3g} {units[power]}"


def raise_allocation_failure(op: str, shape: tuple, dtype: dt.dtype, error: BaseException) -> None:
    """Raise PyTorch's error for a backend's failure to allocate `shape`; return if `error` is about else.

    Call it from an `except` block and re-raise the original error when it returns.
    """
    if any(n > INT64_MAX for n in shape):
        raise TypeError(
            f"{op}(): argument 'size' failed to unpack: Overflow when unpacking long long (got sizes {list(shape)}); "
            f"each size must be below 2**63"
        ) from None
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes > INT64_MAX:
        raise RuntimeError(
            f"{op}(): Storage size calculation overflowed with sizes={list(shape)}: a tensor of this shape and dtype "
            f"{dtype.name} needs {nbytes} bytes, more than any address space holds; use smaller sizes"
        ) from None
    if isinstance(error, MemoryError):
        raise RuntimeError(
            f"{op}(): can't allocate memory: you tried to allocate {nbytes} bytes ({_readable_bytes(nbytes)}) for a "
            f"tensor of shape {list(shape)} and dtype {dtype.name}; use smaller sizes or a smaller dtype, or free "
            "memory first"
        ) from None


# --- values stored into a dtype -------------------------------------------------------------------


def overflow_error(target: dt.dtype, detail: str) -> RuntimeError:
    return RuntimeError(f"value cannot be converted to type {target.name} without overflow: {detail}")


def fill_value(op: str, value, target: dt.dtype):
    """value as `op` stores it into a `target` tensor; PyTorch's errors for values `target` cannot hold.

    As in PyTorch: a floating dtype takes inf and nan but no finite value beyond its range, and
    an unsigned dtype takes negative integers down to -max, which wrap around (-1 gives 255).
    """
    kind = type(value)
    if kind is float:
        lowest, highest = LIMITS[target]
        if lowest <= value <= highest:
            return value
    elif kind is int:
        lowest, highest = _PLAIN_INT_FILLS[target]
        if lowest <= value <= highest:
            return value
    return _checked_fill_value(op, value, target)


def _checked_fill_value(op: str, value, target: dt.dtype):
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise TypeError(
                f"{op}(): argument 'fill_value' must be Number, not Tensor (got one of shape {list(value.shape)}); "
                "pass a 0-dim tensor or a Python number"
            )
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or (target is dt.bool_ and isinstance(value, (int, float, np.number))):
        return value
    if isinstance(value, (int, np.integer)):
        return _integer_fill(op, int(value), target)
    if isinstance(value, (float, np.floating)):
        return _float_fill(op, float(value), target)
    if isinstance(value, (complex, np.complexfloating)):
        if target.is_complex:
            return complex(value)
        if value.imag:
            raise overflow_error(
                target, f"{op}() got the complex fill_value {value!r}; pass a complex dtype or a real number"
            )
        return _float_fill(op, value.real, target)
    raise TypeError(
        f"{op}(): argument 'fill_value' must be Number, not {type(value).__name__} ({value!r}); pass an int, float "
        "or bool"
    )


def _integer_fill(op: str, value: int, target: dt.dtype):
    if not -(2**63) <= value < UINT64_LIMIT:
        raise OverflowError(
            f"{op}(): fill_value {value} is too big to convert: Python integers must lie in [-2**63, 2**64) here; "
            "pass a float to fill a floating tensor"
        )
    lowest, highest = LIMITS[target]
    wraps = not target.is_signed and not target.is_floating_point
    if (-highest if wraps else lowest) <= value <= highest:
        return value % (highest + 1) if wraps and value < 0 else value
    raise overflow_error(
        target, f"{op}() got fill_value={value}, but {_range_text(target)}; pass a value in range or a wider dtype"
    )


def _float_fill(op: str, value: float, target: dt.dtype) -> float:
    lowest, highest = LIMITS[target]
    if lowest <= value <= highest or (target.is_floating_point and not math.isfinite(value)):
        return value
    raise overflow_error(
        target, f"{op}() got fill_value={value!r}, but {_range_text(target)}; pass a value in range or a wider dtype"
    )


# --- random ranges ------------------------------------------------------------------------------


def random_bounds(op: str, low: int, high: int, target: dt.dtype) -> None:
    """Check [low, high) for drawing integers into `target` (random_, randint), as PyTorch does."""
    if low >= high:
        raise RuntimeError(
            f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}; {op}() draws from "
            f"[from, to), so pass from < to"
        )
    lowest, highest = LIMITS[target]
    if not lowest <= low <= highest:
        raise RuntimeError(
            f"from is out of bounds for {target.name}: {op}() got from={low}, but {_range_text(target)}; "
            "narrow the range or pass a wider dtype"
        )
    if not lowest <= high - 1 <= highest:
        raise RuntimeError(
            f"to - 1 is out of bounds for {target.name}: {op}() got to={high}, so it would draw up to {high - 1}, "
            f"but {_range_text(target)}; narrow the range or pass a wider dtype"
        )
    digits = MANTISSA_DIGITS.get(target)
    if digits is not None and (abs(low) > 2**digits or abs(high - 1) > 2**digits):
        warnings.warn(
            f"{op}(): the range [{low}, {high}) goes beyond [-(2^{digits}), 2^{digits}], where {target.name} holds "
            "every integer, so some values cannot be drawn; use a wider dtype for an even spread",
            UserWarning,
            stacklevel=3,
        )


def uniform_bounds(low: float, high: float, target: dt.dtype) -> None:
    """Check [low, high) for uniform_ on a `target` tensor, as PyTorch does."""
    if not target.is_floating_point:
        raise NotImplementedError(
            f"\"check_uniform_bounds\" not implemented for '{dt.scalar_type_name(target)}': uniform_() fills "
            f"floating tensors only; use random_(from, to) for whole numbers in a {target.name} tensor"
        )
    lowest, highest = LIMITS[target]
    if lowest <= low <= high <= highest and high - low <= highest:
        return
    for name, bound in (("from", low), ("to", high)):
        if not lowest <= bound <= highest:
            raise RuntimeError(
                f"{name} is out of bounds for {target.name}: uniform_() got {name}={bound!r}, but "
                f"{_range_text(target)}; pass finite bounds in range"
            )
    if low > high:
        raise RuntimeError(
            f"uniform_ expects to return a [from, to) range, but found from={low:g} > to={high:g}; swap them: "
            f"uniform_({high:g}, {low:g})"
        )
    if high - low > highest:
        raise RuntimeError(
            f"uniform_ expects to-from <= the largest {target.name}, but found to={high:g} and from={low:g}, whose "
            "difference exceeds it; narrow the range or use a wider dtype"
        )


def floating_fill(op: str, kernel: str, target: dt.dtype) -> None:
    """Refuse sampling a continuous distribution into an integer tensor, as PyTorch's kernels do."""
    if not target.is_floating_point:
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{dt.scalar_type_name(target)}': {op}() samples floating values; "
            f"sample into a floating tensor and convert, e.g. ember.empty(n).{op}().to({target})"
        )


def standard_deviation(std: float) -> float:
    """std if it is one (not negative, not nan), with -0.0 as 0.0 (NumPy's sampler refuses -0.0)."""
    if not std >= 0.0:
        raise RuntimeError(
            f"normal expects std >= 0.0, but found std {std:g}; a standard deviation cannot be negative or nan"
        )
    return abs(std)


def _all_within(values: Tensor, lowest: float, highest: float) -> bool:
    """Whether every element lies in [lowest, highest] (False for nan), by the backend's reductions."""
    if not values.numel():
        return True
    backend, data = values._backend, values._data
    return bool(backend.min(data) >= lowest) and bool(backend.max(data) <= highest)


def standard_deviations(std: Tensor) -> None:
    if not _all_within(std, 0.0, math.inf):
        raise RuntimeError(
            "normal expects all elements of std >= 0.0, but std holds a negative value or nan; fix the tensor, "
            "e.g. std.abs() or std.clamp(min=0)"
        )


def exponential_rate(lambd: float, target: dt.dtype) -> None:
    if not target.is_floating_point:
        raise RuntimeError(
            "Exponential distribution is a continuous probability distribution. dtype must be a floating point but "
            f"you specified {dt.scalar_type_name(target)}; call exponential_() on a floating tensor"
        )
    if not lambd > 0.0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd:g}; pass a positive rate")


# --- probabilities ------------------------------------------------------------------------------


def probability(op: str, p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise RuntimeError(
            f"{op} expects p to be in [0, 1], but got p={p:g}; a probability must lie between 0 and 1 inclusive"
        )


def probabilities(op: str, p: Tensor) -> None:
    """Check a tensor of probabilities: floating, with every element in [0, 1] (a scan of p)."""
    if not p.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"bernoulli_tensor_cpu_p_\" not implemented for '{dt.scalar_type_name(p.dtype)}': {op}() needs "
            f"floating probabilities; convert them with p.to(ember.float32)"
        )
    if not _all_within(p, 0.0, 1.0):
        raise RuntimeError(
            f"Expected p_in >= 0 && p_in <= 1 to be true, but got false: {op}() found a probability outside [0, 1] "
            "or nan; fix the tensor, e.g. p.clamp(0, 1)"
        )


def multinomial_arguments(input: Tensor, num_samples, replacement: bool) -> int:
    """Check multinomial's shape, dtype and sample count as PyTorch does; the count as an int."""
    num_samples = integer_argument("multinomial", "num_samples", num_samples)
    if input.dim() not in (1, 2):
        raise RuntimeError(
            f"prob_dist must be 1 or 2 dim: multinomial() got a tensor of shape {list(input.shape)}; pass one "
            "distribution (1-D) or one per row (2-D)"
        )
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            f"multinomial only supports floating-point dtypes for input, got: {dt.scalar_type_name(input.dtype)}; "
            "convert the weights with .float()"
        )
    if num_samples <= 0:
        raise RuntimeError(f"cannot sample n_sample <= 0 samples (got num_samples={num_samples}); ask for 1 or more")
    categories = input.shape[-1]
    if not replacement and num_samples > categories:
        raise RuntimeError(
            f"cannot sample n_sample > prob_dist.size(-1) samples without replacement (got num_samples={num_samples} "
            f"for {categories} categories); ask for fewer or pass replacement=True"
        )
    if categories > MAX_CATEGORIES:
        raise RuntimeError(f"number of categories cannot exceed 2^24 (got {categories}); split the distribution")
    return num_samples


def multinomial_weights(rows: np.ndarray) -> np.ndarray:
    """Check each row of weights is a distribution: finite, non-negative, not all zero; the row totals."""
    if not rows.size:
        if rows.shape[0]:
            raise RuntimeError("multinomial(): the distribution has no categories; pass at least one weight per row")
        return np.zeros(0)
    if not (rows.min() >= 0.0 and rows.max() < math.inf):
        raise RuntimeError(
            "probability tensor contains either `inf`, `nan` or element < 0; multinomial() needs finite, "
            "non-negative weights (e.g. weights.clamp(min=0), or exp() of log-weights)"
        )
    totals = rows.sum(axis=1)
    empty_rows = np.flatnonzero(totals <= 0)
    if empty_rows.size:
        raise RuntimeError(
            f"invalid multinomial distribution (sum of probabilities <= 0): row {int(empty_rows[0])} is all zeros; "
            "give every row at least one positive weight"
        )
    return totals
