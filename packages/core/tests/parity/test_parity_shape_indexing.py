"""Shape, indexing, conversion and creation ops against torch==2.13: values, gradients, nodes, errors."""

import warnings

import ember
import numpy as np
import pytest

torch = pytest.importorskip("torch")

DTYPES = ["float32", "float64"]


def _inputs(module, arrays, dtype):
    return [module.tensor(a, dtype=getattr(module, dtype), requires_grad=True) for a in arrays]


def _as_list(value):
    return list(value) if isinstance(value, (tuple, list)) else [value]


def _node(tensor):
    return None if tensor.grad_fn is None else type(tensor.grad_fn).__name__


def _both(fn):
    """fn(module) for torch and ember, warnings silenced (both warn alike where PyTorch warns)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(torch), fn(ember)


def _index(m, values):
    return m.tensor(values, dtype=m.int64)


def _setitem(x, key, value):
    out = x * 1
    out[key] = value
    return out


def _in_place(x, write):
    out = x * 1
    write(out)
    return out


M, C = (2, 3), (2, 3, 4)

CASES = [
    ("reshape", lambda m, x: x.reshape(3, -1), [M]),
    ("reshape_copy", lambda m, x: x.transpose(0, 2).reshape(-1), [C]),
    ("view", lambda m, x: x.view(4, 6), [C]),
    ("flatten", lambda m, x: x.flatten(0, 1), [C]),
    ("unflatten", lambda m, x: x.unflatten(-1, (2, -1)), [C]),
    ("squeeze", lambda m, x: x.squeeze(), [(1, 3, 1)]),
    ("squeeze_dim", lambda m, x: x.squeeze(-1), [(1, 3, 1)]),
    ("squeeze_dims", lambda m, x: x.squeeze((0, 1)), [(1, 3, 1)]),
    ("unsqueeze", lambda m, x: x.unsqueeze(-2), [C]),
    ("transpose", lambda m, x: x.transpose(2, 0), [C]),
    ("t", lambda m, x: x.t(), [M]),
    ("T", lambda m, x: x.T, [M]),
    ("mT", lambda m, x: x.mT, [C]),
    ("permute", lambda m, x: x.permute(1, 2, 0), [C]),
    ("movedim", lambda m, x: x.movedim(-1, 0), [C]),
    ("expand", lambda m, x: x.expand(2, -1, 4), [(3, 1)]),
    ("repeat", lambda m, x: x.repeat(2, 1, 2), [M]),
    ("tile", lambda m, x: x.tile((3,)), [M]),
    ("repeat_interleave", lambda m, x: x.repeat_interleave(3, dim=0), [M]),
    ("repeat_interleave_counts", lambda m, x: x.repeat_interleave(_index(m, [1, 0, 2]), dim=1), [M]),
    ("flip", lambda m, x: x.flip((0, -1)), [C]),
    ("roll", lambda m, x: x.roll((2, -1), (2, 1)), [C]),
    ("roll_flat", lambda m, x: x.roll(-4), [C]),
    ("rot90", lambda m, x: x.rot90(-1, (1, 2)), [C]),
    ("narrow", lambda m, x: x.narrow(-1, 1, 3), [C]),
    ("select", lambda m, x: x.select(2, 1), [C]),
    ("split", lambda m, x: x.split(3, dim=1), [(2, 7)]),
    ("split_sizes", lambda m, x: x.split([2, 5], dim=1), [(2, 7)]),
    ("chunk", lambda m, x: x.chunk(3, 1), [(2, 7)]),
    ("unbind", lambda m, x: x.unbind(-1), [M]),
    ("tensor_split", lambda m, x: x.tensor_split(3, dim=1), [(2, 7)]),
    ("cat", lambda m, a, b: m.cat([a, b], 1), [M, (2, 5)]),
    ("stack", lambda m, a, b: m.stack([a, b], 1), [M, M]),
    ("hstack", lambda m, a, b: m.hstack([a, b]), [M, M]),
    ("vstack", lambda m, a, b: m.vstack([a, b]), [(3,), M]),
    ("meshgrid", lambda m, a, b: m.meshgrid(a, b, indexing="xy"), [(3,), (2,)]),
    ("tril", lambda m, x: x.tril(1), [C]),
    ("triu", lambda m, x: x.triu(-1), [(4, 4)]),
    ("diag_vector", lambda m, x: x.diag(-1), [(3,)]),
    ("diag_matrix", lambda m, x: x.diag(1), [(3, 4)]),
    ("diagonal", lambda m, x: x.diagonal(0, 0, 2), [C]),
    ("diag_embed", lambda m, x: x.diag_embed(1), [M]),
    ("trace", lambda m, x: x.trace(), [(3, 3)]),
    ("unfold", lambda m, x: x.unfold(1, 3, 2), [(2, 7)]),
    ("clone", lambda m, x: x.clone(), [M]),
    ("contiguous", lambda m, x: x.t().contiguous(), [M]),
    ("getitem_int", lambda m, x: x[1], [C]),
    ("getitem_basic", lambda m, x: x[:, 1:, ::2], [C]),
    ("getitem_full_slices", lambda m, x: x[:, :], [C]),
    ("getitem_ellipsis", lambda m, x: x[...], [C]),
    ("getitem_none", lambda m, x: x[None, 0, ..., None], [C]),
    ("getitem_list", lambda m, x: x[[1, 0, 1]], [C]),
    ("getitem_pairs", lambda m, x: x[[0, 1, 0], [2, 2, 2]], [C]),
    ("getitem_nested", lambda m, x: x[[[0], [1]], [1, 2]], [C]),
    ("getitem_int_then_list", lambda m, x: x[1, :, [0, 3, 3]], [C]),
    ("getitem_separated", lambda m, x: x[[0, 1], :, [1, 3]], [C]),
    ("getitem_slice_list", lambda m, x: x[1:, [2, 0]], [C]),
    ("getitem_tensor", lambda m, x: x[_index(m, [[1, 0], [-1, 1]])], [C]),
    ("getitem_mask", lambda m, x: x[x.detach() > 0], [C]),
    ("getitem_row_mask", lambda m, x: x[:, m.tensor([True, False, True])], [C]),
    ("getitem_true", lambda m, x: x[True], [M]),
    ("take", lambda m, x: x.take(_index(m, [0, 5, 5])), [M]),
    ("take_along_dim", lambda m, x: x.take_along_dim(_index(m, [[2, 0]]), 1), [M]),
    ("masked_select", lambda m, x: x.masked_select(m.tensor([True, False, True])), [M]),
    ("setitem_basic", lambda m, x, v: _setitem(x, (0, slice(1, None)), v), [M, (2,)]),
    ("setitem_advanced", lambda m, x, v: _setitem(x, ([0, 1, 1], [2, 0, 0]), v), [M, (3,)]),
    ("setitem_scalar", lambda m, x: _setitem(x, (slice(None), 1), 5.0), [M]),
    ("setitem_int_then_list", lambda m, x, v: _setitem(x, (1, slice(None), [0, 3]), v), [C, (3, 1)]),
    ("index_put", lambda m, x, v: x.index_put((_index(m, [0, 1]), _index(m, [2, 2])), v), [M, (2,)]),
    ("index_put_acc", lambda m, x, v: x.index_put((_index(m, [0, 0]),), v, accumulate=True), [M, (3,)]),
    ("write_through_view", lambda m, x, v: _in_place(x, lambda o: o.t()[1].mul_(v)), [M, (2,)]),
    ("copy_into_view", lambda m, x, v: _in_place(x, lambda o: o[:, 0].copy_(v)), [M, (2,)]),
    ("fill_", lambda m, x: _in_place(x, lambda o: o.fill_(3.0)), [M]),
    ("zero_", lambda m, x: _in_place(x, lambda o: o.zero_()), [M]),
    ("t_", lambda m, x: _in_place(x, lambda o: o.t_()), [M]),
    ("gather", lambda m, x: x.gather(1, _index(m, [[0, 0, 2], [1, 2, 2]])), [M]),
    ("scatter", lambda m, x, s: x.scatter(1, _index(m, [[0, 2], [1, 0]]), s), [M, (2, 2)]),
    ("scatter_value", lambda m, x: x.scatter(0, _index(m, [[1, 0, 1]]), 3.0), [M]),
    ("scatter_add", lambda m, x, s: x.scatter_add(1, _index(m, [[0, 0], [2, 2]]), s), [M, (2, 2)]),
    ("scatter_reduce_sum", lambda m, x, s: x.scatter_reduce(1, _index(m, [[0, 0], [2, 1]]), s, "sum"), [M, (2, 2)]),
    ("scatter_reduce_mean", lambda m, x, s: x.scatter_reduce(1, _index(m, [[0, 0], [2, 1]]), s, "mean"), [M, (2, 2)]),
    (
        "scatter_reduce_amax",
        lambda m, x, s: x.scatter_reduce(1, _index(m, [[0, 0], [2, 1]]), s, "amax", include_self=False),
        [M, (2, 2)],
    ),
    ("index_select", lambda m, x: x.index_select(1, _index(m, [2, 0, 2])), [M]),
    ("index_add", lambda m, x, s: x.index_add(1, _index(m, [2, 2]), s, alpha=2), [M, (2, 2)]),
    ("index_fill", lambda m, x: x.index_fill(1, _index(m, [0, 2]), -1.0), [M]),
    ("index_copy", lambda m, x, s: x.index_copy(0, _index(m, [1]), s), [M, (1, 3)]),
    ("masked_fill", lambda m, x: x.masked_fill(m.tensor([True, False, True]), 0.5), [M]),
    ("masked_fill_tensor", lambda m, x, v: x.masked_fill(m.tensor([[True], [False]]), v), [M, ()]),
    ("to_double", lambda m, x: x.double(), [M]),
    ("to_half", lambda m, x: x.to(m.float16), [M]),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("name", "fn", "shapes"), CASES, ids=[c[0] for c in CASES])
def test_values_gradients_and_nodes_match_torch(name, fn, shapes, dtype):
    rng = np.random.default_rng(len(name))
    arrays = [rng.standard_normal(shape) for shape in shapes]
    torch_inputs, ember_inputs = _inputs(torch, arrays, dtype), _inputs(ember, arrays, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = _as_list(fn(torch, *torch_inputs))
        actual = _as_list(fn(ember, *ember_inputs))
    assert len(actual) == len(expected)
    tolerance = {"rtol": 1e-3, "atol": 1e-3} if dtype == "float32" or name == "to_half" else {"rtol": 1e-10}
    for e, a in zip(expected, actual):
        assert tuple(a.shape) == tuple(e.shape)
        assert str(a.dtype) == str(e.dtype).replace("torch.", "ember.")
        np.testing.assert_allclose(a.detach().numpy().astype(np.float64), e.detach().double().numpy(), **tolerance)
        assert _node(a) == (None if e.grad_fn is None else _node(e).replace("torch::autograd::", ""))
    weights = [rng.standard_normal(tuple(e.shape)) for e in expected]
    sum((e * torch.tensor(w, dtype=e.dtype)).sum() for e, w in zip(expected, weights) if e.requires_grad).backward()
    sum((a * ember.tensor(w, dtype=a.dtype)).sum() for a, w in zip(actual, weights) if a.requires_grad).backward()
    for t, e in zip(torch_inputs, ember_inputs):
        if t.grad is None:
            assert e.grad is None or not e.grad.numpy().any()
            continue
        np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), **tolerance)


# --- creation and conversion ---------------------------------------------------------------------

CREATIONS = [
    lambda m: m.tensor([1.0, 2]),
    lambda m: m.tensor([[1, 2], [3, 4]]),
    lambda m: m.tensor([True, False]),
    lambda m: m.tensor([True, 2]),
    lambda m: m.tensor([]),
    lambda m: m.tensor([[], []]),
    lambda m: m.tensor(3.5),
    lambda m: m.tensor(np.float64(2.5)),
    lambda m: m.tensor([np.float32(1), 2.0]),
    lambda m: m.tensor([np.int32(1), np.int32(2)]),
    lambda m: m.tensor(np.arange(3, dtype=np.int16)),
    lambda m: m.tensor([m.tensor(1.5), m.tensor(2)]),
    lambda m: m.tensor([m.tensor([1]), m.tensor([2])]),
    lambda m: m.tensor([m.tensor(1.5, dtype=m.float64), m.tensor(2)]),
    lambda m: m.tensor([2.7, -1.5], dtype=m.int64),
    lambda m: m.tensor([-1, 3], dtype=m.uint8),
    lambda m: m.tensor(range(4)),
    lambda m: m.Tensor(2, 3).shape,
    lambda m: m.Tensor([1, 2]),
    lambda m: m.Tensor(),
    lambda m: m.FloatTensor([1, 2]),
    lambda m: m.DoubleTensor([1, 2]),
    lambda m: m.IntTensor([1, 2]),
    lambda m: m.LongTensor([1.7, 2]),
    lambda m: m.ByteTensor([1, 2]),
    lambda m: m.BoolTensor([1, 0]),
    lambda m: m.ones(2).type(),
    lambda m: m.ones(2).type(m.DoubleTensor),
    lambda m: m.ones(2).long().type(),
    lambda m: m.zeros(2, 3, dtype=m.int32),
    lambda m: m.ones((2,), dtype=m.bool),
    lambda m: m.full((2,), 3),
    lambda m: m.full((2,), 3.0),
    lambda m: m.full((2,), True),
    lambda m: m.full((2, 2), 1.5, dtype=m.int64),
    lambda m: m.eye(2, 3),
    lambda m: m.zeros_like(m.ones(2, dtype=m.int32)),
    lambda m: m.full_like(m.ones(2, dtype=m.int64), 2.7),
    lambda m: m.ones(2, dtype=m.int32).new_ones(3),
    lambda m: m.ones(2, dtype=m.float64).new_tensor([1, 2]),
    lambda m: m.ones(2, dtype=m.float64).new_full((2,), 3),
    lambda m: m.ones(2, dtype=m.int32).new_zeros((2, 2)),
    lambda m: m.ones(2, dtype=m.int32).new(2, 3).dtype,
    lambda m: m.ones(2).new([1, 2]),
    lambda m: m.zeros(size=(2, 3)),
    lambda m: m.from_numpy(np.arange(3.0)),
    lambda m: m.as_tensor([1, 2], dtype=m.float64),
    lambda m: m.tensor([-1.7, 1.7, 2.5]).int(),
    lambda m: m.tensor([0, 2, -1]).bool(),
    lambda m: m.tensor([1.5, 2.5]).to("cpu", m.double),
    lambda m: m.tensor([1.5, 2.5]).to(m.ones(1, dtype=m.int64)),
    lambda m: m.ones(2).to(m.float32) is m.ones(2),
    lambda m: m.Size([2, 3]),
    lambda m: m.Size([2, 3])[1:],
    lambda m: m.Size([2, 3]) * 2,
]


@pytest.mark.parametrize("make", CREATIONS, ids=[f"creation{i}" for i in range(len(CREATIONS))])
def test_creation_matches_torch(make):
    expected, actual = _both(make)
    assert str(actual) == str(expected).replace("torch.", "ember.")


RANGES = [
    (lambda m, d: m.arange(0, 1, 0.1, dtype=d), 200),
    (lambda m, d: m.arange(-3.7, 11.3, 0.37, dtype=d), 0),
    (lambda m, d: m.arange(5, -7.5, -0.3, dtype=d), 0),
    (lambda m, d: m.linspace(-1, 1, 50, dtype=d), 0),
    (lambda m, d: m.linspace(-10, 10, 7, dtype=d), 0),
    (lambda m, d: m.linspace(0, 11, 10, dtype=d), 0),
    (lambda m, d: m.linspace(3.3, -12.1, 1001, dtype=d), 0),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("make", "unused"), RANGES, ids=[f"range{i}" for i in range(len(RANGES))])
def test_ranges_match_torch_bit_for_bit(make, unused, dtype):
    expected, actual = _both(lambda m: make(m, getattr(m, dtype)))
    np.testing.assert_array_equal(actual.numpy(), expected.numpy())


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.arange(5),
        lambda m: m.arange(1, 4.0),
        lambda m: m.arange(0, 5, 2.5, dtype=m.int64),
        lambda m: m.linspace(0, 10, 4, dtype=m.int64),
        lambda m: m.linspace(-3, 7, 6, dtype=m.int32),
        lambda m: m.linspace(0, 1, 1),
        lambda m: m.range(0, 4),
    ],
)
def test_integer_and_small_ranges_match_torch(make):
    expected, actual = _both(make)
    assert str(actual) == str(expected).replace("torch.", "ember.")


# --- errors: the same exception type ------------------------------------------------------------

ERRORS = [
    lambda m: m.tensor([[1, 2], [3]]),
    lambda m: m.tensor([m.tensor([1.0, 2.0])]),
    lambda m: m.tensor([2**63]),
    lambda m: m.tensor([300], dtype=m.uint8),
    lambda m: m.tensor("a"),
    lambda m: m.Tensor(2.5),
    lambda m: m.zeros(2, -1),
    lambda m: m.arange(0, 5, -1),
    lambda m: m.rand(2, dtype=m.int64),
    lambda m: m.randint(3, 2, (2,)),
    lambda m: m.randint(0, 5, 3),
    lambda m: m.ones(2, 3).view(4),
    lambda m: m.ones(2, 3).t().view(6),
    lambda m: m.ones(2, 3).reshape(-1, -1),
    lambda m: m.ones(2, 3).permute(0, 0),
    lambda m: m.ones(2, 3).permute(0),
    lambda m: m.ones(2, 3).transpose(0, 2),
    lambda m: m.ones(2, 3).squeeze(2),
    lambda m: m.ones(2, 3, 4).t(),
    lambda m: m.ones(3).mT,
    lambda m: m.ones(3, 1).expand(4, 4),
    lambda m: m.ones(3, 1).expand(4),
    lambda m: m.ones(2, 3).repeat(2),
    lambda m: m.ones(2, 3).flip([0, 0]),
    lambda m: m.ones(2, 3).narrow(1, 2, 2),
    lambda m: m.ones(2, 3).select(0, 5),
    lambda m: m.ones(5).split([1, 2]),
    lambda m: m.ones(5).chunk(0),
    lambda m: m.ones(2, 3).unflatten(1, (2, 2)),
    lambda m: m.cat([m.ones(2, 2), m.ones(2, 1)]),
    lambda m: m.cat([m.ones(2), m.ones(2, 1)]),
    lambda m: m.cat([m.tensor(1.0)]),
    lambda m: m.cat([]),
    lambda m: m.stack([m.ones(2), m.ones(3)]),
    lambda m: m.ones(3).tril(),
    lambda m: m.ones(2, 3)[2],
    lambda m: m.ones(2, 3)[0, 0, 0],
    lambda m: m.ones(2, 3)[[0, 5]],
    lambda m: m.ones(2, 3)[m.tensor([1.0])],
    lambda m: m.ones(2, 3)[m.tensor([True, False, True])],
    lambda m: m.ones(2, 3)[1.5],
    lambda m: m.ones(2, 3)[::0],
    lambda m: m.tensor(5.0)[0],
    lambda m: m.ones(2, 3).__setitem__(0, m.ones(2)),
    lambda m: m.ones(3).__setitem__([0, 1], m.tensor([1, 2])),
    lambda m: m.ones(3).__setitem__(slice(None), [1, 2, 3]),
    lambda m: m.ones(3, requires_grad=True).__setitem__(0, 1.0),
    lambda m: m.ones(3, requires_grad=True)[0].mul_(2),
    lambda m: m.ones(3, 4).gather(1, m.tensor([[4]])),
    lambda m: m.ones(3, 4).gather(1, m.tensor([[0.0]])),
    lambda m: m.ones(3, 4).gather(1, m.tensor([0])),
    lambda m: m.ones(3, 4).gather(1, m.zeros(4, 1, dtype=m.int64)),
    lambda m: m.ones(3, 4).scatter(1, m.tensor([[4]]), 1.0),
    lambda m: m.ones(3, 4).scatter(1, m.tensor([[0]]), m.ones(1, 1, dtype=m.float64)),
    lambda m: m.ones(3, 4).index_select(0, m.tensor([3])),
    lambda m: m.ones(3, 4).index_select(0, m.tensor([[0]])),
    lambda m: m.ones(3, 4).index_add(1, m.tensor([0]), m.ones(3, 1, dtype=m.float64)),
    lambda m: m.ones(3).masked_fill(m.tensor([1, 0, 1]), 1.0),
    lambda m: m.ones(2).fill_(m.ones(1)),
    lambda m: m.ones(2, 3).copy_(m.ones(2)),
    lambda m: m.ones(2, requires_grad=True).resize_(3),
]


@pytest.mark.parametrize("call", ERRORS, ids=[f"error{i}" for i in range(len(ERRORS))])
def test_errors_have_torch_exception_types(call):
    kinds = []
    for module in (torch, ember):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                call(module)
            except Exception as error:  # noqa: BLE001 - the type is what is compared
                kinds.append(type(error).__name__)
            else:
                kinds.append(None)
    torch_kind, ember_kind = kinds
    assert torch_kind is not None
    assert ember_kind == torch_kind


# --- memory and version counters -------------------------------------------------------------------


VIEW_WRITES = [
    lambda m, x: x.view(6).add_(1),
    lambda m, x: x.t().mul_(2),
    lambda m, x: x[1].zero_(),
    lambda m, x: x[:, 1:].fill_(7),
    lambda m, x: x.unsqueeze(0).squeeze(0).sub_(1),
    lambda m, x: x.narrow(1, 0, 2).copy_(m.ones(2, 2)),
    lambda m, x: x.split(1)[1].mul_(3),
    lambda m, x: x.diagonal().fill_(-1),
    lambda m, x: x.detach().add_(5),
    lambda m, x: x.__setitem__((0, 1), 9),
    lambda m, x: x.t_(),
    lambda m, x: x.flip(0).zero_(),
    lambda m, x: x[[0, 1]].zero_(),
]


@pytest.mark.parametrize("write", VIEW_WRITES, ids=[f"write{i}" for i in range(len(VIEW_WRITES))])
def test_writes_through_views_match_torch(write):
    def run(m):
        x = m.arange(6.0).reshape(2, 3).clone()
        write(m, x)
        return x.tolist(), x._version if m is torch else x._version[0]

    expected, actual = _both(run)
    assert actual == expected
