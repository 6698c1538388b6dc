import sys
from pathlib import Path

import pytest

# NOTE: the helpers live beside the core tutorial tests (packages/core/tests/tutorials)
sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "core" / "tests" / "tutorials"))

from tutorial_checks import seed_everything  # noqa: E402


@pytest.fixture(autouse=True)
def _seed():
    seed_everything()
