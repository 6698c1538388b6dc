"""No import cycles among ember-nn's own modules (`ember.nn`, `ember.optim`, `ember.utils`).

Every import statement counts, at module level or inside functions; see
`ember.testing.import_cycles` for how package `__init__` modules count.
"""

from __future__ import annotations

from pathlib import Path

from ember.testing.import_cycles import cycles, import_graph

SOURCE = Path(__file__).resolve().parents[1] / "src"
OWN_PACKAGES = ("ember.nn", "ember.optim", "ember.utils", "ember.distributed")


def test_ember_nn_has_no_import_cycles():
    graph = import_graph(SOURCE)
    assert graph and all(name.startswith(OWN_PACKAGES) for name in graph), sorted(graph)
    assert "ember.utils.data._pool" in graph["ember.utils.data.dataloader"]  # the walk does see edges
    found = cycles(graph)
    assert not found, "import cycles inside ember-nn:\n" + "\n".join(" -> ".join(cycle) for cycle in found)


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_the_walk_counts_every_import_statement_and_parent_packages(tmp_path):
    _write(
        tmp_path,
        {
            "pkg/__init__.py": "from .child import thing\n",
            "pkg/child.py": "from . import helper\nthing = 1\n",
            "pkg/helper.py": "import os\n",
            "pkg/late.py": "def load():\n    from .sub.leaf import value\n    return value\n",
            "pkg/typed.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .late import load\n",
            "pkg/sub/__init__.py": "",
            "pkg/sub/leaf.py": "import pkg.other.deep\nfrom .. import helper\nvalue = 2\n",
            "pkg/other/__init__.py": "",
            "pkg/other/deep.py": "from ..helper import os\n",
        },
    )
    graph = import_graph(tmp_path)
    assert graph["pkg"] == {"pkg.child"}
    assert graph["pkg.child"] == {"pkg.helper"}  # `from . import helper`: the module, not pkg itself
    assert graph["pkg.late"] == {"pkg.sub", "pkg.sub.leaf"}  # inside a function; pkg.sub runs first
    assert graph["pkg.typed"] == {"pkg.late"}  # under TYPE_CHECKING
    # pkg.other runs before pkg.other.deep; pkg encloses the importer, so it adds no edge
    assert graph["pkg.sub.leaf"] == {"pkg.other", "pkg.other.deep", "pkg.helper"}
    assert graph["pkg.other.deep"] == {"pkg.helper"}
    assert cycles(graph) == []


def test_cycles_are_found_through_functions_and_package_inits(tmp_path):
    _write(
        tmp_path,
        {
            "pkg/__init__.py": "from .child import thing\n",
            "pkg/child.py": "from . import Shared\nthing = 1\n",  # imports its own package's __init__
            "pkg/first.py": "def later():\n    from .second import x\n",
            "pkg/second.py": "from . import first\nx = 1\n",
            "pkg/alone.py": "import pkg.alone\n",
        },
    )
    found = cycles(import_graph(tmp_path))
    assert sorted(found) == [
        ["pkg", "pkg.child", "pkg"],
        ["pkg.alone", "pkg.alone"],
        ["pkg.first", "pkg.second", "pkg.first"],
    ]
