"""A tensor's values as one contiguous array, the buffer an MPI call reads or writes.

A contiguous CPU tensor lends its own memory, so a collective works in place with no copy.
A CUDA tensor lends its device memory where the MPI library is CUDA-aware (`device=True`,
after the device has finished its queued work); otherwise it is copied to host memory.
Anything else (a strided view) is copied, and `store` copies the result home after the call.
"""

from __future__ import annotations

import ember
import numpy as np


def _on_device(tensor: ember.Tensor, device: bool) -> bool:
    return device and tensor.device.type == "cuda"


def _device_array(tensor: ember.Tensor):
    """The tensor's device array, contiguous (a device copy when it is not), once the device is idle."""
    array = tensor.detach()._data
    if not array.flags.c_contiguous:
        array = tensor._backend.xp.ascontiguousarray(array)
    ember.cuda.synchronize(tensor.device)  # MPI reads the memory directly: queued kernels must be done
    return array


def _host_array(tensor: ember.Tensor) -> np.ndarray:
    """The tensor's values as a NumPy array: its own memory on the CPU, a copy elsewhere.

    np.asarray makes it a plain ndarray, which MPI reads; inside ember.compile's trace it stops
    the trace there (a collective is not recorded), and the step goes on eagerly.
    """
    return np.asarray(tensor.detach().numpy(force=True))


def read_array(tensor: ember.Tensor, device: bool = False):
    """The values to send: the tensor's memory when it is contiguous on CPU (or on CUDA with `device`), else a copy."""
    if _on_device(tensor, device):
        return _device_array(tensor)
    return np.ascontiguousarray(_host_array(tensor))


def write_array(tensor: ember.Tensor, what: str, device: bool = False) -> tuple:
    """(array, copied): where a collective may write the tensor's new values.

    `copied` says the array is a copy that `store(tensor, array)` must write back.
    """
    if _on_device(tensor, device):
        array = _device_array(tensor)
        return array, array is not tensor.detach()._data
    array = _host_array(tensor)  # off the CPU: already a host copy
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


def store(tensor: ember.Tensor, values) -> None:
    """Write `values` (any shape with the tensor's element count; host or, for a CUDA tensor, device) into the tensor."""
    if tensor.device.type == "cpu":
        target = _host_array(tensor)
        if target.flags.writeable:
            np.copyto(target, values.reshape(target.shape), casting="no")
            return
    shape = tuple(tensor.shape)
    if isinstance(values, np.ndarray):
        source = ember.from_numpy(np.ascontiguousarray(values).reshape(shape))
    else:  # a device array, already on the tensor's device
        source = ember.from_dlpack(values.reshape(shape))
    with ember.no_grad():
        tensor.detach().copy_(source)


def copy_home(tensor: ember.Tensor, array, copied: bool):
    """The finish of a call that wrote `array`: store it into the tensor, unless it is the tensor's own memory."""
    return (lambda: store(tensor, array)) if copied else None


def copy_rows_home(outputs: list, rows):
    """The finish of a gather into `rows`: store row i into outputs[i]."""

    def finish() -> None:
        for output, values in zip(outputs, rows):
            store(output, values)

    return finish
