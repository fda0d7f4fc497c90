"""Samplers (Sequential, Random with and without replacement, SubsetRandom, WeightedRandom, Batch),
the DataLoader arguments PyTorch code passes (sampler, batch_sampler, batch_size=None, num_workers,
pin_memory, worker_init_fn, ...) with PyTorch's exclusions, IterableDataset, ConcatDataset,
TensorDataset slicing and the mathdl.utils.data import path."""

import doctest

import numpy as np
import pytest

import mathdl as md
from mathdl.data import sampler as sampler_module
from mathdl.utils import data
from mathdl.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
)


def _rng(seed=0):
    return np.random.default_rng(seed)


def test_import_path_is_the_same_objects():
    import mathdl.data as md_data

    assert data.DataLoader is md_data.DataLoader and data.TensorDataset is md_data.TensorDataset
    assert md.utils.data.random_split is md_data.random_split


def test_sequential_and_random_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3] and len(SequentialSampler(range(4))) == 4
    order = list(RandomSampler(range(10), generator=_rng()))
    assert sorted(order) == list(range(10)) and order != list(range(10))
    longer = list(RandomSampler(range(4), num_samples=10, generator=_rng()))
    assert len(longer) == 10 and sorted(longer[:4]) == [0, 1, 2, 3] and sorted(longer[4:8]) == [0, 1, 2, 3]
    drawn = np.array(list(RandomSampler(range(3), replacement=True, num_samples=3000, generator=_rng())))
    assert set(drawn.tolist()) == {0, 1, 2} and abs(np.mean(drawn == 0) - 1 / 3) < 0.05
    md.manual_seed(3)
    first = list(RandomSampler(range(20)))
    md.manual_seed(3)
    assert list(RandomSampler(range(20))) == first


def test_subset_weighted_and_batch_samplers():
    subset = list(SubsetRandomSampler([5, 7, 9], generator=_rng()))
    assert sorted(subset) == [5, 7, 9]
    weights = [0.1, 0.0, 0.9]
    drawn = np.array(list(WeightedRandomSampler(weights, 5000, generator=_rng())))
    assert not np.any(drawn == 1) and abs(np.mean(drawn == 2) - 0.9) < 0.02
    unique = list(WeightedRandomSampler([1.0, 2.0, 3.0, 0.5], 4, replacement=False, generator=_rng()))
    assert sorted(unique) == [0, 1, 2, 3]
    batches = list(BatchSampler(SequentialSampler(range(7)), 3, drop_last=True))
    assert batches == [[0, 1, 2], [3, 4, 5]] and len(BatchSampler(range(7), 3, False)) == 3


def test_sampler_errors():
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        RandomSampler(range(3), replacement=1)
    with pytest.raises(ValueError, match="without replacement"):
        WeightedRandomSampler([1.0, 0.0], 2, replacement=False)
    with pytest.raises(ValueError, match="non-negative"):
        WeightedRandomSampler([1.0, -1.0], 2)
    with pytest.raises(TypeError, match="generator must be"):
        RandomSampler(range(3), generator=42)


def _dataset(n=10):
    return TensorDataset(np.arange(n, dtype=np.float32)[:, None], np.arange(n))


def test_loader_with_sampler_and_batch_sampler():
    loader = DataLoader(
        _dataset(), batch_size=4, sampler=SubsetRandomSampler([1, 3, 5, 7, 9], generator=_rng())
    )
    labels = np.concatenate([y.array for _, y in loader])
    assert sorted(labels.tolist()) == [1, 3, 5, 7, 9] and len(loader) == 2
    batches = [y.tolist() for _, y in DataLoader(_dataset(), batch_sampler=[[0, 2], [4, 6, 8]])]
    assert batches == [[0, 2], [4, 6, 8]]
    assert isinstance(DataLoader(_dataset(), shuffle=True).sampler, RandomSampler)
    assert isinstance(DataLoader(_dataset()).batch_sampler, BatchSampler)


def test_batch_size_none_yields_single_samples():
    loader = DataLoader(_dataset(3), batch_size=None)
    samples = list(loader)
    assert len(loader) == 3 and len(samples) == 3 and samples[1][1].tolist() == 1
    arrays = list(DataLoader(np.eye(2), batch_size=None))
    assert isinstance(arrays[0], md.Tensor) and arrays[0].shape == (2,)


