"""The ``>>>`` examples in the docstrings of core's most used names run and print what they show."""

from __future__ import annotations

import pytest
from ember.testing._docstring_examples import check_examples

#: Names whose docstrings carry examples (the API reference shows them).
EXAMPLED = [
    "tensor",
    "zeros",
    "ones",
    "full",
    "eye",
    "arange",
    "linspace",
    "rand",
    "randn",
    "manual_seed",
    "cat",
    "stack",
    "matmul",
    "sum",
    "mean",
    "max",
    "argmax",
    "reshape",
    "Tensor.view",
    "permute",
    "transpose",
    "unsqueeze",
    "squeeze",
    "flatten",
    "where",
    "clamp",
    "no_grad",
    "Tensor.backward",
    "Tensor.item",
    "Tensor.detach",
    "Tensor.to",
    "autograd.grad",
    "save",
    "load",
]


@pytest.mark.parametrize("name", EXAMPLED)
def test_docstring_examples_print_what_they_show(name: str) -> None:
    check_examples(name)
