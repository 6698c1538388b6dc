"""Complex tensors against torch 2.13: promotion of every dtype pair and operand weight, printing,
values and gradients of the complex ops (real losses through complex intermediates), refusals.
"""

import itertools

import ember
import numpy as np
import pytest

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(23)
Z = RNG.normal(size=(2, 3)) + 1j * RNG.normal(size=(2, 3))
W = RNG.normal(size=(2, 3)) + 1j * RNG.normal(size=(2, 3))
X = RNG.normal(size=(2, 3))
NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float32", "float64", "complex64", "complex128"]


def _name(dtype) -> str:
    return str(dtype).split(".")[-1]


@pytest.mark.parametrize("a, b", list(itertools.product(NAMES, ["complex64", "complex128"])))
def test_promote_types(a, b):
    assert _name(ember.promote_types(getattr(ember, a), getattr(ember, b))) == _name(
        torch.promote_types(getattr(torch, a), getattr(torch, b))
    )


@pytest.mark.parametrize("a", NAMES)
@pytest.mark.parametrize("b", ["complex64", "complex128", "1j"])
@pytest.mark.parametrize("shapes", [((2,), ()), ((), (2,)), ((2,), (2,))], ids=str)
def test_result_type_with_operand_weights(a, b, shapes):
    def result(m):
        left = m.ones(shapes[0], dtype=getattr(m, a))
        right = 1j if b == "1j" else m.ones(shapes[1], dtype=getattr(m, b))
        return _name((left + right).dtype)

    assert result(ember) == result(torch)


@pytest.mark.parametrize(
    "data, dtype",
    [
        ([1 + 2j, 3 - 1j], None),
        ([1.5 + 2j, 3 - 1j], "complex128"),
        (1 + 2j, None),
        ([[1e-5 + 1j, 1e5j]], None),
        ([1 + 0j, 2], None),
        ([2 + 0.5j, -0.0 - 1j], None),
        ([[123.456 - 7j, 1e-3j], [-1 + 1j, 0j]], "complex128"),
        ([float("nan") + 1j, float("inf") - 2j], None),
    ],
)
def test_printing(data, dtype):
    def text(m):
        return repr(m.tensor(data, dtype=None if dtype is None else getattr(m, dtype))).replace("torch.", "ember.")

    assert text(ember) == text(torch)


def test_printing_large_complex_tensors():
    data = RNG.normal(size=(4, 300)) * 1000 + 1j * RNG.normal(size=(4, 300))
    assert repr(ember.tensor(data)).replace("ember.", "") == repr(torch.tensor(data)).replace("torch.", "")


def test_printing_with_grad():
    z = ember.tensor([1 + 2j], requires_grad=True)
    t = torch.tensor([1 + 2j], requires_grad=True)
    assert repr(z * 2) == repr(t * 2).replace("torch.", "ember.")
    assert repr(z) == repr(t)


def _grads(m, function, arrays):
    inputs = [m.tensor(a, requires_grad=True) for a in arrays]
    out = function(m, *inputs)
    loss = out.abs().sum() if out.is_complex() else out.sum()
    loss.backward()
    return out.detach().resolve_conj().numpy(), [x.grad.resolve_conj().numpy() for x in inputs]


NONZERO = Z / np.abs(Z) * RNG.uniform(0.5, 2, Z.shape)
# each case: (name, function(module, *inputs), inputs); the loss is sum(|out|) or sum(out)
CASES = [
    ("add", lambda m, a, b: a + b, [Z, W]),
    ("sub_real", lambda m, a, b: a - b * 2, [Z, X]),
    ("mul", lambda m, a, b: a * b, [Z, W]),
    ("mul_real", lambda m, a, b: a * b, [X, W]),
    ("mul_scalar", lambda m, a: (a * (2 - 3j) + 1j) / (1 + 1j), [Z]),
    ("div", lambda m, a, b: a / b, [Z, NONZERO]),
    ("rdiv", lambda m, a: 2 / a, [NONZERO]),
    ("pow", lambda m, a: a**2 + a**3, [Z]),
    ("exp", lambda m, a: a.exp(), [Z]),
    ("log", lambda m, a: a.log(), [NONZERO]),
    ("sqrt", lambda m, a: a.sqrt(), [NONZERO]),
    ("rsqrt", lambda m, a: a.rsqrt(), [NONZERO]),
    ("sin_cos", lambda m, a: a.sin() * a.cos(), [Z]),
    ("tan", lambda m, a: a.tan(), [Z * 0.3]),
    ("sinh_cosh", lambda m, a: a.sinh() + a.cosh(), [Z]),
    ("log1p_expm1", lambda m, a: a.log1p() + a.expm1(), [NONZERO * 0.3]),
    ("abs", lambda m, a: a.abs(), [NONZERO]),
    ("sgn", lambda m, a: a.sgn() * (1 + 2j), [NONZERO]),
    ("angle", lambda m, a: a.angle(), [NONZERO]),
    ("angle_real", lambda m, a: a.angle() + a, [X]),
    ("conj", lambda m, a, b: a.conj() * b, [Z, W]),
    ("conj_physical", lambda m, a, b: m.conj_physical(a) * b, [Z, W]),
    ("real_imag", lambda m, a: a.real * a.imag, [Z]),
    ("complex", lambda m, a, b: m.complex(a, b).exp(), [X, X * 2]),
    ("polar", lambda m, a, b: m.polar(a, b) * (1 + 1j), [np.abs(X) + 0.5, X]),
    ("view_as_real", lambda m, a: m.view_as_real(a * a), [Z]),
    ("view_as_complex", lambda m, a: m.view_as_complex(a).exp(), [RNG.normal(size=(3, 2))]),
    ("matmul", lambda m, a, b: a @ b.mT, [Z, W]),
    ("matmul_vector", lambda m, a, b: a @ b, [Z, W[0]]),
    ("sum_mean", lambda m, a: a.sum(0) * a.mean(), [Z]),
    ("to_complex", lambda m, a: a.to(m.complex128) * 1j, [X]),
    ("adjoint", lambda m, a, b: a.adjoint() @ b, [Z, W]),
    ("through_real_loss", lambda m, a: (a * a.conj()).real + a.imag.exp(), [Z]),
    ("tanh_sigmoid", lambda m, a: a.tanh() + a.sigmoid(), [Z * 0.5]),
    ("norm_var_std", lambda m, a: a.norm() + a.var() + a.std(dim=0).sum(), [Z]),
    ("vdot", lambda m, a, b: m.vdot(a, b), [Z[0], W[0]]),
    ("cat_index", lambda m, a, b: m.cat([a, b])[m.tensor([0, 3])] * m.full((3,), 1 - 2j), [Z, W]),
    ("cfloat_method", lambda m, a: a.cdouble() * 1j, [X]),
    ("pow_tensor", lambda m, a, b: a**b + 2**a, [NONZERO, W * 0.5]),
]


