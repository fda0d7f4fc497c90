"""Image data for the recipes: a dataset name or folder → scaled arrays and loaders, with errors
that name the user's --dataset."""

import os

import numpy as np

from mathdl.cli.common import CommandError

IMAGE_DATASETS = ("fashion-mnist-subset", "fashion-mnist", "mnist")


def resolve_dataset(name):
    """A dataset name, or an absolute folder path (so --resume works from any folder)."""
    if name.strip().lower().replace("_", "-") in IMAGE_DATASETS:
        return name
    looks_like_path = os.sep in name or name.startswith((".", "~")) or os.path.exists(name)
    if not looks_like_path:
        raise CommandError(
            f"--dataset {name!r} is neither a known dataset ({', '.join(IMAGE_DATASETS)}) nor a folder path"
        )
    path = os.path.abspath(os.path.expanduser(name))
    if not os.path.exists(path):
        raise CommandError(f"--dataset {name}: no such folder")
    if not os.path.isdir(path):
        raise CommandError(f"--dataset {name} is a file; give a folder holding the four IDX files")
    return path


def load_images(config):
    """``(x_train, y_train), (x_test, y_test)`` uint8 arrays of the run's dataset, the training
    part cut to the run's ``limit``."""
    from mathdl.data import load_dataset

    dataset = config["dataset"]
    try:
        (x_train, y_train), (x_test, y_test) = load_dataset(dataset)
    except (OSError, ValueError) as error:
        raise CommandError(f"cannot load --dataset {dataset}: {error}") from None
    limit = config.get("limit")
    if limit:
        x_train, y_train = x_train[:limit], y_train[:limit]
        x_test, y_test = x_test[: max(limit // 5, 100)], y_test[: max(limit // 5, 100)]
    return (x_train, y_train.astype(np.int64)), (x_test, y_test.astype(np.int64))


def split_validation(x, y, config):
    """(train, val) pairs: a stratified share ``val_fraction`` of the training set, drawn with the
    run's seed (the same split on resume); val is None for a fraction of 0."""
    from mathdl.data import TensorDataset, train_val_split

    fraction = config.get("val_fraction") or 0
    if not fraction:
        return (x, y), None
    train_part, val_part = train_val_split(TensorDataset(y), fraction, seed=config["seed"], stratify=y)
    return (x[train_part.indices], y[train_part.indices]), (x[val_part.indices], y[val_part.indices])


def loaders(config, scaling="unit", flat=False):
    """(train loader (shuffled), val loader or None, test loader, sizes) of scaled images and
    labels, plus the arrays of the test set."""
    from mathdl.data import DataLoader, TensorDataset
    from mathdl.data.pixels import scale_images

    (x_train, y_train), (x_test, y_test) = load_images(config)
    (x_train, y_train), val = split_validation(x_train, y_train, config)
    x_train = scale_images(x_train, scaling, flat)
    x_test = scale_images(x_test, scaling, flat)
    train = DataLoader(TensorDataset(x_train, y_train), batch_size=config["batch_size"], shuffle=True)
    val_loader = None
    if val is not None:
        val_loader = DataLoader(TensorDataset(scale_images(val[0], scaling, flat), val[1]), batch_size=1000)
    test = DataLoader(TensorDataset(x_test, y_test), batch_size=1000)
    sizes = (
        f"{len(x_train)} training, {0 if val is None else len(val[0])} validation, {len(x_test)} test images"
    )
    return train, val_loader, test, sizes, (x_test, y_test)
