"""The backend conformance suite as a pytest plugin (loaded through the pytest11 entry point).

Run it against any registered backend:  pytest --pyargs ember.testing.suite --ember-backend NAME
"""

from __future__ import annotations


def pytest_addoption(parser) -> None:
    group = parser.getgroup("ember")
    group.addoption(
        "--ember-backend",
        action="store",
        default=None,
        help="name of the ember backend the conformance suite checks (default: the one serving 'cpu')",
    )
