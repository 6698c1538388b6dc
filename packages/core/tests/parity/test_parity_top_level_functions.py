"""torch's top-level in-place functions, torch.fill and the window functions against torch==2.13."""

import warnings

import ember
import numpy as np
import pytest
from ember.ops import METHODS_AS_FUNCTIONS

torch = pytest.importorskip("torch")

# arguments after the tensor, and the inputs' domain
ARGUMENTS = {
    "addmv_": lambda m: (m.ones(3, 2, dtype=m.float64), m.ones(2, dtype=m.float64)),
    "clamp_": lambda m: (-0.5, 0.5), "clamp_max_": lambda m: (0.2,), "clamp_min_": lambda m: (-0.2,),
    "clip_": lambda m: (-0.3, 0.3), "fill_": lambda m: (2.5,), "gcd_": lambda m: (m.tensor([4, 6, 9]),),
    "lcm_": lambda m: (m.tensor([4, 6, 9]),), "ldexp_": lambda m: (m.tensor([1.0, 2.0, 3.0], dtype=m.float64),),
    "xlogy_": lambda m: (m.tensor([1.0, 2.0, 3.0], dtype=m.float64),), "logit_": lambda m: (0.01,),
    "index_put_": lambda m: ((m.tensor([0, 2]),), m.tensor([7.0, 8.0], dtype=m.float64)),
    "resize_as_": lambda m: (m.zeros(3, dtype=m.float64),), "nan_to_num_": lambda m: (0.0,),
    "split_with_sizes": lambda m: ([1, 2],), "unsafe_split_with_sizes": lambda m: ([2, 1],),
}  # fmt: skip
INTEGER = {"gcd_", "lcm_"}
UNIT = {"acos_", "arccos_", "asin_", "arcsin_", "atanh_", "arctanh_", "logit_", "erfinv_"}
AT_LEAST_ONE = {"acosh_", "arccosh_"}


def _input(module, name):
    if name in INTEGER:
        return module.tensor([8, 9, 12])
    values = [0.3, 0.6, 0.9] if name in UNIT else [1.2, 1.5, 2.5] if name in AT_LEAST_ONE else [0.4, 1.3, 2.2]
    return module.tensor(values, dtype=module.float64)


def _host(value):
    if isinstance(value, (tuple, list)):
        return [_host(v) for v in value]
    return value.detach().cpu().numpy() if hasattr(value, "detach") else value


@pytest.mark.parametrize("name", [n for n in METHODS_AS_FUNCTIONS if n not in ("detach_", "get_device")])
def test_top_level_method_functions_match_torch(name):
    results = []
    for module in (torch, ember):
        x = _input(module, name)
        out = getattr(module, name)(x, *ARGUMENTS.get(name, lambda m: ())(module))
        results.append((_host(out), _host(x)))
    (t_out, t_x), (e_out, e_x) = results
    np.testing.assert_allclose(np.asarray(e_x), np.asarray(t_x), rtol=1e-12)
    for e, t in zip(e_out if isinstance(e_out, list) else [e_out], t_out if isinstance(t_out, list) else [t_out]):
        np.testing.assert_allclose(np.asarray(e), np.asarray(t), rtol=1e-12)


def test_detach_and_get_device_match_torch():
    for module in (torch, ember):
        x = module.ones(2, requires_grad=True) * 2
        module.detach_(x)
        assert not x.requires_grad and x.grad_fn is None
        assert module.get_device(x) == -1


def test_fill_matches_torch_with_gradients():
    grads = []
    for module in (torch, ember):
        x = module.tensor([1.0, 2.0, 3.0], dtype=module.float64, requires_grad=True)
        v = module.tensor(0.5, dtype=module.float64, requires_grad=True)
        y = module.fill(x, v)
        (y * module.tensor([1.0, 2.0, 4.0], dtype=module.float64)).sum().backward()
        grads.append((_host(y), _host(x.grad), _host(v.grad)))
        assert module.fill(module.tensor([1, 2]), 2.5).tolist() == [2, 2]
    for e, t in zip(grads[1], grads[0]):
        np.testing.assert_array_equal(e, t)


WINDOWS = ["hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"]


@pytest.mark.parametrize("name", WINDOWS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_windows_match_torch(name, dtype):
    for n in (0, 1, 2, 5, 16, 33):
        for periodic in (True, False):
            t = getattr(torch, name)(n, periodic, dtype=getattr(torch, dtype))
            e = getattr(ember, name)(n, periodic, dtype=getattr(ember, dtype))
            assert str(e.dtype).split(".")[1] == dtype and e.shape == t.shape
            np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-5 if dtype == "float32" else 1e-12, atol=1e-6)
    assert getattr(ember, name)(4).dtype is ember.float32


