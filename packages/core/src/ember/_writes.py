"""Writes into an existing tensor that every layer above the engine shares: in-place checks and `out=`."""

from __future__ import annotations

from ._autograd._grad_mode import state as grad_state
from ._tensor import Tensor

LEAF_INPLACE_MESSAGE = (
    "a leaf Variable that requires grad is being used in an in-place operation. "
    "Wrap the update in `with ember.no_grad():` (as optimizers do), or use the out-of-place op."
)


def check_inplace_target(x: Tensor) -> None:
    if x._requires_grad and grad_state.enabled:
        if x.grad_fn is None:
            raise RuntimeError(LEAF_INPLACE_MESSAGE)
        base = x._base
        if base is not None and base._requires_grad and base.grad_fn is None:
            raise RuntimeError("a view of " + LEAF_INPLACE_MESSAGE)


def write_out(out: Tensor, result: Tensor) -> Tensor:
    """`out=` semantics: resize when needed, then copy the result into out's buffer."""
    if not isinstance(out, Tensor):
        raise TypeError(f"out= must be a Tensor, got {type(out).__name__}")
    if out._requires_grad and grad_state.enabled:
        raise RuntimeError(
            "out= arguments don't support automatic differentiation, but one of the arguments requires grad."
        )
    if out._data.shape != result._data.shape:
        out._data = out._backend.astype(result._data, out.dtype)
        out._storage_changed()
    else:
        out._backend.copy_into(out._data, result._data)
    out._version[0] += 1
    return out
