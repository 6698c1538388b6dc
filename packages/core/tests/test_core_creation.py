"""Making tensors: ember.tensor's inference, the legacy constructors, filled tensors, ranges, *_like, new_*."""

import warnings

import ember
import numpy as np
import pytest


def _values(t, dtype=None):
    array = t.numpy()
    return array if dtype is None else array.astype(dtype)


# --- ember.tensor: dtype inference ----------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "dtype"),
    [
        ([1.0, 2], ember.float32),
        ([1, 2], ember.int64),
        ([True, False], ember.bool),
        ([True, 2], ember.int64),
        ([1, 2.5], ember.float32),
        (3.5, ember.float32),
        (7, ember.int64),
        (False, ember.bool),
        ([], ember.float32),
        ((1, 2), ember.int64),
        (range(3), ember.int64),
        ([[1, 2], (3, 4)], ember.int64),
        (np.arange(3.0), ember.float64),
        (np.arange(3, dtype=np.int32), ember.int32),
        (np.float64(2.5), ember.float64),
        (np.int32(2), ember.int32),
        ([np.float64(1.0), np.float64(2.0)], ember.float64),
        ([np.float32(1.0), 2.0], ember.float32),
        ([np.int32(1), np.int32(2)], ember.int32),
        ([np.int32(1), True], ember.int32),
        ([np.array([1.0, 2.0]), np.array([3.0, 4.0])], ember.float64),
        ([[1, 2], np.array([3, 4], dtype=np.int32)], ember.int64),
    ],
)
def test_tensor_infers_pytorch_dtypes(data, dtype):
    assert ember.tensor(data).dtype is dtype


def test_tensor_values_and_shapes_follow_the_data():
    t = ember.tensor([[1, 2, 3], [4, 5, 6]])
    assert t.shape == (2, 3)
    np.testing.assert_array_equal(t.numpy(), [[1, 2, 3], [4, 5, 6]])
    assert ember.tensor(3.5).shape == ()
    assert ember.tensor(3.5).item() == 3.5
    assert ember.tensor([[], []]).shape == (2, 0)
    np.testing.assert_array_equal(ember.tensor([float("inf"), -1.5]).numpy(), np.array([np.inf, -1.5], np.float32))


def test_default_dtype_decides_python_floats():
    ember.set_default_dtype(ember.float64)
    try:
        assert ember.tensor([1.5]).dtype is ember.float64
        assert ember.tensor([1]).dtype is ember.int64
    finally:
        ember.set_default_dtype(ember.float32)
    assert ember.tensor([1.5]).dtype is ember.float32


def test_tensor_takes_one_element_tensors_as_numbers():
    t = ember.tensor([ember.tensor(1.5), ember.tensor(2)])
    assert t.dtype is ember.float32
    np.testing.assert_array_equal(t.numpy(), [1.5, 2.0])
    ones = ember.tensor([ember.tensor([1]), ember.tensor([2])])
    assert ones.shape == (2,) and ones.tolist() == [1, 2]
    assert ember.tensor([ember.tensor(1.5, dtype=ember.float64), ember.tensor(2)]).dtype is ember.float64
    assert ember.tensor([ember.tensor(1, dtype=ember.int32)] * 2).dtype is ember.int32
    nested = ember.tensor([[ember.tensor(1.0)], [2]])
    assert nested.shape == (2, 1) and nested.dtype is ember.float32


def test_tensor_copies_its_data():
    array = np.zeros(3)
    t = ember.tensor(array)
    array[0] = 5
    assert t[0].item() == 0
    source = ember.ones(2)
    with pytest.warns(UserWarning, match="sourceTensor.detach"):
        copy = ember.tensor(source)
    copy.add_(1)
    assert source.tolist() == [1.0, 1.0]


