"""Ops given an operand or value they cannot use raise PyTorch's exception type with a message
that names the op, what was wrong and what to do (instead of NumPy's errors or a wrong result)."""

import re

import ember
import numpy as np
import pytest


def test_matmul_operator_with_a_number_is_pythons_type_error():
    x = ember.ones(2, 3)
    with pytest.raises(TypeError, match=re.escape("unsupported operand type(s) for @: 'Tensor' and 'int'")):
        x @ 2
    with pytest.raises(TypeError, match=re.escape("unsupported operand type(s) for @: 'int' and 'Tensor'")):
        2 @ x


@pytest.mark.parametrize(
    ("call", "role", "kind"),
    [(lambda x: ember.matmul(x, 2), "other", "int"), (lambda x: ember.matmul("a", x), "input", "str")],
)
def test_matmul_function_names_the_argument_that_is_no_tensor(call, role, kind):
    with pytest.raises(TypeError, match=rf"matmul\(\): argument '{role}' must be Tensor, not {kind}; convert it"):
        call(ember.ones(3, 3))


@pytest.mark.parametrize("operand", ["a", None, [1.0, 2.0, 3.0], object()])
def test_arithmetic_operators_with_a_non_number_are_pythons_type_error(operand):
    x = ember.ones(2, 3)
    kind = type(operand).__name__
    with pytest.raises(TypeError, match=re.escape(f"unsupported operand type(s) for +: 'Tensor' and '{kind}'")):
        x + operand
    with pytest.raises(TypeError, match=re.escape(f"'<' not supported between instances of 'Tensor' and '{kind}'")):
        x < operand


@pytest.mark.parametrize("operand", [None, object()])
def test_a_non_number_on_the_left_of_an_operator_is_pythons_type_error(operand):
    kind = type(operand).__name__
    with pytest.raises(TypeError, match=re.escape(f"unsupported operand type(s) for -: '{kind}' and 'Tensor'")):
        operand - ember.ones(2)


@pytest.mark.parametrize("name", ["add", "mul", "eq", "lt", "maximum"])
def test_binary_functions_name_the_argument_that_is_no_number(name):
    with pytest.raises(TypeError, match=rf"{name}\(\): argument 'other' must be Tensor or Number, not str; convert"):
        getattr(ember, name)(ember.ones(2), "a")


def test_in_place_operator_with_a_string_is_a_type_error():
    x = ember.ones(2)
    with pytest.raises(TypeError, match="must be Tensor or Number, not str"):
        x.add_("a")
    np.testing.assert_array_equal(x.numpy(), [1.0, 1.0])


def test_numbers_of_every_kind_still_work_as_operands():
    x = ember.tensor([1.0, 2.0])
    for number in (2, 2.0, True, np.float32(2.0), np.int64(2), np.bool_(True)):
        assert (x * number).shape == (2,)
    np.testing.assert_array_equal((x + np.array([1.0, 1.0])).numpy(), [2.0, 3.0])


@pytest.mark.parametrize("other", [None, "a", [1, 2], object()])
def test_equality_with_something_that_is_no_tensor_or_number_is_a_plain_bool(other):
    x = ember.ones(2, 3)
    assert (x == other) is False
    assert (x != other) is True
    if x == None:  # noqa: E711 -- the idiom this supports
        pytest.fail("a tensor equals None")


def test_equality_with_numbers_is_still_elementwise():
    np.testing.assert_array_equal((ember.tensor([1, 2]) == 2).numpy(), [False, True])
    np.testing.assert_array_equal((ember.tensor([1, 2]) != 2).numpy(), [True, False])


@pytest.mark.parametrize("in_place", [False, True])
def test_masked_fill_with_a_mask_that_does_not_broadcast_names_both_shapes(in_place):
    x, mask = ember.ones(2, 3), ember.ones(3, 2, dtype=ember.bool)
    call = x.masked_fill_ if in_place else x.masked_fill
    with pytest.raises(RuntimeError, match=re.escape("masked_fill: shapes [2, 3] and [3, 2] don't broadcast")):
        call(mask, 0.0)
    np.testing.assert_array_equal(x.numpy(), np.ones((2, 3)))


def test_masked_fill_with_a_tensor_value_and_a_bad_mask_names_both_shapes():
    with pytest.raises(RuntimeError, match=r"size of tensor a \(3\) must match the size of tensor b \(2\)"):
        ember.ones(2, 3).masked_fill(ember.ones(3, 2, dtype=ember.bool), ember.tensor(0.0))


def test_masked_fill_still_broadcasts_the_mask():
    out = ember.zeros(2, 3).masked_fill(ember.tensor([True, False, True]), 1.0)
    np.testing.assert_array_equal(out.numpy(), [[1, 0, 1], [1, 0, 1]])


@pytest.mark.parametrize(
    ("dtype", "value", "range_text"),
    [
        (ember.uint8, 300, "uint8 holds [0, 255]"),
        (ember.int8, -1000, "int8 holds [-128, 127]"),
        (ember.float16, 1e40, "float16 holds [-65504, 65504]"),
    ],
)
def test_fill_with_a_value_the_dtype_cannot_hold_is_refused(dtype, value, range_text):
    x = ember.zeros(2, dtype=dtype)
    with pytest.raises(RuntimeError, match=rf"without overflow: fill_\(\) got fill_value=.*{re.escape(range_text)}"):
        x.fill_(value)
    np.testing.assert_array_equal(x.numpy(), [0, 0])


def test_fill_with_a_string_is_a_type_error():
    with pytest.raises(TypeError, match=r"fill_\(\): argument 'fill_value' must be Number, not str"):
        ember.zeros(2).fill_("a")


@pytest.mark.parametrize(
    ("dtype", "value", "expected"),
    [(ember.uint8, -1, 255), (ember.float16, float("inf"), np.inf), (ember.float32, 2.5, 2.5), (ember.int64, 7, 7)],
)
def test_fill_values_in_range_or_wrapping_as_in_pytorch_are_stored(dtype, value, expected):
    np.testing.assert_array_equal(ember.zeros(2, dtype=dtype).fill_(value).numpy(), [expected, expected])


def test_fill_keeps_recording_history():
    x = ember.zeros(2, requires_grad=True).clone()
    x.fill_(3.0)
    assert x.grad_fn is not None
    np.testing.assert_array_equal(x.detach().numpy(), [3.0, 3.0])
