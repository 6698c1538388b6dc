"""`assert_close`: compare tensors (or NumPy arrays, numbers) with dtype-aware tolerances."""

from __future__ import annotations

import numpy as np

_TOLERANCES = {"float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5), "float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7)}


def _host(value):
    if hasattr(value, "_data") and hasattr(value, "_backend"):
        return value.detach()._backend.to_numpy(value.detach()._data), value.dtype.name, value.device, value.shape
    array = np.asarray(value)
    return array, array.dtype.name, None, array.shape


def assert_close(
    actual,
    expected,
    *,
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = False,
    check_dtype: bool = True,
    check_device: bool = True,
    msg: str | None = None,
) -> None:
    """Raise AssertionError unless actual and expected match in shape, dtype, device and values."""
    a, a_dtype, a_device, a_shape = _host(actual)
    e, e_dtype, e_device, e_shape = _host(expected)
    if tuple(a_shape) != tuple(e_shape):
        raise AssertionError(
            msg or f"The values for attribute 'shape' do not match: {tuple(a_shape)} != {tuple(e_shape)}."
        )
    both_tensors = a_device is not None and e_device is not None
    if check_dtype and both_tensors and a_dtype != e_dtype:
        raise AssertionError(msg or f"The values for attribute 'dtype' do not match: {a_dtype} != {e_dtype}.")
    if check_device and both_tensors and a_device != e_device:
        raise AssertionError(msg or f"The values for attribute 'device' do not match: {a_device} != {e_device}.")
    default_rtol, default_atol = _TOLERANCES.get(a_dtype, (0.0, 0.0))
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol
    a64 = a.astype(np.float64) if a.dtype != np.bool_ else a
    e64 = e.astype(np.float64) if e.dtype != np.bool_ else e
    close = np.isclose(a64, e64, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if not np.all(close):
        bad = int(np.size(close) - np.count_nonzero(close))
        diff = np.abs(a64 - e64)
        where = np.unravel_index(int(np.nanargmax(np.where(close, -1, diff))), diff.shape) if diff.ndim else ()
        raise AssertionError(
            msg
            or (
                f"Tensor-likes are not close!\n\nMismatched elements: {bad} / {np.size(close)}\n"
                f"Greatest absolute difference: {np.nanmax(diff)} at index {where} (up to {atol} allowed)\n"
                f"(rtol={rtol}, atol={atol})"
            )
        )
