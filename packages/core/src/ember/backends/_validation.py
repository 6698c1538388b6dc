"""Checking a backend object against the protocol before the registry accepts it.

A backend must have string ``name`` and ``device_type`` attributes, every method of
:class:`~ember.backends.Backend` (metadata, creation and transfer, random, indexing),
``xp`` and ``ndarray``, and every kernel of :func:`~ember.backends.kernel_names`.

Members are looked up without running the backend's code (no properties, no
``__getattr__``): a check must not import a missing array library. A backend whose
class defines ``__getattr__`` may bind members lazily (ember-cupy binds its kernels
once CuPy is found); the members such a lookup cannot see are *deferred*: the
registry checks them, with plain ``getattr``, the first time the backend says it is
available.
"""

from __future__ import annotations

import inspect
import types

from ._protocol import Backend, kernel_names

_MISSING = object()
#: How many missing members a message names before it counts the rest.
_NAMED_AT_MOST = 20
#: What the registry asks before a lazy backend's deferred members are checked: never deferred.
_ASKED_FIRST = ("is_available", "unavailable_reason", "device_count")
#: Members that are values (the array module and the array type), not callables.
_VALUES = ("xp", "ndarray")
#: Every member a backend must have, besides ``name`` and ``device_type``.
REQUIRED_MEMBERS: tuple[str, ...] = (
    *_VALUES,
    *(name for name, value in vars(Backend).items() if callable(value) and not name.startswith("_")),
    *kernel_names(),
)


class BackendRejected(TypeError):
    """A backend object does not implement the protocol (the message says what it lacks)."""


def _static(backend, attribute: str):
    """The attribute as stored on the object or its class, running none of its code (slots are read)."""
    found = inspect.getattr_static(backend, attribute, _MISSING)
    if isinstance(found, types.MemberDescriptorType):
        found = getattr(backend, attribute, _MISSING)
    return found


def stored(backend, attribute: str):
    """The attribute's stored value (None when absent), read without running the backend's code."""
    found = _static(backend, attribute)
    return None if found is _MISSING else found


def _present(member: str, found) -> bool:
    if found is _MISSING or found is None:
        return False
    return member in _VALUES or callable(found) or hasattr(type(found), "__get__")  # a function, a ufunc, a property


def check_metadata(backend) -> None:
    """BackendRejected unless ``name`` and ``device_type`` are plain strings and ``distribution`` str or None.

    Plain values, not properties: the registry reads them freely afterwards, so reading
    them must never run (and never fail in) the plugin's code.
    """
    for attribute in ("name", "device_type"):
        if not isinstance(_static(backend, attribute), str):
            raise BackendRejected(
                f"backend {_safe_repr(backend)} has no string attribute {attribute!r} (a plain value, not a "
                f"property; see ember.backends.Backend)"
            )
    distribution = _static(backend, "distribution")
    if distribution is not _MISSING and distribution is not None and not isinstance(distribution, str):
        raise BackendRejected(f"backend {backend.name!r}: 'distribution' must be a string or None")


def _stored_members(backend) -> dict:
    """What the object and its classes store, by name (``inspect.getattr_static`` for all names at once)."""
    members: dict = {}
    for klass in reversed(type(backend).__mro__):
        members.update(vars(klass))
    try:
        members.update(object.__getattribute__(backend, "__dict__"))
    except AttributeError:  # __slots__ only
        pass
    return members


def check(backend) -> tuple[str, ...]:
    """Raise BackendRejected naming what the backend lacks; return the members deferred to its ``__getattr__``."""
    check_metadata(backend)
    members = _stored_members(backend)
    missing = tuple(member for member in REQUIRED_MEMBERS if not _present(member, members.get(member, _MISSING)))
    if not missing:
        return ()
    if "__getattr__" in members and not set(missing) & set(_ASKED_FIRST):
        return missing
    raise BackendRejected(lacks_message(backend, missing))


def missing_members(backend, members: tuple[str, ...]) -> tuple[str, ...]:
    """Those of `members` that the backend still lacks when asked for them (its ``__getattr__`` runs)."""
    return tuple(member for member in members if not _present(member, getattr(backend, member, _MISSING)))


def lacks_message(backend, missing: tuple[str, ...]) -> str:
    named = ", ".join(missing[:_NAMED_AT_MOST])
    more = f" and {len(missing) - _NAMED_AT_MOST} more" if len(missing) > _NAMED_AT_MOST else ""
    return (
        f"backend {backend.name!r} for {backend.device_type!r} lacks members of the backend protocol: "
        f"{named}{more} (see ember.backends.Backend and ember.backends.KERNELS; subclassing "
        f"ember.backends.NumpyLikeBackend provides them all)"
    )


def describe_error(error: BaseException) -> str:
    """``Type: message``, even for an exception whose ``str()`` itself fails."""
    try:
        return f"{type(error).__name__}: {error}"
    except Exception:
        return f"{type(error).__name__} (its message cannot be printed)"


def _safe_repr(backend) -> str:
    try:
        return repr(backend)
    except Exception:
        return f"<{type(backend).__name__} object>"
