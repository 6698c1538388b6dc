"""Run the ``>>>`` examples of a docstring, as the test suites do to keep them true."""

from __future__ import annotations

import doctest
import io

import ember


def check_examples(name: str) -> int:
    """Run the examples in the docstring of ``ember.<name>`` (``"nn.Linear"``) with ``ember`` in
    scope; AssertionError with doctest's report when one prints something else. Returns how
    many examples ran."""
    import importlib

    obj: object = ember
    for part in name.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:  # a subpackage not imported yet
            obj = importlib.import_module(f"{obj.__name__}.{part}")
    name = f"ember.{name}"
    finder = doctest.DocTestFinder(recurse=False)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    tests = [t for t in finder.find(obj, name, globs={"ember": ember}) if t.examples]
    assert tests, f"{name} has no example in its docstring"
    report = io.StringIO()
    for test in tests:
        runner.run(test, out=report.write)
    assert not runner.failures, f"the examples of {name} do not print what they show:\n{report.getvalue()}"
    return sum(len(t.examples) for t in tests)
