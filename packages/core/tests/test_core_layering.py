"""ember-core's modules form the layers its package docstring lists, with no import cycles.

Every import statement counts, at module level or inside functions (see
`ember.testing.import_cycles`). A module may import modules of its own layer or of lower ones.
"""

from __future__ import annotations

import re
from pathlib import Path

import ember
from ember.testing.import_cycles import cycles, import_graph

SOURCE = Path(__file__).resolve().parents[1] / "src"


def documented_layers() -> list[list[str]]:
    """The module patterns of each numbered layer in ember's docstring (``name`` or ``package.*``)."""
    layers = []
    for line in ember.__doc__.splitlines():
        found = re.match(r"\d+\. (.*?): ", line)
        if found:
            layers.append(re.findall(r"``([\w.*]+)``", found.group(1)))
    return layers


def layer_of(module: str, layers: list[list[str]]) -> int | None:
    name = module.removeprefix("ember.") if module != "ember" else "ember"
    for index, patterns in enumerate(layers):
        for pattern in patterns:
            if pattern.endswith(".*"):
                if name == pattern[:-2] or name.startswith(pattern[:-1]):
                    return index
            elif name == pattern:
                return index
    return None


def core_modules() -> dict[str, set[str]]:
    return {name: targets for name, targets in import_graph(SOURCE).items() if name.startswith("ember")}


def test_ember_core_has_no_import_cycles():
    graph = import_graph(SOURCE)
    assert "ember._tensor" in graph["ember.ops._op"]  # the walk does see edges
    found = cycles(graph)
    assert not found, "import cycles inside ember-core:\n" + "\n".join(" -> ".join(cycle) for cycle in found)


def test_every_module_belongs_to_a_documented_layer():
    layers = documented_layers()
    assert len(layers) >= 8, layers
    unplaced = [name for name in core_modules() if layer_of(name, layers) is None]
    assert not unplaced, f"modules in no layer of ember's docstring: {unplaced}"


def test_every_import_goes_to_the_same_layer_or_a_lower_one():
    layers = documented_layers()
    upward = []
    for name, targets in core_modules().items():
        own = layer_of(name, layers)
        for target in targets:
            other = layer_of(target, layers)
            if other is not None and own is not None and other > own:
                upward.append(f"{name} (layer {own + 1}) imports {target} (layer {other + 1})")
    assert not upward, "imports that go up the layers:\n" + "\n".join(sorted(upward))
