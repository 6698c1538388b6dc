"""The nccl group on ember-cupy's simulated CUDA device, whose `cupy.cuda.nccl` runs NCCL's calls over MPI on the
memory behind the device pointers: every collective against NumPy, on NCCL's dtypes, blocking and async; the
errors a user can meet. On a machine with GPUs and NCCL the same group runs on CuPy's own NCCL.
"""

from __future__ import annotations

import ember
import numpy as np
import pytest
from ember.distributed import ReduceOp
from test_collectives import all_values, numpy_reduce, ops_for, run

DTYPES = ["float16", "float32", "float64", "int8", "int32", "int64", "uint8", "bool"]


@pytest.fixture(scope="module")
def nccl(world):
    """An nccl group of every rank, each rank on its simulated GPU (local rank % 2)."""
    simulated = pytest.importorskip(
        "ember_cupy.simulated", reason="needs ember-cupy (pip install -e packages/backend-cupy)"
    )
    with simulated.simulated_cuda(devices=2):
        group = world.new_group(backend="nccl")
        yield group
        world.destroy_process_group(group)


def on_gpu(nccl, array: np.ndarray) -> ember.Tensor:
    return ember.tensor(array.copy(), device=nccl.device)


def check(got: ember.Tensor, expected: np.ndarray) -> None:
    assert got.device.type == "cuda"
    values = got.cpu().numpy()
    assert values.dtype == expected.dtype
    np.testing.assert_array_equal(values, expected)


def test_each_rank_drives_the_gpu_of_its_local_rank(world, nccl):
    assert nccl.name() == "nccl" and nccl.size() == world.get_world_size()
    assert nccl.device == ember.device("cuda", world.get_rank() % 2)  # every rank of these jobs is on one machine
    assert ember.cuda.current_device() == nccl.device.index
    assert ember.distributed.get_backend(nccl) == "nccl"