def test_tensor_dtype_and_requires_grad_arguments():
    t = ember.tensor([1, 2], dtype=ember.float64, requires_grad=True)
    assert t.dtype is ember.float64 and t.requires_grad and t.is_leaf
    assert ember.tensor([2.7, -1.5], dtype=ember.int64).tolist() == [2, -1]
    assert ember.tensor([-1], dtype=ember.uint8).tolist() == [255]
    assert ember.tensor(np.array([1.5]), dtype=ember.int64).tolist() == [1]
    assert ember.tensor([1, 0, 2], dtype=ember.bool).tolist() == [True, False, True]


@pytest.mark.needs_dtype("float16")
def test_tensor_takes_a_half_dtype():
    assert ember.tensor(3, dtype=ember.float16).dtype is ember.float16


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        ([[1, 2], [3]], ValueError, r"expected sequence of length 2 at dim 1 \(got 1\)"),
        ([[[1], [2]], [[1], [2], [3]]], ValueError, r"expected sequence of length 2 at dim 1 \(got 3\)"),
        ([[1, 2], 3], TypeError, "expected a sequence at dim 1"),
        ([1, [2]], TypeError, "expected a number at dim 1"),
        ([ember.tensor([1.0, 2.0])], ValueError, "only one element tensors"),
        ([2**63], ValueError, "Overflow when unpacking long long"),
        ("a", TypeError, "invalid data type 'str'"),
        ([None], RuntimeError, "Could not infer dtype of NoneType"),
        (None, RuntimeError, "Could not infer dtype of NoneType"),
        ((x for x in range(3)), RuntimeError, "Could not infer dtype of generator"),
    ],
)
def test_tensor_rejects_bad_data(data, error, message):
    with pytest.raises(error, match=message):
        ember.tensor(data)


def test_tensor_integer_overflow_is_refused():
    with pytest.raises(RuntimeError, match="value cannot be converted to type uint8 without overflow"):
        ember.tensor([300], dtype=ember.uint8)
    with pytest.raises(RuntimeError, match="without overflow"):
        ember.tensor([float("nan")], dtype=ember.int64)
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        ember.tensor([1, 2], requires_grad=True)


# --- the legacy constructors ---------------------------------------------------------------


def test_legacy_tensor_constructor():
    assert ember.Tensor(2, 3).shape == (2, 3)
    assert ember.Tensor(2, 3).dtype is ember.float32
    assert ember.Tensor(ember.Size([4])).shape == (4,)
    assert ember.Tensor().shape == (0,)
    t = ember.Tensor([1, 2])
    assert t.dtype is ember.float32 and t.tolist() == [1.0, 2.0]
    assert ember.Tensor((2, 3)).tolist() == [2.0, 3.0]
    assert ember.Tensor(np.array([1, 2])).dtype is ember.float32
    assert type(ember.Tensor(2)) is ember.Tensor
    same = ember.ones(2, dtype=ember.int64)
    assert ember.Tensor(same) is same
    with pytest.raises(TypeError, match="data must be a sequence"):
        ember.Tensor(2.5)


@pytest.mark.parametrize(
    ("legacy", "dtype", "name"),
    [
        ("FloatTensor", ember.float32, "ember.FloatTensor"),
        ("DoubleTensor", ember.float64, "ember.DoubleTensor"),
        ("IntTensor", ember.int32, "ember.IntTensor"),
        ("LongTensor", ember.int64, "ember.LongTensor"),
        ("ByteTensor", ember.uint8, "ember.ByteTensor"),
        ("BoolTensor", ember.bool, "ember.BoolTensor"),
    ],
)
def test_legacy_typed_constructors(legacy, dtype, name):
    kind = getattr(ember, legacy)
    t = kind([1, 0])
    assert t.dtype is dtype and t.tolist() == [1, 0]
    assert kind(2, 3).shape == (2, 3) and kind(2, 3).dtype is dtype
    assert t.type() == name
    assert isinstance(t, kind)
    assert isinstance(ember.ones(2).type(kind), kind)


