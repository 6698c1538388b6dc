"""A rank that dies of an uncaught exception ends the job, instead of leaving the others waiting.

Without this, the failing process would sit in MPI's finalisation at exit and the others in
their next collective, each until the group's timeout.
"""

from __future__ import annotations

import sys


def abort_on_uncaught_exception(group) -> None:
    """After the usual traceback, an uncaught exception aborts every process of the group's job."""
    previous = sys.excepthook
    if getattr(previous, "ember_group", None) is not None:
        previous = previous.previous

    def hook(kind, value, traceback) -> None:
        previous(kind, value, traceback)
        group.end_job(1)

    hook.ember_group = group
    hook.previous = previous
    sys.excepthook = hook


def restore_excepthook() -> None:
    previous = getattr(sys.excepthook, "previous", None)
    if getattr(sys.excepthook, "ember_group", None) is not None:
        sys.excepthook = previous
