"""Datasets: anything with ``len(dataset)`` and ``dataset[i]``, as in ``torch.utils.data``.

A dataset may also offer ``get_batch(indices)``: given an int64 index array of shape (B,), return
the whole batch at once as a tuple of arrays, each of shape (B, ...). ``DataLoader`` uses it when
present, so a batch is one fancy-indexing operation per field instead of B Python calls.
``TensorDataset``, ``Subset`` (of a dataset that has it) and the image datasets implement it.
"""

import numpy as np

from mathdl.autograd.tensor import Tensor


class Dataset:
    """The base class of map-style datasets: subclasses define ``__getitem__`` and ``__len__``.
    ``a + b`` is ``ConcatDataset([a, b])``, as in PyTorch."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(index)")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__()")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """The base class of iterable-style datasets (streams): subclasses define ``__iter__``.
    ``DataLoader`` batches consecutive samples; ``a + b`` chains two streams (``ChainDataset``)."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__()")

    def __getitem__(self, index):
        raise TypeError(f"{type(self).__name__} is an IterableDataset: iterate over it instead of indexing")

    def __add__(self, other):
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """The samples of several IterableDatasets, one after another."""

    def __init__(self, datasets):
        self.datasets = list(datasets)

    def __iter__(self):
        for dataset in self.datasets:
            yield from dataset

    def __len__(self):
        return sum(len(dataset) for dataset in self.datasets)


def as_array(value, name="value"):
    """The NumPy array behind ``value`` (a Tensor, array, or array-like), without copying arrays."""
    if isinstance(value, Tensor):
        return value.array
    if isinstance(value, np.ndarray):
        return value
    try:
        array = np.asarray(value)
    except ValueError:
        array = np.empty(0, dtype=object)
    if array.dtype == object:
        raise TypeError(
            f"{name}: cannot make an array from {type(value).__name__} (ragged or non-numeric data)"
        )
    return array


def check_indices(indices, length, where):
    """``indices`` as an int64 array of shape (B,), every entry in [-length, length)."""
    indices = np.asarray(indices)
    if indices.ndim != 1 or (indices.size and indices.dtype.kind not in "iu"):
        raise TypeError(
            f"{where}: indices must be a 1-D integer array, got dtype {indices.dtype} "
            f"and shape {indices.shape}"
        )
    indices = indices.astype(np.int64, copy=False)
    if indices.size and (indices.min() < -length or indices.max() >= length):
        bad = indices[(indices < -length) | (indices >= length)][0]
        raise IndexError(f"{where}: index {bad} is out of range for a dataset of length {length}")
    return indices