def test_legacy_type_conversions():
    t = ember.tensor([1.7, -2.2])
    double = t.type(ember.DoubleTensor)
    assert double.dtype is ember.float64 and double.type() == "ember.DoubleTensor"
    assert t.type("ember.IntTensor").tolist() == [1, -2]
    assert t.type(ember.int64).type() == "ember.LongTensor"
    assert t.type(ember.FloatTensor) is t
    assert ember.LongTensor([1.7]).tolist() == [1]
    with pytest.raises(TypeError, match="dtype"):
        ember.FloatTensor(ember.ones(2, dtype=ember.float64))


# --- filled tensors -------------------------------------------------------------------------


@pytest.mark.parametrize("make", [ember.zeros, ember.ones, ember.empty, ember.rand, ember.randn])
@pytest.mark.parametrize("size", [(2, 3), ((2, 3),), ([2, 3],), (ember.Size([2, 3]),)])
def test_size_arguments_in_every_form(make, size):
    assert make(*size).shape == (2, 3)


def test_filled_values_and_dtypes():
    np.testing.assert_array_equal(ember.zeros(2, 3).numpy(), np.zeros((2, 3), np.float32))
    np.testing.assert_array_equal(ember.ones(2, dtype=ember.bool).numpy(), [True, True])
    assert ember.zeros(()).shape == () and ember.zeros(()).item() == 0
    assert ember.zeros(0, 3).shape == (0, 3)
    assert ember.full((2,), 3).dtype is ember.int64
    assert ember.full((2,), 3.0).dtype is ember.float32
    assert ember.full((2,), True).dtype is ember.bool
    assert ember.full([2, 1], 7, dtype=ember.float64).tolist() == [[7.0], [7.0]]
    assert ember.full((2,), 1.5, dtype=ember.int64).tolist() == [1, 1]
    assert ember.full((2,), ember.tensor(4)).tolist() == [4, 4]
    assert ember.ones(2, requires_grad=True).requires_grad
    assert ember.zeros(2, device="cpu").device == ember.device("cpu")
    assert ember.ones(2, device=ember.device("cpu")).is_cpu


def test_eye():
    np.testing.assert_array_equal(ember.eye(3).numpy(), np.eye(3, dtype=np.float32))
    np.testing.assert_array_equal(ember.eye(2, 3, dtype=ember.int64).numpy(), np.eye(2, 3, dtype=np.int64))


@pytest.mark.parametrize("make", [ember.zeros, ember.ones, ember.empty, ember.rand, ember.randn])
def test_negative_sizes_are_refused(make):
    with pytest.raises(RuntimeError, match=r"negative dimension -1: \[2, -1\]"):
        make(2, -1)


def test_out_argument_writes_into_the_given_tensor():
    out = ember.empty(5, dtype=ember.int64)
    result = ember.arange(5, out=out)
    assert result is out and out.tolist() == [0, 1, 2, 3, 4]
    grown = ember.empty(1)
    ember.zeros(2, 2, out=grown)
    assert grown.shape == (2, 2) and grown.sum().item() == 0
    target = ember.empty(3)
    ember.linspace(0, 1, 3, out=target)
    assert target.tolist() == [0.0, 0.5, 1.0]


# --- ranges -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args", [(5,), (1, 4), (10, 0, -3), (0, 5, 2), (-5, -1), (0, 1, 0.1), (1, 2.5, 0.5), (1.0, 4), (0, 3, 0.3)]
)
def test_arange_matches_numpy(args):
    t = ember.arange(*args)
    expected = np.arange(*args)
    np.testing.assert_allclose(t.numpy(), expected, rtol=1e-6)
    all_int = all(isinstance(a, int) for a in args)
    assert t.dtype is (ember.int64 if all_int else ember.float32)


