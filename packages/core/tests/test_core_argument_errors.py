"""Bad arguments to the creation and random functions: PyTorch's exception types, messages that
say what to do, and the edge values PyTorch accepts (which must keep working)."""

import ember
import numpy as np
import pytest

NAN, INF = float("nan"), float("inf")
TOO_BIG = 2**50  # elements: petabytes in any dtype, beyond what any machine's address space holds


@pytest.fixture(autouse=True)
def _restore_seed():
    yield
    ember.manual_seed(0)


def _case(call, error, message, needs=()):
    return pytest.param(call, error, message, id=message, marks=[pytest.mark.needs_dtype(*needs)] if needs else ())


# --- random -------------------------------------------------------------------------------------

RANDOM_ERRORS = [
    # multinomial: weights, shape, dtype and sample count
    _case(lambda: ember.multinomial(ember.tensor([1.0, -1.0, 2.0]), 1), RuntimeError, "element < 0"),
    _case(lambda: ember.multinomial(ember.tensor([1.0, NAN]), 1), RuntimeError, "`nan`"),
    _case(lambda: ember.multinomial(ember.tensor([1.0, INF]), 1), RuntimeError, "`inf`"),
    _case(lambda: ember.multinomial(ember.tensor([1.0, -1.0]), 2, True), RuntimeError, "non-negative weights"),
    _case(lambda: ember.multinomial(ember.tensor([[1.0, 1.0], [0.0, 0.0]]), 1), RuntimeError, "row 1 is all zeros"),
    _case(lambda: ember.multinomial(ember.zeros(2), 3, True), RuntimeError, r"sum of probabilities <= 0"),
    _case(lambda: ember.multinomial(ember.ones(2), 3), RuntimeError, "pass replacement=True"),
    _case(lambda: ember.multinomial(ember.ones(2), 0), RuntimeError, "n_sample <= 0"),
    _case(lambda: ember.multinomial(ember.ones(2, 2, 2), 1), RuntimeError, r"1 or 2 dim.*\[2, 2, 2\]"),
    _case(lambda: ember.multinomial(ember.tensor(1.0), 1), RuntimeError, "prob_dist must be 1 or 2 dim"),
    _case(lambda: ember.multinomial(ember.tensor([1, 2]), 1), RuntimeError, "got: Long; convert the weights"),
    _case(lambda: ember.multinomial(ember.ones(2, 0), 1, True), RuntimeError, "no categories"),
    _case(lambda: ember.multinomial(ember.ones(3), 2.5), TypeError, "'num_samples' must be int, not float"),
    # bernoulli: p outside [0, 1], as a tensor or a number
    _case(lambda: ember.bernoulli(ember.tensor([0.5, 1.5])), RuntimeError, r"outside \[0, 1\] or nan"),
    _case(lambda: ember.bernoulli(ember.tensor([-0.5])), RuntimeError, r"p_in >= 0 && p_in <= 1"),
    _case(lambda: ember.bernoulli(ember.tensor([NAN])), RuntimeError, r"clamp\(0, 1\)"),
    _case(lambda: ember.bernoulli(ember.ones(2), 1.5), RuntimeError, r"expects p to be in \[0, 1\], but got p=1.5"),
    _case(lambda: ember.bernoulli(ember.ones(2), NAN), RuntimeError, "got p=nan"),
    _case(lambda: ember.ones(2).bernoulli(-0.5), RuntimeError, "got p=-0.5"),
    _case(lambda: ember.ones(2).bernoulli_(2.0), RuntimeError, "got p=2"),
    _case(lambda: ember.ones(2).bernoulli_(ember.tensor([0.5, 2.0])), RuntimeError, r"bernoulli_\(\) found"),
    _case(lambda: ember.ones(2).bernoulli_(ember.tensor([0, 1])), NotImplementedError, "floating probabilities"),
    _case(lambda: ember.bernoulli(ember.tensor([0, 1])), NotImplementedError, "'Long'"),
    # uniform_, normal, exponential_
    _case(lambda: ember.empty(3).uniform_(1, 0), RuntimeError, r"from=1 > to=0; swap them: uniform_\(0, 1\)"),
    _case(lambda: ember.empty(3).uniform_(0, INF), RuntimeError, "to is out of bounds for float32"),
    _case(lambda: ember.empty(3).uniform_(NAN, 1), RuntimeError, "from is out of bounds for float32"),
    _case(lambda: ember.empty(3, dtype=ember.float16).uniform_(0, 1e5), RuntimeError, "float16 holds", ("float16",)),
    _case(lambda: ember.empty(3).uniform_(-3e38, 3e38), RuntimeError, "difference exceeds it"),
    _case(lambda: ember.empty(3, dtype=ember.int64).uniform_(), NotImplementedError, r"use random_\(from, to\)"),
    _case(lambda: ember.empty(3).normal_(0, -1), RuntimeError, "expects std >= 0.0, but found std -1"),
    _case(lambda: ember.empty(3).normal_(0, NAN), RuntimeError, "found std nan"),
    _case(lambda: ember.empty(3, dtype=ember.int64).normal_(), NotImplementedError, "normal_kernel_cpu"),
    _case(lambda: ember.normal(0, -1, (3,)), RuntimeError, "cannot be negative"),
    _case(lambda: ember.normal(ember.zeros(3), -1.0), RuntimeError, "found std -1"),
    _case(lambda: ember.normal(0.0, ember.tensor([1.0, -1.0])), RuntimeError, "all elements of std >= 0.0"),
    _case(lambda: ember.normal(ember.zeros(2), ember.tensor([1.0, NAN])), RuntimeError, r"std.clamp\(min=0\)"),
    _case(lambda: ember.normal(ember.zeros(2, dtype=ember.int64), 1.0), NotImplementedError, "'Long'"),
    _case(lambda: ember.normal(0.0, 1.0), TypeError, "needs a size"),
    _case(lambda: ember.empty(3).exponential_(-1), RuntimeError, "lambda > 0.0, but found lambda=-1"),
    _case(lambda: ember.empty(3).exponential_(0), RuntimeError, "found lambda=0"),
    _case(lambda: ember.empty(3, dtype=ember.int64).exponential_(), RuntimeError, "you specified Long"),
    # random_, randint: bounds for the dtype
    _case(lambda: ember.empty(3).random_(5, 2), RuntimeError, r"from=5 >= to=2; random_\(\) draws from"),
    _case(lambda: ember.empty(3).random_(0), RuntimeError, "from=0 >= to=0"),
    _case(lambda: ember.empty(3, dtype=ember.uint8).random_(0, 300), RuntimeError, r"to - 1 is out of bounds"),
    _case(lambda: ember.empty(3, dtype=ember.uint8).random_(-1, 3), RuntimeError, r"from is out of bounds for uint8"),
    _case(lambda: ember.empty(3, dtype=ember.bool).random_(0, 3), RuntimeError, r"bool holds \[0, 1\]"),
    _case(lambda: ember.empty(3, dtype=ember.float16).random_(0, 70000), RuntimeError, "float16 holds", ("float16",)),
    _case(lambda: ember.empty(3).random_(2.5), TypeError, "'to' must be int, not float"),
    _case(lambda: ember.empty(3).random_(0.5, 2), TypeError, "'from' must be int, not float"),
    _case(lambda: ember.randint(5, 2, (3,)), RuntimeError, r"randint\(\) draws from \[from, to\)"),
    _case(lambda: ember.randint(0, 300, (3,), dtype=ember.uint8), RuntimeError, "would draw up to 299"),
    _case(lambda: ember.randint(0, 5.5, (2,)), TypeError, "argument 'high' must be int, not float"),
    # randperm
    _case(lambda: ember.randperm(-1), RuntimeError, r"negative dimension -1: \[-1\]"),
    _case(lambda: ember.randperm(2.5), TypeError, "argument 'n' must be int, not float"),
    _case(lambda: ember.randperm(True), TypeError, "not bool"),
    _case(lambda: ember.randperm(257, dtype=ember.uint8), RuntimeError, "without overflow.*up to 256"),
    _case(lambda: ember.randperm(2050, dtype=ember.float16), RuntimeError, "greater than 2049 for Half"),
    _case(lambda: ember.randperm(3, dtype=ember.bool), NotImplementedError, "'Bool'"),
]


