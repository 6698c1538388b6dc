"""Views share memory and the version counter with their base; writes through views reach autograd."""

import warnings

import ember
import numpy as np
import pytest


def _base():
    return ember.arange(6.0).reshape(2, 3).clone()


VIEWS = {
    "view": lambda x: x.view(6),
    "reshape": lambda x: x.reshape(3, 2),
    "flatten": lambda x: x.flatten(),
    "unflatten": lambda x: x.unflatten(1, (3, 1)),
    "view_as": lambda x: x.view_as(ember.zeros(3, 2)),
    "transpose": lambda x: x.transpose(0, 1),
    "t": lambda x: x.t(),
    "T": lambda x: x.T,
    "mT": lambda x: x.mT,
    "permute": lambda x: x.permute(1, 0),
    "movedim": lambda x: x.movedim(0, 1),
    "squeeze": lambda x: x.unsqueeze(0).squeeze(0),
    "unsqueeze": lambda x: x.unsqueeze(1),
    "narrow": lambda x: x.narrow(1, 1, 2),
    "select": lambda x: x.select(0, 1),
    "int index": lambda x: x[1],
    "scalar index": lambda x: x[1, 2],
    "slice": lambda x: x[:, 1:],
    "step slice": lambda x: x[:, ::2],
    "none and ellipsis": lambda x: x[None, ..., 1],
    "split": lambda x: x.split(1)[1],
    "chunk": lambda x: x.chunk(3, 1)[2],
    "unbind": lambda x: x.unbind(1)[0],
    "tensor_split": lambda x: x.tensor_split(2, 1)[1],
    "diagonal": lambda x: x.diagonal(),
    "unfold": lambda x: x.unfold(1, 2, 1),
    "detach": lambda x: x.detach(),
    "data": lambda x: x.data,
    "view dtype": lambda x: x.view(ember.int32),
    "contiguous of contiguous": lambda x: x.contiguous(),
    "to same dtype": lambda x: x.to(ember.float32),
}

COPIES = {
    "clone": lambda x: x.clone(),
    "flip": lambda x: x.flip(0),
    "roll": lambda x: x.roll(1),
    "advanced index": lambda x: x[[0, 1]],
    "mask": lambda x: x[x > 1],
    "repeat": lambda x: x.repeat(1, 1),
    "contiguous of transpose": lambda x: x.t().contiguous(),
    "reshape of transpose": lambda x: x.t().reshape(6),
    "to other dtype": lambda x: x.double(),
    "cat": lambda x: ember.cat([x]),
    "diag of matrix": lambda x: x.diag(),
    "index_select": lambda x: x.index_select(0, ember.tensor([0])),
}


@pytest.mark.parametrize("make", VIEWS.values(), ids=VIEWS.keys())
def test_views_share_memory_and_version(make):
    base = _base()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        view = make(base)
    view.zero_()
    assert base.sum().item() < 15, "a write through the view must reach the base"
    assert base._version[0] == view._version[0] == 1
    assert view is base or view._base is base or make in (VIEWS["detach"], VIEWS["data"])


@pytest.mark.parametrize("make", COPIES.values(), ids=COPIES.keys())
def test_copies_do_not_share_memory(make):
    base = _base()
    copy = make(base)
    copy.zero_()
    assert base.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert base._version[0] == 0


def test_base_is_the_root_of_a_chain_of_views():
    base = _base()
    assert base._base is None
    assert base.view(6)._base is base
    assert base.t()[0]._base is base
    assert base[1][1:]._base is base


def test_writes_through_the_base_show_in_views():
    base = _base()
    row = base[1]
    element = base[0, 2]
    base.add_(10)
    assert row.tolist() == [13.0, 14.0, 15.0]
    assert element.item() == 12.0
    assert row._version[0] == 1


def test_numpy_shares_memory_both_ways():
    t = ember.zeros(2, 3)
    array = t.numpy()
    array[0, 1] = 5
    assert t[0, 1].item() == 5
    t[1] = 7
    assert array[1].tolist() == [7.0, 7.0, 7.0]
    t.mul_(2)
    assert array[0, 1] == 10
    element = t[1, 2].numpy()
    element[...] = -1
    assert t[1, 2].item() == -1
    np.asarray(t)[0, 0] = 3
    assert t[0, 0].item() == 3


def test_from_numpy_views_share_memory():
    array = np.arange(6.0).reshape(2, 3)
    t = ember.from_numpy(array)
    t.t()[2].fill_(-1)
    assert array[:, 2].tolist() == [-1.0, -1.0]
    t[0, :2] = ember.tensor([9.0, 8.0], dtype=ember.float64)
    assert array[0].tolist() == [9.0, 8.0, -1.0]


