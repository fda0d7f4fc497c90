"""``mathdl.distributed``: data-parallel training over MPI, with ``torch.distributed``'s names.

    # run with:  mpiexec -n 4 python train.py
    import mathdl.distributed as dist
    dist.init_process_group(backend="mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    t = md.ones(3)
    dist.all_reduce(t)                  # in place: every rank now holds [4, 4, 4]
    dist.destroy_process_group()

Collectives go through mpi4py's buffer interface (no pickling). ``nn.parallel.DistributedDataParallel``
averages gradients with them; ``data.DistributedSampler`` gives each rank its shard of a dataset;
``all_reduce_metrics`` and ``rank_zero_only`` are for reporting once per job. See docs/distributed.md.
"""

from mathdl.distributed import launch, nn
from mathdl.distributed.collectives import ReduceOp, all_gather, all_reduce, barrier, broadcast, reduce
from mathdl.distributed.launch import how_to_launch, launched_by_mpi, mpiexec_command
from mathdl.distributed.process_group import (
    DistributedError,
    destroy_process_group,
    get_backend,
    get_rank,
    get_world_size,
    init_process_group,
    is_available,
    is_initialized,
)
from mathdl.distributed.reporting import all_reduce_metrics, is_main_process, rank_zero_only

__all__ = [
    "DistributedError",
    "ReduceOp",
    "all_gather",
    "all_reduce",
    "all_reduce_metrics",
    "barrier",
    "broadcast",
    "destroy_process_group",
    "get_backend",
    "get_rank",
    "get_world_size",
    "how_to_launch",
    "init_process_group",
    "is_available",
    "is_initialized",
    "is_main_process",
    "launch",
    "launched_by_mpi",
    "nn",
    "mpiexec_command",
    "rank_zero_only",
    "reduce",
]
