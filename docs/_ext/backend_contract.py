"""Directives that render the backend contract (``howto/backend_contract.rst``) from ember's
own declarations, so that the page cannot drift from the code:

- ``.. backend-kernels::`` — every kernel of ``ember.backends.KERNELS`` (and ``sigmoid``,
  ``erf``), group by group: how core calls it, NumPy's function, the dtypes the
  conformance suite checks it on, and what core relies on beyond NumPy's name;
- ``.. backend-members::`` — the methods of ``Backend`` (or, with the argument
  ``generator``, of ``NativeGenerator``), with their signatures and summaries;
- ``.. backend-optional-members::`` — ``OPTIONAL_MEMBERS``, with their fallbacks;
- ``.. backend-array-surface::`` — what ember uses on native arrays directly
  (``ember.testing._conformance_arrays.ARRAY_SURFACE``);
- ``.. backend-xp-functions::`` — the functions of ``backend.xp`` that ember calls, found
  in ember's source at build time.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import ember
from docutils import nodes
from docutils.statemachine import StringList
from ember.backends import KERNELS, Backend, NativeGenerator
from ember.backends._protocol import (
    KERNEL_CALLS,
    KERNEL_NOTES,
    NUMPY_NAMES,
    OPTIONAL_MEMBERS,
)
from ember.testing import _conformance_cases as cases
from ember.testing._conformance_arrays import ARRAY_SURFACE
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

#: How each group of KERNELS is introduced; a new group is shown under its own name.
GROUP_TITLES = {
    "unary": "Elementwise, one operand",
    "binary": "Elementwise, two operands (broadcasting)",
    "selection": "Selection",
    "reduction": "Reductions",
    "scan": "Running reductions",
    "shape": "Shapes and views",
    "linalg": "Linear algebra",
}
#: Kernels outside KERNELS's groups, without a NumPy function of their name.
OWN_KERNELS = ("sigmoid", "erf")
DTYPE_WORDS = {
    cases.ALL: "all nine",
    cases.NUMBERS: "integers, floats",
    cases.FLOATS: "floats",
    cases.BOOL + cases.INTEGERS: "bool, integers",
}
XP_CALL = re.compile(r"\bxp\.([a-z_]\w*(?:\.[a-z_]\w*)*)")


def _cell(text: str) -> str:
    return text.replace("\n", " ")


def _table(header: list[str], rows: list[list[str]], widths: str) -> list[str]:
    """An RST list-table."""
    lines = [
        ".. list-table::",
        "   :header-rows: 1",
        f"   :widths: {widths}",
        "",
    ]
    for row in [header, *rows]:
        lines.append(f"   * - {_cell(row[0])}")
        lines.extend(f"     - {_cell(cell)}" for cell in row[1:])
    return lines + [""]


class _Generated(SphinxDirective):
    """A directive whose output is RST text generated from ember, parsed in place."""

    def rst(self) -> list[str]:
        raise NotImplementedError

    def run(self) -> list[nodes.Node]:
        self.env.note_dependency(__file__)
        container = nodes.container()
        self.state.nested_parse(
            StringList(self.rst(), source=self.get_source_info()[0]),
            self.content_offset,
            container,
        )
        return container.children


def _plain_signature(function) -> str:
    """``(x, axis=None)``: the parameters, without self and annotations."""
    parameters = [
        parameter.replace(annotation=inspect.Parameter.empty)
        for parameter in inspect.signature(function).parameters.values()
        if parameter.name != "self"
    ]
    return str(inspect.Signature(parameters))


def _dtypes(name: str) -> str:
    found = cases.KERNEL_DTYPES.get(name)
    if found is None:
        return "any"
    return DTYPE_WORDS.get(found) or ", ".join(str(d) for d in found)


def _reference(name: str) -> str:
    if name in OWN_KERNELS:
        return "—"
    return f":func:`numpy.{NUMPY_NAMES.get(name, name)}`"


class BackendKernels(_Generated):
    def rst(self) -> list[str]:
        lines: list[str] = []
        groups = {**KERNELS, "own": OWN_KERNELS}
        for group, names in groups.items():
            title = GROUP_TITLES.get(
                group,
                "Without a NumPy function of their name"
                if group == "own"
                else group,
            )
            lines += [f".. rubric:: {title}", ""]
            rows = [
                [
                    f"``{name}``",
                    f"``{KERNEL_CALLS[name]}``",
                    _reference(name),
                    _dtypes(name),
                    KERNEL_NOTES.get(name, ""),
                ]
                for name in names
            ]
            lines += _table(
                ["Kernel", "Called as", "As", "Dtypes", "Core also relies on"],
                rows,
                "12 30 16 12 30",
            )
        return lines


class BackendMembers(_Generated):
    optional_arguments = 1

    def rst(self) -> list[str]:
        protocol = (
            NativeGenerator if self.arguments == ["generator"] else Backend
        )
        rows = []
        for name, member in vars(protocol).items():
            if name.startswith("_") or not callable(member):
                continue
            signature = _plain_signature(member)
            summary = (inspect.getdoc(member) or "").split("\n\n")[0]
            rows.append([f"``{name}{signature}``", summary])
        return _table(["Member", "What it does"], rows, "45 55")


class BackendOptionalMembers(_Generated):
    def rst(self) -> list[str]:
        rows = [
            [f"``{member.call}``", member.does, member.used_by, member.without]
            for member in OPTIONAL_MEMBERS.values()
        ]
        return _table(
            ["Member", "What it does", "Used by", "Without it"],
            rows,
            "24 32 22 22",
        )


class BackendArraySurface(_Generated):
    def rst(self) -> list[str]:
        rows = [
            [
                f"``{name}``",
                member.used_for,
                "NumPy-like arrays" if member.numpy_like else "every backend",
            ]
            for name, member in ARRAY_SURFACE.items()
        ]
        return _table(
            ["Member", "What ember uses it for", "Asked of"], rows, "30 50 20"
        )


class BackendXpFunctions(_Generated):
    """A list of names, with nothing to translate: kept out of the message catalogs, so that
    a new ``xp`` call never leaves a translation behind."""

    def run(self) -> list[nodes.Node]:
        generated = super().run()
        for node in generated:
            for paragraph in node.findall(nodes.paragraph):
                paragraph["translatable"] = False
        return generated

    def rst(self) -> list[str]:
        found: set[str] = set()
        for folder in ember.__path__:
            for path in Path(folder).rglob("*.py"):
                parts = path.relative_to(folder).parts
                if parts[0] in ("backends", "testing"):
                    continue  # the base backend implements xp's use; the suite checks it
                found.update(XP_CALL.findall(path.read_text(encoding="utf-8")))
        return [", ".join(f"``xp.{name}``" for name in sorted(found)), ""]


def setup(app: Sphinx) -> dict[str, object]:
    app.add_directive("backend-kernels", BackendKernels)
    app.add_directive("backend-members", BackendMembers)
    app.add_directive("backend-optional-members", BackendOptionalMembers)
    app.add_directive("backend-array-surface", BackendArraySurface)
    app.add_directive("backend-xp-functions", BackendXpFunctions)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
