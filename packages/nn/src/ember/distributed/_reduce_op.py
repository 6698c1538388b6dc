"""ReduceOp: how a reducing collective combines the values of the ranks."""

from __future__ import annotations

from enum import Enum


class ReduceOp(Enum):
    """`ReduceOp.SUM`, `AVG`, `PRODUCT`, `MIN`, `MAX`, as in `torch.distributed`.

    On bool tensors SUM and MAX are a logical or, PRODUCT and MIN a logical and (as PyTorch
    does); AVG needs a floating-point tensor.
    """

    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"

    def __repr__(self) -> str:
        return f"<ReduceOp.{self.name}>"
