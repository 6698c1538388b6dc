"""How tensors with autograd state print: requires_grad=, grad_fn=<...>, dtype= and node reprs.

The number formatting itself is tested in test_printing.py; these literals are PyTorch
2.13's output with `torch.` replaced by `ember.`.
"""

import re

import ember


def test_leaf_that_requires_grad(capsys):
    x = ember.ones(2, 2, requires_grad=True)
    print(x)
    assert capsys.readouterr().out == "tensor([[1., 1.],\n        [1., 1.]], requires_grad=True)\n"


def test_results_show_their_grad_fn(capsys):
    x = ember.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    print(y)
    print(z, out)
    assert capsys.readouterr().out == (
        "tensor([[3., 3.],\n        [3., 3.]], grad_fn=<AddBackward0>)\n"
        "tensor([[27., 27.],\n        [27., 27.]], grad_fn=<MulBackward0>) tensor(27., grad_fn=<MeanBackward0>)\n"
    )


def test_dtype_suffix_comes_before_autograd_flags():
    x = ember.tensor([1.0, 2.0], dtype=ember.float64, requires_grad=True)
    assert repr(x) == "tensor([1., 2.], dtype=ember.float64, requires_grad=True)"
    assert repr(x * 2) == "tensor([2., 4.], dtype=ember.float64, grad_fn=<MulBackward0>)"
    assert repr(x.sum()) == "tensor(3., dtype=ember.float64, grad_fn=<SumBackward0>)"
    assert str(x * 2) == repr(x * 2)


def test_no_flags_without_history():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x.detach()) == "tensor([1., 2.])"
    with ember.no_grad():
        assert repr(x * 2) == "tensor([2., 4.])"
    assert repr(ember.tensor([1, 2])) == "tensor([1, 2])"


def test_gradient_prints_plainly():
    x = ember.ones(2, 2, requires_grad=True)
    ((x + 2) * (x + 2) * 3).mean().backward()
    assert repr(x.grad) == "tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])"


def test_grad_fn_and_accumulate_grad_print_as_objects(capsys):
    x = ember.ones(2, 2, requires_grad=True)
    y = x + 2
    print(y.grad_fn)
    print(y.grad_fn.next_functions)
    out = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"<AddBackward0 object at 0x[0-9a-f]+>", out[0])
    assert re.fullmatch(r"\(\(<AccumulateGrad object at 0x[0-9a-f]+>, 0\), \(None, 0\)\)", out[1])


def test_iteration_and_indexing_results_show_their_nodes():
    x = ember.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    first = next(iter(x))
    assert repr(first) == "tensor([1., 2.], grad_fn=<UnbindBackward0>)"
    assert repr(x[0]) == "tensor([1., 2.], grad_fn=<SelectBackward0>)"


def test_custom_function_node_in_repr():
    class Double(ember.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            return t * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    y = Double.apply(ember.tensor([1.0], requires_grad=True))
    assert repr(y) == "tensor([2.], grad_fn=<DoubleBackward>)"


def test_scalar_loss_formats_like_the_tutorials():
    w = ember.tensor(1.0, requires_grad=True)
    b = ember.tensor(3.0, requires_grad=True)
    loss = (w * 2 + b - 4) ** 2
    assert repr(loss) == "tensor(1., grad_fn=<PowBackward0>)"
    loss.backward()
    assert (repr(w.grad), repr(b.grad)) == ("tensor(4.)", "tensor(2.)")
