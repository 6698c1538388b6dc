"""The type stubs (.pyi) match the runtime API, and the typed user script they are checked on runs."""

import runpy
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_stubs_are_fresh():
    """Regenerating the stubs from the runtime objects changes nothing (else: python tools/generate_stubs.py)."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "generate_stubs.py"), "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_package_is_marked_typed():
    for package in ["core/src/ember", "nn/src/ember/nn", "nn/src/ember/optim", "nn/src/ember/utils"]:
        assert (ROOT / "packages" / package / "py.typed").is_file(), package
    for package in ["backend-numpy/src/ember_numpy", "backend-cupy/src/ember_cupy"]:
        assert (ROOT / "packages" / package / "py.typed").is_file(), package


def test_the_typed_user_script_runs(capsys):
    """What the script asserts about types (t.max(dim=1).indices, ...) holds at runtime too."""
    runpy.run_path(str(Path(__file__).parent / "typecheck" / "user_script.py"), run_name="__main__")
    loss = float(capsys.readouterr().out.split()[-1])
    assert loss > 0