class TensorDataset(Dataset):
    """Samples are rows of the given tensors/arrays: ``dataset[i] == (t[i] for t in tensors)``.

    ``TensorDataset(x, y)`` with ``x`` of shape (N, ...) and ``y`` of shape (N, ...); every input
    must have the same first dimension N. The inputs are held without copying (``.arrays`` are
    the NumPy arrays, ``.tensors`` the same wrapped as Tensors). ``dataset[i]`` returns a tuple of
    Tensors (one row of each input), as PyTorch does.
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: give at least one tensor or array")
        arrays = tuple(as_array(t, f"TensorDataset (argument {k})") for k, t in enumerate(tensors))
        for k, array in enumerate(arrays):
            if array.ndim == 0:
                raise ValueError(
                    f"TensorDataset: argument {k} is a scalar; every input needs a first (sample) dimension"
                )
        sizes = [array.shape[0] for array in arrays]
        if len(set(sizes)) != 1:
            shapes = ", ".join(str(array.shape) for array in arrays)
            raise ValueError(
                f"TensorDataset: all inputs must have the same first dimension "
                f"(number of samples); got shapes {shapes}"
            )
        self.arrays = arrays

    @property
    def tensors(self):
        return tuple(Tensor(array) for array in self.arrays)

    def __len__(self):
        return self.arrays[0].shape[0]

    def __getitem__(self, index):
        """``dataset[i]``: one row of each input; a slice, an integer list/array/Tensor or a boolean
        mask gives the tuple of those rows (``tuple(t[index] for t in tensors)``, as PyTorch)."""
        n = len(self)
        if isinstance(index, (int, np.integer)) and not isinstance(index, bool):
            if not -n <= index < n:
                raise IndexError(f"TensorDataset: index {index} is out of range for length {n}")
        elif isinstance(index, slice):
            pass
        else:
            index = index.array if isinstance(index, Tensor) else np.asarray(index)
            if index.dtype == bool:
                if index.shape != (n,):
                    raise IndexError(
                        f"TensorDataset: a boolean mask must have shape ({n},), got {index.shape}"
                    )
            elif index.dtype.kind in "iu" and index.ndim == 1:
                index = check_indices(index, n, "TensorDataset")
            else:
                raise TypeError(
                    f"TensorDataset: index must be an integer, a slice, a 1-D integer sequence or a "
                    f"boolean mask, got {type(index).__name__} of dtype {index.dtype}"
                )
        return tuple(Tensor(array[index]) for array in self.arrays)

    def get_batch(self, indices):
        """Rows ``indices`` (int array of shape (B,)) of every input: a tuple of (B, ...) arrays."""
        indices = check_indices(indices, len(self), "TensorDataset.get_batch")
        return tuple(array[indices] for array in self.arrays)

    def __repr__(self):
        shapes = ", ".join(str(array.shape) for array in self.arrays)
        return f"TensorDataset({shapes})"


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices`` (a sequence or int array), in that order."""

    def __init__(self, dataset, indices):
        if not hasattr(dataset, "__getitem__") or not hasattr(dataset, "__len__"):
            raise TypeError(
                f"Subset: dataset must define __getitem__ and __len__, got {type(dataset).__name__}"
            )
        self.dataset = dataset
        self.indices = check_indices(as_array(indices, "Subset indices"), len(dataset), "Subset")

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, index):
        if not isinstance(index, (int, np.integer)):
            raise TypeError(f"Subset: index must be an integer, got {type(index).__name__}")
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"Subset: index {index} is out of range for length {n}")
        return self.dataset[int(self.indices[index])]

    @property
    def get_batch(self):
        # Offered only when the underlying dataset has a batch path, so DataLoader's
        # ``hasattr(dataset, "get_batch")`` test stays truthful.
        inner = getattr(self.dataset, "get_batch", None)
        if inner is None:
            raise AttributeError("get_batch")

        def get_batch(indices):
            """Rows ``indices`` of this subset, fetched in one call on the underlying dataset."""
            indices = check_indices(indices, len(self), "Subset.get_batch")
            return inner(self.indices[indices])

        return get_batch

    def __repr__(self):
        return f"Subset({type(self.dataset).__name__}, {len(self)} samples)"


class ConcatDataset(Dataset):
    """The samples of several map-style datasets, one after another: index i falls in the first
    dataset whose cumulative length exceeds it (``cumulative_sizes``, as PyTorch)."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for dataset in self.datasets:
            if isinstance(dataset, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset (use ChainDataset)")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        if not isinstance(index, (int, np.integer)):
            raise TypeError(f"ConcatDataset: index must be an integer, got {type(index).__name__}")
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"ConcatDataset: index {index} is out of range for length {n}")
        index = int(index) % n
        which = int(np.searchsorted(self.cumulative_sizes, index, side="right"))
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]

    @property
    def get_batch(self):
        # offered only when every part has a batch path (see Subset.get_batch)
        parts = [getattr(d, "get_batch", None) for d in self.datasets]
        if any(part is None for part in parts):
            raise AttributeError("get_batch")

        def get_batch(indices):
            """Rows ``indices`` gathered from the parts, one call per part, in the asked order."""
            indices = check_indices(indices, len(self), "ConcatDataset.get_batch") % len(self)
            which = np.searchsorted(self.cumulative_sizes, indices, side="right")
            starts = np.concatenate([[0], self.cumulative_sizes[:-1]])
            pieces = []
            for k in np.unique(which):
                chosen = np.flatnonzero(which == k)
                pieces.append((chosen, parts[k](indices[chosen] - starts[k])))
            fields = []
            for f in range(len(pieces[0][1])):
                dtype = np.result_type(*[batch[f] for _, batch in pieces])
                target = np.empty((len(indices),) + pieces[0][1][f].shape[1:], dtype=dtype)
                for chosen, batch in pieces:
                    target[chosen] = batch[f]
                fields.append(target)
            return tuple(fields)

        return get_batch
