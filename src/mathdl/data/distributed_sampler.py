"""DistributedSampler: each rank's share of a dataset's indices, with PyTorch's layout.

For N samples over R ranks, each rank gets n = ⌈N/R⌉ indices (n = ⌈(N − R)/R⌉ = ⌊N/R⌋ with
``drop_last=True`` when R does not divide N). The epoch's order (0..N−1, or a permutation seeded by
``seed + epoch`` so every rank draws the same one) is padded by wrapping around to its start up to
T = n·R indices (or cut to T with ``drop_last``), and rank r takes positions r, r + R, r + 2R, …:

    order  = [5, 2, 7, 0, 4, 1, 3, 6, 8, 9]  (N = 10, R = 3: n = 4, T = 12, padded with 5, 2)
    rank 0 = [5, 0, 3, 9],  rank 1 = [2, 4, 6, 5],  rank 2 = [7, 1, 8, 2]

So the ranks' shards are disjoint except for the T − N wrapped samples, and together cover every
sample. The shuffle uses NumPy's generator (``default_rng(seed + epoch).permutation``), so the
order differs from PyTorch's ``randperm`` for the same seed; the layout is the same.
Call ``set_epoch(epoch)`` at the start of every epoch, or every epoch repeats the first one's order.

    sampler = DistributedSampler(dataset)               # rank and world size from the process group
    loader = DataLoader(dataset, batch_size=64, sampler=sampler)
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        for x, y in loader: ...
"""

import math
import numbers

import numpy as np


def _from_process_group(num_replicas, rank):
    from mathdl import distributed as dist

    if not dist.is_initialized():
        raise ValueError(
            "DistributedSampler: num_replicas and rank were not given and no process group is "
            "initialised: call mathdl.distributed.init_process_group() first, or pass both"
        )
    return (dist.get_world_size() if num_replicas is None else num_replicas), (
        dist.get_rank() if rank is None else rank
    )


def _check_integer(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"DistributedSampler: {name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


class DistributedSampler:
    """Indices of this rank's shard of ``dataset`` (``torch.utils.data.DistributedSampler``).

    Args:
        dataset: anything with ``len()``.
        num_replicas: the number of ranks R (default: the process group's world size).
        rank: this rank in 0..R−1 (default: the process group's rank).
        shuffle: a new permutation each epoch (seeded by ``seed + epoch``), the same on every rank.
        seed: the base seed; must be the same on every rank.
        drop_last: drop the tail so every rank gets ⌊N/R⌋ distinct samples, instead of padding
            by wrapping around to ⌈N/R⌉.

    ``len(sampler)`` is the number of indices per rank; iterating gives them as Python ints.
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if not hasattr(dataset, "__len__"):
            raise TypeError(f"DistributedSampler: dataset must have a length, got {type(dataset).__name__}")
        if num_replicas is None or rank is None:
            num_replicas, rank = _from_process_group(num_replicas, rank)
        num_replicas = _check_integer(num_replicas, "num_replicas", 1)
        if isinstance(rank, bool) or not isinstance(rank, numbers.Integral) or not 0 <= rank < num_replicas:
            raise ValueError(
                f"DistributedSampler: invalid rank {rank!r}, rank should be in the interval [0, {num_replicas - 1}]"
            )
        for name, flag in (("shuffle", shuffle), ("drop_last", drop_last)):
            if not isinstance(flag, (bool, np.bool_)):
                raise TypeError(f"DistributedSampler: {name} must be True or False, got {flag!r}")
        self.dataset = dataset
        self.num_replicas, self.rank = num_replicas, int(rank)
        self.shuffle, self.drop_last = bool(shuffle), bool(drop_last)
        self.seed = _check_integer(seed, "seed", 0)
        self.epoch = 0
        length = len(dataset)
        if self.drop_last and length % num_replicas != 0:
            self.num_samples = math.ceil((length - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(length / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def set_epoch(self, epoch):
        """Use ``epoch`` for the next iteration's shuffle (every rank must pass the same value)."""
        self.epoch = _check_integer(epoch, "epoch", 0)

    def indices(self):
        """This rank's indices for the current epoch, as an int64 array of length ``len(self)``."""
        length = len(self.dataset)
        if self.shuffle:
            order = np.random.default_rng(self.seed + self.epoch).permutation(length)
        else:
            order = np.arange(length)
        if self.drop_last:
            order = order[: self.total_size]
        elif self.total_size > length and length > 0:
            order = np.resize(order, self.total_size)  # repeats from the start: wrap-around padding
        return order[self.rank : self.total_size : self.num_replicas].astype(np.int64, copy=False)

    def __iter__(self):
        return iter(self.indices().tolist())

    def __len__(self):
        return self.num_samples

    def __repr__(self):
        return (
            f"DistributedSampler(num_replicas={self.num_replicas}, rank={self.rank}, "
            f"shuffle={self.shuffle}, seed={self.seed}, drop_last={self.drop_last}, epoch={self.epoch})"
        )
