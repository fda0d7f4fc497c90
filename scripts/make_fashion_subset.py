"""Make the Fashion-MNIST subset shipped inside mathdl (src/mathdl/data/datasets/).

    python scripts/make_fashion_subset.py [--root DIR] [--train-per-class 600] [--test-per-class 100]
                                          [--seed 0] [--out PATH]

From the full Fashion-MNIST (found as ``load_fashion_mnist`` finds it: --root, the cache, Debian's
/usr/share/datasets/fashion-mnist, or a checksummed download) it draws, with a fixed seed, the same
number of images of every class from the training and the test split, keeps them in their original
order, and writes a compressed npz (no pickle) with uint8 arrays x_train (N, 28, 28), y_train (N,),
x_test, y_test, plus train_indices / test_indices (positions in the full splits) and the seed,
so anyone can check the subset against the full set. The write is atomic.
"""

import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, "src"))

from mathdl.data.datasets.mnist import load_fashion_mnist  # noqa: E402
from mathdl.io import atomic_write  # noqa: E402

DEFAULT_OUT = os.path.join(HERE, os.pardir, "src", "mathdl", "data", "datasets", "fashion_mnist_subset.npz")


def stratified_indices(labels, per_class, rng):
    """``per_class`` positions of every class in ``labels``, drawn without replacement, sorted."""
    chosen = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        if len(members) < per_class:
            raise ValueError(f"class {label} has only {len(members)} samples, {per_class} requested")
        chosen.append(rng.choice(members, size=per_class, replace=False))
    return np.sort(np.concatenate(chosen))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=None, help="folder holding the four IDX files")
    parser.add_argument("--train-per-class", type=int, default=600)
    parser.add_argument("--test-per-class", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=DEFAULT_OUT)
    args = parser.parse_args(argv)

    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(args.root)
    rng = np.random.default_rng(args.seed)
    train_indices = stratified_indices(y_train, args.train_per_class, rng)
    test_indices = stratified_indices(y_test, args.test_per_class, rng)
    arrays = {
        "x_train": x_train[train_indices],
        "y_train": y_train[train_indices],
        "x_test": x_test[test_indices],
        "y_test": y_test[test_indices],
        "train_indices": train_indices.astype(np.uint16),
        "test_indices": test_indices.astype(np.uint16),
        "seed": np.array(args.seed, dtype=np.int64),
    }
    out = os.path.abspath(args.out)
    with atomic_write(out) as stream:
        np.savez_compressed(stream, **arrays)
    print(
        f"wrote {out}: {len(train_indices)} train + {len(test_indices)} test images, "
        f"{os.path.getsize(out) / 1e6:.2f} MB"
    )


if __name__ == "__main__":
    main()
