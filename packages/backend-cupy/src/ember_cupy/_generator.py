"""Random streams on a GPU whose state can be saved and restored.

CuPy cannot export the state of its cuRAND generators, so each draw is keyed: a host
PCG64 stream (small, exportable state) hands every draw a fresh 63-bit key, and the
draw comes from CuPy's counter-based Philox generator seeded with that key, on the
generator's device. Same seed, same draws; `get_state()` is the host stream's state.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_NATIVE_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_PHILOX = 161  # cuRAND's CURAND_RNG_PSEUDO_PHILOX4_32_10: reseeding it is cheap (no state setup kernel)


class CupyGenerator:
    """A seeded random stream on CUDA device `index` (draws are arrays on that device)."""

    def __init__(self, cupy: Any, index: int, seed: int) -> None:
        self._cupy = cupy
        self.index = index
        with cupy.cuda.Device(index):
            self._device_stream = cupy.random.RandomState(0, method=_PHILOX)
        self.seed(seed)

    def seed(self, seed: int) -> None:
        self._keys = np.random.Generator(np.random.PCG64(seed))

    def get_state(self) -> dict:
        return self._keys.bit_generator.state

    def set_state(self, state: dict) -> None:
        self._keys.bit_generator.state = state

    def _next(self):
        """CuPy's stream, rekeyed for one draw (call under the device)."""
        self._device_stream.seed(int(self._keys.integers(1 << 63)))
        return self._device_stream

    def uniform(self, shape: tuple, low: float, high: float, dtype: Any) -> Any:
        dtype = np.dtype(dtype)
        with self._cupy.cuda.Device(self.index):
            unit = self._next().random_sample(shape, dtype=dtype if dtype in _NATIVE_FLOATS else np.float64)
            if low != 0 or high != 1:
                unit = unit * (high - low) + low
            return unit.astype(dtype, copy=False)

    def normal(self, shape: tuple, mean: float, std: float, dtype: Any) -> Any:
        dtype = np.dtype(dtype)
        with self._cupy.cuda.Device(self.index):
            drawn = self._next().normal(mean, std, shape, dtype=dtype if dtype in _NATIVE_FLOATS else np.float64)
            return drawn.astype(dtype, copy=False)

    def integers(self, low: int, high: int, shape: tuple, dtype: Any) -> Any:
        with self._cupy.cuda.Device(self.index):
            return self._next().randint(low, high, shape, dtype=np.int64).astype(dtype, copy=False)

    def permutation(self, n: int) -> Any:
        with self._cupy.cuda.Device(self.index):
            return self._next().permutation(n).astype(np.int64, copy=False)

    def bernoulli(self, p: Any, shape: tuple) -> Any:
        with self._cupy.cuda.Device(self.index):
            return self._next().random_sample(shape) < p
