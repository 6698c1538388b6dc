"""Every collective against NumPy, on every dtype, blocking and with async_op=True.

Each rank builds every rank's input itself (they depend only on the rank), so it knows what
the collective must give.
"""

from __future__ import annotations

import ember
import numpy as np
import pytest
from ember.distributed import ReduceOp

DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]
SHAPE = (3, 4)


def rank_values(rank: int, dtype: str, shape=SHAPE) -> np.ndarray:
    """Small values whose sums and products stay exact in every dtype (for up to 8 ranks)."""
    cells = np.arange(int(np.prod(shape))).reshape(shape)
    if dtype == "bool":
        return ((cells + rank) % 3 == 0).astype(np.bool_)
    return ((cells + 2 * rank) % 2 + 1).astype(dtype)


def all_values(world, dtype: str, shape=SHAPE) -> np.ndarray:
    return np.stack([rank_values(r, dtype, shape) for r in range(world.get_world_size())])


def numpy_reduce(values: np.ndarray, op: ReduceOp) -> np.ndarray:
    if values.dtype == np.bool_:
        return values.any(0) if op in (ReduceOp.SUM, ReduceOp.MAX) else values.all(0)
    if op is ReduceOp.AVG:
        return (values.astype(np.float64).sum(0) / len(values)).astype(values.dtype)
    reduce = {ReduceOp.SUM: np.sum, ReduceOp.PRODUCT: np.prod, ReduceOp.MIN: np.min, ReduceOp.MAX: np.max}[op]
    return reduce(values, axis=0).astype(values.dtype)


def ops_for(dtype: str) -> list:
    ops = [ReduceOp.SUM, ReduceOp.PRODUCT, ReduceOp.MIN, ReduceOp.MAX]
    return [*ops, ReduceOp.AVG] if dtype.startswith("float") else ops


def tensor(array: np.ndarray) -> ember.Tensor:
    return ember.from_numpy(array.copy())


def run(call, async_op: bool):
    """Call a collective; with async_op, check the Work handle and wait on it."""
    if not async_op:
        assert call(False) is None
        return
    work = call(True)
    assert work is not None
    assert work.wait() is True
    assert work.is_completed()


def check(got: ember.Tensor, expected: np.ndarray) -> None:
    assert got.numpy().dtype == expected.dtype
    np.testing.assert_array_equal(got.numpy(), expected)


