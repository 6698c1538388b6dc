"""The built wheels carry what a package index shows: license, classifiers, URLs, a README
whose example runs.

Reads the wheels in the folder ``EMBER_WHEELHOUSE`` names; ``nox -s wheels`` builds them
into ``dist/`` and sets it. Without it the tests skip.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from email.message import Message
from email.parser import BytesParser
from pathlib import Path

import pytest

WHEELHOUSE = os.environ.get("EMBER_WHEELHOUSE")
pytestmark = pytest.mark.skipif(
    not WHEELHOUSE, reason="set EMBER_WHEELHOUSE to a folder of built wheels (nox -s wheels does)"
)

ROOT = Path(__file__).resolve().parents[3]
DISTRIBUTIONS = ["ember-core", "ember-numpy", "ember-nn", "ember-cupy"]
REPOSITORY = "https://github.com/ember-dl/ember"
URLS = {
    "Documentation": "https://ember-dl.github.io/ember/",
    "Source": REPOSITORY,
    "Issues": f"{REPOSITORY}/issues",
}
CLASSIFIERS = {
    "Development Status :: 3 - Alpha",
    "Intended Audience :: Developers",
    "Intended Audience :: Science/Research",
    "Operating System :: OS Independent",
    "Programming Language :: Python :: 3.11",
    "Programming Language :: Python :: 3.12",
    "Topic :: Scientific/Engineering :: Artificial Intelligence",
}


def _wheel(distribution: str) -> Path:
    prefix = distribution.replace("-", "_") + "-"
    (wheel,) = [p for p in Path(WHEELHOUSE).glob("*.whl") if p.name.startswith(prefix)]
    return wheel


def _dist_info_file(wheel: Path, name: str) -> bytes:
    with zipfile.ZipFile(wheel) as archive:
        (member,) = [m for m in archive.namelist() if re.fullmatch(rf"[^/]+\.dist-info/{name}", m)]
        return archive.read(member)


def _metadata(distribution: str) -> Message:
    return BytesParser().parsebytes(_dist_info_file(_wheel(distribution), "METADATA"))


def _project_urls(metadata: Message) -> dict[str, str]:
    return dict(entry.split(", ", 1) for entry in metadata.get_all("Project-URL", []))


@pytest.mark.parametrize("distribution", DISTRIBUTIONS)
def test_wheel_is_mit_licensed_and_ships_the_license(distribution):
    metadata = _metadata(distribution)
    assert metadata["Name"] == distribution
    assert metadata["License-Expression"] == "MIT"
    assert metadata.get_all("License-File") == ["LICENSE"]
    shipped = _dist_info_file(_wheel(distribution), "licenses/LICENSE").decode()
    assert shipped == (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert shipped.startswith("MIT License\n\nCopyright (c) 2026 the ember developers\n")


@pytest.mark.parametrize("distribution", DISTRIBUTIONS)
def test_wheel_has_the_classifiers(distribution):
    classifiers = set(_metadata(distribution).get_all("Classifier", []))
    assert CLASSIFIERS <= classifiers, CLASSIFIERS - classifiers
    # PEP 639: with License-Expression, the License classifiers are deprecated (indexes refuse both).
    assert not [c for c in classifiers if c.startswith("License ::")]


@pytest.mark.parametrize("distribution", DISTRIBUTIONS)
def test_wheel_links_to_docs_source_and_issues(distribution):
    assert _project_urls(_metadata(distribution)) == URLS


@pytest.mark.parametrize("distribution", DISTRIBUTIONS)
def test_wheel_description_is_the_readme(distribution):
    metadata = _metadata(distribution)
    description = metadata.get_payload()
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert description.startswith(f"# {distribution}\n")
    assert len(description) > 1500, f"{distribution}'s README is too thin for an index page"
    for heading in ("## Install", "## Links"):
        assert f"\n{heading}\n" in description
    assert "pip install ./packages/core" in description, "the README says how to install from a clone"
    assert "```python\n" in description
    for url in URLS.values():
        assert url in description


@pytest.mark.parametrize("distribution", DISTRIBUTIONS)
def test_readme_example_runs(distribution):
    description = _metadata(distribution).get_payload()
    example = re.search(r"```python\n(.*?)```", description, re.DOTALL).group(1)
    done = subprocess.run([sys.executable, "-c", example], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{distribution}'s README example failed:\n{done.stderr}"
