"""The worked backend plugin of the "Writing a backend plugin" guide passes its own tests.

``nox -s docs`` installs ``docs/examples/ember-double-backend``; its tests (ember's
conformance suite and the backend's own checks) run here in a separate pytest, the
way the package's author runs them.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = (
    Path(__file__).resolve().parents[1] / "examples" / "ember-double-backend"
)


@pytest.mark.skipif(
    importlib.util.find_spec("ember_double") is None,
    reason="ember-double-backend is not installed: pip install -e docs/examples/ember-double-backend",
)
def test_example_backend_passes_its_tests() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            str(EXAMPLE / "tests"),
        ],
        cwd=EXAMPLE,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert re.search(r"\b\d+ passed", done.stdout), done.stdout[-3000:]
    assert not re.search(r"\b\d+ failed", done.stdout), done.stdout[-3000:]