@pytest.mark.parametrize(("call", "error", "message"), RANDOM_ERRORS)
def test_random_argument_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


SAMPLERS_WITH_GENERATOR = {
    "rand": lambda g: ember.rand(2, generator=g),
    "randn": lambda g: ember.randn(2, generator=g),
    "randint": lambda g: ember.randint(0, 3, (2,), generator=g),
    "randperm": lambda g: ember.randperm(3, generator=g),
    "normal": lambda g: ember.normal(0.0, 1.0, (2,), generator=g),
    "multinomial": lambda g: ember.multinomial(ember.ones(2), 1, generator=g),
    "bernoulli": lambda g: ember.bernoulli(ember.full((2,), 0.5), generator=g),
    "uniform_": lambda g: ember.empty(2).uniform_(generator=g),
    "normal_": lambda g: ember.empty(2).normal_(generator=g),
    "random_": lambda g: ember.empty(2).random_(generator=g),
    "exponential_": lambda g: ember.empty(2).exponential_(generator=g),
    "bernoulli_": lambda g: ember.empty(2).bernoulli_(0.5, generator=g),
}


@pytest.mark.parametrize("name", SAMPLERS_WITH_GENERATOR)
def test_a_generator_that_is_not_one_is_a_type_error(name):
    with pytest.raises(TypeError, match=rf"{name}\(\): argument 'generator' must be ember.Generator, not str"):
        SAMPLERS_WITH_GENERATOR[name]("x")
    assert SAMPLERS_WITH_GENERATOR[name](ember.Generator().manual_seed(1)).shape[-1] >= 1


