"""MNIST / Fashion-MNIST loaders: the search order, downloads, and validation of what is found."""

import hashlib
import os
import struct

import numpy as np
import pytest

from mathdl.data.datasets import mnist as mnist_module
from mathdl.data.datasets.download import DownloadError
from mathdl.data.datasets.idx import write_idx
from mathdl.data.datasets.mnist import (
    FASHION_MNIST_SPEC,
    MNIST_SPEC,
    DatasetNotFoundError,
    IDXDatasetSpec,
    load_fashion_mnist,
    load_idx_dataset,
    load_mnist,
    search_folders,
)

DEBIAN = "/usr/share/datasets/fashion-mnist"


def fake_spec(folder, system_folders=()):
    """A spec whose checksums are those of the .gz files in ``folder``."""
    files = {}
    for key, name in (
        ("train_images", "train-images-idx3-ubyte.gz"),
        ("train_labels", "train-labels-idx1-ubyte.gz"),
        ("test_images", "t10k-images-idx3-ubyte.gz"),
        ("test_labels", "t10k-labels-idx1-ubyte.gz"),
    ):
        files[key] = (name, hashlib.sha256((folder / name).read_bytes()).hexdigest())
    return IDXDatasetSpec(name="fake-mnist", files=files, mirrors=[], system_folders=list(system_folders))


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("MATHDL_DATA", str(cache))
    return cache


def test_loads_a_named_folder_gz_or_plain(tmp_path, empty_cache, fake_idx):
    for compress in (True, False):
        folder = tmp_path / f"data-{compress}"
        arrays = fake_idx(folder, compress=compress)
        (x_train, y_train), (x_test, y_test) = load_idx_dataset(
            FASHION_MNIST_SPEC, root=folder, download=False
        )
        assert x_train.dtype == np.uint8 and x_train.shape == (20, 28, 28)
        assert y_train.shape == (20,) and x_test.shape == (10, 28, 28) and y_test.shape == (10,)
        np.testing.assert_array_equal(x_train, arrays["train"][0])
        np.testing.assert_array_equal(y_test, arrays["t10k"][1])


def test_search_order_root_then_cache_then_system(tmp_path, empty_cache, fake_idx):
    root, system = tmp_path / "root", tmp_path / "system"
    fake_idx(root, fill=1)
    fake_idx(empty_cache / "fake-mnist", fill=2)
    fake_idx(system, fill=3)
    spec = fake_spec(root, system_folders=[str(system)])
    assert search_folders(spec, root) == [str(root), str(empty_cache / "fake-mnist"), str(system)]

    def marker(**kwargs):
        (x_train, _), _ = load_idx_dataset(spec, download=False, **kwargs)
        return int(x_train[0, 0, 0])

    assert marker(root=root) == 1
    assert marker() == 2
    assert marker(root=tmp_path / "empty") == 2
    for path in (empty_cache / "fake-mnist").iterdir():
        path.unlink()
    assert marker() == 3


def test_nothing_found_without_download_lists_the_folders(tmp_path, empty_cache, fake_idx):
    fake_idx(tmp_path / "src")
    spec = fake_spec(tmp_path / "src", system_folders=[str(tmp_path / "sys")])
    with pytest.raises(DatasetNotFoundError) as info:
        load_idx_dataset(spec, root=tmp_path / "mine", download=False)
    message = str(info.value)
    for folder in (tmp_path / "mine", empty_cache / "fake-mnist", tmp_path / "sys"):
        assert str(folder) in message
    assert "download=True" in message


def test_download_into_the_cache_then_reuse_it_offline(http_folder, empty_cache, fake_idx):
    served, base = http_folder
    arrays = fake_idx(served, fill=5)
    spec = fake_spec(served)
    (x_train, y_train), (x_test, _) = load_idx_dataset(spec, mirrors=[base])
    np.testing.assert_array_equal(x_train, arrays["train"][0])
    cached = sorted(os.listdir(empty_cache / "fake-mnist"))
    assert cached == sorted(name for name, _ in spec.files.values())
    for path in served.iterdir():  # the server now has nothing: the cache must be used
        path.unlink()
    (x_again, _), _ = load_idx_dataset(spec, mirrors=[base])
    np.testing.assert_array_equal(x_again, x_train)


def test_download_goes_to_root_when_named(http_folder, tmp_path, empty_cache, fake_idx):
    served, base = http_folder
    fake_idx(served)
    spec = fake_spec(served)
    load_idx_dataset(spec, root=tmp_path / "mine", mirrors=[base])
    assert len(os.listdir(tmp_path / "mine")) == 4
    assert not (empty_cache / "fake-mnist").exists()


def test_corrupt_official_download_raises_and_leaves_nothing(
    http_folder, tmp_path, empty_cache, monkeypatch, fake_idx
):
    served, base = http_folder
    fake_idx(served)  # right names, wrong bytes: the official hashes cannot match
    monkeypatch.setattr(FASHION_MNIST_SPEC, "system_folders", [])
    with pytest.raises(DownloadError) as info:
        load_fashion_mnist(root=tmp_path / "root", mirrors=[base])
    message = str(info.value)
    assert base + "train-images-idx3-ubyte.gz" in message
    assert FASHION_MNIST_SPEC.files["train_images"][1]["sha256"] in message
    assert "mismatch" in message
    assert os.listdir(tmp_path / "root") == []


