"""Finite-difference checks (float64) of every differentiable shape, indexing and conversion op.

Each case is (name, function, input shapes); inputs are random float64 tensors requiring grad.
Functions that write in place work on a clone, so the check's own inputs stay untouched.
"""

import ember
import numpy as np
import pytest
from ember.autograd import gradcheck, gradgradcheck


def _inputs(shapes, seed: int):
    rng = np.random.default_rng(seed)
    return tuple(ember.tensor(rng.uniform(-2, 2, shape), dtype=ember.float64, requires_grad=True) for shape in shapes)


def _index(values):
    return ember.tensor(values, dtype=ember.int64)


def _mask(values):
    return ember.tensor(values, dtype=ember.bool)


def _setitem(x, key, value):
    out = x * 1
    out[key] = value
    return out


def _in_place(x, write):
    out = x * 1
    write(out)
    return out


def _plain(*shape):
    return ember.ones(*shape, dtype=ember.float64)


def _written(plain, write):
    """A tensor that requires no grad, written through a view with values that do."""
    write(plain)
    return plain


M, C = (2, 3), (2, 3, 4)

CASES = [
    # reshaping views
    ("reshape", lambda x: x.reshape(3, 2), [M]),
    ("reshape_copy", lambda x: x.t().reshape(6), [M]),
    ("view", lambda x: x.view(-1, 2), [C]),
    ("view_as", lambda x: x.view_as(ember.zeros(6)), [M]),
    ("flatten", lambda x: x.flatten(1), [C]),
    ("unflatten", lambda x: x.unflatten(2, (2, 2)), [C]),
    ("squeeze", lambda x: x.squeeze(), [(1, 3, 1)]),
    ("squeeze_dim", lambda x: x.squeeze(2), [(1, 3, 1)]),
    ("squeeze_dims", lambda x: x.squeeze((0, 2)), [(1, 3, 1)]),
    ("unsqueeze", lambda x: x.unsqueeze(1), [M]),
    ("transpose", lambda x: x.transpose(0, 2), [C]),
    ("t", lambda x: x.t(), [M]),
    ("mT", lambda x: x.mT, [C]),
    ("permute", lambda x: x.permute(2, 0, 1), [C]),
    ("movedim", lambda x: x.movedim((0, 1), (2, 0)), [C]),
    ("expand", lambda x: x.expand(2, 3, 4), [(3, 1)]),
    ("expand_as", lambda x: x.expand_as(ember.zeros(2, 3)), [(3,)]),
    ("broadcast_to", lambda x: ember.broadcast_to(x, (2, 2, 3)), [(1, 3)]),
    ("contiguous", lambda x: x.t().contiguous(), [M]),
    ("clone", lambda x: x.clone(), [M]),
    ("diagonal", lambda x: x.diagonal(1, 1, 2), [C]),
    ("unfold", lambda x: x.unfold(1, 2, 1), [(2, 5)]),
    ("unfold_step", lambda x: x.unfold(0, 2, 2), [(5, 2)]),
    # copies along dims
    ("repeat", lambda x: x.repeat(2, 1, 3), [M]),
    ("tile", lambda x: x.tile((2,)), [M]),
    ("repeat_interleave", lambda x: x.repeat_interleave(2, dim=1), [M]),
    ("repeat_interleave_counts", lambda x: x.repeat_interleave(_index([2, 0, 1]), dim=1), [M]),
    ("flip", lambda x: x.flip((0, 2)), [C]),
    ("roll", lambda x: x.roll((1, -2), (0, 2)), [C]),
    ("roll_flat", lambda x: x.roll(2), [M]),
    ("rot90", lambda x: x.rot90(1, (0, 1)), [M]),
    ("tril", lambda x: x.tril(-1), [(3, 3)]),
    ("triu", lambda x: x.triu(1), [C]),
    ("diag_of_vector", lambda x: x.diag(1), [(3,)]),
    ("diag_of_matrix", lambda x: x.diag(-1), [(3, 4)]),
    ("diag_embed", lambda x: x.diag_embed(), [M]),
    ("trace", lambda x: x.trace(), [(3, 3)]),
    # pieces
    ("narrow", lambda x: x.narrow(2, 1, 2), [C]),
    ("select", lambda x: x.select(1, -1), [C]),
    ("split", lambda x: x.split(2, dim=2), [C]),
    ("split_sizes", lambda x: x.split([1, 3], dim=2), [C]),
    ("chunk", lambda x: x.chunk(2, 1), [(2, 5)]),
    ("unbind", lambda x: x.unbind(1), [M]),
    ("tensor_split", lambda x: x.tensor_split([1, 3], 1), [(2, 5)]),
    # joining
    ("cat", lambda a, b: ember.cat([a, b], 1), [M, (2, 2)]),
    ("cat_promotes", lambda a: ember.cat([a, ember.ones(2, 1)], 1), [M]),
    ("stack", lambda a, b: ember.stack([a, b], -1), [M, M]),
    ("hstack", lambda a, b: ember.hstack([a, b]), [(3,), (2,)]),
    ("vstack", lambda a, b: ember.vstack([a, b]), [(3,), M]),
    ("dstack", lambda a, b: ember.dstack([a, b]), [M, M]),
    ("meshgrid", lambda a, b: ember.meshgrid(a, b, indexing="xy"), [(3,), (2,)]),
    # basic indexing
    ("getitem_int", lambda x: x[1], [C]),
    ("getitem_slices", lambda x: x[:, 1:, ::2], [C]),
    ("getitem_none_ellipsis", lambda x: x[None, ..., -1], [C]),
    ("getitem_negative", lambda x: x[-1, -2], [C]),
    # advanced indexing (duplicates accumulate)
    ("getitem_list", lambda x: x[[0, 0, 1]], [C]),
    ("getitem_pairs", lambda x: x[[0, 1, 0], [2, 2, 2]], [C]),
    ("getitem_broadcast", lambda x: x[[[0], [1]], [1, 2]], [C]),
    ("getitem_int_then_list", lambda x: x[1, :, [0, 3, 3]], [C]),
    ("getitem_mask", lambda x: x[x.detach() > 0], [C]),
    ("getitem_tensor", lambda x: x[_index([[1, 0], [1, 1]])], [C]),
    ("getitem_bool_scalar", lambda x: x[True], [M]),
    ("take", lambda x: x.take(_index([0, 5, 5])), [M]),
    ("masked_select", lambda x: x.masked_select(_mask([True, False, True])), [M]),
    # writes
    ("setitem_basic", lambda x, v: _setitem(x, (0, slice(1, None)), v), [M, (2,)]),
    ("setitem_broadcast", lambda x, v: _setitem(x, (slice(None), 1), v), [M, (1,)]),
    ("setitem_advanced", lambda x, v: _setitem(x, ([0, 1], [2, 0]), v), [M, (2,)]),
    ("setitem_mask", lambda x, v: _setitem(x, _mask([[True, False, True], [False, True, False]]), v), [M, (3,)]),
    ("setitem_scalar", lambda x: _setitem(x, 1, 5.0), [M]),
    ("index_put", lambda x, v: x.index_put((_index([0, 1]), _index([2, 2])), v), [M, (2,)]),
    ("index_put_accumulate", lambda x, v: x.index_put((_index([0, 0]),), v, accumulate=True), [M, (3,)]),
    ("copy_into_view", lambda x, v: _in_place(x, lambda o: o[:, 0].copy_(v)), [M, (2,)]),
    ("mul_through_view", lambda x, v: _in_place(x, lambda o: o.t()[1].mul_(v)), [M, (2,)]),
    ("exp_through_view", lambda x: _in_place(x, lambda o: o[1:].exp_()), [M]),
    ("copy_into_plain_view", lambda v: _written(_plain(2, 4), lambda o: o.t()[1:3, 0].copy_(v * v)), [(2,)]),
    ("mul_into_plain_diagonal", lambda v: _written(_plain(3, 3), lambda o: o.diagonal().mul_(v)), [(3,)]),
    ("copy_", lambda x, v: _in_place(x, lambda o: o.copy_(v)), [M, (3,)]),
    ("fill_", lambda x: _in_place(x, lambda o: o.fill_(2.0)), [M]),
    ("fill_tensor", lambda x, v: _in_place(x, lambda o: o.fill_(v)), [M, ()]),
    ("zero_", lambda x: _in_place(x, lambda o: o[0].zero_()), [M]),
    ("t_", lambda x: _in_place(x, lambda o: o.t_()), [M]),
    ("squeeze_unsqueeze_", lambda x: _in_place(x, lambda o: o.unsqueeze_(0).squeeze_(0)), [M]),
    # along a dim
    ("gather", lambda x: x.gather(1, _index([[0, 0, 2], [1, 2, 2]])), [M]),
    ("take_along_dim", lambda x: x.take_along_dim(_index([[2], [0]]), 1), [M]),
    ("scatter", lambda x, s: x.scatter(1, _index([[0, 2], [1, 0]]), s), [M, (2, 2)]),
    ("scatter_value", lambda x: x.scatter(0, _index([[1, 0, 1]]), 3.0), [M]),
    ("scatter_add", lambda x, s: x.scatter_add(1, _index([[0, 0], [2, 2]]), s), [M, (2, 2)]),
    ("scatter_reduce_sum", lambda x, s: x.scatter_reduce(1, _index([[0, 0], [2, 1]]), s, "sum"), [M, (2, 2)]),
    ("scatter_reduce_mean", lambda x, s: x.scatter_reduce(1, _index([[0, 0], [2, 1]]), s, "mean"), [M, (2, 2)]),
    (
        "scatter_reduce_amax",
        lambda x, s: x.scatter_reduce(1, _index([[0, 0], [2, 1]]), s, "amax", include_self=False),
        [M, (2, 2)],
    ),
    ("index_select", lambda x: x.index_select(1, _index([2, 0, 2])), [M]),
    ("index_add", lambda x, s: x.index_add(1, _index([2, 2]), s, alpha=1.5), [M, (2, 2)]),
    ("index_fill", lambda x: x.index_fill(1, _index([0, 2]), -1.0), [M]),
    ("index_fill_tensor", lambda x, v: x.index_fill(1, _index([0, 2]), v), [M, ()]),
    ("index_copy", lambda x, s: x.index_copy(0, _index([1]), s), [M, (1, 3)]),
    ("masked_fill", lambda x: x.masked_fill(_mask([True, False, True]), 0.5), [M]),
    ("masked_fill_tensor", lambda x, v: x.masked_fill(_mask([[True], [False]]), v), [M, ()]),
    # conversions
    ("to_float64", lambda x: x.to(ember.float64) * 1, [M]),
    ("to_float32_and_back", lambda x: x.float().double(), [M]),
    ("type_as", lambda x: x.type_as(ember.zeros(1, dtype=ember.float64)), [M]),
]


