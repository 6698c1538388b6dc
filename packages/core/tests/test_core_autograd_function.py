"""Custom autograd.Function: ctx, saved tensors, several outputs, gradcheck and gradgradcheck."""

import re

import ember
import numpy as np
import pytest
from ember.autograd import Function, GradcheckError, gradcheck, gradgradcheck


class Exp(Function):
    @staticmethod
    def forward(ctx, i):
        result = i.exp()
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        (result,) = ctx.saved_tensors
        return grad_output * result


class MyReLU(Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


class WrongSquare(Function):
    """Backward forgets the factor 2."""

    @staticmethod
    def forward(ctx, i):
        ctx.save_for_backward(i)
        return i * i

    @staticmethod
    def backward(ctx, g):
        (i,) = ctx.saved_tensors
        return g * i


class CubeWithDetachedBackward(Function):
    """First derivative right, but computed from a detached input: its own derivative is wrong."""

    @staticmethod
    def forward(ctx, i):
        ctx.save_for_backward(i)
        return i**3

    @staticmethod
    def backward(ctx, g):
        (i,) = ctx.saved_tensors
        return g * 3 * i.detach() ** 2


class Cube(Function):
    @staticmethod
    def forward(ctx, i):
        ctx.save_for_backward(i)
        return i**3

    @staticmethod
    def backward(ctx, g):
        (i,) = ctx.saved_tensors
        return g * 3 * i**2


class ScaledProductAndSum(Function):
    """Two outputs, a non-tensor argument, a tensor argument that may not require grad."""

    @staticmethod
    def forward(ctx, a, b, k):
        ctx.k = k
        ctx.save_for_backward(a, b)
        return a * b * k, a + b

    @staticmethod
    def backward(ctx, g_product, g_sum):
        a, b = ctx.saved_tensors
        ctx.seen_needs = ctx.needs_input_grad
        return g_product * b * ctx.k + g_sum, g_product * a * ctx.k + g_sum, None


def double(values):
    return ember.tensor(values, dtype=ember.float64, requires_grad=True)


X = [-1.5, -0.25, 0.5, 2.0]


def test_custom_exp_values_gradient_and_node():
    x = double(X)
    y = Exp.apply(x)
    np.testing.assert_allclose(y.detach().numpy(), np.exp(X))
    assert type(y.grad_fn).__name__ == "ExpBackward"
    assert re.fullmatch(r"<ember\.autograd\.function\.ExpBackward object at 0x[0-9a-f]+>", repr(y.grad_fn))
    assert "grad_fn=<ExpBackward>" in repr(y)
    ((node, nr),) = y.grad_fn.next_functions
    assert node.variable is x and nr == 0
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp(X))


def test_ctx_is_the_node_and_saved_outputs_carry_their_history():
    x = double(X)
    y = Exp.apply(x)
    (saved,) = y.grad_fn.saved_tensors
    assert saved.grad_fn is y.grad_fn and saved.requires_grad
    np.testing.assert_allclose(saved.detach().numpy(), np.exp(X))


def test_custom_relu_and_gradcheck():
    x = double(X)
    y = MyReLU.apply(x)
    np.testing.assert_allclose(y.detach().numpy(), np.maximum(X, 0))
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.0, 1.0, 1.0])
    assert gradcheck(MyReLU.apply, (double(X),))
    assert gradcheck(Exp.apply, (double(X),))


def test_gradcheck_detects_a_wrong_backward():
    with pytest.raises(GradcheckError, match="Jacobian mismatch for output 0 with respect to input 0") as info:
        gradcheck(WrongSquare.apply, (double(X),))
    message = str(info.value)
    assert "numerical:tensor(" in message and "analytical:tensor(" in message
    assert gradcheck(WrongSquare.apply, (double(X),), raise_exception=False) is False


def test_gradcheck_reports_which_output_and_input():
    def two_outputs(a, b):
        return a * 2, WrongSquare.apply(b)

    with pytest.raises(GradcheckError, match="for output 1 with respect to input 1"):
        gradcheck(two_outputs, (double([1.0, 2.0]), double([3.0])))


def test_gradgradcheck_detects_a_wrong_second_derivative():
    assert gradcheck(CubeWithDetachedBackward.apply, (double(X),))
    assert gradgradcheck(CubeWithDetachedBackward.apply, (double(X),), raise_exception=False) is False
    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        gradgradcheck(CubeWithDetachedBackward.apply, (double(X),))
    assert gradgradcheck(Cube.apply, (double(X),))
    assert gradgradcheck(lambda t: (t * t).tanh(), (double(X),))


