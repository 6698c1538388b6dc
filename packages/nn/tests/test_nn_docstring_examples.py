"""The ``>>>`` examples in the docstrings of the most used layers, losses, optimizers and data
tools run and print what they show."""

from __future__ import annotations

import pytest
from ember.testing._docstring_examples import check_examples

#: Names (under ``ember.``) whose docstrings carry examples (the API reference shows them).
EXAMPLED = [
    "nn.Linear",
    "nn.Conv2d",
    "nn.ReLU",
    "nn.Sequential",
    "nn.MSELoss",
    "nn.CrossEntropyLoss",
    "nn.functional.relu",
    "nn.functional.softmax",
    "optim.SGD",
    "optim.Adam",
    "utils.data.TensorDataset",
    "utils.data.DataLoader",
]


@pytest.mark.parametrize("name", EXAMPLED)
def test_docstring_examples_print_what_they_show(name: str) -> None:
    check_examples(name)
