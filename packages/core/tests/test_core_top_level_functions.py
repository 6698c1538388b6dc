"""torch's top-level functions that are Tensor methods (ember.abs_, ember.detach, ...), ember.fill,
and the window functions, against NumPy."""

import ember
import numpy as np
import pytest
from ember.autograd import gradcheck, gradgradcheck
from ember.ops import METHODS_AS_FUNCTIONS


@pytest.mark.parametrize("name", METHODS_AS_FUNCTIONS)
def test_method_as_function_is_the_method(name):
    assert getattr(ember, name) is getattr(ember.Tensor, name)
    assert getattr(ember, name).__doc__


def test_in_place_functions_change_their_argument():
    t = ember.tensor([-1.5, 0.25, 2.0])
    assert ember.abs_(t) is t
    np.testing.assert_allclose(t.numpy(), [1.5, 0.25, 2.0])
    ember.clamp_(t, 0.5, 1.0)
    np.testing.assert_allclose(t.numpy(), [1.0, 0.5, 1.0])
    ember.sigmoid_(t)
    np.testing.assert_allclose(t.numpy(), 1 / (1 + np.exp(-np.array([1.0, 0.5, 1.0], np.float32))), rtol=1e-6)
    ember.fill_(t, 3)
    np.testing.assert_array_equal(t.numpy(), [3, 3, 3])
    ember.zero_(t)
    np.testing.assert_array_equal(t.numpy(), [0, 0, 0])
    r = ember.tensor([-1.0, 1.0])
    ember.relu_(r)
    np.testing.assert_array_equal(r.numpy(), [0, 1])
    n = ember.tensor([1, -2])
    ember.negative_(n)
    np.testing.assert_array_equal(n.numpy(), [-1, 2])


def test_detach_and_split_with_sizes():
    x = ember.ones(3, requires_grad=True)
    assert not ember.detach(x * 2).requires_grad
    pieces = ember.split_with_sizes(ember.arange(5), [2, 3])
    assert [p.tolist() for p in pieces] == [[0, 1], [2, 3, 4]]
    assert ember.get_device(x) == -1


def test_fill_copies_and_routes_the_gradient_to_value():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    value = ember.tensor(3.0, requires_grad=True)
    y = ember.fill(x, value)
    np.testing.assert_array_equal(y.detach().numpy(), [3, 3])
    np.testing.assert_array_equal(x.detach().numpy(), [1, 2])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 0])
    assert value.grad.item() == 2
    assert ember.fill(ember.tensor([1, 2]), 2.5).tolist() == [2, 2]


def test_fill_gradcheck():
    x = ember.tensor([1.0, 2.0, 3.0], dtype=ember.float64, requires_grad=True)
    v = ember.tensor(0.5, dtype=ember.float64, requires_grad=True)
    assert gradcheck(ember.fill, (x, v))
    assert gradgradcheck(lambda a, b: ember.fill(a, b) * b, (x, v))


def _numpy_window(name, n, periodic, **kw):
    full = n + 1 if periodic else n
    if name == "kaiser_window":
        w = np.kaiser(full, kw.get("beta", 12.0))
    elif name == "hamming_window" and kw:
        k = np.arange(full)
        w = kw["alpha"] - kw["beta"] * np.cos(2 * np.pi * k / (full - 1))
    else:
        w = {"hann_window": np.hanning, "hamming_window": np.hamming, "blackman_window": np.blackman,
             "bartlett_window": np.bartlett}[name](full)  # fmt: skip
    return w[:n]


WINDOWS = ["hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"]


@pytest.mark.parametrize("name", WINDOWS)
@pytest.mark.parametrize("periodic", [True, False])
@pytest.mark.parametrize("n", [2, 3, 8, 11])
def test_windows_match_numpy(name, periodic, n):
    got = getattr(ember, name)(n, periodic, dtype=ember.float64)
    assert got.dtype is ember.float64 and got.shape == (n,)
    np.testing.assert_allclose(got.numpy(), _numpy_window(name, n, periodic), atol=1e-12)


def test_window_arguments():
    np.testing.assert_allclose(
        ember.hamming_window(6, False, 0.6, 0.4, dtype=ember.float64).numpy(),
        _numpy_window("hamming_window", 6, False, alpha=0.6, beta=0.4),
    )
    np.testing.assert_allclose(ember.kaiser_window(7, beta=5.0).numpy(), _numpy_window("kaiser_window", 7, True, beta=5.0),
                               rtol=1e-5, atol=1e-6)  # fmt: skip
    w = ember.hann_window(4, requires_grad=True, device="cpu")
    assert w.requires_grad and w.is_leaf and w.dtype is ember.float32
    for name in WINDOWS:
        assert getattr(ember, name)(0).shape == (0,)
        assert getattr(ember, name)(1, False).tolist() == [1.0]


