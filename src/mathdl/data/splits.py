"""Splitting data for model selection: random splits, train/validation splits, k-fold splits.

Every function draws its randomness from ``seed`` (an int: a private generator, so the split does
not disturb the global stream) or else from ``mathdl.random.generator()`` (so ``md.manual_seed``
fixes it), or from an explicit ``numpy.random.Generator``.
"""

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from mathdl.data.dataset import Subset, as_array
from mathdl.random import generator as global_generator
from mathdl.typing import TensorLike


def resolve_generator(seed=None, generator=None, where="split"):
    """The generator to draw from: ``generator`` if given, else ``default_rng(seed)``, else global.

    A ``numpy.random.Generator`` passed as ``seed`` (PyTorch's positional ``generator``) is used
    as the generator.
    """
    if isinstance(seed, np.random.Generator) and generator is None:
        seed, generator = None, seed
    if generator is not None:
        if seed is not None:
            raise ValueError(f"{where}: give seed or generator, not both")
        if not isinstance(generator, np.random.Generator):
            raise TypeError(
                f"{where}: generator must be a numpy.random.Generator, got {type(generator).__name__}"
            )
        return generator
    if seed is None:
        return global_generator()
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"{where}: seed must be a non-negative integer or None, got {seed!r}")
    return np.random.default_rng(int(seed))


def _split_lengths(n, lengths):
    lengths = list(lengths)
    if not lengths:
        raise ValueError("random_split: lengths must not be empty")
    if all(isinstance(x, (int, np.integer)) and not isinstance(x, bool) for x in lengths):
        if any(x < 0 for x in lengths) or sum(lengths) != n:
            raise ValueError(
                f"random_split: lengths {lengths} must be non-negative and sum to the dataset length {n}"
            )
        return [int(x) for x in lengths]
    if not all(isinstance(x, numbers.Real) and not isinstance(x, bool) for x in lengths) or any(
        isinstance(x, (int, np.integer)) and x not in (0, 1) for x in lengths
    ):
        raise TypeError(f"random_split: lengths must be all ints or all fractions, got {lengths}")
    if any(not 0 <= x <= 1 for x in lengths) or not math.isclose(sum(lengths), 1.0, abs_tol=1e-6):
        raise ValueError(f"random_split: fractions {lengths} must lie in [0, 1] and sum to 1")
    # PyTorch's rule: floor each share, then hand the remainder out one by one, round robin.
    sizes = [int(math.floor(n * x)) for x in lengths]
    for k in range(n - sum(sizes)):
        sizes[k % len(sizes)] += 1
    return sizes


