"""dtype promotion and refused inputs against PyTorch: every dtype pair and operand kind, per op.

Operand kinds: a dimensioned tensor, a 0-dim tensor, and the Python scalars True, 2 and 2.5.
Each test sweeps all combinations for one op and lists every disagreement at once.
"""

import itertools
import warnings

import ember
import numpy as np
import pytest

torch = pytest.importorskip("torch")

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64"]
TENSOR_KINDS = [("dim", name) for name in DTYPES] + [("zero_dim", name) for name in DTYPES]
KINDS = TENSOR_KINDS + [("python", value) for value in (True, 2, 2.5)]


def _operand(module, kind):
    form, value = kind
    if form == "python":
        return value
    return module.ones((2,) if form == "dim" else (), dtype=getattr(module, value))


def _outcome(module, function, kinds):
    """The result dtype and values, or the exception's class name."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = function(module, *(_operand(module, kind) for kind in kinds))
        except (RuntimeError, TypeError) as error:
            return type(error).__name__
    return str(result.dtype).split(".")[1], np.asarray(result.tolist(), dtype=np.float64)


def _agree(mine, theirs) -> bool:
    if isinstance(mine, str) or isinstance(theirs, str):
        return mine == theirs
    rtol = 1e-3 if mine[0] == "float16" else 1e-6
    return mine[0] == theirs[0] and np.allclose(mine[1], theirs[1], rtol=rtol, equal_nan=True)


OPS = {
    "add": lambda m, a, b: a + b,
    "add_fn": lambda m, a, b: m.add(a, b) if isinstance(a, m.Tensor) else m.add(b, a),
    "sub": lambda m, a, b: a - b,
    "mul": lambda m, a, b: a * b,
    "true_divide": lambda m, a, b: a / b,
    "floor_divide": lambda m, a, b: a // b,
    "remainder": lambda m, a, b: a % b,
    "pow": lambda m, a, b: a**b,
    "eq": lambda m, a, b: a == b,
    "lt": lambda m, a, b: a < b,
    "bitwise_and": lambda m, a, b: a & b,
    "where": lambda m, a, b: m.where(m.tensor([True, False]), a, b),
}
TENSOR_ONLY = {  # torch refuses Python scalars here (ember accepts them)
    "logical_or": lambda m, a, b: m.logical_or(a, b),
    "maximum": lambda m, a, b: m.maximum(a, b),
    "minimum": lambda m, a, b: m.minimum(a, b),
}


def _disagreements(function, left_kinds, right_kinds):
    found = []
    for left, right in itertools.product(left_kinds, right_kinds):
        if left[0] == "python" and right[0] == "python":
            continue
        mine, theirs = _outcome(ember, function, (left, right)), _outcome(torch, function, (left, right))
        if not _agree(mine, theirs):
            found.append(f"{left} with {right}: ember {mine} != torch {theirs}")
    return found


@pytest.mark.parametrize("name", list(OPS))
def test_binary_promotion_matches_torch_for_every_operand_pair(name):
    assert _disagreements(OPS[name], KINDS, KINDS) == []


@pytest.mark.parametrize("name", list(TENSOR_ONLY))
def test_tensor_only_promotion_matches_torch(name):
    assert _disagreements(TENSOR_ONLY[name], TENSOR_KINDS, TENSOR_KINDS) == []


INPLACE = {
    "iadd": lambda m, a, b: a.__iadd__(b),
    "isub": lambda m, a, b: a.__isub__(b),
    "imul": lambda m, a, b: a.__imul__(b),
    "itruediv": lambda m, a, b: a.__itruediv__(b),
    "ifloordiv": lambda m, a, b: a.__ifloordiv__(b),
    "ipow": lambda m, a, b: a.__ipow__(b),
    "add_": lambda m, a, b: a.add_(b),
    "mul_": lambda m, a, b: a.mul_(b),
    "clamp_": lambda m, a, b: a.clamp_(b),
}


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_promotion_and_cast_errors_match_torch(name):
    function = INPLACE[name]

    def keeps_identity(module, a, b):
        result = function(module, a, b)
        assert result is a
        return result

    # In-place results never grow: only targets at least as large as the other operand are compared.
    targets = [kind for kind in TENSOR_KINDS if kind[0] == "dim"]
    others = KINDS if name != "clamp_" else [kind for kind in KINDS if kind[0] == "python"]
    assert _disagreements(keeps_identity, targets, others) == []


UNARY = "neg abs sign exp log sqrt sigmoid relu floor round reciprocal square bitwise_not logical_not isnan".split()


@pytest.mark.parametrize("name", UNARY)
def test_unary_result_dtypes_and_refusals_match_torch(name):
    def apply(module, a, _unused):
        return getattr(module, name)(a)

    assert _disagreements(apply, TENSOR_KINDS, [("python", 0)]) == []


REDUCTIONS = {
    "sum": lambda m, a: a.sum(),
    "sum_dim": lambda m, a: a.sum(-1),
    "prod": lambda m, a: a.prod(),
    "mean": lambda m, a: a.mean(),
    "cumsum": lambda m, a: a.cumsum(-1),
    "max": lambda m, a: a.max(),
    "argmax": lambda m, a: a.argmax(),
    "all": lambda m, a: a.all(),
    "std": lambda m, a: a.std(),
    "norm": lambda m, a: a.norm(),
    "softmax": lambda m, a: a.softmax(-1),
    "logsumexp": lambda m, a: m.logsumexp(a, -1),
}


@pytest.mark.parametrize("name", list(REDUCTIONS))
def test_reduction_result_dtypes_and_refusals_match_torch(name):
    def apply(module, a, _unused):
        return REDUCTIONS[name](module, a)

    assert _disagreements(apply, TENSOR_KINDS, [("python", 0)]) == []


def test_result_type_matches_torch_for_every_operand_pair():
    def outcome(module, a, b):
        return str(module.result_type(_operand(module, a), _operand(module, b))).split(".")[1]

    assert [(a, b) for a in KINDS for b in KINDS if outcome(ember, a, b) != outcome(torch, a, b)] == []


def test_can_cast_matches_torch_for_every_dtype_pair():
    pairs = itertools.product(DTYPES, DTYPES)
    assert [
        (a, b)
        for a, b in pairs
        if ember.can_cast(getattr(ember, a), getattr(ember, b)) != torch.can_cast(getattr(torch, a), getattr(torch, b))
    ] == []