@pytest.mark.parametrize("async_op", [False, True], ids=["blocking", "async"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_all_reduce_every_op(world, nccl, dtype, async_op):
    values = all_values(world, dtype)
    for op in ops_for(dtype):
        t = on_gpu(nccl, values[world.get_rank()])
        run(lambda a: world.all_reduce(t, op=op, group=nccl, async_op=a), async_op)
        check(t, numpy_reduce(values, op))


def test_complex_sums_and_averages_as_pairs_of_reals(world, nccl):
    rank, size = world.get_rank(), world.get_world_size()
    values = np.array([[1 + 2j, -3j], [0.5, 4 - 1j]], np.complex64)
    t = on_gpu(nccl, values * (rank + 1))
    world.all_reduce(t, group=nccl)
    check(t, values * (size * (size + 1) // 2))
    world.all_reduce(t, op=ReduceOp.AVG, group=nccl)
    check(t, values * (size * (size + 1) // 2))
    with pytest.raises(TypeError, match=r"all_reduce\(\): ReduceOp.MAX is not defined for complex tensors"):
        world.all_reduce(t, op=ReduceOp.MAX, group=nccl)


@pytest.mark.parametrize("dtype", DTYPES)
def test_reduce_broadcast_and_gathers(world, nccl, dtype):
    values = all_values(world, dtype)
    rank, size, last = world.get_rank(), world.get_world_size(), world.get_world_size() - 1
    t = on_gpu(nccl, values[rank])
    world.reduce(t, dst=last, op=ReduceOp.MAX, group=nccl)
    check(t, numpy_reduce(values, ReduceOp.MAX) if rank == last else values[rank])

    t = on_gpu(nccl, values[rank])
    world.broadcast(t, src=last, group=nccl)
    check(t, values[last])

    outputs = [on_gpu(nccl, np.zeros_like(values[0])) for _ in range(size)]
    world.all_gather(outputs, on_gpu(nccl, values[rank]), group=nccl)
    for got, expected in zip(outputs, values):
        check(got, expected)

    flat = on_gpu(nccl, np.zeros((size, *values.shape[1:]), values.dtype))
    world.all_gather_into_tensor(flat, on_gpu(nccl, values[rank]), group=nccl)
    check(flat, values)


@pytest.mark.parametrize("async_op", [False, True], ids=["blocking", "async"])
def test_reduce_scatter_gather_scatter(world, nccl, async_op):
    rank, size = world.get_rank(), world.get_world_size()
    blocks = all_values(world, "float32", (size, 3))  # rank r holds blocks[r]: one row per rank
    out = on_gpu(nccl, np.zeros(3, np.float32))
    run(lambda a: world.reduce_scatter_tensor(out, on_gpu(nccl, blocks[rank]), group=nccl, async_op=a), async_op)
    check(out, blocks.sum(0)[rank])

    values = all_values(world, "int64")
    gathered = [on_gpu(nccl, np.zeros_like(values[0])) for _ in range(size)] if rank == 0 else None
    run(lambda a: world.gather(on_gpu(nccl, values[rank]), gathered, dst=0, group=nccl, async_op=a), async_op)
    if rank == 0:
        for got, expected in zip(gathered, values):
            check(got, expected)

    pieces = [on_gpu(nccl, values[r]) for r in range(size)] if rank == size - 1 else None
    mine = on_gpu(nccl, np.zeros_like(values[0]))
    run(lambda a: world.scatter(mine, pieces, src=size - 1, group=nccl, async_op=a), async_op)
    check(mine, values[rank])


def test_send_recv_around_a_ring_and_barrier(world, nccl):
    rank, size = world.get_rank(), world.get_world_size()
    if size == 1:
        pytest.skip("a ring needs two ranks")
    values = all_values(world, "float64")
    got = on_gpu(nccl, np.zeros_like(values[0]))
    right, left = (rank + 1) % size, (rank - 1) % size
    if rank % 2 == 0:
        world.send(on_gpu(nccl, values[rank]), dst=right, group=nccl)
        assert world.recv(got, src=left, group=nccl) == left
    else:
        assert world.recv(got, src=left, group=nccl) == left
        world.send(on_gpu(nccl, values[rank]), dst=right, group=nccl)
    check(got, values[left])
    world.barrier(group=nccl)


def test_a_strided_tensor_gets_its_result_home(world, nccl):
    size = world.get_world_size()
    base = on_gpu(nccl, np.arange(12, dtype=np.float32).reshape(3, 4))
    view = base[:, ::2]
    world.all_reduce(view, group=nccl)
    expected = np.arange(12, dtype=np.float32).reshape(3, 4)
    expected[:, ::2] *= size
    check(base, expected)


def test_what_nccl_cannot_do_is_said(world, nccl):
    with pytest.raises(
        ValueError, match=r"all_reduce\(\): the nccl group works on cuda:\d tensors, got a tensor on cpu"
    ):
        world.all_reduce(ember.ones(2), group=nccl)
    with pytest.raises(TypeError, match=r"NCCL has no ember.int16 data type.*use backend='mpi'"):
        world.all_reduce(ember.ones(2, dtype=ember.int16, device=nccl.device), group=nccl)
    with pytest.raises(ValueError, match="cannot receive from any rank"):
        world.recv(ember.ones(2, device=nccl.device), group=nccl)


@pytest.mark.parametrize("over", ["nccl", "mpi"])
def test_ddp_averages_cuda_gradients(world, nccl, over):
    """Over nccl in device memory; over the default mpi group through host memory (this MPI is not CUDA-aware)."""
    from ember import nn
    from ember.nn.parallel import DistributedDataParallel as DDP

    rank, size = world.get_rank(), world.get_world_size()
    ember.manual_seed(rank)  # different on every rank: DDP copies rank 0's parameters
    model = DDP(nn.Linear(3, 2).to(nccl.device), process_group=nccl if over == "nccl" else None)
    ember.manual_seed(0)
    reference = nn.Linear(3, 2)
    with ember.no_grad():
        reference.weight.copy_(model.module.weight.cpu())
        reference.bias.copy_(model.module.bias.cpu())
    x = ember.arange(4 * size * 3, dtype=ember.float32).reshape(4 * size, 3) / 10
    model(x[4 * rank : 4 * (rank + 1)].to(nccl.device)).pow(2).mean().backward()
    reference(x).pow(2).mean().backward()
    assert model.module.weight.grad.device == nccl.device
    np.testing.assert_allclose(model.module.weight.grad.cpu().numpy(), reference.weight.grad.numpy(), rtol=1e-5)
    np.testing.assert_allclose(model.module.bias.grad.cpu().numpy(), reference.bias.grad.numpy(), rtol=1e-5)


def test_object_collectives_travel_on_the_gpu(world, nccl):
    rank, size = world.get_rank(), world.get_world_size()
    gathered = [None] * size
    world.all_gather_object(gathered, {"rank": rank}, group=nccl)
    assert gathered == [{"rank": r} for r in range(size)]
    items = [f"from {rank}", rank] if rank == 0 else [None, None]
    world.broadcast_object_list(items, src=0, group=nccl)
    assert items == ["from 0", 0]