def test_window_parameters_match_torch():
    np.testing.assert_allclose(ember.hamming_window(9, False, 0.5, 0.3).numpy(), torch.hamming_window(9, False, 0.5, 0.3).numpy(), rtol=1e-6)  # fmt: skip
    np.testing.assert_allclose(ember.kaiser_window(9, True, 4.0).numpy(), torch.kaiser_window(9, True, 4.0).numpy(), rtol=1e-5)  # fmt: skip


@pytest.mark.parametrize("name", WINDOWS)
def test_window_errors_match_torch(name):
    for module in (torch, ember):
        with pytest.raises(RuntimeError, match=f"{name} expects floating point dtypes"):
            getattr(module, name)(4, dtype=module.int64)
        with pytest.raises(RuntimeError, match=f"{name} requires non-negative window_length, got window_length=-2"):
            getattr(module, name)(-2)


# --- copies of views, unravel_index, gradient, norms, creation, settings, control flow ---------

X = np.random.default_rng(0).normal(size=(2, 3, 4))
COPIES = [
    ("alias", ()), ("detach", ()), ("diagonal", (1, 1, 2)), ("expand", ([2, 2, 3, 4],)), ("permute", ([2, 0, 1],)),
    ("select", (1, -1)), ("slice", (2, 1, None, 2)), ("slice", (-1, 1)), ("split", (2, 2)),
    ("split_with_sizes", ([1, 3], 2)), ("squeeze", ()), ("transpose", (0, 2)), ("unbind", (1,)),
    ("unfold", (2, 2, 1)), ("unsqueeze", (1,)), ("view", ([6, 4],)),
]  # fmt: skip


def _copy_run(module, name, args):
    x = module.tensor(X, dtype=module.float64, requires_grad=name != "detach")
    result = getattr(module, f"{name}_copy")(x, *args)
    pieces = result if isinstance(result, (tuple, list)) else (result,)
    if x.requires_grad:
        sum(((p * (i + 1)).sum() for i, p in enumerate(pieces)), module.zeros((), dtype=module.float64)).backward()
    return [p.detach().numpy() for p in pieces], None if x.grad is None else x.grad.numpy()


@pytest.mark.parametrize(("name", "args"), COPIES, ids=[f"{c[0]}{i}" for i, c in enumerate(COPIES)])
def test_copies_of_views_match_torch(name, args):
    (t_values, t_grad), (e_values, e_grad) = _copy_run(torch, name, args), _copy_run(ember, name, args)
    assert len(e_values) == len(t_values)
    for e, t in zip(e_values, t_values, strict=True):
        np.testing.assert_array_equal(e, t)
    if t_grad is not None:
        np.testing.assert_array_equal(e_grad, t_grad)


def test_t_and_complex_view_copies_match_torch():
    for name, value in (("t", X[0]), ("view_as_complex", X[0, :, :2]), ("view_as_real", X[0, :, 0] + 1j * X[0, :, 1])):
        t = getattr(torch, f"{name}_copy")(torch.tensor(np.ascontiguousarray(value)))
        e = getattr(ember, f"{name}_copy")(ember.tensor(np.ascontiguousarray(value)))
        np.testing.assert_array_equal(e.numpy(), t.numpy())


@pytest.mark.parametrize(("flat", "shape"), [([0, 5, 11, -1, 13], (3, 4)), ([[1234], [5678]], (10, 10, 10, 10)), (4, (3, 2)), ([4, 1], 5)])  # fmt: skip
def test_unravel_index_matches_torch(flat, shape):
    t = torch.unravel_index(torch.tensor(flat), shape)
    e = ember.unravel_index(ember.tensor(flat), shape)
    assert [c.tolist() for c in e] == [c.tolist() for c in t]
    assert all(c.dtype is ember.int64 for c in e)


GRADIENTS = [
    {}, {"edge_order": 2}, {"spacing": 0.5}, {"spacing": [2.0, 3.0, 0.5], "edge_order": 2}, {"dim": 1},
    {"dim": [2, 0], "spacing": "coordinates"}, {"dim": -1, "spacing": "coordinates", "edge_order": 2},
]  # fmt: skip
COORDINATES = {0: [0.0, 0.7, 1.1], 1: [0.0, 1.0, 2.5, 2.75], 2: [-1.0, 0.5, 1.0, 3.0, 3.5]}


