"""Moving tensors between the host and (simulated) GPUs: copies, dtypes, autograd, pinned memory, DLPack."""

import ember
import numpy as np
import pytest

# --- to the GPU and back --------------------------------------------------------------------------


def test_cuda_and_to_move_values(sim):
    x = ember.tensor([[1.0, 2.0], [3.0, 4.0]])
    for moved in (x.cuda(), x.to("cuda"), x.to(ember.device("cuda")), x.to(device="cuda:0"), x.cuda(0)):
        assert moved.device == "cuda:0" and moved.dtype is ember.float32
        assert sim.device_index(moved._data) == 0
        np.testing.assert_array_equal(moved.cpu().numpy(), [[1.0, 2.0], [3.0, 4.0]])


def test_to_cpu_with_dtype(sim):
    z = ember.tensor([1.5, -2.0], device="cuda")
    back = z.to("cpu", ember.double)
    assert back.device == "cpu" and back.dtype is ember.float64
    np.testing.assert_array_equal(back.numpy(), [1.5, -2.0])
    other = z.to("cuda:1", ember.int64)
    assert other.device == "cuda:1" and other.dtype is ember.int64
    assert other.tolist() == [1, -2]
    assert z.to("cpu", None).dtype is ember.float32, "a None dtype keeps the dtype"
    like = ember.zeros(1, dtype=ember.float16, device="cuda:1")
    assert z.to(like).device == "cuda:1" and z.to(like).dtype is ember.float16


def test_creation_like_on_a_device(sim):
    x = ember.randn(2, 3)
    device = ember.device("cuda")
    for made, value in (
        (ember.ones_like(x, device=device), 1.0),
        (ember.zeros_like(x, device=device), 0.0),
        (ember.full_like(x, 7.0, device=device), 7.0),
    ):
        assert made.device == "cuda:0" and made.shape == (2, 3) and made.dtype is ember.float32
        np.testing.assert_array_equal(made.cpu().numpy(), np.full((2, 3), value, np.float32))
    y = ember.ones(2, device="cuda:1")
    assert ember.zeros_like(y).device == "cuda:1"
    assert y.new_zeros(3).device == "cuda:1" and y.new_tensor([1, 2]).device == "cuda:1"
    assert ember.empty_like(y).device == "cuda:1" and ember.rand_like(y).device == "cuda:1"


def test_host_and_device_copies_are_independent(sim):
    host = np.arange(3.0)
    x = ember.from_numpy(host)
    gpu = x.cuda()
    host[0] = 100.0
    assert gpu.cpu().tolist() == [0.0, 1.0, 2.0], "the device holds a copy"
    back = gpu.cpu()
    back.add_(1)
    assert gpu.tolist() == [0.0, 1.0, 2.0], "the host gets a copy"
    gpu.mul_(2)
    assert back.tolist() == [1.0, 2.0, 3.0]


def test_to_the_same_device_is_a_no_op(sim):
    x = ember.ones(2, device="cuda")
    assert x.to("cuda") is x and x.to("cuda:0") is x and x.cuda() is x
    copied = x.to("cuda", copy=True)
    assert copied is not x and copied.device == "cuda:0"
    copied.zero_()
    assert x.tolist() == [1.0, 1.0]


def test_between_the_two_gpus(sim):
    x = ember.arange(6.0).reshape(2, 3).cuda()
    on_1 = x.to("cuda:1")
    assert on_1.device == "cuda:1" and sim.device_index(on_1._data) == 1
    np.testing.assert_array_equal(on_1.cpu().numpy(), np.arange(6.0).reshape(2, 3))
    on_1.fill_(0)
    assert x.sum().item() == 15.0, "a GPU-to-GPU transfer copies"
    strided = x.t().cuda(1)
    np.testing.assert_array_equal(strided.cpu().numpy(), np.arange(6.0).reshape(2, 3).T)
    assert x.cuda(1).cuda(0).device == "cuda:0"


def test_tensor_constructor_on_a_device(sim):
    x = ember.tensor([[1, 2], [3, 4]], device="cuda:1")
    assert x.device == "cuda:1" and x.dtype is ember.int64
    y = ember.as_tensor(np.array([1.0, 2.0]), device="cuda")
    assert y.device == "cuda:0" and y.dtype is ember.float64


# --- autograd across devices -------------------------------------------------------------------------


def test_gradient_flows_back_to_the_cpu_leaf(sim):
    w = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    on_gpu = w.cuda()
    assert on_gpu.requires_grad and type(on_gpu.grad_fn).__name__ == "ToCopyBackward0"
    loss = (on_gpu * on_gpu).sum()
    loss.backward()
    assert w.grad.device == "cpu"
    np.testing.assert_array_equal(w.grad.numpy(), [2.0, 4.0, 6.0])


def test_gradient_through_a_chain_of_devices(sim):
    w = ember.tensor([[1.0, -1.0]], requires_grad=True, device="cuda:1")
    y = w.to("cpu").to("cuda:0", ember.float64).exp()
    y.sum().backward()
    assert w.grad.device == "cuda:1" and w.grad.dtype is ember.float32
    np.testing.assert_allclose(w.grad.cpu().numpy(), np.exp([[1.0, -1.0]]), rtol=1e-6)


