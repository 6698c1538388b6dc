"""The distributed suite runs under MPI: `mpiexec -n 2 python -m pytest packages/nn/tests/distributed`.

Every rank runs the same tests in the same order, so their collectives pair up; a failure on any
rank makes that rank's pytest exit non-zero, and mpiexec then ends non-zero too. Run without
mpiexec, the suite runs as one rank, and the fault and launcher tests start their own jobs.
Without mpi4py (the main `tests` session) the folder is skipped.
"""

from __future__ import annotations

import importlib.util

import pytest

if importlib.util.find_spec("mpi4py") is None:
    collect_ignore_glob = ["*"]

TIMEOUT_S = 120


@pytest.fixture(scope="session")
def world():
    """The default process group (one per test process, shared by every test)."""
    import ember.distributed as dist

    if not dist.is_initialized():
        dist.init_process_group("mpi", timeout=TIMEOUT_S)
    yield dist
    dist.destroy_process_group()
