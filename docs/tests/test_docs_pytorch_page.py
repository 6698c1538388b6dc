""" "Coming from PyTorch" stays true: what it lists as missing is missing from ember.

Every ``torch.name`` and ``Tensor.name`` in its "What is not there" section must not
exist in ember; when ember gains one, this test says to take it off the list.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import ember
import pytest

PAGE = Path(__file__).resolve().parents[1] / "howto" / "coming_from_pytorch.rst"


def _section(title: str) -> str:
    """The text under a ``----``-underlined title, up to the next such title."""
    text = PAGE.read_text(encoding="utf-8")
    heading = re.compile(r"^(.+)\n-+\n", re.MULTILINE)
    titles = list(heading.finditer(text))
    (index,) = [i for i, m in enumerate(titles) if m.group(1) == title]
    end = titles[index + 1].start() if index + 1 < len(titles) else len(text)
    return text[titles[index].end() : end]


MISSING = sorted(
    set(
        re.findall(
            r"``((?:torch|Tensor)\.[A-Za-z0-9_.]+)``",
            _section("What is not there"),
        )
    )
)


def _ember_has(name: str) -> bool:
    """Whether ember has what ``torch.a.b`` (or ``Tensor.x``) names in PyTorch."""
    root, *path = name.split(".")
    found = ember.Tensor if root == "Tensor" else ember
    module = "ember"
    for part in path:
        module = f"{module}.{part}"
        if hasattr(found, part):
            found = getattr(found, part)
            continue
        if root == "Tensor":
            return False
        try:
            found = importlib.import_module(module)
        except ImportError:
            return False
    return True


def test_the_section_lists_names() -> None:
    # the list shrinks as ember grows; this only guards against the pattern matching nothing
    assert len(MISSING) > 50, MISSING


@pytest.mark.parametrize("name", MISSING)
def test_listed_as_missing_is_missing(name: str) -> None:
    assert not _ember_has(name), (
        f"ember has {name.replace('torch', 'ember', 1)} now: take {name} "
        f"off the 'What is not there' list of {PAGE.name}"
    )


@pytest.mark.parametrize(
    "name",
    ["torch.matmul", "torch.nn.Linear", "torch.optim.Adam", "Tensor.view"],
)
def test_the_check_finds_what_ember_has(name: str) -> None:
    assert _ember_has(name)
