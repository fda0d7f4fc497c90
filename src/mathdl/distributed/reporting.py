"""What a training loop needs to report once for the whole job: metrics averaged over the ranks,
and printing or writing files on rank 0 only.

A rank's metric is an average over its own samples (n_r of them); the job's is the average over
all N = Σ n_r samples:

    m = Σ_r n_r m_r / Σ_r n_r

which ``all_reduce_metrics`` computes with one ``Allreduce`` of the vector (n_r m_1, …, n_r m_k, n_r).
"""

import functools
import zlib

import numpy as np

from mathdl.distributed import collectives, process_group


def is_main_process():
    """True on rank 0, and in a process that is not part of a distributed job."""
    return not process_group.is_initialized() or process_group.get_rank() == 0


def rank_zero_only(function):
    """Decorator: run ``function`` on rank 0 (or without a process group) only; other ranks
    return None. For printing, writing run folders, checkpoints and figures.

    >>> @rank_zero_only
    ... def say(text):
    ...     print(text)
    >>> say("once")
    once
    """

    @functools.wraps(function)
    def on_rank_zero(*args, **kwargs):
        if is_main_process():
            return function(*args, **kwargs)
        return None

    return on_rank_zero


def all_reduce_metrics(metrics, count=1):
    """The sample-weighted mean of each metric over all ranks: {name: Σ_r n_r m_r / Σ_r n_r}.

    Args:
        metrics: {name: number} — this rank's averages (every rank must pass the same names).
        count: n_r, the number of samples behind this rank's averages (ranks may differ, e.g.
            a short last shard). Without a process group the metrics are returned as floats.

    Returns a dict of Python floats, identical on every rank.
    """
    if not hasattr(metrics, "items"):
        raise TypeError(f"all_reduce_metrics: metrics must be a dict, got {type(metrics).__name__}")
    if isinstance(count, bool) or not np.isscalar(count) or count < 0:
        raise ValueError(f"all_reduce_metrics: count must be a non-negative number, got {count!r}")
    names = sorted(metrics)
    values = np.array([float(metrics[name]) for name in names], dtype=np.float64)
    if not process_group.is_initialized():
        return dict(zip(names, values.tolist()))
    signature = float(zlib.crc32("\0".join(names).encode("utf-8")))
    # One Allreduce: the weighted values, the count, and a checksum of the names (whose sum is
    # size × checksum only when every rank passed the same names).
    buffer = np.concatenate([values * count, [float(count), signature]])
    collectives.all_reduce(buffer)
    size = process_group.get_world_size()
    if buffer[-1] != size * signature:
        raise ValueError(
            f"all_reduce_metrics: the ranks passed different metric names (rank "
            f"{process_group.get_rank()} has {names})"
        )
    total = buffer[-2]
    if total == 0:
        raise ValueError("all_reduce_metrics: the counts sum to 0 over all ranks")
    return dict(zip(names, (buffer[:-2] / total).tolist()))
