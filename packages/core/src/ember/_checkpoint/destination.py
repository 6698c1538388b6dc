"""Writing a checkpoint to a path the way the file system expects.

- A regular file (or a new path) in a writable folder is replaced atomically: the checkpoint is written
  to a temporary file beside it, which is renamed over it once complete, keeping the old file's mode
  and owner. A crash leaves either the old or the new checkpoint, never a mix.
- A symlink is written through: the file it names is replaced, atomically, in that file's folder.
- Devices and FIFOs (`/dev/null`, a pipe a reader waits on) are written to directly.
- A read-only file is refused, as `open(path, "wb")` refuses it.
- A file that cannot be replaced without losing something is written in place: one with other hard
  links (they keep seeing it), one in a folder we may not create files in, one whose owner we could
  not give to a replacement.

Temporary files are named `.ember-save-<host>-<pid>-<random>.tmp`: those of this host whose process
is gone (killed mid-save) are removed by the next save into their folder.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Callable
from typing import BinaryIO

LEFTOVER_PREFIX = ".ember-save-"
_LEFTOVER = re.compile(r"\.ember-save-(?P<host>.+)-(?P<pid>\d+)-[0-9a-f]{8}\.tmp\Z")


def write_to_path(path, write: Callable[[BinaryIO], None]) -> None:
    """Call write(stream) to fill the file at path, choosing how by what is there (see the module's doc)."""
    given = os.fsdecode(os.fspath(path))
    target = os.path.realpath(given)
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        raise RuntimeError(
            f"ember.save: cannot write {given!r}: the folder {folder!r} does not exist (or is not a folder). "
            f"Create it first: os.makedirs({folder!r}, exist_ok=True)"
        )
    try:
        status = os.stat(target)
    except FileNotFoundError:
        status = None
    if status is None:
        if not _may(folder, os.W_OK | os.X_OK):
            raise PermissionError(
                errno.EACCES, f"ember.save: cannot create a file in {folder!r}: the folder is not writable", given
            )
        _replace(target, None, write)
    elif stat.S_ISDIR(status.st_mode):
        raise IsADirectoryError(errno.EISDIR, "ember.save: the path is a folder; name a file inside it", given)
    elif not stat.S_ISREG(status.st_mode):
        _write_in_place(target, write, regular=False)
    elif not _may(target, os.W_OK):
        raise PermissionError(
            errno.EACCES,
            "ember.save: the file is read-only; make it writable (os.chmod) or save to another path",
            given,
        )
    elif not _may(folder, os.W_OK | os.X_OK):
        _write_in_place(target, write, regular=True)
    elif status.st_nlink > 1 or not _can_give_owner(status):
        remove_dead_leftovers(folder)
        _write_in_place(target, write, regular=True)
    else:
        _replace(target, status, write)


def _replace(target: str, status: os.stat_result | None, write: Callable[[BinaryIO], None]) -> None:
    """Write a temporary file beside target and rename it over target; status is the file it replaces."""
    folder = os.path.dirname(target)
    remove_dead_leftovers(folder)
    temporary = os.path.join(folder, f"{LEFTOVER_PREFIX}{_host()}-{os.getpid()}-{os.urandom(4).hex()}.tmp")
    # A new file gets 0o666 less the umask (and the folder's default ACL) from the kernel, as open() gives.
    mode = 0o666 if status is None else stat.S_IMODE(status.st_mode)
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), mode & 0o777)
    try:
        with os.fdopen(handle, "wb") as stream:
            if status is not None and os.name == "posix":
                _copy_mode_and_owner(stream.fileno(), status)
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
    _sync_folder(folder)


def _write_in_place(target: str, write: Callable[[BinaryIO], None], regular: bool) -> None:
    with open(target, "wb") as stream:
        write(stream if regular else _InOrder(stream))
        stream.flush()
        if regular:
            os.fsync(stream.fileno())


class _InOrder:
    """A device or FIFO receives the bytes in order: no tell or seek (/dev/null's tell is always 0)."""

    def __init__(self, stream: BinaryIO) -> None:
        self.write = stream.write
        self.flush = stream.flush


def _copy_mode_and_owner(handle: int, status: os.stat_result) -> None:
    os.fchmod(handle, stat.S_IMODE(status.st_mode))
    made = os.fstat(handle)
    if (made.st_uid, made.st_gid) != (status.st_uid, status.st_gid):
        os.fchown(handle, status.st_uid, status.st_gid)


def _can_give_owner(status: os.stat_result) -> bool:
    """Whether a replacement file can be given status's owner and group (else the file is written in place)."""
    if not hasattr(os, "geteuid"):
        return True
    if os.geteuid() == 0:
        return True
    return status.st_uid == os.geteuid() and (status.st_gid == os.getegid() or status.st_gid in os.getgroups())


def _may(path: str, mode: int) -> bool:
    return os.access(path, mode, effective_ids=os.access in os.supports_effective_ids)


def _sync_folder(folder: str) -> None:
    """Make the rename durable (where the platform can sync a folder)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def remove_dead_leftovers(folder: str) -> None:
    """Delete temporary files that saves on this host left behind when their process died."""
    if os.name != "posix":  # no way to ask whether a process is alive without risking it
        return
    try:
        names = [entry.name for entry in os.scandir(folder) if entry.name.startswith(LEFTOVER_PREFIX)]
    except OSError:
        return
    for name in names:
        match = _LEFTOVER.match(name)
        if match is None or match["host"] != _host() or _is_running(int(match["pid"])):
            continue
        try:
            os.unlink(os.path.join(folder, name))
        except OSError:
            pass  # another save removed it first, or we may not


def _is_running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):
        return True  # it exists (EPERM: another user's), or we cannot tell: keep its file
    return True


_host_name: list[str] = []


def _host() -> str:
    if not _host_name:
        import socket

        _host_name.append(re.sub(r"[^A-Za-z0-9.]", "_", socket.gethostname()) or "host")
    return _host_name[0]
