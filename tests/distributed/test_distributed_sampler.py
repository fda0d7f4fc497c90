"""DistributedSampler: PyTorch's index layout (wrap-around padding, drop_last, set_epoch), and
DataLoader(sampler=...)."""

import numpy as np
import pytest

from mathdl.data import DataLoader, DistributedSampler, TensorDataset

SIZES = [(10, 3), (12, 4), (2, 5), (7, 2), (1, 1), (0, 2), (17, 16)]


@pytest.mark.parametrize("length,replicas", SIZES)
@pytest.mark.parametrize("drop_last", [False, True])
def test_unshuffled_layout_equals_torch(torch, length, replicas, drop_last):
    from torch.utils.data import DistributedSampler as TorchSampler

    for rank in range(replicas):
        ours = DistributedSampler(range(length), replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = TorchSampler(range(length), replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs)
        assert len(ours) == len(theirs)


@pytest.mark.parametrize("length,replicas", SIZES)
@pytest.mark.parametrize("drop_last", [False, True])
def test_shuffled_layout_is_torchs_layout_of_our_permutation(torch, length, replicas, drop_last):
    """The shuffle draws NumPy's permutation of seed + epoch; the positions each rank takes from it
    are PyTorch's (its unshuffled sampler lists exactly those positions)."""
    from torch.utils.data import DistributedSampler as TorchSampler

    permutation = np.random.default_rng(3 + 5).permutation(length)
    for rank in range(replicas):
        ours = DistributedSampler(range(length), replicas, rank, seed=3, drop_last=drop_last)
        ours.set_epoch(5)
        positions = list(TorchSampler(range(length), replicas, rank, shuffle=False, drop_last=drop_last))
        assert list(ours) == permutation[positions].tolist()


def test_shards_cover_the_dataset_and_epochs_differ():
    shards = [DistributedSampler(range(10), 3, rank, seed=1) for rank in range(3)]
    first = [s.indices() for s in shards]
    assert sorted(set(np.concatenate(first).tolist())) == list(range(10))
    assert sum(len(s) for s in first) == 12  # two samples repeated by the wrap-around
    for s in shards:
        s.set_epoch(1)
    second = [s.indices() for s in shards]
    assert any(not np.array_equal(a, b) for a, b in zip(first, second))
    again = DistributedSampler(range(10), 3, 0, seed=1)
    again.set_epoch(1)
    np.testing.assert_array_equal(again.indices(), second[0])  # same seed and epoch: same order
    dropped = [DistributedSampler(range(10), 3, r, seed=1, drop_last=True).indices() for r in range(3)]
    union = np.concatenate(dropped)
    assert len(union) == 9 and len(set(union.tolist())) == 9  # disjoint, one sample left out


def test_dataloader_with_sampler():
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.arange(10)
    sampler = DistributedSampler(range(10), num_replicas=2, rank=1, shuffle=False)
    loader = DataLoader(TensorDataset(x, y), batch_size=2, sampler=sampler)
    assert len(loader) == 3
    labels = [batch[1].array.tolist() for batch in loader]
    assert labels == [[1, 3], [5, 7], [9]]
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataLoader(TensorDataset(x, y), batch_size=2, sampler=sampler, shuffle=True)
    with pytest.raises(TypeError, match="sampler"):
        DataLoader(TensorDataset(x, y), sampler=3)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(num_replicas=2, rank=2), "rank should be in the interval"),
        (dict(num_replicas=2, rank=-1), "rank should be in the interval"),
        (dict(num_replicas=0, rank=0), "num_replicas"),
        (dict(num_replicas=2, rank=0, seed=-1), "seed"),
        (dict(num_replicas=2), "init_process_group"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DistributedSampler(range(4), **kwargs)
    with pytest.raises(TypeError, match="length"):
        DistributedSampler(iter(range(4)), 2, 0)
    with pytest.raises(TypeError, match="shuffle"):
        DistributedSampler(range(4), 2, 0, shuffle="yes")
    with pytest.raises(ValueError, match="epoch"):
        DistributedSampler(range(4), 2, 0).set_epoch(-1)
