"""Start a training script on several processes: a thin wrapper around the MPI launcher.

    python -m ember.distributed.run -n 4 train.py --epochs 10

runs `mpiexec -n 4 python -m mpi4py train.py --epochs 10` with the mpiexec of the installed
MPI (the one `pip install 'ember-nn[mpi]'` puts beside this Python), so that an uncaught
exception or a non-zero exit in any rank ends the whole job. On several machines, pass a
hostfile (`--hostfile hosts`) or call your cluster's launcher (`srun python train.py`) directly.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

LAUNCHERS = ("mpiexec", "mpirun")

NO_LAUNCHER = """ember.distributed.run: no MPI launcher found (looked for {names} beside this Python in {places}, and on PATH).
Install MPI from wheels with:  pip install 'ember-nn[mpi]'   (mpi4py and MPICH)
or your system's MPI (apt install mpich, brew install open-mpi), or name one with --mpiexec PATH."""

NO_MPI4PY = """ember.distributed.run: mpi4py is not installed in this Python ({python}).
Install it with MPI from wheels:  pip install 'ember-nn[mpi]'"""


def script_dirs() -> list[Path]:
    """Where pip puts the executables of packages installed into this Python (a wheel's mpiexec)."""
    found = [Path(sysconfig.get_path("scripts")), Path(sys.executable).parent]
    user = sysconfig.get_path("scripts", f"{os.name}_user") if os.name == "posix" else None
    if user:
        found.append(Path(user))
    return list(dict.fromkeys(found))


def find_mpiexec(places: list[Path] | None = None, path: str | None = None) -> str | None:
    """The installed MPI's launcher: beside this Python first, then on PATH."""
    for folder in script_dirs() if places is None else places:
        for name in LAUNCHERS:
            candidate = folder / name
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    for name in LAUNCHERS:
        found = shutil.which(name, path=path)
        if found:
            return found
    return None


def command(launcher: str, args: argparse.Namespace) -> list[str]:
    words = [launcher, "-n", str(args.nproc)]
    if args.hostfile:
        words += ["-f" if _is_hydra(launcher) else "--hostfile", args.hostfile]
    return [*words, sys.executable, "-m", "mpi4py", args.script, *args.script_args]


def _is_hydra(launcher: str) -> bool:
    """MPICH's launcher (hydra) takes -f for a hostfile; Open MPI's takes --hostfile."""
    try:
        version = subprocess.run([launcher, "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "HYDRA" in version.upper()


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m ember.distributed.run",
        description="Run a training script on N processes with the installed MPI's mpiexec.",
    )
    parser.add_argument("-n", "--nproc", type=int, default=1, help="number of processes (default 1)")
    parser.add_argument("--hostfile", help="machines to run on, one per line (passed to mpiexec)")
    parser.add_argument("--mpiexec", help="the MPI launcher to use (default: the installed MPI's)")
    parser.add_argument("--dry-run", action="store_true", help="print the command instead of running it")
    parser.add_argument("script", help="the Python script each process runs")
    parser.add_argument("script_args", nargs=argparse.REMAINDER, help="arguments for the script")
    args = parser.parse_args(argv)
    if args.nproc < 1:
        parser.error(f"-n must be at least 1, got {args.nproc}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if importlib.util.find_spec("mpi4py") is None:
        print(NO_MPI4PY.format(python=sys.executable), file=sys.stderr)
        return 2
    launcher = args.mpiexec or find_mpiexec()
    if launcher is None:
        places = ", ".join(str(p) for p in script_dirs())
        print(NO_LAUNCHER.format(names=" or ".join(LAUNCHERS), places=places), file=sys.stderr)
        return 2
    words = command(launcher, args)
    if args.dry_run:
        print(" ".join(words))
        return 0
    return subprocess.call(words)


if __name__ == "__main__":
    sys.exit(main())