def test_worker_and_memory_arguments_are_accepted_and_run_in_process():
    calls = []

    def init(worker_id):
        info = data.get_worker_info()
        calls.append((worker_id, info.id, info.num_workers))

    loader = DataLoader(
        _dataset(),
        batch_size=5,
        num_workers=4,
        pin_memory=True,
        worker_init_fn=init,
        persistent_workers=True,
        prefetch_factor=2,
        timeout=0,
    )
    for _ in range(2):
        assert [y.tolist() for _, y in loader] == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    assert calls == [(0, 0, 1), (0, 0, 1)] and data.get_worker_info() is None


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"sampler": [0, 1], "shuffle": True}, "mutually exclusive with shuffle"),
        ({"batch_sampler": [[0]], "batch_size": 2}, "batch_sampler option is mutually exclusive"),
        ({"batch_size": None, "drop_last": True}, "disables auto-batching"),
        ({"num_workers": -1}, "num_workers option should be non-negative"),
        ({"prefetch_factor": 2}, "prefetch_factor option could only be specified"),
        ({"persistent_workers": True}, "persistent_workers option needs num_workers > 0"),
        ({"timeout": -1}, "timeout option should be non-negative"),
        ({"batch_size": 0}, "batch_size must be a positive integer or None"),
    ],
)
def test_loader_option_errors_as_torch(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DataLoader(_dataset(), **kwargs)


class Squares(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        for i in range(self.n):
            yield np.float64(i * i), i

    def __len__(self):
        return self.n


def test_iterable_dataset_is_batched_in_stream_order():
    loader = DataLoader(Squares(5), batch_size=2)
    batches = [(x.tolist(), y.tolist()) for x, y in loader]
    assert batches == [([0.0, 1.0], [0, 1]), ([4.0, 9.0], [2, 3]), ([16.0], [4])] and len(loader) == 3
    assert len(DataLoader(Squares(5), batch_size=2, drop_last=True)) == 2
    chained = [int(y) for _, y in Squares(2) + Squares(3)]
    assert chained == [0, 1, 0, 1, 2]
    with pytest.raises(ValueError, match="IterableDataset"):
        DataLoader(Squares(3), shuffle=True)


class Plain(Dataset):
    def __init__(self, values):
        self.values = values

    def __len__(self):
        return len(self.values)

    def __getitem__(self, index):
        return self.values[index], index


def test_concat_dataset_generic_and_fast_paths():
    both = Plain([10.0, 11.0]) + Plain([20.0, 21.0, 22.0])
    assert len(both) == 5 and both[3] == (21.0, 1) and both[-1] == (22.0, 2)
    assert both.cumulative_sizes == [2, 5]
    fast = ConcatDataset([_dataset(3), TensorDataset(np.full((2, 1), 7.0), np.array([70, 71]))])
    got = [y.tolist() for _, y in DataLoader(fast, batch_size=4, shuffle=True, generator=_rng())]
    assert sorted(sum(got, [])) == [0, 1, 2, 70, 71]
    with pytest.raises(IndexError, match="out of range"):
        both[5]


def test_tensor_dataset_slices_and_index_arrays():
    dataset = _dataset(6)
    x, y = dataset[1:4]
    assert x.shape == (3, 1) and y.tolist() == [1, 2, 3]
    assert dataset[[5, 0]][1].tolist() == [5, 0] and dataset[md.tensor([2])][1].tolist() == [2]
    assert dataset[np.arange(6) % 2 == 0][1].tolist() == [0, 2, 4]
    with pytest.raises(IndexError, match="out of range"):
        dataset[[9]]
    with pytest.raises(TypeError, match="index must be"):
        dataset[1.5]


def test_random_split_fractions_through_the_torch_path():
    parts = data.random_split(_dataset(10), [0.7, 0.3], generator=_rng())
    assert [len(p) for p in parts] == [7, 3]
    assert sorted(np.concatenate([p.indices for p in parts]).tolist()) == list(range(10))


def test_docstring_examples():
    result = doctest.testmod(sampler_module)
    assert result.attempted > 0 and result.failed == 0