@pytest.mark.parametrize("name", WINDOWS)
def test_window_errors(name):
    with pytest.raises(RuntimeError, match=f"{name} expects floating point dtypes"):
        getattr(ember, name)(4, dtype=ember.int64)
    with pytest.raises(RuntimeError, match="requires non-negative window_length"):
        getattr(ember, name)(-1)


# --- the copy variants of the view ops ------------------------------------------------------

X = np.arange(24.0).reshape(2, 3, 4)
COPIES = [
    ("alias", (), lambda x: x),
    ("detach", (), lambda x: x),
    ("diagonal", (0, 1, 2), lambda x: np.diagonal(x, 0, 1, 2)),
    ("expand", ([2, 2, 3, 4],), lambda x: np.broadcast_to(x, (2, 2, 3, 4))),
    ("permute", ([2, 0, 1],), lambda x: x.transpose(2, 0, 1)),
    ("select", (1, -1), lambda x: x[:, -1]),
    ("slice", (2, 1, None, 2), lambda x: x[:, :, 1::2]),
    ("squeeze", (), lambda x: x),
    ("transpose", (0, 2), lambda x: x.swapaxes(0, 2)),
    ("unfold", (2, 2, 1), lambda x: np.lib.stride_tricks.sliding_window_view(x, 2, axis=2)),
    ("unsqueeze", (1,), lambda x: x[:, None]),
    ("view", ([6, 4],), lambda x: x.reshape(6, 4)),
]


@pytest.mark.parametrize(("name", "args", "expected"), COPIES, ids=[c[0] for c in COPIES])
def test_copy_variants_of_views(name, args, expected):
    x = ember.tensor(X)
    result = getattr(ember, f"{name}_copy")(x, *args)
    np.testing.assert_array_equal(result.numpy(), expected(X))
    result.view(-1)[0] = -7.0  # new memory: the input keeps its values
    assert x[0, 0, 0].item() == 0.0
    out = ember.empty(0, dtype=ember.float64)
    assert getattr(ember, f"{name}_copy")(x, *args, out=out) is out
    np.testing.assert_array_equal(out.numpy(), expected(X))


def test_copy_variants_of_splits_and_complex_views():
    x = ember.tensor(X)
    for name, args, expected in [
        ("split", (2, 2), np.split(X, 2, axis=2)),
        ("split_with_sizes", ([1, 3], 2), np.split(X, [1], axis=2)),
        ("unbind", (1,), [X[:, i] for i in range(3)]),
    ]:
        pieces = getattr(ember, f"{name}_copy")(x, *args)
        assert isinstance(pieces, tuple) and len(pieces) == len(expected)
        for piece, want in zip(pieces, expected, strict=True):
            np.testing.assert_array_equal(piece.numpy(), want)
    np.testing.assert_array_equal(ember.t_copy(x[0]).numpy(), X[0].T)
    pairs = ember.tensor(X[0, :, :2].copy())
    z = ember.view_as_complex_copy(pairs)
    np.testing.assert_array_equal(z.numpy(), X[0, :, 0] + 1j * X[0, :, 1])
    np.testing.assert_array_equal(ember.view_as_real_copy(z).numpy(), X[0, :, :2])


def test_copy_variants_pass_gradients_back_through_the_view():
    x = ember.tensor(X, requires_grad=True)
    ember.permute_copy(x, [2, 0, 1]).select(0, 1).sum().backward()
    expected = np.zeros_like(X)
    expected[:, :, 1] = 1
    np.testing.assert_array_equal(x.grad.numpy(), expected)


# --- misc -------------------------------------------------------------------------------------


def test_unravel_index_matches_numpy():
    flat = np.array([[0, 5, 11], [7, 3, 10]])
    got = ember.unravel_index(ember.tensor(flat), (3, 4))
    for coordinate, want in zip(got, np.unravel_index(flat, (3, 4)), strict=True):
        np.testing.assert_array_equal(coordinate.numpy(), want)
    assert [c.tolist() for c in ember.unravel_index(ember.tensor(-1), (2, 3))] == [1, 2]  # wraps, as torch
    assert [c.tolist() for c in ember.unravel_index(ember.tensor([4]), 5)] == [[4]]
    with pytest.raises(TypeError, match="expected 'indices' to be integer dtype"):
        ember.unravel_index(ember.tensor([1.0]), (2, 3))
    with pytest.raises(ValueError, match="'shape' cannot have negative values"):
        ember.unravel_index(ember.tensor([1]), (2, -3))


