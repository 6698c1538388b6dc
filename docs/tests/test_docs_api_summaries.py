"""Every public name of the API reference has a one-line summary, and no built page shows a
path of the machine that built it.

The first test reads the objects themselves, so it runs without a build; the other reads
the built pages (``nox -s docs`` builds them first) and is skipped without them.
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1]
HTML = DOCS / "_build" / "html"
sys.path.insert(0, str(DOCS / "_ext"))
import api_pages  # noqa: E402

#: What a page shows of a class: its methods and properties (data attributes only when commented).
DOCUMENTED_KINDS = (
    type(lambda: None),  # function
    property,
    staticmethod,
    classmethod,
    type(str.join),  # method_descriptor
    type(int.real),  # getset_descriptor
)


def summary(value: object) -> str:
    """The first line of the docstring the reference shows for `value` (inherited ones count)."""
    if isinstance(value, (staticmethod, classmethod)):
        value = value.__func__
    if inspect.isclass(value):  # its own: a base's docstring describes the base
        doc = inspect.cleandoc(vars(value).get("__doc__") or "")
    else:
        doc = inspect.getdoc(value) or ""
    return doc.strip().splitlines()[0].strip() if doc.strip() else ""


def reference_entries() -> dict[str, str]:
    """Every name the API pages list, with its summary."""
    entries: dict[str, str] = {}
    for module_name in api_pages.MODULES:
        module = importlib.import_module(module_name)
        for name, value in api_pages.public_members(module).items():
            if not (callable(value) or inspect.isclass(value)):
                continue  # constants: a #: comment or their value says what they are
            if inspect.isclass(value) and value.__name__ != name:
                # autodoc shows an alias of a class by the #: comment on its
                # assignment in the page's module, never by the class's docstring
                entries[f"{module_name}.{name}"] = alias_comment(
                    module_name, name
                )
            else:
                entries[f"{module_name}.{name}"] = summary(value)
            if inspect.isclass(value) and value.__module__.startswith("ember"):
                entries.update(class_entries(f"{module_name}.{name}", value))
    return entries


def alias_comment(module_name: str, name: str) -> str:
    """The first line of the ``#:`` comment above ``name = SomeClass`` in `module_name`."""
    from sphinx.pycode import ModuleAnalyzer

    comment = (
        ModuleAnalyzer.for_module(module_name)
        .find_attr_docs()
        .get(("", name), [])
    )
    lines = [line.strip() for line in comment if line.strip()]
    return lines[0] if lines else ""


def class_entries(qualified: str, cls: type) -> dict[str, str]:
    names = dir(cls) if qualified in api_pages.OWN_PAGES else list(vars(cls))
    entries = {}
    for name in names:
        if name.startswith("_"):
            continue
        raw = inspect.getattr_static(cls, name)
        if (
            isinstance(raw, DOCUMENTED_KINDS)
            or type(raw).__name__ == "member_descriptor"
        ):
            if api_pages.is_alias_attribute(cls, name):
                continue
            entries[f"{qualified}.{name}"] = summary(
                getattr(cls, name, raw)
            ) or summary(raw)
    return entries


def test_every_public_name_has_a_summary() -> None:
    empty = sorted(
        name for name, line in reference_entries().items() if not line
    )
    assert not empty, (
        f"{len(empty)} public names have no one-line docstring: {empty}"
    )


SUMMARY_ROW = re.compile(
    r'<tr class="row-(?:odd|even)"><td><p><a[^>]*title="([^"]+)"[^>]*>.*?</a></p></td>\s*<td>(.*?)</td>',
    re.DOTALL,
)
TAG = re.compile(r"<[^>]+>")


@pytest.mark.skipif(not (HTML / "api").is_dir(), reason="the site is not built")
def test_built_summary_tables_have_no_empty_row() -> None:
    empty = {}
    rows = 0
    for page in sorted((HTML / "api").glob("*.html")):
        for name, description in SUMMARY_ROW.findall(
            page.read_text(encoding="utf-8")
        ):
            rows += 1
            if not TAG.sub("", description).strip():
                empty.setdefault(page.name, []).append(name)
    assert rows > 500, (
        f"only {rows} summary rows found: has the table markup changed?"
    )
    assert not empty, f"summary rows without a description: {empty}"


ABSOLUTE_PATH = re.compile(
    r"(?<![\w/.:])/(?:home|work|tmp|usr|opt|root|Users|private|var)/[\w.+-]+/"
)


@pytest.mark.skipif(not (HTML / "api").is_dir(), reason="the site is not built")
def test_built_api_pages_show_no_absolute_path() -> None:
    leaks = {}
    for page in sorted((HTML / "api").glob("*.html")):
        found = ABSOLUTE_PATH.findall(page.read_text(encoding="utf-8"))
        if found:
            leaks[page.name] = sorted(set(found))[:3]
    assert not leaks, f"paths of the build machine on the API pages: {leaks}"
