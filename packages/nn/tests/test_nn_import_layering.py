"""No import cycles among ember-nn's own modules (`ember.nn`, `ember.optim`, `ember.utils`, `ember.distributed`).

The graph is read from the source with `ast`, not from a running interpreter, so every import
statement counts: at module level, inside functions and methods, and under `if TYPE_CHECKING:`.
Relative imports are resolved against the importing module's package. `from X import Y` is an
import of the module `X.Y` when ember-nn has such a module, and of `X` otherwise. Imports of
anything outside ember-nn (ember-core, NumPy, the standard library) are left out.

Parent packages. Importing `ember.nn.modules.linear` first runs `ember.nn/__init__` and
`ember.nn.modules/__init__`, so an import of a module is also an import of each package that
encloses it, except the packages that enclose the importing module itself: Python started those
before the importer ran, so importing them again adds nothing. The module an import statement
names is always counted, even when it is the importer's own package: `from . import Module` in
`ember.nn.modules.linear` imports `ember.nn.modules`, whose `__init__` imports `linear` back,
and that is a real cycle (one of them runs against a partly initialised module).
"""

from __future__ import annotations

import ast
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src"
OWN_PACKAGES = ("ember.nn", "ember.optim", "ember.utils", "ember.distributed")


def module_files(root: Path) -> dict[str, tuple[Path, bool]]:
    """Every module under `root` by dotted name, with its file and whether it is a package."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        modules[".".join(parts)] = (path, is_package)
    return modules


def enclosing_packages(name: str) -> set[str]:
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts))}


def named_imports(name: str, path: Path, is_package: bool, known: set[str]) -> set[str]:
    """The modules that the import statements of module `name` name, wherever they stand."""
    package = name if is_package else name.rpartition(".")[0]
    named = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            named.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module
            for alias in node.names:
                child = f"{origin}.{alias.name}"
                named.add(child if child in known else origin)
    return named


def import_graph(root: Path) -> dict[str, set[str]]:
    """module -> the modules under `root` that importing it imports directly (see the module docstring)."""
    modules = module_files(root)
    known = set(modules)
    graph = {}
    for name, (path, is_package) in modules.items():
        own_packages = enclosing_packages(name) | {name}
        edges = set()
        for target in named_imports(name, path, is_package, known):
            edges.add(target)
            edges.update(enclosing_packages(target) - own_packages)
        graph[name] = {target for target in edges if target in known}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (first module repeated at the end) for each strongly connected group of modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:  # Tarjan's algorithm; ember-nn is small enough for recursion
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph[node]:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_path_around(graph, group) for group in groups]


def _path_around(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """A shortest path from the group's first module back to itself, inside the group."""
    start = min(group)
    came_from = {start: None}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in sorted(graph[node] & group):
                if target == start:
                    chain = []
                    while node is not None:
                        chain.append(node)
                        node = came_from[node]
                    return chain[::-1] + [start]
                if target not in came_from:
                    came_from[target] = node
                    following.append(target)
        frontier = following
    raise AssertionError(f"{sorted(group)} is not a cycle")


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
