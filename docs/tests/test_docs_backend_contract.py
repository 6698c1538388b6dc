"""The built backend contract page lists every kernel, protocol member, optional member and
native array member that ember declares, with links to NumPy's functions.

Run after the build, like test_docs_built.py (``nox -s docs`` does both).
"""

from __future__ import annotations

import pytest
from ember.backends import Backend, NativeGenerator, kernel_names
from ember.backends._protocol import KERNEL_CALLS, OPTIONAL_MEMBERS
from ember.testing._conformance_arrays import ARRAY_SURFACE
from test_docs_built import HTML, page

CONTRACT = "howto/backend_contract.html"

if not (HTML / CONTRACT).exists():
    pytest.skip(
        f"{HTML / CONTRACT} is missing: build the site first (nox -s docs)",
        allow_module_level=True,
    )


def text() -> str:
    return " ".join(page(CONTRACT).all_text.split())


def test_every_kernel_is_listed_with_its_call():
    shown = text()
    missing = [
        name for name in kernel_names() if KERNEL_CALLS[name] not in shown
    ]
    assert not missing, f"kernels missing from the contract page: {missing}"


def test_every_member_is_listed():
    shown = text()
    members = [
        name
        for protocol in (Backend, NativeGenerator)
        for name, value in vars(protocol).items()
        if callable(value) and not name.startswith("_")
    ]
    assert members and not [m for m in members if f"{m}(" not in shown]
    assert not [
        m.call for m in OPTIONAL_MEMBERS.values() if m.call not in shown
    ]
    assert not [m for m in ARRAY_SURFACE if m not in shown]


def test_signatures_are_plain_and_kernels_link_to_numpy():
    shown = text()
    assert "'Any'" not in shown and "(self" not in shown
    assert "pad(x, widths, value)" in shown
    assert any("numpy.cumsum" in link for link in page(CONTRACT).links)


def test_guide_and_landing_page_link_the_contract():
    for source in ("index.html", "howto/writing_a_backend.html"):
        links = page(source).links
        assert any("backend_contract.html" in link for link in links), source
