"""Complex dtypes: the dtype objects, promotion, creation, printing, the parts of a complex tensor,
arithmetic against NumPy, refusals, and finite-difference checks of complex gradients (PyTorch's
convention: the gradient of a real loss is dL/dRe + i dL/dIm).
"""

import ember
import numpy as np
import pytest
from ember.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(5)
Z = RNG.normal(size=(2, 3)) + 1j * RNG.normal(size=(2, 3))
W = RNG.normal(size=(2, 3)) + 1j * RNG.normal(size=(2, 3))


def test_dtype_objects():
    assert ember.cfloat is ember.complex64 and ember.cdouble is ember.complex128
    assert ember.complex64.is_complex and not ember.complex64.is_floating_point
    assert ember.complex128.itemsize == 16 and ember.complex64.itemsize == 8
    assert ember.complex64.to_real() is ember.float32 and ember.complex128.to_real() is ember.float64
    assert ember.float64.to_complex() is ember.complex128 and ember.float32.to_real() is ember.float32
    assert repr(ember.complex64) == "ember.complex64"
    assert ember.tensor([1j]).is_complex() and ember.is_complex(ember.tensor([1j]))
    assert not ember.tensor([1.0]).is_complex()
    assert ember.tensor([1j]).type() == "ember.ComplexFloatTensor"


@pytest.mark.parametrize(
    "a, b, result",
    [
        (ember.float32, ember.complex64, ember.complex64),
        (ember.float64, ember.complex64, ember.complex128),
        (ember.float16, ember.complex64, ember.complex64),
        (ember.int64, ember.complex64, ember.complex64),
        (ember.bool, ember.complex128, ember.complex128),
        (ember.complex64, ember.complex128, ember.complex128),
    ],
)
def test_promote_types(a, b, result):
    assert ember.promote_types(a, b) is result and ember.promote_types(b, a) is result


@pytest.mark.parametrize(
    "make, result",
    [
        (lambda: ember.ones(2) + 1j, ember.complex64),
        (lambda: ember.ones(2, dtype=ember.float64) + 1j, ember.complex128),
        (lambda: ember.ones(2, dtype=ember.int64) * 1j, ember.complex64),
        (lambda: ember.ones(2) + ember.tensor(1j, dtype=ember.complex128), ember.complex64),
        (lambda: ember.ones(2, dtype=ember.float64) + ember.tensor(1j), ember.complex128),
        (lambda: ember.ones(2, dtype=ember.complex64) + 2.5, ember.complex64),
        (lambda: ember.ones(2, dtype=ember.complex64) * ember.ones(2, dtype=ember.float64), ember.complex128),
        (lambda: ember.tensor([1, 2.5, 1j]), ember.complex64),
        (lambda: ember.tensor(np.ones(2, np.complex128)), ember.complex128),
    ],
)
def test_result_dtypes(make, result):
    assert make().dtype is result


def test_default_complex_dtype_follows_the_default_float_dtype():
    ember.set_default_dtype(ember.float64)
    try:
        assert ember.tensor([1j]).dtype is ember.complex128
        assert (ember.ones(2, dtype=ember.int64) + 1j).dtype is ember.complex128
        assert (ember.ones(2) + 1j).dtype is ember.complex128
        assert repr(ember.tensor([1j])) == "tensor([0.+1.j])"
    finally:
        ember.set_default_dtype(ember.float32)


def test_values_item_tolist_and_numpy():
    t = ember.tensor([[1 + 2j, 3 - 1j]])
    assert t[0, 1].item() == 3 - 1j and type(t[0, 0].item()) is complex
    assert complex(t[0, 0]) == 1 + 2j
    assert t.tolist() == [[1 + 2j, 3 - 1j]]
    host = np.array([1 + 1j, 2], np.complex64)
    shared = ember.from_numpy(host)
    shared[0] = 5j
    assert host[0] == 5j and shared.dtype is ember.complex64


@pytest.mark.parametrize(
    "data, dtype, text",
    [
        ([1 + 2j, 3 - 1j], None, "tensor([1.+2.j, 3.-1.j])"),
        ([1.5 + 2j, 3 - 1j], ember.complex128, "tensor([1.5000+2.j, 3.0000-1.j], dtype=ember.complex128)"),
        (1 + 2j, None, "tensor(1.+2.j)"),
        ([[1e-5 + 1j, 1e5j]], None, "tensor([[1.0000e-05+1.0000e+00j, 0.0000e+00+1.0000e+05j]])"),
        ([1 + 0j, 2], None, "tensor([1.+0.j, 2.+0.j])"),
        ([2 + 0.5j], None, "tensor([2.+0.5000j])"),
    ],
)
def test_printing(data, dtype, text):
    assert repr(ember.tensor(data, dtype=dtype)) == text