@pytest.mark.parametrize("kw", GRADIENTS, ids=[str(i) for i in range(len(GRADIENTS))])
def test_gradient_matches_torch_with_gradients(kw):
    f = np.random.default_rng(1).normal(size=(3, 4, 5))
    results = []
    for module in (torch, ember):
        x = module.tensor(f, requires_grad=True)
        arguments = dict(kw)
        if kw.get("spacing") == "coordinates":
            dims = kw["dim"] if isinstance(kw["dim"], list) else [kw["dim"]]
            arguments["spacing"] = tuple(module.tensor(COORDINATES[d % 3], dtype=module.float64) for d in dims)
        outputs = module.gradient(x, **arguments)
        sum(((o * (i + 2)).sum() for i, o in enumerate(outputs)), module.zeros((), dtype=module.float64)).backward()
        results.append(([o.detach().numpy() for o in outputs], x.grad.numpy()))
    (t_out, t_grad), (e_out, e_grad) = results
    for e, t in zip(e_out, t_out, strict=True):
        np.testing.assert_allclose(e, t, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(e_grad, t_grad, rtol=1e-12, atol=1e-12)


def test_gradient_errors_match_torch():
    for kw in ({"edge_order": 3}, {"spacing": [1.0, 2.0, 3.0]}, {"edge_order": 2}):
        messages = []
        for module in (torch, ember):
            with pytest.raises(RuntimeError) as error:
                module.gradient(module.ones(2, 3), **kw)
            messages.append(str(error.value))
        assert messages[0] == messages[1]
    assert ember.gradient(ember.tensor([1, 4, 9]))[0].tolist() == torch.gradient(torch.tensor([1, 4, 9]))[0].tolist()


def test_deprecated_norms_match_torch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for args in (([1, 2],), ([2], True), (1,)):
            np.testing.assert_allclose(ember.frobenius_norm(ember.tensor(X), *args).numpy(),
                                       torch.frobenius_norm(torch.tensor(X), *args).numpy(), rtol=1e-12)  # fmt: skip
        for args in ((), (True,), ([0, 2],), ([1, 2], True)):
            x = X if args and isinstance(args[0], list) else X[0]
            np.testing.assert_allclose(ember.nuclear_norm(ember.tensor(x), *args).numpy(),
                                       torch.nuclear_norm(torch.tensor(x), *args).numpy(), rtol=1e-12)  # fmt: skip


def test_creation_helpers_match_torch():
    for args, kw in (((3,), {}), ((True,), {}), ((2.5,), {"dtype": "float64"}), ((7,), {"dtype": "int64"})):
        t = torch.scalar_tensor(*args, **{k: getattr(torch, v) for k, v in kw.items()})
        e = ember.scalar_tensor(*args, **{k: getattr(ember, v) for k, v in kw.items()})
        assert e.item() == t.item() and str(e.dtype).split(".")[1] == str(t.dtype).split(".")[1] and e.ndim == 0
    buffer = bytearray(np.arange(6, dtype=np.int16).tobytes())
    for kw in ({}, {"count": 2, "offset": 4}, {"offset": 2}):
        assert ember.frombuffer(buffer, dtype=ember.int16, **kw).tolist() == torch.frombuffer(buffer, dtype=torch.int16, **kw).tolist()  # fmt: skip
    for kw in ({"offset": 3, "dtype": "int16"}, {"count": 9, "dtype": "int16"}):
        messages = []
        for module in (torch, ember):
            with pytest.raises(ValueError) as error:
                module.frombuffer(buffer, **dict(kw, dtype=getattr(module, kw["dtype"])))
            messages.append(str(error.value))
        assert messages[0] == messages[1]
    assert tuple(ember.empty_strided((2, 3), (1, 2)).shape) == tuple(torch.empty_strided((2, 3), (1, 2)).shape)
    assert tuple(ember.empty_permuted((2, 3, 4), (0, 2, 1)).shape) == tuple(torch.empty_permuted((2, 3, 4), (0, 2, 1)).shape)  # fmt: skip
    np.testing.assert_array_equal(torch.from_dlpack(ember.to_dlpack(ember.tensor(X))).numpy(), X)


def test_settings_match_torch():
    for module in (torch, ember):
        try:
            module.set_deterministic_debug_mode("warn")
            state = (module.get_deterministic_debug_mode(), module.are_deterministic_algorithms_enabled(),
                     module.is_deterministic_algorithms_warn_only_enabled())  # fmt: skip
            assert state == (1, True, True)
            module.use_deterministic_algorithms(True)
            assert module.get_deterministic_debug_mode() == 2
        finally:
            module.set_deterministic_debug_mode(0)
        assert module.get_float32_matmul_precision() == "highest"
        assert not module.is_warn_always_enabled()


def test_cond_and_while_loop_match_torch():
    results = []
    for module in (torch, ember):
        x = module.tensor([1.0, -2.0], requires_grad=True)
        y = module.cond(False, lambda a: a.sin(), lambda a: a * a, (x,))
        y.sum().backward()
        count, total = module.while_loop(lambda i, s: i < 4, lambda i, s: (i + 1, s + i), (module.tensor(0), module.tensor(0)))  # fmt: skip
        results.append((y.tolist(), x.grad.tolist(), count.item(), total.item()))
    assert results[0] == results[1]


def test_poisson_and_binomial_follow_torchs_distributions():
    torch.manual_seed(0)
    ember.manual_seed(0)
    rates = np.array([0.0, 0.5, 3.0, 12.0])
    t = torch.poisson(torch.tensor(rates).expand(5000, 4)).numpy()
    e = ember.poisson(ember.tensor(rates).expand(5000, 4)).numpy()
    np.testing.assert_allclose(e.mean(0), t.mean(0), atol=0.25)
    np.testing.assert_allclose(e.var(0), t.var(0), rtol=0.2, atol=0.05)
    count, prob = np.array([0.0, 4.0, 20.0]), np.array([0.2, 0.5, 0.9])
    t = torch.binomial(torch.tensor(count).expand(5000, 3), torch.tensor(prob).expand(5000, 3)).numpy()
    e = ember.binomial(ember.tensor(count).expand(5000, 3), ember.tensor(prob).expand(5000, 3)).numpy()
    np.testing.assert_allclose(e.mean(0), t.mean(0), atol=0.15)
    for module in (torch, ember):
        with pytest.raises(RuntimeError, match="invalid Poisson rate, expected rate to be non-negative"):
            module.poisson(module.tensor([-1.0]))


@pytest.mark.parametrize("case", range(4))
def test_histogramdd_matches_torch(case):
    points = np.random.default_rng(case).uniform(size=(3, 10, 2))
    edges = [np.array([0.0, 0.3, 1.0]), np.array([0.0, 0.5, 0.8, 1.0])]
    weight = np.random.default_rng(9).uniform(size=(3, 10))
    results = []
    for module in (torch, ember):
        kw = [{"bins": [3, 4]}, {"bins": 2, "range": [0.0, 1.0, 0.0, 2.0], "density": True},
              {"bins": [module.tensor(e) for e in edges], "weight": module.tensor(weight)}, {"bins": 5}][case]  # fmt: skip
        hist, bin_edges = module.histogramdd(module.tensor(points), **kw)
        results.append((hist.numpy(), [e.numpy() for e in bin_edges]))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-12)
    for e, t in zip(results[1][1], results[0][1], strict=True):
        np.testing.assert_allclose(e, t, rtol=1e-12)