def test_arange_with_dtype_and_tensor_bounds():
    assert ember.arange(5, dtype=ember.float64).tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert ember.arange(ember.tensor(3)).tolist() == [0, 1, 2]
    assert ember.arange(0, 5, 2.5, dtype=ember.int64).tolist() == [0, 2, 4]
    assert ember.arange(0).shape == (0,)


def test_arange_errors():
    with pytest.raises(RuntimeError, match="upper bound and lower bound inconsistent with step sign"):
        ember.arange(0, 5, -1)
    with pytest.raises(RuntimeError, match="step must be nonzero"):
        ember.arange(0, 5, 0)


@pytest.mark.parametrize(
    ("start", "end", "steps"), [(0, 1, 5), (-1, 1, 50), (0, 11, 10), (-10, 10, 7), (2, 3, 1), (5, -5, 4)]
)
def test_linspace_values(start, end, steps):
    t = ember.linspace(start, end, steps)
    assert t.dtype is ember.float32 and t.shape == (steps,)
    np.testing.assert_allclose(t.numpy(), np.linspace(start, end, steps), rtol=1e-6, atol=1e-6)
    assert t[0].item() == start and t[-1].item() == (end if steps > 1 else start)


def test_linspace_counts_from_both_ends():
    # PyTorch fills the second half backwards from `end`; the middle value shows the rounding.
    t = ember.linspace(-10, 10, 7)
    assert t[3].item() == pytest.approx(2.384185791015625e-07, abs=0)


def test_linspace_dtypes_and_errors():
    assert ember.linspace(0, 10, 5, dtype=ember.int64).tolist() == [0, 2, 5, 7, 10]
    assert ember.linspace(0, 1, 3, dtype=ember.float64).tolist() == [0.0, 0.5, 1.0]
    assert ember.linspace(0, 1, 0).shape == (0,)
    assert ember.linspace(ember.tensor(0.0), ember.tensor(1.0), 3).tolist() == [0.0, 0.5, 1.0]
    with pytest.raises(RuntimeError, match="number of steps must be non-negative"):
        ember.linspace(0, 1, -1)


def test_logspace_and_range():
    np.testing.assert_allclose(ember.logspace(0, 2, 3).numpy(), [1.0, 10.0, 100.0], rtol=1e-6)
    assert ember.range(0, 4).tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]


# --- *_like and new_* ------------------------------------------------------------------------


def test_like_functions_copy_shape_dtype_and_device():
    source = ember.ones(2, 3, dtype=ember.int32)
    for like in (ember.zeros_like, ember.ones_like, ember.empty_like):
        made = like(source)
        assert made.shape == (2, 3) and made.dtype is ember.int32 and made.device == source.device
    assert ember.zeros_like(source).sum().item() == 0
    assert ember.ones_like(source, dtype=ember.float64).dtype is ember.float64
    assert ember.full_like(source, 7).tolist() == [[7, 7, 7], [7, 7, 7]]
    assert ember.full_like(ember.ones(2, dtype=ember.int64), 2.7).tolist() == [2, 2]
    assert ember.rand_like(ember.ones(2, dtype=ember.float64)).dtype is ember.float64
    assert ember.randn_like(ember.ones(2, 3)).shape == (2, 3)
    assert ember.zeros_like(source, dtype=ember.float32, requires_grad=True).requires_grad


def test_new_methods_inherit_dtype_and_device():
    base = ember.ones(2, dtype=ember.int32)
    assert base.new_ones(3).tolist() == [1, 1, 1] and base.new_ones(3).dtype is ember.int32
    assert base.new_zeros(2, 2).shape == (2, 2) and base.new_zeros((2, 2)).dtype is ember.int32
    assert base.new_empty(4).shape == (4,)
    double = ember.ones(2, dtype=ember.float64)
    assert double.new_full((2,), 3).tolist() == [3.0, 3.0] and double.new_full((2,), 3).dtype is ember.float64
    assert double.new_tensor([1, 2]).dtype is ember.float64
    assert double.new_tensor(np.array([1, 2], dtype=np.int32)).dtype is ember.float64
    assert double.new_ones(2, dtype=ember.int64).dtype is ember.int64