def random_split(
    dataset: Any,
    lengths: Sequence[int] | Sequence[float],
    seed: int | None = None,
    generator: Any | None = None,
) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random ``Subset``s of the given lengths.

    ``lengths`` are ints summing to ``len(dataset)`` or fractions summing to 1 (each share is
    floored, then the leftover samples go one each to the first subsets, as in PyTorch).
    Returns a list of Subsets, one per length.
    """
    n = len(dataset)
    sizes = _split_lengths(n, lengths)
    rng = resolve_generator(seed, generator, "random_split")
    order = rng.permutation(n)
    bounds = np.cumsum([0] + sizes)
    return [Subset(dataset, order[bounds[k] : bounds[k + 1]]) for k in range(len(sizes))]


def _labels_array(labels, n, where):
    labels = as_array(labels, f"{where} labels")
    if labels.ndim != 1 or labels.shape[0] != n:
        raise ValueError(f"{where}: labels must have shape ({n},) (one per sample), got {labels.shape}")
    return labels


def _rank_within_class(labels, order):
    """For the samples in ``order``, their position among the samples of the same class."""
    permuted = labels[order]
    by_class = np.argsort(permuted, kind="stable")
    sorted_labels = permuted[by_class]
    starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
    class_sizes = np.diff(np.r_[starts, len(sorted_labels)])
    rank_sorted = np.arange(len(sorted_labels)) - np.repeat(starts, class_sizes)
    return by_class, rank_sorted, class_sizes, starts


def train_val_split(
    dataset: Any,
    val_fraction: float = 0.2,
    seed: int | None = None,
    stratify: TensorLike | None = None,
    generator: Any | None = None,
) -> tuple[Subset, Subset]:
    """Split ``dataset`` at random into ``(train_subset, val_subset)``.

    ``val_fraction`` in (0, 1) is the share held out for validation (``round(val_fraction * N)``
    samples). ``stratify``: optional labels of shape (N,); then each class gives
    ``round(val_fraction * n_class)`` samples to validation, so both parts keep the class
    proportions. Both parts must end up non-empty.
    """
    n = len(dataset)
    if (
        isinstance(val_fraction, bool)
        or not isinstance(val_fraction, numbers.Real)
        or not 0 < val_fraction < 1
    ):
        raise ValueError(f"train_val_split: val_fraction must be a number in (0, 1), got {val_fraction!r}")
    rng = resolve_generator(seed, generator, "train_val_split")
    order = rng.permutation(n)
    if stratify is None:
        n_val = int(round(val_fraction * n))
        is_val = np.zeros(n, dtype=bool)
        is_val[order[:n_val]] = True
    else:
        labels = _labels_array(stratify, n, "train_val_split")
        by_class, rank, class_sizes, starts = _rank_within_class(labels, order)
        n_val_per_class = np.rint(val_fraction * class_sizes).astype(np.int64)
        is_val_sorted = rank < np.repeat(n_val_per_class, class_sizes)
        is_val = np.zeros(n, dtype=bool)
        is_val[order[by_class[is_val_sorted]]] = True
    val_idx = np.flatnonzero(is_val)
    train_idx = np.flatnonzero(~is_val)
    if len(val_idx) == 0 or len(train_idx) == 0:
        raise ValueError(
            f"train_val_split: val_fraction={val_fraction} of {n} samples leaves "
            f"{len(train_idx)} for training and {len(val_idx)} for validation; "
            f"both must be non-empty"
        )
    # Keep each part in a fresh random order (not sorted), like random_split.
    return (
        Subset(dataset, train_idx[rng.permutation(len(train_idx))]),
        Subset(dataset, val_idx[rng.permutation(len(val_idx))]),
    )


def kfold_splits(n_or_labels, k=5, shuffle=True, seed=None, stratified=False, generator=None):
    """Yield ``(train_idx, val_idx)`` int64 index arrays for k-fold cross-validation.

    ``n_or_labels``: the number of samples N, or labels of shape (N,) (needed for
    ``stratified=True``). The N samples are cut into k folds whose sizes differ by at most one
    (the first ``N % k`` folds get one more); each fold is the validation set once and every
    sample is in exactly one validation fold. ``shuffle`` permutes the samples first (from
    ``seed``/``generator``/the global generator); without it fold j is a contiguous block.
    ``stratified``: deal each class's samples round robin over the folds, so every fold keeps the
    class proportions (each class's count per fold differs by at most one across folds).
    Index arrays are sorted ascending.
    """
    if isinstance(n_or_labels, (int, np.integer)) and not isinstance(n_or_labels, bool):
        n, labels = int(n_or_labels), None
        if n < 0:
            raise ValueError(f"kfold_splits: the number of samples must be >= 0, got {n}")
    else:
        labels = as_array(n_or_labels, "kfold_splits labels")
        if labels.ndim != 1:
            raise ValueError(f"kfold_splits: labels must be 1-D (one per sample), got shape {labels.shape}")
        n = labels.shape[0]
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 2:
        raise ValueError(f"kfold_splits: k must be an integer >= 2, got {k!r}")
    if k > n:
        raise ValueError(f"kfold_splits: k={k} folds need at least k samples, got {n}")
    if stratified and labels is None:
        raise ValueError("kfold_splits: stratified=True needs the labels, not just the count")
    if not isinstance(shuffle, (bool, np.bool_)):
        raise TypeError(f"kfold_splits: shuffle must be True or False, got {shuffle!r}")
    if shuffle:
        order = resolve_generator(seed, generator, "kfold_splits").permutation(n)
    else:
        if seed is not None or generator is not None:
            raise ValueError("kfold_splits: seed/generator only apply with shuffle=True")
        order = np.arange(n)
    fold = np.empty(n, dtype=np.int64)
    if stratified:
        by_class, _, _, _ = _rank_within_class(labels, order)
        fold[order[by_class]] = np.arange(n) % k
    else:
        sizes = np.full(k, n // k)
        sizes[: n % k] += 1
        fold[order] = np.repeat(np.arange(k), sizes)
    everything = np.arange(n, dtype=np.int64)
    for j in range(k):
        in_fold = fold == j
        yield everything[~in_fold], everything[in_fold]
