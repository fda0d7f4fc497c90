"""MNIST and Fashion-MNIST from their four IDX files.

Where the files are looked for, in order (the first folder holding all four wins):

1. ``root``, the folder the caller names (if any);
2. the cache folder ``$MATHDL_DATA/<name>`` or ``~/.cache/mathdl/<name>``;
3. the system folders of the spec (for Fashion-MNIST ``/usr/share/datasets/fashion-mnist``,
   where Debian's ``dataset-fashion-mnist`` package installs it);
4. with ``download=True``: each file is fetched from the spec's mirrors into ``root`` (if given)
   or else the cache folder, verified against its published checksum and written atomically.

A file may be gzip-compressed (``train-images-idx3-ubyte.gz``) or plain
(``train-images-idx3-ubyte``). Files found locally are not re-hashed (Debian's packaging rewrites
their gzip headers, so their bytes differ from the official archives while the data is the same;
downloads were hashed when they arrived); they are validated structurally instead: IDX header,
uint8 shapes (N, 28, 28) and (N,), labels in 0..9, equal counts.
"""

import os
from dataclasses import dataclass, field

import numpy as np

from mathdl.data.datasets.download import cache_folder, download
from mathdl.data.datasets.idx import read_idx

FILE_KEYS = ("train_images", "train_labels", "test_images", "test_labels")


class DatasetNotFoundError(FileNotFoundError):
    """The dataset is in none of the searched folders and was not (or could not be) downloaded."""


@dataclass
class IDXDatasetSpec:
    """Where one IDX dataset lives: file names, checksums of the official archives, mirrors.

    ``files`` maps each of ``FILE_KEYS`` to ``(file_name, checksum)``; a checksum is a hex digest
    under ``algorithm`` or a dict ``{"sha256": ..., "md5": ...}`` whose digests must all match.
    ``mirrors`` are base URLs ending in ``/`` (a file's URL is
    ``mirror + file_name``); replace them (``spec.mirrors = [...]`` or the ``mirrors=`` argument
    of the loaders) to use another server. ``system_folders`` are searched after the cache.
    """

    name: str
    files: dict
    mirrors: list
    system_folders: list = field(default_factory=list)
    algorithm: str = "sha256"
    num_classes: int = 10
    image_shape: tuple = (28, 28)


# The official .gz files (60,000 + 10,000 images): the MD5s are the ones the Fashion-MNIST
# README publishes; the SHA-256s were checked by rebuilding the official archives from Debian's
# copies (see docs/data.md, "Checksums and where they come from"). A download must match both.
FASHION_MNIST_SPEC = IDXDatasetSpec(
    name="fashion-mnist",
    files={
        "train_images": (
            "train-images-idx3-ubyte.gz",
            {
                "sha256": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
                "md5": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
            },
        ),
        "train_labels": (
            "train-labels-idx1-ubyte.gz",
            {
                "sha256": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
                "md5": "25c81989df183df01b3e8a0aad5dffbe",
            },
        ),
        "test_images": (
            "t10k-images-idx3-ubyte.gz",
            {
                "sha256": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
                "md5": "bef4ecab320f06d8554ea6380940ec79",
            },
        ),
        "test_labels": (
            "t10k-labels-idx1-ubyte.gz",
            {
                "sha256": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
                "md5": "bb300cfdad3c16e7a12a480ee83cd310",
            },
        ),
    },
    mirrors=[
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
    ],
    system_folders=["/usr/share/datasets/fashion-mnist"],
)

# The original MNIST .gz files (LeCun, Cortes, Burges): SHA-256s as published by TensorFlow
# Datasets and PyTorch's mirror scripts, MD5s as torchvision uses them; both must match.
# yann.lecun.com itself is unreliable, so the mirrors go first.
MNIST_SPEC = IDXDatasetSpec(
    name="mnist",
    files={
        "train_images": (
            "train-images-idx3-ubyte.gz",
            {
                "sha256": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                "md5": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
            },
        ),
        "train_labels": (
            "train-labels-idx1-ubyte.gz",
            {
                "sha256": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                "md5": "d53e105ee54ea40749a09fcbcd1e9432",
            },
        ),
        "test_images": (
            "t10k-images-idx3-ubyte.gz",
            {
                "sha256": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                "md5": "9fb629c4189551a2d022fa330f9573f3",
            },
        ),
        "test_labels": (
            "t10k-labels-idx1-ubyte.gz",
            {
                "sha256": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                "md5": "ec29112dd5afa0611ce80d1b7f02629c",
            },
        ),
    },
    mirrors=[
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ],
    system_folders=["/usr/share/datasets/mnist"],
)

FASHION_MNIST_CLASSES = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]
MNIST_CLASSES = [str(digit) for digit in range(10)]


def _file_in(folder, file_name):
    """The path of ``file_name`` (or its uncompressed twin) in ``folder``, or None."""
    plain = file_name[:-3] if file_name.endswith(".gz") else file_name
    for candidate in (file_name, plain):
        path = os.path.join(folder, candidate)
        if os.path.isfile(path):
            return path
    return None