def test_gradcheck_on_non_contiguous_input():
    base = ember.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=ember.float64)
    x = base.t().requires_grad_()
    assert not x.is_contiguous()
    assert gradcheck(lambda t: (t @ t).sum(0), (x,))


def test_gradcheck_warns_on_float32():
    with pytest.warns(UserWarning, match="not a double precision"):
        gradcheck(lambda t: t * 2, (ember.tensor([1.0], requires_grad=True),), eps=1e-2, atol=1e-2)


def test_higher_order_through_a_custom_function():
    x = double([2.0])
    (g,) = ember.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    (gg,) = ember.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(g.detach().numpy(), [12.0])
    np.testing.assert_allclose(gg.numpy(), [12.0])


def test_two_outputs_share_one_node_and_needs_input_grad():
    a = double([1.0, 2.0])
    b = ember.tensor([3.0, 4.0], dtype=ember.float64)
    product, total = ScaledProductAndSum.apply(a, b, 2.0)
    assert product.grad_fn is total.grad_fn
    assert (product.output_nr, total.output_nr) == (0, 1)
    assert [(type(n).__name__ if n else None, nr) for n, nr in product.grad_fn.next_functions] == [
        ("AccumulateGrad", 0),
        (None, 0),
    ]
    (product.sum() + total.sum()).backward()
    np.testing.assert_allclose(a.grad.numpy(), [3 * 2 + 1, 4 * 2 + 1])
    assert product.grad_fn.seen_needs == (True, False, False)


def test_outputs_without_gradient_get_zeros():
    a = double([1.0, 2.0])
    b = ember.tensor([3.0, 4.0], dtype=ember.float64)
    product, _ = ScaledProductAndSum.apply(a, b, 2.0)
    product.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [6.0, 8.0])


def test_using_only_the_second_output():
    a = double([1.0, 2.0])
    b = double([3.0, 4.0])
    _, total = ScaledProductAndSum.apply(a, b, 2.0)
    (total * total).sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), [8.0, 12.0])
    assert gradcheck(lambda a, b: ScaledProductAndSum.apply(a, b, 2.0), (double([1.0, 2.0]), double([3.0, 4.0])))


class ArgSort(Function):
    @staticmethod
    def forward(ctx, x):
        order = ember.tensor(np.argsort(x.detach().numpy()))
        ctx.mark_non_differentiable(order)
        ctx.save_for_backward(order)
        return x[order], order

    @staticmethod
    def backward(ctx, g_values, g_order):
        (order,) = ctx.saved_tensors
        ctx.g_order = g_order
        out = ember.zeros_like(g_values)
        out[order] = g_values
        return out


def test_mark_non_differentiable_output_and_its_zero_gradient():
    x = ember.tensor([3.0, 1.0, 2.0], requires_grad=True)
    values, order = ArgSort.apply(x)
    assert order.tolist() == [1, 2, 0] and not order.requires_grad and order.grad_fn is None
    (values * ember.tensor([1.0, 10.0, 100.0])).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [100.0, 1.0, 10.0])
    assert values.grad_fn.g_order.tolist() == [0, 0, 0]


class NoMaterialize(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.set_materialize_grads(False)
        return x * 2, x * 3

    @staticmethod
    def backward(ctx, g1, g2):
        ctx.received = (g1 is None, g2 is None)
        return (g1 * 2 if g1 is not None else 0) + (g2 * 3 if g2 is not None else 0)


def test_set_materialize_grads_false_passes_none():
    x = double([1.0])
    first, _ = NoMaterialize.apply(x)
    first.sum().backward()
    assert first.grad_fn.received == (False, True)
    np.testing.assert_allclose(x.grad.numpy(), [2.0])


class ReturnsInput(Function):
    @staticmethod
    def forward(ctx, x):
        return x

    @staticmethod
    def backward(ctx, g):
        return g * 2


def test_returning_an_input_gives_a_new_tensor_with_history():
    x = double([1.0, 2.0])
    y = ReturnsInput.apply(x)
    assert y is not x and x.grad_fn is None and y.grad_fn is not None
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


class DoubleInPlace(Function):
    @staticmethod
    def forward(ctx, x):
        x.mul_(2)
        ctx.mark_dirty(x)
        return x

    @staticmethod
    def backward(ctx, g):
        return g * 2


def test_mark_dirty_rebases_the_input_and_refuses_leaves():
    a = double([1.0, 2.0])
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad has been used in an in-place operation"):
        DoubleInPlace.apply(a)  # forward already ran: a is now [2, 4], as in PyTorch
    c = a * 1
    d = DoubleInPlace.apply(c)
    assert d is c and type(c.grad_fn).__name__ == "DoubleInPlaceBackward"
    np.testing.assert_allclose(c.detach().numpy(), [4.0, 8.0])
    c.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [2.0, 2.0])


