"""`.safetensors` files, through the `safetensors` package's NumPy API (an optional dependency).

A safetensors file holds a flat mapping from names to arrays and nothing else: no views, no shared
memory, no nesting. Saving checks that the object is such a mapping; loading gives a dict of tensors.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtype as dt
from .._device import CPU
from .._devices import default_backend
from .._tensor import Tensor, wrap

MISSING = (
    "ember reads and writes .safetensors files with the safetensors package, which is not installed: "
    "pip install safetensors (or pip install 'ember-core[safetensors]')"
)


def _api():
    try:
        import safetensors.numpy as api
    except ImportError:
        raise ImportError(MISSING) from None
    return api


def looks_like_safetensors(head: bytes) -> bool:
    """A safetensors file starts with its header's length (8 bytes, little-endian) and then the header's `{`."""
    return len(head) >= 9 and head[8:9] == b"{" and 2 <= int.from_bytes(head[:8], "little") < (1 << 32)


def encode(obj: Any) -> bytes:
    """The bytes of a safetensors file holding obj, a dict from str to Tensor."""
    if not isinstance(obj, dict) or not all(isinstance(k, str) and isinstance(v, Tensor) for k, v in obj.items()):
        raise TypeError(
            "ember.save(format='safetensors') stores a flat dict from str to Tensor (such as model.state_dict()), "
            f"not {_describe(obj)}. Save other objects in ember's format or format='torch'."
        )
    api = _api()
    arrays = {name: np.ascontiguousarray(t._backend.to_numpy(t._data)) for name, t in obj.items()}
    return api.save(arrays)


def decode(data: bytes, place) -> dict[str, Tensor]:
    """The tensors of a safetensors file's bytes, each a CPU tensor placed by `place(tensor, 'cpu')`."""
    api = _api()
    backend = default_backend()
    loaded = {}
    # NOTE: safetensors' NumPy API has no BF16 (NumPy lacks it): its views are read here, bfloat16 included.
    for name, view in api.deserialize(data):
        code = view["dtype"]
        native = dt.bfloat16.numpy if code == "BF16" else api._getdtype(code)
        array = np.frombuffer(view["data"], dtype=native).reshape(view["shape"]).copy()  # writable, owned memory
        dtype = dt.from_numpy_dtype(array.dtype)
        loaded[name] = place(wrap(backend.from_numpy(array, None), backend, dtype, CPU), "cpu")
    return loaded


def _describe(obj: Any) -> str:
    if isinstance(obj, dict):
        for key, value in obj.items():
            if not isinstance(key, str):
                return f"a dict with the key {key!r}"
            if not isinstance(value, Tensor):
                return f"a dict whose {key!r} is a {type(value).__name__}"
    return f"a {type(obj).__name__}"
