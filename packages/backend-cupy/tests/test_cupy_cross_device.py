"""One op, tensors on two devices: PyTorch's RuntimeError, naming the op, both devices and the fix."""

import ember
import numpy as np
import pytest

CASES = {
    "add": lambda c, g, i: c + g,
    "mul_reflected": lambda c, g, i: g * c,
    "add_": lambda c, g, i: g.add_(c),
    "eq": lambda c, g, i: g == c,
    "pow": lambda c, g, i: g**c,
    "maximum": lambda c, g, i: ember.maximum(g, c),
    "matmul": lambda c, g, i: c @ g.t(),
    "mm": lambda c, g, i: ember.mm(g, c.t()),
    "bmm": lambda c, g, i: ember.bmm(g[None], c.t()[None]),
    "dot": lambda c, g, i: ember.dot(g[0], c[0]),
    "mv": lambda c, g, i: ember.mv(g, c[0]),
    "cat": lambda c, g, i: ember.cat([c, g]),
    "stack": lambda c, g, i: ember.stack([g, c]),
    "where_condition": lambda c, g, i: ember.where(c > 0, g, g),
    "where_value": lambda c, g, i: ember.where(g > 0, g, c),
    "index_with_cpu_indices": lambda c, g, i: g[i],
    "index_with_cuda_indices": lambda c, g, i: c[i.cuda()],
    "mask_from_cpu": lambda c, g, i: g[c > 0],
    "setitem_value": lambda c, g, i: g.__setitem__(0, c[0]),
    "setitem_indices": lambda c, g, i: g.__setitem__(i, 0.0),
    "index_put_": lambda c, g, i: g.index_put_((i.cuda(),), c[:2]),
    "gather": lambda c, g, i: g.gather(1, i[:, None]),
    "scatter_index": lambda c, g, i: g.scatter(1, i[:, None], 1.0),
    "scatter_src": lambda c, g, i: g.scatter(1, i[:, None].cuda(), c[:2, :1]),
    "index_select": lambda c, g, i: g.index_select(0, i),
    "index_add_index": lambda c, g, i: g.index_add(0, i, g[:2]),
    "index_add_source": lambda c, g, i: g.index_add(0, i.cuda(), c[:2]),
    "masked_fill_mask": lambda c, g, i: g.masked_fill(c > 0, 0.0),
    "masked_select": lambda c, g, i: ember.masked_select(g, c > 0),
    "clamp_bounds": lambda c, g, i: g.clamp(min=c),
}


@pytest.fixture
def tensors(sim):
    cpu = ember.randn(3, 4)
    return cpu, cpu.cuda(), ember.tensor([0, 2])


@pytest.mark.parametrize("case", sorted(CASES))
def test_mixing_cpu_and_cuda_raises(tensors, case):
    with pytest.raises(RuntimeError) as error:
        CASES[case](*tensors)
    message = str(error.value)
    assert message.startswith("Expected all tensors to be on the same device, but found at least two devices")
    assert "cpu" in message and "cuda:0" in message
    assert ".to('cpu')" in message and ".to('cuda:0')" in message


def test_message_names_the_op_and_the_shapes(tensors):
    cpu, gpu, _ = tensors
    with pytest.raises(RuntimeError, match=r"\(in matmul: tensors of shape \[3, 4\] on cpu and \[4, 3\] on cuda:0\)"):
        cpu @ gpu.t()


def test_two_gpus_do_not_mix(sim):
    a, b = ember.ones(2, device="cuda:0"), ember.ones(2, device="cuda:1")
    with pytest.raises(RuntimeError, match="found at least two devices, cuda:0 and cuda:1! \\(in add"):
        a + b
    with pytest.raises(RuntimeError, match="in stack"):
        ember.stack([a, b])
    assert (a + b.to("cuda:0")).tolist() == [2.0, 2.0], "the fix the message names works"


def test_a_zero_dim_cpu_value_fills_a_gpu_tensor(sim):
    value = ember.tensor(5.0, requires_grad=True)
    x = ember.zeros(3, device="cuda")
    filled = x.masked_fill(ember.tensor([True, False, True], device="cuda"), value)
    assert filled.device == "cuda:0" and filled.tolist() == [5.0, 0.0, 5.0]
    filled.sum().backward()
    assert value.grad.device == "cpu" and value.grad.item() == 2.0


def test_scalars_and_index_lists_go_with_any_device(sim):
    ember.cuda.set_device(1)
    g = ember.ones(2, 2, device="cuda:1")
    assert (g * 2 + 1).device == "cuda:1"
    g[[0, 1], [1, 0]] = 5.0
    g[0, 0] = 7.0
    assert g.tolist() == [[7.0, 5.0], [5.0, 1.0]]
    assert g[[1]].device == "cuda:1" and g[[1]].tolist() == [[5.0, 1.0]]


@pytest.mark.parametrize("shape", [(), (1,), (2, 3)])
def test_a_move_between_devices_keeps_the_shape(sim, shape):
    x = ember.arange(float(np.prod(shape)), device="cuda:1").reshape(shape)
    moved = x.to("cuda:0")
    assert moved.device == ember.device("cuda", 0) and moved.shape == shape
    assert moved.tolist() == x.tolist()
