"""Testing helpers: `assert_close`, and the backend conformance suite.

The suite (``ember.testing.conformance.BackendConformance``) checks a backend against
the whole protocol of ``ember.backends``; run it with
``pytest --pyargs ember.testing.suite --ember-backend NAME`` or subclass it in a
backend package's tests. It needs pytest, so it is not imported here.
"""

from ._comparison import assert_close

__all__ = ["assert_close"]
