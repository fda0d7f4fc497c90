"""Data for training: datasets, mini-batch loading, splits for model selection, and the image
datasets (MNIST, Fashion-MNIST, the shipped offline Fashion-MNIST subset).

    from mathdl.data import DataLoader, TensorDataset, load_dataset
    (x_train, y_train), (x_test, y_test) = load_dataset("fashion-mnist-subset")
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=64, shuffle=True)
    for images, labels in loader: ...   # Tensors (64, 28, 28) uint8 and (64,) uint8
"""

from mathdl.data.dataloader import DataLoader, default_collate
from mathdl.data.dataset import Dataset, Subset, TensorDataset
from mathdl.data.datasets import (
    DATASET_NAMES,
    FASHION_MNIST_CLASSES,
    MNIST,
    MNIST_CLASSES,
    DatasetNotFoundError,
    DownloadError,
    FashionMNIST,
    IDXError,
    ImageDataset,
    load_dataset,
    load_fashion_mnist,
    load_fashion_mnist_subset,
    load_mnist,
    read_idx,
    write_idx,
)
from mathdl.data.datasets.photographs import (
    PHOTOGRAPH_NAMES,
    TEST_PHOTOGRAPHS,
    TRAIN_PHOTOGRAPHS,
    PhotographsUnavailableError,
    labelled_patches,
    load_photograph,
    load_photographs,
    photograph_names,
    random_patches,
    rgb_to_grey,
    rgb_to_luminance,
)
from mathdl.data.datasets.superresolution import sr_pair, sr_patches
from mathdl.data.splits import kfold_splits, random_split, train_val_split
from mathdl.data.text import (
    CharVocab,
    CorpusNotFoundError,
    WordVocab,
    load_corpus,
    pad_sequences,
    random_offset_batches,
    sequential_batches,
    split_ids,
    word_tokenize,
)

__all__ = [
    "PHOTOGRAPH_NAMES",
    "PhotographsUnavailableError",
    "TEST_PHOTOGRAPHS",
    "TRAIN_PHOTOGRAPHS",
    "labelled_patches",
    "load_photograph",
    "load_photographs",
    "photograph_names",
    "random_patches",
    "rgb_to_grey",
    "rgb_to_luminance",
    "sr_pair",
    "sr_patches",
    "CharVocab",
    "CorpusNotFoundError",
    "WordVocab",
    "load_corpus",
    "pad_sequences",
    "random_offset_batches",
    "sequential_batches",
    "split_ids",
    "word_tokenize",
    "DATASET_NAMES",
    "DataLoader",
    "Dataset",
    "DatasetNotFoundError",
    "DownloadError",
    "FASHION_MNIST_CLASSES",
    "FashionMNIST",
    "IDXError",
    "ImageDataset",
    "MNIST",
    "MNIST_CLASSES",
    "Subset",
    "TensorDataset",
    "default_collate",
    "kfold_splits",
    "load_dataset",
    "load_fashion_mnist",
    "load_fashion_mnist_subset",
    "load_mnist",
    "random_split",
    "read_idx",
    "train_val_split",
    "write_idx",
]
