"""The backend guide's list of what NumpyLikeBackend needs of ``xp`` is complete.

Every ``xp.name`` that ``ember/backends/_xp_base.py`` uses (outside the kernels, which
the guide covers through ``KERNELS``) and every array attribute it reads (``x.name``)
must appear in ``howto/writing_a_backend.rst``, written the same way.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
from ember.backends import NumpyLikeBackend, _xp_base

GUIDE = Path(__file__).resolve().parents[1] / "howto" / "writing_a_backend.rst"
#: Names the backend's methods give to the arrays they receive.
ARRAY_NAMES = {"x", "out"}


def _chain(node: ast.AST) -> list[str]:
    """``self.xp.add.at`` -> ["self", "xp", "add", "at"]."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return parts[::-1]


def _used_by_numpy_like_backend() -> set[str]:
    tree = ast.parse(inspect.getsource(NumpyLikeBackend))
    chains = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            chain = _chain(node)
            if chain[:2] == ["self", "xp"]:
                chain = chain[1:]
            if len(chain) > 1 and (chain[0] == "xp" or chain[0] in ARRAY_NAMES):
                chains.add(
                    ".".join(
                        ["x" if chain[0] in ARRAY_NAMES else "xp", *chain[1:]]
                    )
                )
    # keep the longest chains: xp.add.at, not also xp.add
    return {c for c in chains if not any(o.startswith(c + ".") for o in chains)}


USED = sorted(_used_by_numpy_like_backend())


def test_the_source_is_read() -> None:
    assert {"xp.add.at", "xp.copyto", "xp.shares_memory", "x.astype"} <= set(
        USED
    )
    assert inspect.getsourcefile(NumpyLikeBackend) == _xp_base.__file__


@pytest.mark.parametrize("name", USED)
def test_the_guide_names_what_xp_must_have(name: str) -> None:
    assert f"``{name}``" in GUIDE.read_text(encoding="utf-8"), (
        f"NumpyLikeBackend uses {name}: list it in {GUIDE.name}, "
        "section 'What NumpyLikeBackend needs of xp'"
    )
