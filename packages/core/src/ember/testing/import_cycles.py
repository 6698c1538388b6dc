"""Import cycles in a tree of Python modules, read from the source (for ember's layering tests).

The graph is read from the source with `ast`, not from a running interpreter, so every import
statement counts: at module level, inside functions and methods, and under `if TYPE_CHECKING:`.
Relative imports are resolved against the importing module's package. `from X import Y` is an
import of the module `X.Y` when the tree has such a module, and of `X` otherwise. Imports of
modules outside the tree are left out.

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

    def visit(node: str) -> None:  # Tarjan's algorithm; a package's modules are few enough for recursion
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
