"""ember.bfloat16 against PyTorch's CPU bfloat16: values (to one bfloat16 rounding), dtypes, gradients, printing."""

import ember
import numpy as np
import pytest

torch = pytest.importorskip("torch")

#: One bfloat16 step (8 significand bits): results agree within a rounding or two of the last bit.
RTOL, ATOL = 2**-7, 1e-3

UNARY = (
    "neg abs sign exp expm1 log log1p log2 log10 sqrt rsqrt sin cos tan tanh sigmoid asin acos atan sinh cosh "
    "asinh floor ceil trunc round reciprocal square erf relu frac exp2 logit".split()
)
BINARY = "add sub mul div maximum minimum pow atan2 remainder fmod hypot".split()
REDUCTIONS = "sum mean prod amax amin var std logsumexp norm".split()


def pair(values, requires_grad=False):
    base = np.asarray(values, dtype=np.float32)
    mine = ember.tensor(base).bfloat16().requires_grad_(requires_grad)
    theirs = torch.tensor(base).bfloat16().requires_grad_(requires_grad)
    return mine, theirs


def same(mine, theirs, rtol=RTOL, atol=ATOL):
    assert str(mine.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
    np.testing.assert_allclose(
        np.asarray(mine.float().tolist()), theirs.float().detach().numpy(), rtol=rtol, atol=atol, equal_nan=True
    )


INPUT = [[0.3, 1.7, -2.2], [0.9, -0.45, 3.1]]
POSITIVE = [[0.3, 1.7, 2.2], [0.9, 0.45, 3.1]]
UNIT = [[0.3, 0.7, -0.2], [0.9, -0.45, 0.1]]


@pytest.mark.parametrize("name", UNARY)
def test_unary_values_and_dtype(name):
    values = POSITIVE if name in ("log", "log1p", "log2", "log10", "sqrt", "rsqrt") else INPUT
    values = UNIT if name in ("asin", "acos", "atanh", "logit") else values
    if name == "logit":
        values = np.abs(np.asarray(UNIT))
    mine, theirs = pair(values)
    same(getattr(ember, name)(mine), getattr(torch, name)(theirs))


@pytest.mark.parametrize("name", BINARY)
def test_binary_values_and_dtype(name):
    (a, ta), (b, tb) = pair(POSITIVE), pair(INPUT)
    same(getattr(ember, name)(a, b), getattr(torch, name)(ta, tb))
    if name not in ("maximum", "minimum", "atan2", "hypot"):  # NOTE: these take tensors only, in both
        same(getattr(ember, name)(a, 1.5), getattr(torch, name)(ta, 1.5))


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reductions_accumulate_as_torch(name):
    rng = np.random.default_rng(0)
    mine, theirs = pair(rng.normal(size=(64, 33)) + 3)
    if name != "logsumexp":
        same(getattr(mine, name)(), getattr(theirs, name)())
    if name != "norm":
        same(getattr(mine, name)(1), getattr(theirs, name)(1))


def test_a_long_sum_and_mean_round_once():
    mine, theirs = pair(np.full(4096, 0.1))
    assert mine.sum().item() == theirs.sum().item()
    assert mine.mean().item() == theirs.mean().item()
    same(mine.cumsum(0), theirs.cumsum(0))
    small, their_small = pair(np.linspace(0.9, 1.1, 50))
    same(small.cumprod(0), their_small.cumprod(0))


def test_matmul_and_softmax():
    rng = np.random.default_rng(1)
    (a, ta), (b, tb) = pair(rng.normal(size=(8, 16))), pair(rng.normal(size=(16, 5)))
    same(a @ b, ta @ tb)
    same(ember.softmax(a, 1), torch.softmax(ta, 1))
    same(ember.log_softmax(a, 1), torch.log_softmax(ta, 1))


@pytest.mark.parametrize(
    "other", ["float16", "float32", "float64", "int64", "int32", "uint8", "bool"], ids=lambda name: name
)
def test_promotion_with_other_dtypes(other):
    mine = ember.ones(2, dtype=ember.bfloat16) + ember.ones(2, dtype=getattr(ember, other))
    theirs = torch.ones(2, dtype=torch.bfloat16) + torch.ones(2, dtype=getattr(torch, other))
    assert str(mine.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
    assert (
        ember.promote_types(ember.bfloat16, getattr(ember, other)).name
        == str(torch.promote_types(torch.bfloat16, getattr(torch, other))).split(".")[1]
    )


def test_conversions():
    mine, theirs = pair(INPUT)
    assert mine.bfloat16().dtype is ember.bfloat16
    assert ember.tensor([1.1]).to(ember.bfloat16).item() == torch.tensor([1.1]).to(torch.bfloat16).item()
    assert mine.to(ember.int64).tolist() == theirs.to(torch.int64).tolist()
    assert mine.half().tolist() == theirs.half().tolist()
    assert mine.tolist() == theirs.tolist()
    assert mine.type() == "ember.BFloat16Tensor" and theirs.type() == "torch.BFloat16Tensor"
    assert mine.element_size() == theirs.element_size() == 2
    assert mine.is_floating_point()


@pytest.mark.parametrize(
    "values", [[1.1, 2.3, 3.7], [[1e-5, 2.0], [300.0, -4.0]], [1e10, 1.0], [0.0, -0.0, float("inf")], [2.0, 3.0]]
)
def test_printing(values):
    mine, theirs = pair(values)
    assert repr(mine).replace("ember", "torch") == repr(theirs)
    assert repr(mine.requires_grad_()).replace("ember", "torch") == repr(theirs.requires_grad_())


@pytest.mark.parametrize("name", ["float16", "bfloat16", "float32", "float64"])
def test_finfo(name):
    mine, theirs = ember.finfo(getattr(ember, name)), torch.finfo(getattr(torch, name))
    for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(mine, field) == getattr(theirs, field), field
    assert repr(mine) == repr(theirs)


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo(name):
    mine, theirs = ember.iinfo(getattr(ember, name)), torch.iinfo(getattr(torch, name))
    assert (mine.bits, mine.min, mine.max, mine.dtype) == (theirs.bits, theirs.min, theirs.max, theirs.dtype)
    assert repr(mine) == repr(theirs)


def test_gradients_are_bfloat16():
    rng = np.random.default_rng(2)
    (a, ta), (b, tb) = pair(rng.normal(size=(4, 6)), True), pair(rng.normal(size=(6, 3)), True)
    for x, y, module in ((a, b, ember), (ta, tb, torch)):
        (module.tanh(x @ y).sum() * 2 + (x * x).mean()).backward()
    assert a.grad.dtype is ember.bfloat16
    # NOTE: each step of the chain rounds to bfloat16; the gradients agree to a few roundings.
    same(a.grad, ta.grad, atol=2**-6)
    same(b.grad, tb.grad, atol=2**-6)


@pytest.mark.parametrize("layout", ["zip", "legacy", "safetensors"])
def test_bfloat16_checkpoints_from_torch_load(tmp_path, layout):
    values = torch.tensor([[1.5, -2.25], [3.0, 1e-3]]).bfloat16()
    state = {"w": values, "column": values[:, 1], "b": torch.arange(3.0)}
    path = tmp_path / ("saved.safetensors" if layout == "safetensors" else "saved.pt")
    if layout == "safetensors":
        pytest.importorskip("safetensors.torch").save_file({k: v.contiguous() for k, v in state.items()}, path)
    else:
        torch.save(state, path, _use_new_zipfile_serialization=layout == "zip")
    loaded = ember.load(path)
    assert loaded["w"].dtype is ember.bfloat16 and loaded["b"].dtype is ember.float32
    assert loaded["w"].tolist() == values.tolist() and loaded["column"].tolist() == values[:, 1].tolist()


@pytest.mark.parametrize("format", ["torch", "safetensors", "ember"])
def test_bfloat16_checkpoints_to_torch_and_back(tmp_path, format):
    values = ember.tensor([[1.5, -2.25], [3.0, 1e-3]]).bfloat16()
    state = {"w": values, "column": values[:, 1].contiguous()}
    path = tmp_path / ("saved.safetensors" if format == "safetensors" else "saved.pt")
    ember.save(state, path, format=format)
    if format == "torch":
        theirs = torch.load(path, weights_only=True)
    elif format == "safetensors":
        theirs = pytest.importorskip("safetensors.torch").load_file(path)
    if format != "ember":
        assert theirs["w"].dtype is torch.bfloat16 and theirs["w"].tolist() == values.tolist()
    again = ember.load(path)
    assert again["w"].dtype is ember.bfloat16 and again["w"].tolist() == values.tolist()
    assert again["column"].tolist() == values[:, 1].tolist()