GRADIENT_CASES = [
    ({}, {}),
    ({"edge_order": 2}, {"edge_order": 2}),
    ({"spacing": 0.5}, "spacing"),
    ({"spacing": [2.0, 3.0, 0.5]}, "per-dim"),
    ({"dim": 1, "spacing": "coordinates"}, "coordinates"),
    ({"dim": [2, 0], "spacing": "coordinates", "edge_order": 2}, "coordinates"),
]
COORDINATES = {
    0: np.array([0.0, 0.7, 1.1]),
    1: np.array([0.0, 1.0, 2.5, 2.75]),
    2: np.array([-1.0, 0.5, 1.0, 3.0, 3.5]),
}


def _gradient_arguments(kw: dict) -> tuple[dict, list]:
    dims = kw.get("dim", [0, 1, 2])
    dims = [dims] if isinstance(dims, int) else dims
    spacing = kw.get("spacing", 1.0)
    if spacing == "coordinates":
        ours = dict(kw, spacing=[ember.tensor(COORDINATES[d]) for d in dims])
        return ours, [COORDINATES[d] for d in dims]
    return kw, spacing if isinstance(spacing, list) else [spacing] * len(dims)


@pytest.mark.parametrize("kw", [case[0] for case in GRADIENT_CASES])
def test_gradient_matches_numpy(kw):
    f = np.random.default_rng(0).normal(size=(3, 4, 5))
    ours, spacings = _gradient_arguments(kw)
    got = ember.gradient(ember.tensor(f), **ours)
    dims = kw.get("dim", [0, 1, 2])
    dims = [dims] if isinstance(dims, int) else dims
    for result, d, h in zip(got, dims, spacings, strict=True):
        np.testing.assert_allclose(result.numpy(), np.gradient(f, h, axis=d, edge_order=kw.get("edge_order", 1)))


def test_gradient_of_integers_and_errors():
    (result,) = ember.gradient(ember.tensor([1, 4, 9, 16]))
    assert result.dtype is ember.float32 and result.tolist() == [3, 4, 6, 7]
    with pytest.raises(RuntimeError, match="only supports edge_order=1 and edge_order=2"):
        ember.gradient(ember.ones(4), edge_order=3)
    with pytest.raises(RuntimeError, match="each dimension size to be at least edge_order\\+1"):
        ember.gradient(ember.ones(2, 3), edge_order=2)
    with pytest.raises(RuntimeError, match="a list of length 3"):
        ember.gradient(ember.ones(2, 3), spacing=[1.0, 2.0, 3.0])


@pytest.mark.parametrize("kw", [case[0] for case in GRADIENT_CASES])
def test_gradient_gradcheck(kw):
    ours, _ = _gradient_arguments(kw)
    f = ember.tensor(np.random.default_rng(1).normal(size=(3, 4, 5)), requires_grad=True)
    assert gradcheck(lambda x: ember.gradient(x, **ours), (f,))
    assert gradgradcheck(lambda x: ember.gradient(x, **ours), (f,))


def test_gradient_gradcheck_in_the_coordinates():
    f = ember.tensor(np.random.default_rng(2).normal(size=(2, 5)))
    x = ember.tensor(COORDINATES[2], requires_grad=True)
    for order in (1, 2):
        assert gradcheck(lambda c: ember.gradient(f, spacing=[c], dim=1, edge_order=order), (x,))
        assert gradgradcheck(lambda c: ember.gradient(f, spacing=[c], dim=1, edge_order=order), (x,))


def test_deprecated_norms():
    a = np.random.default_rng(3).normal(size=(2, 3, 4))
    with pytest.warns(UserWarning, match="frobenius_norm is deprecated"):
        got = ember.frobenius_norm(ember.tensor(a), [1, 2])
    np.testing.assert_allclose(got.numpy(), np.sqrt((a * a).sum((1, 2))))
    with pytest.warns(UserWarning, match="nuclear_norm is deprecated"):
        got = ember.nuclear_norm(ember.tensor(a), [1, 2], True)
    np.testing.assert_allclose(got.numpy(), np.linalg.norm(a, "nuc", axis=(1, 2))[:, None, None])
    with pytest.warns(UserWarning):
        assert ember.nuclear_norm(ember.tensor(a[0])).item() == pytest.approx(np.linalg.norm(a[0], "nuc"))


