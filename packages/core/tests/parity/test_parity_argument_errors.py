"""Bad arguments to creation and random functions against torch==2.13: the same exception type,
and the same results for the edge values PyTorch accepts.

Known differences, kept on purpose: `tensor([[], [1]])` is refused (PyTorch drops the 1 and
returns an empty (2, 0) tensor), and a fill value out of float16's range is refused for every
shape (PyTorch lets it through, as inf, when the tensor has exactly one element).
"""

import warnings

import ember
import numpy as np
import pytest

torch = pytest.importorskip("torch")

NAN, INF = float("nan"), float("inf")
TOO_BIG = 2**50  # elements: more than any machine's address space, so both libraries fail at once

ERRORS = {
    # multinomial
    "multinomial negative": lambda m: m.multinomial(m.tensor([1.0, -1.0, 2.0]), 1),
    "multinomial negative, replacement": lambda m: m.multinomial(m.tensor([1.0, -1.0]), 2, True),
    "multinomial nan": lambda m: m.multinomial(m.tensor([1.0, NAN, 2.0]), 1),
    "multinomial nan, replacement": lambda m: m.multinomial(m.tensor([1.0, NAN]), 2, True),
    "multinomial inf": lambda m: m.multinomial(m.tensor([1.0, INF]), 1),
    "multinomial inf, replacement": lambda m: m.multinomial(m.tensor([1.0, INF]), 2, True),
    "multinomial zero row": lambda m: m.multinomial(m.tensor([[0.0, 0.0], [1.0, 1.0]]), 1),
    "multinomial zero row, replacement": lambda m: m.multinomial(m.tensor([[0.0, 0.0], [1.0, 1.0]]), 2, True),
    "multinomial more than categories": lambda m: m.multinomial(m.tensor([1.0, 1.0]), 3),
    "multinomial no samples": lambda m: m.multinomial(m.tensor([1.0, 1.0]), 0),
    "multinomial negative samples": lambda m: m.multinomial(m.tensor([1.0, 1.0]), -1),
    "multinomial 3-D": lambda m: m.multinomial(m.ones(2, 2, 2), 1),
    "multinomial 0-D": lambda m: m.multinomial(m.tensor(1.0), 1),
    "multinomial integer weights": lambda m: m.multinomial(m.tensor([1, 2]), 1),
    "multinomial bool weights": lambda m: m.multinomial(m.tensor([True, True]), 1),
    "multinomial no categories": lambda m: m.multinomial(m.ones(2, 0), 1),
    "multinomial no categories, replacement": lambda m: m.multinomial(m.ones(2, 0), 1, True),
    "multinomial float count": lambda m: m.multinomial(m.ones(3), 2.5),
    "multinomial bool count": lambda m: m.multinomial(m.ones(3), True),
    # bernoulli
    "bernoulli p tensor above 1": lambda m: m.bernoulli(m.tensor([0.5, 1.5])),
    "bernoulli p tensor below 0": lambda m: m.bernoulli(m.tensor([0.5, -0.5])),
    "bernoulli p tensor nan": lambda m: m.bernoulli(m.tensor([0.5, NAN])),
    "bernoulli p above 1": lambda m: m.bernoulli(m.ones(2), 1.5),
    "bernoulli p below 0": lambda m: m.bernoulli(m.ones(2), -0.5),
    "bernoulli p nan": lambda m: m.bernoulli(m.ones(2), NAN),
    "bernoulli p inf": lambda m: m.bernoulli(m.ones(2), INF),
    "Tensor.bernoulli p above 1": lambda m: m.ones(2).bernoulli(1.5),
    "Tensor.bernoulli integer": lambda m: m.ones(2, dtype=m.int64).bernoulli(),
    "bernoulli_ p above 1": lambda m: m.ones(2).bernoulli_(1.5),
    "bernoulli_ p below 0": lambda m: m.ones(2).bernoulli_(-0.1),
    "bernoulli_ p tensor above 1": lambda m: m.ones(2).bernoulli_(m.tensor([0.5, 2.0])),
    "bernoulli_ p tensor nan": lambda m: m.ones(2).bernoulli_(m.tensor([0.5, NAN])),
    "bernoulli_ integer p tensor": lambda m: m.ones(3).bernoulli_(m.tensor([0, 1, 1])),
    "bernoulli integer input": lambda m: m.bernoulli(m.tensor([0, 1])),
    # uniform_
    "uniform_ from > to": lambda m: m.empty(3).uniform_(1, 0),
    "uniform_ to inf": lambda m: m.empty(3).uniform_(0, INF),
    "uniform_ from nan": lambda m: m.empty(3).uniform_(NAN, 1),
    "uniform_ beyond float16": lambda m: m.empty(3, dtype=m.float16).uniform_(0, 1e5),
    "uniform_ beyond float32": lambda m: m.empty(3).uniform_(0, 1e39),
    "uniform_ range too wide": lambda m: m.empty(3).uniform_(-3e38, 3e38),
    "uniform_ range too wide, float64": lambda m: m.empty(3, dtype=m.float64).uniform_(-1e308, 1e308),
    "uniform_ integer": lambda m: m.empty(3, dtype=m.int64).uniform_(),
    "uniform_ uint8": lambda m: m.empty(3, dtype=m.uint8).uniform_(),
    "uniform_ bool": lambda m: m.empty(3, dtype=m.bool).uniform_(),
    # normal
    "normal_ std < 0": lambda m: m.empty(3).normal_(0, -1),
    "normal_ std nan": lambda m: m.empty(3).normal_(0, NAN),
    "normal_ integer": lambda m: m.empty(3, dtype=m.int64).normal_(),
    "normal_ bool": lambda m: m.empty(3, dtype=m.bool).normal_(),
    "normal(0, -1, size)": lambda m: m.normal(0, -1, (3,)),
    "normal(0.0, -1.0, size)": lambda m: m.normal(0.0, -1.0, (3,)),
    "normal std nan": lambda m: m.normal(0.0, NAN, (3,)),
    "normal negative size": lambda m: m.normal(0.0, 1.0, (-1,)),
    "normal integer dtype": lambda m: m.normal(0.0, 1.0, (2,), dtype=m.int64),
    "normal tensor mean, std < 0": lambda m: m.normal(m.zeros(3), -1.0),
    "normal tensor std < 0": lambda m: m.normal(0.0, m.tensor([1.0, -1.0])),
    "normal tensors, std < 0": lambda m: m.normal(m.zeros(2), m.tensor([1.0, -1.0])),
    "normal tensors, std nan": lambda m: m.normal(m.zeros(2), m.tensor([1.0, NAN])),
    "normal integer tensor mean": lambda m: m.normal(m.zeros(3, dtype=m.int64), 1.0),
    "normal tensors that do not broadcast": lambda m: m.normal(m.zeros(2), m.ones(3)),
    "normal without size": lambda m: m.normal(0.0, 1.0),
    # exponential_
    "exponential_ negative": lambda m: m.empty(3).exponential_(-1),
    "exponential_ zero": lambda m: m.empty(3).exponential_(0),
    "exponential_ nan": lambda m: m.empty(3).exponential_(NAN),
    "exponential_ integer": lambda m: m.empty(3, dtype=m.int64).exponential_(),
    "exponential_ bool": lambda m: m.empty(3, dtype=m.bool).exponential_(),
    # random_
    "random_ from > to": lambda m: m.empty(3).random_(5, 2),
    "random_ from == to": lambda m: m.empty(3).random_(2, 2),
    "random_(0)": lambda m: m.empty(3).random_(0),
    "random_(-1)": lambda m: m.empty(3).random_(-1),
    "random_ beyond uint8": lambda m: m.empty(3, dtype=m.uint8).random_(0, 300),
    "random_ to 257 on uint8": lambda m: m.empty(3, dtype=m.uint8).random_(257),
    "random_ negative on uint8": lambda m: m.empty(3, dtype=m.uint8).random_(-1, 3),
    "random_ beyond float16": lambda m: m.empty(3, dtype=m.float16).random_(0, 70000),
    "random_ beyond bool": lambda m: m.empty(3, dtype=m.bool).random_(0, 3),
    "random_ float bound": lambda m: m.empty(3).random_(2.5),
    # randint
    "randint low > high": lambda m: m.randint(5, 2, (3,)),
    "randint low == high": lambda m: m.randint(2, 2, (3,)),
    "randint(0, size)": lambda m: m.randint(0, (3,)),
    "randint(-1, size)": lambda m: m.randint(-1, (3,)),
    "randint beyond uint8": lambda m: m.randint(0, 300, (3,), dtype=m.uint8),
    "randint beyond float16": lambda m: m.randint(0, 70000, (3,), dtype=m.float16),
    "randint float bound": lambda m: m.randint(0, 2.5, (3,)),
    "randint negative size": lambda m: m.randint(0, 3, (-1,)),
    # randperm
    "randperm(-1)": lambda m: m.randperm(-1),
    "randperm(2.5)": lambda m: m.randperm(2.5),
    "randperm(True)": lambda m: m.randperm(True),
    "randperm float tensor": lambda m: m.randperm(m.tensor(3.0)),
    "randperm beyond uint8": lambda m: m.randperm(257, dtype=m.uint8),
    "randperm beyond int8": lambda m: m.randperm(129, dtype=m.int8),
    "randperm beyond float16": lambda m: m.randperm(2050, dtype=m.float16),
    "randperm bool": lambda m: m.randperm(3, dtype=m.bool),
    # generators that are not generators
    "rand generator str": lambda m: m.rand(2, generator="x"),
    "randn generator int": lambda m: m.randn(2, generator=1),
    "randint generator": lambda m: m.randint(0, 3, (2,), generator="x"),
    "randperm generator": lambda m: m.randperm(3, generator="x"),
    "normal generator": lambda m: m.normal(0.0, 1.0, (2,), generator="x"),
    "multinomial generator": lambda m: m.multinomial(m.ones(2), 1, generator="x"),
    "bernoulli generator": lambda m: m.bernoulli(m.ones(2) / 2, generator="x"),
    "uniform_ generator": lambda m: m.empty(2).uniform_(generator="x"),
    "normal_ generator": lambda m: m.empty(2).normal_(generator="x"),
    "random_ generator": lambda m: m.empty(2).random_(generator="x"),
    "exponential_ generator": lambda m: m.empty(2).exponential_(generator="x"),
    "bernoulli_ generator": lambda m: m.empty(2).bernoulli_(0.5, generator="x"),
    # negative sizes
    "rand(-1)": lambda m: m.rand(-1),
    "randn(-1)": lambda m: m.randn(-1),
    "empty(-1)": lambda m: m.empty(-1),
    "zeros(-1)": lambda m: m.zeros(-1),
    "ones(2, -1)": lambda m: m.ones(2, -1),
    "full((-1,), 1.0)": lambda m: m.full((-1,), 1.0),
    "eye(-1)": lambda m: m.eye(-1),
    "eye(3, -1)": lambda m: m.eye(3, -1),
    "eye(2.5)": lambda m: m.eye(2.5),
    "eye(True)": lambda m: m.eye(True),
    "linspace negative steps": lambda m: m.linspace(0, 1, -1),
    "linspace float steps": lambda m: m.linspace(0, 1, 2.5),
    "logspace negative steps": lambda m: m.logspace(0, 1, -1),
    # fill values out of range
    "full float16 1e40": lambda m: m.full((2,), 1e40, dtype=m.float16),
    "full float16 70000": lambda m: m.full((2,), 70000.0, dtype=m.float16),
    "full float16 65505 (int)": lambda m: m.full((2,), 65505, dtype=m.float16),
    "full float16 2**63 - 1": lambda m: m.full((2,), 2**63 - 1, dtype=m.float16),
    "full float32 1e40": lambda m: m.full((2,), 1e40, dtype=m.float32),
    "full float32 -1e39": lambda m: m.full((1,), -1e39, dtype=m.float32),
    "full uint8 300": lambda m: m.full((2,), 300, dtype=m.uint8),
    "full uint8 256": lambda m: m.full((2,), 256, dtype=m.uint8),
    "full uint8 -256": lambda m: m.full((2,), -256, dtype=m.uint8),
    "full uint8 300.0": lambda m: m.full((2,), 300.0, dtype=m.uint8),
    "full uint8 -0.5": lambda m: m.full((2,), -0.5, dtype=m.uint8),
    "full uint8 -1.5": lambda m: m.full((2,), -1.5, dtype=m.uint8),
    "full uint8 nan": lambda m: m.full((2,), NAN, dtype=m.uint8),
    "full uint8 2**63": lambda m: m.full((1,), 2**63, dtype=m.uint8),
    "full uint8 300, empty shape": lambda m: m.full((0,), 300, dtype=m.uint8),
    "full int8 200": lambda m: m.full((2,), 200, dtype=m.int8),
    "full int8 -129": lambda m: m.full((2,), -129, dtype=m.int8),
    "full int8 127.9": lambda m: m.full((1,), 127.9, dtype=m.int8),
    "full int16 70000": lambda m: m.full((2,), 70000, dtype=m.int16),
    "full int32 2**40": lambda m: m.full((2,), 2**40, dtype=m.int32),
    "full int32 2147483647.5": lambda m: m.full((1,), 2147483647.5, dtype=m.int32),
    "full int64 2**63": lambda m: m.full((2,), 2**63, dtype=m.int64),
    "full int64 2**64": lambda m: m.full((2,), 2**64, dtype=m.int64),
    "full int64 -2**63 - 1": lambda m: m.full((1,), -(2**63) - 1, dtype=m.int64),
    "full int64 1e30": lambda m: m.full((2,), 1e30, dtype=m.int64),
    "full int64 inf": lambda m: m.full((2,), INF, dtype=m.int64),
    "full int64 nan": lambda m: m.full((2,), NAN, dtype=m.int64),
    "full 2**63": lambda m: m.full((2,), 2**63),
    "full float16 2**70": lambda m: m.full((2,), 2**70, dtype=m.float16),
    "full float64 2**70": lambda m: m.full((2,), 2**70, dtype=m.float64),
    "full float16 tensor 1e5": lambda m: m.full((2,), m.tensor(1e5), dtype=m.float16),
    "full uint8 tensor 300": lambda m: m.full((2,), m.tensor(300), dtype=m.uint8),
    "full uint8 tensor -1.0": lambda m: m.full((2,), m.tensor(-1.0), dtype=m.uint8),
    "full 1-D tensor": lambda m: m.full((2,), m.tensor([3.0])),
    "full str": lambda m: m.full((2,), "a", dtype=m.uint8),
    "full None": lambda m: m.full((1,), None),
    "full complex into float32": lambda m: m.full((2,), 1 + 2j, dtype=m.float32),
    "full complex into uint8": lambda m: m.full((1,), 1 + 2j, dtype=m.uint8),
    "full_like uint8 300": lambda m: m.full_like(m.zeros(2, dtype=m.uint8), 300),
    "new_full uint8 300": lambda m: m.zeros(2, dtype=m.uint8).new_full((2,), 300),
    # allocations
    "empty too big": lambda m: m.empty(TOO_BIG),
    "zeros too big": lambda m: m.zeros(TOO_BIG),
    "ones too big": lambda m: m.ones(TOO_BIG),
    "full too big": lambda m: m.full((TOO_BIG,), 1.0),
    "empty_like too big": lambda m: m.ones(1).new_empty(TOO_BIG),
    "rand too big": lambda m: m.rand(TOO_BIG),
    "randn too big": lambda m: m.randn(TOO_BIG),
    "randint too big": lambda m: m.randint(0, 3, (TOO_BIG,)),
    "randperm too big": lambda m: m.randperm(TOO_BIG),
    "eye too big": lambda m: m.eye(2**26),
    "arange too big": lambda m: m.arange(TOO_BIG),
    "linspace too big": lambda m: m.linspace(0, 1, TOO_BIG),
    "logspace too big": lambda m: m.logspace(0, 1, TOO_BIG),
    "empty bytes overflow": lambda m: m.empty(2**62, 4),
    "zeros bytes overflow": lambda m: m.zeros(2**40, 2**40),
    "empty uint8 bytes overflow": lambda m: m.empty(2**62, 2, dtype=m.uint8),
    "empty 2**63": lambda m: m.empty(2**63),
    "rand 2**63": lambda m: m.rand(2**63),
    "empty 2**64": lambda m: m.empty(2**64),
    # tensor() from data that is not numbers
    "tensor of strings": lambda m: m.tensor(["a", "b"]),
    "tensor string first": lambda m: m.tensor(["a", 1]),
    "tensor string later": lambda m: m.tensor([1, "a"]),
    "tensor nested string first": lambda m: m.tensor([["a"], [1]]),
    "tensor nested string later": lambda m: m.tensor([[1], ["a"]]),
    "tensor nested string row": lambda m: m.tensor([[1, 2], "ab"]),
    "tensor empty string": lambda m: m.tensor([""]),
    "tensor string": lambda m: m.tensor("a"),
    "tensor strings with dtype": lambda m: m.tensor(["a"], dtype=m.float32),
    "tensor string later with dtype": lambda m: m.tensor([1, "a"], dtype=m.float32),
    "tensor bytes": lambda m: m.tensor(b"ab"),
    "tensor bytes later": lambda m: m.tensor([1, b"a"]),
    "tensor object": lambda m: m.tensor(object()),
    "tensor list of object": lambda m: m.tensor([object()]),
    "tensor None": lambda m: m.tensor(None),
    "tensor list of None": lambda m: m.tensor([None]),
    "tensor None later": lambda m: m.tensor([1, None]),
    "tensor None as a row": lambda m: m.tensor([[1], None]),
    "tensor set as a row": lambda m: m.tensor([[1], {1}]),
    "tensor dict later": lambda m: m.tensor([1, {}]),
    "tensor None with dtype": lambda m: m.tensor(None, dtype=m.float32),
    "tensor None later with dtype": lambda m: m.tensor([1, None], dtype=m.float32),
    "tensor object later with dtype": lambda m: m.tensor([1, object()], dtype=m.float32),
    "tensor ragged": lambda m: m.tensor([[1, 2], [3]]),
    "tensor ragged longer": lambda m: m.tensor([[1], [2, 3]]),
    "tensor ragged empty": lambda m: m.tensor([[1], []]),
    "tensor number as a row": lambda m: m.tensor([[1, 2], 3]),
    "tensor row as a number": lambda m: m.tensor([1, [2, 3]]),
    "tensor deeper number as a row": lambda m: m.tensor([[[1]], [2]]),
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
def test_bad_arguments_raise_torchs_exception_type(name):
    torch_kind = _outcome(ERRORS[name], torch)
    assert torch_kind is not None, "torch accepts this call: move it to ACCEPTED"
    assert _outcome(ERRORS[name], ember) == torch_kind


ACCEPTED = {
    "full uint8 -1 wraps": lambda m: m.full((2,), -1, dtype=m.uint8),
    "full uint8 -255 wraps": lambda m: m.full((2,), -255, dtype=m.uint8),
    "full uint8 tensor -1 wraps": lambda m: m.full((2,), m.tensor(-1), dtype=m.uint8),
    "full uint8 2.5 truncates": lambda m: m.full((2,), 2.5, dtype=m.uint8),
    "full uint8 -0.0": lambda m: m.full((1,), -0.0, dtype=m.uint8),
    "full uint8 True": lambda m: m.full((1,), True, dtype=m.uint8),
    "full int8 -128": lambda m: m.full((2,), -128, dtype=m.int8),
    "full int64 -2**63": lambda m: m.full((1,), -(2**63), dtype=m.int64),
    "full float16 largest": lambda m: m.full((2,), 65504.0, dtype=m.float16),
    "full float16 inf": lambda m: m.full((2,), INF, dtype=m.float16),
    "full float16 nan": lambda m: m.full((2,), NAN, dtype=m.float16),
    "full float32 largest": lambda m: m.full((2,), 3.4028234663852886e38, dtype=m.float32),
    "full float32 2**63": lambda m: m.full((1,), 2**63, dtype=m.float32),
    "full float64 2**64 - 1": lambda m: m.full((1,), 2**64 - 1, dtype=m.float64),
    "full bool 1e40": lambda m: m.full((2,), 1e40, dtype=m.bool),
    "full bool nan": lambda m: m.full((1,), NAN, dtype=m.bool),
    "full bool -5": lambda m: m.full((1,), -5, dtype=m.bool),
    "full bool 2": lambda m: m.full((2,), 2, dtype=m.bool),
    "full complex with no imaginary part": lambda m: m.full((1,), 1 + 0j, dtype=m.float32),
    "full float64 tensor infers float32": lambda m: m.full((1,), m.tensor(1e5, dtype=m.float64)),
    "full int8 tensor infers int64": lambda m: m.full((1,), m.tensor(3, dtype=m.int8)),
    "uniform_ empty range": lambda m: m.empty(3).uniform_(1, 1),
    "normal std 0": lambda m: m.normal(0.0, 0.0, (3,)),
    "normal std -0.0": lambda m: m.normal(0.0, -0.0, (3,)),
    "normal tensors, std 0": lambda m: m.normal(m.ones(2), m.tensor([0.0, -0.0])),
    "normal tensors, empty": lambda m: m.normal(m.zeros(0), m.zeros(0)),
    "normal_ mean inf": lambda m: m.empty(2).normal_(INF, 1),
    "exponential_ inf": lambda m: m.empty(3).exponential_(INF),
    "bernoulli p 1": lambda m: m.bernoulli(m.ones(2), 1),
    "bernoulli p -0.0": lambda m: m.bernoulli(m.ones(2), -0.0),
    "bernoulli empty": lambda m: m.bernoulli(m.zeros(0)),
    "bernoulli_ integer tensor": lambda m: m.empty(3, dtype=m.int64).bernoulli_(1.0),
    "bernoulli_ bool tensor": lambda m: m.empty(3, dtype=m.bool).bernoulli_(0.0),
    "multinomial zero weights": lambda m: m.multinomial(m.tensor([[0.0, 2.0], [3.0, 0.0]]), 1),
    "multinomial zero weights come last": lambda m: m.multinomial(m.tensor([1.0, 0.0, 0.0]), 3)[0],
    "multinomial no rows": lambda m: m.multinomial(m.ones(0, 3), 1),
    "multinomial no rows, replacement": lambda m: m.multinomial(m.ones(0, 3), 2, True),
    "multinomial one category, replacement": lambda m: m.multinomial(m.tensor([0.0, 1.0]), 5, True),
    "random_ 256 on uint8": lambda m: m.empty(50, dtype=m.uint8).random_(256).shape,
    "random_ 2049 on float16": lambda m: m.empty(3, dtype=m.float16).random_(0, 2049).shape,
    "randint bool": lambda m: m.randint(0, 2, (3,), dtype=m.bool).shape,
    "randperm 256 as uint8": lambda m: sorted(m.randperm(256, dtype=m.uint8).tolist()),
    "randperm 128 as int8": lambda m: sorted(m.randperm(128, dtype=m.int8).tolist()),
    "randperm 2049 as float16": lambda m: sorted(m.randperm(2049, dtype=m.float16).tolist()),
    "randperm 0": lambda m: m.randperm(0),
    "eye with no columns": lambda m: m.eye(10**12, 0).shape,
    "empty with a zero size": lambda m: m.empty(10**12, 0).shape,
}


@pytest.mark.parametrize("name", ACCEPTED)
def test_edge_arguments_torch_accepts_give_the_same_result(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected, got = ACCEPTED[name](torch), ACCEPTED[name](ember)
    if isinstance(expected, torch.Tensor):
        assert str(got.dtype).split(".")[1] == str(expected.dtype).split(".")[1]
        expected, got = expected.numpy(), got.numpy()
    np.testing.assert_array_equal(np.asarray(got), np.asarray(expected))
