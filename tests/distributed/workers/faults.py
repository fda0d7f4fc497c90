"""Worker: ways a distributed job goes wrong, each of which must end the job with a clear message.

mpiexec -n 2 python faults.py raise      rank 1 raises while rank 0 waits in an all_reduce
mpiexec -n 2 python faults.py mismatch   the ranks build different models and wrap them in DDP
python faults.py raise                   (no mpiexec) init_process_group says how to launch
"""

import sys
import time

import mathdl as md
import mathdl.distributed as dist
from mathdl import nn
from mathdl.nn.parallel import DistributedDataParallel


def main(mode):
    dist.init_process_group(backend="mpi")
    rank = dist.get_rank()
    if mode == "raise":
        if rank == 1:
            time.sleep(0.5)  # rank 0 is already blocked in its all_reduce
            raise ValueError("rank 1 fails on purpose: bad batch 17")
        t = md.ones(3)
        dist.all_reduce(t)  # never completes: rank 1 is gone
        print("rank 0 finished an all_reduce it should never finish", flush=True)
    elif mode == "mismatch":
        DistributedDataParallel(nn.Sequential(nn.Linear(4, 2 + rank), nn.ReLU()))
        print("wrapped models that differ", flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])
