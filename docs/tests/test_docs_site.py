"""The site around the pages: links to the source, copy buttons that leave prompts and
printed output behind, printed output that wraps its long lines.

Run after the build (``nox -s docs`` does both).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1]
ROOT = DOCS.parent
HTML = DOCS / "_build" / "html"

if not (HTML / "index.html").exists():
    pytest.skip(
        f"{HTML} is missing: build the site first (nox -s docs)",
        allow_module_level=True,
    )

REPOSITORY = re.search(
    r'^REPOSITORY = "([^"]+)"', (DOCS / "conf.py").read_text(), re.MULTILINE
).group(1)
VIEW_LINK = re.compile(rf'href="{re.escape(REPOSITORY)}/blob/main/([^"?#]+)"')
BUILT_ONLY = {"_static", "_sources", "_images", "_downloads", "_modules"}
#: The pages Sphinx makes from no file, in each edition of the site.
NO_SOURCE_PAGES = ("genindex.html", "py-modindex.html", "search.html")
PAGES = sorted(
    p
    for p in HTML.rglob("*.html")
    if not BUILT_ONLY & set(p.relative_to(HTML).parts)
)


def _read(page: str | Path) -> str:
    return (HTML / page).read_text(encoding="utf-8")


# --- links to the source ------------------------------------------------------------


def test_the_site_links_where_the_packages_say_their_source_is() -> None:
    for pyproject in sorted(ROOT.glob("packages/*/pyproject.toml")):
        urls = tomllib.loads(pyproject.read_text())["project"]["urls"]
        assert urls["Source"] == REPOSITORY, pyproject


def test_every_page_links_to_the_repository() -> None:
    assert len(PAGES) > 20
    missing = [p for p in PAGES if f'href="{REPOSITORY}"' not in _read(p)]
    assert not missing


def test_view_source_links_point_at_files_in_the_repository() -> None:
    linked = {page: VIEW_LINK.findall(_read(page)) for page in PAGES}
    broken = {
        str(page.relative_to(HTML)): path
        for page, paths in linked.items()
        for path in paths
        if not (ROOT / path).is_file()
    }
    assert not broken
    # exactly one on every page of each edition (zh_CN/ holds the Chinese one), none on the
    # pages Sphinx makes from no file
    unlinked = {
        page.relative_to(HTML).as_posix()
        for page, paths in linked.items()
        if len(paths) != 1
    }
    editions = {
        "",
        *(f"{p.parent.name}/" for p in HTML.glob("*/searchindex.js")),
    }
    assert unlinked == {
        f"{edition}{name}" for edition in editions for name in NO_SOURCE_PAGES
    }


@pytest.mark.parametrize(
    ("page", "source"),
    [
        ("index.html", "docs/index.rst"),
        ("howto/installing.html", "docs/howto/installing.rst"),
        ("auto_tutorials/index.html", "docs/tutorials/GALLERY_HEADER.rst"),
        ("auto_tutorials/01_tensors.html", "docs/tutorials/01_tensors.py"),
        ("api/ember.Tensor.html", "packages/core/src/ember/_tensor.py"),
        ("api/ember.nn.html", "packages/nn/src/ember/nn/__init__.py"),
    ],
)
def test_a_page_links_to_the_file_it_is_made_from(page, source) -> None:
    assert VIEW_LINK.findall(_read(page)) == [source]


@pytest.mark.parametrize("page", NO_SOURCE_PAGES)
def test_a_page_made_from_no_file_has_no_view_link(page) -> None:
    assert VIEW_LINK.findall(_read(page)) == []


# --- copy buttons ---------------------------------------------------------------------

COPYBUTTON_JS = HTML / "_static" / "copybutton.js"


def _selector_exclusions() -> set[str]:
    script = COPYBUTTON_JS.read_text(encoding="utf-8")
    selector = re.search(r"COPYBUTTON_SELECTOR = '([^']+)'", script).group(1)
    return set(re.findall(r":not\(\.([\w-]+)\)", selector))


def _code_blocks(page: str) -> list[set[str]]:
    """The classes of each code block's outer div on a page."""
    return [
        set(classes.split())
        for classes in re.findall(
            r'<div class="([^"]*\bhighlight-[^"]*)"', _read(page)
        )
    ]