@pytest.mark.parametrize(("name", "function", "shapes"), CASES, ids=[c[0] for c in CASES])
def test_gradcheck(name, function, shapes):
    inputs = _inputs(shapes, seed=len(name))
    # float32 rounding needs a wider step and tolerance than float64
    options = {"eps": 1e-3, "atol": 1e-3, "rtol": 1e-3} if name == "to_float32_and_back" else {"eps": 1e-6}
    assert gradcheck(function, inputs, **options)


@pytest.mark.parametrize(("name", "function", "shapes"), CASES, ids=[c[0] for c in CASES])
def test_gradgradcheck(name, function, shapes):
    """Every case again at second order: the same rule, run on tensors, differentiated once more."""
    options = {"eps": 1e-3, "atol": 1e-3, "rtol": 1e-3} if name == "to_float32_and_back" else {}
    assert gradgradcheck(
        function, _inputs(shapes, seed=len(name) + 1), **{"eps": 1e-6, "atol": 1e-5, "rtol": 1e-3, **options}
    )


def test_advanced_index_backward_accumulates_duplicates():
    x = ember.zeros(4, requires_grad=True)
    x[_index([0, 2, 0, 0])].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0, 0.0]
    y = ember.zeros(2, 2, requires_grad=True)
    y[[0, 0], [1, 1]].sum().backward()
    assert y.grad.tolist() == [[0.0, 2.0], [0.0, 0.0]]