def test_creation_helpers():
    assert ember.scalar_tensor(3).dtype is ember.float32 and ember.scalar_tensor(3).ndim == 0
    assert ember.scalar_tensor(True, dtype=ember.int64).item() == 1
    buffer = bytearray(np.array([1, 2, 3], dtype=np.int32).tobytes())
    t = ember.frombuffer(buffer, dtype=ember.int32)
    buffer[0] = 9
    assert t.tolist() == [9, 2, 3]  # shares the buffer's memory
    assert ember.frombuffer(buffer, dtype=ember.int32, count=1, offset=4).tolist() == [2]
    with pytest.raises(ValueError, match="must be a multiple of element size"):
        ember.frombuffer(buffer, dtype=ember.int32, offset=3)
    with pytest.raises(ValueError, match="must not be greater than actual buffer length"):
        ember.frombuffer(buffer, dtype=ember.int32, count=4)
    with pytest.warns(UserWarning, match="not writable"):
        ember.frombuffer(bytes(buffer), dtype=ember.int8)
    assert ember.empty_strided((2, 3), (1, 2), dtype=ember.float64).shape == (2, 3)
    assert ember.empty_permuted((2, 3, 4), (0, 2, 1)).shape == (2, 3, 4)
    with pytest.raises(RuntimeError, match="must match dimensionality of strides"):
        ember.empty_strided((2, 3), (1,))
    assert type(ember.to_dlpack(ember.ones(2))).__name__ == "PyCapsule"


def test_settings_are_recorded():
    try:
        ember.set_deterministic_debug_mode("warn")
        assert ember.are_deterministic_algorithms_enabled() and ember.is_deterministic_algorithms_warn_only_enabled()
        assert ember.get_deterministic_debug_mode() == 1
        ember.use_deterministic_algorithms(True)
        assert ember.get_deterministic_debug_mode() == 2 and not ember.is_deterministic_algorithms_warn_only_enabled()
        with pytest.raises(RuntimeError, match="expected 0, 1, or 2, but got 5"):
            ember.set_deterministic_debug_mode(5)
        with pytest.raises(TypeError, match="debug_mode must be str or int"):
            ember.set_deterministic_debug_mode(1.0)
    finally:
        ember.set_deterministic_debug_mode(0)
    assert not ember.are_deterministic_algorithms_enabled()
    ember.set_warn_always(True)
    assert ember.is_warn_always_enabled()
    ember.set_warn_always(False)
    ember.set_float32_matmul_precision("medium")
    assert ember.get_float32_matmul_precision() == "medium"
    with pytest.warns(UserWarning, match="is not one of 'highest', 'high', or 'medium'"):
        ember.set_float32_matmul_precision("low")
    ember.set_float32_matmul_precision("highest")
    ember.set_num_interop_threads(2)
    assert ember.get_num_interop_threads() == 2
    with pytest.raises(RuntimeError, match="expects a positive integer"):
        ember.set_num_interop_threads(0)
    ember.set_anomaly_enabled(True, check_nan=False)
    try:
        assert ember.is_anomaly_enabled() and not ember.is_anomaly_check_nan_enabled()
    finally:
        ember.set_anomaly_enabled(False)
    assert not ember.is_anomaly_enabled() and ember.is_anomaly_check_nan_enabled()


def test_cond_and_while_loop_run_eagerly():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = ember.cond(ember.tensor(True), lambda a: a * 3, lambda a: a - 1, (x,))
    y.sum().backward()
    assert y.tolist() == [3, 6] and x.grad.tolist() == [3, 3]
    assert ember.cond(0, lambda a: a * 3, lambda a: a - 1, [x]).tolist() == [0, 1]
    with pytest.raises(RuntimeError, match="Expected pred to be bool or single-element tensor"):
        ember.cond(ember.tensor([True, False]), lambda a: a, lambda a: a, (x,))
    i, s = ember.while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, s * 2), (ember.tensor(0), ember.ones(2)))
    assert i.item() == 3 and s.tolist() == [8, 8]
    assert ember.while_loop(lambda i: i < 3, lambda i: i + 1, (ember.tensor(0),)).item() == 3
    assert ember.while_loop(lambda i: i < 0, lambda i: i + 1, (ember.tensor(5),))[0].item() == 5


