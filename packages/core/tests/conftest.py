"""Tests that need a dtype the active backend lacks are skipped on that backend only.

Where a namespace has no such dtype (array-api-strict has no float16 or bfloat16), asking for it
raises a TypeError naming the backend, so a test about it cannot run there. The one place that
decides is here: a test marked ``needs_dtype("float16", ...)``, or parametrized with an ember dtype
(or a dtype's name, or a tuple or list holding one) that the backend serving ``cpu`` lacks, is skipped
with that reason.
"""

from __future__ import annotations

import ember
import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "needs_dtype(*names): skip where the backend serving 'cpu' lacks one of these ember dtypes"
    )


def _lacks(name: str) -> bool:
    dtype = getattr(ember, name, None)
    if not isinstance(dtype, ember.dtype):
        return False
    try:
        ember.backends.get("cpu").native_dtype(dtype)
    except TypeError:
        return True
    return False


def _add_dtypes(names: set, value: object) -> None:
    """The dtypes a parameter names: an ember dtype, a dtype's name, or those in a tuple or list."""
    if isinstance(value, ember.dtype):
        names.add(str(value).removeprefix("ember."))
    elif isinstance(value, str) and isinstance(getattr(ember, value, None), ember.dtype):
        names.add(value)
    elif isinstance(value, (tuple, list)):
        for part in value:
            _add_dtypes(names, part)


def _named_dtypes(item: pytest.Item) -> set:
    names = {name for marker in item.iter_markers("needs_dtype") for name in marker.args}
    callspec = getattr(item, "callspec", None)
    for value in callspec.params.values() if callspec is not None else ():
        _add_dtypes(names, value)
    return names


def pytest_runtest_setup(item: pytest.Item) -> None:
    missing = sorted(name for name in _named_dtypes(item) if _lacks(name))
    if missing:
        backend = ember.backends.get("cpu")
        pytest.skip(f"the {backend.name!r} backend has no {', '.join(missing)}")
