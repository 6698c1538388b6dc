"""Testing helpers: `assert_close`, and the backend conformance suite (a pytest plugin)."""

from ._comparison import assert_close

__all__ = ["assert_close"]