def test_edge_values_pytorch_accepts_still_sample():
    assert ember.empty(3).uniform_(1, 1).tolist() == [1.0, 1.0, 1.0]
    assert ember.normal(2.0, 0.0, (3,)).tolist() == [2.0, 2.0, 2.0]
    assert ember.normal(2.0, -0.0, (3,)).tolist() == [2.0, 2.0, 2.0]
    assert ember.empty(2).normal_(1.0, -0.0).tolist() == [1.0, 1.0]
    assert ember.empty(2).normal_(0, INF).abs().tolist() == [INF, INF]
    assert ember.normal(ember.ones(2), ember.zeros(2)).tolist() == [1.0, 1.0]
    assert ember.bernoulli(ember.ones(3), 1.0).tolist() == [1.0, 1.0, 1.0]
    assert ember.bernoulli(ember.tensor([0.0, 1.0])).tolist() == [0.0, 1.0]
    assert ember.bernoulli(ember.zeros(0)).shape == (0,)
    assert ember.empty(3, dtype=ember.int64).bernoulli_(1.0).tolist() == [1, 1, 1]
    assert ember.bernoulli(ember.ones(2, dtype=ember.int64), 0.0).tolist() == [0, 0]
    assert ember.empty(2).exponential_(INF).tolist() == [0.0, 0.0]
    assert ember.empty(50, dtype=ember.uint8).random_(256).max().item() <= 255
    assert ember.randint(-(2**63), 0, (2,)).max().item() < 0
    assert sorted(ember.randperm(256, dtype=ember.uint8).tolist()) == list(range(256))
    assert ember.randperm(0).shape == (0,)


@pytest.mark.needs_dtype("float16")
def test_randperm_takes_float16_up_to_its_exact_integers():
    assert sorted(ember.randperm(2049, dtype=ember.float16).tolist()) == list(range(2049))


@pytest.mark.parametrize(
    ("dtype", "highest"),
    [(ember.uint8, 255), (ember.int8, 127), (ember.bool, 1), (ember.float16, 2**11), (ember.float32, 2**24)],
)
def test_random_without_bounds_spans_the_dtypes_exact_integers(dtype, highest):
    values = ember.empty(4000, dtype=dtype).random_().double()
    assert values.min().item() >= 0 and values.max().item() <= highest
    assert values.max().item() > highest / 2


@pytest.mark.needs_dtype("float16")
def test_random_beyond_a_floats_exact_integers_warns():
    with pytest.warns(UserWarning, match=r"beyond \[-\(2\^11\), 2\^11\]"):
        ember.randint(0, 5000, (2,), dtype=ember.float16)


def test_multinomial_draws_zero_weights_last_and_takes_empty_batches():
    for _ in range(20):
        picks = ember.multinomial(ember.tensor([1.0, 0.0, 3.0, 0.0]), 4).tolist()
        assert sorted(picks[:2]) == [0, 2] and sorted(picks[2:]) == [1, 3]
    assert ember.multinomial(ember.ones(0, 3), 2).shape == (0, 2)
    assert ember.multinomial(ember.ones(0, 3), 5, replacement=True).shape == (0, 5)
    assert ember.multinomial(ember.tensor([[0.0, 2.0], [3.0, 0.0]]), 1).tolist() == [[1], [0]]


@pytest.mark.parametrize(
    "sample",
    [
        lambda: ember.rand(TOO_BIG),
        lambda: ember.randn(TOO_BIG),
        lambda: ember.normal(0.0, 1.0, (TOO_BIG,)),
        lambda: ember.randint(0, 3, (TOO_BIG,)),
        lambda: ember.randperm(TOO_BIG),
    ],
    ids=["rand", "randn", "normal", "randint", "randperm"],
)
def test_sampling_more_than_memory_holds_is_a_runtime_error(sample):
    with pytest.raises(RuntimeError, match=r"can't allocate memory: you tried to allocate \d+ bytes \(.*PiB\)"):
        sample()


