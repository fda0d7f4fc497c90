"""The Fashion-MNIST subset shipped inside mathdl, so every example runs offline.

``fashion_mnist_subset.npz`` (beside this file, made by ``scripts/make_fashion_subset.py``) holds
6,000 training images (600 per class) and 1,000 test images (100 per class) drawn with seed 0 from
the official Fashion-MNIST splits and kept in their original order. Fashion-MNIST is
Copyright (c) 2017 Zalando SE, MIT licence: see ``FASHION_MNIST_LICENSE.txt`` beside it.
"""

import os
import zipfile

import numpy as np

SUBSET_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fashion_mnist_subset.npz")
_KEYS = ("x_train", "y_train", "x_test", "y_test")


def load_fashion_mnist_subset(path=SUBSET_PATH):
    """The shipped subset: ``(x_train, y_train), (x_test, y_test)`` like ``load_fashion_mnist``.

    uint8 arrays: x_train (6000, 28, 28), y_train (6000,), x_test (1000, 28, 28), y_test (1000,);
    every class appears equally often. Each call returns fresh (writable) arrays.
    """
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [key for key in _KEYS if key not in archive.files]
            if missing:
                raise ValueError(f"load_fashion_mnist_subset: {path} lacks entries {missing}")
            x_train, y_train, x_test, y_test = (archive[key] for key in _KEYS)
    except (OSError, zipfile.BadZipFile, EOFError) as error:
        raise ValueError(
            f"load_fashion_mnist_subset: cannot read {path} ({error}); reinstall "
            f"mathdl or regenerate it with scripts/make_fashion_subset.py"
        ) from None
    for images, labels, split in ((x_train, y_train, "train"), (x_test, y_test, "test")):
        if (
            images.dtype != np.uint8
            or images.ndim != 3
            or images.shape[1:] != (28, 28)
            or labels.shape != (images.shape[0],)
        ):
            raise ValueError(
                f"load_fashion_mnist_subset: {path} has malformed {split} arrays "
                f"{images.dtype} {images.shape} / {labels.shape}"
            )
    return (x_train, y_train), (x_test, y_test)
