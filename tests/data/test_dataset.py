"""Dataset, TensorDataset and Subset."""

import numpy as np
import pytest

import mathdl as md
from mathdl.data import Dataset, Subset, TensorDataset


def test_tensor_dataset_rows_and_batches(rng):
    x = rng.standard_normal((6, 3)).astype(np.float32)
    y = np.arange(6)
    ds = TensorDataset(md.Tensor(x), y)
    assert len(ds) == 6
    xi, yi = ds[4]
    assert isinstance(xi, md.Tensor) and isinstance(yi, md.Tensor)
    np.testing.assert_array_equal(xi.array, x[4])
    assert yi.item() == 4
    np.testing.assert_array_equal(ds[-1][1].array, 5)
    bx, by = ds.get_batch(np.array([5, 0, 2]))
    np.testing.assert_array_equal(bx, x[[5, 0, 2]])
    np.testing.assert_array_equal(by, [5, 0, 2])
    assert ds.arrays[0] is x  # held without a copy
    assert all(isinstance(t, md.Tensor) for t in ds.tensors)


def test_tensor_dataset_misuse():
    with pytest.raises(ValueError, match=r"same first dimension.*\(3, 2\), \(4,\)"):
        TensorDataset(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()
    with pytest.raises(ValueError, match="scalar"):
        TensorDataset(np.float32(3))
    with pytest.raises(TypeError, match="ragged"):
        TensorDataset([[1, 2], [3]])
    ds = TensorDataset(np.zeros(3))
    with pytest.raises(IndexError, match="index 3 is out of range for length 3"):
        ds[3]
    with pytest.raises(TypeError, match="integer"):
        ds[1.0]
    with pytest.raises(IndexError, match="out of range"):
        ds.get_batch(np.array([0, 7]))
    with pytest.raises(TypeError, match="1-D integer"):
        ds.get_batch(np.array([0.0, 1.0]))


def test_subset_maps_indices_and_keeps_the_batch_path(rng):
    base = TensorDataset(np.arange(10) * 10)
    sub = Subset(base, [7, 2, 2, 9])
    assert len(sub) == 4
    assert sub[0][0].item() == 70 and sub[-1][0].item() == 90
    np.testing.assert_array_equal(sub.get_batch(np.array([1, 3]))[0], [20, 90])
    nested = Subset(sub, np.array([3, 0]))
    np.testing.assert_array_equal(nested.get_batch(np.array([0, 1]))[0], [90, 70])
    assert len(Subset(base, [])) == 0


class Squares(Dataset):
    def __len__(self):
        return 5

    def __getitem__(self, i):
        return i * i


def test_subset_of_a_plain_dataset_has_no_batch_path():
    sub = Subset(Squares(), [4, 1])
    assert sub[0] == 16
    assert not hasattr(sub, "get_batch")


def test_subset_misuse():
    with pytest.raises(IndexError, match="index 10 is out of range"):
        Subset(TensorDataset(np.zeros(10)), [0, 10])
    with pytest.raises(TypeError, match="__getitem__ and __len__"):
        Subset(42, [0])
    with pytest.raises(IndexError):
        Subset(TensorDataset(np.zeros(3)), [0])[1]


def test_base_dataset_requires_overrides():
    with pytest.raises(NotImplementedError):
        len(Dataset())
    with pytest.raises(NotImplementedError):
        Dataset()[0]
