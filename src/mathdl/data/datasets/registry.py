"""``load_dataset(name)``: one entry point from a name (or a folder) to the arrays (used by the CLI)."""

import os

from mathdl.data.datasets.fashion_subset import load_fashion_mnist_subset
from mathdl.data.datasets.mnist import (
    FASHION_MNIST_SPEC,
    DatasetNotFoundError,
    IDXDatasetSpec,
    find_files,
    load_fashion_mnist,
    load_idx_dataset,
    load_mnist,
)

DATASET_NAMES = ("fashion-mnist-subset", "fashion-mnist", "mnist")


def load_dataset(name="fashion-mnist-subset", root=None, download=True):
    """``(x_train, y_train), (x_test, y_test)`` uint8 arrays for a dataset name or a folder.

    ``name``: ``'fashion-mnist-subset'`` (default; shipped, offline), ``'fashion-mnist'``,
    ``'mnist'`` (``_`` may replace ``-``, case ignored), or the path of a folder holding the four
    MNIST-style IDX files (``train-images-idx3-ubyte[.gz]``, ``train-labels-idx1-ubyte[.gz]``,
    ``t10k-images-idx3-ubyte[.gz]``, ``t10k-labels-idx1-ubyte[.gz]``; 10 classes). ``root`` and
    ``download`` are passed to the full loaders. Images are (N, 28, 28), labels (N,).
    """
    if not isinstance(name, (str, os.PathLike)):
        raise TypeError(f"load_dataset: name must be a string or path, got {type(name).__name__}")
    text = os.fspath(name)
    key = text.strip().lower().replace("_", "-")
    if key == "fashion-mnist-subset":
        return load_fashion_mnist_subset()
    if key == "fashion-mnist":
        return load_fashion_mnist(root, download)
    if key == "mnist":
        return load_mnist(root, download)
    if os.path.isdir(text):
        spec = IDXDatasetSpec(
            name=os.path.basename(os.path.abspath(text)),
            files=FASHION_MNIST_SPEC.files,
            mirrors=[],
            system_folders=[],
        )
        # Only the named folder is searched: a user's folder must not silently fall back to the
        # cache or the system copy of some other dataset.
        return _load_folder(spec, text)
    raise ValueError(
        f"load_dataset: unknown dataset {text!r}; use one of {', '.join(DATASET_NAMES)}"
        f" or the path of a folder of IDX files"
    )


def _load_folder(spec, folder):
    if find_files(folder, spec) is None:
        names = ", ".join(name for name, _ in spec.files.values())
        raise DatasetNotFoundError(
            f"load_dataset: folder {folder} does not hold the IDX files {names} (plain or .gz)"
        )
    return load_idx_dataset(spec, root=folder, download=False)