def test_pages_load_the_copy_button() -> None:
    for page in ("index.html", "auto_tutorials/01_tensors.html"):
        assert "_static/copybutton.js" in _read(page)


@pytest.mark.parametrize(
    "page",
    [
        "auto_tutorials/01_tensors.html",
        "howto/installing.html",
        "howto/writing_a_backend.html",
    ],
)
def test_code_gets_a_copy_button_and_printed_output_does_not(page) -> None:
    excluded = _selector_exclusions()
    blocks = _code_blocks(page)
    buttoned = [b for b in blocks if not b & excluded]
    outputs = [
        b for b in blocks if "sphx-glr-script-out" in b or "highlight-text" in b
    ]
    assert buttoned and outputs
    assert not [b for b in outputs if b in buttoned]
    assert all(
        {
            "highlight-python",
            "highlight-Python",
            "highlight-console",
            "highlight-toml",
        }
        & b
        for b in buttoned
    ), buttoned


def test_console_blocks_mark_prompts_and_output_as_the_button_expects() -> None:
    page = _read("howto/installing.html")
    assert '<span class="gp">$ </span>python<span class="w"> </span>-m' in page
    assert '<span class="go">Installed packages:</span>' in page
    assert ".go" in COPYBUTTON_JS.read_text(encoding="utf-8")


@pytest.mark.skipif(
    shutil.which("node") is None,
    reason="needs node to run the copy button's script",
)
@pytest.mark.parametrize(
    ("shown", "copied"),
    [
        (
            "$ pip install ./packages/core ./packages/nn   # CPU\n$ python -m ember\n",
            "pip install ./packages/core ./packages/nn   # CPU\npython -m ember",
        ),
        (
            ">>> x = ember.ones(2)\n>>> x\ntensor([1., 1.])\n",
            "x = ember.ones(2)\nx",
        ),
        (
            "import ember\n\nprint(ember.ones(2))\n",
            "import ember\n\nprint(ember.ones(2))",
        ),
    ],
    ids=["console", "pycon", "python"],
)
def test_the_copy_button_copies_commands_without_prompts_or_output(
    shown, copied
) -> None:
    """Runs the site's own formatCopyText with the site's own arguments."""
    script = COPYBUTTON_JS.read_text(encoding="utf-8")
    start = script.index("function formatCopyText(")
    end = script.index("\n}\n", start) + 3
    arguments = re.search(
        r"return formatCopyText\(text, (.*)\)\s*$", script, re.MULTILINE
    ).group(1)
    program = (
        script[
            script.index("function escapeRegExp(") : script.index(
                "\n}\n", script.index("function escapeRegExp(")
            )
            + 3
        ]
        + script[start:end]
        + f"process.stdout.write(JSON.stringify(formatCopyText({json.dumps(shown)}, {arguments})));"
    )
    done = subprocess.run(
        ["node", "-e", program],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(done.stdout) == copied


# --- long output lines wrap -------------------------------------------------------------


def test_printed_output_wraps_its_long_lines() -> None:
    css = (HTML / "_static" / "ember.css").read_text(encoding="utf-8")
    rules = dict(
        re.findall(
            r"([^{}]+)\{([^}]*)\}",
            re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL),
        )
    )
    wrapping = {
        selector.strip()
        for selectors, body in rules.items()
        if "white-space: pre-wrap" in body
        for selector in selectors.split(",")
    }
    assert {
        ".sphx-glr-script-out .highlight pre",
        ".highlight-text .highlight pre",
        ".highlight-console .highlight pre",
    } <= wrapping
    assert "_static/ember.css" in _read("auto_tutorials/01_tensors.html")
