"""Ops given operands or values they cannot use, against torch==2.13: the same exception type,
and the same answer where PyTorch answers (t == None is False, a wrapping uint8 fill)."""

import warnings

import ember
import numpy as np
import pytest

torch = pytest.importorskip("torch")

ERRORS = {
    "x @ 2": lambda m: m.ones(2, 3) @ 2,
    "2 @ x": lambda m: 2 @ m.ones(2, 3),
    "matmul(x, 2)": lambda m: m.matmul(m.ones(2, 3), 2),
    "x + 'a'": lambda m: m.ones(2) + "a",
    "x * None": lambda m: m.ones(2) * None,
    "None - x": lambda m: None - m.ones(2),
    "x + list": lambda m: m.ones(3) + [1.0, 2.0, 3.0],
    "x < 'a'": lambda m: m.ones(2) < "a",
    "x >= None": lambda m: m.ones(2) >= None,
    "add(x, 'a')": lambda m: m.add(m.ones(2), "a"),
    "eq(x, None)": lambda m: m.eq(m.ones(2), None),
    "x.add_('a')": lambda m: m.ones(2).add_("a"),
    "masked_fill bad mask": lambda m: m.ones(2, 3).masked_fill(m.ones(3, 2, dtype=m.bool), 0.0),
    "masked_fill_ bad mask": lambda m: m.ones(2, 3).masked_fill_(m.ones(3, 2, dtype=m.bool), 0.0),
    "masked_fill tensor value bad mask": lambda m: m.ones(2, 3).masked_fill(m.ones(3, 2, dtype=m.bool), m.tensor(0.0)),
    "fill_ uint8 300": lambda m: m.zeros(2, dtype=m.uint8).fill_(300),
    "fill_ int8 -1000": lambda m: m.zeros(2, dtype=m.int8).fill_(-1000),
    "fill_ float16 1e40": lambda m: m.zeros(2, dtype=m.float16).fill_(1e40),
    "fill_ str": lambda m: m.zeros(2).fill_("a"),
}


def _builtin_type(error: BaseException) -> str:
    """The nearest built-in exception class (library errors subclass these)."""
    return next(kind.__name__ for kind in type(error).__mro__ if kind.__module__ == "builtins")


def _outcome(call, module):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            call(module)
        except Exception as error:  # noqa: BLE001 - the type is what is compared
            return _builtin_type(error)
    return None


@pytest.mark.parametrize("name", ERRORS)
def test_bad_operands_raise_torchs_exception_type(name):
    torch_kind = _outcome(ERRORS[name], torch)
    assert torch_kind is not None, "torch accepts this call: move it to ANSWERS"
    assert _outcome(ERRORS[name], ember) == torch_kind


ANSWERS = {
    "x == None": lambda m: m.ones(2) == None,  # noqa: E711
    "x != None": lambda m: m.ones(2) != None,  # noqa: E711
    "x == 'a'": lambda m: m.ones(2) == "a",
    "x != object": lambda m: m.ones(2) != object(),
    "masked_fill mask grows the result": lambda m: m.ones(2, 3).masked_fill(m.ones(4, 2, 3, dtype=m.bool), 0.0),
    "fill_ uint8 -1 wraps": lambda m: m.zeros(2, dtype=m.uint8).fill_(-1),
    "fill_ float16 inf": lambda m: m.zeros(2, dtype=m.float16).fill_(float("inf")),
    "fill_ float16 0-dim tensor 1e40 gives inf": lambda m: m.zeros(2, dtype=m.float16).fill_(
        m.tensor(1e40, dtype=m.float64)
    ),
}


@pytest.mark.parametrize("name", ANSWERS)
def test_edge_operands_torch_accepts_give_the_same_answer(name):
    expected, got = ANSWERS[name](torch), ANSWERS[name](ember)
    if isinstance(expected, torch.Tensor):
        assert str(got.dtype).split(".")[1] == str(expected.dtype).split(".")[1]
        np.testing.assert_array_equal(got.numpy(), expected.numpy())
    else:
        assert type(got) is type(expected) and got == expected
