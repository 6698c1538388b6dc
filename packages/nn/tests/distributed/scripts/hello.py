"""Each rank says who it is and what all_reduce gives: the launcher's end-to-end check."""

import sys

import ember
import ember.distributed as dist

dist.init_process_group("mpi")
total = ember.tensor([dist.get_rank() + 1.0])
dist.all_reduce(total)
print(f"rank {dist.get_rank()} of {dist.get_world_size()}: sum {total.item():g}, args {sys.argv[1:]}", flush=True)
dist.destroy_process_group()