@pytest.mark.parametrize("async_op", [False, True], ids=["blocking", "async"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_all_reduce_every_op(world, dtype, async_op):
    values = all_values(world, dtype)
    for op in ops_for(dtype):
        t = tensor(values[world.get_rank()])
        run(lambda a: world.all_reduce(t, op=op, async_op=a), async_op)
        check(t, numpy_reduce(values, op))


@pytest.mark.parametrize("async_op", [False, True], ids=["blocking", "async"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_reduce_to_the_last_rank(world, dtype, async_op):
    values = all_values(world, dtype)
    rank, dst = world.get_rank(), world.get_world_size() - 1
    for op in ops_for(dtype):
        t = tensor(values[rank])
        run(lambda a: world.reduce(t, dst, op=op, async_op=a), async_op)
        check(t, numpy_reduce(values, op) if rank == dst else values[rank])


@pytest.mark.parametrize("async_op", [False, True], ids=["blocking", "async"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_reduce_scatter_tensor(world, dtype, async_op):
    size, rank = world.get_world_size(), world.get_rank()
    values = all_values(world, dtype, (size * 2, 3))
    for op in ops_for(dtype):
        out = ember.zeros(2, 3, dtype=getattr(ember, dtype))
        run(lambda a: world.reduce_scatter_tensor(out, tensor(values[rank]), op=op, async_op=a), async_op)
        check(out, numpy_reduce(values, op)[2 * rank : 2 * rank + 2])


@pytest.mark.parametrize("async_op", [False, True], ids=["blocking", "async"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_broadcast_from_the_last_rank(world, dtype, async_op):
    values = all_values(world, dtype)
    src = world.get_world_size() - 1
    t = tensor(values[world.get_rank()])
    run(lambda a: world.broadcast(t, src, async_op=a), async_op)
    check(t, values[src])


@pytest.mark.parametrize("async_op", [False, True], ids=["blocking", "async"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_all_gather(world, dtype, async_op):
    values = all_values(world, dtype)
    outputs = [ember.zeros(*SHAPE, dtype=getattr(ember, dtype)) for _ in range(world.get_world_size())]
    run(lambda a: world.all_gather(outputs, tensor(values[world.get_rank()]), async_op=a), async_op)
    for got, expected in zip(outputs, values):
        check(got, expected)


@pytest.mark.parametrize("stacked", [False, True], ids=["concatenated", "stacked"])
@pytest.mark.parametrize("async_op", [False, True], ids=["blocking", "async"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_all_gather_into_tensor(world, dtype, async_op, stacked):
    values = all_values(world, dtype)
    size = world.get_world_size()
    shape = (size, *SHAPE) if stacked else (size * SHAPE[0], SHAPE[1])
    out = ember.zeros(*shape, dtype=getattr(ember, dtype))
    run(lambda a: world.all_gather_into_tensor(out, tensor(values[world.get_rank()]), async_op=a), async_op)
    check(out, values.reshape(shape))


@pytest.mark.parametrize("async_op", [False, True], ids=["blocking", "async"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_gather_to_the_last_rank(world, dtype, async_op):
    values = all_values(world, dtype)
    rank, dst = world.get_rank(), world.get_world_size() - 1
    outputs = [ember.zeros(*SHAPE, dtype=getattr(ember, dtype)) for _ in values] if rank == dst else None
    run(lambda a: world.gather(tensor(values[rank]), outputs, dst=dst, async_op=a), async_op)
    if rank == dst:
        for got, expected in zip(outputs, values):
            check(got, expected)


@pytest.mark.parametrize("async_op", [False, True], ids=["blocking", "async"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_scatter_from_rank_0(world, dtype, async_op):
    values = all_values(world, dtype)
    rank = world.get_rank()
    inputs = [tensor(v) for v in values] if rank == 0 else None
    out = ember.zeros(*SHAPE, dtype=getattr(ember, dtype))
    run(lambda a: world.scatter(out, inputs, src=0, async_op=a), async_op)
    check(out, values[rank])


@pytest.mark.parametrize("dtype", DTYPES)
def test_send_and_recv_around_a_ring(world, dtype):
    size, rank = world.get_world_size(), world.get_rank()
    if size == 1:
        pytest.skip("a ring needs two ranks")
    values = all_values(world, dtype)
    sending = world.isend(tensor(values[rank]), (rank + 1) % size, tag=7)
    got = ember.zeros(*SHAPE, dtype=getattr(ember, dtype))
    sender = world.recv(got, (rank - 1) % size, tag=7)
    sending.wait()
    assert sender == (rank - 1) % size
    check(got, values[(rank - 1) % size])
    received = ember.zeros(*SHAPE, dtype=getattr(ember, dtype))
    receiving = world.irecv(received, None, tag=8)  # from any rank
    world.send(tensor(values[rank]), (rank + 1) % size, tag=8)
    assert receiving.result() == (rank - 1) % size
    check(received, values[(rank - 1) % size])


def test_strided_tensors_are_written_in_place(world):
    """A transposed view is reduced and broadcast into the tensor it views."""
    size, rank = world.get_world_size(), world.get_rank()
    base = ember.arange(12.0).reshape(3, 4) * (rank + 1)
    view = base.t()
    world.all_reduce(view)
    expected = np.arange(12.0).reshape(3, 4) * sum(range(1, size + 1))
    np.testing.assert_array_equal(base.numpy(), expected)
    column = ember.zeros(3, 4)[:, 1]
    if rank == 0:
        column.copy_(ember.tensor([1.0, 2.0, 3.0]))
    world.broadcast(column, 0)
    np.testing.assert_array_equal(column.numpy(), [1.0, 2.0, 3.0])
    parameter = ember.nn.Parameter(ember.ones(2) * rank)
    world.broadcast(parameter, 0)
    np.testing.assert_array_equal(parameter.detach().numpy(), [0.0, 0.0])


def test_scalars_and_empty_tensors(world):
    size = world.get_world_size()
    scalar = ember.tensor(2.0)
    world.all_reduce(scalar)
    assert scalar.item() == 2.0 * size
    empty = ember.zeros(0, 3)
    world.all_reduce(empty)
    assert tuple(empty.shape) == (0, 3)


def test_barrier(world):
    assert world.barrier() is None
    work = world.barrier(async_op=True)
    assert work.wait() and work.is_completed()


def test_rank_size_and_backend(world):
    from mpi4py import MPI

    assert world.is_initialized() and world.is_available() and world.is_mpi_available()
    assert world.get_rank() == MPI.COMM_WORLD.Get_rank()
    assert world.get_world_size() == MPI.COMM_WORLD.Get_size()
    assert world.get_backend() == "mpi"
    import sys

    aborts_on_exception = getattr(sys.excepthook, "ember_group", None) is not None
    assert aborts_on_exception == (world.get_world_size() > 1)  # alone, an exception ends only this process


def test_bad_arguments_say_what_is_wrong(world):
    size = world.get_world_size()
    with pytest.raises(ValueError, match=r"AVG needs a floating-point or complex tensor, got ember.int64"):
        world.all_reduce(ember.ones(2, dtype=ember.int64), op=ReduceOp.AVG)
    with pytest.raises(TypeError, match=r"all_reduce\(\): op must be an ember.distributed.ReduceOp"):
        world.all_reduce(ember.ones(2), op="sum")
    with pytest.raises(TypeError, match=r"all_reduce\(\): tensor must be an ember.Tensor, got list"):
        world.all_reduce([1.0, 2.0])
    with pytest.raises(ValueError, match=rf"broadcast\(\): src={size} is not a rank of the group, which has {size}"):
        world.broadcast(ember.ones(2), size)
    with pytest.raises(ValueError, match=rf"tensor_list holds {size + 1} tensors; the group has {size} ranks"):
        world.all_gather([ember.ones(2)] * (size + 1), ember.ones(2))
    with pytest.raises(ValueError, match=rf"output_tensor has {2 * size + 1} elements .* it must have {2 * size} "):
        world.all_gather_into_tensor(ember.zeros(2 * size + 1), ember.ones(2))
    with pytest.raises(TypeError, match=r"input is ember.float64, the tensor is ember.float32"):
        world.reduce_scatter_tensor(ember.zeros(2), ember.zeros(2 * size, dtype=ember.float64))
    with pytest.raises(ValueError, match=r"read-only view"):
        world.all_reduce(ember.ones(1).expand(3))
    with pytest.raises(ValueError, match=r"is this process's own rank"):
        world.send(ember.ones(1), world.get_rank())
    if size > 1:
        with pytest.raises(ValueError, match=r"gather_list must be left out on ranks other than dst"):
            world.gather(ember.ones(1), [ember.ones(1)] * size, dst=(world.get_rank() + 1) % size)
    with pytest.raises(ValueError, match=r"trying to initialize the default process group twice"):
        world.init_process_group("mpi")