def test_unreachable_mirror_raises_clear_error(closed_port_url, tmp_path, empty_cache, monkeypatch):
    monkeypatch.setattr(MNIST_SPEC, "system_folders", [])
    with pytest.raises(DownloadError, match="cannot connect"):
        load_mnist(mirrors=[closed_port_url], timeout=5)
    assert os.listdir(empty_cache / "mnist") == []


def test_found_files_are_validated(tmp_path, empty_cache, fake_idx):
    folder = tmp_path / "bad"
    fake_idx(folder)
    write_idx(folder / "train-labels-idx1-ubyte.gz", (np.arange(20) % 11).astype(np.uint8))
    with pytest.raises(ValueError, match="label 10 is outside 0..9"):
        load_idx_dataset(FASHION_MNIST_SPEC, root=folder, download=False)
    write_idx(folder / "train-labels-idx1-ubyte.gz", np.zeros(19, np.uint8))
    with pytest.raises(ValueError, match="20 images but 19 labels"):
        load_idx_dataset(FASHION_MNIST_SPEC, root=folder, download=False)
    write_idx(folder / "train-images-idx3-ubyte.gz", np.zeros((19, 27, 28), np.uint8))
    with pytest.raises(ValueError, match=r"\(N, 28, 28\)"):
        load_idx_dataset(FASHION_MNIST_SPEC, root=folder, download=False)


def test_mirror_list_is_replaceable_and_specs_are_complete():
    for spec in (FASHION_MNIST_SPEC, MNIST_SPEC):
        assert set(spec.files) == set(mnist_module.FILE_KEYS)
        for _, checksum in spec.files.values():
            assert len(checksum["sha256"]) == 64 and len(checksum["md5"]) == 32
        assert all(url.endswith("/") for url in spec.mirrors)
    assert FASHION_MNIST_SPEC.system_folders == [DEBIAN]


@pytest.mark.skipif(not os.path.isdir(DEBIAN), reason="Debian's dataset-fashion-mnist is not installed")
def test_debian_copy_of_fashion_mnist(empty_cache):
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(download=False)
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert x_train.dtype == y_train.dtype == np.uint8
    np.testing.assert_array_equal(np.bincount(y_train), [6000] * 10)
    np.testing.assert_array_equal(np.bincount(y_test), [1000] * 10)
    # The first labels of the official files (train: ankle boot, T-shirt, T-shirt, dress, ...).
    np.testing.assert_array_equal(y_train[:10], [9, 0, 0, 3, 0, 2, 7, 2, 5, 5])
    np.testing.assert_array_equal(y_test[:10], [9, 2, 1, 1, 6, 1, 4, 6, 5, 7])


@pytest.mark.skipif(not os.path.isdir(DEBIAN), reason="Debian's dataset-fashion-mnist is not installed")
def test_read_then_written_idx_bytes_are_the_published_raw_files(empty_cache, tmp_path):
    """read_idx + write_idx reproduce the official uncompressed files bit for bit (SHA-256s of the
    raw IDX files as published by several projects)."""
    _, (x_test, y_test) = load_fashion_mnist(download=False)
    write_idx(tmp_path / "t10k-images-idx3-ubyte", x_test)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", y_test)
    digest = {
        name: hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()
        for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
    }
    assert (
        digest["t10k-images-idx3-ubyte"] == "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"
    )
    assert (
        digest["t10k-labels-idx1-ubyte"] == "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"
    )


# Debian's copies are the official archives with the gzip header rewritten (file name dropped,
# timestamp replaced). These are the original timestamps, recovered by search against the README's
# MD5s; with them the official archives can be rebuilt byte for byte.
ORIGINAL_GZIP_MTIME = {
    "train-images-idx3-ubyte": 1504176606,
    "train-labels-idx1-ubyte": 1504176606,
    "t10k-images-idx3-ubyte": 1504176627,
    "t10k-labels-idx1-ubyte": 1504176627,
}
README_MD5 = {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
}


@pytest.mark.skipif(not os.path.isdir(DEBIAN), reason="Debian's dataset-fashion-mnist is not installed")
def test_spec_checksums_are_those_of_the_official_archives_rebuilt_from_debian():
    for name, checksum in FASHION_MNIST_SPEC.files.values():
        debian = open(os.path.join(DEBIAN, name), "rb").read()
        assert debian[:4] == b"\x1f\x8b\x08\x00"  # deflate, no flags: the file name was dropped
        stem = name[:-3]
        official = (
            b"\x1f\x8b\x08\x08"
            + struct.pack("<I", ORIGINAL_GZIP_MTIME[stem])
            + debian[8:10]
            + stem.encode()
            + b"\x00"
            + debian[10:]
        )
        assert hashlib.md5(official).hexdigest() == README_MD5[name] == checksum["md5"]
        assert hashlib.sha256(official).hexdigest() == checksum["sha256"]
