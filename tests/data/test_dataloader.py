"""DataLoader: batching, shuffling per epoch, reproducibility, the batched fast path, collation."""

import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mathdl as md
from mathdl.data import DataLoader, Dataset, TensorDataset, default_collate


def _batches(loader):
    return [tuple(t.array for t in batch) if isinstance(batch, tuple) else batch.array for batch in loader]


@pytest.mark.parametrize(
    "n, batch_size, drop_last, sizes",
    [
        (10, 3, False, [3, 3, 3, 1]),
        (10, 3, True, [3, 3, 3]),
        (9, 3, True, [3, 3, 3]),
        (2, 5, False, [2]),
        (2, 5, True, []),
        (0, 4, False, []),
    ],
)
def test_batch_sizes_and_len(n, batch_size, drop_last, sizes):
    loader = DataLoader(TensorDataset(np.arange(n)), batch_size=batch_size, drop_last=drop_last)
    assert len(loader) == len(sizes)
    assert [len(x) for (x,) in _batches(loader)] == sizes


def test_in_order_batches_are_tuples_of_tensors():
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.arange(10) % 3
    batches = list(DataLoader(TensorDataset(x, y), batch_size=4))
    assert all(isinstance(b, tuple) and len(b) == 2 for b in batches)
    assert all(isinstance(t, md.Tensor) for b in batches for t in b)
    np.testing.assert_array_equal(np.concatenate([b[0].array for b in batches]), x)
    np.testing.assert_array_equal(np.concatenate([b[1].array for b in batches]), y)
    assert batches[0][0].dtype == np.float32 and batches[0][1].dtype == y.dtype


def test_shuffle_is_a_new_permutation_each_epoch_and_follows_manual_seed():
    loader = DataLoader(TensorDataset(np.arange(50)), batch_size=8, shuffle=True)
    md.manual_seed(3)
    first = np.concatenate([x for (x,) in _batches(loader)])
    second = np.concatenate([x for (x,) in _batches(loader)])
    np.testing.assert_array_equal(np.sort(first), np.arange(50))
    np.testing.assert_array_equal(np.sort(second), np.arange(50))
    assert not np.array_equal(first, second)
    md.manual_seed(3)
    np.testing.assert_array_equal(np.concatenate([x for (x,) in _batches(loader)]), first)


def test_explicit_generator_is_used_and_leaves_the_global_stream_alone():
    ds = TensorDataset(np.arange(30))
    md.manual_seed(0)
    expected_global = md.random.generator().random()
    md.manual_seed(0)
    a = _batches(DataLoader(ds, batch_size=7, shuffle=True, generator=np.random.default_rng(1)))
    assert md.random.generator().random() == expected_global
    b = _batches(DataLoader(ds, batch_size=7, shuffle=True, generator=np.random.default_rng(1)))
    for (u,), (v,) in zip(a, b):
        np.testing.assert_array_equal(u, v)


class CountingDataset(TensorDataset):
    calls = 0

    def __getitem__(self, index):
        CountingDataset.calls += 1
        return super().__getitem__(index)


def test_fast_path_never_calls_getitem():
    CountingDataset.calls = 0
    loader = DataLoader(CountingDataset(np.arange(100), np.arange(100)), batch_size=10, shuffle=True)
    total = sum(len(x) for x, _ in loader)
    assert total == 100 and CountingDataset.calls == 0


def test_fast_path_does_not_copy_the_dataset():
    x = np.zeros((4000, 256), dtype=np.float32)  # 4 MB
    loader = DataLoader(TensorDataset(x), batch_size=16, shuffle=True)
    tracemalloc.start()
    for _ in loader:
        pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 1_000_000, f"peak {peak} bytes: the loop copied far more than one batch"


def test_array_and_tensor_datasets_give_single_tensors():
    data = np.arange(12).reshape(6, 2)
    for dataset in (data, md.Tensor(data)):
        batches = list(DataLoader(dataset, batch_size=4))
        assert [type(b) for b in batches] == [md.Tensor, md.Tensor]
        np.testing.assert_array_equal(batches[1].array, data[4:])


