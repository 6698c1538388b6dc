"""Jobs started from here with mpiexec: a rank that dies, raises, exits or hangs ends the job with an
error within the group's timeout, every rank's last checkpoint stays intact; the launcher works.

These tests start their own MPI jobs, so they run in a plain `pytest` process (one rank) and
skip when pytest itself runs under `mpiexec -n 2`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import ember
import numpy as np
import pytest
from ember.distributed import run

SCRIPTS = Path(__file__).parent / "scripts"
TRAIN = SCRIPTS / "train_with_checkpoints.py"
GROUP_TIMEOUT_S = 5
JOB_LIMIT_S = 120  # a job still running after this is hanging, which these tests exist to rule out


@pytest.fixture(autouse=True)
def _single_process():
    from mpi4py import MPI

    if MPI.COMM_WORLD.Get_size() > 1:
        pytest.skip("starts its own MPI jobs: run it without mpiexec")


def mpiexec() -> str:
    found = run.find_mpiexec()
    if found is None:
        pytest.skip("no mpiexec installed")
    return found


def start(words: list[str]) -> tuple[subprocess.CompletedProcess, float]:
    began = time.monotonic()
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PMI_", "HYDRA_", "MPIR_"))}
    try:
        done = subprocess.run(words, capture_output=True, text=True, timeout=JOB_LIMIT_S, env=environment)
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"the job hung: still running after {JOB_LIMIT_S} s\n{error.stdout}\n{error.stderr}")
    return done, time.monotonic() - began


def train(out: Path, *options: str) -> tuple[subprocess.CompletedProcess, float]:
    return start(
        [mpiexec(), "-n", "2", sys.executable, str(TRAIN), str(out), "--timeout", str(GROUP_TIMEOUT_S), *options]
    )


def assert_checkpoints_intact(out: Path, epoch: int) -> None:
    """Both ranks' files load, hold the last finished epoch, and agree (DDP keeps the replicas equal)."""
    states = [ember.load(out / f"rank{rank}.pt") for rank in range(2)]
    assert [s["epoch"] for s in states] == [epoch, epoch]
    model = ember.nn.Sequential(ember.nn.Linear(64, 128), ember.nn.ReLU(), ember.nn.Linear(128, 10))
    for state in states:
        model.load_state_dict(state["model"])
        assert set(state["optimizer"]) == {"state", "param_groups"}
    for name, value in states[0]["model"].items():
        np.testing.assert_allclose(states[1]["model"][name].numpy(), value.numpy(), rtol=1e-6, err_msg=name)


def test_training_without_a_fault_finishes(tmp_path):
    done, _ = train(tmp_path, "--epochs", "2")
    assert done.returncode == 0, done.stderr
    assert "rank 1: epoch 1" in done.stdout
    assert_checkpoints_intact(tmp_path, epoch=1)


@pytest.mark.parametrize("fault", ["kill", "raise", "hang", "exit"])
def test_a_failing_rank_ends_the_job_with_an_error(tmp_path, fault):
    """kill -9 and an uncaught exception end the job at once; a hang or a plain exit within the timeout."""
    done, seconds = train(tmp_path, "--fault", fault, "--fault-epoch", "2")
    assert done.returncode != 0
    assert "rank 1: injecting fault" in done.stdout
    assert seconds < GROUP_TIMEOUT_S + 60
    if fault == "raise":
        assert "RuntimeError: injected fault" in done.stderr
    if fault in ("hang", "exit"):
        assert f"rank 0 of 2 waited {GROUP_TIMEOUT_S} s for all_reduce" in done.stderr
        assert "Aborting the job" in done.stderr
    assert_checkpoints_intact(tmp_path, epoch=1)


def test_the_launcher_runs_the_script_on_n_ranks(tmp_path):
    mpiexec()
    done, _ = start([sys.executable, "-m", "ember.distributed.run", "-n", "2", str(SCRIPTS / "hello.py"), "a", "-b"])
    assert done.returncode == 0, done.stderr
    for rank in range(2):
        assert f"rank {rank} of 2: sum 3, args ['a', '-b']" in done.stdout


def test_under_the_launcher_a_nonzero_exit_ends_the_job_at_once(tmp_path):
    mpiexec()
    words = [sys.executable, "-m", "ember.distributed.run", "-n", "2", str(TRAIN), str(tmp_path)]
    done, seconds = start([*words, "--timeout", "60", "--fault", "exit", "--fault-epoch", "1"])
    assert done.returncode != 0
    assert seconds < 60  # well before the group's timeout
    assert_checkpoints_intact(tmp_path, epoch=0)


def test_the_launcher_finds_the_installed_mpiexec_and_builds_the_command(capsys):
    launcher = mpiexec()
    assert run.main(["-n", "3", "--dry-run", "train.py", "--lr", "0.1"]) == 0
    printed = capsys.readouterr().out.split()
    assert printed == [launcher, "-n", "3", sys.executable, "-m", "mpi4py", "train.py", "--lr", "0.1"]


def test_the_launcher_says_how_to_install_mpi_when_there_is_none(tmp_path, capsys, monkeypatch):
    assert run.find_mpiexec(places=[tmp_path], path=str(tmp_path)) is None
    fake = tmp_path / "mpiexec"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    assert run.find_mpiexec(places=[tmp_path], path="") == str(fake)
    monkeypatch.setattr(run, "find_mpiexec", lambda: None)
    assert run.main(["-n", "2", "train.py"]) == 2
    message = capsys.readouterr().err
    assert "no MPI launcher found" in message and "pip install 'ember-nn[mpi]'" in message


def test_unavailable_backends_say_why():
    import ember.distributed as dist
    from ember.distributed._backend import create_group

    nccl = r"backend 'nccl' is not available: (CUDA is not available \(.+\)|no CUDA backend is installed: pip install)"
    with pytest.raises(RuntimeError, match=nccl):
        create_group("nccl", -1, -1, 60.0)
    assert not dist.is_nccl_available()
    with pytest.raises(ValueError, match=r"unknown backend 'gloo'.*'mpi' \(available\).*ember's CPU group is 'mpi'"):
        dist.Backend("gloo")
    assert dist.Backend("MPI") == "mpi" == dist.Backend.MPI


def test_the_nccl_group_trains_as_the_default_group_on_the_simulated_gpu():
    pytest.importorskip("ember_cupy.simulated", reason="needs ember-cupy (pip install -e packages/backend-cupy)")
    done, _ = start([mpiexec(), "-n", "2", sys.executable, str(SCRIPTS / "train_on_nccl.py")])
    assert done.returncode == 0, done.stderr
    worst = float(done.stdout.split("largest difference from one process")[1])
    assert worst < 1e-5, done.stdout
