"""new_group: sub-communicators, collectives on them with the job's ranks as src/dst, ranks outside them."""

from __future__ import annotations

import ember
import numpy as np
import pytest
from ember import nn
from ember.distributed import GroupMember, ReduceOp
from ember.nn.parallel import DistributedDataParallel as DDP


@pytest.fixture
def size(world):
    if world.get_world_size() < 2:
        pytest.skip("needs 2 or more ranks (mpiexec -n 2)")
    return world.get_world_size()


def test_a_group_of_the_later_ranks_reduces_among_them_only(world, size):
    rank = world.get_rank()
    members = list(range(1, size))
    group = world.new_group(members)
    t = ember.tensor([float(rank + 1)])
    if rank == 0:
        assert group == GroupMember.NON_GROUP_MEMBER
        assert world.get_rank(group) == -1 and world.get_world_size(group) == -1
        with pytest.warns(UserWarning, match="Running all_reduce on global rank 0 which does not belong"):
            assert world.all_reduce(t, group=group) is None
        assert t.tolist() == [1.0], "a rank outside the group keeps its tensor"
    else:
        assert world.get_rank(group) == rank - 1 and world.get_world_size(group) == size - 1
        assert world.get_process_group_ranks(group) == members
        assert world.get_global_rank(group, 0) == 1 and world.get_group_rank(group, size - 1) == size - 2
        with pytest.raises(ValueError, match="Global rank 0 is not part of group"):
            world.get_group_rank(group, 0)
        world.all_reduce(t, group=group)
        assert t.tolist() == [float(sum(r + 1 for r in members))]
        # src is a rank of the job; group_src a rank in the group
        last = ember.tensor([float(rank)])
        world.broadcast(last, src=size - 1, group=group)
        assert last.tolist() == [float(size - 1)]
        first = ember.tensor([float(rank)])
        world.broadcast(first, group=group, group_src=0)
        assert first.tolist() == [1.0]
        with pytest.raises(
            ValueError, match=r"broadcast\(\): src=0 is not a rank of the group, which has .*job's ranks"
        ):
            world.broadcast(first, src=0, group=group)
        with pytest.raises(ValueError, match="not both"):
            world.broadcast(first, src=1, group=group, group_src=0)
    world.destroy_process_group(group)


def test_two_groups_split_the_job_by_parity(world, size):
    rank = world.get_rank()
    evens, odds = world.new_group(list(range(0, size, 2))), world.new_group(list(range(1, size, 2)))
    mine, other = (evens, odds) if rank % 2 == 0 else (odds, evens)
    assert other == GroupMember.NON_GROUP_MEMBER
    t = ember.tensor([rank], dtype=ember.int64)
    world.all_reduce(t, op=ReduceOp.MAX, group=mine)
    assert t.item() == max(r for r in range(size) if r % 2 == rank % 2)
    gathered = ember.zeros(world.get_world_size(mine), dtype=ember.int64)
    world.all_gather_into_tensor(gathered, ember.tensor([rank]), group=mine)
    assert gathered.tolist() == world.get_process_group_ranks(mine)
    world.barrier(group=mine)


def test_unsorted_ranks_and_local_synchronization(world, size):
    rank = world.get_rank()
    backwards = list(reversed(range(size)))
    group = world.new_group(backwards, sort_ranks=False)
    assert world.get_rank(group) == size - 1 - rank
    assert world.get_process_group_ranks(group) == backwards
    # gather to group rank 0, which is the job's last rank
    rows = [ember.zeros(1, dtype=ember.int64) for _ in range(size)] if rank == size - 1 else None
    world.gather(ember.tensor([rank]), rows, group=group, group_dst=0)
    if rows is not None:
        assert [r.item() for r in rows] == backwards
    # only the members call new_group with use_local_synchronization=True
    if rank >= 1:
        local = world.new_group(list(range(1, size)), use_local_synchronization=True)
        t = ember.ones(1)
        world.all_reduce(t, group=local)
        assert t.item() == size - 1
        world.destroy_process_group(local)
    world.barrier()


def test_point_to_point_in_a_group_uses_the_jobs_ranks(world, size):
    rank = world.get_rank()
    group = world.new_group(list(reversed(range(size))), sort_ranks=False)
    if rank == 0:
        world.send(ember.tensor([42.0]), dst=size - 1, group=group)
        world.send(ember.tensor([43.0]), group=group, group_dst=0)
    elif rank == size - 1:
        got = ember.zeros(1)
        assert world.recv(got, src=0, group=group) == 0
        assert got.item() == 42.0
        work = world.irecv(got, group=group)  # from any rank: the sender is named by its rank in the job
        assert work.result() == 0 and got.item() == 43.0
    world.barrier()


def test_ddp_on_a_group_takes_the_parameters_of_the_groups_first_rank(world, size):
    rank = world.get_rank()
    group = world.new_group(list(reversed(range(size))), sort_ranks=False)
    model = nn.Linear(2, 1)
    with ember.no_grad():
        model.weight.fill_(float(rank))
    ddp = DDP(model, process_group=group)
    assert model.weight.tolist() == [[float(size - 1)] * 2]
    ddp(ember.ones(1, 2) * (rank + 1)).sum().backward()
    np.testing.assert_allclose(model.weight.grad.numpy(), np.full((1, 2), (size + 1) / 2))


def test_ddp_refuses_a_group_this_rank_is_not_in(world, size):
    group = world.new_group([0])
    if world.get_rank() != 0:
        with pytest.raises(ValueError, match="this rank is not in the group"):
            DDP(nn.Linear(2, 1), process_group=group)
    else:
        world.destroy_process_group(group)


def test_new_group_checks_its_ranks(world, size):
    with pytest.raises(ValueError, match=r"new_group\(ranks=\[0, 99\]\): 99 is not a rank of the job"):
        world.new_group([0, 99])
    with pytest.raises(ValueError, match="a rank appears twice"):
        world.new_group([0, 0])
    with pytest.raises(RuntimeError, match=r"new_group\(backend='nccl'\): the backend is not available: "):
        world.new_group([0], backend="nccl")  # no CUDA here (test_nccl.py runs it on the simulated device)
    with pytest.raises(ValueError, match="unknown backend 'gloo'"):
        world.new_group([0], backend="gloo")
