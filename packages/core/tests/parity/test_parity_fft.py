"""ember.fft against torch.fft 2.13: values, result dtypes and gradients (every norm, sizes, dims),
frequencies, shifts and errors.
"""

import ember
import numpy as np
import pytest

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(17)
NORMS = [None, "backward", "ortho", "forward"]
REAL = RNG.normal(size=(3, 4, 6))
COMPLEX = REAL + 1j * RNG.normal(size=(3, 4, 6))


def _run(m, name, data, dtype, keywords):
    x = m.tensor(data, dtype=getattr(m, dtype), requires_grad=True)
    y = getattr(m.fft, name)(x, **keywords)
    weights = m.tensor(np.random.default_rng(1).normal(size=tuple(y.shape)), dtype=y.real.dtype)
    loss = (y.abs() * weights).sum() if y.is_complex() else (y * weights).sum()
    loss.backward()
    return y.detach().resolve_conj().numpy(), x.grad.resolve_conj().numpy(), str(y.dtype).split(".")[-1]


def _compare(name, data, dtype, keywords, rtol=1e-9):
    ours, theirs = _run(ember, name, data, dtype, keywords), _run(torch, name, data, dtype, keywords)
    assert ours[2] == theirs[2], f"dtype {ours[2]}, torch gives {theirs[2]}"
    np.testing.assert_allclose(ours[0], theirs[0], rtol=rtol, atol=rtol)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=rtol, atol=rtol)


ONE_DIMENSIONAL = [
    ("fft", COMPLEX, "complex128"),
    ("fft", REAL, "float64"),
    ("ifft", COMPLEX, "complex128"),
    ("ifft", REAL, "float64"),
    ("rfft", REAL, "float64"),
    ("irfft", COMPLEX, "complex128"),
    ("irfft", REAL, "float64"),
    ("hfft", COMPLEX, "complex128"),
    ("ihfft", REAL, "float64"),
]


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("n, dim", [(None, -1), (4, -1), (9, 0), (7, 1)])
@pytest.mark.parametrize("name, data, dtype", ONE_DIMENSIONAL, ids=lambda v: v if isinstance(v, str) else "")
def test_one_dimensional(name, data, dtype, n, dim, norm):
    _compare(name, data, dtype, {"n": n, "dim": dim, "norm": norm})


SEVERAL = [
    ("fft2", COMPLEX, "complex128"),
    ("ifft2", COMPLEX, "complex128"),
    ("rfft2", REAL, "float64"),
    ("irfft2", COMPLEX, "complex128"),
    ("hfft2", COMPLEX, "complex128"),
    ("ihfft2", REAL, "float64"),
    ("fftn", COMPLEX, "complex128"),
    ("fftn", REAL, "float64"),
    ("ifftn", COMPLEX, "complex128"),
    ("rfftn", REAL, "float64"),
    ("irfftn", COMPLEX, "complex128"),
    ("hfftn", COMPLEX, "complex128"),
    ("ihfftn", REAL, "float64"),
]


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize(
    "keywords", [{}, {"s": (3, 5)}, {"s": (5, -1), "dim": (0, 2)}, {"dim": (0, 2)}, {"s": (2, 3, 4)}], ids=str
)
@pytest.mark.parametrize("name, data, dtype", SEVERAL, ids=lambda v: v if isinstance(v, str) else "")
def test_several_dims(name, data, dtype, keywords, norm):
    if name.endswith("2") and "s" in keywords and len(keywords["s"]) == 3:
        pytest.skip("the 2-D transforms take two sizes")
    _compare(name, data, dtype, {**keywords, "norm": norm})


@pytest.mark.parametrize("name", ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fftn", "rfft2"])
@pytest.mark.parametrize("dtype", ["float32", "complex64"])
def test_single_precision(name, dtype):
    if name in ("rfft", "ihfft", "rfft2") and dtype == "complex64":
        pytest.skip("real input only")
    data = (REAL if dtype == "float32" else COMPLEX).astype(np.float32 if dtype == "float32" else np.complex64)
    _compare(name, data, dtype, {}, rtol=2e-4)


@pytest.mark.parametrize("name", ["fft", "rfft", "ifftn"])
def test_integer_input(name):
    ours = getattr(ember.fft, name)(ember.arange(6))
    theirs = getattr(torch.fft, name)(torch.arange(6))
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("n, d", [(1, 1.0), (6, 1.0), (7, 0.25)])
def test_frequencies(n, d):
    for name in ("fftfreq", "rfftfreq"):
        ours, theirs = getattr(ember.fft, name)(n, d), getattr(torch.fft, name)(n, d)
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("dim", [None, 0, -1, (0, 2)])
def test_shifts(dim):
    data = np.arange(3 * 4 * 5).reshape(3, 4, 5)
    for name in ("fftshift", "ifftshift"):
        ours = getattr(ember.fft, name)(ember.tensor(data), dim)
        assert np.array_equal(ours.numpy(), getattr(torch.fft, name)(torch.tensor(data), dim).numpy())


def test_nodes_match():
    x = ember.tensor(REAL, requires_grad=True)
    t = torch.tensor(REAL, requires_grad=True)
    for f in (
        lambda m, v: m.fft.rfft(v),
        lambda m, v: m.fft.irfft(m.fft.rfft(v)),
        lambda m, v: m.fft.ifft(m.fft.rfft(v)),
    ):
        assert type(f(ember, x).grad_fn).__name__ == type(f(torch, t).grad_fn).__name__


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.fft.fft(m.ones(4), norm="bad"),
        lambda m: m.fft.fft(m.ones(4), n=0),
        lambda m: m.fft.rfft(m.ones(4, dtype=m.complex64)),
        lambda m: m.fft.fftn(m.ones(2, 2), s=(2,), dim=(0, 1)),
        lambda m: m.fft.fft2(m.ones(2, 2), dim=(0, 0)),
        lambda m: m.fft.fft(m.ones(2), dim=1),
    ],
)
def test_errors_have_torch_types(call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)):
        call(ember)
