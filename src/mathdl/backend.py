"""The one place that chooses the array module.

Everything in mathdl that needs arrays asks this module for ``xp`` instead of importing NumPy
directly for array creation, so a later CuPy backend changes one line here.
"""

import os

import numpy

xp = numpy

_default_dtype = numpy.dtype(numpy.float32)


def get_default_dtype():
    """The floating dtype given to new floating tensors and parameters (float32 unless changed)."""
    return _default_dtype


def set_default_dtype(dtype):
    """Set the floating dtype of new tensors and parameters: ``numpy.float32`` or ``numpy.float64``."""
    global _default_dtype
    dtype = numpy.dtype(dtype)
    if dtype not in (numpy.dtype(numpy.float32), numpy.dtype(numpy.float64)):
        raise TypeError(f"set_default_dtype: expected float32 or float64, got {dtype}")
    _default_dtype = dtype


# ----- BLAS threads ------------------------------------------------------------------------------
# NumPy's matrix products run in the BLAS library (OpenBLAS here) with its own thread pool.
# threadpoolctl (an optional dependency, as in scikit-learn) changes that pool's size at run time.

_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
_threads = {"chosen": None, "controller": None}


def _threadpoolctl(where):
    try:
        import threadpoolctl
    except ImportError:
        raise ImportError(
            f"{where} needs threadpoolctl (pip install threadpoolctl) to change BLAS threads at "
            f"run time; without it, set OPENBLAS_NUM_THREADS=n (or OMP_NUM_THREADS) before "
            f"starting Python"
        ) from None
    return threadpoolctl


def set_num_threads(n):
    """Use ``n`` threads in the BLAS library behind NumPy's matrix products, like
    ``torch.set_num_threads``. Needs ``threadpoolctl``.

    >>> md.set_num_threads(1)   # doctest: +SKIP
    >>> md.get_num_threads()    # doctest: +SKIP
    1
    """
    if isinstance(n, bool) or not isinstance(n, (int, numpy.integer)) or n < 1:
        raise ValueError(f"set_num_threads: n must be a positive integer, got {n!r}")
    threadpoolctl = _threadpoolctl("set_num_threads")
    if _threads["controller"] is None:
        _threads["controller"] = threadpoolctl.ThreadpoolController()
    _threads["controller"].limit(limits=int(n), user_api="blas")
    _threads["chosen"] = int(n)


def get_num_threads():
    """The number of BLAS threads NumPy's matrix products use (the largest, if several BLAS
    libraries are loaded). Needs ``threadpoolctl``."""
    threadpoolctl = _threadpoolctl("get_num_threads")
    counts = [info["num_threads"] for info in threadpoolctl.threadpool_info() if info["user_api"] == "blas"]
    if not counts:
        raise RuntimeError("get_num_threads: no BLAS library is loaded (threadpoolctl found none)")
    return max(counts)


def default_num_threads(ranks_on_node, cores=None):
    """BLAS threads per MPI rank when the user did not choose: ``cores // ranks_on_node`` (at
    least 1), and no more than the cores this process may run on (its CPU affinity)."""
    if isinstance(ranks_on_node, bool) or not isinstance(ranks_on_node, int) or ranks_on_node < 1:
        raise ValueError(
            f"default_num_threads: ranks_on_node must be a positive integer, got {ranks_on_node!r}"
        )
    if cores is None:
        cores = os.cpu_count() or 1
    allowed = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    return max(1, min(cores // ranks_on_node, allowed))


def apply_default_num_threads(ranks_on_node):
    """Give this rank ``default_num_threads(ranks_on_node)`` BLAS threads, unless the user chose a
    number (``set_num_threads`` or an ``*_NUM_THREADS`` variable) or threadpoolctl is missing.
    Returns the number set, or None when nothing was changed."""
    if _threads["chosen"] is not None or any(name in os.environ for name in _THREAD_VARIABLES):
        return None
    try:
        _threadpoolctl("apply_default_num_threads")
    except ImportError:
        return None
    n = default_num_threads(ranks_on_node)
    set_num_threads(n)
    _threads["chosen"] = None  # a default, not the user's choice: the next group may change it
    return n
