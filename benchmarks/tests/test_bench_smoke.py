"""The benchmark scripts stay runnable: every row at tiny sizes, and the runner's plumbing.

Nothing here times anything: speed is measured by `nox -s bench`, never asserted in tests.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks import runner, worker  # noqa: E402
from benchmarks.rows import ROWS  # noqa: E402


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_row_runs_on_ember_and_numpy(row):
    ember = worker.load_framework("ember")
    worker.build(row, ember, smoke=True)()
    if row.numpy is not None:
        worker.build(row, None, smoke=True)()


def test_ember_and_numpy_agree_on_the_linear_regression_loss():
    from benchmarks.rows import BY_ID

    row = BY_ID["linreg"]
    ember_loss = row.framework(worker.load_framework("ember"), epochs=200)()
    numpy_loss = row.numpy(epochs=200)()
    assert ember_loss == pytest.approx(numpy_loss, rel=0.2, abs=0.01)


def test_runner_writes_a_table(tmp_path, capsys):
    target = tmp_path / "table.json"
    code = runner.main(["--smoke", "--rows", "add,expr_2x2", "--frameworks", "ember,numpy", "--json", str(target)])
    assert code == 0
    table = json.loads(target.read_text())
    assert [row["id"] for row in table["rows"]] == ["add", "expr_2x2"]
    assert set(table["rows"][0]["stats"]) == {"ember", "numpy"}
    assert "ember/pytorch" in capsys.readouterr().out


def test_distributed_rows_run_under_mpiexec(capsys):
    """The scaling and all-reduce rows at tiny sizes (skipped where mpi4py or mpiexec is missing)."""
    from benchmarks import distributed

    launcher = distributed.mpiexec()
    if launcher is None:
        pytest.skip("needs mpi4py and mpiexec: pip install 'ember-nn[mpi]'")
    rows = distributed.measure(launcher, set(distributed.ROW_IDS), repeats=1, smoke=True)
    assert [row["id"] for row in rows] == list(distributed.ROW_IDS)
    scaling = rows[0]["runs"]
    assert [run["ranks"] for run in scaling] == [1, 2]
    assert scaling[0]["efficiency"] == 1.0 and all(run["samples_per_s"] > 0 for run in scaling)
    assert all(row["ddp_s"] > 0 and row["raw_s"] > 0 for row in rows[1:])
    distributed.report(rows)
    printed = capsys.readouterr().out
    assert "1 rank(s):" in printed and "efficiency 1.00" in printed and "raw Allreduce" in printed
