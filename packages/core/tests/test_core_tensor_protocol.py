"""Tensor as a Python and NumPy citizen: conversion, sizes, iteration, truthiness, copying."""

import copy
import operator
import pickle
import re

import ember
import numpy as np
import pytest


def test_type_prints_as_ember_tensor():
    assert str(type(ember.tensor([1.0]))) == "<class 'ember.Tensor'>"
    assert ember.is_tensor(ember.tensor(1)) and not ember.is_tensor([1])


# --- Python scalars and lists --------------------------------------------------------------


def test_item_gives_python_numbers():
    assert ember.tensor(2.5).item() == 2.5 and type(ember.tensor(2.5).item()) is float
    assert type(ember.tensor([3]).item()) is int and ember.tensor([[3]]).item() == 3
    assert ember.tensor(True).item() is True
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to Scalar"):
        ember.tensor([1.0, 2.0]).item()


def test_tolist_nested_and_zero_dim():
    assert ember.tensor([[1.5, 2.0], [3.0, 4.0]]).tolist() == [[1.5, 2.0], [3.0, 4.0]]
    assert ember.tensor(1.5).tolist() == 1.5
    assert ember.tensor([1, 2]).tolist() == [1, 2] and type(ember.tensor([1, 2]).tolist()[0]) is int


def test_float_int_complex_conversions():
    assert float(ember.tensor([[2.5]])) == 2.5
    assert int(ember.tensor(-2.7)) == -2 and int(ember.tensor([7])) == 7
    assert complex(ember.tensor(2.0)) == 2 + 0j
    with pytest.raises(ValueError, match="only one element tensors can be converted to Python scalars"):
        float(ember.tensor([2.5, 3.0]))
    with pytest.raises(ValueError, match="only one element tensors"):
        int(ember.tensor([1, 2]))


def test_float_of_a_tensor_that_requires_grad_works():
    x = ember.tensor(1.5, requires_grad=True)
    assert float(x) == 1.5 and x.item() == 1.5


def test_index_protocol():
    values = [10, 20, 30, 40]
    assert values[ember.tensor(1)] == 20
    assert values[ember.tensor([2])] == 30
    assert values[ember.tensor(1) : ember.tensor(3)] == [20, 30]
    assert list(range(ember.tensor(3))) == [0, 1, 2]
    assert operator.index(ember.tensor(5, dtype=ember.int32)) == 5
    with pytest.raises(TypeError, match="only integer tensors of a single element can be converted to an index"):
        values[ember.tensor(1.0)]
    with pytest.raises(TypeError, match="only integer tensors of a single element"):
        operator.index(ember.tensor([1, 2]))


def test_bool_of_one_element_and_ambiguity():
    assert bool(ember.tensor([1.0])) and not bool(ember.tensor([0.0])) and bool(ember.tensor([[True]]))
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is ambiguous"):
        bool(ember.tensor([0.0, 1.0]))
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with no values is ambiguous"):
        bool(ember.tensor([]))
    x = ember.tensor([3.0])
    assert ("big" if x > 2 else "small") == "big"


def test_format():
    assert f"{ember.tensor(3.14159):.2f}" == "3.14"
    assert f"{ember.tensor(3.5)}" == "3.5"
    assert f"{ember.tensor(2):>6}" == "     2"
    assert f"{ember.tensor(3.14159, requires_grad=True):.3f}" == "3.142"
    assert f"{ember.tensor([3.14159])}" == "tensor([3.1416])"
    with pytest.raises(TypeError, match="unsupported format string passed to Tensor.__format__"):
        f"{ember.tensor([3.14159]):.2f}"
    assert f"Epoch[1/2], loss: {ember.tensor(0.25):.6f}" == "Epoch[1/2], loss: 0.250000"


# --- NumPy -----------------------------------------------------------------------------------


def test_numpy_and_asarray_share_memory():
    t = ember.tensor([1.0, 2.0, 3.0])
    array = t.numpy()
    assert array.dtype == np.float32
    array[0] = 100
    assert t.tolist()[0] == 100
    as_array = np.asarray(t)
    assert np.shares_memory(as_array, array)
    t.add_(1)
    assert as_array.tolist() == [101.0, 3.0, 4.0]


def test_array_protocol_dtype_and_copy():
    t = ember.tensor([1, 2])
    converted = np.asarray(t, dtype=np.float64)
    assert converted.dtype == np.float64 and converted.tolist() == [1.0, 2.0]
    copied = np.array(t, copy=True)
    copied[0] = 9
    assert t.tolist() == [1, 2]
    assert np.array(ember.tensor(2.5)).shape == ()
    np.testing.assert_allclose(np.sin(ember.tensor([0.0, 1.0]).numpy()), [0.0, np.sin(1.0)], rtol=1e-6)


def test_numpy_ufuncs_give_tensors_back():
    t = ember.tensor([0.0, 1.0, 2.0])
    s = np.sin(t)
    assert type(s) is ember.Tensor and s.dtype is ember.float32
    np.testing.assert_allclose(s.numpy(), np.sin([0.0, 1.0, 2.0]), rtol=1e-6)
    flags = np.greater(t, 0.5)
    assert flags.dtype is ember.uint8 and flags.tolist() == [0, 1, 1]