def find_files(folder, spec):
    """The paths of the spec's four files in ``folder`` (dict by ``FILE_KEYS``), or None."""
    if not folder or not os.path.isdir(folder):
        return None
    paths = {key: _file_in(folder, name) for key, (name, _) in spec.files.items()}
    return paths if all(paths.values()) else None


def search_folders(spec, root=None):
    """The folders searched for ``spec``'s files, in order: root, cache folder, system folders."""
    folders = [os.fspath(root)] if root is not None else []
    return folders + [cache_folder(spec.name)] + list(spec.system_folders)


def locate(spec, root=None, download_missing=True, mirrors=None, timeout=60.0):
    """Find (or download) the spec's four files; return their paths as a dict by ``FILE_KEYS``.

    Raises ``DatasetNotFoundError`` listing the folders searched when the files are nowhere and
    ``download_missing`` is False, and ``DownloadError`` when downloading fails.
    """
    folders = search_folders(spec, root)
    for folder in folders:
        paths = find_files(folder, spec)
        if paths is not None:
            return paths
    if not download_missing:
        raise DatasetNotFoundError(
            f"{spec.name}: the files {', '.join(name for name, _ in spec.files.values())} are not "
            f"in any of: {', '.join(folders)}; pass download=True to fetch them, or root= a folder "
            f"that holds them"
        )
    target = os.fspath(root) if root is not None else cache_folder(spec.name)
    bases = list(spec.mirrors if mirrors is None else mirrors)
    if not bases:
        raise ValueError(f"{spec.name}: no mirrors to download from")
    paths = {}
    for key, (name, checksum) in spec.files.items():
        existing = _file_in(target, name)
        if existing is not None:
            paths[key] = existing
            continue
        urls = [base if base.endswith(name) else base.rstrip("/") + "/" + name for base in bases]
        paths[key] = download(urls, os.path.join(target, name), checksum, spec.algorithm, timeout)
    return paths


def _check_split(images, labels, spec, where):
    expected = spec.image_shape
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != expected:
        raise ValueError(
            f"{where}: images must be uint8 of shape (N, {expected[0]}, {expected[1]}),"
            f" got {images.dtype} {images.shape}"
        )
    if labels.dtype != np.uint8 or labels.ndim != 1:
        raise ValueError(f"{where}: labels must be uint8 of shape (N,), got {labels.dtype} {labels.shape}")
    if len(images) != len(labels):
        raise ValueError(f"{where}: {len(images)} images but {len(labels)} labels")
    if labels.size and labels.max() >= spec.num_classes:
        raise ValueError(f"{where}: label {labels.max()} is outside 0..{spec.num_classes - 1}")


def load_idx_dataset(spec, root=None, download=True, mirrors=None, timeout=60.0):
    """Load an IDX image-classification dataset: ``(x_train, y_train), (x_test, y_test)``.

    Images are uint8 (N, H, W), labels uint8 (N,), exactly as stored. See the module docstring
    for the search order; ``mirrors`` replaces ``spec.mirrors`` for this call.
    """
    paths = locate(spec, root, download, mirrors, timeout)
    arrays = {key: read_idx(path) for key, path in paths.items()}
    _check_split(
        arrays["train_images"],
        arrays["train_labels"],
        spec,
        f"{spec.name} training files in {os.path.dirname(paths['train_images'])}",
    )
    _check_split(
        arrays["test_images"],
        arrays["test_labels"],
        spec,
        f"{spec.name} test files in {os.path.dirname(paths['test_images'])}",
    )
    return ((arrays["train_images"], arrays["train_labels"]), (arrays["test_images"], arrays["test_labels"]))


def load_fashion_mnist(root=None, download=True, mirrors=None, timeout=60.0):
    """Fashion-MNIST (Xiao, Rasul & Vollgraf 2017): ``(x_train, y_train), (x_test, y_test)``.

    uint8 arrays: x_train (60000, 28, 28), y_train (60000,), x_test (10000, 28, 28),
    y_test (10000,); labels index ``FASHION_MNIST_CLASSES``. Searched in ``root``, the cache,
    then ``/usr/share/datasets/fashion-mnist``; downloaded (SHA-256 checked) if ``download``.
    """
    return load_idx_dataset(FASHION_MNIST_SPEC, root, download, mirrors, timeout)


def load_mnist(root=None, download=True, mirrors=None, timeout=60.0):
    """MNIST handwritten digits: ``(x_train, y_train), (x_test, y_test)`` uint8 arrays.

    Shapes (60000, 28, 28), (60000,), (10000, 28, 28), (10000,); labels are the digits 0..9.
    Searched in ``root``, then the cache; downloaded (SHA-256 checked) if ``download``.
    """
    return load_idx_dataset(MNIST_SPEC, root, download, mirrors, timeout)
