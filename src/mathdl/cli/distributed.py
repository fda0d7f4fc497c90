"""``mathdl train --distributed``: one training run over the ranks of an MPI job.

    mpiexec -n 4 mathdl train --distributed --model lenet    # one run folder, written by rank 0
    srun -n 4 mathdl train --distributed --model lenet       # the same under Slurm
    mathdl train --resume runs/20260101-120000               # continue it on any number of ranks

Every rank runs the same command. The Trainer splits each global batch (``--batch-size``) over
the ranks and reduces the numbers (``mathdl.train.distributed``); here rank 0 picks the run
folder and writes it, and the ranks agree on every user error before training starts, so each
exits with the same message (printed once) instead of some ranks waiting forever. After that, a
rank that raises ends the whole job with its traceback (``MPI_Abort``).
"""

from mathdl.cli.common import CommandError


def add_distributed_option(parser):
    """The ``--distributed`` flag of ``mathdl train``."""
    parser.add_argument(
        "--distributed",
        action="store_true",
        help="train one run over the ranks of an MPI job (start it with 'mpiexec -n N mathdl train "
        "--distributed ...', or srun): each rank takes 1/N of every batch, rank 0 writes the run "
        "folder; --resume continues a run on any number of ranks (default: one process)",
    )


def _quiet_error(message):
    """A CommandError that this rank does not print (another rank prints the same message)."""
    error = CommandError(message)
    error.quiet = True
    return error


def check_launch(args):
    """Refuse ``--distributed`` without an MPI launcher, and a launch of several ranks without it
    (each rank would train its own copy into the same folder)."""
    from mathdl.distributed import launch

    if args.distributed and not launch.launched_by_mpi():
        raise CommandError("--distributed runs one process per rank; " + launch.how_to_launch(2))
    ranks = launch.launcher_world_size()
    if not args.distributed and ranks is not None and ranks > 1:
        message = (
            f"this command was started as {ranks} MPI ranks without --distributed: each rank would "
            f"train its own copy of the run; add --distributed to train one run over the {ranks} ranks"
        )
        raise CommandError(message) if launch.launcher_rank() in (None, 0) else _quiet_error(message)


class Job:
    """The process group of a ``--distributed`` run (a context manager: ``with Job() as job``)."""

    def __enter__(self):
        import mathdl.distributed as dist

        dist.init_process_group(backend="mpi")
        self.rank, self.world_size = dist.get_rank(), dist.get_world_size()
        self.is_main = self.rank == 0
        return self

    def __exit__(self, kind, error, traceback):
        import mathdl.distributed as dist

        if error is None or getattr(error, "agreed", False) or isinstance(error, KeyboardInterrupt):
            dist.destroy_process_group()
            return False
        if isinstance(error, CommandError):  # one rank's user error mid-run: end the whole job
            raise RuntimeError(f"mathdl train (rank {self.rank}): {error}") from error
        return False  # the process group's exception hook aborts every rank (MPI_Abort)

    def agreed(self, function, *args):
        """``function(*args)`` on every rank; if it raises CommandError on any rank, every rank
        raises the first failing rank's message (rank 0 alone prints it)."""
        import mathdl.distributed as dist

        try:
            result, message = function(*args), ""
        except CommandError as error:
            result, message = None, str(error)
        failures = [m.decode("utf-8") for m in dist.all_gather_bytes(message.encode("utf-8")) if m]
        if failures:
            error = CommandError(failures[0]) if self.is_main else _quiet_error(failures[0])
            error.agreed = True
            raise error
        return result

    def shared_text(self, text):
        """Rank 0's ``text`` on every rank (a run folder named after rank 0's clock)."""
        import mathdl.distributed as dist

        return dist.broadcast_bytes(text.encode("utf-8") if self.is_main else None).decode("utf-8")


def check_batch(config, world_size):
    """Refuse a global ``--batch-size`` that the ranks cannot share evenly (before training, so
    every rank fails with the same message)."""
    batch = config.get("batch_size")
    if batch is not None and batch % world_size:
        lower, upper = batch - batch % world_size, batch + world_size - batch % world_size
        suggestion = f"{lower} or {upper}" if lower else str(upper)
        raise CommandError(
            f"--batch-size {batch} is the global batch and cannot be split evenly over {world_size} "
            f"ranks; give a multiple of {world_size}, e.g. --batch-size {suggestion}"
        )
