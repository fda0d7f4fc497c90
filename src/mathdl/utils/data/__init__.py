"""``mathdl.utils.data``: ``torch.utils.data``'s names, which are ``mathdl.data``'s objects (not
copies), so ``isinstance`` checks and the fast batching paths work whichever path imported them.

    from mathdl.utils.data import DataLoader, Dataset, TensorDataset, random_split
    from mathdl.utils.data import RandomSampler, WeightedRandomSampler, BatchSampler

DataLoader's workers run in the calling process (see ``mathdl.data.DataLoader``).
"""

from mathdl.data.dataloader import DataLoader, WorkerInfo, default_collate, default_convert, get_worker_info
from mathdl.data.dataset import ChainDataset, ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset
from mathdl.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from mathdl.data.splits import random_split

__all__ = [
    "BatchSampler",
    "ChainDataset",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "WorkerInfo",
    "default_collate",
    "default_convert",
    "get_worker_info",
    "random_split",
]
