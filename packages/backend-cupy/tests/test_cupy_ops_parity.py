"""Ops on a CUDA device give the CPU's values and gradients.

Each case runs once on the CPU (ember-numpy) and once on a CUDA device: the simulated
one always (test ids `simulated-cuda`), and a real GPU through CuPy where there is one
(ids `gpu`, marked `cuda`). On the simulation this proves that every op keeps its data
on the device (a host array in a device kernel fails there, as it does in CuPy).
"""

import ember
import numpy as np
import pytest
from ember.backends import registry
from ember_cupy.simulated import simulated_cuda


@pytest.fixture(
    params=[pytest.param("simulated", id="simulated-cuda"), pytest.param("gpu", id="gpu", marks=pytest.mark.cuda)]
)
def device(request):
    """The CUDA device the parity cases run on: on the simulation cuda:1, made current (CuPy computes on
    the current device), so that an op that allocates on another device fails."""
    if request.param == "simulated":
        with simulated_cuda(devices=2), ember.cuda.device(1):
            yield ember.device("cuda", 1)
    else:
        with registry.use("cupy", "cuda"):
            yield ember.device("cuda", 0)


# name -> (function of the input tensors, input specs). A spec is a shape (float input that
# requires grad), ("int", shape, high) for indices, or ("bool", shape) for a mask.
CASES = {
    # elementwise
    "neg_abs": (lambda a: -a.abs(), [(3, 4)]),
    "exp_log": (lambda a: (a.exp() + 1).log(), [(3, 4)]),
    "sqrt_rsqrt": (lambda a: a.abs().add(0.5).sqrt() + a.abs().add(0.5).rsqrt(), [(3, 4)]),
    "trig": (lambda a: a.sin() * a.cos() + a.tanh(), [(3, 4)]),
    "sigmoid_relu": (lambda a: a.sigmoid() + a.relu(), [(3, 4)]),
    "rounding": (lambda a: a.floor() + a.ceil() + a.round() + a.trunc(), [(3, 4)]),
    "pow_square": (lambda a: a**3 + a.square() + 2**a, [(3, 4)]),
    "clamp": (lambda a: a.clamp(-0.5, 0.5), [(3, 4)]),
    "add_sub_broadcast": (lambda a, b: a + b - 2 * a, [(3, 4), (4,)]),
    "mul_div": (lambda a, b: a * b / (b.abs() + 1), [(3, 4), (3, 1)]),
    "maximum_minimum": (lambda a, b: ember.maximum(a, b) - ember.minimum(a, b), [(3, 4), (3, 4)]),
    "pow_tensor": (lambda a, b: (a.abs() + 0.5) ** b, [(3, 4), (3, 4)]),
    "where": (lambda a, b: ember.where(a > 0, a, b), [(3, 4), (3, 4)]),
    "comparisons": (lambda a, b: ((a < b).float() + (a >= b).float() + (a == a).float()) * a, [(3, 4), (3, 4)]),
    "int_float_promotion": (lambda a, i: a * i + i // 2, [(3, 4), ("int", (3, 4), 5)]),
    "lerp": (lambda a, b: ember.lerp(a, b, 0.3), [(3, 4), (3, 4)]),
    # reductions
    "sum_mean": (lambda a: a.sum() + a.mean(0).sum() + a.sum((0, 1), keepdim=True).sum(), [(3, 4)]),
    "prod": (lambda a: a.prod(1), [(3, 4)]),
    "max_min": (lambda a: a.max(1).values + a.min(1)[0] + a.amax(0).sum(), [(3, 4)]),
    "argmax": (lambda a: a * a.argmax(1, keepdim=True).float(), [(3, 4)]),
    "var_std_norm": (lambda a: a.var(1) + a.std() + a.norm(), [(3, 4)]),
    "logsumexp_softmax": (lambda a: a.logsumexp(1) + a.softmax(1).sum(1) + a.log_softmax(0).sum(1), [(3, 4)]),
    "cumsum_cumprod": (lambda a: a.cumsum(1) + a.cumprod(0), [(3, 4)]),
    "all_any": (lambda a: a * (a > 0).all(1, keepdim=True) + a * (a > 0).any(), [(3, 4)]),
    # linear algebra
    "matmul": (lambda a, b: a @ b, [(3, 4), (4, 2)]),
    "bmm": (lambda a, b: ember.bmm(a, b), [(2, 3, 4), (2, 4, 2)]),
    "mv_dot_outer": (lambda a, v: ember.mv(a, v).sum() + ember.dot(v, v) + ember.outer(v, v).sum(), [(3, 4), (4,)]),
    "addmm": (lambda c, a, b: ember.addmm(c, a, b), [(3, 2), (3, 4), (4, 2)]),
    "einsum": (lambda a, b: ember.einsum("ij,kj->ik", a, b), [(3, 4), (2, 4)]),
    "det_inv_slogdet": (
        lambda a: ember.linalg.det(_spd(a)) + ember.linalg.inv(_spd(a)).sum((1, 2)) + _spd(a).slogdet()[1],
        [(2, 3, 3)],
    ),
    "solve_cholesky": (lambda a, b: ember.linalg.solve(_spd(a), b) + ember.linalg.cholesky(_spd(a)), [(3, 3), (3, 3)]),
    "eigh_svd_qr": (
        lambda a: ember.linalg.eigvalsh(_spd(a)) + ember.linalg.svdvals(a) + ember.linalg.qr(a).R.diagonal(0, -2, -1),
        [(2, 3, 3)],
    ),
    "lu_pinv_norms": (
        lambda a: ember.linalg.lu_factor(a).LU + ember.linalg.pinv(a) + ember.linalg.matrix_norm(a, 2) + a.matrix_exp(),
        [(3, 3)],
    ),
    # shape
    "views": (lambda a: a.view(4, 3).t().reshape(-1).unsqueeze(0).squeeze(0), [(3, 4)]),
    "permute_flip": (lambda a: a.permute(2, 0, 1).flip(0), [(2, 3, 4)]),
    "expand_repeat": (lambda a: a.expand(2, 3, 4).sum(0) + a.repeat(1, 2)[:, :4], [(3, 4)]),
    "cat_stack": (lambda a, b: ember.cat([a, b]).sum(0) + ember.stack([a, b], 2).sum(2).sum(0), [(3, 4), (3, 4)]),
    "split_chunk_narrow": (lambda a: a.split(1, 0)[1] + a.chunk(3, 0)[2] + a.narrow(0, 0, 1), [(3, 4)]),
    "tril_roll": (lambda a: a.tril() + a.roll(1, 1), [(4, 4)]),
    # indexing
    "basic_index": (lambda a: a[1] + a[:, 1:3].sum(1).sum() + a[..., None][0, 0], [(3, 4)]),
    "list_index": (lambda a: a[[0, 2], [1, 3]], [(3, 4)]),
    "tensor_index": (lambda a, i: a[i], [(5, 2), ("int", (6,), 5)]),
    "mask_index": (lambda a, m: a[m], [(3, 4), ("bool", (3, 4))]),
    "gather": (lambda a, i: a.gather(1, i), [(3, 4), ("int", (3, 2), 4)]),
    "scatter_add": (lambda a, b, i: a.scatter_add(1, i, b), [(3, 4), (3, 2), ("int", (3, 2), 4)]),
    "index_select": (lambda a, i: a.index_select(0, i), [(5, 2), ("int", (4,), 5)]),
    "index_add": (lambda a, b, i: a.index_add(0, i, b), [(5, 2), (4, 2), ("int", (4,), 5)]),
    "masked_fill": (lambda a, m: a.masked_fill(m, 2.0), [(3, 4), ("bool", (3, 4))]),
    "take_nonzero": (lambda a, m: ember.take(a, m.flatten().nonzero().flatten()), [(3, 4), ("bool", (3, 4))]),
    # in place and dtypes
    "inplace": (lambda a, b: (a * 1).add_(b).mul_(2).sub_(b), [(3, 4), (3, 4)]),
    "setitem": (lambda a, b: _assigned(a, b), [(3, 4), (4,)]),
    "dtype_round_trip": (lambda a: a.double().float() + a.half().float() * 0, [(3, 4)]),
    # special functions and distributions
    "special_functions": (
        lambda a: (
            (a.abs() + 0.5).lgamma()
            + (a.abs() + 0.5).digamma()
            + ember.polygamma(1, a.abs() + 0.5)
            + (a.tanh() * 0.9).erfinv()
            + ember.igamma(a.detach().abs() + 0.5, a.abs() + 0.1)
        ),
        [(3, 4)],
    ),
    "distributions": (
        lambda a, b: (
            ember.distributions.Normal(a, b.abs() + 0.5).log_prob(a * 0.3)
            + ember.distributions.Gamma(a.abs() + 0.5, b.abs() + 0.5).log_prob(a.detach().abs() + 0.2)
            + ember.distributions.Categorical(logits=b).log_prob(ember.tensor([0, 3, 1], device=b.device)).unsqueeze(-1)
        ),
        [(3, 4), (3, 4)],
    ),
    "multivariate_normal": (
        lambda a: ember.distributions.MultivariateNormal(
            a[:, 0], a[:, 1:] @ a[:, 1:].T + 3 * ember.eye(3, dtype=a.dtype, device=a.device)
        ).log_prob(a[:, 3] * 0.1),
        [(3, 4)],
    ),
}


def _spd(a):
    """A well-conditioned symmetric positive-definite matrix made from a."""
    return a @ a.mT + 3 * ember.eye(a.shape[-1], dtype=a.dtype, device=a.device)


def _assigned(a, b):
    out = a * 1
    out[1] = b
    out[0, 0] = 5.0
    return out


def _inputs(specs, device, dtype, seed):
    rng = np.random.default_rng(seed)
    made = []
    for spec in specs:
        if spec[0] == "int":
            made.append(ember.tensor(rng.integers(0, spec[2], spec[1]), device=device))
        elif spec[0] == "bool":
            made.append(ember.tensor(rng.random(spec[1]) > 0.5, device=device))
        else:
            made.append(ember.tensor(rng.normal(size=spec), dtype=dtype, device=device, requires_grad=True))
    return made


def _run(case, device, dtype):
    function, specs = CASES[case]
    inputs = _inputs(specs, device, dtype, seed=sorted(CASES).index(case))
    out = function(*inputs)
    if out.requires_grad:
        weights = ember.tensor(np.linspace(-1, 1, out.numel()).reshape(out.shape), dtype=out.dtype, device=device)
        (out * weights).sum().backward()
    return out, [x.grad for x in inputs if x.requires_grad]


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64], ids=str)
@pytest.mark.parametrize("case", sorted(CASES))
def test_op_matches_the_cpu(device, case, dtype):
    on_device, device_grads = _run(case, device, dtype)
    on_cpu, cpu_grads = _run(case, "cpu", dtype)
    assert on_device.device == device and on_device.dtype is on_cpu.dtype
    tolerance = {"rtol": 1e-5, "atol": 1e-5} if dtype is ember.float32 else {"rtol": 1e-10, "atol": 1e-10}
    np.testing.assert_allclose(on_device.detach().cpu().numpy(), on_cpu.detach().numpy(), **tolerance)
    for got, expected in zip(device_grads, cpu_grads):
        assert (got is None) == (expected is None)
        if got is not None:
            assert got.device == device
            np.testing.assert_allclose(got.cpu().numpy(), expected.numpy(), **tolerance)


@pytest.mark.parametrize("case", ["exp_log", "mul_div", "matmul", "logsumexp_softmax", "gather", "list_index"])
def test_gradcheck_on_the_device(device, case):
    function, specs = CASES[case]
    inputs = _inputs(specs, device, ember.float64, seed=1)
    differentiable = [x for x in inputs if x.requires_grad]

    def restricted(*xs):
        it = iter(xs)
        return function(*[next(it) if x.requires_grad else x for x in inputs])

    assert ember.autograd.gradcheck(restricted, tuple(differentiable))
