"""axis= and keepdims= on reductions and scans: accepted, refused and valued as in PyTorch."""

from __future__ import annotations

import ember
import numpy as np
import pytest

torch = pytest.importorskip("torch")

DATA = np.random.default_rng(0).uniform(-2, 2, (2, 3, 4))
NAMES = ["sum", "nansum", "mean", "prod", "amax", "amin", "std", "var", "argmax", "argmin", "logsumexp"]
NAMES += ["max", "min", "any", "all", "count_nonzero", "cumsum", "cumprod", "softmax", "log_softmax"]
KEYWORDS = [{"axis": 1}, {"axis": 1, "keepdims": True}, {"dim": 1, "keepdims": True}, {"axis": 1, "dim": 1}]
KEYWORDS += [{"axis": -1, "keepdim": True}, {"axis": 0, "keepdims": False}]


def _outcome(module, name, keywords):
    x = module.tensor(DATA)
    if name in ("any", "all"):
        x = x > 0
    try:
        result = getattr(x, name)(**keywords)
    except TypeError:
        return "TypeError"
    if isinstance(result, tuple):
        return [np.asarray(part.tolist()) for part in result]
    return np.asarray(result.tolist())


@pytest.mark.parametrize("keywords", KEYWORDS, ids=str)
@pytest.mark.parametrize("name", NAMES)
def test_like_pytorch(name, keywords):
    ours, theirs = _outcome(ember, name, keywords), _outcome(torch, name, keywords)
    if isinstance(theirs, str):
        assert ours == theirs
    else:
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-12)
