"""Process-wide numeric settings: the default floating dtype and the BLAS thread pool.

- ``get_default_dtype`` / ``set_default_dtype``: the dtype of new floating tensors and parameters
  (float32 unless changed to float64), read by the factories, ``Tensor(...)`` and the ops that
  promote integers.
- ``set_num_threads`` / ``get_num_threads`` (through threadpoolctl) and ``default_num_threads`` /
  ``apply_default_num_threads`` (the per-rank default under MPI): the threads of the BLAS library
  behind NumPy's matrix products.

``xp`` names the array module (NumPy) that ``Tensor(...)`` converts its data with. It is not a
switch: every op's forward calls NumPy directly, so a GPU array module (CuPy) would have to be
threaded through each op, not set here (``mathdl.devices`` refuses any device but the CPU).
"""

import functools
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
    ``torch.set_num_threads``; ``n="auto"`` measures and keeps the fastest count
    (``choose_num_threads``). Needs ``threadpoolctl``.

    >>> import mathdl as md
    >>> md.set_num_threads(1)
    >>> md.get_num_threads()
    1
    """
    if n == "auto":
        choose_num_threads()
        return
    if isinstance(n, bool) or not isinstance(n, (int, numpy.integer)) or n < 1:
        raise ValueError(f"set_num_threads: n must be a positive integer, got {n!r}")
    threadpoolctl = _threadpoolctl("set_num_threads")
    if _threads["controller"] is None:
        _threads["controller"] = threadpoolctl.ThreadpoolController()
    _threads["controller"].limit(limits=int(n), user_api="blas")
    _threads["chosen"] = int(n)


def choose_num_threads(candidates=None, size=512, repeats=3):
    """Time a float32 size×size GEMM with each BLAS thread count in ``candidates`` (default 1 up to
    the cores this process may use, at most 4), in alternating order, keep the fastest (its best
    of ``repeats``) and return it.

    Why measure: on a machine whose cores are shared (other processes, several MPI ranks), BLAS
    threads wait for each other and two are often slower than one; on an idle machine more
    threads win for large products. The choice is per process, made once (a thread-pool change
    costs more than the small products of a training step, so it is not made per call)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    candidates = list(range(1, min(cores, 4) + 1)) if candidates is None else list(candidates)
    if not candidates or any(
        isinstance(n, bool) or not isinstance(n, (int, numpy.integer)) or n < 1 for n in candidates
    ):
        raise ValueError(f"choose_num_threads: candidates must be positive integers, got {candidates!r}")
    import time

    rng = numpy.random.default_rng(0)
    a = rng.standard_normal((size, size)).astype(numpy.float32)
    best = {n: float("inf") for n in candidates}
    for round_index in range(repeats):
        order = candidates if round_index % 2 == 0 else candidates[::-1]
        for n in order:
            set_num_threads(n)
            a @ a  # the pool at its new size
            start = time.perf_counter()
            a @ a
            best[n] = min(best[n], time.perf_counter() - start)
    chosen = min(candidates, key=lambda n: (best[n], n))
    set_num_threads(chosen)
    return chosen


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


# ----- BLAS kernels ------------------------------------------------------------------------------


@functools.cache
def blas_small_matrix_kernels():
    """Whether NumPy's BLAS computes small products (m·n·k ≤ 10⁶) with kernels that read both
    operands in place, so that cutting a product into such blocks can be faster than one call.

    OpenBLAS has these small-matrix kernels for its AVX-512 x86 cores (SkylakeX and later), picked
    at run time from the CPU, and packs both operands of every product otherwise. So: True when
    NumPy is built on OpenBLAS and the CPU has the AVX-512 set of those cores (NumPy's own CPU
    feature ``AVX512_SKX``); False for any other BLAS or CPU. On an AVX2 (Haswell-kernel) CPU the
    LSTM's per-step δ·W_hh cut into 8 × 64 blocks ran 0.68× the speed of the whole product
    (``benchmarks/lstm_products.py``), so the recurrent ops cut their products only where this
    holds.

    >>> isinstance(blas_small_matrix_kernels(), bool)
    True
    """
    try:
        blas = str(numpy.__config__.CONFIG["Build Dependencies"]["blas"]["name"])
        from numpy._core._multiarray_umath import __cpu_features__
    except (AttributeError, ImportError, KeyError, TypeError):  # another NumPy build: assume not
        return False
    return "openblas" in blas.lower() and bool(__cpu_features__.get("AVX512_SKX", False))
