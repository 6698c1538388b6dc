"""The default process group: init_process_group, destroy_process_group and the questions about it."""

from __future__ import annotations

from datetime import timedelta

from . import _backend, _faults
from ._group import ProcessGroup

default_pg_timeout = timedelta(minutes=30)

_default: ProcessGroup | None = None

_NOT_INITIALIZED = (
    "Default process group has not been initialized, please make sure to call init_process_group "
    "(ember.distributed.init_process_group(backend='mpi'), in a script started with mpiexec)."
)


def init_process_group(
    backend: str | None = None,
    init_method: str | None = None,
    timeout: timedelta | float | None = None,
    world_size: int = -1,
    rank: int = -1,
    store=None,
    group_name: str = "",
    pg_options=None,
    device_id=None,
) -> None:
    """Join the job's default process group; with backend='mpi' (the default) rank and size come from MPI.

    A collective that waits longer than `timeout` (30 minutes by default) ends the whole job with
    a message, as does an uncaught exception in any rank.
    """
    global _default
    if _default is not None:
        raise ValueError("trying to initialize the default process group twice!")
    if init_method not in (None, "env://"):
        raise ValueError(
            f"init_process_group(init_method={init_method!r}): ember's groups take rank and size from the "
            "launcher (mpiexec), so init_method is not used; leave it out"
        )
    if store is not None:
        raise ValueError("init_process_group(store=...): ember's groups need no store; leave it out")
    seconds = _seconds(default_pg_timeout if timeout is None else timeout)
    if seconds <= 0:
        raise ValueError(f"init_process_group(timeout={timeout!r}): the timeout must be positive")
    group = _backend.create_group(backend or "mpi", rank, world_size, seconds)
    if group.size() > 1:  # alone, nobody waits for this process (and a REPL must survive its errors)
        _faults.abort_on_uncaught_exception(group)
    _default = group


def destroy_process_group(group: ProcessGroup | None = None) -> None:
    """Leave the default group (init_process_group may be called again afterwards)."""
    global _default
    if group is not None and group is not _default:
        group.close()
        return
    if _default is None:
        return
    _default.close()
    _default = None
    _faults.restore_excepthook()


def is_initialized() -> bool:
    """Whether ``init_process_group`` has run in this process."""
    return _default is not None


def default_group() -> ProcessGroup:
    if _default is None:
        raise ValueError(_NOT_INITIALIZED)
    return _default


def resolve(group: ProcessGroup | None) -> ProcessGroup:
    return default_group() if group is None else group


def get_rank(group: ProcessGroup | None = None) -> int:
    """This process's rank in the group (the default group when None)."""
    return resolve(group).rank()


def get_world_size(group: ProcessGroup | None = None) -> int:
    """The number of processes in the group (the default group when None)."""
    return resolve(group).size()


def get_backend(group: ProcessGroup | None = None) -> str:
    """The name of the group's backend (``'mpi'``, ``'nccl'``)."""
    return resolve(group).backend


def _seconds(timeout) -> float:
    return timeout.total_seconds() if isinstance(timeout, timedelta) else float(timeout)
