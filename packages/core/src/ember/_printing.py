"""Tensor ``repr`` text, character for character as PyTorch prints it.

This module knows nothing about ember tensors: it turns a host NumPy array plus
a little metadata into the text ``repr(tensor)`` shows, with ``ember.`` where
PyTorch writes ``torch.``.  It depends only on NumPy and the standard library.

The rules (all from PyTorch's printer):

* Floats use one shared style for the whole tensor, chosen from its nonzero
  finite values: integer style (``1.``) when all of them are whole numbers,
  scientific style when ``max/min > 1000``, ``max > 1e8`` or ``min < 1e-4``
  (of absolute values; ``sci_mode`` overrides), fixed style otherwise.  Every
  element is right-aligned to the widest formatted nonzero finite value.
* A tensor with more than ``threshold`` elements is summarised: along every
  dimension longer than ``2 * edgeitems`` only the first and last ``edgeitems``
  entries are printed, with ``...`` between them.  The style and width then
  come from the printed entries only.
* Rows wrap at ``linewidth`` columns; a continuation line is indented one past
  the opening bracket.  Nested blocks are separated by ``ndim - 1`` newlines.
* Suffixes (device, size, dtype, grad_fn/requires_grad) follow the data,
  moving onto a new line when the current one would get too long.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = ["format_tensor", "get_printoptions", "printoptions", "set_printoptions"]


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


_PROFILES: dict[str, dict[str, Any]] = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}

# Dtypes whose tensors never print a ``dtype=`` suffix unless they are empty.
_DTYPES_IMPLIED_BY_VALUES = frozenset({"int64", "bool"})

_options = _PrintOptions()


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set the printing options, like ``torch.set_printoptions``.

    ``profile`` ("default", "short" or "full") is applied first, then every
    other argument that is not None.  ``sci_mode`` is always assigned, so
    leaving it out resets it to automatic (None), as in PyTorch.  An unknown
    profile name is ignored, as in PyTorch.
    """
    if profile in _PROFILES:
        for name, value in _PROFILES[profile].items():
            setattr(_options, name, value)
    if precision is not None:
        _options.precision = precision
    if threshold is not None:
        _options.threshold = threshold
    if edgeitems is not None:
        _options.edgeitems = edgeitems
    if linewidth is not None:
        _options.linewidth = linewidth
    _options.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """The current options, as keyword arguments for :func:`set_printoptions`."""
    return dataclasses.asdict(_options)


@contextlib.contextmanager
def printoptions(**kwargs: Any) -> Iterator[None]:
    """Temporarily change the printing options (same arguments as set_printoptions)."""
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


def format_tensor(
    values: np.ndarray,
    *,
    dtype_name: str,
    show_dtype: bool,
    device: str | None = None,
    requires_grad: bool = False,
    grad_fn: str | None = None,
    prefix: str = "tensor(",
) -> str:
    """Return ``repr`` text of a tensor whose values are the host array ``values``.

    ``dtype_name`` is the bare dtype name ("float64"), printed as
    ``dtype=ember.float64``.

    ``show_dtype`` contract: pass ``dtype != ember.get_default_dtype()``, that
    is True exactly when the tensor's dtype is not the current default float
    dtype.  This function applies the rest of PyTorch's rule itself:

    * a non-empty tensor shows its dtype when ``show_dtype`` is True and the
      dtype is neither ``int64`` nor ``bool`` (their values already say so);
    * an empty tensor shows its dtype whenever ``show_dtype`` is True
      (including int64 and bool), and its size unless it is 1-d.

    ``device`` is None for the default (CPU) device, else its text, such as
    "cuda:0".  ``grad_fn`` is the backward node's name ("MulBackward0"); when
    it is given ``requires_grad`` is not printed.  ``prefix`` opens the text
    and sets the indentation of continuation lines.
    """
    values = np.asarray(values)
    if values.dtype.kind == "V":  # NOTE: a float type NumPy lacks (bfloat16) prints as its float32 values
        values = values.astype(np.float32)
    indent = len(prefix)
    suffixes = []
    if device is not None:
        suffixes.append(f"device='{device}'")

    if values.size == 0:
        body = "[]"
        if values.ndim != 1:
            suffixes.append(f"size={tuple(values.shape)}")
        if show_dtype:
            suffixes.append(f"dtype=ember.{dtype_name}")
    else:
        if not _options.edgeitems:
            suffixes.append(f"size={tuple(values.shape)}")
        if show_dtype and dtype_name not in _DTYPES_IMPLIED_BY_VALUES:
            suffixes.append(f"dtype=ember.{dtype_name}")
        body = _format_values(values, indent)

    if grad_fn is not None:
        suffixes.append(f"grad_fn=<{grad_fn}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")

    return _append_suffixes(prefix + body, suffixes, indent)


