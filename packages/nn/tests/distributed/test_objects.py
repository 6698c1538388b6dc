"""Object collectives: pickled Python objects between the ranks of one job, as in PyTorch."""

from __future__ import annotations

import pytest
from ember.distributed import GroupMember


def thing(rank: int) -> dict:
    """An object whose pickle differs in length from rank to rank."""
    return {"rank": rank, "name": "r" * (rank * 7 + 1), "items": list(range(rank)), "pair": (rank, None)}


def test_all_gather_object(world):
    out = [None] * world.get_world_size()
    world.all_gather_object(out, thing(world.get_rank()))
    assert out == [thing(r) for r in range(world.get_world_size())]


def test_gather_object_to_the_last_rank(world):
    rank, last = world.get_rank(), world.get_world_size() - 1
    out = [None] * world.get_world_size() if rank == last else None
    world.gather_object(thing(rank), out, dst=last)
    if rank == last:
        assert out == [thing(r) for r in range(world.get_world_size())]


def test_broadcast_object_list_from_the_last_rank(world):
    rank, last = world.get_rank(), world.get_world_size() - 1
    objects = [thing(rank), "text", {1, 2}] if rank == last else [None, None, None]
    world.broadcast_object_list(objects, src=last)
    assert objects == [thing(last), "text", {1, 2}]
    empty: list = []
    world.broadcast_object_list(empty, src=0)
    assert empty == []


def test_scatter_object_list(world):
    rank, size = world.get_rank(), world.get_world_size()
    out = [None]
    world.scatter_object_list(out, [thing(r) for r in range(size)] if rank == 0 else None, src=0)
    assert out == [thing(rank)]


def test_send_and_recv_object_list(world):
    rank, size = world.get_rank(), world.get_world_size()
    if size < 2:
        pytest.skip("needs 2 ranks")
    if rank == 0:
        world.send_object_list([thing(0), [1.5, "x"]], dst=size - 1)
    elif rank == size - 1:
        got = [None, None]
        assert world.recv_object_list(got) == 0
        assert got == [thing(0), [1.5, "x"]]
    world.barrier()


def test_object_collectives_on_a_group(world):
    rank, size = world.get_rank(), world.get_world_size()
    if size < 2:
        pytest.skip("needs 2 ranks")
    group = world.new_group(list(range(1, size)))
    out = [None] * (size - 1)
    if group == GroupMember.NON_GROUP_MEMBER:
        with pytest.warns(UserWarning, match="does not belong to the given group"):
            world.all_gather_object(out, thing(rank), group=group)
        assert out == [None] * (size - 1)
    else:
        world.all_gather_object(out, thing(rank), group=group)
        assert out == [thing(r) for r in range(1, size)]
        objects = ["from the group's first"] if rank == 1 else [None]
        world.broadcast_object_list(objects, group=group, group_src=0)
        assert objects == ["from the group's first"]
    world.destroy_process_group(group)


def test_object_collectives_check_their_lists(world):
    with pytest.raises(
        ValueError, match=r"all_gather_object\(\): object_list holds 0 items; it must hold one per rank"
    ):
        world.all_gather_object([], 1)
    with pytest.raises(ValueError, match="scatter_object_output_list to be a list of size at least 1"):
        world.scatter_object_list([], [1] * world.get_world_size())
