"""Backend: the names of process-group backends and their registry (the plugin point).

`mpi` is built in, and so is `nccl` for CUDA tensors (started through MPI, available where CuPy has NCCL). A third
party adds its own with `Backend.register_backend(name, create, unavailable=...)`.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import ClassVar, NamedTuple

from ._group import ProcessGroup


class _Registered(NamedTuple):
    create: Callable[[int, int, float], ProcessGroup]
    unavailable: Callable[[], str | None]


class Backend(str):
    """A backend's name, normalised (`Backend("MPI") == "mpi"`), and the registry of backends."""

    UNDEFINED = "undefined"
    MPI = "mpi"
    NCCL = "nccl"
    _registered: ClassVar[dict[str, _Registered]] = {}

    def __new__(cls, name: str) -> Backend:
        if not isinstance(name, str):
            raise ValueError(f"Backend name must be a string, but got: {name!r}")
        value = name.lower()
        if value not in cls._registered:
            raise ValueError(_unknown(name))
        return str.__new__(cls, value)

    @classmethod
    def register_backend(
        cls,
        name: str,
        func: Callable[[int, int, float], ProcessGroup],
        extended_api: bool = False,
        devices: str | list[str] | None = None,
        *,
        unavailable: Callable[[], str | None] | None = None,
    ) -> None:
        """Add a group backend: `func(rank, world_size, timeout_seconds)` returns its ProcessGroup.

        `unavailable()` returns None when the backend can run in this process, else the reason
        (shown by init_process_group). `extended_api` and `devices` are accepted for PyTorch's
        signature and not used.
        """
        key = name.lower()
        if key in cls._registered:
            raise ValueError(f"backend {name!r} is already registered")
        cls._registered[key] = _Registered(func, unavailable or (lambda: None))
        setattr(cls, name.upper(), key)


def _unknown(name) -> str:
    known = ", ".join(f"{n!r} ({'available' if unavailable_reason(n) is None else 'unavailable'})" for n in names())
    hint = " ember's CPU group is 'mpi', launched with mpiexec." if str(name).lower() == "gloo" else ""
    return (
        f"unknown backend {name!r}: ember.distributed has {known}.{hint} "
        "Register your own with ember.distributed.Backend.register_backend."
    )


def names() -> list[str]:
    return list(Backend._registered)


def unavailable_reason(name: str) -> str | None:
    """None when backend `name` can run here, else why not."""
    return Backend._registered[name.lower()].unavailable()


def create_group(name: str, rank: int, world_size: int, timeout: float) -> ProcessGroup:
    backend = Backend(name)
    reason = unavailable_reason(backend)
    if reason is not None:
        raise RuntimeError(f"ember.distributed backend {str(backend)!r} is not available: {reason}")
    return Backend._registered[backend].create(rank, world_size, timeout)


def split_as(name: str, world: ProcessGroup, members: list[int], timeout: float, local: bool) -> ProcessGroup | None:
    """A subgroup under another built-in backend than the default group's: nccl over MPI's processes, or mpi."""
    base = getattr(world, "bootstrap", world)  # the mpi group beneath an nccl group; an mpi group itself
    if base.backend != Backend.MPI or name not in (Backend.MPI, Backend.NCCL):
        raise ValueError(
            f"new_group(backend={name!r}): a {world.backend!r} default group makes subgroups of its own backend "
            "(and of 'mpi' and 'nccl' when MPI started the job); leave backend out"
        )
    reason = unavailable_reason(name)
    if reason is not None:
        raise RuntimeError(f"new_group(backend={name!r}): the backend is not available: {reason}")
    group = base.split(members, timeout, local)
    if group is None or name == Backend.MPI:
        return group
    from . import _nccl

    return _nccl.over(group)


# --- the built-in backends -----------------------------------------------------------------


def _mpi_unavailable() -> str | None:
    if importlib.util.find_spec("mpi4py") is None:
        return "mpi4py is not installed: pip install 'ember-nn[mpi]' (mpi4py and MPICH, from wheels)"
    return None


def _create_mpi(rank: int, world_size: int, timeout: float) -> ProcessGroup:
    try:
        from . import _mpi
    except RuntimeError as error:  # mpi4py raises this when it finds no MPI library
        raise RuntimeError(f"mpi4py found no MPI library ({error}): pip install mpich, or your system's MPI") from None
    return _mpi.create(rank, world_size, timeout)


def _nccl_unavailable() -> str | None:
    from . import _nccl

    return _nccl.unavailable_reason()


def _create_nccl(rank: int, world_size: int, timeout: float) -> ProcessGroup:
    from . import _nccl

    return _nccl.create(rank, world_size, timeout)


Backend.register_backend("mpi", _create_mpi, unavailable=_mpi_unavailable)
Backend.register_backend("nccl", _create_nccl, unavailable=_nccl_unavailable)
