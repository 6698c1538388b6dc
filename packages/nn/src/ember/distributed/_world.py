"""The default process group: init_process_group, destroy_process_group and the questions about it."""

from __future__ import annotations

from datetime import timedelta

from . import _backend, _faults
from ._group import ProcessGroup

default_pg_timeout = timedelta(minutes=30)

_default: ProcessGroup | None = None
_subgroups: list[ProcessGroup] = []  # made by new_group; destroyed with the default group


class GroupMember:
    """What `new_group` returns on a rank outside the new group (as in PyTorch)."""

    NON_GROUP_MEMBER = -100


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


def new_group(
    ranks: list[int] | None = None,
    timeout: timedelta | float | None = None,
    backend: str | None = None,
    pg_options=None,
    use_local_synchronization: bool = False,
    group_desc: str | None = None,
    device_id=None,
    sort_ranks: bool = True,
) -> ProcessGroup | int:
    """A group of some of the job's ranks (all by default); a rank outside it gets ``GroupMember.NON_GROUP_MEMBER``.

    Every rank of the job calls it with the same ranks, in the same order of new_group calls
    (with `use_local_synchronization=True`, only the ranks in the group call it). Group rank i
    is the i-th smallest of `ranks` (the i-th as given with `sort_ranks=False`).
    """
    world = default_group()
    kind = world.backend if backend is None else _backend.Backend(backend)
    members = _members(world, ranks)
    if sort_ranks:
        members = sorted(members)
    seconds = world.timeout if timeout is None else _seconds(timeout)
    inside = world.rank() in members
    if use_local_synchronization and not inside:
        return GroupMember.NON_GROUP_MEMBER
    if kind == world.backend:
        group = world.split(members, seconds, local=use_local_synchronization)
    else:
        group = _backend.split_as(kind, world, members, seconds, use_local_synchronization)
    if group is None:
        return GroupMember.NON_GROUP_MEMBER
    _subgroups.append(group)
    return group


def _members(world: ProcessGroup, ranks) -> list[int]:
    if ranks is None:
        return list(range(world.size()))
    members = list(ranks)
    for rank in members:
        if isinstance(rank, bool) or not isinstance(rank, int) or not 0 <= rank < world.size():
            raise ValueError(
                f"new_group(ranks={members}): {rank!r} is not a rank of the job, which has {world.size()} "
                f"(0 to {world.size() - 1})"
            )
    if len(set(members)) != len(members):
        raise ValueError(f"new_group(ranks={members}): a rank appears twice")
    return members


def destroy_process_group(group: ProcessGroup | None = None) -> None:
    """Leave the default group and every group made from it (init_process_group may be called again)."""
    global _default
    if group is GroupMember.NON_GROUP_MEMBER:
        return
    if group is not None and group is not _default:
        if group in _subgroups:
            _subgroups.remove(group)
        group.close()
        return
    if _default is None:
        return
    while _subgroups:
        _subgroups.pop().close()
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


def is_member(group) -> bool:
    """False for `GroupMember.NON_GROUP_MEMBER`, what new_group gives a rank outside the group."""
    return group is not GroupMember.NON_GROUP_MEMBER


def get_rank(group: ProcessGroup | None = None) -> int:
    """This process's rank in the group (the default group when None); -1 outside the group."""
    return resolve(group).rank() if is_member(group) else -1


def get_world_size(group: ProcessGroup | None = None) -> int:
    """The number of processes in the group (the default group when None); -1 outside the group."""
    return resolve(group).size() if is_member(group) else -1


def get_process_group_ranks(group: ProcessGroup | None) -> list[int]:
    """The global ranks of the group's members, in the order of their group ranks."""
    return list(resolve(_registered(group)).ranks)


def get_group_rank(group: ProcessGroup, global_rank: int) -> int:
    """The rank in `group` of the job's rank `global_rank` (ValueError when it is not a member)."""
    ranks = resolve(_registered(group)).ranks
    if global_rank not in ranks:
        raise ValueError(f"Global rank {global_rank} is not part of group {group}")
    return ranks.index(global_rank)


def get_global_rank(group: ProcessGroup, group_rank: int) -> int:
    """The job's rank of the member with rank `group_rank` in `group`."""
    ranks = resolve(_registered(group)).ranks
    if isinstance(group_rank, bool) or not isinstance(group_rank, int) or not 0 <= group_rank < len(ranks):
        raise ValueError(f"Group rank {group_rank} is not part of group {group}")
    return ranks[group_rank]


def _registered(group):
    if not is_member(group):
        raise ValueError("this rank is not a member of the group (new_group gave it GroupMember.NON_GROUP_MEMBER)")
    return group


def get_backend(group: ProcessGroup | None = None) -> str:
    """The name of the group's backend (``'mpi'``, ``'nccl'``)."""
    return resolve(group).backend


def _seconds(timeout) -> float:
    return timeout.total_seconds() if isinstance(timeout, timedelta) else float(timeout)
