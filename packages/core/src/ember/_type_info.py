"""`ember.finfo` and `ember.iinfo`: the limits of a dtype, computed from its format (no NumPy dtype needed)."""

from __future__ import annotations

import math

from . import _dtype as dt

#: bits, significand digits (with the implicit one) and largest exponent of each floating format.
_FLOAT_FORMATS = {
    dt.float16: (16, 11, 15),
    dt.bfloat16: (16, 8, 127),
    dt.float32: (32, 24, 127),
    dt.float64: (64, 53, 1023),
}


def _g(value: float) -> str:
    return f"{value:g}"


class finfo:
    """Machine limits of a floating-point dtype (`ember.finfo(ember.bfloat16).eps`), as `torch.finfo`."""

    __slots__ = {
        "bits": "The number of bits the type occupies.",
        "eps": "The gap between 1.0 and the next larger representable number.",
        "max": "The largest finite number.",
        "min": "The most negative finite number (``-max``).",
        "tiny": "The smallest positive normal number (as ``smallest_normal``).",
        "smallest_normal": "The smallest positive normal number.",
        "resolution": "The approximate decimal resolution: ``10 ** -precision``.",
        "dtype": "The dtype's name, such as ``'bfloat16'``.",
    }

    def __init__(self, type: dt.dtype | None = None) -> None:  # noqa: A002
        d = dt.get_default_dtype() if type is None else dt.as_dtype(type)
        if d not in _FLOAT_FORMATS:
            raise TypeError(
                "torch.finfo() requires a floating point input type. Use torch.iinfo to handle 'torch.finfo'"
            )
        bits, digits, emax = _FLOAT_FORMATS[d]
        self.bits = bits
        self.eps = 2.0 ** (1 - digits)
        self.max = (2.0 - self.eps) * 2.0**emax
        self.min = -self.max
        self.tiny = self.smallest_normal = 2.0 ** (1 - emax)
        self.resolution = 10.0 ** -math.floor(-math.log10(self.eps))
        self.dtype = d.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, finfo) and other.dtype == self.dtype

    def __hash__(self) -> int:
        return hash(("finfo", self.dtype))

    def __repr__(self) -> str:
        return (
            f"finfo(resolution={_g(self.resolution)}, min={_g(self.min)}, max={_g(self.max)}, eps={_g(self.eps)}, "
            f"smallest_normal={_g(self.smallest_normal)}, tiny={_g(self.tiny)}, dtype={self.dtype})"
        )


class iinfo:
    """Machine limits of an integer dtype (`ember.iinfo(ember.int32).max`), as `torch.iinfo`."""

    __slots__ = {
        "bits": "The number of bits the type occupies.",
        "max": "The largest number.",
        "min": "The smallest number.",
        "dtype": "The dtype's name, such as ``'int32'``.",
    }

    def __init__(self, type: dt.dtype) -> None:  # noqa: A002
        d = dt.as_dtype(type)
        if d is dt.bool_:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if d.category != dt.INTEGER:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle 'torch.iinfo'")
        self.bits = 8 * d.itemsize
        self.min = -(2 ** (self.bits - 1)) if d.is_signed else 0
        self.max = 2 ** (self.bits - (1 if d.is_signed else 0)) - 1
        self.dtype = d.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, iinfo) and other.dtype == self.dtype

    def __hash__(self) -> int:
        return hash(("iinfo", self.dtype))

    def __repr__(self) -> str:
        return f"iinfo(min={_g(self.min)}, max={_g(self.max)}, dtype={self.dtype})"
