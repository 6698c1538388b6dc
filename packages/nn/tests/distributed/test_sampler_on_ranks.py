"""DistributedSampler inside a job: it takes rank and size from the group, and the ranks' shares partition the data."""

from __future__ import annotations

import ember
import numpy as np
from ember.utils.data import DistributedSampler


def test_the_ranks_shares_are_disjoint_and_cover_the_data(world):
    size = world.get_world_size()
    sampler = DistributedSampler(range(10 * size + 1), seed=5)
    assert (sampler.num_replicas, sampler.rank) == (size, world.get_rank())
    for epoch in range(2):
        sampler.set_epoch(epoch)
        mine = ember.tensor(list(sampler))
        shares = [ember.zeros_like(mine) for _ in range(size)]
        world.all_gather(shares, mine)
        everything = np.concatenate([s.numpy() for s in shares])
        assert set(everything.tolist()) == set(range(10 * size + 1))
        assert len(everything) == 11 * size  # padded to equal shares
        if size > 1:
            assert len(set(shares[0].tolist()) & set(shares[1].tolist())) <= 1  # at most the padding repeats
