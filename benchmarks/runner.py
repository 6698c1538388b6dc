"""Run the table: frameworks side by side in worker processes, repeats interleaved.

python -m benchmarks [--repeats N] [--rows a,b] [--smoke] [--json PATH]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from . import distributed
from .rows import ROWS
from .worker import FRAMEWORKS, SLICES, serve

THREADS = "2"
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
# NOTE: glibc's malloc serves arrays over 128 KiB with mmap, or trims them off the heap top when
# freed, depending on the history of the process; a worker that falls into that state faults in
# every page of every medium array it allocates (a 256x256 step ran 4x slower). Every worker gets
# the same fixed thresholds, so the table compares the frameworks, not their allocator luck.
MALLOC_SETTINGS = {"MALLOC_MMAP_THRESHOLD_": str(32 << 20), "MALLOC_TRIM_THRESHOLD_": str(128 << 20)}


def available_frameworks() -> list[str]:
    return [name for name in FRAMEWORKS if name == "numpy" or importlib.util.find_spec(name) is not None]


class Workers:
    """One live process per framework."""

    def __init__(self, names: list[str]) -> None:
        for variable in THREAD_VARIABLES:
            os.environ[variable] = THREADS
        saved = {variable: os.environ.get(variable) for variable in MALLOC_SETTINGS}
        os.environ.update(MALLOC_SETTINGS)
        context = multiprocessing.get_context("spawn")
        self.pipes = {}
        self.processes = {}
        try:
            for name in names:
                parent, child = context.Pipe()
                process = context.Process(target=serve, args=(name, child), daemon=True)
                process.start()
                self.pipes[name] = parent
                self.processes[name] = process
        finally:
            for variable, value in saved.items():  # NOTE: import time and peak RSS run as they were
                if value is None:
                    os.environ.pop(variable, None)
                else:
                    os.environ[variable] = value

    def ask(self, name: str, *message):
        self.pipes[name].send(message)
        status, value = self.pipes[name].recv()
        if status != "ok":
            raise RuntimeError(f"{name}: {value}")
        return value

    def close(self) -> None:
        for name, pipe in self.pipes.items():
            pipe.send(("stop",))
            self.processes[name].join(timeout=10)


def measure_rows(rows, names: list[str], repeats: int, smoke: bool) -> dict:
    workers = Workers(names)
    results: dict = {}
    try:
        for row in rows:
            frameworks = [n for n in names if n != "numpy" or row.numpy is not None]
            times: dict = {n: [] for n in frameworks}
            errors: dict = {}
            for name in frameworks:
                try:
                    workers.ask(name, "build", row.id, smoke)
                except RuntimeError as error:
                    errors[name] = str(error)
            live = [n for n in frameworks if n not in errors]
            for repeat in range(repeats):
                order = live[repeat % len(live) :] + live[: repeat % len(live)] if live else []
                for name in order:
                    times[name].append(workers.ask(name, "time", row.id))
            for name in live:
                workers.ask(name, "drop", row.id)
            results[row.id] = {"times": {n: times[n] for n in live}, "errors": errors}
            print(f"  measured {row.id}", file=sys.stderr, flush=True)
    finally:
        workers.close()
    return results


# --- rows measured in fresh processes --------------------------------------------------------

IMPORTS = {"ember": "import ember, ember.nn, ember.optim, ember.utils.data", "torch": "import torch"}


def import_times(names: list[str], repeats: int) -> dict:
    times: dict = {n: [] for n in names if n in IMPORTS}
    for _ in range(repeats):
        for name in times:
            code = f"import time; t = time.perf_counter(); {IMPORTS[name]}; print(time.perf_counter() - t)"
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
            times[name].append(float(out.stdout.strip()))
    return times


RSS_SCRIPT = """
import sys
sys.path.insert(0, {root!r})
from benchmarks import workloads, worker


def status(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field))


