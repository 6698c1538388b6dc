"""The copy variants of the view ops (torch.view_copy, permute_copy, t_copy, ...): the view's values in new memory.

Each is made by `copy_variant` from its view: the result (or each result of a split) is copied
into new contiguous memory, and its gradient flows back through the view.
"""

from __future__ import annotations

from .._tensor import Tensor, _wrap_dim
from .._writes import write_out
from . import complex, shape, views  # noqa: F401  (they attach the Tensor methods used below)
from ._declare import export


def _copied(view: Tensor) -> Tensor:
    """The view's values in new, contiguous memory (one copy either way)."""
    result = view.contiguous()
    return result.clone() if result is view else result


def copy_variant(name: str, view) -> None:
    """Publish ``ember.<name>_copy``: `view`'s result, copied."""

    def function(input: Tensor, *args, out: Tensor | list | None = None, **kwargs):
        result = view(input, *args, **kwargs)
        if not isinstance(result, tuple):
            return _copied(result) if out is None else write_out(out, result)
        if out is None:
            return tuple(_copied(piece) for piece in result)
        if len(out) != len(result):
            raise RuntimeError(f"{name}_copy expected an out= argument of size {len(result)}, got size {len(out)}")
        for target, piece in zip(out, result, strict=True):  # NOTE: as torch, a list out= gives None
            write_out(target, piece)
        return None

    function.__name__ = function.__qualname__ = f"{name}_copy"
    function.__doc__ = f"The values of :func:`{name}` in new memory (a copy, not a view)."
    export(function, method=False)


def _slice(input: Tensor, dim: int = 0, start: int | None = None, end: int | None = None, step: int = 1) -> Tensor:
    return input[(slice(None),) * _wrap_dim(dim, input.ndim) + (slice(start, end, step),)]


copy_variant("alias", lambda input: input)
copy_variant("slice", _slice)
copy_variant("expand", lambda input, size, *, implicit=False: input.expand(size))
copy_variant("permute", lambda input, dims: input.permute(dims))
copy_variant("view", lambda input, size: input.view(size))
copy_variant("view_as_real", complex.view_as_real)
copy_variant("view_as_complex", complex.view_as_complex)
for _name in ("detach", "diagonal", "select", "split", "split_with_sizes", "squeeze", "t", "transpose", "unbind",
              "unfold", "unsqueeze"):  # fmt: skip
    copy_variant(_name, getattr(Tensor, _name))