class _ElementFormatter:
    """Formats single elements in the one style and width shared by a tensor."""

    def __init__(self, shown: np.ndarray) -> None:
        self.precision = _options.precision
        self.is_float = shown.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.width = 1

        flat = shown.ravel()
        if not self.is_float:
            self.width = max((len(str(v)) for v in flat.tolist()), default=1)
            return

        nonzero_finite = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
        if nonzero_finite.size == 0:
            return
        magnitudes = np.abs(nonzero_finite)
        smallest, largest = float(magnitudes.min()), float(magnitudes.max())
        self.int_mode = bool(np.all(nonzero_finite == np.ceil(nonzero_finite)))
        if _options.sci_mode is None:
            self.sci_mode = largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
        else:
            self.sci_mode = _options.sci_mode
        self.width = max(self._measure(v) for v in nonzero_finite.tolist())

    def _measure(self, value: float) -> int:
        if self.sci_mode:
            return len(f"{value:.{self.precision}e}")
        if self.int_mode:
            return len(f"{value:.0f}") + 1  # room for the trailing "."
        return len(f"{value:.{self.precision}f}")

    def format(self, value: Any) -> str:
        if not self.is_float:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:.{self.precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}" + ("." if math.isfinite(value) else "")
        else:
            text = f"{value:.{self.precision}f}"
        return text.rjust(self.width)


class _ComplexFormatter:
    """Formats complex elements as PyTorch does: real and imaginary parts each in their own style."""

    def __init__(self, shown: np.ndarray) -> None:
        self.real = _ElementFormatter(np.ascontiguousarray(shown.real))
        self.imag = _ElementFormatter(np.ascontiguousarray(shown.imag))
        self.width = self.real.width + self.imag.width + 1  # the parts and the "j"

    def format(self, value: complex) -> str:
        imag = (self.imag.format(value.imag) + "j").lstrip()
        return self.real.format(value.real) + (imag if imag[0] in "+-" else "+" + imag)


def _format_values(values: np.ndarray, indent: int) -> str:
    summarize = values.size > _options.threshold
    shown = _edges(values, _options.edgeitems) if summarize else values
    formatter = _ComplexFormatter(shown) if shown.dtype.kind == "c" else _ElementFormatter(shown)
    return _format_block(values, indent, summarize, formatter)


def _edges(values: np.ndarray, edgeitems: int) -> np.ndarray:
    """The entries a summarised print shows: edges of every long dimension."""
    for axis, length in enumerate(values.shape):
        if length > 2 * edgeitems:
            kept = list(range(edgeitems)) + list(range(length - edgeitems, length))
            values = np.take(values, kept, axis=axis)
    return values


def _format_block(values: np.ndarray, indent: int, summarize: bool, formatter) -> str:
    if values.ndim == 0:
        return formatter.format(values.item())
    if values.ndim == 1:
        return _format_row(values, indent, summarize, formatter)

    edgeitems = _options.edgeitems
    length = values.shape[0]
    if summarize and length > 2 * edgeitems:
        kept = [*range(edgeitems), None, *range(length - edgeitems, length)]
    else:
        kept = list(range(length))
    blocks = ["..." if i is None else _format_block(values[i], indent + 1, summarize, formatter) for i in kept]
    separator = "," + "\n" * (values.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(blocks) + "]"


def _format_row(values: np.ndarray, indent: int, summarize: bool, formatter) -> str:
    edgeitems = _options.edgeitems
    if summarize and not edgeitems:
        items = ["..."]
    elif summarize and len(values) > 2 * edgeitems:
        head = [formatter.format(v) for v in values[:edgeitems].tolist()]
        tail = [formatter.format(v) for v in values[-edgeitems:].tolist()]
        items = [*head, " ...", *tail]
    else:
        items = [formatter.format(v) for v in values.tolist()]

    item_length = formatter.width + 2  # the element plus ", "
    per_line = max(1, math.floor((_options.linewidth - indent) / item_length))
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _append_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    # PyTorch counts the last line as two characters longer than it is.
    line_length = len(text) - text.rfind("\n") + 1
    parts = [text]
    for suffix in suffixes:
        if line_length + len(suffix) + 2 > _options.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            line_length = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            line_length += len(suffix) + 2
    parts.append(")")
    return "".join(parts)