class Pairs(Dataset):
    """A generic dataset: (array, int, float, str, dict) samples."""

    def __len__(self):
        return 5

    def __getitem__(self, i):
        return np.full((2, 3), i, dtype=np.float32), i, i / 2, f"s{i}", {"w": np.array([i, -i])}


def test_generic_path_collates_field_by_field():
    batches = list(DataLoader(Pairs(), batch_size=3))
    image, label, weight, name, extra = batches[0]
    assert image.shape == (3, 2, 3) and image.dtype == np.float32
    assert label.dtype == np.int64 and label.array.tolist() == [0, 1, 2]
    assert weight.dtype == md.get_default_dtype()
    np.testing.assert_allclose(weight.array, [0, 0.5, 1])
    assert name == ["s0", "s1", "s2"]
    np.testing.assert_array_equal(extra["w"].array, [[0, 0], [1, -1], [2, -2]])
    assert batches[1][0].shape == (2, 2, 3)


def test_custom_collate_fn():
    loader = DataLoader(Pairs(), batch_size=2, collate_fn=lambda samples: [s[1] for s in samples])
    assert list(loader) == [[0, 1], [2, 3], [4]]


def test_default_collate_errors():
    with pytest.raises(ValueError, match=r"shapes differ \(\(2,\), \(3,\)\)"):
        default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(TypeError, match="cannot batch samples' field of type object"):
        default_collate([object(), object()])
    with pytest.raises(ValueError, match="different keys"):
        default_collate([{"a": 1}, {"b": 1}])
    with pytest.raises(ValueError, match="different lengths"):
        default_collate([(1, 2), (1,)])
    with pytest.raises(ValueError, match="non-empty"):
        default_collate([])
    assert default_collate([True, False]).dtype == np.bool_


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"batch_size": 0}, ValueError, "positive integer"),
        ({"batch_size": 2.5}, ValueError, "positive integer"),
        ({"batch_size": True}, ValueError, "positive integer"),
        ({"shuffle": "yes"}, TypeError, "shuffle"),
        ({"drop_last": 1}, TypeError, "drop_last"),
        ({"generator": 42}, TypeError, "numpy.random.Generator"),
        ({"collate_fn": 3}, TypeError, "callable"),
    ],
)
def test_misuse(kwargs, error, message):
    with pytest.raises(error, match=message):
        DataLoader(TensorDataset(np.arange(4)), **kwargs)


def test_bad_dataset():
    with pytest.raises(TypeError, match="__len__ and __getitem__"):
        DataLoader(5)
    with pytest.raises(ValueError, match="scalar"):
        DataLoader(np.array(1.0))


def test_len_and_batch_sizes_match_pytorch(torch):
    for n, batch_size, drop_last in [(10, 3, False), (10, 3, True), (64, 8, True), (5, 7, False)]:
        reference = torch.utils.data.DataLoader(
            torch.utils.data.TensorDataset(torch.arange(n)), batch_size=batch_size, drop_last=drop_last
        )
        ours = DataLoader(TensorDataset(np.arange(n)), batch_size=batch_size, drop_last=drop_last)
        assert len(ours) == len(reference)
        assert [len(x) for (x,) in ours] == [len(x) for (x,) in reference]


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(0, 40),
    batch_size=st.integers(1, 12),
    drop_last=st.booleans(),
    shuffle=st.booleans(),
    seed=st.integers(0, 2**31),
)
def test_an_epoch_visits_each_sample_at_most_once_property(n, batch_size, drop_last, shuffle, seed):
    loader = DataLoader(
        TensorDataset(np.arange(n)),
        batch_size=batch_size,
        shuffle=shuffle,
        drop_last=drop_last,
        generator=np.random.default_rng(seed),
    )
    seen = [x.array for (x,) in loader]
    assert len(seen) == len(loader)
    assert all(len(b) == batch_size for b in seen[:-1])
    flat = np.concatenate(seen) if seen else np.zeros(0, dtype=int)
    assert len(set(flat.tolist())) == len(flat)
    assert len(flat) == (n // batch_size * batch_size if drop_last else n)
    if not shuffle:
        np.testing.assert_array_equal(flat, np.arange(len(flat)))