# --- creation -----------------------------------------------------------------------------------

OUT_OF_RANGE_FILLS = [
    (1e40, ember.float16),
    (70000.0, ember.float16),
    (65505, ember.float16),
    (-1e39, ember.float32),
    (300, ember.uint8),
    (-256, ember.uint8),
    (300.0, ember.uint8),
    (-0.5, ember.uint8),
    (NAN, ember.uint8),
    (200, ember.int8),
    (-129, ember.int8),
    (127.9, ember.int8),
    (70000, ember.int16),
    (2**31, ember.int32),
    (2**63, ember.int64),
    (INF, ember.int64),
    (NAN, ember.int64),
]


@pytest.mark.parametrize(("value", "dtype"), OUT_OF_RANGE_FILLS)
def test_full_refuses_values_its_dtype_cannot_hold(value, dtype):
    pattern = rf"value cannot be converted to type {dtype.name} without overflow: .* {dtype.name} holds"
    with pytest.raises(RuntimeError, match=pattern):
        ember.full((2,), value, dtype=dtype)
    with pytest.raises(RuntimeError, match=pattern):
        ember.full((0,), value, dtype=dtype)
    with pytest.raises(RuntimeError, match=pattern):
        ember.full_like(ember.zeros(2, dtype=dtype), value)
    with pytest.raises(RuntimeError, match=pattern):
        ember.zeros(2, dtype=dtype).new_full((2,), value)


def test_full_checks_tensor_fill_values_too():
    with pytest.raises(RuntimeError, match="without overflow"):
        ember.full((2,), ember.tensor(1e5), dtype=ember.float16)
    with pytest.raises(RuntimeError, match="without overflow"):
        ember.full((2,), ember.tensor(300), dtype=ember.uint8)
    with pytest.raises(TypeError, match=r"must be Number, not Tensor \(got one of shape \[1\]\)"):
        ember.full((2,), ember.tensor([3.0]))
    assert ember.full((2,), ember.tensor(-1), dtype=ember.uint8).tolist() == [255, 255]
    assert ember.full((1,), ember.tensor(1e5, dtype=ember.float64)).dtype is ember.float32
    assert ember.full((1,), ember.tensor(3, dtype=ember.int8)).dtype is ember.int64


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (2**63, RuntimeError, "int64 holds"),
        (2**64, OverflowError, "too big to convert"),
        (-(2**63) - 1, OverflowError, "too big to convert"),
        ("a", TypeError, "must be Number, not str"),
        (None, TypeError, "must be Number, not NoneType"),
    ],
)
def test_full_refuses_what_is_no_fill_value(value, error, message):
    with pytest.raises(error, match=message):
        ember.full((2,), value)


def test_full_refuses_a_complex_value_for_a_real_dtype():
    with pytest.raises(RuntimeError, match="pass a complex dtype or a real number"):
        ember.full((2,), 1 + 2j, dtype=ember.float32)
    assert ember.full((2,), 1 + 0j, dtype=ember.float32).tolist() == [1.0, 1.0]
    assert ember.full((2,), 1 + 2j).dtype is ember.complex64


@pytest.mark.parametrize(
    ("value", "dtype", "expected"),
    [
        (-1, ember.uint8, [255, 255]),
        (-255, ember.uint8, [1, 1]),
        (2.5, ember.uint8, [2, 2]),
        (-128, ember.int8, [-128, -128]),
        (65504.0, ember.float16, [65504.0, 65504.0]),
        (INF, ember.float16, [INF, INF]),
        (-INF, ember.float32, [-INF, -INF]),
        (1e40, ember.float64, [1e40, 1e40]),
        (2**63, ember.float32, [2.0**63, 2.0**63]),
        (1e40, ember.bool, [True, True]),
        (-5, ember.bool, [True, True]),
        (True, ember.uint8, [1, 1]),
        (1 + 0j, ember.float32, [1.0, 1.0]),
        (np.int64(7), ember.int8, [7, 7]),
    ],
)
def test_full_takes_the_values_pytorch_takes(value, dtype, expected):
    assert ember.full((2,), value, dtype=dtype).tolist() == expected


@pytest.mark.needs_dtype("float16")
def test_full_takes_nan_in_float16():
    assert np.isnan(ember.full((2,), NAN, dtype=ember.float16).numpy()).all()