fw = worker.load_framework({name!r})
step = workloads.mlp_numpy(batch_size=128) if fw is None else workloads.mlp_framework(fw, batch_size=128)
before = status("VmRSS:")
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # NOTE: Linux resets the peak (VmHWM) to the current size
step()
print((status("VmHWM:") - before) / 1024)
"""


def peak_rss(names: list[str]) -> dict:
    """MiB of peak resident memory the batch-128 MLP epoch adds beyond its data and model (Linux)."""
    root = str(Path(__file__).resolve().parent.parent)
    found = {}
    for name in names:
        code = RSS_SCRIPT.format(root=root, name=name)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        found[name] = float(out.stdout.strip())
    return found


# --- reporting ------------------------------------------------------------------------------


def summarise(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def _format_seconds(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.2f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.3f} s"


def _ratio_cell(ember_median: float, other: dict | None, target) -> tuple[str, dict | None]:
    if other is None:
        return "—", None
    ratio = ember_median / other["median"]
    verdict = "" if target is None else (" ok" if target.met(ratio) else " MISS")
    shown = f"{1 / ratio:.2f}x/s" if target is not None and target.throughput else f"{ratio:.2f}x"
    record = {"ratio": ratio, "target": None if target is None else target.describe()}
    if target is not None:
        record["met"] = target.met(ratio)
    return shown + verdict, record


def environment() -> dict:
    info = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "threads": THREADS,
        "malloc": " ".join(f"{k}={v}" for k, v in MALLOC_SETTINGS.items()),
    }
    try:
        from threadpoolctl import threadpool_info

        info["blas"] = [
            f"{p.get('internal_api')} {p.get('version')} ({p.get('num_threads')} threads)"
            for p in threadpool_info()
            if p.get("user_api") == "blas"
        ]
    except ImportError:
        info["blas"] = "threadpoolctl not installed"
    for name in ("numpy", "torch"):
        spec = importlib.util.find_spec(name)
        if spec is not None:
            info[name] = __import__(name).__version__
    return info


def report(results: dict, imports: dict, rss: dict, env: dict) -> dict:
    table = {"environment": env, "rows": []}
    header = f"{'row':<12} {'ember':>24} {'pytorch':>24} {'numpy':>24} {'ember/pytorch':>16} {'ember/numpy':>14}"
    lines = [header, "-" * len(header)]
    for row in ROWS:
        found = results.get(row.id)
        if found is None:
            continue
        stats = {n: summarise(v) for n, v in found["times"].items() if v}
        cells = []
        for name in FRAMEWORKS:
            s = stats.get(name)
            cells.append(
                f"{_format_seconds(s['median'])} [{_format_seconds(s['min'])}-{_format_seconds(s['max'])}]"
                if s
                else found["errors"].get(name, "—")[:24]
            )
        entry = {"id": row.id, "title": row.title, "stats": stats, "errors": found["errors"]}
        vs_torch = vs_numpy = "—"
        if "ember" in stats:
            vs_torch, entry["vs_torch"] = _ratio_cell(stats["ember"]["median"], stats.get("torch"), row.vs_torch)
            vs_numpy, entry["vs_numpy"] = _ratio_cell(stats["ember"]["median"], stats.get("numpy"), row.vs_numpy)
        lines.append(f"{row.id:<12} {cells[0]:>24} {cells[1]:>24} {cells[2]:>24} {vs_torch:>16} {vs_numpy:>14}")
        table["rows"].append(entry)
    if imports:
        stats = {n: summarise(v) for n, v in imports.items()}
        entry = {"id": "import", "title": "import in a fresh process", "stats": stats}
        ratio = "—"
        if "torch" in stats and "ember" in stats:
            value = stats["ember"]["median"] / stats["torch"]["median"]
            entry["vs_torch"] = {"ratio": value, "target": "<= 0.25x", "met": value <= 0.25}
            ratio = f"{value:.2f}x" + (" ok" if value <= 0.25 else " MISS")
        cells = [_format_seconds(stats[n]["median"]) if n in stats else "—" for n in FRAMEWORKS]
        lines.append(f"{'import':<12} {cells[0]:>24} {cells[1]:>24} {cells[2]:>24} {ratio:>16} {'—':>14}")
        table["rows"].append(entry)
    if rss:
        entry = {"id": "peak_rss_mlp", "title": "peak RSS of the batch-128 MLP epoch beyond the data (MiB)", "mib": rss}
        ratio = "—"
        if "torch" in rss and "ember" in rss and rss["torch"] > 0:
            value = rss["ember"] / rss["torch"]
            entry["vs_torch"] = {"ratio": value, "target": "<= 0.5x", "met": value <= 0.5}
            ratio = f"{value:.2f}x" + (" ok" if value <= 0.5 else " MISS")
        cells = [f"{rss[n]:.1f} MiB" if n in rss else "—" for n in FRAMEWORKS]
        lines.append(f"{'peak_rss':<12} {cells[0]:>24} {cells[1]:>24} {cells[2]:>24} {ratio:>16} {'—':>14}")
        table["rows"].append(entry)
    print("\n".join(lines))
    print(
        f"\nmedian [min-max] of interleaved repeats (each the fastest of {SLICES} slices); {env.get('blas')}; python {env['python']}, {env['cpus']} cpus; "
        f"timing workers with {env['malloc']}"
    )
    return table


def distributed_rows(wanted: set, repeats: int, skip: bool, smoke: bool) -> list[dict]:
    """The MPI rows (benchmarks/distributed.py), when asked for by id or by running the whole table."""
    ids = set(distributed.ROW_IDS) & wanted if wanted else set(distributed.ROW_IDS)
    if not ids or (skip and not wanted):
        return []
    launcher = distributed.mpiexec()
    if launcher is None:
        print("distributed rows skipped: they need mpi4py and mpiexec (pip install 'ember-nn[mpi]')")
        return []
    try:
        rows = distributed.measure(launcher, ids, repeats, smoke)
    except RuntimeError as error:
        return [{"id": "distributed", "errors": {"ember": str(error)}}]
    distributed.report(rows)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--rows", default="", help="comma-separated row ids (default: all)")
    parser.add_argument("--frameworks", default="", help="comma-separated subset of ember,torch,numpy")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one repeat: checks the scripts run")
    parser.add_argument("--json", default="bench-results/latest.json")
    parser.add_argument("--skip-process-rows", action="store_true", help="skip import time and peak RSS")
    args = parser.parse_args(argv)
    names = [n for n in available_frameworks() if not args.frameworks or n in args.frameworks.split(",")]
    wanted = set(filter(None, args.rows.split(",")))
    rows = [row for row in ROWS if not wanted or row.id in wanted]
    repeats = 1 if args.smoke else args.repeats
    env = environment()
    started = time.time()
    results = measure_rows(rows, names, repeats, args.smoke)
    process_rows = not (args.smoke or args.skip_process_rows or wanted)
    imports = import_times(names, repeats) if process_rows else {}
    rss = peak_rss(names) if process_rows else {}
    table = report(results, imports, rss, env)
    table["rows"] += distributed_rows(wanted, repeats, args.smoke or args.skip_process_rows, args.smoke)
    table["seconds"] = round(time.time() - started, 1)
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(table, indent=2))
    print(f"wrote {path}")
    failed = [row for row in table["rows"] if row.get("errors")]
    return 1 if args.smoke and failed else 0
