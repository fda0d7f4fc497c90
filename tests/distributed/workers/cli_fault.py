"""Worker: a rank that raises in the middle of ``mathdl train --distributed`` ends the job.

    mpiexec -n 2 python cli_fault.py OUT_DIR

Rank 1 raises at step 2 of epoch 2; the job must end (MPI_Abort) with rank 1's message, not hang.
"""

import sys

import mathdl.distributed as dist
from mathdl.cli import main
from mathdl.train import Trainer

original = Trainer.run_step
seen = {"steps": 0}


def failing_step(self, batch):
    if self.epoch == 1 and dist.get_rank() == 1:
        seen["steps"] += 1
        if seen["steps"] == 2:
            raise RuntimeError("rank 1 fails on purpose in epoch 2")
    return original(self, batch)


Trainer.run_step = failing_step
argv = ["train", "--distributed", "--out", sys.argv[1], "--limit", "300", "--epochs", "3"]
sys.exit(main([*argv, "--batch-size", "50", "--verbose", "0", "--no-plots"]))