# --- NumPy interop -------------------------------------------------------------------------------


def test_from_numpy_shares_memory_both_ways():
    array = np.zeros(3)
    t = ember.from_numpy(array)
    assert t.dtype is ember.float64
    t.add_(1)
    assert array.tolist() == [1.0, 1.0, 1.0]
    array[0] = 5
    assert t[0].item() == 5
    transposed = ember.from_numpy(np.arange(6.0).reshape(2, 3).T)
    assert transposed.stride() == (1, 3)


@pytest.mark.needs_dtype("float16")
def test_from_numpy_takes_float16():
    assert ember.from_numpy(np.arange(3, dtype=np.float16)).dtype is ember.float16


def test_from_numpy_errors():
    with pytest.raises(TypeError, match="expected np.ndarray"):
        ember.from_numpy([1, 2])
    with pytest.raises(TypeError, match="can't convert np.ndarray of type"):
        ember.from_numpy(np.array(["a"]))


def test_as_tensor_shares_when_it_can():
    array = np.zeros(2)
    ember.as_tensor(array).add_(1)
    assert array.tolist() == [1.0, 1.0]
    converted = ember.as_tensor(array, dtype=ember.float32)
    converted.add_(1)
    assert array.tolist() == [1.0, 1.0]
    assert ember.as_tensor([1, 2]).dtype is ember.int64
    assert ember.as_tensor([1, 2], dtype=ember.float64).tolist() == [1.0, 2.0]
    same = ember.ones(2)
    assert ember.as_tensor(same) is same


def test_tensor_accepts_objects_with_array_interface():
    class Wrapped:
        def __array__(self, dtype=None, copy=None):
            return np.arange(3, dtype=np.int32)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = ember.tensor(Wrapped())
    assert t.dtype is ember.int32 and t.tolist() == [0, 1, 2]


# --- ember.Size --------------------------------------------------------------------------------


def test_size_is_a_tuple_that_prints_like_pytorch():
    size = ember.Size([2, 3])
    assert repr(size) == "ember.Size([2, 3])" and str(size) == "ember.Size([2, 3])"
    assert size == (2, 3) and isinstance(size, tuple)
    assert size.numel() == 6 and ember.Size([]).numel() == 1
    for derived in (size[1:], size + (4,), (1,) + size, size * 2, 2 * size):
        assert type(derived) is ember.Size
    assert size[0] == 2 and type(size[0]) is int
    assert (size * 2) == (2, 3, 2, 3)
    assert ember.ones(2, 3).shape == size and type(ember.ones(2, 3).shape) is ember.Size


def test_size_pickles():
    import pickle

    size = ember.Size([4, 5])
    restored = pickle.loads(pickle.dumps(size))
    assert restored == size and type(restored) is ember.Size


@pytest.mark.parametrize("make", [ember.zeros, ember.ones, ember.empty, ember.rand, ember.randn])
def test_size_keyword(make):
    assert make(size=(2, 3)).shape == (2, 3)
    assert make(size=[4]).shape == (4,)
    with pytest.raises(TypeError, match="got multiple values for argument 'size'"):
        make(2, size=(2,))
    with pytest.raises(TypeError, match="unexpected keyword argument 'shape'"):
        make(shape=(2,))


def test_legacy_new_method():
    base = ember.ones(2, dtype=ember.int32)
    assert base.new(2, 3).shape == (2, 3) and base.new(2, 3).dtype is ember.int32
    assert ember.ones(2).new([1, 2]).tolist() == [1.0, 2.0]
    assert ember.ones(2).new().shape == (0,)
    with pytest.raises(TypeError, match="expected a tensor of dtype ember.float64"):
        ember.ones(2, dtype=ember.float64).new(ember.tensor([1, 2]))