def test_modified_saved_output_is_detected():
    x = double([1.0, 2.0])
    y = Exp.apply(x)
    y.mul_(2)
    with pytest.raises(RuntimeError, match="which is output 0 of ExpBackward, is at version 1; expected version 0"):
        y.sum().backward()


def test_saved_tensors_are_freed_after_backward():
    x = double([1.0])
    y = Exp.apply(x)
    y.sum().backward()
    with pytest.raises(RuntimeError, match="second time"):
        _ = y.grad_fn.saved_tensors
    z = Exp.apply(x)
    z.sum().backward(retain_graph=True)
    assert len(z.grad_fn.saved_tensors) == 1


class WrongCount(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a * b

    @staticmethod
    def backward(ctx, g):
        return g


class ExtraNone(Function):
    @staticmethod
    def forward(ctx, a):
        return a * 2

    @staticmethod
    def backward(ctx, g):
        return g * 2, None


class GradForNumber(Function):
    @staticmethod
    def forward(ctx, a, k):
        return a * k

    @staticmethod
    def backward(ctx, g):
        return g, g


class WrongShape(Function):
    @staticmethod
    def forward(ctx, a):
        return a * 2

    @staticmethod
    def backward(ctx, g):
        return ember.ones(3, dtype=ember.float64)


def test_backward_result_is_validated():
    a = double([1.0, 2.0])
    with pytest.raises(
        RuntimeError,
        match=r"function WrongCountBackward returned an incorrect number of gradients \(expected 2, got 1\)",
    ):
        WrongCount.apply(a, a).sum().backward()
    ExtraNone.apply(a).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [2.0, 2.0])
    with pytest.raises(
        RuntimeError,
        match="returned a gradient different than None at position 2, but the corresponding forward input was not a Variable",
    ):
        GradForNumber.apply(a, 2.0).sum().backward()
    with pytest.raises(
        RuntimeError,
        match=r"returned an invalid gradient at index 0 - got \[3\] but expected shape compatible with \[2\]",
    ):
        WrongShape.apply(a).sum().backward()


class Broadcasting(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):
        return g, g


def test_backward_gradients_are_summed_to_the_input_shape():
    a = double([[1.0, 2.0], [3.0, 4.0]])
    b = double([10.0, 20.0])
    Broadcasting.apply(a, b).sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), [2.0, 2.0])


class NoCtxForward(Function):
    @staticmethod
    def forward(a, k):
        return a * k

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.k = inputs[1]

    @staticmethod
    def backward(ctx, g):
        return g * ctx.k, None


def test_forward_without_ctx_and_setup_context():
    a = double([1.0, 2.0])
    NoCtxForward.apply(a, 3.0).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [3.0, 3.0])


class OnceDifferentiableSquare(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a * a

    @staticmethod
    @ember.autograd.function.once_differentiable
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        ctx.grad_mode_inside = ember.is_grad_enabled()
        return g * 2 * a


def test_once_differentiable_runs_backward_without_a_graph():
    a = double([3.0])
    y = OnceDifferentiableSquare.apply(a)
    (g,) = ember.autograd.grad(y.sum(), a, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), [6.0])
    assert y.grad_fn.grad_mode_inside is False and not g.requires_grad


def test_no_graph_when_grad_is_disabled_or_not_needed():
    a = double([1.0])
    with ember.no_grad():
        y = Exp.apply(a)
    assert y.grad_fn is None and not y.requires_grad
    z = Exp.apply(ember.tensor([1.0], dtype=ember.float64))
    assert z.grad_fn is None and not z.requires_grad


def test_forward_runs_without_recording():
    class Probe(Function):
        @staticmethod
        def forward(ctx, a):
            ctx.inside = ember.is_grad_enabled()
            return (a * 2).requires_grad_(False) if False else a * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    a = double([1.0])
    y = Probe.apply(a)
    assert y.grad_fn.inside is False
    assert type(y.grad_fn).__name__ == "ProbeBackward"