ALLOCATIONS = {
    "empty": lambda n: ember.empty(n),
    "zeros": lambda n: ember.zeros(n, 2),
    "ones": lambda n: ember.ones(n),
    "full": lambda n: ember.full((n,), 2.0),
    "empty_like": lambda n: ember.empty(n, 0).new_empty(n),
    "eye": lambda n: ember.eye(n),
    "arange": lambda n: ember.arange(n),
    "linspace": lambda n: ember.linspace(0, 1, n),
    "logspace": lambda n: ember.logspace(0, 1, n),
}


@pytest.mark.parametrize("op", ALLOCATIONS)
def test_allocating_more_than_memory_holds_is_a_runtime_error(op):
    with pytest.raises(RuntimeError, match=r"can't allocate memory: you tried to allocate \d+ bytes") as caught:
        ALLOCATIONS[op](TOO_BIG if op != "eye" else 2**26)
    assert str(caught.value).startswith(op.replace("_like", "") if op != "empty_like" else "empty")
    assert "use smaller sizes" in str(caught.value)


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: ember.empty(2**62, 4), RuntimeError, r"Storage size calculation overflowed with sizes=\[\d+, 4\]"),
        (lambda: ember.zeros(2**40, 2**40), RuntimeError, "Storage size calculation overflowed"),
        (lambda: ember.empty(2**62, 2, dtype=ember.uint8), RuntimeError, "overflowed"),
        (lambda: ember.rand(2**62, 4), RuntimeError, "overflowed"),
        (lambda: ember.empty(2**63), TypeError, "Overflow when unpacking long long"),
        (lambda: ember.ones(2**64), TypeError, "each size must be below 2"),
    ],
)
def test_sizes_whose_byte_count_overflows_are_refused(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_sizes_with_a_zero_are_empty_however_large_the_rest():
    assert ember.empty(10**12, 0).shape == (10**12, 0)
    assert ember.eye(10**12, 0).shape == (10**12, 0)


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: ember.eye(-1), RuntimeError, "n must be greater or equal to 0, got -1"),
        (lambda: ember.eye(3, -1), RuntimeError, "m must be greater or equal to 0, got -1"),
        (lambda: ember.eye(2.5), TypeError, "argument 'n' must be int, not float"),
        (lambda: ember.linspace(0, 1, 2.5), TypeError, "argument 'steps' must be int"),
        (lambda: ember.logspace(0, 1, -1), RuntimeError, "number of steps must be non-negative"),
    ],
)
def test_counts_of_eye_and_spaces(make, error, message):
    with pytest.raises(error, match=message):
        make()


TENSOR_DATA_ERRORS = [
    (["a", "b"], {}, ValueError, "too many dimensions 'str'.*convert the strings first"),
    (["a", 1], {}, ValueError, "too many dimensions 'str'"),
    ([["a"], [1]], {}, ValueError, "too many dimensions 'str'"),
    (["1"], {"dtype": ember.float32}, ValueError, "too many dimensions 'str'"),
    ([1, "a"], {}, TypeError, "invalid data type 'str' at dim 1"),
    ([[1], ["a"]], {}, TypeError, "invalid data type 'str' at dim 2"),
    ([[1, 2], "ab"], {}, TypeError, "invalid data type 'str'"),
    ([""], {}, TypeError, "invalid data type 'str'"),
    (b"ab", {}, TypeError, "invalid data type 'bytes'"),
    ([1, b"a"], {}, TypeError, "invalid data type 'bytes'"),
    ([None], {}, RuntimeError, "Could not infer dtype of NoneType: found at dim 1"),
    ([1, None], {}, RuntimeError, "Could not infer dtype of NoneType"),
    ([object()], {}, RuntimeError, "Could not infer dtype of object"),
    ([[1], None], {}, RuntimeError, "Could not infer dtype of NoneType"),
    ([[1], {1}], {}, RuntimeError, "Could not infer dtype of set"),
    ([1, None], {"dtype": ember.float32}, TypeError, "must be real number, not NoneType"),
    ([1, object()], {"dtype": ember.float32}, TypeError, "must be real number, not object"),
    (None, {"dtype": ember.float32}, TypeError, "must be real number, not NoneType"),
    ([[1, 2], 3], {}, TypeError, "expected a sequence at dim 1"),
    ([1, [2]], {}, TypeError, "expected a number at dim 1"),
    ([[1, 2], [3]], {}, ValueError, r"expected sequence of length 2 at dim 1 \(got 1\)"),
]


@pytest.mark.parametrize(("data", "options", "error", "message"), TENSOR_DATA_ERRORS)
def test_tensor_refuses_data_that_is_not_numbers(data, options, error, message):
    with pytest.raises(error, match=message):
        ember.tensor(data, **options)
