"""Datasets on disk: the IDX format, MNIST / Fashion-MNIST (local, Debian or checksummed download),
the shipped Fashion-MNIST subset, spoken digits (espeak-ng), and ``load_dataset(name)``."""

from mathdl.data.datasets.download import DownloadError, cache_folder, cache_root, download
from mathdl.data.datasets.fashion_subset import load_fashion_mnist_subset
from mathdl.data.datasets.idx import IDXError, read_idx, write_idx
from mathdl.data.datasets.images import MNIST, FashionMNIST, ImageDataset
from mathdl.data.datasets.mnist import (
    FASHION_MNIST_CLASSES,
    FASHION_MNIST_SPEC,
    MNIST_CLASSES,
    MNIST_SPEC,
    DatasetNotFoundError,
    IDXDatasetSpec,
    load_fashion_mnist,
    load_idx_dataset,
    load_mnist,
)
from mathdl.data.datasets.registry import DATASET_NAMES, load_dataset
from mathdl.data.datasets.scenes import FashionScenes, MovingFashionScenes, collate_scenes
from mathdl.data.datasets.speech import (
    SPOKEN_DIGIT_CLASSES,
    EspeakNotFoundError,
    SpokenDigits,
    load_spoken_digits,
    make_spoken_digits,
)

__all__ = [
    "DATASET_NAMES",
    "FASHION_MNIST_CLASSES",
    "FASHION_MNIST_SPEC",
    "MNIST",
    "MNIST_CLASSES",
    "MNIST_SPEC",
    "MovingFashionScenes",
    "SPOKEN_DIGIT_CLASSES",
    "SpokenDigits",
    "DatasetNotFoundError",
    "DownloadError",
    "EspeakNotFoundError",
    "FashionMNIST",
    "FashionScenes",
    "IDXDatasetSpec",
    "IDXError",
    "ImageDataset",
    "cache_folder",
    "cache_root",
    "collate_scenes",
    "download",
    "load_dataset",
    "load_fashion_mnist",
    "load_fashion_mnist_subset",
    "load_idx_dataset",
    "load_mnist",
    "load_spoken_digits",
    "make_spoken_digits",
    "read_idx",
    "write_idx",
]
