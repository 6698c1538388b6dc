"""Named result tuples such as `ember.return_types.max(values=..., indices=...)`."""

from __future__ import annotations


class ReturnTuple(tuple):
    """A (values, indices) pair that unpacks, indexes and prints like PyTorch's return types.

    `ReturnTuple("max", values, indices)` builds an instance of the class named `max`
    (one class per kind, so `type(result).__name__` reads as in PyTorch).
    """

    __slots__ = ()
    _fields = ("values", "indices")
    n_fields = n_sequence_fields = 2

    def __new__(cls, kind: str, values, indices):
        return tuple.__new__(_kind_class(kind), (values, indices))

    def __reduce__(self):
        return (ReturnTuple, (type(self).__name__, self[0], self[1]))

    @property
    def values(self):
        return self[0]

    @property
    def indices(self):
        return self[1]

    def __repr__(self) -> str:
        first, second = self._fields
        return f"ember.return_types.{type(self).__name__}(\n{first}={self[0]!r},\n{second}={self[1]!r})"


_KINDS: dict = {}
_OTHER_FIELDS = {"aminmax": ("min", "max")}  # kinds whose two fields are not (values, indices)


def _kind_class(kind: str) -> type:
    found = _KINDS.get(kind)
    if found is None:
        namespace = {"__slots__": (), "__module__": "ember.return_types", "__new__": staticmethod(_make)}
        fields = _OTHER_FIELDS.get(kind)
        if fields is not None:
            namespace["_fields"] = fields
            namespace.update({name: property(lambda self, i=i: self[i]) for i, name in enumerate(fields)})
        found = _KINDS[kind] = type(kind, (ReturnTuple,), namespace)
    return found


def _make(cls, values, indices):
    return tuple.__new__(cls, (values, indices))