def test_membership_and_reversed():
    t = ember.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert 2 in t and 5 not in t and ember.tensor(3.0) in t
    with pytest.raises(RuntimeError, match="only supports Tensor or scalar"):
        "a" in t
    assert reversed(t).tolist() == [[3.0, 4.0], [1.0, 2.0]] and type(reversed(t)) is ember.Tensor
    assert reversed(ember.tensor(1.0)).item() == 1.0


def test_array_protocol_refuses_tensors_that_require_grad():
    with pytest.raises(RuntimeError, match="requires grad"):
        np.asarray(ember.tensor([1.0], requires_grad=True))


def test_matplotlib_accepts_tensors():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = ember.linspace(0, 1, 5)
    y = x * 2
    figure, axes = plt.subplots()
    try:
        (line,) = axes.plot(x, y)
        np.testing.assert_allclose(line.get_ydata(), [0.0, 0.5, 1.0, 1.5, 2.0])
        axes.scatter(x.numpy(), y.detach().numpy())
    finally:
        plt.close(figure)


# --- sizes, len, iteration ------------------------------------------------------------------


def test_shape_size_dim_numel():
    t = ember.zeros(2, 3, 4)
    assert t.shape == ember.Size([2, 3, 4]) and isinstance(t.shape, tuple) and isinstance(t.shape, ember.Size)
    assert t.size() == (2, 3, 4) and t.size(1) == 3 and t.size(-1) == 4
    assert t.dim() == 3 and t.ndim == 3 and t.ndimension() == 3
    assert t.numel() == 24 and t.nelement() == 24 and ember.numel(t) == 24
    assert repr(t.size()) == "ember.Size([2, 3, 4])"
    assert ember.tensor(1.0).shape == ember.Size([]) and ember.tensor(1.0).dim() == 0
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-3, 2\], but got 3\)"):
        t.size(3)


def test_unbound_size_prints_like_a_builtin_method():
    t = ember.zeros(2, 3)
    assert re.fullmatch(r"<built-in method size of Tensor object at 0x[0-9a-f]+>", repr(t.size))
    assert str(t.size) == repr(t.size) and hex(id(t)) in repr(t.size)
    assert t.size() == (2, 3) and ember.Tensor.size(t) == (2, 3) and ember.Tensor.size(t, 0) == 2
    size = t.size
    assert size(1) == 3 and size.__self__ is t


def test_len_and_iteration():
    t = ember.tensor([[1, 2], [3, 4], [5, 6]])
    assert len(t) == 3
    rows = list(t)
    assert [r.tolist() for r in rows] == [[1, 2], [3, 4], [5, 6]]
    assert all(type(r) is ember.Tensor for r in rows)
    a, b, c = ember.tensor([1.0, 2.0, 3.0])
    assert (a.item(), b.item(), c.item()) == (1.0, 2.0, 3.0)
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(ember.tensor(1.0))
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(ember.tensor(1.0))


def test_iteration_keeps_the_graph():
    x = ember.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    total = sum(row.sum() * (i + 1) for i, row in enumerate(x))
    total.backward()
    np.testing.assert_allclose(x.grad.numpy(), [[1.0, 1.0], [2.0, 2.0]])


def test_tensors_hash_by_identity():
    a = ember.tensor([1.0])
    b = ember.tensor([1.0])
    assert len({a, a, b}) == 2
    assert {a: 1}[a] == 1


# --- copying and pickling -----------------------------------------------------------------------


def test_deepcopy_of_a_leaf_copies_data_grad_and_flags():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    x.grad = ember.tensor([0.5, 0.5])
    c = copy.deepcopy(x)
    assert c is not x and c.requires_grad and c.is_leaf
    assert c.tolist() == [1.0, 2.0] and c.grad.tolist() == [0.5, 0.5]
    with ember.no_grad():
        c.add_(1)
    c.grad.add_(1)
    assert x.tolist() == [1.0, 2.0] and x.grad.tolist() == [0.5, 0.5]


def test_deepcopy_keeps_sharing_and_subclass_state():
    x = ember.tensor([1.0])
    pair = copy.deepcopy([x, x])
    assert pair[0] is pair[1] and pair[0] is not x

    class Tagged(ember.Tensor):
        pass

    t = ember.tensor([1.0, 2.0])
    t.__class__ = Tagged
    t.note = {"a": [1]}
    c = copy.deepcopy(t)
    assert type(c) is Tagged and c.note == {"a": [1]} and c.note is not t.note


def test_pickle_round_trip():
    x = ember.tensor([[1.0, 2.0]], dtype=ember.float64, requires_grad=True)
    y = pickle.loads(pickle.dumps(x))
    assert y.tolist() == [[1.0, 2.0]] and y.dtype is ember.float64 and y.requires_grad and y.is_leaf


def test_shallow_copy_shares_data_like_pytorch():
    x = ember.tensor([1.0, 2.0])
    c = copy.copy(x)
    c[0] = 5
    assert x.tolist() == [5.0, 2.0] and c is not x
    w = ember.tensor([1.0], requires_grad=True)
    assert copy.copy(w).requires_grad and copy.copy(w).is_leaf