@pytest.mark.parametrize("reduce", ["sum", "mean", "max", "min", "amax", "prod"])
@pytest.mark.parametrize("initial", [None, 3.0])
def test_segment_reduce_matches_torch_with_gradients(reduce, initial):
    data = np.array([[1.0, 5.0], [5.0, 5.0], [3.0, -1.0], [5.0, 2.0], [5.0, 2.0], [0.5, 0.0]])
    results = []
    for module in (torch, ember):
        x = module.tensor(data, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = module.segment_reduce(x, reduce, lengths=module.tensor([2, 0, 3, 1]), initial=initial)
        weights = module.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]], dtype=module.float64)
        (y * weights).nan_to_num(0.0, 0.0, 0.0).sum().backward()
        results.append((y.detach().numpy(), x.grad.numpy()))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-12)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-12)


@pytest.mark.parametrize("shape", [(9, 5), (4, 10), (2, 7, 6)])
def test_svd_and_pca_lowrank_match_torch(shape):
    rng = np.random.default_rng(11)
    A = rng.normal(size=(*shape[:-1], 3)) @ rng.normal(size=(3, shape[-1]))  # rank 3: the sketches find it all
    results = []
    for module in (torch, ember):
        x = module.tensor(A, requires_grad=True)
        U, S, V = module.svd_lowrank(x, q=3)
        _, S_pca, V_pca = module.pca_lowrank(x + 0.5, q=3)
        (U @ module.diag_embed(S) @ V.mT).sum().backward()
        results.append((U.shape, V.shape, S.detach().numpy(), S_pca.detach().numpy(), np.abs(V_pca.detach().numpy()), x.grad.numpy()))  # fmt: skip
    (tu, tv, ts, tsp, tvp, tg), (eu, ev, es, esp, evp, eg) = results
    assert tuple(eu) == tuple(tu) and tuple(ev) == tuple(tv)
    for e, t in ((es, ts), (esp, tsp), (evp, tvp), (eg, tg)):
        np.testing.assert_allclose(e, t, rtol=1e-8, atol=1e-8)
