"""The shipped Fashion-MNIST subset and load_dataset(name)."""

import os

import numpy as np
import pytest

from mathdl.data import DATASET_NAMES, DatasetNotFoundError, load_dataset, load_fashion_mnist_subset
from mathdl.data.datasets.fashion_subset import SUBSET_PATH
from mathdl.data.datasets.mnist import MNIST_SPEC

DEBIAN = "/usr/share/datasets/fashion-mnist"


def test_subset_format_and_balance():
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist_subset()
    assert x_train.shape == (6000, 28, 28) and x_test.shape == (1000, 28, 28)
    assert x_train.dtype == y_train.dtype == x_test.dtype == y_test.dtype == np.uint8
    np.testing.assert_array_equal(np.bincount(y_train), [600] * 10)
    np.testing.assert_array_equal(np.bincount(y_test), [100] * 10)
    assert x_train.flags.writeable
    assert 0.2 < x_train.mean() / 255 < 0.4  # real clothing images, not zeros or noise
    assert os.path.getsize(SUBSET_PATH) <= 4_000_000


def test_licence_notice_ships_beside_the_subset():
    notice = open(os.path.join(os.path.dirname(SUBSET_PATH), "FASHION_MNIST_LICENSE.txt")).read()
    assert "Zalando SE" in notice and "MIT License" in notice
    assert "Permission is hereby granted" in notice


@pytest.mark.skipif(not os.path.isdir(DEBIAN), reason="Debian's dataset-fashion-mnist is not installed")
def test_subset_is_exactly_the_recorded_rows_of_the_full_set(tmp_path, monkeypatch):
    monkeypatch.setenv("MATHDL_DATA", str(tmp_path))
    from mathdl.data import load_fashion_mnist

    (x_full, y_full), (xt_full, yt_full) = load_fashion_mnist(download=False)
    with np.load(SUBSET_PATH, allow_pickle=False) as archive:
        train_indices = archive["train_indices"].astype(np.int64)
        test_indices = archive["test_indices"].astype(np.int64)
        assert int(archive["seed"]) == 0
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist_subset()
    assert np.all(np.diff(train_indices) > 0)
    np.testing.assert_array_equal(x_train, x_full[train_indices])
    np.testing.assert_array_equal(y_train, y_full[train_indices])
    np.testing.assert_array_equal(x_test, xt_full[test_indices])
    np.testing.assert_array_equal(y_test, yt_full[test_indices])


def test_damaged_subset_file_gives_a_clear_error(tmp_path):
    bad = tmp_path / "subset.npz"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ValueError, match="cannot read"):
        load_fashion_mnist_subset(bad)
    np.savez(tmp_path / "partial.npz", x_train=np.zeros((1, 28, 28), np.uint8))
    with pytest.raises(ValueError, match="lacks entries"):
        load_fashion_mnist_subset(tmp_path / "partial.npz")


def test_load_dataset_names():
    assert DATASET_NAMES[0] == "fashion-mnist-subset"
    default = load_dataset()
    for alias in ("fashion-mnist-subset", "Fashion_MNIST_Subset"):
        (x_train, _), (_, y_test) = load_dataset(alias)
        np.testing.assert_array_equal(x_train, default[0][0])
        np.testing.assert_array_equal(y_test, default[1][1])


def test_load_dataset_from_a_folder_of_idx_files(tmp_path, fake_idx):
    arrays = fake_idx(tmp_path / "mine", n_train=9, n_test=4, compress=False)
    (x_train, y_train), (x_test, y_test) = load_dataset(str(tmp_path / "mine"))
    np.testing.assert_array_equal(x_train, arrays["train"][0])
    assert y_test.shape == (4,)


def test_load_dataset_misuse(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="unknown dataset 'cifar10'.*fashion-mnist-subset"):
        load_dataset("cifar10")
    with pytest.raises(TypeError, match="string or path"):
        load_dataset(3)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetNotFoundError, match="does not hold the IDX files"):
        load_dataset(str(tmp_path / "empty"))
    monkeypatch.setenv("MATHDL_DATA", str(tmp_path / "cache"))
    monkeypatch.setattr(MNIST_SPEC, "system_folders", [])
    with pytest.raises(DatasetNotFoundError, match="mnist"):
        load_dataset("mnist", download=False)
