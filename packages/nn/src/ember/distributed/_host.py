"""A tensor's values as one contiguous host (NumPy) array, the buffer an MPI call reads or writes.

A contiguous CPU tensor lends its own memory, so a collective works in place with no copy.
Anything else (a strided view, a tensor on an accelerator) is copied to host memory, and
`store` copies the result home after the call.
"""

from __future__ import annotations

import ember
import numpy as np


def read_array(tensor: ember.Tensor) -> np.ndarray:
    """The values to send: the tensor's memory when it is contiguous on CPU, else a host copy."""
    return np.ascontiguousarray(tensor.detach().numpy(force=True))


def write_array(tensor: ember.Tensor, what: str) -> tuple[np.ndarray, bool]:
    """(array, copied): where a collective may write the tensor's new values.

    `copied` says the array is a host copy that `store(tensor, array)` must write back.
    """
    array = tensor.detach().numpy(force=True)  # off the CPU: already a host copy
    if tensor.device.type != "cpu":
        return np.ascontiguousarray(array), True
    if not array.flags.writeable:
        raise ValueError(
            f"{what}: the tensor is a read-only view (of expand() or a broadcast, say), so the result "
            "cannot be written into it; pass a tensor that owns its memory, such as tensor.clone()"
        )
    if array.flags.c_contiguous:
        return array, False
    return np.ascontiguousarray(array), True


def store(tensor: ember.Tensor, values: np.ndarray) -> None:
    """Write `values` (any shape with the tensor's element count) into the tensor's own memory."""
    if tensor.device.type == "cpu":
        target = tensor.detach().numpy()
        if target.flags.writeable:
            np.copyto(target, values.reshape(target.shape), casting="no")
            return
    with ember.no_grad():
        tensor.detach().copy_(ember.from_numpy(np.ascontiguousarray(values).reshape(tuple(tensor.shape))))
