"""ImageDataset / FashionMNIST / MNIST: the output format, the batch path, transforms, misuse."""

import numpy as np
import pytest

import mathdl as md
from mathdl.data import (
    FASHION_MNIST_CLASSES,
    DataLoader,
    FashionMNIST,
    ImageDataset,
    load_fashion_mnist_subset,
)
from mathdl.data.datasets import MNIST


@pytest.fixture
def images(rng):
    return rng.integers(0, 256, (7, 4, 5), dtype=np.uint8)


def test_default_format_is_float32_unit_range_channels_first(images):
    ds = ImageDataset(images, np.arange(7) % 3)
    image, label = ds[2]
    assert image.shape == (1, 4, 5) and image.dtype == np.float32
    np.testing.assert_array_equal(image[0], images[2].astype(np.float32) / 255)
    assert label == 2 and isinstance(label, int)
    assert 0.0 <= image.min() and image.max() <= 1.0


@pytest.mark.parametrize("layout, shape", [("chw", (1, 4, 5)), ("hw", (4, 5)), ("flat", (20,))])
@pytest.mark.parametrize("scale", [True, False])
def test_layouts_and_batches_agree_with_samples(images, layout, shape, scale):
    ds = ImageDataset(images, np.arange(7), layout=layout, scale=scale)
    assert ds[0][0].shape == shape
    assert ds[0][0].dtype == (np.float32 if scale else np.uint8)
    batch, labels = ds.get_batch(np.array([6, 1, 3]))
    assert batch.shape == (3, *shape) and labels.dtype == np.int64
    np.testing.assert_array_equal(batch, np.stack([ds[i][0] for i in (6, 1, 3)]))
    np.testing.assert_array_equal(labels, [6, 1, 3])


def test_unscaled_samples_do_not_alias_the_stored_images(images):
    ds = ImageDataset(images, np.arange(7), scale=False, layout="hw")
    image, _ = ds[0]
    image[:] = 0
    assert ds.images[0].any()


def test_transforms_apply_per_sample_in_both_paths(images):
    ds = ImageDataset(
        images, np.arange(7), layout="flat", transform=lambda x: x[:3] * 2, target_transform=lambda y: y + 100
    )
    image, label = ds[1]
    np.testing.assert_allclose(image, images[1].reshape(-1)[:3] / 255 * 2, rtol=1e-6)
    assert label == 101
    batch, labels = ds.get_batch(np.array([1, 2]))
    assert batch.shape == (2, 3)
    np.testing.assert_array_equal(labels, [101, 102])


def test_loader_uses_the_batch_path(images):
    class Counting(ImageDataset):
        calls = 0

        def __getitem__(self, index):
            Counting.calls += 1
            return super().__getitem__(index)

    loader = DataLoader(Counting(images, np.arange(7)), batch_size=3, shuffle=True)
    batches = list(loader)
    assert Counting.calls == 0
    assert [x.shape for x, _ in batches] == [(3, 1, 4, 5), (3, 1, 4, 5), (1, 1, 4, 5)]
    assert all(isinstance(x, md.Tensor) and y.dtype == np.int64 for x, y in batches)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"images": np.zeros((3, 4))}, ValueError, r"\(N, H, W\)"),
        ({"labels": np.zeros(4, np.int64)}, ValueError, r"shape \(3,\)"),
        ({"labels": np.zeros(3)}, TypeError, "integers"),
        ({"layout": "nhwc"}, ValueError, "layout must be one of"),
        ({"transform": 3}, TypeError, "transform must be callable"),
    ],
)
def test_misuse(kwargs, error, message):
    arguments = {"images": np.zeros((3, 4, 4), np.uint8), "labels": np.zeros(3, np.int64)}
    arguments.update(kwargs)
    with pytest.raises(error, match=message):
        ImageDataset(**arguments)


def test_index_errors(images):
    ds = ImageDataset(images, np.arange(7))
    with pytest.raises(IndexError, match="index 7 is out of range for length 7"):
        ds[7]
    with pytest.raises(TypeError, match="integer"):
        ds["0"]


def test_fashion_mnist_subset_dataset():
    train = FashionMNIST(subset=True)
    test = FashionMNIST(train=False, subset=True, layout="flat")
    assert len(train) == 6000 and len(test) == 1000 and test.train is False
    assert train.classes == FASHION_MNIST_CLASSES
    (x_train, y_train), _ = load_fashion_mnist_subset()
    image, label = train[10]
    np.testing.assert_array_equal(image[0], x_train[10] / np.float32(255))
    assert label == y_train[10]
    assert test[0][0].shape == (784,)


def test_full_dataset_classes_find_their_files(tmp_path, monkeypatch, fake_idx):
    monkeypatch.setenv("MATHDL_DATA", str(tmp_path / "cache"))
    arrays = fake_idx(tmp_path / "data", n_train=12, n_test=8)
    train = FashionMNIST(root=tmp_path / "data", download=False)
    test = MNIST(root=tmp_path / "data", train=False, download=False, scale=False, layout="hw")
    assert len(train) == 12 and len(test) == 8
    np.testing.assert_array_equal(test[3][0], arrays["t10k"][0][3])
    assert test.classes == [str(d) for d in range(10)]
