"""Named result tuples such as `ember.return_types.max(values=..., indices=...)`."""

from __future__ import annotations


class ReturnTuple(tuple):
    """A (values, indices) pair that prints and unpacks like PyTorch's return types."""

    def __new__(cls, kind: str, values, indices):
        made = super().__new__(cls, (values, indices))
        made._kind = kind
        return made

    @property
    def values(self):
        return self[0]

    @property
    def indices(self):
        return self[1]

    def __repr__(self) -> str:
        return f"ember.return_types.{self._kind}(\nvalues={self[0]!r},\nindices={self[1]!r})"
