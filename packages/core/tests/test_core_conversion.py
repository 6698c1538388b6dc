"""Conversions between dtypes and devices, and the in-place writes copy_, fill_, zero_."""

import ember
import numpy as np
import pytest

VALUES = np.array([-2.7, -1.5, -0.2, 0.0, 0.4, 1.5, 2.5, 3.9], dtype=np.float32)

CASTS = [
    ("double", ember.float64, np.float64),
    ("float", ember.float32, np.float32),
    ("half", ember.float16, np.float16),
    ("long", ember.int64, np.int64),
    ("int", ember.int32, np.int32),
    ("short", ember.int16, np.int16),
    ("char", ember.int8, np.int8),
    ("bool", ember.bool, np.bool_),
]


@pytest.mark.parametrize(("method", "dtype", "numpy_dtype"), CASTS)
def test_cast_methods_match_numpy(method, dtype, numpy_dtype):
    t = getattr(ember.tensor(VALUES), method)()
    assert t.dtype is dtype
    np.testing.assert_array_equal(t.numpy(), VALUES.astype(numpy_dtype))


def test_float_to_int_truncates_toward_zero():
    assert ember.tensor([-1.7, 1.7, 2.5]).int().tolist() == [-1, 1, 2]
    assert ember.tensor([0, 2, -1]).bool().tolist() == [False, True, True]
    assert ember.tensor([True, False]).float().tolist() == [1.0, 0.0]
    assert ember.tensor([255, 3]).byte().tolist() == [255, 3]


def test_to_dtype_forms():
    t = ember.tensor([1.0, 2.0])
    assert t.to(ember.float64).dtype is ember.float64
    assert t.to("cpu", ember.double).dtype is ember.float64
    assert t.to(ember.device("cpu"), ember.int32).dtype is ember.int32
    assert t.to(ember.ones(1, dtype=ember.int64)).dtype is ember.int64
    assert t.to(float).dtype is ember.float64
    assert t.to(int).dtype is ember.int64
    assert t.to(dtype=ember.DoubleTensor).dtype is ember.float64
    assert t.type_as(ember.ones(1, dtype=ember.int32)).dtype is ember.int32


@pytest.mark.needs_dtype("float16")
def test_to_half_by_keyword():
    t = ember.tensor([1.0, 2.0])
    assert t.to(device="cpu", dtype=ember.float16).dtype is ember.float16


def test_to_returns_self_when_nothing_changes():
    t = ember.tensor([1.0, 2.0])
    assert t.to(ember.float32) is t
    assert t.to("cpu") is t
    assert t.to("cpu", ember.float32) is t
    assert t.cpu() is t
    assert t.float() is t
    assert t.to(ember.ones(1)) is t
    copied = t.to(ember.float32, copy=True)
    assert copied is not t
    copied.add_(1)
    assert t.tolist() == [1.0, 2.0]


def test_conversions_copy_memory():
    t = ember.tensor([1.0, 2.0])
    converted = t.double()
    converted.add_(1)
    assert t.tolist() == [1.0, 2.0]


def test_to_keeps_the_graph():
    x = ember.tensor([1.5, 2.5], requires_grad=True)
    y = x.double()
    assert type(y.grad_fn).__name__ == "ToCopyBackward0"
    (y * y).sum().backward()
    assert x.grad.dtype is ember.float32
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 5.0])
    assert x.to(ember.float32).grad_fn is None


def test_to_rejects_bad_arguments():
    with pytest.raises(TypeError, match="unexpected keyword"):
        ember.ones(2).to(shape=3)
    with pytest.raises(TypeError, match="invalid combination"):
        ember.ones(2).to([1])


def test_type_names():
    assert ember.ones(2).type() == "ember.FloatTensor"
    assert ember.ones(2).long().type() == "ember.LongTensor"
    assert ember.ones(2).bool().type() == "ember.BoolTensor"


@pytest.mark.needs_dtype("float16")
def test_type_name_of_half():
    assert ember.ones(2).half().type() == "ember.HalfTensor"


# --- copy_ ------------------------------------------------------------------------------------


def test_copy_broadcasts_and_converts():
    t = ember.zeros(2, 3)
    assert t.copy_(ember.tensor([1, 2, 3])) is t
    assert t.tolist() == [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]
    ints = ember.zeros(2, dtype=ember.int64)
    ints.copy_(ember.tensor([1.7, -2.7]))
    assert ints.tolist() == [1, -2]
    t.copy_(np.ones((2, 3)))
    assert t.sum().item() == 6


def test_copy_writes_the_shared_buffer_and_bumps_the_version():
    t = ember.zeros(3)
    array = t.numpy()
    t.copy_(ember.ones(3))
    assert array.tolist() == [1.0, 1.0, 1.0]
    assert t._version[0] == 1


def test_copy_shape_error():
    with pytest.raises(RuntimeError, match=r"source of shape \[2\] cannot be broadcast to the destination's shape"):
        ember.zeros(2, 3).copy_(ember.ones(2))


def test_copy_gradients_flow_to_the_source():
    src = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    target = ember.zeros(2, 3).requires_grad_() * 1
    target.copy_(src)
    assert type(target.grad_fn).__name__ == "CopyBackwards"
    (target * 2).sum().backward()
    assert src.grad.tolist() == [4.0, 4.0, 4.0]


def test_copy_into_a_leaf_that_requires_grad_is_refused():
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        ember.zeros(2, requires_grad=True).copy_(ember.ones(2))


# --- fill_ and zero_ ----------------------------------------------------------------------------


def test_fill_and_zero():
    t = ember.ones(2, 2)
    array = t.numpy()
    assert t.fill_(3.5) is t and array.tolist() == [[3.5, 3.5], [3.5, 3.5]]
    assert t.zero_() is t and array.sum() == 0
    assert t._version[0] == 2
    assert ember.zeros(2, dtype=ember.int64).fill_(3.7).tolist() == [3, 3]
    assert ember.zeros(2).fill_(ember.tensor(4.0)).tolist() == [4.0, 4.0]
    with pytest.raises(RuntimeError, match="fill_ only supports 0-dimension value tensor"):
        ember.zeros(2).fill_(ember.tensor([1.0]))


def test_fill_and_zero_gradients():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.fill_(5)
    assert type(y.grad_fn).__name__ == "FillBackward2"
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]
    z = x * 2
    z.zero_()
    assert type(z.grad_fn).__name__ == "ZeroBackward0"
    value = ember.tensor(3.0, requires_grad=True)
    w = ember.zeros(3).fill_(value)
    assert type(w.grad_fn).__name__ == "FillBackward3"
    (w * ember.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert value.grad.item() == 6.0
