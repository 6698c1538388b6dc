import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tutorial_checks import seed_everything  # noqa: E402


@pytest.fixture(autouse=True)
def _seed():
    seed_everything()
