"""In-place ops on tensors with history: only what a gradient needs is saved, as in PyTorch."""

import ember
import numpy as np
import pytest


def test_copy_into_a_tensor_scaled_by_a_scalar_keeps_backward_working():
    x = ember.ones(3, requires_grad=True)
    y = x * 1
    y.copy_(y * 2)  # y * 2 needs only the scalar for y's gradient: y itself is not saved
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0, 2.0])


def test_product_of_two_tensors_still_saves_both_operands():
    x = ember.ones(3, requires_grad=True)
    w = ember.full((3,), 2.0, requires_grad=True)
    y = x * 1
    z = y * w
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


@pytest.mark.parametrize(("low", "high", "expected"), [(0.0, 0.5, [0.0, 0.0]), (0.0, 2.0, [1.0, 1.0])])
def test_clamp_in_place_on_a_non_leaf_differentiates(low, high, expected):
    x = ember.ones(2, requires_grad=True)
    y = x * 1
    y.clamp_(low, high)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), expected)
    assert y.grad_fn.name() == "ClampBackward1"


def test_leaves_never_share_a_gradient_buffer():
    a = ember.ones(3, requires_grad=True)
    b = ember.ones(3, requires_grad=True)
    (a + b).sum().backward()  # the same gradient flows to both leaves
    a.grad.add_(1)
    np.testing.assert_allclose(b.grad.numpy(), [1.0, 1.0, 1.0])
    c = ember.ones(2, 3, requires_grad=True)
    (c * 2).sum().backward()
    c.grad.add_(1)
    (c * 2).sum().backward()
    np.testing.assert_allclose(c.grad.numpy(), np.full((2, 3), 5.0))
