"""A rank that fails ends the job: uncaught exception -> its traceback on stderr -> ``MPI_Abort``.

Without this, one rank dying leaves the others blocked forever in their next collective (they
wait for a message that never comes). ``MPI_Abort`` asks the launcher to kill every rank, so the
job ends within seconds and its output shows which rank failed and why.
"""

import sys
import traceback

_installed = {"previous": None, "comm": None}


def _abort_on_uncaught_exception(exc_type, exc, tb):
    comm = _installed["comm"]
    rank, size = comm.Get_rank(), comm.Get_size()
    text = "".join(traceback.format_exception(exc_type, exc, tb))
    sys.stderr.write(
        f"\n[mathdl.distributed] rank {rank} of {size} raised an uncaught exception; "
        f"aborting all {size} ranks (MPI_Abort):\n{text}"
    )
    sys.stderr.flush()
    sys.stdout.flush()
    comm.Abort(1)


def install(comm):
    """Route uncaught exceptions of the main thread to ``MPI_Abort`` on ``comm``."""
    if _installed["comm"] is None:
        _installed["previous"] = sys.excepthook
    _installed["comm"] = comm
    sys.excepthook = _abort_on_uncaught_exception


def uninstall():
    """Put back the exception hook that was there before ``install``."""
    if _installed["comm"] is not None and sys.excepthook is _abort_on_uncaught_exception:
        sys.excepthook = _installed["previous"]
    _installed["comm"] = None
    _installed["previous"] = None
