"""CUDA tensors print as PyTorch prints them on a GPU, and refuse to become NumPy arrays."""

import ember
import numpy as np
import pytest

NUMPY_ERROR = (
    "can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory first."
)


def test_repr_names_the_device(sim):
    assert repr(ember.ones(2, 2, device="cuda")) == "tensor([[1., 1.],\n        [1., 1.]], device='cuda:0')"
    assert repr(ember.tensor([1, 2], device="cuda:1")) == "tensor([1, 2], device='cuda:1')"
    assert repr(ember.tensor(2.5, device="cuda", dtype=ember.float64)) == (
        "tensor(2.5000, device='cuda:0', dtype=ember.float64)"
    )
    assert repr(ember.zeros(0, device="cuda")) == "tensor([], device='cuda:0')"


def test_repr_with_autograd(sim):
    x = ember.ones(2, device="cuda", requires_grad=True)
    assert repr(x) == "tensor([1., 1.], device='cuda:0', requires_grad=True)"
    assert repr(x * 2) == "tensor([2., 2.], device='cuda:0', grad_fn=<MulBackward0>)"
    assert repr(x.sum()) == "tensor(2., device='cuda:0', grad_fn=<SumBackward0>)"


def test_long_tensors_are_summarised(sim):
    text = repr(ember.arange(1000.0, 3000.0, device="cuda"))
    assert text == "tensor([1000., 1001., 1002.,  ..., 2997., 2998., 2999.], device='cuda:0')"


def test_cpu_tensors_do_not_name_a_device(sim):
    assert repr(ember.ones(2, device="cuda").cpu()) == "tensor([1., 1.])"


def test_numpy_refuses_cuda_tensors(sim):
    x = ember.ones(3, device="cuda")
    with pytest.raises(TypeError) as error:
        x.numpy()
    assert str(error.value) == NUMPY_ERROR
    with pytest.raises(TypeError, match="Use Tensor.cpu\\(\\) to copy the tensor to host memory first"):
        np.asarray(x)
    with pytest.raises(TypeError, match="can't convert cuda:1 device type tensor to numpy"):
        np.array(ember.ones(1, device="cuda:1"))
    np.testing.assert_array_equal(x.cpu().numpy(), [1.0, 1.0, 1.0])


def test_requires_grad_is_reported_first(sim):
    x = ember.ones(1, device="cuda", requires_grad=True)
    with pytest.raises(RuntimeError, match="Can't call numpy\\(\\) on Tensor that requires grad"):
        x.numpy()


def test_python_values_come_back_from_the_gpu(sim):
    assert ember.tensor([[1.5, 2.0]], device="cuda:1").tolist() == [[1.5, 2.0]], "read from any device"
    x = ember.tensor([[1.5, 2.0], [3.0, 4.0]], device="cuda")
    assert x.tolist() == [[1.5, 2.0], [3.0, 4.0]]
    assert x[0, 0].item() == 1.5 and float(x[1, 1]) == 4.0
    assert int(ember.tensor(3, device="cuda")) == 3 and bool(ember.tensor(True, device="cuda"))
    assert [row.tolist() for row in x] == [[1.5, 2.0], [3.0, 4.0]]
    assert f"{x.sum():.2f}" == "10.50"
    assert x.type() == "ember.cuda.FloatTensor"