def test_poisson_and_binomial_samples():
    ember.manual_seed(0)
    rates = ember.tensor([0.0, 0.5, 4.0, 20.0], dtype=ember.float64).expand(4000, 4)
    counts = ember.poisson(rates).numpy()
    assert (counts[:, 0] == 0).all() and (counts == np.round(counts)).all()
    np.testing.assert_allclose(counts.mean(0), [0, 0.5, 4, 20], atol=0.3)
    np.testing.assert_allclose(counts.var(0), [0, 0.5, 4, 20], rtol=0.15, atol=0.05)
    with pytest.raises(RuntimeError, match="invalid Poisson rate"):
        ember.poisson(ember.tensor([-1.0]))
    total, p = ember.tensor([0.0, 5.0, 30.0]).expand(4000, 3), ember.tensor([0.3, 0.5, 0.1]).expand(4000, 3)
    draws = ember.binomial(total, p).numpy()
    assert (draws <= total.numpy()).all() and (draws[:, 0] == 0).all()
    np.testing.assert_allclose(draws.mean(0), [0, 2.5, 3], atol=0.15)
    with pytest.raises(ValueError, match="floating-point dtypes for count"):
        ember.binomial(ember.tensor([5]), ember.tensor([0.5]))
    g = ember.Generator().manual_seed(3)
    first = ember.poisson(ember.full((5,), 3.0), generator=g)
    g.manual_seed(3)
    assert ember.poisson(ember.full((5,), 3.0), generator=g).tolist() == first.tolist()


def test_histogramdd_matches_numpy():
    points = np.random.default_rng(4).uniform(size=(2, 20, 3))
    flat = points.reshape(-1, 3)
    result = ember.histogramdd(ember.tensor(points), [2, 3, 4])
    counts, edges = np.histogramdd(flat, [2, 3, 4])
    np.testing.assert_array_equal(result.hist.numpy(), counts)
    for got, want in zip(result.bin_edges, edges, strict=True):
        np.testing.assert_allclose(got.numpy(), want)
    weights = np.random.default_rng(5).uniform(size=(2, 20))
    result = ember.histogramdd(
        ember.tensor(points), 2, range=[0.0, 1.0] * 3, weight=ember.tensor(weights), density=True
    )
    counts, _ = np.histogramdd(flat, 2, range=[(0, 1)] * 3, weights=weights.reshape(-1), density=True)
    np.testing.assert_allclose(result.hist.numpy(), counts)
    grid = [ember.tensor([0.0, 0.5, 1.0], dtype=ember.float64)] * 3
    np.testing.assert_array_equal(ember.histogramdd(ember.tensor(points), grid)[0].numpy(), np.histogramdd(flat, [[0, 0.5, 1]] * 3)[0])  # fmt: skip
    with pytest.raises(RuntimeError, match="should have the same dtype"):
        ember.histogramdd(ember.tensor([[1, 2]]), 2)


SEGMENT_DATA = np.array([[1.0, -2.0], [5.0, 0.5], [3.0, 4.0], [-5.0, 2.0], [0.5, 1.5]])
SEGMENT_LENGTHS = [2, 0, 3]


@pytest.mark.parametrize("reduce", ["sum", "mean", "max", "amin", "prod"])
@pytest.mark.parametrize("initial", [None, 2.0])
def test_segment_reduce_matches_numpy(reduce, initial):
    kind = {"max": "amax", "amin": "amin"}.get(reduce, reduce)
    got = ember.segment_reduce(
        ember.tensor(SEGMENT_DATA), reduce, lengths=ember.tensor(SEGMENT_LENGTHS), initial=initial
    )
    rows, start = [], 0
    for n in SEGMENT_LENGTHS:
        part = SEGMENT_DATA[start : start + n]
        start += n
        if not n:
            empty = {"sum": 0.0, "mean": np.nan, "amax": -np.inf, "amin": np.inf, "prod": 1.0}[kind]
            rows.append(np.full(2, empty if initial is None else initial))
        elif initial is None:
            rows.append(getattr(np, kind)(part, axis=0))
        elif kind == "mean":
            rows.append((part.sum(0) + initial) / n)
        else:
            combine = {"sum": np.sum, "prod": np.prod, "amax": np.max, "amin": np.min}[kind]
            rows.append(combine(np.vstack([part, np.full((1, 2), initial)]), axis=0))
    np.testing.assert_allclose(got.numpy(), np.array(rows))