@pytest.mark.parametrize("name, function, arrays", CASES, ids=[c[0] for c in CASES])
def test_values_and_gradients(name, function, arrays):
    ours, theirs = _grads(ember, function, arrays), _grads(torch, function, arrays)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-10, atol=1e-12)
    for mine, reference in zip(ours[1], theirs[1]):
        assert mine.dtype == reference.dtype
        np.testing.assert_allclose(mine, reference, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name, function, arrays", CASES[:12], ids=[c[0] for c in CASES[:12]])
def test_second_derivatives(name, function, arrays):
    def second(m):
        inputs = [m.tensor(a, requires_grad=True) for a in arrays]
        out = function(m, *inputs)
        first = m.autograd.grad(out.abs().sum() if out.is_complex() else out.sum(), inputs, create_graph=True)
        total = sum((g * g.conj()).real.sum() for g in first)
        return [g.resolve_conj().numpy() for g in m.autograd.grad(total, inputs)]

    for mine, reference in zip(second(ember), second(torch)):
        np.testing.assert_allclose(mine, reference, rtol=1e-9, atol=1e-10)


def test_item_and_numpy():
    assert ember.tensor([1 + 2j]).item() == torch.tensor([1 + 2j]).item()
    assert type(ember.tensor(1j).item()) is type(torch.tensor(1j).item())
    assert ember.tensor(Z).numpy().dtype == torch.tensor(Z).numpy().dtype


@pytest.mark.parametrize(
    "call",
    [
        lambda m, t: t < t,
        lambda m, t: t > 1,
        lambda m, t: m.relu(t),
        lambda m, t: t.clamp(0, 1),
        lambda m, t: t.floor(),
        lambda m, t: t.ceil(),
        lambda m, t: t.sign(),
        lambda m, t: m.imag(m.ones(2)),
        lambda m, t: m.view_as_real(m.ones(2)),
        lambda m, t: m.view_as_complex(m.ones(3)),
        lambda m, t: m.ones(2, dtype=m.int64).requires_grad_(),
        lambda m, t: t.max(),
        lambda m, t: t.max(0),
        lambda m, t: t.amin(),
        lambda m, t: t.argmax(),
        lambda m, t: t.sort(),
        lambda m, t: t.argsort(),
        lambda m, t: t.topk(1),
        lambda m, t: m.maximum(t, t),
        lambda m, t: m.minimum(t.real, t),
        lambda m, t: t.cummax(0),
        lambda m, t: t.kthvalue(1),
        lambda m, t: t.median(),
        lambda m, t: t.aminmax(),
    ],
)
def test_refusals_have_torch_types(call):
    with pytest.raises(Exception) as theirs:
        call(torch, torch.tensor(Z))
    with pytest.raises(type(theirs.value)):
        call(ember, ember.tensor(Z))


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_checkpoints_hold_complex_tensors_both_ways(tmp_path, dtype):
    ours = ember.tensor(Z, dtype=getattr(ember, dtype))
    ember.save({"z": ours, "view": ours[1:], "dtype": ours.dtype}, tmp_path / "ember.pt", format="torch")
    loaded = torch.load(tmp_path / "ember.pt")
    assert loaded["z"].dtype == getattr(torch, dtype) and loaded["dtype"] == getattr(torch, dtype)
    assert np.array_equal(loaded["view"].numpy(), ours[1:].numpy())
    torch.save({"z": torch.tensor(Z, dtype=getattr(torch, dtype))}, tmp_path / "torch.pt")
    back = ember.load(tmp_path / "torch.pt")["z"]
    assert back.dtype is getattr(ember, dtype) and np.array_equal(back.numpy(), ours.numpy())
    ember.save({"z": ours}, tmp_path / "native.pt")
    assert np.array_equal(ember.load(tmp_path / "native.pt")["z"].numpy(), ours.numpy())


def _write_real(m, y):
    y.real.mul_(2)


def _write_imag(m, y):
    y.imag[1] = 5.0


def _write_pairs(m, y):
    m.view_as_real(y)[0, 1] = 7.0


@pytest.mark.parametrize("writes", [[_write_real], [_write_imag], [_write_real, _write_imag], [_write_pairs]])
def test_writes_through_the_part_views_reach_the_gradient(writes):
    def gradient(m):
        x = m.tensor(Z[0], requires_grad=True)
        y = x.clone()
        for write in writes:
            write(m, y)
        y.abs().sum().backward()
        return y.detach().numpy(), x.grad.numpy()

    for mine, reference in zip(gradient(ember), gradient(torch)):
        np.testing.assert_allclose(mine, reference, rtol=1e-12)