def test_real_and_imag_are_views():
    t = ember.tensor(Z)
    real, imag = t.real, t.imag
    assert real.dtype is ember.float64 and imag.dtype is ember.float64
    np.testing.assert_array_equal(real.numpy(), Z.real)
    real[0, 0] = 7.0
    imag[1, 2] = -3.0
    assert t[0, 0].item().real == 7.0 and t[1, 2].item().imag == -3.0
    t.imag = ember.zeros(2, 3, dtype=ember.float64)
    assert not t.imag.any()


def test_real_of_a_real_tensor_is_itself_and_imag_refuses():
    x = ember.ones(2)
    assert x.real is x and ember.real(x) is x and ember.conj(x) is x
    with pytest.raises(RuntimeError, match="imag is not implemented for tensors with non-complex dtypes"):
        x.imag


def test_view_as_real_and_complex_share_memory():
    t = ember.tensor(Z)
    pairs = ember.view_as_real(t)
    assert pairs.shape == (2, 3, 2)
    np.testing.assert_array_equal(pairs.numpy()[..., 1], Z.imag)
    pairs[0, 0, 1] = 9.0
    assert t[0, 0].item().imag == 9.0
    back = ember.view_as_complex(pairs)
    assert back.dtype is ember.complex128 and np.array_equal(back.numpy(), t.numpy())
    assert ember.view_as_real(ember.tensor(1 + 2j)).tolist() == [1.0, 2.0]
    with pytest.raises(RuntimeError, match="last dimension of size 2"):
        ember.view_as_complex(ember.ones(3))
    with pytest.raises(RuntimeError, match="only supported for complex tensors"):
        ember.view_as_real(ember.ones(3))


def test_parts_polar_and_conj_match_numpy():
    t = ember.tensor(Z)
    np.testing.assert_allclose(ember.angle(t).numpy(), np.angle(Z))
    np.testing.assert_allclose(t.abs().numpy(), np.abs(Z))
    np.testing.assert_array_equal(t.conj().numpy(), np.conj(Z))
    np.testing.assert_array_equal(ember.conj_physical(t).numpy(), np.conj(Z))
    assert ember.resolve_conj(t) is t and not t.is_conj() and not ember.is_conj(t.conj())
    r, a = np.abs(Z.real), Z.imag
    polar = ember.polar(ember.tensor(r), ember.tensor(a))
    np.testing.assert_allclose(polar.numpy(), r * np.exp(1j * a))
    made = ember.complex(ember.tensor(Z.real), ember.tensor(Z.imag))
    assert made.dtype is ember.complex128 and np.array_equal(made.numpy(), Z)
    np.testing.assert_allclose(ember.angle(ember.tensor([-1.0, 2.0])).numpy(), [np.pi, 0.0])
    with pytest.raises(RuntimeError, match="Expected both inputs to be Float or Double"):
        ember.complex(ember.ones(2, dtype=ember.int64), ember.ones(2, dtype=ember.int64))


@pytest.mark.parametrize(
    "name, ours, reference",
    [
        ("add", lambda a, b: a + b, np.add),
        ("sub", lambda a, b: a - b, np.subtract),
        ("mul", lambda a, b: a * b, np.multiply),
        ("div", lambda a, b: a / b, np.divide),
        ("pow", lambda a, b: a**2, lambda a, b: a**2),
        ("scalar", lambda a, b: (a * (2 - 1j) + 1j) / 2, lambda a, b: (a * (2 - 1j) + 1j) / 2),
        ("exp", lambda a, b: a.exp(), lambda a, b: np.exp(a)),
        ("log", lambda a, b: a.log(), lambda a, b: np.log(a)),
        ("sqrt", lambda a, b: a.sqrt(), lambda a, b: np.sqrt(a)),
        ("sin", lambda a, b: a.sin(), lambda a, b: np.sin(a)),
        ("matmul", lambda a, b: a @ b.mT, lambda a, b: a @ b.T),
        ("sum", lambda a, b: a.sum(0), lambda a, b: a.sum(0)),
        ("mean", lambda a, b: a.mean(), lambda a, b: a.mean()),
        ("neg", lambda a, b: -a, lambda a, b: -a),
        ("sgn", lambda a, b: a.sgn(), lambda a, b: a / np.abs(a)),
        ("eq", lambda a, b: a == a.conj(), lambda a, b: a == np.conj(a)),
    ],
)
def test_arithmetic_matches_numpy(name, ours, reference):
    got = ours(ember.tensor(Z), ember.tensor(W))
    np.testing.assert_allclose(got.numpy(), reference(Z, W), rtol=1e-12)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda t: t < t, NotImplementedError, "\"lt_cpu\" not implemented for 'ComplexDouble'"),
        (lambda t: t >= 1, NotImplementedError, "\"ge_cpu\" not implemented for 'ComplexDouble'"),
        (lambda t: t.relu(), NotImplementedError, "clamp is not supported for complex types"),
        (lambda t: t.clamp(0, 1), NotImplementedError, "clamp is not supported for complex types"),
        (lambda t: t.floor(), NotImplementedError, "floor_cpu"),
        (lambda t: t.sign(), NotImplementedError, "Please use torch.sgn instead"),
    ],
)
def test_ops_without_complex_refuse(call, error, message):
    with pytest.raises(error, match=message):
        call(ember.tensor(Z))


