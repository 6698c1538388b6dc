"""Named result tuples such as `ember.return_types.max(values=..., indices=...)`."""

from __future__ import annotations

from .._tensor import Tensor


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


class NamedResult(tuple):
    """A tuple of results with named fields (`linalg_svd(U, S, Vh)`), printed like PyTorch's return types.

    Each kind is a subclass made by `_named_result`, with one read-only property per field.
    """

    __slots__ = ()
    _fields: tuple = ()

    def __new__(cls, *items):
        if len(items) != len(cls._fields):
            raise TypeError(
                f"{cls.__name__} takes {len(cls._fields)} items ({', '.join(cls._fields)}), got {len(items)}"
            )
        return tuple.__new__(cls, items)

    def __reduce__(self):
        return (_rebuild, (type(self).__name__, tuple(self)))

    def __repr__(self) -> str:
        fields = ",\n".join(f"{name}={value!r}" for name, value in zip(self._fields, self))
        return f"ember.return_types.{type(self).__name__}(\n{fields})"


def _field(kind: str, index: int, name: str) -> property:
    def read(self):
        return self[index]

    read.__name__, read.__qualname__ = name, f"{kind}.{name}"  # NOTE: so the stub generator finds this file
    read.__annotations__ = {"return": Tensor}
    return property(read, doc=f"The result's {name} (item {index}).")


def _named_result(kind: str, fields: tuple) -> type:
    """The NamedResult class `kind` with `fields`, public as `ember.return_types.<kind>`."""
    namespace = {"__slots__": (), "__module__": __name__, "_fields": fields}
    namespace["n_fields"] = namespace["n_sequence_fields"] = len(fields)
    namespace.update({name: _field(kind, i, name) for i, name in enumerate(fields)})
    _NAMED[kind] = found = type(kind, (NamedResult,), namespace)
    return found


_NAMED: dict = {}


def _rebuild(kind: str, items: tuple):
    return _NAMED[kind](*items)


linalg_svd = _named_result("linalg_svd", ("U", "S", "Vh"))
svd = _named_result("svd", ("U", "S", "V"))
linalg_qr = _named_result("linalg_qr", ("Q", "R"))
qr = _named_result("qr", ("Q", "R"))
linalg_eigh = _named_result("linalg_eigh", ("eigenvalues", "eigenvectors"))
linalg_slogdet = _named_result("linalg_slogdet", ("sign", "logabsdet"))
slogdet = _named_result("slogdet", ("sign", "logabsdet"))
linalg_lstsq = _named_result("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))
linalg_inv_ex = _named_result("linalg_inv_ex", ("inverse", "info"))
linalg_cholesky_ex = _named_result("linalg_cholesky_ex", ("L", "info"))
linalg_solve_ex = _named_result("linalg_solve_ex", ("result", "info"))
linalg_lu_factor = _named_result("linalg_lu_factor", ("LU", "pivots"))
linalg_lu_factor_ex = _named_result("linalg_lu_factor_ex", ("LU", "pivots", "info"))
linalg_ldl_factor = _named_result("linalg_ldl_factor", ("LD", "pivots"))
linalg_ldl_factor_ex = _named_result("linalg_ldl_factor_ex", ("LD", "pivots", "info"))
linalg_lu = _named_result("linalg_lu", ("P", "L", "U"))
lu_unpack = _named_result("lu_unpack", ("P", "L", "U"))
triangular_solve = _named_result("triangular_solve", ("solution", "cloned_coefficient"))
geqrf = _named_result("geqrf", ("a", "tau"))
frexp = _named_result("frexp", ("mantissa", "exponent"))
histogram = _named_result("histogram", ("hist", "bin_edges"))
histogramdd = _named_result("histogramdd", ("hist", "bin_edges"))
