"""The distributed rows, each measured in MPI jobs started with mpiexec.

- ddp_scaling: the MLP epoch (784-256-10, SGD momentum, 60,000 samples, batch 128 per rank) with
  DistributedDataParallel on 1, 2 and 4 ranks: samples/s and parallel efficiency
  (samples/s on N ranks / (N x samples/s on 1)). One BLAS thread per rank.
- allreduce_10MB, allreduce_100MB: DDP's gradient averaging of that many float32 bytes (in 10
  parameters) against mpi4py's Allreduce of the same bytes, on 2 ranks; target <= 1.1x. New
  gradient arrays each step, as after `zero_grad()`.
- allreduce_10MB_view, allreduce_100MB_view: the same with gradient_as_bucket_view=True and the
  gradients left in the bucket, as after `zero_grad(set_to_none=False)`.

python -m benchmarks.distributed [--smoke] [--repeats N]; `python -m benchmarks` adds these rows
when mpi4py and an mpiexec are installed.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROW_IDS = ("ddp_scaling", "allreduce_10MB", "allreduce_100MB", "allreduce_10MB_view", "allreduce_100MB_view")
SCALING_RANKS = (1, 2, 4)
ALLREDUCE_RANKS = 2
ALLREDUCE_TARGET = 1.1
SCALING_TITLE = "MLP 784-256-10 epoch (60,000 samples, SGD momentum, batch 128 per rank) with DDP on 1, 2, 4 ranks"
ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


def mpiexec() -> str | None:
    """The installed MPI's launcher, or None (then these rows are skipped)."""
    if importlib.util.find_spec("mpi4py") is None or importlib.util.find_spec("ember.distributed") is None:
        return None
    from ember.distributed.run import find_mpiexec

    return find_mpiexec()


def run_job(launcher: str, ranks: int, task: str, **options) -> dict:
    words = [launcher, "-n", str(ranks), sys.executable, "-m", "benchmarks.distributed_worker", task]
    environment = {**os.environ, **ONE_THREAD, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [*words, json.dumps(options)], capture_output=True, text=True, env=environment, cwd=ROOT, timeout=1800
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(words)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(launcher: str, wanted: set, repeats: int, smoke: bool) -> list[dict]:
    rows = []
    if "ddp_scaling" in wanted:
        samples = 2048 if smoke else 60000
        runs = [
            run_job(launcher, n, "scaling", samples=samples, batch_size=128, repeats=1 if smoke else repeats)
            for n in ((1, 2) if smoke else SCALING_RANKS)
        ]
        base = runs[0]["samples_per_s"]
        for run in runs:
            run["efficiency"] = run["samples_per_s"] / (run["ranks"] * base)
        rows.append({"id": "ddp_scaling", "title": SCALING_TITLE, "runs": runs})
    for view, megabytes in ((False, 10), (False, 100), (True, 10), (True, 100)):
        row_id = f"allreduce_{megabytes}MB" + ("_view" if view else "")
        if row_id not in wanted:
            continue
        found = run_job(
            launcher,
            ALLREDUCE_RANKS,
            "allreduce",
            megabytes=0.1 if smoke else megabytes,
            parameters=10,
            repeats=1 if smoke else max(repeats, 15),
            view=view,
        )
        ddp, raw = statistics.median(found["ddp"]), statistics.median(found["raw"])
        ratio = ddp / raw
        rows.append(
            {
                "id": row_id,
                "title": f"DDP gradient averaging of {megabytes} MB float32 vs mpi4py Allreduce, {ALLREDUCE_RANKS} ranks"
                + (" (gradient_as_bucket_view, zero_grad(set_to_none=False))" if view else ""),
                "ddp_s": ddp,
                "raw_s": raw,
                "buckets": found["buckets"],
                "vs_raw": {"ratio": ratio, "target": f"<= {ALLREDUCE_TARGET}x", "met": ratio <= ALLREDUCE_TARGET},
            }
        )
    return rows


def report(rows: list[dict]) -> None:
    cores = os.cpu_count()
    for row in rows:
        if row["id"] == "ddp_scaling":
            print(f"\nddp_scaling: {row['title']}")
            for run in row["runs"]:
                oversubscribed = " (oversubscribed)" if run["ranks"] > cores else ""
                print(
                    f"  {run['ranks']} rank(s): {run['samples_per_s']:>9.0f} samples/s, "
                    f"epoch {run['seconds']:.3f} s, efficiency {run['efficiency']:.2f}{oversubscribed}"
                )
        else:
            verdict = "ok" if row["vs_raw"]["met"] else "MISS"
            print(
                f"{row['id']:<21} ddp {row['ddp_s'] * 1e3:8.2f} ms  raw Allreduce {row['raw_s'] * 1e3:8.2f} ms  "
                f"{row['vs_raw']['ratio']:.2f}x ({row['vs_raw']['target']}) {verdict}  [{row['buckets']} buckets]"
            )
    print(f"distributed rows on {cores} cores (medians of interleaved repeats)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.distributed", description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--rows", default="", help="comma-separated subset of " + ",".join(ROW_IDS))
    args = parser.parse_args(argv)
    launcher = mpiexec()
    if launcher is None:
        print("the distributed rows need mpi4py and mpiexec: pip install 'ember-nn[mpi]'", file=sys.stderr)
        return 2
    wanted = set(filter(None, args.rows.split(","))) or set(ROW_IDS)
    rows = measure(launcher, wanted, args.repeats, args.smoke)
    report(rows)
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