@pytest.mark.parametrize(
    "write",
    [
        lambda v: v.add_(1),
        lambda v: v.mul_(2),
        lambda v: v.copy_(ember.ones_like(v)),
        lambda v: v.zero_(),
        lambda v: v.fill_(3),
        lambda v: v.__setitem__(0, 9),
        lambda v: v.clamp_(0, 1),
        lambda v: v.index_fill_(0, ember.tensor([0]), 4.0),
        lambda v: v.masked_fill_(v > 3, 0.0),
    ],
)
def test_in_place_ops_on_views_write_the_shared_buffer(write):
    base = _base()
    array = base.numpy()
    view = base[1]
    expected = array.copy()
    write(view)
    np.testing.assert_array_equal(array[1], view.numpy())
    assert not np.array_equal(array, expected)
    assert base._version[0] >= 1 and base._version[0] == view._version[0]


def test_version_counter_catches_writes_through_views_of_saved_tensors():
    x = ember.ones(2, 3, requires_grad=True)
    y = x * 2
    z = y.sin()
    y[0].mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_numpy_refuses_tensors_that_require_grad():
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad"):
        ember.ones(2, requires_grad=True).numpy()
    assert ember.ones(2, requires_grad=True).detach().numpy().tolist() == [1.0, 1.0]


# --- in-place writes through views, with autograd ----------------------------------------------


def test_write_through_a_view_reaches_the_base_gradient():
    x = ember.arange(6.0, requires_grad=True)
    y = x.reshape(2, 3) * 1
    y[0].mul_(2)
    assert type(y.grad_fn).__name__ == "CopySlices"
    (y * ember.arange(6.0).reshape(2, 3)).sum().backward()
    assert x.grad.tolist() == [0.0, 2.0, 4.0, 3.0, 4.0, 5.0]


def test_write_through_a_view_of_a_view():
    x = ember.ones(2, 3, requires_grad=True)
    y = x * 2
    y.t()[0][1] = 10
    assert y.tolist() == [[2.0, 2.0, 2.0], [10.0, 2.0, 2.0]]
    y.sum().backward()
    assert x.grad.tolist() == [[2.0, 2.0, 2.0], [0.0, 2.0, 2.0]]


def test_copy_into_a_view_sends_gradient_to_the_source():
    source = ember.tensor([5.0, 7.0], requires_grad=True)
    x = ember.arange(6.0, requires_grad=True)
    y = x * 1
    y.view(2, 3)[:, 0].copy_(source)
    (y * ember.arange(1.0, 7.0)).sum().backward()
    assert source.grad.tolist() == [1.0, 4.0]
    assert x.grad.tolist() == [0.0, 2.0, 3.0, 0.0, 5.0, 6.0]


def test_nonlinear_write_through_a_view():
    x = ember.arange(6.0, requires_grad=True)
    y = x * 1
    view = y[1:4]
    view.add_(view.clone() * 2)
    (y**2).sum().backward()
    assert x.grad.tolist() == [0.0, 18.0, 36.0, 54.0, 8.0, 10.0]


def test_view_sees_the_new_history_after_a_write():
    x = ember.arange(6.0, requires_grad=True)
    y = x.view(2, 3) * 1
    row = y[1]
    row.exp_()
    row.sum().backward()
    expected = np.concatenate([np.zeros(3), np.exp(np.arange(3.0, 6.0))])
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6)


def test_in_place_on_a_view_of_a_leaf_is_refused():
    x = ember.ones(4, requires_grad=True)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        x[0].mul_(2)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        x[1:].zero_()
    with ember.no_grad():
        x[0].mul_(2)
    assert x.tolist() == [2.0, 1.0, 1.0, 1.0]
    x.detach()[1].fill_(5)
    assert x[1].item() == 5


def test_write_through_a_view_of_a_tensor_that_needs_no_grad():
    x = ember.tensor([2.0, 3.0], requires_grad=True)
    y = ember.zeros(4)
    view = y[1:3]
    view.copy_(x * x)
    assert y.requires_grad and type(y.grad_fn).__name__ == "CopySlices"
    (y * ember.arange(4.0)).sum().backward()
    assert x.grad.tolist() == [4.0, 12.0]
    grid = ember.ones(2, 3)
    row = grid[1]
    row.mul_(x[:1])
    row.sum().backward()
    assert x.grad.tolist() == [7.0, 12.0]


@pytest.mark.parametrize(
    "write",
    [
        lambda v: v.add_(1),
        lambda v: v.exp_(),
        lambda v: v.copy_(ember.ones(3, 4)),
        lambda v: v.__setitem__(0, 5.0),
        lambda v: v.__setitem__(slice(None), ember.ones(4)),
    ],
)
def test_writes_into_expanded_views_are_refused(write):
    expanded = ember.zeros(3, 1).expand(3, 4)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor refers to a single memory"):
        write(expanded)


def test_as_subclass_is_an_alias_of_the_subclass_that_stays_in_the_graph():
    class Marked(ember.Tensor):
        pass

    x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.as_subclass(Marked)
    assert type(y) is Marked and y.data_ptr() == x.data_ptr()
    assert type(y.grad_fn).__name__ == "AliasBackward0" and not y.is_leaf
    (y * ember.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad.tolist() == [1.0, 2.0, 3.0]
    plain = ember.zeros(2).as_subclass(Marked)
    assert type(plain) is Marked and plain.grad_fn is None and not plain.requires_grad
    with pytest.raises(TypeError, match="does not inherit from Tensor"):
        x.as_subclass(int)