def test_gradcheck_through_transfers(sim):
    a = ember.randn(3, dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(lambda t: (t.cuda(1).cuda(0) ** 2).sin().cpu(), (a,))


def test_computing_on_another_gpu_needs_it_current(sim):
    x = ember.ones(3, device="cuda:1", requires_grad=True)
    with pytest.raises(ValueError, match=r"resides \(1\) is different from the current device \(0\)"):
        x * 2  # CuPy computes on its current device (cuda:0 here)
    with ember.cuda.device(1):
        loss = (x * 2).sum()
        loss.backward()
    assert loss.device == "cuda:1" and x.grad.device == "cuda:1" and x.grad.tolist() == [2.0, 2.0, 2.0]
    assert sim.device_index(x.grad._data) == 1


def test_cuda_leaf_gets_a_cuda_gradient(sim):
    x = ember.ones(3, device="cuda", requires_grad=True)
    (x.cpu() * 3).sum().backward()
    assert x.grad.device == "cuda:0"
    assert x.grad.tolist() == [3.0, 3.0, 3.0]


# --- copy_ across devices ----------------------------------------------------------------------------


def test_copy_between_devices(sim):
    gpu = ember.zeros(2, 2, device="cuda")
    gpu.copy_(ember.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert gpu.device == "cuda:0" and gpu.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    host = ember.zeros(2, 2, dtype=ember.float64)
    host.copy_(gpu)
    assert host.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    other = ember.zeros(2, device="cuda:1")
    other.copy_(gpu[1])
    assert other.device == "cuda:1" and other.tolist() == [3.0, 4.0]


def test_copy_into_a_gpu_tensor_carries_gradient_to_the_cpu(sim):
    source = ember.tensor([1.0, 2.0], requires_grad=True)
    target = ember.zeros(2, device="cuda")
    target.copy_(source)
    (target * 5).sum().backward()
    assert source.grad.device == "cpu" and source.grad.tolist() == [5.0, 5.0]


# --- pinned memory and DLPack -------------------------------------------------------------------------


def test_pin_memory(sim):
    x = ember.arange(4.0)
    assert not x.is_pinned()
    pinned = x.pin_memory()
    assert pinned.is_pinned() and pinned.device == "cpu"
    assert pinned.tolist() == [0.0, 1.0, 2.0, 3.0]
    assert pinned.pin_memory() is pinned
    assert pinned.cuda().tolist() == [0.0, 1.0, 2.0, 3.0]
    x.zero_()
    assert pinned.sum().item() == 6.0, "pinning copies"
    with pytest.raises(RuntimeError, match="only dense CPU tensors can be pinned"):
        pinned.cuda().pin_memory()
    assert not pinned.cuda().is_pinned()


def test_pin_memory_keeps_the_graph(sim):
    w = ember.ones(2, requires_grad=True)
    (w.pin_memory() * 4).sum().backward()
    assert w.grad.tolist() == [4.0, 4.0]
    a = ember.randn(3, dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(lambda t: t.pin_memory().cuda().exp(), (a,))


def test_dlpack_shares_gpu_memory(sim):
    x = ember.arange(4.0, device="cuda:1")
    shared = ember.from_dlpack(x)
    assert shared.device == "cuda:1"
    with ember.cuda.device(1):
        shared[0] = 7.0
    assert x.tolist() == [7.0, 1.0, 2.0, 3.0]
    native = sim.xp.from_dlpack(x)
    assert native.device.id == 1
    from_native = ember.from_dlpack(native)
    assert from_native.device == "cuda:1" and from_native.tolist() == [7.0, 1.0, 2.0, 3.0]
    with pytest.raises(RuntimeError, match="Can't export tensors that require gradient"):
        x.requires_grad_().__dlpack__()


def test_dlpack_on_the_host_still_shares_memory():
    x = ember.arange(3.0)
    view = np.from_dlpack(x)
    view[0] = 5.0
    assert x.tolist() == [5.0, 1.0, 2.0]
    assert ember.from_dlpack(np.ones(2)).device == "cpu"


# --- legacy types and checkpoints ------------------------------------------------------------------


def test_legacy_cuda_types_move_tensors(sim):
    moved = ember.ones(2).type(ember.cuda.FloatTensor)
    assert moved.device == "cuda:0" and moved.type() == "ember.cuda.FloatTensor"
    assert ember.ones(2).type("ember.cuda.DoubleTensor").dtype is ember.float64
    back = moved.type(ember.LongTensor)
    assert back.device == "cpu" and back.dtype is ember.int64
    with pytest.raises(RuntimeError, match="Invalid device, must be cuda device"):
        ember.ones(2).cuda("cpu")


def test_checkpoints_keep_or_remap_the_device(sim, tmp_path):
    path = tmp_path / "checkpoint.ember"
    ember.save({"w": ember.arange(3.0, device="cuda:1")}, path)
    restored = ember.load(path)["w"]
    assert restored.device == "cuda:1" and restored.tolist() == [0.0, 1.0, 2.0]
    assert ember.load(path, map_location="cpu")["w"].device == "cpu"
    assert ember.load(path, map_location="cuda:0")["w"].device == "cuda:0"


def test_bfloat16_on_cuda_names_the_dtype_and_the_fix(sim):
    host = ember.ones(2, dtype=ember.bfloat16)
    fix = r"CuPy has no bfloat16 arrays.*t\.float\(\)\.to\('cuda'\)"
    with pytest.raises(TypeError, match=rf"ember\.bfloat16 is not supported on CUDA by ember-cupy: {fix}"):
        host.to("cuda")
    with pytest.raises(TypeError, match=fix):
        ember.zeros(2, device="cuda", dtype=ember.bfloat16)
    with pytest.raises(TypeError, match=fix):
        ember.ones(2, device="cuda").bfloat16()
    assert host.float().to("cuda").dtype is ember.float32
