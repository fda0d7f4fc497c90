"""random_split, train_val_split and kfold_splits."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mathdl as md
from mathdl.data import Subset, TensorDataset, kfold_splits, random_split, train_val_split


def _indices(subset):
    assert isinstance(subset, Subset)
    return subset.indices


def test_random_split_by_lengths_is_a_partition():
    ds = TensorDataset(np.arange(10))
    parts = random_split(ds, [3, 0, 7], seed=1)
    assert [len(p) for p in parts] == [3, 0, 7]
    everything = np.concatenate([_indices(p) for p in parts])
    np.testing.assert_array_equal(np.sort(everything), np.arange(10))
    again = random_split(ds, [3, 0, 7], seed=1)
    np.testing.assert_array_equal(_indices(again[2]), _indices(parts[2]))


def test_random_split_fractions_follow_pytorch_rounding(torch):
    for n, fractions in [(10, [0.3, 0.7]), (11, [0.5, 0.5]), (7, [0.2, 0.2, 0.6]), (9, [0.25, 0.75])]:
        ours = [len(p) for p in random_split(TensorDataset(np.arange(n)), fractions, seed=0)]
        reference = [len(p) for p in torch.utils.data.random_split(range(n), fractions)]
        assert ours == reference


def test_random_split_default_generator_follows_manual_seed():
    ds = TensorDataset(np.arange(20))
    md.manual_seed(5)
    a = _indices(random_split(ds, [0.5, 0.5])[0])
    md.manual_seed(5)
    b = _indices(random_split(ds, [0.5, 0.5])[0])
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "lengths, error, message",
    [
        ([3, 3], ValueError, "sum to the dataset length 10"),
        ([11, -1], ValueError, "non-negative"),
        ([0.5, 0.4], ValueError, "sum to 1"),
        ([1.5, -0.5], ValueError, r"\[0, 1\]"),
        ([5, 0.5], TypeError, "all ints or all fractions"),
        ([], ValueError, "must not be empty"),
    ],
)
def test_random_split_misuse(lengths, error, message):
    with pytest.raises(error, match=message):
        random_split(TensorDataset(np.arange(10)), lengths)


def test_seed_and_generator_checks():
    ds = TensorDataset(np.arange(10))
    with pytest.raises(ValueError, match="seed or generator, not both"):
        random_split(ds, [5, 5], seed=1, generator=np.random.default_rng(0))
    with pytest.raises(ValueError, match="non-negative integer"):
        random_split(ds, [5, 5], seed=-1)
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        random_split(ds, [5, 5], generator=3)


def test_train_val_split_sizes_and_disjointness():
    ds = TensorDataset(np.arange(100))
    train, val = train_val_split(ds, 0.25, seed=0)
    assert len(train) == 75 and len(val) == 25
    assert not set(_indices(train)) & set(_indices(val))
    train2, _ = train_val_split(ds, 0.25, seed=0)
    np.testing.assert_array_equal(_indices(train), _indices(train2))


def test_stratified_train_val_split_keeps_class_proportions():
    labels = np.repeat([0, 1, 2], [100, 50, 10])
    ds = TensorDataset(np.arange(160), labels)
    train, val = train_val_split(ds, 0.2, seed=3, stratify=labels)
    np.testing.assert_array_equal(np.bincount(labels[_indices(val)]), [20, 10, 2])
    np.testing.assert_array_equal(np.bincount(labels[_indices(train)]), [80, 40, 8])
    assert len(set(_indices(train)) | set(_indices(val))) == 160


@pytest.mark.parametrize("fraction", [0, 1, 1.5, -0.1, "0.2", True])
def test_train_val_split_bad_fraction(fraction):
    with pytest.raises(ValueError, match=r"val_fraction must be a number in \(0, 1\)"):
        train_val_split(TensorDataset(np.arange(10)), fraction)


def test_train_val_split_empty_part_and_bad_labels():
    with pytest.raises(ValueError, match="both must be non-empty"):
        train_val_split(TensorDataset(np.arange(3)), 0.1)
    with pytest.raises(ValueError, match=r"labels must have shape \(10,\)"):
        train_val_split(TensorDataset(np.arange(10)), 0.2, stratify=np.zeros(9))


@pytest.mark.parametrize("n, k", [(10, 3), (12, 4), (7, 7), (101, 5)])
@pytest.mark.parametrize("shuffle", [True, False])
def test_kfold_every_sample_validates_exactly_once(n, k, shuffle):
    folds = list(kfold_splits(n, k, shuffle=shuffle, seed=0 if shuffle else None))
    assert len(folds) == k
    val_counts = np.zeros(n, dtype=int)
    sizes = []
    for train_idx, val_idx in folds:
        assert train_idx.dtype == val_idx.dtype == np.int64
        assert not set(train_idx) & set(val_idx)
        np.testing.assert_array_equal(np.sort(np.concatenate([train_idx, val_idx])), np.arange(n))
        val_counts[val_idx] += 1
        sizes.append(len(val_idx))
    np.testing.assert_array_equal(val_counts, 1)
    # sklearn's KFold sizes: the first n % k folds have one extra sample.
    assert sizes == [n // k + 1] * (n % k) + [n // k] * (k - n % k)


def test_kfold_without_shuffle_is_contiguous_blocks():
    folds = [val.tolist() for _, val in kfold_splits(7, 3, shuffle=False)]
    assert folds == [[0, 1, 2], [3, 4], [5, 6]]


def test_stratified_kfold_balances_every_class():
    labels = np.repeat([0, 1, 2], [23, 11, 6])
    md.manual_seed(0)
    per_fold = []
    for train_idx, val_idx in kfold_splits(labels, 5, stratified=True):
        per_fold.append(np.bincount(labels[val_idx], minlength=3))
        assert len(set(train_idx) | set(val_idx)) == 40
    per_fold = np.array(per_fold)
    np.testing.assert_array_equal(per_fold.sum(axis=0), [23, 11, 6])
    assert (per_fold.max(axis=0) - per_fold.min(axis=0)).max() <= 1
    assert per_fold.sum(axis=1).max() - per_fold.sum(axis=1).min() <= 1


def test_kfold_reproducible_with_seed_and_labels_count():
    a = [v for _, v in kfold_splits(np.zeros(20), 4, seed=9)]
    b = [v for _, v in kfold_splits(20, 4, seed=9)]
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize(
    "args, kwargs, error, message",
    [
        ((10, 1), {}, ValueError, "k must be an integer >= 2"),
        ((3, 4), {}, ValueError, "need at least k samples"),
        ((10, 2), {"stratified": True}, ValueError, "needs the labels"),
        ((np.zeros((2, 5)), 2), {}, ValueError, "1-D"),
        ((-1, 2), {}, ValueError, ">= 0"),
        ((10, 2), {"shuffle": False, "seed": 1}, ValueError, "only apply with shuffle=True"),
        ((10, 2), {"shuffle": "no"}, TypeError, "shuffle"),
    ],
)
def test_kfold_misuse(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        list(kfold_splits(*args, **kwargs))


def test_generator_may_be_passed_positionally_like_pytorch():
    ds = TensorDataset(np.arange(12))
    a = random_split(ds, [6, 6], np.random.default_rng(4))
    b = random_split(ds, [6, 6], generator=np.random.default_rng(4))
    np.testing.assert_array_equal(_indices(a[0]), _indices(b[0]))


@settings(max_examples=60, deadline=None)
@given(
    labels=st.lists(st.integers(0, 4), min_size=2, max_size=60),
    k=st.integers(2, 8),
    stratified=st.booleans(),
    seed=st.integers(0, 2**31),
)
def test_kfold_partition_property(labels, k, stratified, seed):
    labels = np.array(labels)
    if k > len(labels):
        k = len(labels)
    counts = np.zeros(len(labels), dtype=int)
    fold_sizes = []
    for train_idx, val_idx in kfold_splits(labels, k, seed=seed, stratified=stratified):
        counts[val_idx] += 1
        fold_sizes.append(len(val_idx))
        assert len(train_idx) + len(val_idx) == len(labels)
        assert np.all(np.diff(val_idx) > 0) and np.all(np.diff(train_idx) > 0)
    np.testing.assert_array_equal(counts, 1)
    assert max(fold_sizes) - min(fold_sizes) <= 1
