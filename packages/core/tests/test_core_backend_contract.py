"""The backend contract's declarations are complete: every kernel has its call and its
conformance dtypes, and every backend member that ember looks up optionally is declared
in ``OPTIONAL_MEMBERS`` (the documentation's contract page is generated from them).
"""

from __future__ import annotations

import re
from pathlib import Path

import ember
from ember.backends import KERNELS, Backend, kernel_names
from ember.backends._protocol import KERNEL_CALLS, KERNEL_NOTES, OPTIONAL_MEMBERS
from ember.testing._conformance_cases import BINARY_DTYPES, REDUCTION_DTYPES, UNARY_DTYPES

#: ``getattr(backend, "name", ...)`` or ``hasattr(b, "name")``: how ember asks for an optional member.
OPTIONAL_LOOKUP = re.compile(r"\b(?:getattr|hasattr)\(\s*(?:b|backend|\w+\._backend)\s*,\s*\"(\w+)\"")
#: Protocol members the registry reads with getattr to check a plugin's backend.
PROTOCOL = {name for name in dir(Backend) if not name.startswith("_")} | set(Backend.__annotations__)


def ember_sources() -> list[Path]:
    """The source files of every installed part of the ember package (core, ember-nn), but the test suite."""
    return [
        path
        for folder in ember.__path__
        for path in Path(folder).rglob("*.py")
        if "testing" not in path.relative_to(folder).parts
    ]


def test_every_kernel_is_declared_with_its_call():
    assert list(KERNEL_CALLS) != [] and set(KERNEL_CALLS) == set(kernel_names())
    assert set(KERNEL_NOTES) <= set(kernel_names()), set(KERNEL_NOTES) - set(kernel_names())
    for name, call in KERNEL_CALLS.items():
        assert call.startswith(f"{name}("), f"KERNEL_CALLS[{name!r}] is {call!r}"


def test_every_kernel_has_conformance_dtypes():
    assert set(UNARY_DTYPES) == {*KERNELS["unary"], "sigmoid", "erf"}
    assert set(BINARY_DTYPES) == set(KERNELS["binary"])
    assert set(REDUCTION_DTYPES) == set(KERNELS["reduction"])


def test_every_optional_lookup_is_declared():
    found: dict[str, str] = {}
    for path in ember_sources():
        for name in OPTIONAL_LOOKUP.findall(path.read_text(encoding="utf-8")):
            found.setdefault(name, str(path))
    assert "fused_softmax" in found, "the scan found none of the lookups it knows of"
    undeclared = {name: where for name, where in found.items() if name not in OPTIONAL_MEMBERS and name not in PROTOCOL}
    assert not undeclared, f"declare these in ember.backends._protocol.OPTIONAL_MEMBERS: {undeclared}"


def test_optional_members_are_not_protocol_members():
    assert not set(OPTIONAL_MEMBERS) & (PROTOCOL | set(kernel_names()))
    for name, member in OPTIONAL_MEMBERS.items():
        assert member.call.startswith(f"{name}(") and member.does and member.used_by and member.without