def test_a_complex_tensor_can_require_grad_and_a_real_one_takes_the_real_part():
    z = ember.tensor(Z, requires_grad=True)
    x = ember.tensor(Z.real, requires_grad=True)
    (z * x * (1 + 2j)).abs().sum().backward()
    assert z.grad.dtype is ember.complex128 and x.grad.dtype is ember.float64


def _complex(*shape, away_from_zero: bool = False):
    values = RNG.normal(size=shape) + 1j * RNG.normal(size=shape)
    if away_from_zero:
        values = values / np.abs(values) * RNG.uniform(0.5, 2, shape)
    return ember.tensor(values, dtype=ember.complex128, requires_grad=True)


def _real(*shape, positive: bool = False):
    values = RNG.uniform(0.5, 2, shape) if positive else RNG.normal(size=shape)
    return ember.tensor(values, dtype=ember.float64, requires_grad=True)


V = 3
NONZERO = {"away_from_zero": True}
# each case: (name, function, input makers)
GRADIENT_CASES = [
    ("add", lambda a, b: a + b, [lambda: _complex(V), lambda: _complex(V)]),
    ("sub_real", lambda a, b: a - b, [lambda: _complex(V), lambda: _real(V)]),
    ("mul", lambda a, b: a * b, [lambda: _complex(V), lambda: _complex(V)]),
    ("mul_real", lambda a, b: a * b, [lambda: _real(V), lambda: _complex(V)]),
    ("mul_scalar", lambda a: a * (2 - 3j), [lambda: _complex(V)]),
    ("div", lambda a, b: a / b, [lambda: _complex(V), lambda: _complex(V, **NONZERO)]),
    ("reciprocal", lambda a: 1 / a, [lambda: _complex(V, **NONZERO)]),
    ("pow2", lambda a: a**2, [lambda: _complex(V)]),
    ("pow3", lambda a: a**3, [lambda: _complex(V)]),
    ("exp", lambda a: a.exp(), [lambda: _complex(V)]),
    ("log", lambda a: a.log(), [lambda: _complex(V, **NONZERO)]),
    ("sqrt", lambda a: a.sqrt(), [lambda: _complex(V, **NONZERO)]),
    ("sin", lambda a: a.sin(), [lambda: _complex(V)]),
    ("cos", lambda a: a.cos(), [lambda: _complex(V)]),
    ("abs", lambda a: a.abs(), [lambda: _complex(V, **NONZERO)]),
    ("sgn", lambda a: a.sgn(), [lambda: _complex(V, **NONZERO)]),
    ("angle", lambda a: a.angle(), [lambda: _complex(V, **NONZERO)]),
    ("conj", lambda a: a.conj(), [lambda: _complex(V)]),
    ("real_imag", lambda a: a.real * a.imag, [lambda: _complex(V)]),
    ("complex", lambda a, b: ember.complex(a, b), [lambda: _real(V), lambda: _real(V)]),
    ("polar", lambda a, b: ember.polar(a, b), [lambda: _real(V, positive=True), lambda: _real(V)]),
    ("view_as_real", lambda a: ember.view_as_real(a), [lambda: _complex(V)]),
    ("view_as_complex", lambda a: ember.view_as_complex(a), [lambda: _real(V, 2)]),
    ("matmul", lambda a, b: a @ b, [lambda: _complex(2, 3), lambda: _complex(3, 2)]),
    ("mv", lambda a, b: a @ b.to(ember.complex128), [lambda: _complex(2, 3), lambda: _real(3)]),
    ("sum_mean", lambda a: a.sum() * a.mean(), [lambda: _complex(2, 2)]),
    ("to_complex", lambda a: a.to(ember.complex128) * 1j, [lambda: _real(V)]),
]


@pytest.mark.parametrize("name, function, makers", GRADIENT_CASES, ids=[c[0] for c in GRADIENT_CASES])
def test_gradcheck(name, function, makers):
    assert gradcheck(function, tuple(make() for make in makers))


@pytest.mark.parametrize("name, function, makers", GRADIENT_CASES, ids=[c[0] for c in GRADIENT_CASES])
def test_gradgradcheck(name, function, makers):
    assert gradgradcheck(function, tuple(make() for make in makers))


def test_gradcheck_catches_a_wrong_complex_rule():
    from ember.autograd import Function

    class Unconjugated(Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return g * 2 * a  # NOTE: PyTorch's convention needs conj(2 a)

    assert not gradcheck(Unconjugated.apply, (_complex(V),), raise_exception=False)


def test_random_complex_samples():
    ember.manual_seed(0)
    z = ember.randn(4000, dtype=ember.complex64)
    assert z.dtype is ember.complex64
    assert abs(z.abs().pow(2).mean().item() - 1) < 0.1
    u = ember.rand(100, dtype=ember.complex128)
    assert ((u.real >= 0) & (u.real < 1) & (u.imag >= 0) & (u.imag < 1)).all()
