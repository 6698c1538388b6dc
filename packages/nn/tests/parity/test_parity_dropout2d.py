"""Dropout2d on 1-D to 5-D input: PyTorch's warnings, errors and which elements share a draw."""

from __future__ import annotations

import warnings

import ember
import numpy as np
import pytest

torch = pytest.importorskip("torch")


def _run(module, shape):
    """(warning texts, error type, which positions equal the first along each dim) for dropout2d(ones(shape))."""
    module.manual_seed(0)
    ones = module.ones(*shape)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = np.asarray(module.nn.functional.dropout2d(ones, 0.5).tolist())
        except RuntimeError as error:
            return [str(w.message) for w in caught], str(error), None
    shared = [bool(np.all(out == out.take([0], axis=d))) for d in range(out.ndim) if out.shape[d] > 1]
    return [str(w.message) for w in caught], None, shared


@pytest.mark.parametrize("shape", [(8,), (1, 8), (64, 64), (64, 64, 5), (64, 64, 5, 3), (16, 16, 2, 3, 4)])
def test_like_pytorch(shape):
    assert _run(ember, shape) == _run(torch, shape)