def test_segment_reduce_offsets_and_errors():
    by_offsets = ember.segment_reduce(ember.tensor(SEGMENT_DATA), "sum", offsets=ember.tensor([0, 2, 2, 5]))
    np.testing.assert_allclose(by_offsets.numpy(), [SEGMENT_DATA[:2].sum(0), [0, 0], SEGMENT_DATA[2:].sum(0)])
    with pytest.raises(RuntimeError, match="Either lengths or offsets must be defined"):
        ember.segment_reduce(ember.tensor(SEGMENT_DATA), "sum")
    with pytest.raises(RuntimeError, match="to sum to data.size"):
        ember.segment_reduce(ember.tensor(SEGMENT_DATA), "sum", lengths=ember.tensor([2, 2]))
    with pytest.raises(RuntimeError, match="reduce argument must be either"):
        ember.segment_reduce(ember.tensor(SEGMENT_DATA), "any", lengths=ember.tensor(SEGMENT_LENGTHS))


@pytest.mark.parametrize("reduce", ["sum", "mean", "max", "min", "prod"])
def test_segment_reduce_gradcheck(reduce):
    data = ember.tensor(np.random.default_rng(6).normal(size=(6, 2)), requires_grad=True)
    lengths = ember.tensor([2, 1, 3])
    assert gradcheck(lambda x: ember.segment_reduce(x, reduce, lengths=lengths, initial=0.5), (data,))
    assert gradgradcheck(lambda x: ember.segment_reduce(x, reduce, lengths=lengths), (data,))


def _rank_three(rows: int, columns: int, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(rows, 3)) @ np.diag([5.0, 2.0, 0.5]) @ rng.normal(size=(3, columns))


@pytest.mark.parametrize("shape", [(9, 5), (4, 10)])
def test_svd_lowrank_recovers_a_low_rank_matrix(shape):
    A = _rank_three(*shape)
    U, S, V = ember.svd_lowrank(ember.tensor(A), q=4)
    assert U.shape == (shape[0], 4) and S.shape == (4,) and V.shape == (shape[1], 4)
    np.testing.assert_allclose(S.numpy()[:3], np.linalg.svd(A, compute_uv=False)[:3], rtol=1e-10)
    np.testing.assert_allclose(U.numpy() @ np.diag(S.numpy()) @ V.numpy().T, A, atol=1e-10)
    np.testing.assert_allclose(U.numpy().T @ U.numpy(), np.eye(4), atol=1e-10)
    M = ember.ones(*shape, dtype=ember.float64)
    _, S, _ = ember.svd_lowrank(ember.tensor(A) + M, q=3, M=M)
    np.testing.assert_allclose(S.numpy(), np.linalg.svd(A, compute_uv=False)[:3], rtol=1e-10)


def test_pca_lowrank_finds_the_principal_directions():
    A = _rank_three(12, 6) + 3.0
    centred = A - A.mean(0)
    _, S, V = ember.pca_lowrank(ember.tensor(A), q=3)
    _, s, vt = np.linalg.svd(centred)
    np.testing.assert_allclose(S.numpy(), s[:3], rtol=1e-10)
    np.testing.assert_allclose(np.abs(V.numpy().T @ vt[:3].T), np.eye(3), atol=1e-8)
    assert ember.pca_lowrank(ember.tensor(A))[1].shape == (6,)
    assert ember.pca_lowrank(ember.tensor(A), center=False)[1].numpy()[0] > S.numpy()[0]
    with pytest.raises(ValueError, match="must be non-negative integer and not greater than min"):
        ember.pca_lowrank(ember.tensor(A), q=7)


def test_svd_lowrank_gradcheck():
    A = ember.tensor(np.random.default_rng(8).normal(size=(5, 4)), requires_grad=True)

    def singular_values(x):
        ember.manual_seed(0)  # the same sketch on every call
        return ember.svd_lowrank(x, q=2, niter=1)[1]

    assert gradcheck(singular_values, (A,))
    assert gradgradcheck(singular_values, (A,))


def test_copy_variants_of_splits_write_a_list_out():
    pieces = [ember.empty(2), ember.empty(2)]
    assert ember.split_copy(ember.arange(4.0), 2, out=pieces) is None
    assert [p.tolist() for p in pieces] == [[0, 1], [2, 3]]
    with pytest.raises(RuntimeError, match="expected an out= argument of size 3, got size 2"):
        ember.unbind_copy(ember.ones(3, 2), out=pieces)
