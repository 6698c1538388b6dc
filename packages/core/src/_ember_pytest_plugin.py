"""ember's pytest plugin (entry point ``pytest11: ember_conformance``): the ``--ember-backend`` option.

It lives outside the ``ember`` package so that pytest, which loads every installed
plugin at startup, does not import ember (and NumPy) in projects that never use it.
Only ``--ember-backend NAME`` makes it import ember, to check the name early.

Run the backend conformance suite against a registered backend::

    pytest --pyargs ember.testing.suite --ember-backend NAME
"""

from __future__ import annotations

import pytest

OPTION = "ember_backend"

# Detailed assertion messages in the suite, which backend packages import from their own tests.
pytest.register_assert_rewrite(
    "ember.testing.conformance",
    "ember.testing._conformance_kernels",
    "ember.testing._conformance_optional",
    "ember.testing._conformance_arrays",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("ember").addoption(
        "--ember-backend",
        dest=OPTION,
        metavar="NAME",
        default=None,
        help="the ember backend that the conformance suite (ember.testing.suite) checks; "
        "default: the backend serving 'cpu'",
    )


def pytest_configure(config: pytest.Config) -> None:
    name = config.getoption(OPTION)
    if name is None:
        return
    from ember.backends import by_name

    try:
        by_name(name)
    except ValueError as error:
        raise pytest.UsageError(f"--ember-backend: {error}") from None


def pytest_report_header(config: pytest.Config) -> str | None:
    name = config.getoption(OPTION)
    return None if name is None else f"ember conformance suite: backend {name!r}"
