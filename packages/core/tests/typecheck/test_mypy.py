"""mypy, against ember's stubs: the docs tutorials and a typed user script pass, and a type error is reported.

Runs in `nox -s typecheck` (the main test sessions do not install mypy).
"""

from pathlib import Path

import pytest

mypy_api = pytest.importorskip("mypy.api", reason="mypy is not installed: nox -s typecheck runs these tests")

ROOT = Path(__file__).resolve().parents[4]
CONFIG = str(ROOT / "mypy.ini")


def run_mypy(*args: str) -> tuple[str, int]:
    cache = str(ROOT / ".mypy_cache")
    stdout, stderr, status = mypy_api.run(["--config-file", CONFIG, "--cache-dir", cache, "--no-color-output", *args])
    return stdout + stderr, status


def test_tutorials_and_user_script_pass(monkeypatch):
    monkeypatch.chdir(ROOT)  # mypy.ini names the files relative to the repository root
    output, status = run_mypy()
    assert status == 0, output
    assert "Success: no issues found in" in output


def test_a_tensor_assigned_to_a_str_is_reported(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    script = tmp_path / "snippet.py"
    script.write_text("import ember\n\nt = ember.ones(3)\nn: str = t.sum()\nm: float = t.sum().item()\n")
    output, status = run_mypy(str(script))
    expected = (
        'snippet.py:4: error: Incompatible types in assignment (expression has type "Tensor", variable has type "str")'
    )
    assert expected in output, output
    assert status == 1 and "Found 1 error in 1 file" in output, output
