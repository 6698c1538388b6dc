"""`python -m ember`: packages, backends (with their facts) and plugins that failed to load."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib import metadata

import ember
import numpy as np
from ember.__main__ import backend_lines, installed_packages
from ember.backends import NumpyLikeBackend


def run_ember(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "EMBER_BACKEND"}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, timeout=120)


def test_report_lists_packages_and_the_numpy_backend():
    result = run_ember("-m", "ember")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith(f"ember {ember.__version__} (Python {sys.version.split()[0]}, ")
    packages = out.split("Installed packages:\n")[1].split("\n\n")[0]
    for name in ("ember-core", "ember-numpy"):
        assert re.search(rf"^  {name}\s+{re.escape(metadata.version(name))}$", packages, re.M), packages
    numpy_block = out.split("  numpy (")[1]
    assert numpy_block.startswith(
        f"device type cpu, from ember-numpy {metadata.version('ember-numpy')}): available, 1 device [selected for cpu]"
    )
    assert f"      numpy: {np.__version__}\n" in numpy_block
    assert re.search(r"^      blas: \S+", numpy_block, re.M)
    assert re.search(r"^      blas threads: \d+", numpy_block, re.M)
    assert "Plugins that failed to load:\n" in out


def test_report_without_any_backend_says_what_to_install():
    hide = (
        "import importlib.metadata as m\n"
        "_all = m.entry_points\n"
        "m.entry_points = lambda **p: m.EntryPoints(()) if p.get('group') == 'ember.backends' else _all(**p)\n"
        "import runpy\n"
        "runpy.run_module('ember', run_name='__main__')\n"
    )
    result = run_ember("-c", hide)
    assert result.returncode == 0, result.stderr
    assert "Backends:\n  none installed. To get one: pip install ember-numpy\n" in result.stdout


def test_installed_packages_match_the_distributions():
    found = installed_packages()
    assert found["ember-core"] == metadata.version("ember-core")
    assert list(found)[0] == "ember-core"


class Faulty(NumpyLikeBackend):
    name, device_type, distribution = "faulty", "cpu", None

    def device_count(self) -> int:
        raise RuntimeError("driver crashed")

    def describe(self) -> dict:
        raise OSError("no sysfs")


class Missing(NumpyLikeBackend):
    name, device_type, distribution = "missing", "gpu", "ember-missing"

    def unavailable_reason(self) -> str:
        return "the library is not installed"


def test_a_faulty_backend_is_reported_not_fatal():
    lines = backend_lines(Faulty(), selected=True)
    assert lines == [
        "  faulty (device type cpu, from unknown distribution): "
        "available, device count unknown (error: RuntimeError: driver crashed) [selected for cpu]",
        "      describe: error: OSError: no sysfs",
    ]


def test_an_unavailable_backend_says_why():
    assert backend_lines(Missing(), selected=False) == [
        "  missing (device type gpu, from ember-missing): not available: the library is not installed"
    ]
