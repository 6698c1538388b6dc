"""Autograd misuse raises PyTorch's exception type with a message that says what to do."""

import ember
import numpy as np
import pytest


def leaf(values):
    return ember.tensor(values, requires_grad=True)


def test_backward_twice_through_a_freed_graph():
    a = leaf([1.0, 2.0])
    c = a.exp() * 2
    c.sum().backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time") as info:
        c.sum().backward()
    assert "retain_graph=True" in str(info.value)


def test_freed_graph_also_for_scalar_multiplication():
    a = leaf(2.0)
    y = a * 3
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_autograd_grad_frees_the_graph_too():
    a = leaf([1.0])
    y = (a * a).sum()
    ember.autograd.grad(y, a)
    with pytest.raises(RuntimeError, match="second time"):
        ember.autograd.grad(y, a)


def test_in_place_change_of_a_saved_input():
    a = leaf([1.0, 2.0])
    b = a * 1
    c = b.exp() * b  # mul saves b
    b.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation") as info:
        c.sum().backward()
    message = str(info.value)
    assert "[ember.FloatTensor [2]]" in message
    assert "is at version 1; expected version 0 instead" in message
    assert "MulBackward0" in message and ".clone()" in message


def test_in_place_change_of_a_saved_output():
    a = leaf([1.0, 2.0])
    b = a.sigmoid()  # sigmoid's backward reads its output
    b.mul_(2)
    with pytest.raises(RuntimeError, match="which is output 0 of SigmoidBackward0, is at version 1"):
        b.sum().backward()


def test_in_place_change_through_a_view_bumps_the_shared_version():
    a = leaf([1.0, 2.0, 3.0])
    b = a * 1
    c = b * b
    b[1:].mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        c.sum().backward()


def test_in_place_change_of_an_unsaved_tensor_is_fine():
    a = leaf([1.0, 2.0, 3.0])
    b = a * 1
    view = b[1:]
    e = view.exp()  # exp saves its output, not its input
    view.mul_(2)
    e.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [0.0, np.exp(2.0), np.exp(3.0)], rtol=1e-6)


def test_in_place_op_on_a_leaf_that_requires_grad():
    x = leaf([1.0, 2.0])
    with pytest.raises(
        RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"
    ) as info:
        x.add_(1)
    assert "no_grad" in str(info.value)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x *= 2
    with ember.no_grad():
        x.add_(1)
    np.testing.assert_allclose(x.detach().numpy(), [2.0, 3.0])


def test_non_scalar_backward_without_gradient():
    y = leaf([1.0, 2.0, 3.0]) * 2
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs") as info:
        y.backward()
    assert "[3]" in str(info.value) and "ones_like" in str(info.value)


def test_gradient_of_the_wrong_shape():
    y = leaf([1.0, 2.0]) * 2
    with pytest.raises(RuntimeError, match=r"Mismatch in shape: grad_output\[0\] has a shape of ember.Size\(\[3\]\)"):
        y.backward(ember.ones(3))


def test_backward_of_a_tensor_without_history():
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad and does not have a grad_fn"):
        ember.tensor([1.0]).sum().backward()
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        (x > 1).sum().backward()


def test_grad_with_respect_to_a_tensor_that_does_not_require_grad():
    w = leaf(2.0)
    with pytest.raises(RuntimeError, match="One of the differentiated Tensors does not require grad"):
        ember.autograd.grad(w * 2, [ember.tensor(1.0)])


def test_numpy_of_a_tensor_that_requires_grad():
    x = leaf([1.0])
    with pytest.raises(
        RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad. Use tensor.detach\(\).numpy\(\)"
    ):
        x.numpy()
    with pytest.raises(RuntimeError, match="requires grad"):
        np.asarray(x)
    assert x.detach().numpy().tolist() == [1.0]


def test_setting_requires_grad_on_a_non_leaf():
    y = leaf([1.0]) * 2
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf variables") as info:
        y.requires_grad = False
    assert "detach()" in str(info.value)
    with pytest.raises(RuntimeError, match="leaf variables"):
        y.requires_grad = True
    with pytest.raises(RuntimeError, match="leaf variables"):
        y.requires_grad_(False)


def test_integer_tensor_cannot_require_grad():
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require gradients") as info:
        ember.tensor([1, 2]).requires_grad_()
    assert "int64" in str(info.value) and ".float()" in str(info.value)
    with pytest.raises(RuntimeError, match="floating point"):
        ember.tensor([1, 2], requires_grad=True)


def test_hooks_on_tensors_that_do_not_require_grad():
    with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that doesn't require gradient"):
        ember.tensor([1.0]).register_hook(lambda g: g)
    with pytest.raises(RuntimeError, match="can't retain_grad on Tensor that has requires_grad=False"):
        ember.tensor([1.0]).retain_grad()
    with pytest.raises(RuntimeError, match="non-leaf"):
        (leaf([1.0]) * 2).register_post_accumulate_grad_hook(lambda t: None)


def test_hook_that_changes_the_gradient_shape():
    x = leaf([2.0])
    x.register_hook(lambda g: ember.ones(3))
    with pytest.raises(RuntimeError, match="hook '<lambda>' has changed the size of value"):
        (x * 2).sum().backward()


def test_hook_that_returns_something_else():
    x = leaf([2.0])
    x.register_hook(lambda g: g.numpy())
    with pytest.raises(TypeError, match="must return a Tensor or None"):
        (x * 2).sum().backward()


def test_assigning_a_bad_grad():
    x = leaf([1.0, 2.0])
    with pytest.raises(
        RuntimeError, match="attempting to assign a gradient of size '\\[3\\]' to a tensor of size '\\[2\\]'"
    ):
        x.grad = ember.zeros(3)
    with pytest.raises(RuntimeError, match="assigned grad has data of a different type"):
        x.grad = ember.zeros(2, dtype=ember.float64)
    with pytest.raises(TypeError, match="assigned grad expected to be a Tensor or None"):
        x.grad = 3
    x.grad = ember.ones(2)
    del x.grad
    assert x.grad is None


def test_deepcopy_of_a_non_leaf():
    import copy

    with pytest.raises(
        RuntimeError, match=r"Only Tensors created explicitly by the user \(graph leaves\) support the deepcopy"
    ):
        copy.deepcopy(leaf([1.0]) * 2)


def test_gradcheck_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        ember.autograd.gradcheck(lambda t: t * 2, (ember.tensor([1.0], dtype=ember.float64),))
